"""The agent's protocol for small models (JSON tool mode), over real HTTP to a scripted
OpenAI-compatible server: what the model is shown, what it may send, what code does for it,
and that none of it lets a model confirm, reach another account or claim an outcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from assistant.agent import Agent
from assistant.agent.prompt_budget import tool_schemas
from assistant.agent.protocol import reason_value
from assistant.agent.turn import MODEL_CONFUSED
from assistant.config import ModelConfig
from assistant.conversation import Conversation
from assistant.models.json_protocol import answer_schema, parrots_examples
from assistant.models.json_tools import JsonToolModel
from assistant.models.providers import DEFAULT_MAX_TOKENS, DEFAULT_MAX_TOKENS_OPENAI, make_model
from store.db import Store, memory_store
from store.domain.model import Reason
from store.seed import load_world
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.openai_server import FakeOpenAI, say
from tests.support import ANA, NOW, SAM, business_snapshot, rows, standard_world, status

pytestmark = pytest.mark.usefixtures("loopback_only")


@pytest.fixture
def shop_store() -> Store:
    store = memory_store(lambda: NOW)
    load_world(store.uow(), standard_world())
    return store


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def json_model(server: FakeOpenAI, **env: str) -> JsonToolModel:
    model = make_model(ModelConfig.from_env("openai-compatible", {
        "OPENAI_BASE_URL": server.url, "RESCIND_MODEL": "local", "RESCIND_MODEL_RETRIES": "0",
        "RESCIND_TOOL_MODE": "json", **env}))
    assert isinstance(model, JsonToolModel)
    return model


def answer(action: str, **args: Any) -> str:
    return json.dumps({"action": action, "args": args})


def reply(text: str) -> str:
    return json.dumps({"action": "reply", "text": text})


def chat(server: FakeOpenAI, store: Store, *answers: str, actor: Any = ANA,
         role: str = "customer") -> Conversation:
    server.push(*(say(a) for a in answers))
    return Conversation(Agent(json_model(server), role), store, actor)  # type: ignore[arg-type]


def system_text(server: FakeOpenAI, request: int = -1) -> str:
    return str(server.requests[request].messages[0]["content"])


def full_schema(role: str = "customer") -> dict[str, Any]:
    """The answer schema before the conversation restricts ids."""
    return answer_schema([t["function"] for t in tool_schemas(role)])


def schema_of(server: FakeOpenAI, request: int = -1) -> dict[str, Any]:
    schema: dict[str, Any] = server.requests[request].body["response_format"]["schema"]
    return schema


# --- what the model is shown ------------------------------------------------------------------
def test_tool_signatures_show_types_and_every_allowed_reason(
    server: FakeOpenAI, shop_store: Store
) -> None:
    chat(server, shop_store, reply("Which order?")).send("hi")

    system = system_text(server)
    line = next(ln for ln in system.splitlines() if ln.startswith("- cancel_items("))
    assert "order_id: string" in line and "item_ids: string[]" in line
    for reason in Reason:
        assert f'"{reason.value}"' in line
    assert "reason_text?: string" in line  # optional arguments are marked


def test_the_prompt_carries_a_few_short_examples_that_fit_the_answer_schema(
    server: FakeOpenAI, shop_store: Store
) -> None:
    chat(server, shop_store, reply("Which order?")).send("hi")

    system, schema = system_text(server), full_schema()
    examples = [ln for ln in system.splitlines() if ln.startswith('{"action"')]
    assert 5 <= len(examples) <= 12
    for example in examples:  # each example is an answer the grammar allows
        jsonschema.validate(json.loads(example), schema)


def test_each_tool_has_one_exact_schema_with_required_fields_and_no_extras(
    server: FakeOpenAI, shop_store: Store
) -> None:
    schema = full_schema()  # every tool, nothing known yet
    branches = {b["properties"]["action"]["enum"][0]: b for b in schema["oneOf"]}
    assert set(branches) == {"reply", "lookup_order", "cancel_items", "check_cancelled",
                             "request_seller_cancellation", "flag_refusal",
                             "hand_off_to_staff"}
    cancel = branches["cancel_items"]["properties"]["args"]
    assert cancel["required"] == ["order_id", "item_ids"]
    assert cancel["additionalProperties"] is False
    assert cancel["properties"]["reason"]["enum"] == [r.value for r in Reason]
    extra = {"action": "cancel_items", "args": {"order_id": "1", "item_ids": ["all"],
                                                 "customer": "bob@example.com"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(extra, schema)
    with pytest.raises(jsonschema.ValidationError):  # a label is not a reason
        jsonschema.validate({"action": "cancel_items", "args": {
            "order_id": "1", "item_ids": ["all"], "reason": "no longer needed"}}, schema)


def test_once_items_are_known_an_item_id_must_be_one_of_them_or_all(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Which one?"))
    conv.send("I want to cancel something from 112-0000001")

    schema = schema_of(server)
    cancel = next(b for b in schema["oneOf"]
                  if b["properties"]["action"]["enum"] == ["cancel_items"])
    assert cancel["properties"]["args"]["properties"]["item_ids"]["items"] == \
        {"enum": ["all", "A1", "A2"]}
    with pytest.raises(jsonschema.ValidationError):  # a title can't pass for an id
        jsonschema.validate({"action": "cancel_items", "args": {
            "order_id": "112-0000001", "item_ids": ["Wireless headphones"]}}, schema)


def test_with_no_order_number_in_the_conversation_none_can_be_made_up(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """The 0.5B model answered "which of my orders are cancelled?" by looking up the
    examples' order 900-0000001: with no number in the conversation, no tool that needs one
    is offered, and a look-up can only be of the account's own orders."""
    chat(server, shop_store, reply("Which order?")).send("hi, I need help with an order")

    schema = schema_of(server)
    branches = {b["properties"]["action"]["enum"][0]: b for b in schema["oneOf"]}
    assert set(branches) == {"reply", "lookup_order", "check_cancelled", "hand_off_to_staff"}
    for name in ("lookup_order", "check_cancelled"):
        assert "order_id" not in branches[name]["properties"]["args"]["properties"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "lookup_order", "args": {"order_id": "900-0000001"}},
                            schema)
    jsonschema.validate({"action": "lookup_order", "args": {}}, schema)


