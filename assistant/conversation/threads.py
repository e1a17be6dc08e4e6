"""A thread's conversation state, as data: kept in the store so any process can resume it.

What survives a process: the proposal on screen (with its buttons), whether a typed "yes"
answers it, the dialogue manager's state, the agent's memory and, for staff, the caller
they verified. Nothing is recovered from the wording of earlier replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict

from store import conversations
from store.db import Store
from store.domain.model import Actor

STATE_VERSION = 1


@dataclass
class ThreadState:
    pending: dict[str, Any] | None = None  # the proposal on screen, as the core made it
    consent_open: bool = False  # a typed plain yes answers `pending` (P7)
    dialogue: dict[str, Any] | None = None  # the dialogue manager's state
    memory: list[BaseMessage] = field(default_factory=list)  # the agent's memory
    acting_for: str | None = None  # staff: the caller verified in this thread (P2)

    def as_dict(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "pending": self.pending,
                "consent_open": self.consent_open, "dialogue": self.dialogue,
                "memory": messages_to_dict(self.memory), "acting_for": self.acting_for}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ThreadState:
        if not data or data.get("version") != STATE_VERSION:
            return cls()
        return cls(pending=data.get("pending"), consent_open=bool(data.get("consent_open")),
                   dialogue=data.get("dialogue"),
                   memory=messages_from_dict(data.get("memory") or []),
                   acting_for=data.get("acting_for"))


class ThreadStore(Protocol):
    def load(self, actor: Actor, thread_id: str) -> ThreadState: ...

    def save(self, actor: Actor, thread_id: str, state: ThreadState) -> None: ...


class StoredThreads:
    """Thread states in the store's database (the app, the CLI): any process resumes them."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def load(self, actor: Actor, thread_id: str) -> ThreadState:
        return ThreadState.from_dict(conversations.load_state(self.store.uow(), actor,
                                                              thread_id))

    def save(self, actor: Actor, thread_id: str, state: ThreadState) -> None:
        conversations.save_state(self.store.uow(), actor, thread_id, state.as_dict())
