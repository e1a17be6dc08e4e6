"""Inserts a given world as it is, outside the business paths."""

from __future__ import annotations

from sqlalchemy import Connection, insert

from store.domain.model import Customer, Order, StaffMember
from store.sql.repo_tables import CUSTOMERS, ITEMS, ORDERS, STAFF


class SeedWriter:
    """Inserts a world as given (demo data, a dialog's `world:`); not a business path."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def customer(self, c: Customer, password_hash: str | None = None) -> None:
        self.connection.execute(insert(CUSTOMERS).values(
            email=c.email, name=c.name, postcode=c.postcode, password_hash=password_hash))

    def staff(self, s: StaffMember, password_hash: str | None = None) -> None:
        self.connection.execute(insert(STAFF).values(
            email=s.email, name=s.name, password_hash=password_hash))

    def order(self, o: Order) -> None:
        self.connection.execute(insert(ORDERS).values(
            id=o.id, customer_email=o.customer_email, placed_at=o.placed_at,
            currency=o.currency))
        self.connection.execute(insert(ITEMS), [
            dict(id=i.id, order_id=o.id, position=n, title=i.title, qty=i.qty,
                 unit_price=i.unit_price, seller=i.seller, status=i.status.value)
            for n, i in enumerate(o.items)
        ])