def test_an_order_number_must_be_one_the_conversation_holds(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Which one?"), reply("Which one?"))
    conv.send("I want to cancel something from 112-0000001")
    conv.send("or was it the other one, ord 112-0000002?")

    schema = schema_of(server)
    cancel = next(b for b in schema["oneOf"]
                  if b["properties"]["action"]["enum"] == ["cancel_items"])
    assert set(cancel["properties"]["args"]["properties"]["order_id"]["enum"]) == \
        {"112-0000001", "112-0000002"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"action": "cancel_items", "args": {
            "order_id": "900-0000001", "item_ids": ["all"]}}, schema)


@pytest.mark.parametrize("env, sent", [({}, DEFAULT_MAX_TOKENS),
                                       ({"RESCIND_MAX_TOKENS": "200"}, 200)])
def test_every_request_carries_max_tokens_as_llama_cpp_reads_it(
    server: FakeOpenAI, shop_store: Store, env: dict[str, str], sent: int
) -> None:
    server.push(say(answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                           reason="because")),
                say(answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                           reason="no_longer_needed")))
    conv = Conversation(Agent(json_model(server, **env), "customer"), shop_store, ANA)

    conv.send("cancel the headphones from 112-0000001, I no longer need them")

    assert len(server.requests) == 2  # the first answer was corrected
    for request in server.requests:
        assert request.body["max_tokens"] == sent
        assert "max_completion_tokens" not in request.body


def test_native_tool_calling_on_a_compatible_server_sends_max_tokens_too(
    server: FakeOpenAI, shop_store: Store
) -> None:
    server.push(say("Which order?"))
    model = make_model(ModelConfig("openai-compatible", "m", server.url, max_retries=0))
    Conversation(Agent(model, "customer"), shop_store, ANA).send("hi")

    assert server.requests[-1].body["max_tokens"] == DEFAULT_MAX_TOKENS


def test_the_openai_provider_caps_tokens_with_room_for_reasoning() -> None:
    model = make_model(ModelConfig("openai", api_key="sk-test"))
    assert getattr(model, "max_tokens", None) == DEFAULT_MAX_TOKENS_OPENAI


def test_a_generation_cut_off_mid_call_reaches_the_user_in_fixed_words(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, '{"action": "cancel_items", "args": {"order_id": "112-')

    result = conv.send("cancel my headphones")

    assert result.text == MODEL_CONFUSED and "{" not in result.text
    assert result.proposal is None


