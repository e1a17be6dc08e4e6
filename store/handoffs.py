"""The handoff queue (P13): customers handed to a person, worked by support staff.

Staff see the open handoffs, take one (atomically: two staff never both take it), and close
it with a note, which is e-mailed to the customer. Taking and closing never open a handoff.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, cast

from sqlalchemy import Table, select, update

from store.domain import errors
from store.domain.model import Actor, utc
from store.mail import compose, outbox
from store.sql.orm import CustomerRow, HandoffRow
from store.unit_of_work import UnitOfWork

HANDOFFS = cast(Table, HandoffRow.__table__)
CUSTOMERS = cast(Table, CustomerRow.__table__)
MAX_NOTE = 4000
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class Handoff:
    ticket: int
    customer_email: str | None
    customer_name: str | None
    order_id: str | None
    reason: str
    created_at: str
    thread_id: str | None
    taken_by: str | None
    closed: bool
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def contact_notice(customer_email: str) -> str:
    """What a customer is told when handed to a person: how they will be contacted."""
    return (f"A member of our support team will reply by e-mail to {customer_email}, "
            "usually within one working day. When someone takes your request you'll see it "
            "here in this conversation too.")


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise errors.NotAllowed("Only support staff work the handoff queue.")


def _select() -> Any:
    return (select(HANDOFFS, CUSTOMERS.c.name.label("customer_name"))
            .outerjoin(CUSTOMERS, CUSTOMERS.c.email == HANDOFFS.c.customer_email))


def _view(r: Any) -> Handoff:
    return Handoff(r.id, r.customer_email, r.customer_name, r.order_id, r.summary,
                   utc(r.created_at).isoformat(), r.thread_id, r.taken_by,
                   r.closed_at is not None, r.note)


def open_queue(uow: UnitOfWork, actor: Actor) -> list[Handoff]:
    """Handoffs not yet closed, oldest first (taken ones show who has them)."""
    _require_staff(actor)
    with uow:
        rows = uow.repo.connection.execute(
            _select().where(HANDOFFS.c.closed_at.is_(None))
            .order_by(HANDOFFS.c.created_at, HANDOFFS.c.id).limit(QUEUE_LIMIT)).all()
        return [_view(r) for r in rows]


def get(uow: UnitOfWork, actor: Actor, ticket: int) -> Handoff:
    _require_staff(actor)
    with uow:
        return _get(uow, ticket)


def _get(uow: UnitOfWork, ticket: int, *, lock: bool = False) -> Handoff:
    query = _select().where(HANDOFFS.c.id == ticket)
    if lock and uow.repo.row_locks:
        query = query.with_for_update(of=HANDOFFS)
    row = uow.repo.connection.execute(query).first()
    if row is None:
        raise errors.RequestNotFound(f"There is no handoff #{ticket}.")
    return _view(row)


def take(uow: UnitOfWork, actor: Actor, ticket: int) -> Handoff:
    """Take an open handoff. One conditional update decides between two staff at once;
    taking one's own again is a no-op (P9)."""
    _require_staff(actor)
    with uow:
        now = uow.now()
        taken = uow.repo.connection.execute(
            update(HANDOFFS)
            .where(HANDOFFS.c.id == ticket, HANDOFFS.c.taken_by.is_(None),
                   HANDOFFS.c.closed_at.is_(None))
            .values(taken_by=actor.email, taken_at=now)).rowcount
        current = _get(uow, ticket)
        if not taken:
            if current.closed:
                raise errors.Conflict(f"Handoff #{ticket} is already closed.")
            if current.taken_by != actor.email:
                raise errors.Conflict(f"Handoff #{ticket} was already taken by "
                                      f"{current.taken_by}.")
        uow.repo.audit(now, actor, "handoff_take", "taken" if taken else "already",
                       order_id=current.order_id, rules=["P13"], detail={"ticket": ticket},
                       on_behalf_of=current.customer_email)
        uow.commit()
        return current


def close(uow: UnitOfWork, actor: Actor, ticket: int, note: str) -> Handoff:
    """Close a handoff one has taken, with a note for the customer (e-mailed to them)."""
    _require_staff(actor)
    note = (note or "").strip()[:MAX_NOTE]
    if not note:
        raise errors.DomainError("Write a note for the customer before closing.")
    with uow:
        current = _get(uow, ticket, lock=True)
        if current.closed:
            if current.taken_by == actor.email:
                return current  # closed already (a double click): nothing more to do
            raise errors.Conflict(f"Handoff #{ticket} is already closed.")
        if current.taken_by != actor.email:
            raise errors.NotYours(f"Take handoff #{ticket} before closing it"
                                  + (f"; {current.taken_by} has it." if current.taken_by
                                     else "."))
        now = uow.now()
        uow.repo.connection.execute(
            update(HANDOFFS).where(HANDOFFS.c.id == ticket, HANDOFFS.c.closed_at.is_(None))
            .values(closed_at=now, note=note))
        if current.customer_email:
            staff = uow.repo.staff(actor.email)
            outbox.record(uow, compose.HANDOFF_REPLY, current.customer_email,
                          current.order_id or "",
                          {"ticket": ticket, "note": note,
                           "staff_name": staff.name if staff else "Support"}, now)
        uow.repo.audit(now, actor, "handoff_close", "closed", order_id=current.order_id,
                       rules=["P13"], detail={"ticket": ticket},
                       on_behalf_of=current.customer_email)
        uow.commit()
        return _get(uow, ticket)
