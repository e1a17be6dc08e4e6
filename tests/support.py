"""Shared test helpers: a settable clock, a standard world, and read-only store probes.

Probes read the database directly (not through services) so a test can see exactly what a
service wrote, and compare a snapshot of the business tables before and after a call.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine, delete, select

from store import services
from store.db import Store
from store.domain.model import Actor, ProposalKind, Reason
from store.sql.orm import Base
from store.views import Outcome, ProposeResult

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

# The console scripts `pip install` made beside this interpreter (pyproject's [project.scripts]).
RESCIND = str(Path(sys.executable).with_name("rescind"))
RESCIND_EVALS = str(Path(sys.executable).with_name("rescind-evals"))

# The server the test suite (and CI) uses; trust auth, the `test` database always exists.
PG_ADMIN_URL = os.environ.get("RESCIND_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

# What `writes: none` / `unchanged` look at (dialog-format.md), minus proposals and audit.
BUSINESS_TABLES = (
    "orders",
    "items",
    "cancellations",
    "refunds",
    "emails",
    "seller_requests",
    "refusal_flags",
    "handoffs",
)

ANA = Actor("customer", "ana@example.com")
BOB = Actor("customer", "bob@example.com")
SAM = Actor("staff", "sam@shop.example")
KIM = Actor("staff", "kim@shop.example")


class FixedClock:
    """The store's clock: returns `now` until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


def _ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


def _item(
    iid: str, title: str, price: str, status: str, qty: int = 1, seller: str | None = None
) -> dict[str, Any]:
    d: dict[str, Any] = {"id": iid, "title": title, "price": price, "qty": qty, "status": status}
    if seller is not None:
        d["seller"] = seller
    return d


def standard_world() -> dict[str, Any]:
    """Two customers, two staff members, every item state, both seller kinds, both sides of
    the thirty-minute window (relative to NOW)."""
    return {
        "now": NOW.isoformat(),
        "customers": [
            {"email": ANA.email, "name": "Ana Lima", "postcode": "10115"},
            {"email": BOB.email, "name": "Bob Stone", "postcode": "SW1A 1AA"},
        ],
        "staff": [
            {"email": SAM.email, "name": "Sam Rivera"},
            {"email": KIM.email, "name": "Kim Lee"},
        ],
        "orders": [
            {"id": "112-0000001", "customer": ANA.email, "placed_at": _ago(days=1), "items": [
                _item("A1", "Wireless headphones", "59.99", "unshipped"),
                _item("A2", "USB-C cable", "9.99", "unshipped", qty=2, seller="Cable Co"),
            ]},
            {"id": "112-0000002", "customer": ANA.email, "placed_at": _ago(minutes=10), "items": [
                _item("A3", "Phone case", "14.50", "unshipped", seller="CaseMakers"),
                _item("A4", "Screen protector", "7.99", "pending", seller="CaseMakers"),
            ]},
            {"id": "112-0000003", "customer": ANA.email, "placed_at": _ago(days=2), "items": [
                _item("A5", "Running shoes", "89.00", "processing"),
                _item("A6", "Sports socks", "12.00", "unshipped", qty=3),
                _item("A7", "Board game", "39.90", "pending"),
            ]},
            {"id": "112-0000004", "customer": ANA.email, "placed_at": _ago(days=3), "items": [
                _item("A8", "Coffee grinder", "45.00", "shipped"),
                _item("A9", "Coffee beans", "16.00", "shipped", qty=2, seller="Bean There"),
                _item("A10", "Paperback novel", "11.99", "delivered"),
                _item("A11", "Bookmark set", "4.99", "delivered", seller="Paper Trail"),
            ]},
            {"id": "112-0000005", "customer": ANA.email, "placed_at": _ago(days=5), "items": [
                _item("A12", "Yoga mat", "25.00", "cancelled"),
                _item("A13", "Water bottle", "18.00", "unshipped"),
            ]},
            {"id": "112-0000006", "customer": ANA.email, "placed_at": _ago(hours=1), "items": [
                _item("A14", "Camping stove", "64.00", "processing", seller="Outdoor Co"),
            ]},
            {"id": "112-0000009", "customer": BOB.email, "placed_at": _ago(days=1), "items": [
                _item("B1", "Electric kettle", "29.99", "unshipped"),
                _item("B2", "Tea sampler", "19.50", "unshipped", seller="Leafy Teas"),
            ]},
            {"id": "112-0000010", "customer": BOB.email, "placed_at": _ago(minutes=20), "items": [
                _item("B3", "Bluetooth speaker", "49.00", "unshipped", seller="SoundHouse"),
            ]},
        ],
    }