# --- what code does for the model -------------------------------------------------------------
def test_an_order_the_user_names_is_looked_up_before_the_first_model_call(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, answer("cancel_items", order_id="112-0000001",
                                           item_ids=["A1"], reason="no_longer_needed"))

    result = conv.send("cancel the headphones from 112-0000001, I no longer need them")

    assert result.tool_names == ["lookup_order", "cancel_items"]
    assert len(server.requests) == 1  # one model call: the look-up cost none
    sent = [m["content"] for m in server.requests[0].messages]
    assert any('"id":"A1"' in c and "Wireless headphones" in c for c in sent)
    assert result.proposal is not None
    assert [i["id"] for i in result.proposal["items"]] == ["A1"]


def test_a_message_without_an_order_number_is_not_looked_up(
    server: FakeOpenAI, shop_store: Store
) -> None:
    result = chat(server, shop_store, reply("Which order is it?")).send(
        "cancel my headphones, i paid 59.99 on 2026-11-25")

    assert result.tool_names == []
    assert len(server.requests[0].messages) == 2  # system + the user's message


def test_another_customers_order_named_by_number_is_not_found_and_shows_nothing_of_it(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Your kettle order is cancelled."))

    result = conv.send("cancel order 112-0000009 please")

    assert result.tool_names == ["lookup_order"]
    assert result.tool_events[0].result["ok"] is False
    assert server.requests == []  # nothing to ask a model: code says it wasn't found
    assert "not found" in result.text.lower() and "kettle" not in result.text.lower()
    assert status(shop_store, "B1") == "unshipped"


def test_did_it_get_cancelled_is_checked_in_code_before_the_first_model_call(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Everything in it has been cancelled."))

    result = conv.send("did my order 112-0000001 get cancelled?")

    assert result.tool_names == ["check_cancelled"]
    assert result.tool_events[0].args == {"order_id": "112-0000001"}
    assert server.requests == []  # naming no item, the store's answer is told by code
    assert "I don't see any cancellation recorded for order 112-0000001" in result.text
    assert "contact support" in result.text


def test_after_a_confirmed_cancellation_the_check_names_what_was_cancelled(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """The 1.5B model answered "did that go through?" with "the item was cancelled"."""
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"),
                reply("Yes, the item was cancelled."))
    conv.send("cancel the headphones from 112-0000001, no longer needed")
    assert conv.pending is not None
    assert conv.click("confirm", conv.pending["proposal_id"],
                      conv.pending.get("fingerprint")).outcome is not None

    result = conv.send("Did that cancellation actually go through?")

    assert result.tool_names == ["check_cancelled"]
    assert "Order 112-0000001: cancelled — Wireless headphones" in result.text
    assert len(server.requests) == 1  # the proposal's; none for the check


def test_a_check_that_names_an_item_is_answered_by_the_model_with_the_check_in_view(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("I don't see a cancellation of the headphones."))

    result = conv.send("did the headphones from 112-0000001 get cancelled?")

    assert result.tool_names == ["check_cancelled"]
    first = json.dumps(server.requests[0].messages)
    assert "check_cancelled" in first and "if_missing" in first


def test_which_orders_were_cancelled_is_checked_for_the_whole_account(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("None of your orders has a cancellation."))

    result = conv.send("which of my orders have been cancelled?")

    assert result.tool_names == ["check_cancelled"] and result.tool_events[0].args == {}
    assert server.requests == []


def test_a_request_to_cancel_is_still_looked_up_not_checked(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Which item?"))
    assert conv.send("cancel something from order 112-0000001").tool_names == ["lookup_order"]


def offered(server: FakeOpenAI, request: int = -1) -> set[str]:
    return {b["properties"]["action"]["enum"][0] for b in schema_of(server, request)["oneOf"]}


def test_while_the_user_only_asks_no_cancellation_can_be_proposed(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """A small model proposed cancelling an order the user only asked to see (an item's
    title said to): while every message only asks, the write tools are not offered."""
    conv = chat(server, shop_store, reply("It holds headphones and a cable."),
                reply("You're welcome."), reply("Which reason?"))
    conv.send("Can you show me what's in order 112-0000001?")
    conv.send("thanks")
    assert not offered(server, 0) & {"cancel_items", "request_seller_cancellation",
                                     "flag_refusal"}
    assert not offered(server, 1) & {"cancel_items"}

    conv.send("I don't want the headphones anymore")
    assert "cancel_items" in offered(server, 2)
    assert system_text(server, 0) == system_text(server, 2)  # the cached prefix is kept
    assert rows(shop_store, "proposals") == []


def test_a_question_about_another_order_while_a_proposal_waits_proposes_nothing(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """The 1.5B model answered "where is my tackle box from <order>?" with a refusal
    proposal, replacing the cancellation the user was about to confirm."""
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"),
                reply("Press Confirm to cancel the headphones."),
                reply("It is on its way."))
    conv.send("cancel the headphones from 112-0000001, no longer needed")
    assert "cancel_items" in offered(server, 0)
    conv.send("unrelated, but where is order 112-0000002?")
    assert not offered(server, -1) & {"cancel_items", "request_seller_cancellation",
                                      "flag_refusal"}
    assert conv.pending is not None and [i["id"] for i in conv.pending["items"]] == ["A1"]


def test_a_proposal_holding_an_item_the_user_said_to_keep_goes_back_to_the_model(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """The 1.5B model proposed exactly the USB hub for "everything but the USB hub"."""
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A2"],
                       reason="no_longer_needed"),
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"))

    result = conv.send("cancel everything on order 112-0000001 but the cable, "
                       "no longer needed")

    note = json.dumps(server.requests[1].messages)
    assert "The user said to keep USB-C cable (A2)" in note
    assert result.proposal is not None
    assert [i["id"] for i in result.proposal["items"]] == ["A1"]


def test_all_for_everything_but_one_goes_back_to_the_model_too(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["all"],
                       reason="no_longer_needed"),
                reply("Which items?"))
    conv.send("cancel everything on order 112-0000001 but the cable, no longer needed")
    assert "The user said to keep USB-C cable (A2)" in json.dumps(server.requests[1].messages)


def test_every_item_proposed_for_one_named_item_goes_back_to_the_model(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """The 1.5B model often proposed the whole order for "cancel the headphones"."""
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1", "A2"],
                       reason="no_longer_needed"),
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"))

    result = conv.send("cancel the headphones from 112-0000001, no longer needed")

    assert "did not ask to cancel USB-C cable (A2)" in json.dumps(server.requests[1].messages)
    assert result.proposal is not None
    assert [i["id"] for i in result.proposal["items"]] == ["A1"]


@pytest.mark.parametrize("message", [
    "cancel my whole order 112-0000001, no longer needed",
    "cancel both items of 112-0000001, no longer needed",
    "cancel the earphones and cord from 112-0000001, no longer needed",  # rules match none
])
def test_a_whole_order_or_words_the_rules_cannot_place_are_not_corrected(
    server: FakeOpenAI, shop_store: Store, message: str
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1", "A2"],
                       reason="no_longer_needed"))
    conv.send(message)
    assert len(server.requests) == 1


def test_an_item_added_to_an_earlier_proposal_keeps_the_earlier_ones_unless_only(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"),
                answer("cancel_items", order_id="112-0000001", item_ids=["A1", "A2"],
                       reason="no_longer_needed"),
                answer("cancel_items", order_id="112-0000001", item_ids=["A1", "A2"],
                       reason="no_longer_needed"),
                reply("Which items?"))
    conv.send("cancel the headphones from 112-0000001, no longer needed")
    conv.send("and the cable too")
    assert len(server.requests) == 2  # the headphones were asked for before: no correction
    conv.send("actually just the cable")
    assert "did not ask to cancel Wireless headphones (A1)" in json.dumps(
        server.requests[-1].messages)


def test_naming_an_item_to_cancel_and_another_to_keep_corrects_only_the_kept_one(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"))

    result = conv.send("keep the cable and cancel only the wireless headphones from "
                       "112-0000001, no longer needed")

    assert len(server.requests) == 1  # nothing to correct
    assert result.proposal is not None
    assert [i["id"] for i in result.proposal["items"]] == ["A1"]


def test_when_one_named_order_is_found_the_model_still_answers(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Which item of 112-0000001?"))

    result = conv.send("cancel something from 112-0000001 or maybe 112-0000009")

    assert result.tool_names == ["lookup_order", "lookup_order"]
    assert len(server.requests) == 1 and result.text == "Which item of 112-0000001?"
    sent = json.dumps(server.requests[0].messages)
    assert "kettle" not in sent.lower() and "B1" not in sent


def test_a_reason_label_is_normalised_in_code_without_a_corrective_round(
    server: FakeOpenAI, shop_store: Store
) -> None:
    # The grammar forbids it in JSON mode; a native model or a lenient server may send it.
    raw = json.dumps({"action": "cancel_items", "args": {
        "order_id": "112-0000001", "item_ids": ["A1"], "reason": "No longer needed"}})
    conv = chat(server, shop_store, raw)

    result = conv.send("cancel the headphones from 112-0000001, don't need them")

    assert len(server.requests) == 1
    assert result.proposal is not None
    assert result.tool_events[-1].args["reason"] == "no_longer_needed"


def test_a_correction_tells_the_model_what_to_call_again_with(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="because"),
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="other", reason_text="because"))

    result = conv.send("cancel the headphones from 112-0000001")

    note = server.requests[1].messages[-1]["content"]
    assert "Call cancel_items again with reason one of 'ordered_by_mistake'" in note
    assert "cancel_items(order_id: string, item_ids: string[]" in note
    assert result.proposal is not None
    assert "again with" not in result.text


def test_a_model_that_reads_the_correction_out_gets_a_fixed_answer_instead(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="because"),
                reply("I need to call cancel_items again with reason one of the values."))
    before = business_snapshot(shop_store)

    result = conv.send("cancel the headphones from 112-0000001")

    assert result.text == MODEL_CONFUSED
    assert "cancel_items" not in result.text
    assert business_snapshot(shop_store) == before


# --- nothing weakens consent, identity or the reply guard -------------------------------------
def test_a_question_after_the_proposal_is_not_consent(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"),
                reply("Yes, it is cancelled now."))
    conv.send("cancel the headphones from 112-0000001, no longer needed")

    later = conv.send("yes? is that everything in 112-0000001?")

    assert status(shop_store, "A1") == "unshipped"
    assert rows(shop_store, "cancellations") == []
    assert "cancelled now" not in later.text.lower()  # the guard corrects the claim


def test_a_claimed_cancellation_after_a_code_look_up_is_corrected_by_the_guard(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Wireless headphones: cancelled."))

    result = conv.send("cancel the headphones from 112-0000001")

    assert result.corrected
    assert "cancelled." not in result.text.lower()
    assert status(shop_store, "A1") == "unshipped"


def test_staff_look_ups_by_code_do_not_verify_the_caller(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                answer("cancel_items", order_id="112-0000009", item_ids=["B1"],
                       reason="ordered_by_mistake"), actor=SAM, role="staff")

    result = conv.send("caller wants 112-0000009 cancelled, ordered by mistake")

    assert result.tool_names == ["lookup_order", "cancel_items"]
    assert result.proposal is None  # P2: no proposal for an unverified caller
    assert conv.context.acting_for is None


def test_staff_typing_an_order_with_the_callers_e_mail_verifies_by_code(
    server: FakeOpenAI, shop_store: Store
) -> None:
    """The 1.5B model looked the order up and acted without verifying the caller (P2)."""
    conv = chat(server, shop_store, reply("Verified. What would she like to cancel?"),
                actor=SAM, role="staff")

    result = conv.send(f"On the line is Ana, order 112-0000001, account {ANA.email}.")

    assert result.tool_names == ["verify_caller"]
    assert result.tool_events[0].result["ok"] is True
    assert conv.context.acting_for == ANA.email
    assert '"verified":"ana@example.com"' in str(server.requests[0].messages)


def test_staff_typing_wrong_details_are_not_verified_by_code_either(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Those details don't match; please check them."),
                actor=SAM, role="staff")

    result = conv.send("caller says order 112-0000001, e-mail someone.else@example.com")

    assert result.tool_names == ["verify_caller"]
    assert result.tool_events[0].result["ok"] is False
    assert conv.context.acting_for is None


@pytest.mark.parametrize("said, value", [
    ("No longer needed", "no_longer_needed"), ("no-longer-needed", "no_longer_needed"),
    ("I don't need it anymore", "no_longer_needed"), ("Ordered by mistake", "ordered_by_mistake"),
    ("found it cheaper elsewhere", "found_better_price"),
    ("Delivery too slow", "delivery_too_slow"),
    ("other", "other"), ("bananas", None), ("", None),
])
def test_reason_labels_and_phrases_map_to_the_enum_and_nothing_else_is_guessed(
    said: str, value: str | None
) -> None:
    assert reason_value(said) == value


def test_a_promise_in_words_gets_a_corrective_round_and_becomes_the_call(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store,
                reply("Understood. I'll cancel the wireless headphones for you."),
                answer("cancel_items", order_id="112-0000001", item_ids=["A1"],
                       reason="no_longer_needed"))

    result = conv.send("cancel the headphones from 112-0000001, no longer needed")

    assert len(server.requests) == 2
    assert "words do nothing" in server.requests[1].messages[-1]["content"]
    assert result.proposal is not None and "I'll cancel" not in result.text
    assert status(shop_store, "A1") == "unshipped"  # proposed only (P7)


def test_a_question_is_not_a_promise_and_costs_no_extra_request(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Shall I cancel the headphones? Why, though?"))

    result = conv.send("cancel the headphones from 112-0000001")

    assert len(server.requests) == 1
    assert result.text == "Shall I cancel the headphones? Why, though?"


def test_a_repeated_promise_is_shown_as_words_and_changes_nothing(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("I'll cancel the headphones."),
                reply("I'll cancel the headphones right away."))
    before = business_snapshot(shop_store)

    result = conv.send("cancel the headphones from 112-0000001, no longer needed")

    assert len(server.requests) == 2 and result.proposal is None
    assert business_snapshot(shop_store) == before


def test_the_examples_are_written_exactly_as_the_conversation_shows_calls_and_results(
    server: FakeOpenAI, shop_store: Store
) -> None:
    # A small model copies the shape of what it sees: the examples' calls and results must
    # be byte for byte what the real conversation will show it.
    conv = chat(server, shop_store, reply("Which item?"))
    conv.send("something from 112-0000001")

    sent = server.requests[0].messages
    call_line, result_line = sent[-2]["content"], sent[-1]["content"]
    assert call_line == json.dumps({"action": "lookup_order",
                                    "args": {"order_id": "112-0000001"}})
    assert result_line.startswith('[tool result] {"ok":true,"order_id":"112-0000001"')
    examples = system_text(server).split("Examples", 1)[1].split("\nTools", 1)[0]
    for line in examples.splitlines():
        if line.startswith('{"action"'):
            assert json.dumps(json.loads(line)) == line
        elif line.startswith("[tool result] "):
            data = json.loads(line.removeprefix("[tool result] "))
            assert json.dumps(data, separators=(",", ":")) == line.removeprefix(
                "[tool result] ")


def test_right_after_a_look_up_the_model_cannot_look_the_same_order_up_again(
    server: FakeOpenAI, shop_store: Store
) -> None:
    conv = chat(server, shop_store, reply("Which one?"), reply("Which order?"))
    conv.send("what is in my order 112-0000001?")
    conv.send("hello")

    after_look_up = {b["properties"]["action"]["enum"][0] for b in schema_of(server, 0)["oneOf"]}
    after_user = {b["properties"]["action"]["enum"][0] for b in schema_of(server, 1)["oneOf"]}
    assert "lookup_order" not in after_look_up and "check_cancelled" in after_look_up
    assert "lookup_order" in after_user


def test_a_reply_about_the_prompts_made_up_examples_never_reaches_the_user(
    server: FakeOpenAI, shop_store: Store
) -> None:
    # Seen with the 0.5B model: an example's words, read out as a fact about the user's order.
    conv = chat(server, shop_store,
                reply("The desk lamp has shipped, so only Lumen Ltd can cancel it."))

    result = conv.send("yes, do it")

    assert result.text == MODEL_CONFUSED
    assert "lumen" not in result.text.lower()


def test_the_examples_replies_state_no_facts_a_model_could_copy(
    server: FakeOpenAI, shop_store: Store
) -> None:
    chat(server, shop_store, reply("Which order?")).send("hi")

    examples = system_text(server).split("Examples", 1)[1].split("\nTools", 1)[0]
    replies = [json.loads(line)["text"] for line in examples.splitlines()
               if line.startswith('{"action": "reply"')]
    assert replies
    for text in replies:
        assert not parrots_examples(text, [])
