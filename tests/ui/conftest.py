"""Handler-test harness: the app's hooks called directly, with Chainlit's context mocked the
way Chainlit's own backend tests do it (a Mock WebsocketSession whose `emit` records every
event sent to the browser), on a migrated SQLite file with the standard world."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, Mock

import chainlit as cl
import chainlit.data
import pytest
from chainlit.auth import create_jwt
from chainlit.context import ChainlitContext, context_var
from chainlit.session import WebsocketSession
from chainlit.user import PersistedUser

from assistant.agent import Agent
from assistant.conversation import StoredThreads
from assistant.conversation.engines import AgentEngine
from assistant.ui.datalayer import ChatDataLayer
from store import sessions
from store.db import Store
from store.seed import load_world
from tests.support import standard_world
from tests.ui.fakes import ScriptedModel

# Importing the app must not write a secret into var/ during tests.
os.environ.setdefault("CHAINLIT_AUTH_SECRET", "test-secret-" + "x" * 40)

from assistant.ui import live, runtime


@dataclass
class Browser:
    """What one mocked browser session received."""

    session: Mock

    def events(self, name: str) -> list[dict[str, Any]]:
        return [c.args[1] for c in self.session.emit.call_args_list if c.args[0] == name]

    def messages(self) -> list[str]:
        return [str(m.get("output")) for m in self.events("new_message")
                if m.get("type") == "assistant_message"]

    def steps(self) -> list[dict[str, Any]]:
        """Tool steps as they ended up: a step is sent empty, then updated with its output."""
        final: dict[str, dict[str, Any]] = {}
        for c in self.session.emit.call_args_list:
            if c.args[0] in ("new_message", "update_message") and c.args[1].get("type") == "tool":
                final[c.args[1]["id"]] = {**final.get(c.args[1]["id"], {}), **c.args[1]}
        return list(final.values())

    def elements(self, name: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events("element") if name is None or e.get("name") == name]

    def actions(self) -> list[dict[str, Any]]:
        return self.events("action")

    def removed_actions(self) -> list[str]:
        return [a["id"] for a in self.events("remove_action")]

    def live_actions(self) -> list[dict[str, Any]]:
        gone = set(self.removed_actions())
        return [a for a in self.actions() if a["id"] not in gone]

    def clear(self) -> None:
        self.session.emit.reset_mock()


@dataclass
class App:
    store: Store
    layer: ChatDataLayer
    users: dict[str, PersistedUser]

    async def user(self, email: str) -> PersistedUser:
        if email not in self.users:
            persisted = await self.layer.create_user(cl.User(identifier=email))
            assert persisted is not None
            self.users[email] = persisted
        return self.users[email]


def signed_in_token(store: Store, email: str) -> str:
    """A session token as Chainlit issues it after our sign-in: naming a live session."""
    session_id = sessions.open_session(store.uow(), email, "credentials", "127.0.0.1",
                                       timedelta(hours=1))
    return str(create_jwt(cl.User(identifier=email, metadata={"sid": session_id})))


async def settle() -> None:
    """Let Chainlit's fire-and-forget persistence tasks finish."""
    for _ in range(3):
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if not pending:
            return
        await asyncio.gather(*pending, return_exceptions=True)


@pytest.fixture
def app(sqlite_file_store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    store = sqlite_file_store
    load_world(store.uow(), standard_world(), passwords=True)
    engines = {role: AgentEngine(Agent(ScriptedModel(), role)) for role in ("customer", "staff")}
    layer = ChatDataLayer(store.engine)
    threads = StoredThreads(store)
    monkeypatch.setattr(runtime, "store", lambda: store)
    monkeypatch.setattr(runtime, "engine_for", lambda role: engines[role])
    monkeypatch.setattr(runtime, "threads", lambda: threads)
    cards = live.CardFeed(store, interval_s=None)  # polled by the tests themselves
    monkeypatch.setattr(live, "feed", lambda _store: cards)
    monkeypatch.setattr(chainlit.data, "_data_layer", layer)
    monkeypatch.setattr(chainlit.data, "_data_layer_initialized", True)
    yield App(store, layer, {})


BrowserFactory = Callable[..., AbstractAsyncContextManager[Browser]]


async def mock_session(app: App, email: str, chat_profile: str | None = None,
                       thread_id: str | None = None) -> Mock:
    """A browser's websocket session as Chainlit holds it, signed in as `email`."""
    session = Mock(spec=WebsocketSession)
    session.id = str(uuid.uuid4())
    session.thread_id = thread_id or str(uuid.uuid4())
    session.user = await app.user(email)
    session.token = signed_in_token(app.store, email)  # a live sign-in, as after /login
    session.chat_profile = chat_profile
    session.user_env = {}
    session.chat_settings = {}
    session.client_type = "webapp"
    session.files = {}
    session.has_first_interaction = True
    session.emit = AsyncMock()
    session.persist_file = AsyncMock(return_value={"id": str(uuid.uuid4())})
    return session


@pytest.fixture
def browser(app: App) -> BrowserFactory:
    @asynccontextmanager
    async def open_browser(
        email: str, chat_profile: str | None = None, thread_id: str | None = None,
    ) -> AsyncIterator[Browser]:
        session = await mock_session(app, email, chat_profile, thread_id)
        token = context_var.set(ChainlitContext(session))
        try:
            yield Browser(session)
            await settle()
        finally:
            context_var.reset(token)

    return open_browser