# --- probes ---------------------------------------------------------------------------------
Snapshot = dict[str, list[tuple[Any, ...]]]


def business_snapshot(store: Store) -> Snapshot:
    """Every row of every business table, in primary-key order."""
    out: Snapshot = {}
    with store.engine.connect() as conn:
        for name in BUSINESS_TABLES:
            table = Base.metadata.tables[name]
            query = select(table).order_by(*table.primary_key.columns)
            out[name] = [tuple(r) for r in conn.execute(query)]
    return out


def rows(store: Store, table: str, **where: Any) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    query = select(t).order_by(*t.primary_key.columns)
    for column, value in where.items():
        query = query.where(t.c[column] == value)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def statuses(store: Store) -> dict[str, str]:
    return {r["id"]: r["status"] for r in rows(store, "items")}


def status(store: Store, item_id: str) -> str:
    return statuses(store)[item_id]


def refunded(store: Store, order_id: str | None = None) -> Decimal:
    found = rows(store, "refunds") if order_id is None else rows(
        store, "refunds", order_id=order_id
    )
    return sum((Decimal(r["amount"]) for r in found), Decimal("0.00"))


def count(store: Store, table: str, **where: Any) -> int:
    return len(rows(store, table, **where))


def clear(engine: Engine) -> None:
    """Empty every table (children first): per-test isolation on a shared database."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


# --- service shortcuts ----------------------------------------------------------------------
def propose_cancel(
    store: Store, actor: Actor, order_id: str, items: Sequence[str],
    reason: Reason | str | None = Reason.NO_LONGER_NEEDED, thread_id: str | None = None,
) -> ProposeResult:
    return services.propose(store.uow(), actor, ProposalKind.CANCEL, order_id, items, reason,
                            thread_id=thread_id)


def proposal_id(result: ProposeResult) -> str:
    assert result.proposal is not None, result.as_dict()
    return result.proposal.id


def cancel(
    store: Store, actor: Actor, order_id: str, items: Sequence[str],
    reason: Reason | str = Reason.NO_LONGER_NEEDED,
) -> Outcome:
    """Propose and confirm in one go (the user clicked Confirm)."""
    pid = proposal_id(propose_cancel(store, actor, order_id, items, reason))
    return services.confirm(store.uow(), actor, pid)


def act(
    store: Store, actor: Actor, kind: ProposalKind, order_id: str, items: Sequence[str],
    reason: Reason | str | None = Reason.NO_LONGER_NEEDED,
) -> Outcome:
    result = services.propose(store.uow(), actor, kind, order_id, items, reason)
    return services.confirm(store.uow(), actor, proposal_id(result))


def verify(store: Store, staff: Actor, order_id: str, email: str) -> None:
    services.verify_caller(store.uow(), staff, order_id, email=email)


# --- PostgreSQL throwaway databases -----------------------------------------------------------
def _admin_conninfo() -> str:
    return PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")


def url_for_database(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def create_database(prefix: str = "rescind_test") -> tuple[str, str]:
    """CREATE DATABASE <prefix>_<random>; returns (name, url)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{prefix}_{worker}_{secrets.token_hex(4)}".lower()
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name, url_for_database(name)


def drop_database(name: str) -> None:
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@contextmanager
def throwaway_database(prefix: str = "rescind_test") -> Iterator[str]:
    name, url = create_database(prefix)
    try:
        yield url
    finally:
        drop_database(name)
