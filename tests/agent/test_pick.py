"""Items ticked on an order card: proposed through the core like a write tool's proposal."""

from __future__ import annotations

import pytest

from assistant.agent import Agent
from assistant.conversation import Conversation
from store.db import Store, memory_store
from store.seed import load_world
from tests.fakes.chat_models import ScriptedChatModel
from tests.support import ANA, NOW, business_snapshot, standard_world, status


@pytest.fixture
def chat() -> Conversation:
    store = memory_store(lambda: NOW)
    load_world(store.uow(), standard_world())
    # The model must not be asked anything: an empty script fails loudly if it is.
    return Conversation(Agent(ScriptedChatModel(script=[]), "customer"), store, ANA)


def store_of(chat: Conversation) -> Store:
    return chat.store


def test_a_pick_proposes_exactly_the_ticked_items_and_writes_nothing(chat: Conversation) -> None:
    before = business_snapshot(store_of(chat))

    reply = chat.pick("112-0000001", ["A1"], "no_longer_needed")

    assert reply.proposal is not None
    assert [i["id"] for i in reply.proposal["items"]] == ["A1"]
    assert business_snapshot(store_of(chat)) == before


def test_a_plain_yes_right_after_a_pick_confirms_it_without_the_model(
    chat: Conversation,
) -> None:
    chat.pick("112-0000001", ["A1"], "ordered_by_mistake")

    reply = chat.send("yes please")

    assert reply.outcome is not None and reply.outcome["done"] == ["A1"]
    assert status(store_of(chat), "A1") == "cancelled"


def test_a_pick_on_another_customers_order_is_not_found(chat: Conversation) -> None:
    before = business_snapshot(store_of(chat))

    reply = chat.pick("112-0000009", ["B1"], "other", "forged picker payload")

    assert reply.proposal is None and reply.error == "not_found"
    assert business_snapshot(store_of(chat)) == before


def test_a_pick_without_a_reason_asks_for_one(chat: Conversation) -> None:
    reply = chat.pick("112-0000001", ["A1"], None)

    assert reply.proposal is None and reply.error == "reason_required"
    assert "no longer needed" in reply.text
