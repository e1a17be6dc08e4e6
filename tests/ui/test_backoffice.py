"""The back office in the app's hooks: the seller desk, the staff handoff queue and returns
center, with Chainlit's context mocked (tests/ui/conftest.py)."""

from __future__ import annotations

from typing import Any

import chainlit as cl
from sqlalchemy import text

import assistant.ui.app as app_module
from assistant.ui import backoffice_hooks as hooks
from assistant.ui import chat
from assistant.ui.seller import SellerDesk
from store import sellers, services
from store.accounts import hash_password
from store.domain.model import Actor, ProposalKind
from tests.support import ANA, SAM, act, count, rows, status
from tests.ui.conftest import App, BrowserFactory

CABLE = Actor("seller", "cable@sellers.example")


async def say(text: str) -> None:
    await app_module.on_message(cl.Message(content=text))


def last_action(actions: list[dict[str, Any]], name: str) -> cl.Action:
    found = [a for a in actions if a["name"] == name]
    assert found, [a["name"] for a in actions]
    return cl.Action(name=name, payload=dict(found[-1]["payload"]))


def with_request(app: App) -> None:
    sellers.add_account(app.store.uow(), CABLE.email, "Cable Co", ["Cable Co"],
                        hash_password("rescind"))
    act(app.store, ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"])


async def test_a_seller_signs_in_to_the_seller_desk_and_sees_their_requests(
    app: App, browser: BrowserFactory,
) -> None:
    with_request(app)
    user = await app_module.password_auth(CABLE.email, "rescind")
    assert user is not None and user.metadata["role"] == "seller"
    assert [p.name for p in await app_module.chat_profiles(await app.user(CABLE.email))] == [
        "Seller desk"]
    async with browser(CABLE.email, chat_profile="Support desk") as b:
        await app_module.on_chat_start()
        assert isinstance(await chat.current(), SellerDesk)
        assert b.session.chat_profile == "Seller desk"
        assert any("USB-C cable" in m and "112-0000001" in m for m in b.messages())
        assert {a["name"] for a in b.live_actions()} == {"seller_approve", "seller_deny"}
        b.clear()
        await say("cancel everything for me")  # no assistant here: the list again
        assert any("USB-C cable" in m for m in b.messages())
        assert not b.steps()


async def test_approve_then_confirm_cancels_and_a_forged_decision_is_refused(
    app: App, browser: BrowserFactory,
) -> None:
    with_request(app)
    async with browser(CABLE.email) as b:
        await app_module.on_chat_start()
        await hooks.on_seller_approve(last_action(b.live_actions(), "seller_approve"))
        assert any("Approve cancelling USB-C cable" in m for m in b.messages())
        assert status(app.store, "A2") == "unshipped"
        forged = cl.Action(name="decision_confirm", payload={"decision_id": "d_forged"})
        await hooks.on_decision_confirm(forged)
        assert "no such decision" in b.messages()[-1]
        await hooks.on_decision_confirm(last_action(b.live_actions(), "decision_confirm"))
        assert "cancelled and refunded" in b.messages()[-1]
        assert status(app.store, "A2") == "cancelled"
        assert not [a for a in b.live_actions() if a["name"].startswith("decision_")]


async def test_a_customer_cannot_use_the_seller_buttons(
    app: App, browser: BrowserFactory,
) -> None:
    with_request(app)
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await hooks.on_seller_approve(cl.Action(name="seller_approve",
                                                payload={"item_id": "A2"}))
        assert "seller" in b.messages()[-1].lower()
    assert status(app.store, "A2") == "unshipped"


async def test_a_customer_handed_to_a_person_is_told_how_they_will_be_contacted(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("I want to talk to a person")
        assert "reply by e-mail to ana@example.com" in b.messages()[-1]
    assert count(app.store, "handoffs") == 1


async def test_staff_open_the_queue_without_opening_a_handoff_and_take_one(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as customer:
        await app_module.on_chat_start()
        await say("I want to talk to a person")
        thread = customer.session.thread_id
    [ticket] = [r["id"] for r in rows(app.store, "handoffs")]
    async with browser(SAM.email) as b:
        await app_module.on_chat_start()
        for command in ("/handoffs", "open handoffs", "Any open handoffs?",
                        "show me the handoff queue"):
            b.clear()
            await say(command)
            assert any(f"#{ticket}" in m and "Ana Lima" in m for m in b.messages())
            assert not b.steps()  # the assistant was not asked
        assert count(app.store, "handoffs") == 1
        await hooks.on_handoff_take(last_action(b.live_actions(), "handoff_take"))
        assert f"You have handoff #{ticket}" in b.messages()[-1]
    assert rows(app.store, "handoffs")[0]["taken_by"] == SAM.email
    notice = [s for s in rows(app.store, "chat_steps", thread_id=thread)
              if s["name"] == "Support"]
    assert notice and "has taken your request" in notice[-1]["output"]


async def test_staff_record_a_returned_parcel_in_two_steps(
    app: App, browser: BrowserFactory,
) -> None:
    act(app.store, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], None)
    async with browser(SAM.email) as b:
        await app_module.on_chat_start()
        await say("/returns")
        assert any("Coffee grinder" in m for m in b.messages())
        await hooks.on_return_record(last_action(b.live_actions(), "return_record"))
        assert status(app.store, "A8") == "shipped"
        await hooks.on_decision_confirm(last_action(b.live_actions(), "decision_confirm"))
        assert "refunded €45.00" in b.messages()[-1]
    assert status(app.store, "A8") == "cancelled"
    services.apply_event(app.store.uow(), "returned", "A8")  # the world event: nothing more
    assert len(rows(app.store, "refunds", order_id="112-0000004")) == 1


async def test_only_staff_commands_skip_the_assistant(app: App, browser: BrowserFactory) -> None:
    from assistant.ui import backoffice

    assert not await backoffice.command(ANA, "/handoffs")  # a customer's is a message
    assert not await backoffice.command(SAM, "hand this order off to a person")


async def test_the_seller_and_returns_desks_write_amounts_with_the_orders_currency(
    app: App, browser: BrowserFactory,
) -> None:
    with app.store.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET currency = 'USD' WHERE id = '112-0000001'"))
    with_request(app)
    async with browser(CABLE.email) as b:
        await app_module.on_chat_start()
        [line] = [m for m in b.messages() if "USB-C cable" in m]
        assert "· $" in line and "€" not in line
    act(app.store, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], None)
    async with browser(SAM.email) as b:
        await app_module.on_chat_start()
        await say("/returns")
        [parcel] = [m for m in b.messages() if "Coffee grinder" in m]
        assert "· €45.00 ·" in parcel  # an order without a currency: the shop's default
