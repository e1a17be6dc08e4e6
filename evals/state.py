"""Snapshots of the store read straight from its tables (store/sql/orm.py), never through the
services under test, so a check sees exactly what was written.

"Business state" is what dialog-format.md names: orders, items, cancellations, refunds,
e-mails, seller requests, refusal flags and handoffs. Proposals, audit records, caller
verifications and chat history are read too (the monitors need them) but never compared.
"""

from __future__ import annotations

import mailbox
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from store.sql.orm import Base

BUSINESS_TABLES = ("orders", "items", "cancellations", "refunds", "emails", "seller_requests",
                   "refusal_flags", "handoffs")
_EXTRA_TABLES = ("proposals", "caller_verifications")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ItemState:
    id: str
    order_id: str
    title: str
    amount: Decimal  # unit price x qty
    status: str


@dataclass(frozen=True)
class ProposalState:
    id: str
    kind: str
    actor_kind: str
    actor_email: str
    order_id: str
    item_ids: tuple[str, ...]
    amount: Decimal
    status: str


@dataclass(frozen=True)
class Written:
    """A cancellation, seller request or refusal flag: what it touched and on whose word."""

    table: str
    order_id: str
    item_id: str
    proposal_id: str | None


@dataclass(frozen=True)
class Refund:
    id: int
    order_id: str
    amount: Decimal
    item_ids: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class StoreState:
    rows: dict[str, tuple[tuple[Any, ...], ...]]  # business tables, in primary-key order
    raw: dict[str, tuple[dict[str, Any], ...]]  # every table read, as mappings
    # E-mails delivered to the dialog's mailbox (recipient, order), as the mailer sent them.
    mailbox: tuple[tuple[str, str], ...] = ()

    # --- views over the rows ---------------------------------------------------------------
    @property
    def items(self) -> dict[str, ItemState]:
        return {r["id"]: ItemState(r["id"], r["order_id"], r["title"],
                                   (Decimal(r["unit_price"]) * r["qty"]).quantize(CENT),
                                   r["status"]) for r in self.raw["items"]}

    @property
    def order_owners(self) -> dict[str, str]:
        return {r["id"]: r["customer_email"] for r in self.raw["orders"]}

    @property
    def refunds(self) -> list[Refund]:
        return [Refund(r["id"], r["order_id"], Decimal(r["amount"]).quantize(CENT),
                       tuple(r["item_ids"] or ()), r["source"]) for r in self.raw["refunds"]]

    def refunded(self) -> dict[str, Decimal]:
        """Total refunded per order, orders with nothing refunded left out."""
        totals: dict[str, Decimal] = {}
        for r in self.refunds:
            totals[r.order_id] = totals.get(r.order_id, Decimal("0.00")) + r.amount
        return {k: v for k, v in totals.items() if v != 0}

    @property
    def emails(self) -> Counter[tuple[str, str]]:
        """Recorded in the outbox."""
        return Counter((r["to"], r["order_id"]) for r in self.raw["emails"])

    @property
    def sent(self) -> Counter[tuple[str, str]]:
        """Actually delivered: what the customer's mailbox holds."""
        return Counter(self.mailbox)

    def pairs(self, table: str) -> set[tuple[str, str]]:
        return {(r["order_id"], r["item_id"]) for r in self.raw[table]}

    @property
    def written(self) -> list[Written]:
        return [Written(t, r["order_id"], r["item_id"], r["proposal_id"])
                for t in ("cancellations", "seller_requests", "refusal_flags")
                for r in self.raw[t]]

    @property
    def handoffs(self) -> tuple[dict[str, Any], ...]:
        return self.raw["handoffs"]

    @property
    def proposals(self) -> dict[str, ProposalState]:
        return {r["id"]: ProposalState(r["id"], r["kind"], r["actor_kind"], r["actor_email"],
                                       r["order_id"], tuple(r["item_ids"] or ()),
                                       Decimal(r["amount"]).quantize(CENT), r["status"])
                for r in self.raw["proposals"]}

    def verified(self, staff_email: str) -> set[str]:
        """Customers this staff member verified as callers (P2)."""
        return {r["customer_email"] for r in self.raw["caller_verifications"]
                if r["staff_email"] == staff_email}

    def pending(self, actor_kind: str, actor_email: str) -> list[ProposalState]:
        return [p for p in self.proposals.values()
                if p.status == "pending" and p.actor_kind == actor_kind
                and p.actor_email == actor_email]

    def pending_items(self, actor_kind: str, actor_email: str) -> set[str]:
        return {i for p in self.pending(actor_kind, actor_email) for i in p.item_ids}


def read_mailbox(path: Path | None) -> tuple[tuple[str, str], ...]:
    """(recipient, order id) of every message in a Maildir, in delivery-key order."""
    if path is None or not path.exists():
        return ()
    box = mailbox.Maildir(path, create=False)
    found = [box.get_message(key) for key in sorted(box.iterkeys())]
    return tuple((str(m["To"]), str(m["X-Rescind-Order"] or "")) for m in found)


def snapshot(engine: Engine, maildir: Path | None = None) -> StoreState:
    rows: dict[str, tuple[tuple[Any, ...], ...]] = {}
    raw: dict[str, tuple[dict[str, Any], ...]] = {}
    with engine.connect() as conn:
        for name in (*BUSINESS_TABLES, *_EXTRA_TABLES):
            table = Base.metadata.tables[name]
            found = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            raw[name] = tuple(dict(r._mapping) for r in found)
            if name in BUSINESS_TABLES:
                rows[name] = tuple(tuple(r) for r in found)
    return StoreState(rows, raw, read_mailbox(maildir))


def same_business(a: StoreState, b: StoreState) -> bool:
    return a.rows == b.rows


def changes(before: StoreState, after: StoreState) -> list[str]:
    """What changed in the business tables, in words, for "expected vs seen"."""
    out: list[str] = []
    old, new = before.items, after.items
    for item_id, item in new.items():
        was = old.get(item_id)
        if was is not None and was.status != item.status:
            out.append(f"item {item_id} {was.status} -> {item.status}")
    for table in BUSINESS_TABLES:
        if table == "items":
            continue
        added = len(after.rows[table]) - len(before.rows[table])
        if added > 0:
            out.append(f"{table} +{added}")
        elif after.rows[table] != before.rows[table]:
            out.append(f"{table} changed")
    return out
