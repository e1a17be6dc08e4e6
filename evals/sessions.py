"""How the runner talks to the assistant: the app's own `Conversation` over one `Agent` per
role, built once per process. Tests plug in any object with the same two methods."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from assistant.config import ModelConfig
from assistant.conversation import Conversation, StoredThreads
from assistant.conversation.factory import engine_for
from store.db import Store
from store.domain.model import Actor

Click = Literal["confirm", "keep"]


class ToolEventLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def args(self) -> dict[str, Any]: ...
    @property
    def result(self) -> dict[str, Any]: ...


class ReplyLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def tool_events(self) -> Sequence[ToolEventLike]: ...
    @property
    def proposal(self) -> dict[str, Any] | None: ...
    @property
    def outcome(self) -> dict[str, Any] | None: ...


class Session(Protocol):
    """What the chat UI does with a conversation: send a message, press a button."""

    def send(self, text: str) -> ReplyLike: ...

    def click(
        self, action: Click, proposal_id: str | None = None, fingerprint: str | None = None
    ) -> ReplyLike: ...


SessionFactory = Callable[[Store, Actor, str], Session]


class AgentSessions:
    """The app's own conversation for each dialog, on the engine the app would use (built
    once per role and shared, as the app shares it between conversations), with the
    thread's state kept in the dialog's store as the app keeps it."""

    def __init__(self, provider: str = "offline") -> None:
        self.config = ModelConfig.from_env(provider)

    def warm(self) -> None:
        for role in ("customer", "staff"):
            engine_for(role, self.config)

    def __call__(self, store: Store, actor: Actor, thread_id: str) -> Session:
        engine = engine_for(actor.kind, self.config)
        return Conversation(engine, store, actor, thread_id, threads=StoredThreads(store))
