"""Model calls per flow, with scripted tool-calling answers as an OpenAI model gives them.

Bounds (issue 3): from "cancel order N" with the reason given to the proposal on screen at
most 2 model calls; a partial cancellation named by item title at most 3; the confirmation
none. The agent itself adds no call: a write ends the turn and its wording is fixed.
"""

from __future__ import annotations

from typing import Any

import pytest

from assistant.agent import Agent
from assistant.conversation import Conversation
from store.db import Store
from tests.fakes.chat_models import ScriptedChatModel, calls, tool_call
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.shop import make_shop
from tests.support import ANA, FixedClock, status

pytestmark = pytest.mark.usefixtures("loopback_only")

WHOLE = tool_call("cancel_items", order_id="112-0000002", item_ids=["all"],
                  reason="ordered_by_mistake")
BOARD_GAME = tool_call("cancel_items", order_id="112-0000003", item_ids=["A7"],
                       reason="found_better_price")

FLOWS: dict[str, tuple[str, list[Any], int]] = {
    "whole order, straight to the proposal": (
        "cancel order 112-0000002, I ordered it by mistake", [calls(WHOLE)], 2),
    "whole order, looked up first": (
        "cancel order 112-0000002, I ordered it by mistake",
        [calls(tool_call("lookup_order", order_id="112-0000002")), calls(WHOLE)], 2),
    "item by title, order named": (
        "cancel the board game from 112-0000003, found a better price",
        [calls(tool_call("lookup_order", order_id="112-0000003")), calls(BOARD_GAME)], 3),
    "item by title, order not named": (
        "cancel the board game, found a better price",
        [calls(tool_call("lookup_order")), calls(tool_call("lookup_order",
                                                          order_id="112-0000003")),
         calls(BOARD_GAME)], 3),
    "seller request after the 30 minutes": (
        "cancel the USB-C cable of 112-0000001, no longer needed",
        [calls(tool_call("lookup_order", order_id="112-0000001")),
         calls(tool_call("request_seller_cancellation", order_id="112-0000001",
                         item_ids=["A2"], reason="no_longer_needed"))], 2),
    "refusal of a shipped item": (
        "the coffee grinder of 112-0000004 has shipped, I don't want it",
        [calls(tool_call("lookup_order", order_id="112-0000004")),
         calls(tool_call("flag_refusal", order_id="112-0000004", item_ids=["A8"]))], 2),
}


@pytest.fixture
def calls_shop(clock: FixedClock) -> Store:
    return make_shop(clock)


@pytest.mark.parametrize("flow", FLOWS)
def test_each_flow_reaches_its_proposal_within_its_model_call_bound(
    calls_shop: Store, flow: str,
) -> None:
    message, script, bound = FLOWS[flow]
    model = ScriptedChatModel(script=script)
    conv = Conversation(Agent(model, "customer"), calls_shop, ANA)
    reply = conv.send(message)
    assert reply.proposal is not None, reply.text
    assert reply.model_calls == model.call_count == len(script) <= bound
    confirmed = conv.send("yes")
    assert confirmed.outcome is not None and confirmed.outcome["done"]
    assert confirmed.model_calls == 0 and model.call_count == len(script)


def test_the_streaming_path_costs_no_extra_model_call(calls_shop: Store) -> None:
    model = ScriptedChatModel(script=[calls(tool_call("lookup_order", order_id="112-0000003")),
                                      calls(BOARD_GAME)])
    conv = Conversation(Agent(model, "customer"), calls_shop, ANA)
    reply = conv.send("cancel the board game from 112-0000003, found a better price",
                      on_token=lambda _: None)
    assert reply.proposal is not None and reply.model_calls == 2
    conv.click("confirm", reply.proposal["proposal_id"], reply.proposal["fingerprint"])
    assert status(calls_shop, "A7") == "cancelled" and model.call_count == 2
