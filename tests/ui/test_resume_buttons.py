"""Chainlit keeps a thread's messages and cards but not its buttons: a thread opened again
from the history gets back "Cancelled orders" when the store records a cancellation
confirmed in it, under its last message; and the roles of Confirm and Keep ride in ids the
app chooses, for the page's styles."""

from __future__ import annotations

from pathlib import Path

import chainlit as cl

import assistant.ui.app as app_module
from assistant.ui import views
from tests.support import ANA
from tests.ui.conftest import App, BrowserFactory, settle
from tests.ui.test_handlers import pick, proposal_payload, say


async def test_a_resumed_thread_that_confirmed_a_cancellation_gets_its_cancelled_orders_button(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        await pick(["A1"])
        await app_module.on_confirm(cl.Action(name="confirm",
                                              payload=proposal_payload(b.live_actions())))
        assert "show_cancelled" in [a["name"] for a in b.live_actions()]
        thread_id = b.session.thread_id
    await settle()
    thread = await app.layer.get_thread(thread_id)
    assert thread is not None
    last = [s for s in thread["steps"] if s["type"] == "assistant_message"][-1]
    async with browser(ANA.email, thread_id=thread_id) as again:
        await app_module.on_chat_resume(thread)
        [button] = [a for a in again.live_actions() if a["name"] == "show_cancelled"]
        assert button["forId"] == last["id"]  # under a message the page already shows
        assert again.messages() == []  # nothing new written into the thread for it
        await app_module.on_show_cancelled(cl.Action(name="show_cancelled", payload={}))
        [view] = again.elements("CancelledOrders")
        assert "112-0000001" in [o["order_id"] for o in view["props"]["orders"]]


async def test_a_resumed_thread_without_a_confirmed_cancellation_gets_no_such_button(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        await pick(["A1"])  # proposed, never confirmed
        await app_module.on_keep(cl.Action(name="keep",
                                           payload=proposal_payload(b.live_actions())))
        thread_id = b.session.thread_id
    await settle()
    thread = await app.layer.get_thread(thread_id)
    assert thread is not None
    async with browser(ANA.email, thread_id=thread_id) as again:
        await app_module.on_chat_resume(thread)
        assert [a["name"] for a in again.live_actions()] == []


def test_confirm_and_keep_carry_their_roles_in_ids_of_our_own_and_each_id_is_unique() -> None:
    proposal = {"proposal_id": "p1", "fingerprint": "f", "action": "cancel"}
    first, second = views.proposal_actions(proposal), views.proposal_actions(proposal)
    assert [a.name for a in first] == ["confirm", "keep"]
    assert first[0].id.startswith(views.PRIMARY) and first[1].id.startswith(views.SECONDARY)
    ids = [a.id for a in first + second]
    assert len(set(ids)) == 4


def test_the_page_styles_the_buttons_by_those_ids_not_by_chainlits_icons() -> None:
    css = Path("public/rescind.css").read_text(encoding="utf-8")
    js = Path("public/rescind.js").read_text(encoding="utf-8")
    assert f'button[id^="{views.PRIMARY}"]' in css and f'button[id^="{views.SECONDARY}"]' in css
    assert f'button[id^="{views.PRIMARY}"]' in js
    assert "lucide" not in css and "lucide" not in js
