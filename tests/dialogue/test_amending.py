"""Changing the proposal on screen in plain words: saying an item stays only ever takes items
out; it never swaps in the rest of the order, and a proposal with nothing left is withdrawn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.config import ModelConfig
from assistant.conversation import Conversation
from assistant.conversation.factory import engine_for
from store.db import memory_store
from store.seed import load_world
from tests.support import ANA, NOW, business_snapshot, standard_world, status


@pytest.fixture
def chat() -> Iterator[Conversation]:
    store = memory_store(lambda: NOW)
    load_world(store.uow(), standard_world())
    yield Conversation(engine_for("customer", ModelConfig.from_env("offline", {})), store, ANA)
    store.engine.dispose()


def test_saying_the_only_proposed_item_stays_withdraws_the_proposal(chat: Conversation
                                                                    ) -> None:
    chat.send("cancel the headphones from 112-0000001, no longer needed")
    reply = chat.send("actually the headphones stay")
    assert reply.proposal is None and chat.pending is None
    assert "nothing has been changed" in reply.text
    before = business_snapshot(chat.store)
    chat.send("yes")  # nothing waits: a yes confirms nothing
    assert business_snapshot(chat.store) == before and status(chat.store, "A2") == "unshipped"


def test_a_correction_keeps_the_first_item_and_proposes_only_the_one_now_meant(
        chat: Conversation) -> None:
    chat.send("cancel the headphones from 112-0000001, no longer needed")
    reply = chat.send("no sorry, not the headphones! i meant the socks. headphones stay")
    assert reply.proposal is not None
    assert [str(i["id"]) for i in reply.proposal["items"]] == ["A6"]  # never the cable
