"""Accounts: who someone is, and their password hash, per account kind."""

from __future__ import annotations

from sqlalchemy import select, update

from store.domain.model import Customer, StaffMember
from store.sql.repo_base import RepositoryBase
from store.sql.repo_tables import CUSTOMERS, STAFF, account_table


class AccountRows(RepositoryBase):
    def customer(self, email: str) -> Customer | None:
        row = self._run(select(CUSTOMERS).where(CUSTOMERS.c.email == email)).first()
        return Customer(row.email, row.name, row.postcode) if row else None

    def staff(self, email: str) -> StaffMember | None:
        row = self._run(select(STAFF).where(STAFF.c.email == email)).first()
        return StaffMember(row.email, row.name) if row else None

    def password_hash(self, kind: str, email: str) -> str | None:
        table = account_table(kind)
        stored: str | None = self._run(
            select(table.c.password_hash).where(table.c.email == email)
        ).scalar()
        return stored

    def set_password_hash(self, kind: str, email: str, new: str, *,
                          replacing: str | None = None) -> bool:
        """Store a new hash; with `replacing`, only if the stored hash is still that one (a
        re-hash at sign-in must not undo a password change made meanwhile)."""
        table = account_table(kind)
        query = update(table).where(table.c.email == email)
        if replacing is not None:
            query = query.where(table.c.password_hash == replacing)
        return bool(self._run(query.values(password_hash=new)).rowcount)
