"""What the store shows about an account's orders: the facts a reply's claims are held to (P12).

A read-only use case beside `store.services`: nothing is decided, nothing is written and
nothing is audited, so the reply guard can load it once per turn. Customers get only their
own orders (P1); staff get the orders they looked up and, when acting for a verified caller,
that customer's recent orders (P2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from store.domain.model import Actor, valid_id
from store.unit_of_work import UnitOfWork

RECENT_ORDERS = 20


@dataclass(frozen=True)
class ItemFacts:
    order_id: str
    item_id: str
    title: str
    seller: str | None  # None: sold by the shop itself
    amount: Decimal  # unit price x qty
    status: str  # pending | unshipped | processing | shipped | delivered | cancelled
    seller_request: str | None  # pending | approved | denied, None: never requested
    refusal_flagged: bool
    refunded: bool  # covered by a refund row (a cancellation, a seller's approval, a return)


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    items: tuple[ItemFacts, ...]
    refunds: tuple[Decimal, ...]  # each refund's amount, oldest first
    emails: int  # confirmation e-mails about this order

    @property
    def status(self) -> str:
        cancelled = sum(i.status == "cancelled" for i in self.items)
        if cancelled and cancelled == len(self.items):
            return "cancelled"
        return "partially cancelled" if cancelled else "open"


@dataclass(frozen=True)
class ThreadOutcome:
    """A proposal confirmed in this chat thread and what it did."""

    kind: str  # cancel | seller_request | refusal
    order_id: str
    done: tuple[str, ...]  # item ids
    refund: Decimal


@dataclass(frozen=True)
class StoreFacts:
    orders: tuple[OrderFacts, ...]
    outcomes: tuple[ThreadOutcome, ...]


def reply_facts(
    uow: UnitOfWork, actor: Actor, order_ids: Sequence[str], *, thread_id: str | None = None,
    acting_for: str | None = None, own_recent: int = RECENT_ORDERS,
) -> StoreFacts:
    """The given orders (those seen in the conversation) plus the account's `own_recent`
    latest orders, and the outcomes confirmed in `thread_id` by this actor."""
    with uow:
        repo = uow.repo
        ids = [i for i in dict.fromkeys(order_ids) if isinstance(i, str) and valid_id(i)]
        owner = acting_for if actor.is_staff else actor.email
        if owner and own_recent:
            ids += [o.id for o in repo.recent_orders(owner, own_recent) if o.id not in ids]
        loaded = [(oid, repo.order_with_history(oid)) for oid in ids]
        shown = {oid: found for oid, found in loaded if found is not None
                 and (actor.is_staff or found[0].customer_email == actor.email)}
        refunds = repo.refunds_of(list(shown))
        emails = repo.email_counts(list(shown))
        outcomes = repo.confirmed_in_thread(actor, thread_id) if thread_id else []
    refunded = {i for _, _, items in refunds for i in items}
    orders = []
    for oid, (order, histories) in shown.items():
        items = []
        for item in order.items:
            h = histories.get(item.id)
            items.append(ItemFacts(
                oid, item.id, item.title, item.seller, item.amount, item.status.value,
                h.seller_request.status.value if h and h.seller_request else None,
                bool(h and h.refusal_flagged), item.id in refunded))
        orders.append(OrderFacts(oid, tuple(items),
                                 tuple(a for o, a, _ in refunds if o == oid), emails.get(oid, 0)))
    return StoreFacts(tuple(orders), tuple(
        ThreadOutcome(p.kind.value, p.order_id, tuple(p.outcome.get("done") or ()),  # type: ignore[arg-type]
                      Decimal(str(p.outcome.get("refund") or "0")))
        for p in outcomes if p.outcome is not None))
