"""A browser that reconnects on another process goes on in the same thread.

Chainlit keeps a browser's session (and so its thread) in the memory of the process that
served it. When that process dies, the browser's socket reconnects, through the proxy, to
another process, with the same session id but, for a chat that was never reopened from
the sidebar, no thread id: Chainlit would start a fresh thread, and the proposal on screen
would be "nothing waiting". So each chat records the thread its session is on, and a
session id that is already known to the database (from another process) continues there.

A new chat in the browser gets a new session id, so this never pulls a user back into a
thread they left; and only the account that recorded a session can continue it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.sql.chat_orm import SESSIONS

MAX_ID = 64


def settle(engine: Engine, session_id: str, thread_id: str, user: str) -> str:
    """The thread this session is on: the one recorded for it by any process, else
    `thread_id`, recorded now. A session id of another account gets `thread_id`."""
    if not session_id or len(session_id) > MAX_ID or len(thread_id) > MAX_ID:
        return thread_id
    with engine.begin() as conn:
        row = conn.execute(select(SESSIONS.c.thread_id, SESSIONS.c.user_identifier)
                           .where(SESSIONS.c.session_id == session_id)).first()
        if row is not None:
            return str(row.thread_id) if row.user_identifier == user else thread_id
        try:
            with conn.begin_nested():
                conn.execute(insert(SESSIONS).values(session_id=session_id, thread_id=thread_id,
                                                     user_identifier=user,
                                                     updated_at=datetime.now(UTC)))
        except IntegrityError:  # two sockets of one session at once: the first one wins
            return settle(engine, session_id, thread_id, user)
    return thread_id


def move(engine: Engine, session_id: str, thread_id: str, user: str) -> None:
    """The session reopened another of its user's threads (from the history sidebar)."""
    if not session_id or len(session_id) > MAX_ID or len(thread_id) > MAX_ID:
        return
    with engine.begin() as conn:
        changed = conn.execute(update(SESSIONS).where(
            SESSIONS.c.session_id == session_id, SESSIONS.c.user_identifier == user,
        ).values(thread_id=thread_id, updated_at=datetime.now(UTC))).rowcount
        if not changed and conn.execute(select(SESSIONS.c.session_id).where(
                SESSIONS.c.session_id == session_id)).first() is None:
            conn.execute(insert(SESSIONS).values(session_id=session_id, thread_id=thread_id,
                                                 user_identifier=user,
                                                 updated_at=datetime.now(UTC)))
