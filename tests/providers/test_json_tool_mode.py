"""RESCIND_TOOL_MODE=json: tool calls as schema-constrained JSON, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant.agent import Agent
from assistant.config import Limits, ModelConfig
from assistant.conversation import Conversation
from assistant.models.json_tools import JsonToolModel
from assistant.models.providers import make_model
from store.db import Store, memory_store
from store.seed import load_world
from tests.fakes.openai_server import FakeOpenAI, fail, say, stall
from tests.support import ANA, NOW, business_snapshot, standard_world, status


@pytest.fixture
def shop_store() -> Store:
    store = memory_store(lambda: NOW)
    load_world(store.uow(), standard_world())
    return store


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def json_model(server: FakeOpenAI, retries: int = 0) -> JsonToolModel:
    model = make_model(ModelConfig.from_env("openai-compatible", {
        "OPENAI_BASE_URL": server.url, "RESCIND_MODEL": "local",
        "RESCIND_MODEL_RETRIES": str(retries), "RESCIND_TOOL_MODE": "json"}))
    assert isinstance(model, JsonToolModel)
    return model


def test_json_answers_become_tool_calls_that_reach_a_proposal_and_a_confirmation(
    server: FakeOpenAI, shop_store: Store
) -> None:
    server.push(  # the order the user names is looked up in code, before the model
        say(json.dumps({"action": "cancel_items", "args": {
            "order_id": "112-0000001", "item_ids": ["A1"], "reason": "no_longer_needed"}})),
    )
    chat = Conversation(Agent(json_model(server), "customer"), shop_store, ANA)

    reply = chat.send("cancel the headphones from 112-0000001, I no longer need them")

    assert reply.tool_names == ["lookup_order", "cancel_items"]
    assert reply.proposal is not None
    assert [i["id"] for i in reply.proposal["items"]] == ["A1"]
    assert status(shop_store, "A1") == "unshipped"  # proposed, not written (P7)
    chat.send("yes")
    assert status(shop_store, "A1") == "cancelled"


def test_every_request_asks_for_json_constrained_by_the_tool_names(
    server: FakeOpenAI, shop_store: Store
) -> None:
    server.push(say(json.dumps({"action": "reply", "text": "Hello! Which order?"})))
    chat = Conversation(Agent(json_model(server), "customer"), shop_store, ANA)

    reply = chat.send("hi")

    assert reply.text == "Hello! Which order?"
    body = server.requests[-1].body
    schema = body["response_format"]["schema"]
    assert body["response_format"]["type"] == "json_object"
    actions = {a for branch in schema["oneOf"] for a in branch["properties"]["action"]["enum"]}
    # "hi" asks nothing and names no order: no write tool and nothing needing an order number
    assert {"lookup_order", "check_cancelled", "reply"} <= actions
    assert "cancel_items" not in actions
    assert "tools" not in body  # no native tool calling asked of the server
    assert all(m.get("content") is not None for m in body["messages"])


def test_garbage_from_the_model_becomes_text_and_writes_nothing(
    server: FakeOpenAI, shop_store: Store
) -> None:
    server.push(say('{"action": "cancel_items", "args": '),  # cut off mid-object
                say(json.dumps({"action": "no_such_tool", "args": {}})))
    chat = Conversation(Agent(json_model(server), "customer"), shop_store, ANA)
    before = business_snapshot(shop_store)

    first = chat.send("cancel everything in 112-0000001")
    second = chat.send("cancel everything in 112-0000001")

    # the order named is looked up in code; nothing the model sent ran
    assert first.tool_names == ["lookup_order"] and second.tool_names == ["lookup_order"]
    assert first.proposal is None and second.proposal is None
    assert business_snapshot(shop_store) == before


def test_a_json_mode_request_gets_the_turns_deadline_and_its_retries(
    server: FakeOpenAI, shop_store: Store
) -> None:
    # The client's own timeout is 20 s: only the turn's deadline can end this stall.
    server.push(stall(30))
    hung = Conversation(Agent(json_model(server), "customer", Limits(turn_timeout_s=1)),
                        shop_store, ANA).send("hi")
    assert hung.error == "model_timeout" and hung.elapsed_s < 3
    server.push(fail(503, "overloaded"), say(json.dumps({"action": "reply", "text": "Hi!"})))
    chat = Conversation(Agent(json_model(server, retries=1), "customer"), shop_store, ANA)
    assert chat.send("hi").text == "Hi!"
    assert len(server.requests) == 3
