"""Streaming a model's reply (assistant/ui/streaming.py): a step line first, then only the
sentences the reply guard released, each once it is complete and checked; then the preview
gives way to the reply."""

from __future__ import annotations

import asyncio
from typing import Any

import assistant.ui.app as app_module
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


async def test_only_complete_sentences_the_guard_passed_reach_the_page(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        session = await chat.current()
        assert isinstance(session, chat.ChatSession)
        stream = GuardedStream(session.conversation, "tell me about order 112-0000001",
                               asyncio.get_running_loop())
        await stream.start()
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
        assert stream.message is not None and stream.indicator is not None
        assert stream.message.id in removed and stream.indicator.id in removed
