"""Streaming a model's reply (assistant/ui/streaming.py): a step line first, then only the
sentences the reply guard released, each once it is complete and checked; then the preview
gives way to the reply."""

from __future__ import annotations

import asyncio
from typing import Any

import chainlit as cl
import pytest

import assistant.ui.app as app_module
from assistant.reply import Reply
from assistant.ui import chat
from assistant.ui.streaming import WORKING, GuardedStream
from tests.support import ANA
from tests.ui.conftest import App, BrowserFactory

TRUE = "Your order 112-0000001 has two items."
LIE = "I went ahead and cancelled the Wireless headphones."


def streamed(b: Any) -> str:
    """The text the page received through stream_start / send_token, in order."""
    out = ""
    for c in b.session.emit.call_args_list:
        if c.args[0] == "stream_start":
            out += str(c.args[1].get("output") or "")
        elif c.args[0] == "stream_token":
            out += str(c.args[1].get("token") or "")
    return out


async def started_stream() -> GuardedStream:
    """A chat opened in the current browser, and a turn's preview started in it."""
    await app_module.on_chat_start()
    session = await chat.current()
    assert isinstance(session, chat.ChatSession)
    stream = GuardedStream(session.conversation, "tell me about order 112-0000001",
                           asyncio.get_running_loop())
    await stream.start()
    return stream


async def test_only_complete_sentences_the_guard_passed_reach_the_page(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        stream = await started_stream()
        assert [s["name"] for s in b.steps()] == [WORKING]  # the indicator, before any word

        def model(words: str) -> None:
            for word in words.split(" "):
                stream.token(word + " ")

        await asyncio.to_thread(model, TRUE[:-1])  # the first sentence, not yet ended
        assert streamed(b) == ""
        await asyncio.to_thread(model, ".")
        assert streamed(b).strip() == TRUE.removesuffix(".") + " ."
        await asyncio.to_thread(model, LIE + " Anything else?")
        shown = streamed(b)
        assert "went ahead" not in shown and "cancelled the Wireless" not in shown
        assert "has not been cancelled" in shown  # the store's facts instead of the lie

        await stream.finish()
        removed = [c.args[1]["id"] for c in b.session.emit.call_args_list
                   if c.args[0] == "delete_message"]
        assert stream.message is not None and stream.message.id in removed
        [indicator] = [s for s in b.steps() if s["name"] == WORKING]
        assert indicator["id"] in removed and stream.working.step is None


async def test_the_step_line_goes_out_before_the_sign_in_check_and_the_turn(
    app: App, browser: BrowserFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under load the sign-in check, the turn's lock and its admission can each wait; the
    page must show within 300 ms that the message is being worked on, so nothing waits
    before the step line."""
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        session = await chat.current()
        assert isinstance(session, chat.ChatSession)
        session.streams = True  # as with a model provider
        seen_at_check: list[list[str]] = []

        async def signed_in(token: str | None) -> bool:
            seen_at_check.append([s["name"] for s in b.steps()])
            await asyncio.sleep(0.5)  # a slow database
            return True

        monkeypatch.setattr(chat.tokens, "still_signed_in", signed_in)
        await app_module.on_message(cl.Message(content="tell me about order 112-0000001"))
        assert seen_at_check == [[WORKING]]
        removed = {c.args[1]["id"] for c in b.session.emit.call_args_list
                   if c.args[0] == "delete_message"}
        [indicator] = [s for s in b.steps() if s["name"] == WORKING]
        assert indicator["id"] in removed  # and gone once the reply is there
        assert any("order system" in m for m in b.messages())


async def test_the_reply_is_on_the_page_before_its_preview_and_the_step_line_go(
    app: App, browser: BrowserFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never a moment with neither the preview nor the reply: a browser reading the page
    once the step line had gone once found neither."""
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        session = await chat.current()
        assert isinstance(session, chat.ChatSession)
        session.streams = True

        def send(text: str, on_token: Any = None) -> Reply:
            for word in (TRUE + " Anything else? ").split(" "):
                on_token(word + " ")
            return Reply(TRUE + " Anything else?")

        monkeypatch.setattr(session.conversation, "send", send)
        await app_module.on_message(cl.Message(content="tell me about order 112-0000001"))
        events = [(c.args[0], c.args[1]) for c in b.session.emit.call_args_list
                  if isinstance(c.args[1], dict)]
        assert streamed(b).strip()  # there was a preview
        [shown_at] = [i for i, (name, data) in enumerate(events) if name == "new_message"
                      and data.get("type") == "assistant_message" and TRUE in str(
                          data.get("output"))]
        removed_at = [i for i, (name, _) in enumerate(events) if name == "delete_message"]
        assert len(removed_at) == 2  # the preview and the step line
        assert shown_at < min(removed_at)


async def test_a_signed_out_page_gets_no_step_line_left_behind(
    app: App, browser: BrowserFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        session = await chat.current()
        assert isinstance(session, chat.ChatSession)
        session.streams = True

        async def signed_out(token: str | None) -> bool:
            return False

        monkeypatch.setattr(chat.tokens, "still_signed_in", signed_out)
        await app_module.on_message(cl.Message(content="tell me about order 112-0000001"))
        removed = {c.args[1]["id"] for c in b.session.emit.call_args_list
                   if c.args[0] == "delete_message"}
        assert all(s["id"] in removed for s in b.steps() if s["name"] == WORKING)
        assert chat.SIGNED_OUT in b.messages()[-1]


async def test_the_step_line_and_the_preview_are_shown_but_never_stored(
    app: App, browser: BrowserFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored: list[tuple[str, str]] = []
    for name in ("create_step", "update_step", "delete_step"):
        def spy(step: Any, name: str = name) -> Any:
            stored.append((name, step if isinstance(step, str) else step.get("name", "")))
            return asyncio.sleep(0)
        monkeypatch.setattr(app.layer, name, spy)
    async with browser(ANA.email) as b:
        stream = await started_stream()
        await asyncio.to_thread(stream.token, TRUE + " Anything else? ")
        assert stream.message is not None and streamed(b).strip()  # the preview was shown
        preview, indicator = stream.message.id, stream.working.step
        assert indicator is not None
        await stream.finish()
        removed = {c.args[1]["id"] for c in b.session.emit.call_args_list
                   if c.args[0] == "delete_message"}
        assert {preview, indicator.id} <= removed  # gone from the page
    assert not [s for s in stored if s[1] in (WORKING, preview, indicator.id)], stored
