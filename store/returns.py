"""The returns center (P10): staff record that a parcel refused at the door came back.

The effect is the store's own (`services.returned_parcel`, also the evals' `returned` world
event): the item is cancelled, refunded once (P9) and the customer e-mailed. Only a parcel
flagged for refusal is refunded this way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, cast

from sqlalchemy import Table, select

from store import services
from store.domain import errors
from store.domain.model import Actor, ItemStatus, money, utc, valid_id
from store.sql.orm import ItemRow, OrderRow, RefusalFlagRow
from store.unit_of_work import UnitOfWork

FLAGS = cast(Table, RefusalFlagRow.__table__)
ITEMS = cast(Table, ItemRow.__table__)
ORDERS = cast(Table, OrderRow.__table__)


@dataclass(frozen=True)
class Parcel:
    """A refused parcel the returns center expects back."""

    item_id: str
    order_id: str
    title: str
    amount: str
    currency: str | None  # the order's (ISO 4217); None: the shop's default
    customer_email: str
    flagged_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReturnRecorded:
    item_id: str
    order_id: str
    refund: str
    already: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"ok": True, **asdict(self)}


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise errors.NotAllowed("Only support staff record returns.")


def expected(uow: UnitOfWork, actor: Actor) -> list[Parcel]:
    """Flagged refusals still out for delivery (shipped, not yet back), oldest flag first."""
    _require_staff(actor)
    with uow:
        rows = uow.repo.connection.execute(
            select(FLAGS.c.item_id, FLAGS.c.order_id, FLAGS.c.created_at, ITEMS.c.title,
                   ITEMS.c.qty, ITEMS.c.unit_price, ORDERS.c.customer_email,
                   ORDERS.c.currency)
            .join(ITEMS, ITEMS.c.id == FLAGS.c.item_id)
            .join(ORDERS, ORDERS.c.id == FLAGS.c.order_id)
            .where(ITEMS.c.status == ItemStatus.SHIPPED.value)
            .order_by(FLAGS.c.created_at, FLAGS.c.id)
        ).all()
        return [Parcel(r.item_id, r.order_id, r.title, str(money(r.unit_price * r.qty)),
                       r.currency, r.customer_email, utc(r.created_at).isoformat()) for r in rows]


def record_return(uow: UnitOfWork, actor: Actor, item_id: str) -> ReturnRecorded:
    with uow:
        result = record_in(uow, actor, item_id)
        uow.commit()
        return result


def record_in(uow: UnitOfWork, actor: Actor, item_id: str) -> ReturnRecorded:
    """Inside the caller's transaction. A parcel never flagged raises NotActionable; one
    already back is reported as done before (P9)."""
    _require_staff(actor)
    item = uow.repo.item(item_id) if isinstance(item_id, str) and valid_id(item_id) else None
    if item is None:
        raise errors.RequestNotFound(f"There is no item {str(item_id)[:40]!r}.")
    result = services.returned_parcel(uow, item)
    uow.repo.audit(uow.now(), actor, "record_return", result.code, order_id=item.order_id,
                   item_ids=[item.id], rules=["P10", "P9"], detail={"message": result.message})
    if result.code in ("not_flagged", "conflict"):
        uow.commit()  # the refused attempt stays in the audit log
        raise errors.NotActionable(result.message, rules=("P10",))
    return ReturnRecorded(item.id, item.order_id, str(item.amount), result.code == "already",
                          result.message)
