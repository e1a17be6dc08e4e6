"""A message from support into a customer's conversation (their handoff was taken or
closed). Called only after the core accepted the staff member's action on that handoff.

If the customer has the conversation open, the message is sent through their own session,
so it appears at once and is saved like any reply; otherwise it is appended to the saved
thread and shown when they come back to it.
"""

from __future__ import annotations

import asyncio

import chainlit as cl
from chainlit.context import init_ws_context
from chainlit.session import WebsocketSession, ws_sessions_id

from assistant.ui import runtime

AUTHOR = "Support"


async def post_to_thread(thread_id: str, text: str) -> None:
    live = [s for s in list(ws_sessions_id.values())
            if isinstance(s, WebsocketSession) and s.thread_id == thread_id]
    if live:
        await asyncio.gather(*(asyncio.create_task(_send_in(s, text)) for s in live))
        return
    await runtime.data_layer().append_message(thread_id, AUTHOR, text)


async def _send_in(session: WebsocketSession, text: str) -> None:
    # A task of its own: the customer's session context must not leak into the caller's.
    init_ws_context(session)
    await cl.Message(content=text, author=AUTHOR).send()  # type: ignore[no-untyped-call]
