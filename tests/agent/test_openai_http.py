"""The real client path: `make_model` (ChatOpenAI over the openai client and httpx) against a
local OpenAI-compatible server that answers from a script, over real HTTP on 127.0.0.1.

Each fault the server can produce must leave the user a clear message and the store as it
was; the requests the server received show what any provider would see.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.agent import Agent
from assistant.agent import loop as agent_module
from assistant.agent.prompt_budget import tool_schemas
from assistant.config import Limits, ModelConfig
from assistant.conversation import Conversation
from assistant.models.openai_chat import RescindChatOpenAI
from assistant.models.providers import make_model
from prompts import load_prompt
from store.db import Store
from store.domain.model import Actor
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.openai_server import (
    FakeOpenAI,
    Step,
    call,
    fail,
    garbage,
    invalid_conversation,
    say,
    stall,
)
from tests.fakes.shop import make_shop
from tests.support import ANA, BOB, FixedClock, business_snapshot, count, status

pytestmark = pytest.mark.usefixtures("loopback_only")

CANCEL_A1 = {"order_id": "112-0000001", "item_ids": ["A1"], "reason": "no_longer_needed"}


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def http_shop(clock: FixedClock) -> Store:
    return make_shop(clock)


def client(server: FakeOpenAI, *, timeout_s: float = 5.0, retries: int = 0) -> RescindChatOpenAI:
    model = make_model(ModelConfig("openai-compatible", "test-model", server.url,
                                   timeout_s=timeout_s, max_retries=retries))
    assert isinstance(model, RescindChatOpenAI)
    return model


def chat(server: FakeOpenAI, store: Store, *steps: Step, actor: Actor = ANA,
         limits: Limits | None = None, **model: Any) -> Conversation:
    server.push(*steps)
    return Conversation(Agent(client(server, **model), "customer", limits), store, actor)


def assert_nothing_written(store: Store, before: dict[str, Any]) -> None:
    assert business_snapshot(store) == before


# --- what goes over the wire -----------------------------------------------------------------
def test_a_tool_round_trip_over_http_sends_the_tools_and_never_null_content(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, call("lookup_order", {"order_id": "112-0000001"}),
                say("Headphones and a cable."))
    reply = conv.send("what is in 112-0000001?")
    assert reply.text == "Headphones and a cable." and reply.tool_names == ["lookup_order"]
    assert len(server.requests) == 2 and not server.rejected
    first, second = server.requests
    assert first.body["model"] == "test-model"
    assert first.tool_names == [t["function"]["name"] for t in tool_schemas("customer")]
    assert first.messages[0] == {"role": "system", "content": load_prompt("customer")}
    assert [m["role"] for m in second.messages] == ["system", "user", "assistant", "tool"]
    assistant = second.messages[2]
    assert assistant["content"] == "" and assistant["tool_calls"][0]["function"]["name"] \
        == "lookup_order"
    assert '"A1"' in second.messages[3]["content"]
    for request in server.requests:
        assert all(m.get("content") is not None for m in request.messages)


def test_the_prefix_is_byte_identical_across_turns_and_users(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    agent = Agent(client(server), "customer")
    server.push(say("Hi Ana."), say("Still here."), say("Hi Bob."))
    ana = Conversation(agent, http_shop, ANA)
    ana.send("hello")
    ana.send("are you there?")
    Conversation(agent, http_shop, BOB).send("hello, I am bob@example.com")

    def prefix(body: dict[str, Any]) -> str:
        return json.dumps([body["messages"][0], body["tools"]], sort_keys=False)

    prefixes = {prefix(r.body) for r in server.requests}
    assert len(prefixes) == 1
    assert "ana@" not in prefixes.pop()


def test_a_streamed_answer_arrives_in_pieces_over_server_sent_events(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, say("Sure, which order do you mean?"))
    tokens: list[str] = []
    reply = conv.send("I want to cancel something", on_token=tokens.append)
    assert server.requests[0].body.get("stream") is True
    assert len(tokens) > 2 and "".join(tokens) == "Sure, which order do you mean?"
    assert reply.streamed and reply.text == "Sure, which order do you mean?"


def test_a_streamed_tool_call_becomes_a_proposal(server: FakeOpenAI, http_shop: Store) -> None:
    conv = chat(server, http_shop, call("cancel_items", CANCEL_A1))
    reply = conv.send("cancel the headphones of 112-0000001, no longer needed",
                      on_token=lambda _: None)
    assert reply.proposal is not None and [i["id"] for i in reply.proposal["items"]] == ["A1"]
    assert conv.send("yes").outcome is not None
    assert status(http_shop, "A1") == "cancelled" and len(server.requests) == 1


# --- model calls per flow ---------------------------------------------------------------------
def test_cancelling_an_order_with_its_reason_takes_at_most_two_requests_and_confirming_none(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, call("lookup_order", {"order_id": "112-0000002"}),
                call("cancel_items", {"order_id": "112-0000002", "item_ids": ["all"],
                                      "reason": "ordered_by_mistake"}))
    reply = conv.send("cancel order 112-0000002, I ordered it by mistake")
    assert reply.proposal is not None and len(server.requests) == 2
    assert conv.send("yes").outcome is not None
    assert len(server.requests) == 2
    assert status(http_shop, "A3") == status(http_shop, "A4") == "cancelled"


def test_cancelling_an_item_named_by_title_takes_at_most_three_requests(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, call("lookup_order", {}),
                call("lookup_order", {"order_id": "112-0000003"}),
                call("cancel_items", {"order_id": "112-0000003", "item_ids": ["A7"],
                                      "reason": "found_better_price"}))
    reply = conv.send("cancel the board game, found it cheaper elsewhere")
    assert reply.proposal is not None and len(server.requests) <= 3
    conv.click("confirm", reply.proposal["proposal_id"], reply.proposal["fingerprint"])
    assert len(server.requests) <= 3 and status(http_shop, "A7") == "cancelled"


# --- faults -------------------------------------------------------------------------------------
def test_a_429_is_retried_and_the_user_gets_the_answer(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, fail(429, "slow down"), say("Hello!"), retries=2)
    reply = conv.send("hi")
    assert reply.text == "Hello!" and reply.error is None
    assert len(server.requests) == 2


@pytest.mark.parametrize(("fault", "code", "message"), [
    (fail(429, "rate limited"), "model_busy", agent_module.MODEL_BUSY),
    (fail(500, "internal"), "model_http_500", agent_module.MODEL_FAILURE),
    (fail(503, "overloaded"), "model_http_503", agent_module.MODEL_FAILURE),
    (fail(401, "bad key"), "model_http_401", agent_module.MODEL_FAILURE),
    (garbage(), "model_error", agent_module.MODEL_FAILURE),
    (garbage(b'{"id": "x", "object": "chat.completion", "choices": []}'), "model_error",
     agent_module.MODEL_FAILURE),
    (garbage(b"data: nonsense", content_type="text/event-stream"), "model_error",
     agent_module.MODEL_FAILURE),
])
def test_a_failing_server_gives_a_clear_message_and_nothing_is_written(
    server: FakeOpenAI, http_shop: Store, fault: Step, code: str, message: str,
) -> None:
    conv = chat(server, http_shop, fault, fault, fault)
    before = business_snapshot(http_shop)
    reply = conv.send("cancel order 112-0000002, ordered by mistake")
    assert reply.error == code
    assert reply.text == message and "Nothing was changed" in reply.text
    assert conv.pending is None
    assert_nothing_written(http_shop, before)


def test_a_server_that_stops_answering_times_out_with_a_clear_message(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, stall(10), timeout_s=0.3)
    before = business_snapshot(http_shop)
    reply = conv.send("cancel order 112-0000002, ordered by mistake")
    assert reply.error == "model_timeout" and reply.text == agent_module.MODEL_TIMEOUT
    assert reply.elapsed_s < 3
    assert_nothing_written(http_shop, before)


def test_a_stalled_stream_times_out_too(server: FakeOpenAI, http_shop: Store) -> None:
    conv = chat(server, http_shop, stall(10), timeout_s=0.3)
    reply = conv.send("hello", on_token=lambda _: None)
    assert reply.error == "model_timeout"


def test_the_turn_deadline_shortens_the_request_timeout(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, stall(10), timeout_s=30,
                limits=Limits(turn_timeout_s=0.3))
    reply = conv.send("hello")
    assert reply.error == "model_timeout" and reply.elapsed_s < 3


def test_a_timed_out_request_is_tried_again_only_with_the_time_the_turn_has_left(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    # The client's own retry would wait 4 s again after its back-off: told at ~8.5 s. The
    # turn keeps its last 0.7 s for the answer (`answer_reserve`).
    conv = chat(server, http_shop, stall(20), stall(20), timeout_s=4, retries=1,
                limits=Limits(turn_timeout_s=7))
    reply = conv.send("hello")
    assert reply.error == "model_timeout" and reply.text == agent_module.MODEL_TIMEOUT
    assert len(server.requests) == 2 and 6.0 < reply.elapsed_s < 7.0


def test_no_retry_starts_that_could_not_finish_before_the_deadline(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop, fail(429, "slow down", retry_after_ms="3000"),
                say("too late"), retries=2, limits=Limits(turn_timeout_s=2))
    reply = conv.send("hi")
    assert reply.error == "model_busy" and reply.text == agent_module.MODEL_BUSY
    assert len(server.requests) == 1 and reply.elapsed_s < 1.5


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "sse"])
def test_a_failed_request_is_retried_by_the_turn_as_often_as_configured(
    server: FakeOpenAI, http_shop: Store, streaming: bool,
) -> None:
    conv = chat(server, http_shop, fail(503, "overloaded"), fail(500, "internal"),
                say("Hello!"), retries=2)
    reply = conv.send("hi", on_token=(lambda _: None) if streaming else None)
    assert reply.text == "Hello!" and len(server.requests) == 3
    server.push(fail(503), fail(503), fail(503), say("never asked"))
    assert conv.send("hi again").error == "model_http_503"
    assert len(server.requests) == 6  # one request and two retries, not the client's too


def test_a_refused_request_is_not_retried(server: FakeOpenAI, http_shop: Store) -> None:
    conv = chat(server, http_shop, fail(400, "bad request"), say("never asked"), retries=2)
    assert conv.send("hi").error == "model_http_400" and len(server.requests) == 1


def test_malformed_tool_arguments_get_one_corrective_request(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    conv = chat(server, http_shop,
                call("cancel_items", '{"order_id": "112-0000001", "item_ids": [A1]'),
                call("cancel_items", CANCEL_A1))
    reply = conv.send("cancel the headphones, no longer needed")
    assert reply.proposal is not None
    second = server.requests[1].messages
    assert second[-1]["role"] == "tool" and "not a valid JSON object" in second[-1]["content"]
    assert not server.rejected


@pytest.mark.parametrize("bad", [
    call("cancel_items", '{"order_id": "112-0000001", "item_ids": [A1]'),
    call("cancel_items", '"just a string"'),
    call("cancel_items", {"order_id": "112-0000001", "item_ids": "A1", "reason": "whim"}),
    call("cancel_everything", {"order_id": "112-0000001"}),
    call("", {}),
])
@pytest.mark.parametrize("streaming", [False, True], ids=["json", "sse"])
def test_tool_calls_that_stay_broken_end_the_turn_clearly_and_write_nothing(
    server: FakeOpenAI, http_shop: Store, bad: Step, streaming: bool,
) -> None:
    conv = chat(server, http_shop, bad, bad, bad)
    before = business_snapshot(http_shop)
    reply = conv.send("cancel the headphones, no longer needed",
                      on_token=(lambda _: None) if streaming else None)
    assert reply.error == "bad_tool_call" and reply.text == agent_module.MODEL_CONFUSED
    assert len(server.requests) == 2 and not server.rejected
    assert conv.pending is None and count(http_shop, "proposals") == 0
    assert_nothing_written(http_shop, before)


def test_the_turn_after_a_limit_stop_is_accepted_by_a_strict_server(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    lookup = call("lookup_order", {"order_id": "112-0000001"})
    conv = chat(server, http_shop, lookup, lookup, limits=Limits(model_calls=2))
    assert conv.send("show 112-0000001").error == "model_call_limit"
    server.push(say("Hello again."))
    assert conv.send("hello").text == "Hello again."
    assert not server.rejected


def test_the_strict_server_really_refuses_unanswered_tool_calls() -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "x"},
                {"role": "assistant", "content": "", "tool_calls": [{"id": "c1"}]},
                {"role": "user", "content": "y"}]
    assert invalid_conversation(messages) is not None
    assert invalid_conversation([{"role": "assistant", "content": None}]) is not None


def test_a_long_chat_over_http_stays_valid_and_bounded(
    server: FakeOpenAI, http_shop: Store,
) -> None:
    turns = 12
    steps = [s for _ in range(turns) for s in
             (call("lookup_order", {"order_id": "112-0000001"}), say("Here it is."))]
    conv = chat(server, http_shop, *steps, limits=Limits(history_turns=4))
    for i in range(turns):
        assert conv.send(f"show 112-0000001 ({i})").error is None
    assert not server.rejected
    users = [m for m in server.requests[-1].messages if m["role"] == "user"]
    assert len(users) == 5  # four remembered turns and the new message
