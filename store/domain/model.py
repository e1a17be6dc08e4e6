"""The pure domain model: values only, standard library only.

Everything here is immutable; services express a change as a new value plus an explicit
repository write, so a decision can be computed, shown and re-checked without side effects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

CENT = Decimal("0.01")
THIRD_PARTY_WINDOW_MINUTES = 30

# Order and item ids are opaque, but anything outside this shape is malformed input rather
# than an unknown order; answering "malformed" early keeps junk out of queries and logs.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class ItemStatus(StrEnum):
    """P3: the states an order item moves through."""

    PENDING = "pending"
    UNSHIPPED = "unshipped"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


CANCELLABLE_STATES = frozenset({ItemStatus.PENDING, ItemStatus.UNSHIPPED})


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_CANCELLED = "partially cancelled"
    CANCELLED = "cancelled"


class Reason(StrEnum):
    """P6: the fixed list of cancellation reasons."""

    ORDERED_BY_MISTAKE = "ordered_by_mistake"
    NO_LONGER_NEEDED = "no_longer_needed"
    BETTER_PRICE = "found_better_price"
    DELIVERY_TOO_SLOW = "delivery_too_slow"
    OTHER = "other"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS: dict[Reason, str] = {
    Reason.ORDERED_BY_MISTAKE: "Ordered by mistake",
    Reason.NO_LONGER_NEEDED: "No longer needed",
    Reason.BETTER_PRICE: "Found a better price",
    Reason.DELIVERY_TOO_SLOW: "Delivery too slow",
    Reason.OTHER: "Other",
}


class Channel(StrEnum):
    CHAT = "chat"  # the customer, self-service
    PHONE = "phone"  # staff acting for a verified caller (P2)
    STAFF = "staff"  # staff or the back office acting on its own account
    SELLER = "seller"  # a third-party seller approved a request (P5)
    RETURNS = "returns"  # a refused parcel came back to the returns center (P10)


class ProposalKind(StrEnum):
    CANCEL = "cancel"
    SELLER_REQUEST = "seller_request"
    REFUSAL = "refusal"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


ActorKind = Literal["customer", "staff", "seller"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: always taken from the authenticated session, never from a message."""

    kind: ActorKind
    email: str

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_seller(self) -> bool:
        """A third-party seller's account: answers requests for its own items, nothing more."""
        return self.kind == "seller"

    def __str__(self) -> str:
        return f"{self.kind}:{self.email}"


@dataclass(frozen=True, slots=True)
class Customer:
    email: str
    name: str
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class StaffMember:
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    order_id: str
    title: str
    qty: int
    unit_price: Decimal
    status: ItemStatus
    seller: str | None = None  # None: sold and shipped by the shop itself

    @property
    def third_party(self) -> bool:
        return self.seller is not None

    @property
    def amount(self) -> Decimal:
        return money(self.unit_price * self.qty)


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    customer_email: str
    placed_at: datetime
    items: tuple[Item, ...]
    currency: str | None = None  # ISO 4217; None: the shop's default currency

    @property
    def status(self) -> OrderStatus:
        cancelled = sum(1 for i in self.items if i.status is ItemStatus.CANCELLED)
        if cancelled == 0:
            return OrderStatus.OPEN
        if cancelled == len(self.items):
            return OrderStatus.CANCELLED
        return OrderStatus.PARTIALLY_CANCELLED

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True, slots=True)
class SellerRequest:
    order_id: str
    item_id: str
    status: RequestStatus
    after_shipment: bool


@dataclass(frozen=True, slots=True)
class ItemHistory:
    """What has already been recorded for one item: used for idempotency (P9)."""

    seller_request: SellerRequest | None = None
    refusal_flagged: bool = False


@dataclass(frozen=True, slots=True)
class Proposal:
    """A change shown to the user and waiting for their explicit confirmation (P7)."""

    id: str
    kind: ProposalKind
    actor: Actor
    customer_email: str
    order_id: str
    item_ids: tuple[str, ...]
    amount: Decimal
    reason: Reason | None
    reason_text: str | None
    created_at: datetime
    expires_at: datetime
    status: ProposalStatus = ProposalStatus.PENDING
    thread_id: str | None = None
    outcome: dict[str, object] | None = field(default=None, compare=False)

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def money(value: Decimal | str | int) -> Decimal:
    return Decimal(value).quantize(CENT)


def utc(value: datetime) -> datetime:
    """Naive datetimes from a database are UTC by convention; make them explicit."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def valid_id(value: str) -> bool:
    # fullmatch: `$` alone also matches before a trailing newline ("A1\n").
    return bool(ID_PATTERN.fullmatch(value))
