"""The app's Chainlit hooks, called directly with Chainlit's context mocked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import chainlit as cl
from starlette.datastructures import Headers

import assistant.ui.app as app_module
from assistant.ui import accounts, chat
from store.domain.model import Actor
from tests.support import ANA, BOB, SAM, count, refunded, rows, status
from tests.ui.conftest import App, BrowserFactory, settle


async def say(text: str) -> None:
    await app_module.on_message(cl.Message(content=text))


def proposal_payload(browser_actions: list[dict[str, Any]]) -> dict[str, Any]:
    confirm = [a for a in browser_actions if a["name"] == "confirm"]
    assert confirm, browser_actions
    return dict(confirm[-1]["payload"])


async def pick(items: list[str], order_id: str = "112-0000001",
               reason: str | None = "no_longer_needed") -> dict[str, Any]:
    payload = {"order_id": order_id, "item_ids": items, "reason": reason, "reason_text": None}
    result: dict[str, Any] = await app_module.on_pick(cl.Action(name="pick_items",
                                                                payload=payload))
    return result


# --- signing in ------------------------------------------------------------------------------
async def test_a_customer_signs_in_with_the_demo_password_and_gets_the_customer_role(
    app: App,
) -> None:
    user = await app_module.password_auth("ana@example.com", "rescind")
    assert user is not None
    assert user.identifier == "ana@example.com"
    assert user.metadata["role"] == "customer"
    staff = await app_module.password_auth("SAM@shop.example ", "rescind")
    assert staff is not None and staff.metadata["role"] == "staff"


async def test_a_wrong_password_or_an_unknown_account_is_refused(app: App) -> None:
    assert await app_module.password_auth("ana@example.com", "wrong") is None
    assert await app_module.password_auth("nobody@example.com", "rescind") is None
    assert await app_module.password_auth("", "") is None
    assert await app_module.password_auth("a" * 300, "rescind") is None


async def test_header_sign_in_takes_the_role_from_the_store_not_from_the_proxy(
    app: App,
) -> None:
    headers = Headers({"X-Forwarded-Email": "sam@shop.example", "X-Role": "customer"})
    user = await accounts.header_user(headers, "X-Forwarded-Email")
    assert user is not None and user.metadata["role"] == "staff"
    assert await accounts.header_user(Headers({"X-Forwarded-Email": "eve@evil.example"}),
                                      "X-Forwarded-Email") is None
    assert await accounts.header_user(Headers({}), "X-Forwarded-Email") is None


async def test_profiles_and_starters_follow_the_account(app: App) -> None:
    ana = await app.user(ANA.email)
    sam = await app.user(SAM.email)
    assert [p.name for p in await app_module.chat_profiles(ana)] == ["Customer assistant"]
    assert [p.name for p in await app_module.chat_profiles(sam)] == ["Support desk"]
    customer_starters = [s.label for s in await app_module.starters(ana)]
    assert customer_starters == ["Cancel an order", "Where is my order?",
                                 "Did my cancellation go through?"]
    assert "Is this order cancellable?" in [s.label for s in await app_module.starters(sam)]
    assert await app_module.starters(None) == []


async def test_the_welcome_screen_says_the_offline_engine_is_not_an_llm(
    app: App, monkeypatch: Any,
) -> None:
    for name in ("RESCIND_PROVIDER", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    profile = accounts.profile_for(Actor("customer", ANA.email))
    assert "not an LLM" in profile.markdown_description


async def test_a_browser_claiming_the_staff_profile_still_gets_the_customer_assistant(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email, chat_profile="Support desk") as b:
        await app_module.on_chat_start()
        session = await chat.current()
        assert session is not None
        assert session.conversation.actor == ANA
        assert session.conversation.engine.agent.role == "customer"  # type: ignore[attr-defined]
        assert b.session.chat_profile == "Customer assistant"
        await say("show me order 112-0000009")  # Bob's order
        assert b.steps()[-1]["name"] == "Looked for order 112-0000009"  # not found
        assert not b.steps()[-1].get("output")  # a customer's step carries no tool result
        assert all("Electric kettle" not in m for m in b.messages())
        assert not b.elements("OrderCard")


# --- a message, its tool steps and cards ----------------------------------------------------
async def test_a_message_shows_each_tool_call_as_a_plain_line_and_the_order_as_a_card(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        steps = b.steps()
        assert [s["name"] for s in steps] == ["Looked up order 112-0000001"]
        assert not steps[0].get("input") and not steps[0].get("output")  # no JSON, no ids
        cards = b.elements("OrderCard")
        assert len(cards) == 1
        props = cards[0]["props"]
        assert props["pickable"] is True
        assert props["order"]["order_id"] == "112-0000001"
        items = {i["id"]: i for i in props["order"]["items"]}
        assert items["A1"] == {**items["A1"], "title": "Wireless headphones", "qty": 1,
                               "price": "€59.99", "seller": "shop", "status": "unshipped",
                               "can": "cancel"}
        assert items["A2"]["seller"] == "Cable Co"
        assert {r["value"] for r in props["reasons"]} >= {"no_longer_needed", "other"}


async def test_staff_see_the_order_card_without_the_picker(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(SAM.email) as b:
        await app_module.on_chat_start()
        await say("Is order 112-0000009 cancellable?")
        cards = b.elements("OrderCard")
        assert len(cards) == 1 and cards[0]["props"]["pickable"] is False
        assert [i["can"] for i in cards[0]["props"]["order"]["items"]] == ["cancel",
                                                                         "request_seller"]
        assert "(P5)" in cards[0]["props"]["order"]["items"][1]["why"]  # staff see rule ids


async def test_staff_may_expand_a_step_for_the_tool_result_with_rule_ids(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(SAM.email) as b:
        await app_module.on_chat_start()
        await say("Is order 112-0000009 cancellable?")
        [step] = b.steps()
        assert step["name"] == "Looked up order 112-0000009"
        assert '"order_id": "112-0000009"' in step["input"]
        assert '"P5"' in step["output"] and "Electric kettle" in step["output"]


async def test_a_tool_line_is_sent_once_already_finished_and_stored_as_sent(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(SAM.email) as b:
        await app_module.on_chat_start()
        await say("Is order 112-0000009 cancellable?")
        [line] = [m for m in b.events("new_message") if m.get("type") == "tool"]
        assert line["end"] and line["start"] and '"P5"' in line["output"]
        assert not [m for m in b.events("update_message") if m.get("type") == "tool"]
        await settle()
        thread = await app.layer.get_thread(str(line["threadId"]))
        assert thread is not None
        [stored] = [s for s in thread["steps"] if s["id"] == line["id"]]
        assert stored["output"] == line["output"] and stored["name"] == line["name"]


async def test_a_customers_text_and_cards_carry_no_rule_ids(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Did my cancellation go through?")
        await say("Show me order 112-0000001")
        assert b.messages() and not any("(P" in m for m in b.messages())
        [card] = b.elements("OrderCard")
        assert all("(P" not in str(i["why"]) for i in card["props"]["order"]["items"])


# --- the picker, Confirm and Keep ------------------------------------------------------------
async def test_picking_items_on_the_card_proposes_exactly_those_items_with_confirm_and_keep(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        answer = await pick(["A1"])
        assert answer["ok"] is True
        text = b.messages()[-1]
        assert "Wireless headphones" in text and "59.99" in text
        assert "Stays in the order: USB-C cable" in text  # what the pick leaves
        names = sorted(a["name"] for a in b.live_actions())
        assert names == ["confirm", "keep"]
        assert status(app.store, "A1") == "unshipped"  # nothing written before Confirm (P7)
        assert count(app.store, "proposals", status="pending") == 1


async def test_confirm_cancels_the_items_refunds_them_and_reports_the_email(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A1"])
        payload = proposal_payload(b.live_actions())
        await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
        text = b.messages()[-1]
        assert "Cancelled: Wireless headphones" in text
        assert "59.99" in text and "e-mail" in text and ANA.email in text
        assert status(app.store, "A1") == "cancelled"
        assert status(app.store, "A2") == "unshipped"
        assert refunded(app.store, "112-0000001") == Decimal("59.99")
        assert count(app.store, "emails", order_id="112-0000001") == 1
        assert not [a for a in b.live_actions() if a["name"] in ("confirm", "keep")]
        assert [a["name"] for a in b.live_actions()] == ["show_cancelled"]
        # A second press of the same button changes nothing.
        await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
        assert "no longer active" in b.messages()[-1]
        assert refunded(app.store, "112-0000001") == Decimal("59.99")


async def test_a_typed_yes_right_after_a_picked_proposal_confirms_exactly_it(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A13"], order_id="112-0000005")
        await say("yes")
        assert "Cancelled: Water bottle" in b.messages()[-1]
        assert status(app.store, "A13") == "cancelled"
        assert not [a for a in b.live_actions() if a["name"] in ("confirm", "keep")]


async def test_keep_discards_the_proposal_and_changes_nothing(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A6", "A7"], order_id="112-0000003")
        payload = proposal_payload(b.live_actions())
        await app_module.on_keep(cl.Action(name="keep", payload=payload))
        assert "haven't changed anything" in b.messages()[-1]
        await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
        assert "no longer active" in b.messages()[-1]
        assert status(app.store, "A6") == "unshipped"
        assert status(app.store, "A7") == "pending"
        assert count(app.store, "proposals", status="discarded") == 1


async def test_a_new_pick_retires_the_buttons_of_the_earlier_proposal(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A1"])
        first = proposal_payload(b.live_actions())
        await pick(["A13"], order_id="112-0000005", reason="found_better_price")
        second = proposal_payload(b.live_actions())
        assert first["proposal_id"] != second["proposal_id"]
        assert [a["payload"]["proposal_id"] for a in b.live_actions()] == \
            [second["proposal_id"]] * 2
        await app_module.on_confirm(cl.Action(name="confirm", payload=first))
        assert status(app.store, "A1") == "unshipped"
        await app_module.on_confirm(cl.Action(name="confirm", payload=second))
        assert status(app.store, "A13") == "cancelled"


async def test_a_pick_the_rules_do_not_allow_is_refused_with_the_reason(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        answer = await pick(["A5"], order_id="112-0000003")  # processing: not cancellable
        assert answer["ok"] is False
        assert "Nothing was proposed" in b.messages()[-1]
        assert not b.live_actions()
        answer = await pick(["A1"], reason=None)  # a reason is required (P6)
        assert answer["ok"] is False and "why are you cancelling" in b.messages()[-1]


# --- forged browser input -------------------------------------------------------------------
async def test_forged_confirm_payloads_change_nothing(app: App, browser: BrowserFactory) -> None:
    async with browser(BOB.email) as bob:
        await app_module.on_chat_start()
        await pick(["B1"], order_id="112-0000009")
        bobs = proposal_payload(bob.live_actions())
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A1"])
        real = proposal_payload(b.live_actions())
        forged: list[Any] = [
            {},  # must not fall through to "whatever is pending"
            {"proposal_id": real["proposal_id"]},
            {"proposal_id": real["proposal_id"], "fingerprint": "0" * 16},
            bobs,  # another customer's proposal
            {"proposal_id": ["x"], "fingerprint": {"y": 1}},
            {"proposal_id": real["proposal_id"], "fingerprint": real["fingerprint"] + "\n"},
        ]
        for payload in forged:
            await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
            assert "Cancelled:" not in b.messages()[-1]
        assert status(app.store, "A1") == "unshipped"
        assert status(app.store, "B1") == "unshipped"
        assert count(app.store, "refunds") == 0
        assert count(app.store, "cancellations") == 0


async def test_a_pick_of_another_customers_order_is_reported_as_not_found(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        answer = await pick(["B1"], order_id="112-0000009")
        assert answer["ok"] is False
        assert "couldn't find" in b.messages()[-1]
        assert "Electric kettle" not in " ".join(b.messages())
        assert count(app.store, "proposals") == 0


async def test_malformed_pick_payloads_are_refused_before_reaching_the_core(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        payloads: list[dict[str, Any]] = [
            {}, {"order_id": "112-0000001"},
            {"order_id": "112-0000001", "item_ids": "A1", "reason": "other"},
            {"order_id": "112-0000001", "item_ids": [{"id": "A1"}]},
            {"order_id": "x" * 500, "item_ids": ["A1"]},
            {"order_id": "112-0000001", "item_ids": ["A1"] * 60},
        ]
        for payload in payloads:
            result = await app_module.on_pick(cl.Action(name="pick_items", payload=payload))
            assert result["ok"] is False
        assert all("isn't valid" in m for m in b.messages())
        assert count(app.store, "proposals") == 0


# --- the cancelled-orders view -------------------------------------------------------------
async def test_the_cancelled_orders_view_lists_what_the_store_records(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await pick(["A1"])
        await app_module.on_confirm(cl.Action(name="confirm",
                                              payload=proposal_payload(b.live_actions())))
        await app_module.on_show_cancelled(cl.Action(name="show_cancelled", payload={}))
        cards = b.elements("CancelledOrders")
        assert cards, b.events("element")
        orders = {o["order_id"]: o for o in cards[-1]["props"]["orders"]}
        assert orders["112-0000001"]["refunded"] == "€59.99"
        assert orders["112-0000001"]["confirmation_emails"] == 1
        assert "112-0000005" in orders  # cancelled in the world already
        assert [s["name"] for s in b.steps()][-1] == "Checked your cancellations"


async def test_did_my_cancellation_go_through_answers_from_the_cancelled_view(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Did my cancellation go through?")
        assert [s["name"] for s in b.steps()] == ["Checked your cancellations"]
        assert b.elements("CancelledOrders")


# --- persistence and resuming ----------------------------------------------------------------
async def test_a_conversation_is_persisted_and_resumed_with_its_history(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        thread_id = b.session.thread_id
    await settle()
    thread = await app.layer.get_thread(thread_id)
    assert thread is not None and thread["userIdentifier"] == ANA.email
    assert [s["name"] for s in thread["steps"] if s["type"] == "tool"] == [
            "Looked up order 112-0000001"]
    assert [e["name"] for e in thread["elements"] or []] == ["OrderCard"]
    async with browser(ANA.email, thread_id=thread_id):
        await app_module.on_chat_resume(thread)
        session = await chat.current()
        assert session is not None
        assert session.conversation.thread_id == thread_id
        texts = [str(m.content) for m in session.conversation.state.memory]
        assert texts[-1] == "Here is what the order system says."


async def test_a_thread_of_another_user_is_never_resumed(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(BOB.email) as bob:
        await app_module.on_chat_start()
        await say("Where is order 112-0000009?")
        bobs_thread = bob.session.thread_id
    await settle()
    thread = await app.layer.get_thread(bobs_thread)
    assert thread is not None
    async with browser(ANA.email, thread_id=bobs_thread) as b:
        await app_module.on_chat_resume(thread)
        assert b.messages() == ["That conversation isn't available."]
        await say("Where is order 112-0000009?")
        assert await chat.current() is None
        assert b.messages()[-1] == "This chat is closed; start a new chat."
        assert not b.steps()
    assert rows(app.store, "chat_threads", id=bobs_thread)[0]["user_identifier"] == BOB.email
