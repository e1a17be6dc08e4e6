"""A step or an element saved in one statement: the ownership check, the thread's row and the
row itself together (split from datalayer.py).

Under load the chat history was the app's largest database cost: each saved step took three
round trips (may the session write here? make sure the thread exists; upsert the step), each
waiting on the server. Here the check is the thread's own upsert: its `ON CONFLICT ... WHERE`
touches the thread only when the writer may write to it, and the row is inserted only from
what that upsert returned. On PostgreSQL both are one statement (data-modifying CTEs); on
SQLite, which has no such CTEs and no network, two statements in the same transaction.

The rules are those of `history_access.may_write` and `ensure_thread`: outside a session
anything goes; a session writes to a thread its user owns, or to its own thread while that
has no owner yet, and a thread it creates is owned by its (persisted) user. A row whose id
exists in another thread is never moved into this one.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert, Update

from assistant.ui.history_access import Writer
from store.sql.chat_orm import ChatThreadRow

log = logging.getLogger(__name__)
THREADS: Table = ChatThreadRow.__table__  # type: ignore[assignment]


def _insert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _may_touch(thread_id: str, who: Writer | None) -> ColumnElement[bool]:
    """Whether the writer may write to an existing thread, as SQL on its row."""
    if who is None:
        return true()
    _, identifier, own = who
    owned = THREADS.c.user_identifier == identifier if identifier is not None else false()
    unowned_own = and_(THREADS.c.user_identifier.is_(None), true() if thread_id == own
                       else false())
    return or_(owned, unowned_own)


def thread_claim(conn: Connection, thread_id: str, at: datetime,
                 who: Writer | None) -> Insert | Update:
    """The thread's row made or touched (last activity) where the writer may write; its id
    is returned only then. A session may create only its own thread."""
    later = case((THREADS.c.updated_at.is_(None), literal(at, THREADS.c.updated_at.type)),
                 (THREADS.c.updated_at < literal(at, THREADS.c.updated_at.type),
                  literal(at, THREADS.c.updated_at.type)),
                 else_=THREADS.c.updated_at)
    if who is not None and thread_id != who[2]:
        return (update(THREADS).where(THREADS.c.id == thread_id, _may_touch(thread_id, who))
                .values(updated_at=later).returning(THREADS.c.id))
    user_id, identifier = (who[0], who[1]) if who else (None, None)
    if user_id is None:
        identifier = None  # an owner is a persisted user or nobody
    ins = _insert(conn, THREADS).values(id=thread_id, user_id=user_id,
                                        user_identifier=identifier, created_at=at,
                                        updated_at=at, metadata={})
    return ins.on_conflict_do_update(
        index_elements=[THREADS.c.id], set_={"updated_at": later},
        where=_may_touch(thread_id, who),
    ).returning(THREADS.c.id)


def _row_upsert(conn: Connection, table: Table, values: dict[str, Any],
                source: Any = None) -> Insert:
    ins = _insert(conn, table)
    ins = ins.values(**values) if source is None else ins.from_select(list(values), source)
    return ins.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={k: ins.excluded[k] for k in values if k != "id"},
        where=table.c.thread_id == ins.excluded.thread_id,
    ).returning(table.c.id)


def _param(table: Table, column: str, value: Any) -> ColumnElement[Any]:
    # Typed, so that a JSON value is sent as JSON (SQLAlchemy adds `::JSON` on PostgreSQL,
    # which won't assign a bare text parameter of a SELECT list to a json column).
    return literal(value, table.c[column].type)


def save_row(conn: Connection, table: Table, key: str, values: dict[str, Any],
             at: datetime, who: Writer | None) -> bool:
    """Upsert row `key` of `values["thread_id"]` with the thread's row, where `who` may
    write; False (and a warning) when refused."""
    thread_id = values["thread_id"]
    row = {"id": key, **values}
    claim = thread_claim(conn, thread_id, at, who)
    if conn.dialect.name == "postgresql":
        claimed = claim.cte("claimed")
        source = select(*(_param(table, k, v) for k, v in row.items())).select_from(claimed)
        saved = _row_upsert(conn, table, row, source).cte("saved")
        allowed, done = conn.execute(select(
            select(func.count()).select_from(claimed).scalar_subquery(),
            select(func.count()).select_from(saved).scalar_subquery(),
        )).one()
    else:
        allowed = conn.execute(claim).first() is not None
        done = allowed and conn.execute(_row_upsert(conn, table, row)).first() is not None
    if not allowed:
        log.warning("refused a %s write to thread %s", table.name, thread_id)
    elif not done:
        log.warning("refused to take %s %s over from another thread", table.name, key)
    return bool(allowed and done)
