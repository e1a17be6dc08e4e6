"""The conversation survives its process: a browser that comes back on another process,
by resuming its thread or by its socket reconnecting there, sees its pending proposal with
live buttons and can confirm it (button or typed yes), with the thread's memory intact.

"Another process" here is what a process holds that the database doesn't: a fresh
Chainlit session object with no chat in it; everything else comes from the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from unittest.mock import Mock

import chainlit as cl
from chainlit.context import ChainlitContext, context_var

import assistant.ui.app as app_module
from assistant.ui import chat
from tests.support import ANA, BOB, count, refunded, status
from tests.ui.conftest import App, Browser, BrowserFactory, mock_session, settle
from tests.ui.test_handlers import pick, proposal_payload


@asynccontextmanager
async def on_another_process(app: App, email: str, session_id: str,
                             thread_id: str | None = None) -> AsyncIterator[Browser]:
    """The same browser session (its id), arriving at a process that never served it."""
    session: Mock = await mock_session(app, email, thread_id=thread_id)
    session.id = session_id
    token = context_var.set(ChainlitContext(session))
    try:
        yield Browser(session)
        await settle()
    finally:
        context_var.reset(token)


async def proposal_on(app: App, browser: BrowserFactory) -> tuple[str, str, dict[str, Any]]:
    """Ana picks the headphones; the session id, thread id and Confirm payload."""
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A1"])
        payload = proposal_payload(b.live_actions())
        return b.session.id, b.session.thread_id, payload


async def test_a_resumed_thread_on_another_process_shows_its_proposal_and_confirm_works(
    app: App, browser: BrowserFactory,
) -> None:
    _, thread_id, payload = await proposal_on(app, browser)
    thread = await app.layer.get_thread(thread_id)
    assert thread is not None

    async with on_another_process(app, ANA.email, "new-tab", thread_id) as b:
        await app_module.on_chat_resume(thread)
        shown = proposal_payload(b.live_actions())
        assert shown["proposal_id"] == payload["proposal_id"]
        assert "Wireless headphones" in b.messages()[-1]
        await app_module.on_confirm(cl.Action(name="confirm", payload=shown))
        assert "Cancelled: Wireless headphones" in b.messages()[-1]
    assert status(app.store, "A1") == "cancelled"
    assert refunded(app.store, "112-0000001") == Decimal("59.99")
    assert count(app.store, "emails", order_id="112-0000001") == 1


async def test_a_socket_that_reconnects_on_another_process_goes_on_in_its_thread(
    app: App, browser: BrowserFactory,
) -> None:
    session_id, thread_id, payload = await proposal_on(app, browser)

    # The browser's socket reconnects with its session id and no thread id, as after a
    # process died under a chat that was never reopened from the sidebar.
    async with on_another_process(app, ANA.email, session_id) as b:
        await app_module.on_chat_start()
        assert b.session.thread_id == thread_id
        live = await chat.current()
        assert isinstance(live, chat.ChatSession)
        memory = live.conversation.state.memory  # the agent's memory, from the store
        assert any("Picked items A1" in str(m.content) for m in memory)
        assert proposal_payload(b.live_actions())["proposal_id"] == payload["proposal_id"]
        await app_module.on_message(cl.Message(content="yes"))  # "yes expected" survived
        assert "Cancelled: Wireless headphones" in b.messages()[-1]
    assert status(app.store, "A1") == "cancelled"
    assert count(app.store, "refunds") == 1


async def test_the_old_button_still_confirms_after_the_reconnect_but_only_once(
    app: App, browser: BrowserFactory,
) -> None:
    session_id, _, payload = await proposal_on(app, browser)
    async with on_another_process(app, ANA.email, session_id) as b:
        await app_module.on_chat_start()
        await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
        await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
        assert "no longer active" in b.messages()[-1]
    assert refunded(app.store, "112-0000001") == Decimal("59.99")


async def test_a_session_id_of_another_account_does_not_open_its_thread(
    app: App, browser: BrowserFactory,
) -> None:
    session_id, thread_id, _ = await proposal_on(app, browser)
    async with on_another_process(app, BOB.email, session_id) as b:
        await app_module.on_chat_start()
        assert b.session.thread_id != thread_id
        assert not [a for a in b.live_actions() if a["name"] == "confirm"]
        await app_module.on_message(cl.Message(content="yes"))
    assert status(app.store, "A1") == "unshipped"
    assert count(app.store, "proposals", status="pending") == 1


async def test_a_chat_with_nothing_waiting_resumes_without_buttons(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as first:
        await app_module.on_chat_start()
        await app_module.on_message(cl.Message(content="where is my order?"))
        session_id = first.session.id
    async with on_another_process(app, ANA.email, session_id) as b:
        await app_module.on_chat_start()
        assert not [a for a in b.live_actions() if a["name"] in ("confirm", "keep")]
