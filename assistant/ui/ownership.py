"""Who may touch which conversation: the signed-in user of an HTTP request, and the owner of
each thread, step, element and piece of feedback in the chat tables.

Chainlit's HTTP routes for feedback and custom elements name rows by id and don't say who
is asking; the request gate (assistant/ui/security) puts the signed-in user in `requester`,
and both the gate and the data layer check it against the rows' owners.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Connection, select

from store.sql.chat_orm import ELEMENTS, FEEDBACKS, STEPS, THREADS
from store.sql.repository import SqlRepository


@dataclass(frozen=True)
class Requester:
    """The signed-in account behind the current HTTP request (its e-mail)."""

    identifier: str


requester: ContextVar[Requester | None] = ContextVar("rescind_requester", default=None)


def thread_owner(conn: Connection, thread_id: str) -> str | None:
    """The thread's owner; None for a thread nobody owns or that doesn't exist."""
    row = conn.execute(select(THREADS.c.user_identifier).where(THREADS.c.id == thread_id)).first()
    return row.user_identifier if row is not None else None


def thread_exists(conn: Connection, thread_id: str) -> bool:
    return conn.execute(select(THREADS.c.id).where(THREADS.c.id == thread_id)).first() is not None


def step_thread(conn: Connection, step_id: str) -> str | None:
    row = conn.execute(select(STEPS.c.thread_id).where(STEPS.c.id == step_id)).first()
    return row.thread_id if row is not None else None


def element_thread(conn: Connection, element_id: str) -> tuple[bool, str | None]:
    """(whether the element is stored, the thread it belongs to)."""
    row = conn.execute(select(ELEMENTS.c.thread_id).where(ELEMENTS.c.id == element_id)).first()
    return (row is not None, row.thread_id if row is not None else None)


def feedback_target(conn: Connection, feedback_id: str) -> tuple[str, str | None] | None:
    """(the step it is about, that step's thread) for a stored piece of feedback."""
    row = conn.execute(
        select(FEEDBACKS.c.for_id, STEPS.c.thread_id)
        .select_from(FEEDBACKS.outerjoin(STEPS, STEPS.c.id == FEEDBACKS.c.for_id))
        .where(FEEDBACKS.c.id == feedback_id)
    ).first()
    return (row.for_id, row.thread_id) if row is not None else None


def may_touch(conn: Connection, identifier: str, thread_id: str | None) -> bool:
    """The thread's owner may; so may support staff (feedback is theirs to tidy); nobody
    may touch a thread that has no owner or doesn't exist."""
    if not thread_id:
        return False
    owner = thread_owner(conn, thread_id)
    if owner is not None and owner == identifier:
        return True
    return owner is not None and is_staff(conn, identifier)


def is_staff(conn: Connection, identifier: str) -> bool:
    # On the caller's connection: a second one would wait on SQLite's write lock it holds.
    return SqlRepository(conn).staff(identifier) is not None
