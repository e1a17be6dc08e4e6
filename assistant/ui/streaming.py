"""Streaming a model's reply without weakening the reply guard (P12).

With a model provider a turn can take seconds. At once a step line says the message is being
worked on (`Working`: sent by assistant/ui/chat.py before the sign-in check, the turn's lock
and admission, so nothing the server waits for delays it); then the model's tokens go
through the reply guard's sentence gate (`ReplyGuard.gate`), and only a sentence the gate
has released (checked against the store, corrected or dropped) reaches the page. The guard
here knows the conversation up to the user's message, not this turn's tool results: it can
only be stricter than the final review (a claim it can't place is not shown). When the turn
ends, the reply is shown as every reply is (the engine's fully reviewed text, its tool steps,
cards and buttons), then the preview and the step line are removed. So nothing on screen
ever skipped the guard, and the page is never left with neither.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

import chainlit as cl
from chainlit.step import check_add_step_in_cot, stub_step
from langchain_core.messages import BaseMessage, HumanMessage

from assistant.conversation import Conversation
from assistant.guard.replies import ReplyGuard

log = logging.getLogger(__name__)
WORKING = "Working on your message"
SHOW_TIMEOUT_S = 10.0  # a page that stopped listening must not hold the turn


class Working:
    """The step line "Working on your message", shown once and cleared once.

    Shown, never stored: it goes away when the turn ends, so the chat history has no place
    for it. Through `Step.send` it cost an upsert and its removal four statements per turn
    (issue 11), and a process that died mid-turn left it in the thread for good."""

    def __init__(self) -> None:
        self.step: cl.Step | None = None

    async def show(self) -> None:
        step = cl.Step(name=WORKING, type="tool", show_input=False)
        # What `Step.send` shows, without its data-layer write.
        await cl.context.emitter.send_step(
            step.to_dict() if check_add_step_in_cot(step) else stub_step(step))
        self.step = step

    async def clear(self) -> None:
        step, self.step = self.step, None
        if step is not None:
            await cl.context.emitter.delete_step(step.to_dict())


class GuardedStream:
    """One turn's preview. `token` runs on the conversation's worker thread; everything that
    touches the page runs on the event loop."""

    def __init__(self, conversation: Conversation, text: str,
                 loop: asyncio.AbstractEventLoop, working: Working | None = None) -> None:
        self.loop = loop
        self.message: cl.Message | None = None
        self.working = working or Working()
        self.shown = ""
        seen: list[BaseMessage] = [*conversation.state.memory, HumanMessage(text)]
        guard = ReplyGuard.for_turn(conversation.store, conversation.actor, seen,
                                    conversation.thread_id, conversation.context.acting_for)
        self.gate = guard.gate(self._released)

    async def start(self) -> None:
        """The step line, unless the caller already showed it."""
        if self.working.step is None:
            await self.working.show()

    def token(self, piece: str) -> None:
        try:
            self.gate.feed(piece)
        except Exception:  # a preview that fails must not fail the turn: the reply follows
            log.exception("streaming preview stopped")
            self.gate.sink = lambda _: None

    def _released(self, checked: str) -> None:
        future = asyncio.run_coroutine_threadsafe(self._show(checked), self.loop)
        try:
            future.result(timeout=SHOW_TIMEOUT_S)
        except (concurrent.futures.TimeoutError, RuntimeError):
            log.warning("streaming preview could not reach the page")

    async def _show(self, checked: str) -> None:
        if not checked:
            return
        if self.message is None:
            self.message = cl.Message(content="")  # type: ignore[no-untyped-call]
        self.shown += checked
        await self.message.stream_token(checked)

    async def finish(self) -> None:
        """The preview gives way to the reply as it is shown when not streamed. The preview
        was only ever streamed, never stored: it leaves the page, with nothing to delete."""
        if self.message is not None:
            await cl.context.emitter.delete_step(self.message.to_dict())
        await self.working.clear()

