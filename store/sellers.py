"""Third-party sellers (P5): their accounts, their pending cancellation requests, their
answers. One core use case, `settle`, decides a request for every path: the seller's view
in the app and their API (through `answer`) and the evals' world events.

A seller account answers for the seller names linked to it (`seller_names`); an item's
`seller` is one of those names. A seller sees and answers only requests for their items.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from store.domain import errors
from store.domain.model import (
    Actor,
    Channel,
    Item,
    ItemStatus,
    Reason,
    RequestStatus,
    money,
    utc,
    valid_id,
)
from store.mail import compose, outbox
from store.sql.flows_orm import SellerKeyRow, SellerNameRow, SellerRow
from store.sql.orm import ItemRow, OrderRow, SellerRequestRow
from store.unit_of_work import UnitOfWork

SELLERS = cast(Table, SellerRow.__table__)
NAMES = cast(Table, SellerNameRow.__table__)
KEYS = cast(Table, SellerKeyRow.__table__)
REQUESTS = cast(Table, SellerRequestRow.__table__)
ITEMS = cast(Table, ItemRow.__table__)
ORDERS = cast(Table, OrderRow.__table__)
KEY_PREFIX = "rsk_"
_SHIPPED = frozenset({ItemStatus.SHIPPED, ItemStatus.DELIVERED})


@dataclass(frozen=True)
class SellerAccount:
    email: str
    name: str
    names: tuple[str, ...]  # the seller names on items that this account answers for


@dataclass(frozen=True)
class RequestView:
    """A cancellation request as the seller sees it."""

    item_id: str
    order_id: str
    title: str
    qty: int
    amount: str
    currency: str | None  # the order's (ISO 4217); None: the shop's default
    seller: str
    status: str
    after_shipment: bool
    item_status: str
    requested_at: str
    reason: str
    reason_text: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What a seller's answer did. `code`: done, already (the same answer again: P9),
    conflict (decided the other way, or shipped meanwhile), no_request."""

    item_id: str
    order_id: str
    decision: str  # approve | deny
    applied: bool
    code: str
    message: str
    refund: Decimal = Decimal("0.00")
    cancelled: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["refund"] = str(self.refund)
        data["ok"] = self.code in ("done", "already")
        return data


# --- accounts --------------------------------------------------------------------------------
def add_account(
    uow: UnitOfWork, email: str, name: str, names: Sequence[str],
    password_hash: str | None = None,
) -> SellerAccount:
    """A seller account answering for `names` (seed, CLI)."""
    email = email.strip().lower()
    with uow:
        conn = uow.repo.connection
        conn.execute(insert(SELLERS).values(email=email, name=name,
                                            password_hash=password_hash))
        for n in dict.fromkeys(names):
            conn.execute(insert(NAMES).values(name=n, seller_email=email))
        uow.commit()
    return SellerAccount(email, name, tuple(dict.fromkeys(names)))


def password_hash(uow: UnitOfWork, email: str) -> str | None:
    """Inside the caller's unit of work: the stored hash, or None for no such seller."""
    row = uow.repo.connection.execute(
        select(SELLERS.c.password_hash).where(SELLERS.c.email == email)).first()
    return None if row is None else (row.password_hash or "")


def exists(uow: UnitOfWork, email: str) -> bool:
    """Inside the caller's unit of work."""
    return uow.repo.connection.execute(
        select(SELLERS.c.email).where(SELLERS.c.email == email)).first() is not None


def account(uow: UnitOfWork, actor: Actor) -> SellerAccount:
    with uow:
        return _account(uow, actor)


def _account(uow: UnitOfWork, actor: Actor) -> SellerAccount:
    if not actor.is_seller:
        raise errors.NotAllowed("Only a seller's account answers cancellation requests.")
    conn = uow.repo.connection
    row = conn.execute(select(SELLERS).where(SELLERS.c.email == actor.email)).first()
    if row is None:
        raise errors.UnknownAccount("That seller account no longer exists.")
    names = conn.execute(select(NAMES.c.name).where(NAMES.c.seller_email == actor.email)
                         .order_by(NAMES.c.name)).scalars().all()
    return SellerAccount(row.email, row.name, tuple(names))


