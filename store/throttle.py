"""Failure throttles: so many failures per key in a window, then the key is locked a while.

One mechanism for every guessable secret: sign-in (per account and per client address) and
staff caller verification (per order and per staff member). Counters live in the database
and change inside the caller's transaction: their rows are locked first (PostgreSQL) or the
transaction already holds SQLite's write lock, so parallel guesses are counted one by one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, delete, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from store.domain.model import utc
from store.sql.security_orm import ThrottleRow

THROTTLES = cast(Table, ThrottleRow.__table__)


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int  # failures allowed in `window`
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class Lock:
    scope: str
    key: str
    until: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock lifts (at least 1), for a Retry-After header."""
        return max(1, math.ceil((self.until - now).total_seconds()))


Key = tuple[Rule, str]


def admit(conn: Connection, now: datetime, keys: Sequence[Key]) -> Lock | None:
    """Count an attempt *before* it is tried (sign-in: the check is slow, so parallel
    attempts must not all pass a check made before any of them failed). A key already at
    its limit is locked now and the attempt refused; `forgive` gives back a success."""
    rows = _locked_rows(conn, keys)
    for rule, key in keys:
        lock = _lock_in_force(rule, key, rows[(rule.scope, key)], now)
        if lock is not None:
            return lock
    for rule, key in keys:
        failures, started = _current(rule, rows[(rule.scope, key)], now)
        if failures >= rule.limit:
            return _lock(conn, rule, key, now)
    for rule, key in keys:
        failures, started = _current(rule, rows[(rule.scope, key)], now)
        _set(conn, rule.scope, key, failures=failures + 1, window_started_at=started or now,
             locked_until=None)
    return None


def forgive(conn: Connection, key: Key, *, entirely: bool) -> None:
    """An admitted attempt succeeded: forget the key's failures (`entirely`), or just take
    back the one attempt `admit` counted."""
    rule, name = key
    where = and_(THROTTLES.c.scope == rule.scope, THROTTLES.c.key == name)
    if entirely:
        conn.execute(delete(THROTTLES).where(where))
    else:
        conn.execute(update(THROTTLES).where(where, THROTTLES.c.failures > 0)
                     .values(failures=THROTTLES.c.failures - 1))


def lock_in_force(conn: Connection, now: datetime, keys: Sequence[Key]) -> Lock | None:
    """The first of `keys` that is locked now, if any; their rows stay locked until the
    transaction ends, so a `record_failure` after a check counts exactly."""
    rows = _locked_rows(conn, keys)
    for rule, key in keys:
        lock = _lock_in_force(rule, key, rows[(rule.scope, key)], now)
        if lock is not None:
            return lock
    return None


def record_failure(conn: Connection, now: datetime, keys: Sequence[Key]) -> list[Lock]:
    """Count one failure on each key; a key reaching its limit is locked. Returns the locks
    this failure set."""
    rows = _locked_rows(conn, keys)
    locks = []
    for rule, key in keys:
        failures, started = _current(rule, rows[(rule.scope, key)], now)
        if failures + 1 >= rule.limit:
            locks.append(_lock(conn, rule, key, now))
        else:
            _set(conn, rule.scope, key, failures=failures + 1,
                 window_started_at=started or now, locked_until=None)
    return locks


def clear(conn: Connection, key: Key) -> None:
    forgive(conn, key, entirely=True)


def prune(conn: Connection, now: datetime, keep: timedelta) -> None:
    """Drop counters that have been quiet for `keep` and hold no lock."""
    before = now - keep
    conn.execute(delete(THROTTLES).where(
        or_(THROTTLES.c.window_started_at.is_(None), THROTTLES.c.window_started_at < before),
        or_(THROTTLES.c.locked_until.is_(None), THROTTLES.c.locked_until < now),
    ))


# --- rows ------------------------------------------------------------------------------------
def _locked_rows(conn: Connection, keys: Sequence[Key]) -> dict[tuple[str, str], Any]:
    """Each key's row, created empty if missing and locked for the rest of the transaction
    (in a fixed order, so two transactions never wait on each other crosswise)."""
    names = sorted({(rule.scope, key) for rule, key in keys})
    dialect = conn.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    conn.execute(
        insert(THROTTLES).on_conflict_do_nothing(),
        [{"scope": s, "key": k, "failures": 0} for s, k in names],
    )
    query = select(THROTTLES).where(tuple_(THROTTLES.c.scope, THROTTLES.c.key).in_(names)) \
        .order_by(THROTTLES.c.scope, THROTTLES.c.key)
    if dialect != "sqlite":  # SQLite's IMMEDIATE transaction already holds the write lock
        query = query.with_for_update()
    return {(r.scope, r.key): r for r in conn.execute(query)}


def _current(rule: Rule, row: Any, now: datetime) -> tuple[int, datetime | None]:
    """Failures still inside the window, and when the window started (None: no window)."""
    started = utc(row.window_started_at) if row.window_started_at is not None else None
    if started is None or now - started >= rule.window:
        return 0, None
    return int(row.failures), started


def _lock_in_force(rule: Rule, key: str, row: Any, now: datetime) -> Lock | None:
    until = utc(row.locked_until) if row.locked_until is not None else None
    return Lock(rule.scope, key, until) if until is not None and until > now else None


def _lock(conn: Connection, rule: Rule, key: str, now: datetime) -> Lock:
    until = now + rule.lockout
    _set(conn, rule.scope, key, failures=0, window_started_at=None, locked_until=until)
    return Lock(rule.scope, key, until)


def _set(conn: Connection, scope: str, key: str, **values: Any) -> None:
    conn.execute(update(THROTTLES).where(THROTTLES.c.scope == scope, THROTTLES.c.key == key)
                 .values(**values))
