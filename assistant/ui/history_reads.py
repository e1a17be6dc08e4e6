"""The chat history's reads for Chainlit: a whole thread, and a user's threads for the
sidebar, a page at a time (split from datalayer.py, which runs them on the history pool).
Who may read what is Chainlit's check, against the thread's author."""

from __future__ import annotations

from typing import cast

from chainlit.types import PageInfo, PaginatedResponse, Pagination, ThreadDict, ThreadFilter
from sqlalchemy import Connection, exists, or_, select

from assistant.ui.history_rows import element_dict, step_dict, thread_dict
from store.sql.chat_orm import ELEMENTS, FEEDBACKS, STEPS, THREADS

THREAD_LIST_LIMIT = 500  # per user, for the history sidebar


def thread(conn: Connection, thread_id: str) -> ThreadDict | None:
    """The thread with its steps (and their feedback) in order, and its elements."""
    row = conn.execute(select(THREADS).where(THREADS.c.id == thread_id)).first()
    if row is None:
        return None
    feedback = {
        f.for_id: {"forId": f.for_id, "id": f.id, "value": f.value, "comment": f.comment}
        for f in conn.execute(
            select(FEEDBACKS).where(FEEDBACKS.c.for_id.in_(
                select(STEPS.c.id).where(STEPS.c.thread_id == thread_id)))
        )
    }
    steps = [
        step_dict(s, feedback.get(s.id))
        for s in conn.execute(
            select(STEPS).where(STEPS.c.thread_id == thread_id)
            .order_by(STEPS.c.created_at, STEPS.c.id)
        )
    ]
    elements = [
        element_dict(e)
        for e in conn.execute(select(ELEMENTS).where(ELEMENTS.c.thread_id == thread_id))
    ]
    return cast(ThreadDict, {**thread_dict(row), "steps": steps, "elements": elements})


def threads_of(conn: Connection, filters: ThreadFilter) -> list[ThreadDict]:
    """The user's threads, newest first (at most `THREAD_LIST_LIMIT`), without their steps;
    narrowed by the sidebar's search (name or any step's text) and feedback filter."""
    query = select(THREADS).where(THREADS.c.user_id == filters.userId)
    if filters.search:
        pattern = f"%{filters.search}%"
        query = query.where(or_(
            THREADS.c.name.ilike(pattern),
            exists().where(STEPS.c.thread_id == THREADS.c.id, STEPS.c.output.ilike(pattern)),
        ))
    if filters.feedback is not None:
        query = query.where(exists().where(
            STEPS.c.thread_id == THREADS.c.id, FEEDBACKS.c.for_id == STEPS.c.id,
            FEEDBACKS.c.value == int(filters.feedback),
        ))
    query = query.order_by(THREADS.c.updated_at.desc(), THREADS.c.id)
    rows = conn.execute(query.limit(THREAD_LIST_LIMIT)).all()
    return [cast(ThreadDict, {**thread_dict(r), "steps": [], "elements": []}) for r in rows]


def page(threads: list[ThreadDict], pagination: Pagination) -> PaginatedResponse[ThreadDict]:
    """The page after `pagination.cursor` (a thread id; one no longer listed: an empty page)."""
    start = 0
    if pagination.cursor:
        ids = [t["id"] for t in threads]
        start = ids.index(pagination.cursor) + 1 if pagination.cursor in ids else len(ids)
    shown = threads[start:start + pagination.first]
    return PaginatedResponse(
        pageInfo=PageInfo(hasNextPage=len(threads) > start + len(shown),
                          startCursor=shown[0]["id"] if shown else None,
                          endCursor=shown[-1]["id"] if shown else None),
        data=shown,
    )
