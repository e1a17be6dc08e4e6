"""Orders and their items: read with what was already recorded per item, and item status
written back."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select, update

from store.domain.model import (
    Item,
    ItemHistory,
    ItemStatus,
    Order,
    RequestStatus,
    SellerRequest,
    utc,
)
from store.sql.orm import OrderRow
from store.sql.repo_base import RepositoryBase
from store.sql.repo_tables import FLAGS, ITEMS, ORDERS, REQUESTS, item_from_row

# Statements are built once: SQLAlchemy then reuses their compiled form, and the hot paths
# (propose, confirm, lookup) spend their time in the database instead of building queries.
_ORDER = (
    select(
        ORDERS.c.customer_email, ORDERS.c.placed_at, ORDERS.c.currency.label("currency"),
        ITEMS,
        REQUESTS.c.status.label("request_status"),
        REQUESTS.c.after_shipment.label("request_after_shipment"),
        FLAGS.c.id.label("flag_id"),
    )
    .join(ITEMS, ITEMS.c.order_id == ORDERS.c.id)
    .outerjoin(REQUESTS, REQUESTS.c.item_id == ITEMS.c.id)
    .outerjoin(FLAGS, FLAGS.c.item_id == ITEMS.c.id)
    .where(ORDERS.c.id == bindparam("oid"))
    .order_by(ITEMS.c.position)
)
# Lock the item rows first, then read: in READ COMMITTED a statement that waited for a lock
# re-checks the locked rows but not the rows it joined, so reading history in the locking
# statement could miss a request or flag committed by the transaction it waited for.
_LOCK_ITEMS = select(ITEMS.c.id).where(ITEMS.c.order_id == bindparam("oid")).with_for_update()
_OWNER = select(ORDERS.c.customer_email).where(ORDERS.c.id == bindparam("oid"))
_ITEM = select(ITEMS).where(ITEMS.c.id == bindparam("iid"))
_SET_STATUS = (
    update(ITEMS).where(ITEMS.c.id == bindparam("iid")).values(status=bindparam("st"))
)


class OrderRows(RepositoryBase):
    def order(self, order_id: str, *, lock: bool = False) -> Order | None:
        found = self.order_with_history(order_id, lock=lock)
        return found[0] if found else None

    def order_with_history(
        self, order_id: str, *, lock: bool = False
    ) -> tuple[Order, dict[str, ItemHistory]] | None:
        """The order, its items and what was already recorded per item, in one round trip."""
        if lock and self.row_locks:
            self._run(_LOCK_ITEMS, {"oid": order_id})
        rows = self._run(_ORDER, {"oid": order_id}).all()
        if not rows:
            return None
        first = rows[0]
        order = Order(order_id, first.customer_email, utc(first.placed_at),
                      tuple(item_from_row(r) for r in rows), first.currency)
        histories = {
            r.id: ItemHistory(
                SellerRequest(order_id, r.id, RequestStatus(r.request_status),
                              bool(r.request_after_shipment))
                if r.request_status is not None else None,
                r.flag_id is not None,
            )
            for r in rows
            if r.request_status is not None or r.flag_id is not None
        }
        return order, histories

    def order_owner(self, order_id: str) -> str | None:
        owner: str | None = self._run(_OWNER, {"oid": order_id}).scalar()
        return owner

    def recent_orders(self, customer_email: str, limit: int) -> list[Order]:
        ids = self._run(
            select(OrderRow.id)
            .where(OrderRow.customer_email == customer_email)
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(limit)
        ).scalars().all()
        return [o for o in (self.order(i) for i in ids) if o is not None]

    def histories(self, order_id: str) -> dict[str, ItemHistory]:
        found = self.order_with_history(order_id)
        return found[1] if found else {}

    def item(self, item_id: str) -> Item | None:
        row = self._run(_ITEM, {"iid": item_id}).first()
        return item_from_row(row) if row else None

    def set_item_status(self, item_ids: Iterable[str], status: ItemStatus) -> None:
        self._write(_SET_STATUS, [{"iid": i, "st": status.value} for i in item_ids])
