"""The tables the repository's parts share, and the mapping of their rows to domain values.

Every part of `SqlRepository` goes through these handles, so the prebuilt statements of
one part and the ad hoc queries of another always name the same `Table` objects.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table

from store.domain.model import (
    Actor,
    Item,
    ItemStatus,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Reason,
    money,
    utc,
)
from store.sql.flows_orm import SellerRow
from store.sql.orm import (
    CustomerRow,
    ItemRow,
    OrderRow,
    ProposalRow,
    RefundRow,
    RefusalFlagRow,
    SellerRequestRow,
    StaffRow,
    table,
)

CUSTOMERS = table(CustomerRow)
STAFF = table(StaffRow)
SELLERS = table(SellerRow)
ORDERS = table(OrderRow)
ITEMS = table(ItemRow)
PROPOSALS = table(ProposalRow)
REQUESTS = table(SellerRequestRow)
FLAGS = table(RefusalFlagRow)
REFUNDS = table(RefundRow)


def account_table(kind: str) -> Table:
    """The table that holds an account of this kind (the kind is the role)."""
    return {"staff": STAFF, "seller": SELLERS}.get(kind, CUSTOMERS)


def item_from_row(r: Any) -> Item:
    return Item(
        id=r.id, order_id=r.order_id, title=r.title, qty=r.qty, unit_price=money(r.unit_price),
        status=ItemStatus(r.status), seller=r.seller,
    )


def proposal_from_row(r: Any) -> Proposal:
    return Proposal(
        id=r.id, kind=ProposalKind(r.kind), actor=Actor(r.actor_kind, r.actor_email),  # type: ignore[arg-type]
        customer_email=r.customer_email, order_id=r.order_id, item_ids=tuple(r.item_ids),
        amount=money(r.amount), reason=Reason(r.reason) if r.reason else None,
        reason_text=r.reason_text, created_at=utc(r.created_at), expires_at=utc(r.expires_at),
        status=ProposalStatus(r.status), thread_id=r.thread_id, outcome=r.outcome,
    )
