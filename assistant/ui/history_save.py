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

SQLAlchemy can't cache the compiled form of PostgreSQL's or SQLite's own INSERT (their ON
CONFLICT clauses have no cache key), and compiling these statements cost more CPU than the
round trips saved; so each shape (table, columns, kind of writer) is compiled once, with
named parameters, and kept.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Dialect,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.types import TypeEngine

from assistant.ui.history_access import Writer
from store.sql.chat_orm import ELEMENTS, STEPS, THREADS

log = logging.getLogger(__name__)
TABLES = {t.name: t for t in (STEPS, ELEMENTS)}
AT = bindparam("t_at", type_=THREADS.c.updated_at.type)


def _insert(dialect: Dialect, table: Table) -> postgresql.Insert | sqlite.Insert:
    return (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(table)


def _may_touch(creating: bool, has_writer: bool, has_identifier: bool) -> ColumnElement[bool]:
    """Whether the writer may write to an existing thread, as SQL on its row. A writer may
    create only its session's own thread: `creating` says the thread is that one."""
    if not has_writer:
        return true()
    owned = (THREADS.c.user_identifier == bindparam("w_identifier", type_=String())
             if has_identifier else false())
    return or_(owned, and_(THREADS.c.user_identifier.is_(None), true() if creating
                           else false()))


def _claim(dialect: Dialect, creating: bool, has_writer: bool,
           has_identifier: bool) -> Insert | Update:
    """The thread's row made or touched (last activity) where the writer may write; its id
    is returned only then."""
    later = case((THREADS.c.updated_at.is_(None), AT), (THREADS.c.updated_at < AT, AT),
                 else_=THREADS.c.updated_at)
    allowed = _may_touch(creating, has_writer, has_identifier)
    thread = bindparam("t_id", type_=THREADS.c.id.type)
    if not creating:
        return (update(THREADS).where(THREADS.c.id == thread, allowed)
                .values(updated_at=later).returning(THREADS.c.id))
    ins = _insert(dialect, THREADS).values(
        id=thread, user_id=bindparam("t_user_id", type_=THREADS.c.user_id.type),
        user_identifier=bindparam("t_identifier", type_=THREADS.c.user_identifier.type),
        created_at=AT, updated_at=AT,
        metadata=bindparam("t_metadata", type_=THREADS.c.metadata.type))
    return ins.on_conflict_do_update(index_elements=[THREADS.c.id], set_={"updated_at": later},
                                     where=allowed).returning(THREADS.c.id)


def _selected(table: Table, column: str) -> ColumnElement[Any]:
    """A parameter as a column of a SELECT list, cast to its column's type: PostgreSQL reads a
    bare parameter there as text, which it won't put into a boolean or json column. Strings
    are cast without a length, which would cut them short."""
    kind: TypeEngine[Any] = table.c[column].type
    if isinstance(kind, String) and not isinstance(kind, JSON):
        kind = String()
    return cast(bindparam(f"r_{column}", type_=table.c[column].type), kind)


def _row_upsert(dialect: Dialect, table: Table, names: tuple[str, ...],
                source: Any = None) -> Insert:
    ins = _insert(dialect, table)
    ins = (ins.from_select(list(names), source) if source is not None else
           ins.values({n: bindparam(f"r_{n}", type_=table.c[n].type) for n in names}))
    return ins.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={n: ins.excluded[n] for n in names if n != "id"},
        where=table.c.thread_id == ins.excluded.thread_id,
    ).returning(table.c.id)


@functools.lru_cache(maxsize=512)
def _compiled(dialect: Dialect, table_name: str, names: tuple[str, ...], creating: bool,
              has_writer: bool, has_identifier: bool) -> tuple[Compiled, ...]:
    """PostgreSQL: one statement returning (thread claimed, row saved) as counts. SQLite:
    the claim, then the row's upsert."""
    table = TABLES[table_name]
    claim = _claim(dialect, creating, has_writer, has_identifier)
    if dialect.name != "postgresql":
        return (claim.compile(dialect=dialect),
                _row_upsert(dialect, table, names).compile(dialect=dialect))
    claimed = claim.cte("claimed")
    source = select(*(_selected(table, n) for n in names)).select_from(claimed)
    saved = _row_upsert(dialect, table, names, source).cte("saved")
    both = select(select(func.count()).select_from(claimed).scalar_subquery(),
                  select(func.count()).select_from(saved).scalar_subquery())
    return (both.compile(dialect=dialect),)


def save_row(conn: Connection, table: Table, key: str, values: dict[str, Any],
             at: datetime, who: Writer | None) -> bool:
    """Upsert row `key` of `values["thread_id"]` with the thread's row, where `who` may
    write; False (and a warning) when refused."""
    thread_id = values["thread_id"]
    row = {"id": key, **values}
    names = tuple(sorted(row))
    creating = who is None or thread_id == who[2]
    user_id, identifier = (who[0], who[1]) if who else (None, None)
    params: dict[str, Any] = {f"r_{n}": row[n] for n in names}
    params.update(t_id=thread_id, t_at=at, t_metadata={}, w_identifier=identifier,
                  t_user_id=user_id, t_identifier=identifier if user_id else None)
    statements = _compiled(conn.dialect, table.name, names, creating, who is not None,
                           identifier is not None)
    if len(statements) == 1:
        allowed, done = conn.execute(statements[0], params).one()  # type: ignore[call-overload]
    else:
        allowed = conn.execute(statements[0], params).first() is not None  # type: ignore[call-overload]
        done = allowed and conn.execute(statements[1], params).first() is not None  # type: ignore[call-overload]
    if not allowed:
        log.warning("refused a %s write to thread %s", table.name, thread_id)
    elif not done:
        log.warning("refused to take %s %s over from another thread", table.name, key)
    return bool(allowed and done)
