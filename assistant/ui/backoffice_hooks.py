"""Chainlit hooks of the back office (imported by the app module): the buttons of the
seller desk, the handoff queue and the returns center, and the background mailer.

Each click re-reads who the signed-in user is from the store (never from the payload) and
hands the click to assistant/ui/backoffice.py, which asks the core.
"""

from __future__ import annotations

import asyncio
import logging

import chainlit as cl

from assistant.ui import accounts, backoffice, runtime, views
from store import decisions
from store.domain.model import Actor
from store.mail import settings, transport
from store.mail.mailer import Mailer, run_forever

log = logging.getLogger(__name__)
_mail: dict[str, object] = {}


async def _actor() -> Actor | None:
    actor = await accounts.actor_of(views.session_get("user"))
    if actor is None:
        await views.say(backoffice.STALE)
    return actor


@cl.action_callback("seller_approve")
async def on_seller_approve(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.propose(actor, decisions.APPROVE, action.payload)


@cl.action_callback("seller_deny")
async def on_seller_deny(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.propose(actor, decisions.DENY, action.payload)


@cl.action_callback("return_record")
async def on_return_record(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.propose(actor, decisions.RETURN, action.payload)


@cl.action_callback("decision_confirm")
async def on_decision_confirm(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.settle(actor, True, action.payload)


@cl.action_callback("decision_keep")
async def on_decision_keep(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.settle(actor, False, action.payload)


@cl.action_callback("handoff_take")
async def on_handoff_take(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.take(actor, action.payload)


@cl.action_callback("handoff_close")
async def on_handoff_close(action: cl.Action) -> None:
    if actor := await _actor():
        await backoffice.close(actor, action.payload)


# --- the mailer, as a background task of the app ---------------------------------------------
@cl.on_app_startup
async def start_mailer() -> None:
    """Deliver the outbox while the app runs (`python -m store mail` does it from cron)."""
    try:
        mailer = Mailer(runtime.store(), transport.from_env())
    except ValueError as e:  # a malformed RESCIND_SMTP_URL: say so, keep the app up
        log.error("mailer not started: %s", e)
        return
    stop = asyncio.Event()
    _mail["stop"] = stop
    _mail["task"] = asyncio.create_task(run_forever(mailer, settings.interval_seconds(), stop))


@cl.on_app_shutdown
async def stop_mailer() -> None:
    stop, task = _mail.pop("stop", None), _mail.pop("task", None)
    if isinstance(stop, asyncio.Event) and isinstance(task, asyncio.Task):
        stop.set()
        await asyncio.wait_for(task, timeout=30)
