"""Chainlit's conversation history in the store's own database (SQLite or PostgreSQL).

A small data layer of our own rather than Chainlit's SQLAlchemyDataLayer: it runs on the
store's (synchronous) engine, so there is no second driver, no async SQLite, no camelCase
schema outside Alembic, and one place to enforce who may touch a thread:

- reads for the browser go through Chainlit, which checks `get_thread_author` / the thread's
  `userIdentifier` against the signed-in user before showing or resuming a thread;
- writes come from the Chainlit session doing them (Chainlit's context), and are refused for
  a thread that belongs to someone else. Chainlit lets a browser name the thread of a custom
  element it updates, so this check is what keeps one user's data out of another's thread.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from chainlit.data.base import BaseDataLayer
from chainlit.data.utils import queue_until_user_message
from chainlit.element import ElementDict
from chainlit.step import StepDict
from chainlit.types import (
    Feedback,
    PaginatedResponse,
    Pagination,
    ThreadDict,
    ThreadFilter,
)
from chainlit.user import PersistedUser, User
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.ui import history_reads, ownership, pools
from assistant.ui.history_access import ensure_thread, may_write, own_thread, writer
from assistant.ui.history_batch import GroupCommit
from assistant.ui.history_rows import (
    ELEMENT_FIELDS,
    STEP_FIELDS,
    cap_text,
    columns,
    element_dict,
    iso,
    now,
    show_input_in,
)
from assistant.ui.history_save import save_row
from assistant.ui.history_writes import OrderedRetries
from store.sql.chat_orm import ELEMENTS, FEEDBACKS, STEPS, THREADS, USERS
from store.sql.engine import reads_without_transaction

log = logging.getLogger(__name__)
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def _queued(fn: F) -> F:
    """Chainlit holds a new session's writes until its first user message, so a session
    that never says anything leaves no empty thread behind."""
    return cast(F, queue_until_user_message()(fn))  # type: ignore[no-untyped-call]


MAX_MESSAGE_CHARS = 4000  # the default; the app passes RESCIND_MAX_MESSAGE_CHARS
MAX_STEP_CHARS = 200_000  # a tool's output or a reply: far above anything the app writes
SESSION_KEY = "sid"  # the sign-in session id in a user's token metadata


class ChatDataLayer(BaseDataLayer):
    """Chainlit's persistence on the store's engine. Blocking SQL runs in the history pool;
    writes are serialised per thread, so a step's create and its updates land in the order
    sent, and retried while the database is unreachable (history_writes.py)."""

    def __init__(self, engine: Engine, max_message_chars: int = MAX_MESSAGE_CHARS) -> None:
        self.engine = engine
        self.max_message_chars = max_message_chars
        self.retries = OrderedRetries()
        self.commits = GroupCommit(engine, pools.history)

    async def _read(self, fn: Callable[[Connection], T]) -> T:
        def run() -> T:
            with self.engine.connect() as conn:
                reads_without_transaction(conn)
                return fn(conn)

        return await pools.history(run)

    async def _write(self, fn: Callable[[Connection], T], what: str, key: str) -> T | None:
        # Chainlit fires these as background tasks: never raise, never drop silently.
        return await self.retries.run(key, lambda: self.commits(fn), what)

    async def _save(self, table: Table, key: str, values: dict[str, Any],
                    at: datetime | None, what: str) -> None:
        """Upsert a step or an element with its thread in one statement (history_save.py).
        Consecutive saves of one row by one session join while they wait: a message's
        create and its updates become one write of the final values."""
        who = writer()  # now, in the caller's session: the write may run later
        thread_id = values["thread_id"]

        def attempt(final: dict[str, Any]) -> Any:
            return self.commits(lambda conn: save_row(conn, table, key, final, at or now(),
                                                      who))

        await self.retries.run_joining(thread_id, (table.name, key, who), values, attempt,
                                       what)

    # --- users -------------------------------------------------------------------------
    async def get_user(self, identifier: str) -> PersistedUser | None:
        def q(conn: Connection) -> PersistedUser | None:
            row = conn.execute(select(USERS).where(USERS.c.identifier == identifier)).first()
            if row is None:
                return None
            return PersistedUser(id=row.id, identifier=row.identifier,
                                 createdAt=iso(row.created_at) or "",
                                 metadata=dict(row.metadata or {}))

        return await self._read(q)

    async def create_user(self, user: User) -> PersistedUser | None:
        def w(conn: Connection) -> None:
            # The sign-in's session id rides in the token only; it is no profile data.
            meta = {k: v for k, v in (user.metadata or {}).items() if k != SESSION_KEY}
            changed = conn.execute(
                update(USERS).where(USERS.c.identifier == user.identifier).values(metadata=meta)
            ).rowcount
            if not changed:  # a concurrent first sign-in may insert it first: then update
                try:
                    with conn.begin_nested():
                        conn.execute(insert(USERS).values(
                            id=str(uuid.uuid4()), identifier=user.identifier, metadata=meta,
                            created_at=now()))
                except IntegrityError:
                    conn.execute(update(USERS).where(USERS.c.identifier == user.identifier)
                                 .values(metadata=meta))

        await self._write(w, "create_user", f"user:{user.identifier}")
        return await self.get_user(user.identifier)

    # --- threads -----------------------------------------------------------------------
    async def get_thread_author(self, thread_id: str) -> str:
        def q(conn: Connection) -> str:
            row = conn.execute(
                select(THREADS.c.user_identifier).where(THREADS.c.id == thread_id)
            ).first()
            return (row.user_identifier or "") if row else ""

        return await self._read(q)

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        return await self._read(lambda conn: history_reads.thread(conn, thread_id))

    async def update_thread(
        self, thread_id: str, name: str | None = None, user_id: str | None = None,
        metadata: dict[str, Any] | None = None, tags: list[str] | None = None,
    ) -> None:
        def w(conn: Connection) -> None:
            row = conn.execute(select(THREADS).where(THREADS.c.id == thread_id)).first()
            identifier = None
            if user_id is not None:
                owner = conn.execute(
                    select(USERS.c.identifier).where(USERS.c.id == user_id)
                ).first()
                if owner is None:
                    return
                identifier = owner.identifier
            if row is not None and row.user_id and user_id and row.user_id != user_id:
                log.warning("refused to give thread %s to another user", thread_id)
                return
            if row is not None and not may_write(conn, thread_id, row.user_identifier):
                log.warning("refused a write to thread %s from another session", thread_id)
                return
            merged = dict(row.metadata or {}) if row is not None else {}
            for key, value in (metadata or {}).items():
                if value is None:  # Chainlit's convention: None deletes the key
                    merged.pop(key, None)
                else:
                    merged[key] = value
            values: dict[str, Any] = {"metadata": merged}
            if name is not None:
                values["name"] = name[:255]
            if tags is not None:
                values["tags"] = list(tags)
            if user_id is not None:
                values.update(user_id=user_id, user_identifier=identifier)
            if row is None:
                at = now()
                conn.execute(insert(THREADS).values(id=thread_id, created_at=at,
                                                    updated_at=at, **values))
            else:
                conn.execute(update(THREADS).where(THREADS.c.id == thread_id).values(**values))

        await self._write(w, "update_thread", thread_id)

    async def delete_thread(self, thread_id: str) -> None:
        def w(conn: Connection) -> None:
            steps = select(STEPS.c.id).where(STEPS.c.thread_id == thread_id)
            conn.execute(delete(FEEDBACKS).where(FEEDBACKS.c.for_id.in_(steps)))
            conn.execute(delete(ELEMENTS).where(ELEMENTS.c.thread_id == thread_id))
            conn.execute(delete(STEPS).where(STEPS.c.thread_id == thread_id))
            conn.execute(delete(THREADS).where(THREADS.c.id == thread_id))

        await self._write(w, "delete_thread", thread_id)

    async def list_threads(
        self, pagination: Pagination, filters: ThreadFilter
    ) -> PaginatedResponse[ThreadDict]:
        if not filters.userId:
            raise ValueError("userId is required")

        threads = await self._read(lambda conn: history_reads.threads_of(conn, filters))
        return history_reads.page(threads, pagination)

    # --- steps ---------------------------------------------------------------------------
    @_queued
    async def create_step(self, step_dict: StepDict) -> None:
        await self._save_step(step_dict, "create_step")

    @_queued
    async def update_step(self, step_dict: StepDict) -> None:
        await self._save_step(step_dict, "update_step")

    async def _save_step(self, step_dict: StepDict, what: str) -> None:
        step = cast(dict[str, Any], step_dict)
        step_id, thread_id = step.get("id"), step.get("threadId")
        if not step_id or not thread_id:
            return
        values = columns(step, STEP_FIELDS)
        values.setdefault("name", step.get("name") or "")
        values.setdefault("type", step.get("type") or "undefined")
        values["show_input"] = show_input_in(step.get("showInput"))
        values["thread_id"] = thread_id
        cap_text(values, self.max_message_chars if values["type"] == "user_message"
                 else MAX_STEP_CHARS)
        await self._save(STEPS, step_id, values, values.get("created_at"), what)

    @_queued
    async def delete_step(self, step_id: str) -> None:
        def w(conn: Connection) -> None:
            row = conn.execute(select(STEPS.c.thread_id).where(STEPS.c.id == step_id)).first()
            if row is None or not may_write(conn, row.thread_id):
                return
            conn.execute(delete(FEEDBACKS).where(FEEDBACKS.c.for_id == step_id))
            conn.execute(delete(STEPS).where(STEPS.c.id == step_id))

        await self._write(w, "delete_step", own_thread() or step_id)

    async def get_favorite_steps(self, user_id: str) -> list[StepDict]:
        return []  # favourites are switched off in .chainlit/config.toml

    # --- elements ------------------------------------------------------------------------
    @_queued
    async def create_element(self, element: Any) -> None:
        data = element.to_dict()
        element_id, thread_id = data.get("id"), data.get("threadId")
        if not element_id or not thread_id:
            return
        values = columns(data, ELEMENT_FIELDS)
        values.setdefault("name", "")
        values["thread_id"] = thread_id
        await self._save(ELEMENTS, element_id, values, None, "create_element")

    async def get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        def q(conn: Connection) -> ElementDict | None:
            row = conn.execute(select(ELEMENTS).where(
                ELEMENTS.c.id == element_id, ELEMENTS.c.thread_id == thread_id)).first()
            return element_dict(row) if row else None

        return await self._read(q)

    @_queued
    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        def w(conn: Connection) -> None:
            row = conn.execute(
                select(ELEMENTS.c.thread_id).where(ELEMENTS.c.id == element_id)
            ).first()
            if row is None or not may_write(conn, row.thread_id):
                return
            conn.execute(delete(ELEMENTS).where(ELEMENTS.c.id == element_id))

        await self._write(w, "delete_element", thread_id or own_thread() or element_id)

    # --- feedback ------------------------------------------------------------------------
    # Feedback arrives over HTTP, naming a message by id: the request's signed-in user must
    # own the message's thread (or be staff). The request gate refuses first, with a status;
    # this is the same rule where the rows are written.
    async def upsert_feedback(self, feedback: Feedback) -> str:
        feedback_id = feedback.id or str(uuid.uuid4())
        who = ownership.requester.get()

        def w(conn: Connection) -> None:
            thread_id = ownership.step_thread(conn, feedback.forId)
            if thread_id is None or (who and not ownership.may_touch(
                    conn, who.identifier, thread_id)):
                log.warning("refused feedback on step %s", feedback.forId)
                return
            values = {"for_id": feedback.forId, "thread_id": thread_id,
                      "value": int(feedback.value), "comment": feedback.comment}
            existing = ownership.feedback_target(conn, feedback_id)
            if existing is None:
                conn.execute(insert(FEEDBACKS).values(id=feedback_id, **values))
            elif existing[0] == feedback.forId:
                conn.execute(update(FEEDBACKS).where(FEEDBACKS.c.id == feedback_id)
                             .values(**values))
            else:
                log.warning("refused to move feedback %s to another step", feedback_id)

        await self._write(w, "upsert_feedback", f"feedback:{feedback_id}")
        return feedback_id

    async def delete_feedback(self, feedback_id: str) -> bool:
        who = ownership.requester.get()

        def w(conn: Connection) -> bool:
            target = ownership.feedback_target(conn, feedback_id)
            if target is None or (who and not ownership.may_touch(conn, who.identifier,
                                                                   target[1])):
                return False
            return bool(conn.execute(
                delete(FEEDBACKS).where(FEEDBACKS.c.id == feedback_id)).rowcount)

        return bool(await self._write(w, "delete_feedback", f"feedback:{feedback_id}"))

    async def append_message(self, thread_id: str, author: str, text: str) -> bool:
        """A message from the server into an existing thread that no session has open (a
        support notice). Not for browser-driven writes: callers check the right first."""
        step_id = str(uuid.uuid4())  # before the first attempt: a retry can't add a second

        def w(conn: Connection) -> bool:
            if conn.execute(select(THREADS.c.id).where(THREADS.c.id == thread_id)).first() \
                    is None:
                return False
            if conn.execute(select(STEPS.c.id).where(STEPS.c.id == step_id)).first():
                return True  # an earlier attempt committed, then lost its connection
            at = now()
            conn.execute(insert(STEPS).values(
                id=step_id, thread_id=thread_id, name=author,
                type="assistant_message", output=text, input="", metadata={},
                created_at=at, start=at, end=at, streaming=False))
            ensure_thread(conn, thread_id, at)
            return True

        return bool(await self._write(w, "append_message", thread_id))

    # --- misc ----------------------------------------------------------------------------
    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        """The engine belongs to the store; whoever opened it disposes of it."""
