"""SQLAlchemy 2 typed mappings. Rows only: the repository turns them into domain values.

Uniqueness constraints back up the domain's idempotency (P9) and race (P11) rules at the
database level: an item can be cancelled, requested from its seller or flagged for refusal
once, and a proposal can produce at most one refund.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Money = Numeric(12, 2, asdecimal=True)
UTCDateTime = DateTime(timezone=True)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements."""
    # Mapped classes expose their table as a FromClause; these are always plain tables.
    return cast(Table, model.__table__)


class CustomerRow(Base):
    __tablename__ = "customers"
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))


class StaffRow(Base):
    __tablename__ = "staff"
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_email: Mapped[str] = mapped_column(ForeignKey("customers.email"), index=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # ISO 4217; NULL: the shop's default currency (RESCIND_CURRENCY), applied when shown.
    currency: Mapped[str | None] = mapped_column(String(3))


class ItemRow(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    qty: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    seller: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))


class ProposalRow(Base):
    __tablename__ = "proposals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    customer_email: Mapped[str] = mapped_column(String(254))
    order_id: Mapped[str] = mapped_column(String(64))
    item_ids: Mapped[list[str]] = mapped_column(JSON)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    thread_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[dict[str, object] | None] = mapped_column(JSON)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CancellationRow(Base):
    __tablename__ = "cancellations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(String(500))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    on_behalf_of: Mapped[str] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(10))
    proposal_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RefundRow(Base):
    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    item_ids: Mapped[list[str]] = mapped_column(JSON)
    method: Mapped[str] = mapped_column(String(60))
    # Exactly one refund per source (a proposal, or a seller's approval of one item): a second
    # confirmation that slipped past the proposal lock still cannot refund twice.
    source: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SellerRequestRow(Base):
    __tablename__ = "seller_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    after_shipment: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(40))
    reason_text: Mapped[str | None] = mapped_column(String(500))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    proposal_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who answered: "seller:<account e-mail>" from the seller view or API, or a world event.
    decided_by: Mapped[str | None] = mapped_column(String(300))


class RefusalFlagRow(Base):
    __tablename__ = "refusal_flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"), index=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), unique=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    proposal_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmailRow(Base):
    """The outbox (P8): written in the transaction of the change it reports; the mailer
    (store/mail) sends each row and marks it sent. Rows are never deleted."""

    __tablename__ = "emails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    order_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # What the message reports (cancelled, seller_approved, ...) and its facts (items,
    # refund), from which the mailer renders the plain-text and HTML parts.
    kind: Mapped[str | None] = mapped_column(String(30))
    data: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # Delivery bookkeeping: a claim (lease) so two mailers never send one row at once, the
    # attempts so far, when to try again (backoff) and why the last attempt failed.
    message_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class HandoffRow(Base):
    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    customer_email: Mapped[str | None] = mapped_column(String(254))
    order_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    thread_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The queue (store/handoffs.py): one staff member takes it, then closes it with a note.
    taken_by: Mapped[str | None] = mapped_column(String(254))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class VerificationRow(Base):
    """A staff member verified a caller (P2); staff writes for that customer need one."""

    __tablename__ = "caller_verifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_email: Mapped[str] = mapped_column(String(254))
    customer_email: Mapped[str] = mapped_column(String(254))
    order_id: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_verification_staff_customer", "staff_email", "customer_email"),)


class AuditRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    on_behalf_of: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[str | None] = mapped_column(String(64))
    item_ids: Mapped[list[str] | None] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(40))
    rules: Mapped[list[str] | None] = mapped_column(JSON)
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)


class ConversationStateRow(Base):
    """A chat thread's conversation state (pending proposal, dialogue state, memory), so the
    conversation resumes on any process; owned by the account that chats in it."""

    __tablename__ = "conversation_states"
    thread_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254))
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