def issue_key(uow: UnitOfWork, email: str) -> str:
    """A new API key for the seller; shown once, only its hash is kept."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with uow:
        if not exists(uow, email):
            raise errors.UnknownAccount(f"No seller account {email}.")
        uow.repo.connection.execute(insert(KEYS).values(
            seller_email=email, key_hash=_hash(key), created_at=uow.now()))
        uow.commit()
    return key


def actor_for_key(uow: UnitOfWork, key: str) -> Actor | None:
    """The seller an API key belongs to; None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    with uow:
        email = uow.repo.connection.execute(
            select(KEYS.c.seller_email).where(KEYS.c.key_hash == _hash(key),
                                              KEYS.c.revoked_at.is_(None))).scalar()
    return Actor("seller", email) if email else None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- reading -----------------------------------------------------------------------------------
def pending_requests(uow: UnitOfWork, actor: Actor) -> list[RequestView]:
    """The seller's requests still waiting for an answer, oldest first."""
    with uow:
        mine = _account(uow, actor).names
        rows = uow.repo.connection.execute(
            select(REQUESTS, ITEMS.c.title, ITEMS.c.qty, ITEMS.c.unit_price, ITEMS.c.seller,
                   ITEMS.c.status.label("item_status"), ORDERS.c.currency)
            .join(ITEMS, ITEMS.c.id == REQUESTS.c.item_id)
            .join(ORDERS, ORDERS.c.id == ITEMS.c.order_id)
            .where(ITEMS.c.seller.in_(mine), REQUESTS.c.status == RequestStatus.PENDING.value)
            .order_by(REQUESTS.c.created_at, REQUESTS.c.id)
        ).all()
        return [_view(r) for r in rows]


def _view(r: Any) -> RequestView:
    return RequestView(
        item_id=r.item_id, order_id=r.order_id, title=r.title, qty=r.qty,
        amount=str(money(r.unit_price * r.qty)), currency=r.currency, seller=r.seller,
        status=r.status,
        after_shipment=bool(r.after_shipment), item_status=r.item_status,
        requested_at=utc(r.created_at).isoformat(), reason=r.reason,
        reason_text=r.reason_text,
    )


def request_for(uow: UnitOfWork, actor: Actor, item_id: str) -> RequestView:
    """Inside the caller's unit of work: the seller's own request for this item, any status.
    Another seller's item is refused (403), an unknown one not found (404)."""
    mine = _account(uow, actor).names
    if not isinstance(item_id, str) or not valid_id(item_id):
        raise errors.RequestNotFound(f"{str(item_id)[:40]!r} is not an item id.")
    row = uow.repo.connection.execute(
        select(REQUESTS, ITEMS.c.title, ITEMS.c.qty, ITEMS.c.unit_price, ITEMS.c.seller,
               ITEMS.c.status.label("item_status"), ORDERS.c.currency)
        .join(ITEMS, ITEMS.c.id == REQUESTS.c.item_id)
        .join(ORDERS, ORDERS.c.id == ITEMS.c.order_id)
        .where(REQUESTS.c.item_id == item_id)
    ).first()
    if row is None:
        raise errors.RequestNotFound(f"There is no cancellation request for item {item_id}.")
    if row.seller not in mine:
        raise errors.NotYours(f"The request for item {item_id} is not one of yours.")
    return _view(row)


# --- answering ---------------------------------------------------------------------------------
def answer(uow: UnitOfWork, actor: Actor, item_id: str, *, approve: bool) -> Answer:
    """A seller's own answer (their API; the app's view confirms through store.decisions)."""
    with uow:
        result = answer_in(uow, actor, item_id, approve=approve)
        uow.commit()
        return result


