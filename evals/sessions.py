"""How the runner talks to the assistant: the app's own `Conversation` over one `Agent` per
role, built once per process. Tests plug in any object with the same two methods."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from assistant.agent import Agent
from assistant.conversation import Conversation
from assistant.models.providers import ModelConfig, make_model
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
    """The app's agent loop for each dialog; agents are compiled once and shared, as the app
    shares them between conversations."""

    def __init__(self, provider: str = "offline") -> None:
        self.config = ModelConfig.from_env(provider)
        self._agents: dict[str, Agent] = {}

    def agent(self, role: str) -> Agent:
        if role not in self._agents:
            self._agents[role] = _build_agent(role, self.config)
        return self._agents[role]

    def __call__(self, store: Store, actor: Actor, thread_id: str) -> Session:
        return Conversation(self.agent(actor.kind), store, actor, thread_id)


def _build_agent(role: str, config: ModelConfig) -> Agent:
    # assistant/factory.py, where present, is how the app builds its agents; use the same path.
    if importlib.util.find_spec("assistant.agent.factory") is not None:
        factory: Any = importlib.import_module("assistant.agent.factory")
        built = factory.get_agent(role, config)
        if isinstance(built, Agent):
            return built
    return Agent(make_model(config), "staff" if role == "staff" else "customer")
