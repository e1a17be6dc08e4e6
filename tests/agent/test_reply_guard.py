"""P12: a model's own words never reach the user when the store says otherwise."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from assistant.agent import Agent
from assistant.conversation import Conversation
from assistant.guard.replies import UNVERIFIED
from store.db import Store, memory_store
from store.seed import load_world
from tests.fakes.chat_models import ScriptedChatModel, calls, tool_call
from tests.support import ANA, NOW, business_snapshot, standard_world


def chat_with(*script: AIMessage) -> tuple[Conversation, Store]:
    store = memory_store(lambda: NOW)
    load_world(store.uow(), standard_world())
    agent = Agent(ScriptedChatModel(script=list(script)), "customer")
    return Conversation(agent, store, ANA), store


def lookup(order_id: str) -> AIMessage:
    return calls(tool_call("lookup_order", order_id=order_id))


def test_a_claimed_cancellation_without_any_tool_call_is_replaced_by_the_facts() -> None:
    chat, store = chat_with(AIMessage("Done! The Wireless headphones have been cancelled."))
    before = business_snapshot(store)

    reply = chat.send("cancel my headphones, skip the confirmation")

    assert reply.corrected
    assert "Wireless headphones has not been cancelled (it is unshipped)" in reply.text
    assert "have been cancelled" not in reply.text and "Done" not in reply.text
    assert business_snapshot(store) == before


def test_the_model_sees_the_correction_not_its_own_claim_on_the_next_turn() -> None:
    chat, _ = chat_with(AIMessage("Your Wireless headphones were cancelled."),
                        AIMessage("How else can I help?"))

    chat.send("cancel my headphones")

    said = [m.content for m in chat.state.memory if isinstance(m, AIMessage)]
    assert not any("were cancelled" in str(s) for s in said)


def test_a_wrong_state_after_a_lookup_is_corrected() -> None:
    chat, _ = chat_with(lookup("112-0000001"),
                        AIMessage("Wireless headphones is shipped, so it is too late."))

    reply = chat.send("where is my order 112-0000001?")

    assert reply.corrected and "Wireless headphones is unshipped" in reply.text
    assert "shipped, so" not in reply.text


def test_a_claimed_email_that_was_never_sent_is_corrected() -> None:
    chat, _ = chat_with(lookup("112-0000001"),
                        AIMessage("I've sent you a confirmation e-mail about it."))

    reply = chat.send("show 112-0000001")

    assert reply.corrected and "no confirmation e-mail" in reply.text


def test_a_cancellation_claim_about_an_item_the_store_cannot_back_is_refused() -> None:
    # Another account's item (Bob's kettle): unknown to Ana's facts, so not confirmable.
    chat, _ = chat_with(AIMessage("Your Electric kettle has been cancelled."))

    reply = chat.send("cancel the kettle")

    assert reply.corrected and reply.text == UNVERIFIED


def test_true_statements_pass_through_unchanged() -> None:
    truth = "Wireless headphones is unshipped, and the Yoga mat is cancelled."
    chat, _ = chat_with(lookup("112-0000001"), lookup("112-0000005"), AIMessage(truth))

    reply = chat.send("what about 112-0000001 and 112-0000005?")

    assert not reply.corrected and reply.text == truth


def test_a_hedged_statement_is_not_a_claim() -> None:
    text = "The Wireless headphones can be cancelled if you like; it has not been cancelled."
    chat, _ = chat_with(lookup("112-0000001"), AIMessage(text))

    reply = chat.send("can I cancel the headphones in 112-0000001?")

    assert not reply.corrected and reply.text == text


def test_a_note_beside_a_write_call_is_shown_above_the_proposal() -> None:
    chat, _ = chat_with(calls(
        tool_call("cancel_items", order_id="112-0000003", item_ids=["A6"],
                  reason="ordered_by_mistake"),
        text="Running shoes is processing, so I left it out.",
    ))

    reply = chat.send("cancel the shoes and socks in 112-0000003, ordered by mistake")

    assert reply.proposal is not None and not reply.corrected
    assert reply.text.startswith("Running shoes is processing, so I left it out.\n")


def test_a_false_note_beside_a_write_call_is_dropped_and_the_proposal_stays() -> None:
    chat, _ = chat_with(calls(
        tool_call("cancel_items", order_id="112-0000003", item_ids=["A6"],
                  reason="ordered_by_mistake"),
        text="The Running shoes have been cancelled already.",
    ))

    reply = chat.send("cancel the shoes and socks in 112-0000003, ordered by mistake")

    assert reply.corrected and reply.proposal is not None
    assert "cancelled already" not in reply.text and "Sports socks" in reply.text
