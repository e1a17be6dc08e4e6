"""Tables of the flows beyond the chat: seller accounts and their API keys, and the pending
back-office decisions (a seller's answer, a recorded return) awaiting confirmation.

They share the store's metadata (see store/sql/__init__.py) so one Alembic history and one
`create_all` cover them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.sql.orm import Base

UTCDateTime = DateTime(timezone=True)


class SellerRow(Base):
    """A third-party seller's account: signs in like customers and staff (role: seller)."""

    __tablename__ = "sellers"
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))


class SellerNameRow(Base):
    """A seller name as items carry it (`items.seller`) and the account that answers for it:
    one account may trade under several names, a name belongs to one account."""

    __tablename__ = "seller_names"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seller_email: Mapped[str] = mapped_column(ForeignKey("sellers.email"), index=True)


class SellerKeyRow(Base):
    """An API key for a seller's own systems. Only its SHA-256 is stored: the key is a
    random 256-bit token shown once, so a fast hash is enough and lookups stay indexed."""

    __tablename__ = "seller_api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seller_email: Mapped[str] = mapped_column(ForeignKey("sellers.email"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DecisionRow(Base):
    """A back-office change shown to a seller or staff member and waiting for their explicit
    confirmation (P7), like a customer's proposal: approve or deny a seller request, record
    a refused parcel as returned. The confirmed outcome is kept so a replay returns it (P9)."""

    __tablename__ = "pending_decisions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_email: Mapped[str] = mapped_column(String(254), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[dict[str, object] | None] = mapped_column(JSON)
