"""The reply guard's API (P12): one-shot and streaming review, the store read once per turn,
and the store facts it reads: read-only, the account's own orders only."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.agent import Agent
from assistant.conversation import Conversation
from assistant.guard.facts import Facts, TurnContext
from assistant.guard.replies import UNVERIFIED, ReplyGuard
from store import services
from store.db import Store
from store.facts import reply_facts
from tests.fakes.chat_models import ScriptedChatModel, calls, tool_call
from tests.fakes.shop import make_shop
from tests.support import ANA, BOB, SAM, count, proposal_id, propose_cancel

THREAD = "t-guard"


@pytest.fixture
def shop() -> Store:
    return make_shop()


def guard(shop: Store, user: str = "", loads: list[int] | None = None) -> ReplyGuard:
    def load(_: TurnContext) -> Facts:
        if loads is not None:
            loads.append(1)
        return Facts.load(shop, ANA, ["112-0000001"], THREAD)

    return ReplyGuard(load, TurnContext(user_text=user, turn_orders=("112-0000001",)))


def test_a_streamed_reply_is_released_sentence_by_sentence_as_each_one_passes(
    shop: Store,
) -> None:
    shown: list[str] = []
    gate = guard(shop).gate(shown.append)
    tokens = "The Wireless headphones are unshipped. I've cancelled them for you. Anything else?"
    pieces = [w + " " for w in tokens.split(" ")]
    for piece in pieces:
        gate.feed(piece)
        if piece.startswith("I've"):
            # the first sentence was shown before the model had finished the second
            assert shown == ["The Wireless headphones are unshipped. "]
        if piece.startswith("for"):
            assert len(shown) == 1  # the lie is held back until its sentence is complete
    gate.close()
    text = "".join(shown)
    assert text.startswith("The Wireless headphones are unshipped. According to the order "
                           "system, Wireless headphones has not been cancelled")
    assert "I've cancelled" not in text and text.rstrip().endswith("Anything else?")
    assert gate.changed and len(gate.problems) == 1


def test_a_stream_can_start_before_the_turns_tool_results_are_in(shop: Store) -> None:
    messages: list[BaseMessage] = [HumanMessage("what about my yoga mat?")]
    shown: list[str] = []
    gate = ReplyGuard.for_turn(shop, ANA, lambda: messages, THREAD).gate(shown.append)
    gate.feed("Let me look. ")  # no claim: the conversation is not read yet
    view = services.lookup_order(shop.uow(), ANA, "112-0000005").as_dict()
    messages += [AIMessage("", tool_calls=[{"name": "lookup_order", "id": "c1",
                                             "args": {"order_id": "112-0000005"}}]),
                 ToolMessage(json.dumps({"ok": True, **view}), tool_call_id="c1")]
    gate.feed("It has been cancelled. The Water bottle has been cancelled too.")
    gate.close()
    assert "".join(shown) == ("Let me look. It has been cancelled. According to the order "
                              "system, Water bottle has not been cancelled (it is unshipped).")


def test_the_one_shot_review_and_the_stream_agree(shop: Store) -> None:
    text = "Done! Your refund of 59.99 is on its way.\n- USB-C cable: cancelled\nBye."
    streamed: list[str] = []
    gate = guard(shop, "cancel the headphones").gate(streamed.append)
    for ch in text:
        gate.feed(ch)
    gate.close()
    review = guard(shop, "cancel the headphones").review(text)
    assert review.text == "".join(streamed).strip()
    assert review.changed and len(review.problems) == 3


def test_the_store_is_read_once_per_turn_and_not_at_all_without_a_possible_claim(
    shop: Store,
) -> None:
    loads: list[int] = []
    g = guard(shop, loads=loads)
    g.review("Which order do you mean? I'm happy to help.")
    assert loads == []
    g.review("The headphones are cancelled. The cable was refunded. An e-mail was sent.")
    g.review("Done.")
    assert loads == [1]


def test_a_corrected_list_line_keeps_its_bullet_and_a_fact_is_said_once(shop: Store) -> None:
    review = guard(shop).review(
        "- Wireless headphones: cancelled\n- Wireless headphones: cancelled and gone")
    assert review.text == ("- According to the order system, Wireless headphones has not been "
                           "cancelled (it is unshipped).")


def test_a_reply_with_nothing_true_left_says_it_cannot_confirm(shop: Store) -> None:
    review = guard(shop).review("Your Electric kettle has been cancelled.")
    assert review.changed and review.text == UNVERIFIED


def chat_with(shop: Store, *script: AIMessage) -> Conversation:
    agent = Agent(ScriptedChatModel(script=list(script)), "customer")
    return Conversation(agent, shop, ANA, THREAD)


def test_a_true_partial_title_after_a_real_cancellation_is_kept(shop: Store) -> None:
    chat = chat_with(shop, calls(tool_call("cancel_items", order_id="112-0000001",
                                           item_ids=["A1"], reason="no_longer_needed")),
                     AIMessage("Your headphones have been cancelled."))
    proposal = chat.send("cancel the headphones, no longer needed").proposal
    assert proposal is not None
    chat.click("confirm", proposal["proposal_id"], proposal["fingerprint"])

    reply = chat.send("so are they cancelled now?")

    assert not reply.corrected and reply.text == "Your headphones have been cancelled."


def test_what_this_thread_confirmed_answers_a_sentence_without_a_subject(shop: Store) -> None:
    chat = chat_with(shop, calls(tool_call("cancel_items", order_id="112-0000001",
                                           item_ids=["A1"], reason="no_longer_needed")),
                     AIMessage("Yes, it went through."), AIMessage("Yes, it went through."))
    proposal = chat.send("cancel the headphones, no longer needed").proposal
    assert proposal is not None
    chat.click("confirm", proposal["proposal_id"], proposal["fingerprint"])
    assert chat.send("did it go through?").text == "Yes, it went through."

    # Another thread of the same customer confirmed nothing: the same words are not true there.
    other = Conversation(Agent(ScriptedChatModel(script=[AIMessage("Yes, it went through.")]),
                               "customer"), shop, ANA, "t-other")
    assert other.send("did it go through?").corrected


# --- the facts the guard reads ---------------------------------------------------------------
def test_the_facts_are_read_without_writing_or_auditing_anything(shop: Store) -> None:
    audits = count(shop, "audit_log")
    reply_facts(shop.uow(), ANA, ["112-0000001", "112-0000009"], thread_id=THREAD)
    assert count(shop, "audit_log") == audits


def test_a_customer_never_gets_another_accounts_order_even_by_its_id(shop: Store) -> None:
    facts = reply_facts(shop.uow(), ANA, ["112-0000009"], own_recent=0)
    assert facts.orders == ()
    assert "112-0000009" in [o.order_id for o in reply_facts(shop.uow(), BOB, []).orders]


def test_staff_acting_for_a_caller_get_that_customers_recent_orders(shop: Store) -> None:
    alone = reply_facts(shop.uow(), SAM, [])
    acting = reply_facts(shop.uow(), SAM, [], acting_for=ANA.email)
    assert alone.orders == ()
    assert {o.order_id for o in acting.orders} >= {"112-0000001", "112-0000005"}


def test_thread_outcomes_are_this_threads_and_this_actors_only(shop: Store) -> None:
    for order_id, item, thread in (("112-0000001", "A1", THREAD),
                                   ("112-0000005", "A13", "elsewhere")):
        made = propose_cancel(shop, ANA, order_id, [item], thread_id=thread)
        services.confirm(shop.uow(), ANA, proposal_id(made))
    facts = Facts.load(shop, ANA, [], THREAD)
    assert facts.thread_items == ("A1",)
    assert Facts.load(shop, BOB, [], THREAD).thread_items == ()


@pytest.mark.parametrize("messages, user, orders", [
    ([HumanMessage("cancel A1")], "cancel A1", ()),
    ([HumanMessage("old"), HumanMessage("show it")], "show it", ()),
])
def test_the_turn_context_is_the_latest_user_message(
    messages: list[HumanMessage], user: str, orders: tuple[str, ...],
) -> None:
    context = TurnContext.from_messages(messages)
    assert context.user_text == user and context.turn_orders == orders
