"""Sign-in sessions: opened by a throttled sign-in, checked on every request, ended by the
server (sign-out, password change) or by running out.

A session id is a random secret carried inside the signed token; the table keeps only its
sha256, with the account, the absolute end and, once ended, when and why.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, delete, insert, select, update

from store import accounts, passwords, throttle
from store.domain.model import Actor, utc
from store.sql.security_orm import AuthSessionRow
from store.throttle import Lock, Rule
from store.unit_of_work import UnitOfWork

SESSIONS = cast(Table, AuthSessionRow.__table__)

ACCOUNT_RULE = Rule("sign_in_account", limit=5, window=timedelta(minutes=15),
                    lockout=timedelta(minutes=15))
ADDRESS_RULE = Rule("sign_in_address", limit=20, window=timedelta(minutes=15),
                    lockout=timedelta(minutes=15))
KEEP_ENDED = timedelta(days=7)  # ended sessions stay this long for the record, then go
MAX_EMAIL = 254
MIN_PASSWORD, MAX_PASSWORD = 8, 200


@dataclass(frozen=True)
class SignIn:
    """A sign-in's result: an account and a fresh session id, a refusal, or a lock."""

    actor: Actor | None = None
    session_id: str | None = None
    locked: Lock | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class LiveSession:
    email: str
    expires_at: datetime


class PasswordRejected(ValueError):
    """A new password that the store won't take; the message says why."""


def sign_in(uow: UnitOfWork, email: str, password: str, address: str,
            lifetime: timedelta, provider: str = "credentials") -> SignIn:
    """Password sign-in, throttled per account and per client address. The attempt is
    counted before the password is checked; a success gives it back."""
    account = (ACCOUNT_RULE, email.strip().lower()[:MAX_EMAIL])
    client = (ADDRESS_RULE, address[:64] or "unknown")
    with uow:
        now = uow.now()
        lock = throttle.admit(uow.repo.connection, now, [account, client])
        uow.commit()
    if lock is not None:
        return SignIn(locked=lock, retry_after=lock.retry_after(now))
    actor = accounts.authenticate(uow, email, password)
    if actor is None:
        return SignIn()
    with uow:
        conn = uow.repo.connection
        throttle.forgive(conn, account, entirely=True)
        throttle.forgive(conn, client, entirely=False)
        session_id = _open(conn, actor.email, provider, address, uow.now(), lifetime)
        uow.commit()
    return SignIn(actor, session_id)


def open_session(uow: UnitOfWork, email: str, provider: str, address: str,
                 lifetime: timedelta) -> str:
    """A session for an account someone else vouched for (an SSO proxy's header)."""
    with uow:
        session_id = _open(uow.repo.connection, email, provider, address, uow.now(), lifetime)
        uow.commit()
    return session_id


def live_session(uow: UnitOfWork, session_id: str) -> LiveSession | None:
    """The session, if it is neither ended nor past its end."""
    with uow.reading():
        row = uow.repo.connection.execute(
            select(SESSIONS.c.account_email, SESSIONS.c.expires_at, SESSIONS.c.revoked_at)
            .where(SESSIONS.c.id == _digest(session_id))
        ).first()
        now = uow.now()
    if row is None or row.revoked_at is not None or utc(row.expires_at) <= now:
        return None
    return LiveSession(row.account_email, utc(row.expires_at))


def end_session(uow: UnitOfWork, session_id: str, reason: str) -> bool:
    with uow:
        ended = uow.repo.connection.execute(
            update(SESSIONS)
            .where(SESSIONS.c.id == _digest(session_id), SESSIONS.c.revoked_at.is_(None))
            .values(revoked_at=uow.now(), revoked_reason=reason)
        ).rowcount
        uow.commit()
    return bool(ended)


def end_all_sessions(conn: Connection, email: str, reason: str, now: datetime) -> int:
    return int(conn.execute(
        update(SESSIONS)
        .where(SESSIONS.c.account_email == email.strip().lower(),
               SESSIONS.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    ).rowcount)


def change_password(uow: UnitOfWork, email: str, new_password: str) -> int:
    """Set an account's password and end every session it has, in one transaction.
    Returns how many sessions were ended."""
    if not MIN_PASSWORD <= len(new_password) <= MAX_PASSWORD:
        raise PasswordRejected(
            f"A password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long.")
    email = email.strip().lower()
    new_hash = passwords.hash_password(new_password)  # slow: before the transaction
    with uow:
        kind = next((k for k in accounts.ACCOUNT_KINDS
                     if uow.repo.set_password_hash(k, email, new_hash)), None)
        if kind is None:
            raise PasswordRejected(f"There is no account {email[:60]!r}.")
        ended = end_all_sessions(uow.repo.connection, email, "password_changed", uow.now())
        throttle.clear(uow.repo.connection, (ACCOUNT_RULE, email))
        uow.commit()
    return ended


def _open(conn: Connection, email: str, provider: str, address: str, now: datetime,
          lifetime: timedelta) -> str:
    session_id = secrets.token_urlsafe(32)
    conn.execute(insert(SESSIONS).values(
        id=_digest(session_id), account_email=email, provider=provider[:20],
        client_address=address[:64] or None, created_at=now, expires_at=now + lifetime,
    ))
    # Housekeeping rides on sign-ins: sessions long over, counters long quiet.
    conn.execute(delete(SESSIONS).where(SESSIONS.c.expires_at < now - KEEP_ENDED))
    throttle.prune(conn, now, keep=timedelta(days=1))
    return session_id


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
