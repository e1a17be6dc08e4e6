"""Who may write chat history where: the Chainlit session doing a write, and the checks
that keep one user's rows out of another's thread (split from datalayer.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from chainlit.context import ChainlitContextException, context
from chainlit.user import PersistedUser
from sqlalchemy import Connection, insert, select, update

from assistant.ui.history_rows import now, parse_time
from store.sql.chat_orm import THREADS

log = logging.getLogger(__name__)
Writer = tuple[str | None, str | None, str]  # (user id, user identifier, session thread id)
_UNREAD = object()


def writer() -> Writer | None:
    """(user id, user identifier, session thread id) of the Chainlit session doing a write;
    None outside any session (server-internal calls, tests of the layer itself)."""
    try:
        session = context.session
    except ChainlitContextException:
        return None
    user = session.user
    user_id = getattr(user, "id", None) if isinstance(user, PersistedUser) else None
    return user_id, (user.identifier if user else None), session.thread_id


def own_thread() -> str | None:
    who = writer()
    return who[2] if who else None


def may_write(conn: Connection, thread_id: str | None, owner: Any = _UNREAD) -> bool:
    """A session writes to its own thread, or to a thread its user owns; nothing else.
    `owner`: the thread's user identifier (None: no owner) when the caller has read it
    already, which saves a round trip."""
    who = writer()
    if who is None or not thread_id:
        return who is None
    _, identifier, own_thread = who
    if owner is _UNREAD:
        row = conn.execute(
            select(THREADS.c.user_identifier).where(THREADS.c.id == thread_id)
        ).first()
        owner = row.user_identifier if row is not None else None
    if owner is None:
        return thread_id == own_thread
    return identifier is not None and owner == identifier


def ensure_thread(conn: Connection, thread_id: str, at: datetime | None) -> None:
    """Steps can race ahead of Chainlit's first `update_thread`: create the row, owned by the
    writing session's user when there is one, and keep its last-activity time current."""
    when = at or now()
    found = conn.execute(select(THREADS.c.updated_at).where(THREADS.c.id == thread_id)).first()
    if found is None:
        who = writer()
        user_id, identifier = (who[0], who[1]) if who else (None, None)
        if user_id is None:
            identifier = None  # an owner is a persisted user or nobody
        conn.execute(insert(THREADS).values(
            id=thread_id, user_id=user_id, user_identifier=identifier, created_at=when,
            updated_at=when, metadata={},
        ))
    elif parse_time(found.updated_at) is None or when > (parse_time(found.updated_at) or when):
        conn.execute(update(THREADS).where(THREADS.c.id == thread_id).values(updated_at=when))
