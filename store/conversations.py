"""Use cases for a chat thread's conversation state: kept in the store so a conversation
resumes on any process, with its pending proposal and what it was waiting for. Only the
account that chats in a thread can read or write its state (P1)."""

from __future__ import annotations

from typing import Any

from store.domain import errors
from store.domain.model import Actor
from store.unit_of_work import UnitOfWork


def load_state(uow: UnitOfWork, actor: Actor, thread_id: str) -> dict[str, Any] | None:
    _check(thread_id)
    with uow.reading():
        found = uow.threads.get(thread_id)
    if found is None:
        return None
    kind, email, data = found
    if (kind, email) != (actor.kind, actor.email):
        raise errors.NotAllowed("That conversation belongs to another account.")
    return data


def save_state(uow: UnitOfWork, actor: Actor, thread_id: str, data: dict[str, Any]) -> None:
    _check(thread_id)
    with uow:
        if not uow.threads.put(thread_id, actor.kind, actor.email, data, uow.now()):
            raise errors.NotAllowed("That conversation belongs to another account.")
        # Losing the last turn's state in a crash costs a re-asked question, not data.
        uow.commit(durable=False)


MAX_THREAD_ID = 64


def _check(thread_id: str) -> None:
    if not isinstance(thread_id, str) or not 0 < len(thread_id) <= MAX_THREAD_ID or not (
            thread_id.isprintable()):
        raise errors.MalformedId("That conversation id is not valid.")
