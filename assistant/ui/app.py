"""Rescind's Chainlit app: sign-in, chat lifecycle and buttons, nothing else.

Run with `make run` (http://localhost:8000). Every decision is delegated: the role comes from
the store's account, turns go to the agent, buttons and the order-card picker go to the core
for the signed-in user. Rendering lives in assistant/ui/.
"""

from __future__ import annotations

from typing import Any

import chainlit as cl
import chainlit.server
from chainlit.types import ThreadDict
from starlette.datastructures import Headers

from assistant.ui import accounts, api, chat, pools, runtime, security
from assistant.ui import backoffice_hooks as backoffice_hooks  # seller desk, queue, mailer
from assistant.ui.datalayer import ChatDataLayer

runtime.start()
runtime.ensure_auth_secret()  # before Chainlit checks for it, right after loading this module
security.install()  # the request gate, token lifetime, socket limits (assistant/ui/security)
api.mount(chainlit.server.app)  # the sellers' API and the staff transcript pages
pools.stamp_arrivals(chainlit.server.sio)  # a turn's deadline counts from the socket


@cl.data_layer
def data_layer() -> ChatDataLayer:
    return runtime.data_layer()


@cl.password_auth_callback
async def password_auth(username: str, password: str) -> cl.User | None:
    return await accounts.password_user(username, password)


HEADER = runtime.header_auth_name()
if HEADER is not None:  # only then does the login page try header sign-in

    @cl.header_auth_callback
    async def header_auth(headers: Headers) -> cl.User | None:
        return await accounts.header_user(headers, HEADER or "")


@cl.set_chat_profiles
async def chat_profiles(user: cl.User | None, language: str | None = None) -> list[cl.ChatProfile]:
    actor = await accounts.actor_of(user)
    return [accounts.profile_for(actor)] if actor else []


@cl.set_starters
async def starters(user: cl.User | None, language: str | None = None) -> list[cl.Starter]:
    actor = await accounts.actor_of(user)
    return accounts.starters_for(actor) if actor else []


@cl.on_chat_start
async def on_chat_start() -> None:
    await chat.start()


@cl.on_chat_end
async def on_chat_end() -> None:
    chat.end()


@cl.on_chat_resume
async def on_chat_resume(thread: ThreadDict) -> None:
    await chat.resume(thread)


@cl.on_message
async def on_message(message: cl.Message) -> None:
    await chat.on_message(message.content)


@cl.action_callback("confirm")
async def on_confirm(action: cl.Action) -> None:
    if session := await chat.current():
        await session.on_click("confirm", action.payload)


@cl.action_callback("keep")
async def on_keep(action: cl.Action) -> None:
    if session := await chat.current():
        await session.on_click("keep", action.payload)


@cl.action_callback("pick_items")
async def on_pick(action: cl.Action) -> dict[str, Any]:
    session = await chat.current()
    return await session.on_pick(action.payload) if session else {"ok": False}


@cl.action_callback("show_cancelled")
async def on_show_cancelled(action: cl.Action) -> None:
    if session := await chat.current():
        await session.on_show_cancelled()