def answer_in(uow: UnitOfWork, actor: Actor, item_id: str, *, approve: bool) -> Answer:
    """Inside the caller's transaction: check the request is the seller's, settle it, audit.
    A conflicting answer raises Conflict (nothing changed); the same answer again is P9."""
    request_for(uow, actor, item_id)
    item = uow.repo.item(item_id)
    assert item is not None  # the request row references it
    result = settle(uow, item, approve=approve, decided_by=f"seller:{actor.email}")
    uow.repo.audit(uow.now(), actor, "seller_" + ("approve" if approve else "deny"),
                   result.code, order_id=item.order_id, item_ids=[item.id], rules=["P5"],
                   detail={"message": result.message})
    if result.code == "conflict":
        uow.commit()  # keep the audit record of the refused answer
        raise errors.Conflict(result.message, rules=("P5", "P11"))
    if result.code == "no_request":
        raise errors.RequestNotFound(result.message)
    return result


def settle(uow: UnitOfWork, item: Item, *, approve: bool, decided_by: str) -> Answer:
    """The one place a seller request is decided, inside the caller's transaction.

    Approval cancels and refunds the item and e-mails the customer, re-checked here: an item
    that shipped after a before-shipment request is not cancelled (the seller is told, the
    request stays open for a denial). Denial is recorded and e-mailed. The same answer twice
    changes nothing (P9); the other answer after a decision is a conflict."""
    decision = "approve" if approve else "deny"
    request = uow.repo.seller_request(item.id, lock=True)

    def result(applied: bool, code: str, message: str, **kw: Any) -> Answer:
        return Answer(item.id, item.order_id, decision, applied, code, message, **kw)

    if request is None:
        return result(False, "no_request", f"No pending seller request for {item.id}.")
    wanted = RequestStatus.APPROVED if approve else RequestStatus.DENIED
    if request.status is wanted:
        return result(False, "already", f"The request for {item.id} was already "
                                         f"{wanted.value}; nothing changed.")
    if request.status is not RequestStatus.PENDING:
        return result(False, "conflict", f"The request for {item.id} was already "
                                          f"{request.status.value}; it can't be {wanted.value} "
                                          "now.")
    order = uow.repo.order(item.order_id, lock=True)
    assert order is not None
    fresh = order.item(item.id)
    assert fresh is not None
    now = uow.now()
    seller = item.seller or "The seller"
    if not approve:
        _decide(uow, item.id, RequestStatus.DENIED, decided_by, now)
        outbox.record(uow, compose.SELLER_DENIED, order.customer_email, order.id,
                      {"items": outbox.item_lines([fresh]), "seller": seller,
                       "currency": order.currency}, now)
        return result(True, "done", f"The seller denied the request for {item.id}.")
    if fresh.status in _SHIPPED and not request.after_shipment:
        return result(False, "conflict",
                      f"{fresh.title} ({item.id}) has {fresh.status.value} since the request "
                      "was made, so it was not cancelled. Deny the request and the customer "
                      "is told to return it once delivered.")
    _decide(uow, item.id, RequestStatus.APPROVED, decided_by, now)
    if fresh.status is ItemStatus.CANCELLED:
        return result(True, "done", f"The seller approved; {item.id} was already cancelled.")
    actor = Actor("seller", decided_by.split(":", 1)[1] if ":" in decided_by else decided_by)
    uow.repo.set_item_status([item.id], ItemStatus.CANCELLED)
    uow.repo.add_cancellations(order.id, [item.id], Reason.OTHER, "approved by the seller",
                               actor, order.customer_email, Channel.SELLER.value, None, now)
    uow.repo.add_refund(order.id, fresh.amount, [item.id], f"seller:{item.id}", now)
    outbox.items_refunded(uow, compose.SELLER_APPROVED, order, [fresh], fresh.amount, now,
                          seller=seller)
    return result(True, "done", f"The seller approved; {item.id} is cancelled and refunded.",
                  refund=fresh.amount, cancelled=True)


def _decide(uow: UnitOfWork, item_id: str, status: RequestStatus, decided_by: str,
            at: datetime) -> None:
    uow.repo.connection.execute(
        update(REQUESTS).where(REQUESTS.c.item_id == item_id)
        .values(status=status.value, decided_at=at, decided_by=decided_by[:300]))
