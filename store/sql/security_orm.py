"""Sign-in sessions and failure throttles (migration 0003).

Like the chat tables they share the store's metadata, so one Alembic history covers them;
only store/sessions.py and store/throttle.py read or write them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.sql.orm import Base

UTCDateTime = DateTime(timezone=True)


class AuthSessionRow(Base):
    """One sign-in. The token a browser holds names it; the server can end it (sign-out,
    password change) or let it run out, and every request and socket checks it."""

    __tablename__ = "auth_sessions"
    # sha256 of the session id carried in the token: the table alone can't rebuild a token.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_email: Mapped[str] = mapped_column(String(254), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    client_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The absolute end: renewing the token never carries the session past it.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class ThrottleRow(Base):
    """Failures counted per (scope, key) in a window; past the limit the key is locked."""

    __tablename__ = "throttles"
    scope: Mapped[str] = mapped_column(String(30), primary_key=True)
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
