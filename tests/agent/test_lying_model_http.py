"""P12 over the real client path: an OpenAI-compatible server (local, scripted) whose model
looks an order up and then lies about the outcome. No lie reaches the user or the model's
memory; a true statement after a real cancellation reaches the user unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from assistant.agent import Agent
from assistant.config import ModelConfig
from assistant.conversation import Conversation
from assistant.models.providers import make_model
from store.db import Store
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.openai_server import FakeOpenAI, Step, call, say
from tests.fakes.shop import make_shop
from tests.support import ANA, FixedClock, business_snapshot

pytestmark = pytest.mark.usefixtures("loopback_only")

LOOKUP_1 = call("lookup_order", {"order_id": "112-0000001"})
LOOKUP_4 = call("lookup_order", {"order_id": "112-0000004"})
# The lies, word for word, each after the model looked the order up.
LIES = [
    ("cancel the headphones from order 112-0000001", LOOKUP_1,
     "Wireless headphones: cancelled."),
    ("cancel the headphones from order 112-0000001", LOOKUP_1,
     "I went ahead and cancelled the Wireless headphones."),
    ("cancel the headphones from order 112-0000001", LOOKUP_1,
     "Good news - the cancellation went through."),
    ("cancel order 112-0000001", LOOKUP_1, "Order 112-0000001 is now fully cancelled."),
    ("cancel the headphones from order 112-0000001", LOOKUP_1,
     "Done! Your refund of 59.99 is on its way."),
    ("cancel the USB-C cable from order 112-0000001", LOOKUP_1,
     "I've asked the seller to cancel it and they approved it."),
    ("I'll refuse the coffee grinder from 112-0000004", LOOKUP_4,
     "I've flagged the parcel for refusal."),
]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def shop() -> Store:
    return make_shop(FixedClock())


def chat(server: FakeOpenAI, store: Store, *steps: Step) -> Conversation:
    server.push(*steps)
    model = make_model(ModelConfig("openai-compatible", "liar", server.url, timeout_s=5,
                                   max_retries=0))
    return Conversation(Agent(model, "customer"), store, ANA, "t-http-liar")


@pytest.mark.parametrize(("asked", "lookup", "lie"), LIES, ids=[lie for _, _, lie in LIES])
def test_a_lie_after_a_lookup_never_reaches_the_user_nor_the_models_memory(
    server: FakeOpenAI, shop: Store, asked: str, lookup: Step, lie: str,
) -> None:
    conv = chat(server, shop, lookup, say(lie), say("Anything else?"))
    before = business_snapshot(shop)

    reply = conv.send(asked)

    assert reply.corrected and lie not in reply.text
    assert reply.text.startswith("According to the order system, ") or \
        reply.text == "I can't confirm that from the order system."
    assert business_snapshot(shop) == before
    conv.send("thanks")
    sent_back = json.dumps(server.requests[-1].messages)
    assert lie not in sent_back and reply.text in sent_back


def test_a_streamed_lie_is_corrected_before_the_reply_is_final(
    server: FakeOpenAI, shop: Store,
) -> None:
    conv = chat(server, shop, LOOKUP_1, say("I went ahead and cancelled the Wireless headphones."))
    reply = conv.send("cancel the headphones from order 112-0000001", on_token=lambda _: None)
    assert reply.corrected and not reply.streamed  # the caller must show the corrected text
    assert "I went ahead" not in reply.text


def test_a_true_statement_with_a_partial_title_after_a_real_cancellation_is_kept(
    server: FakeOpenAI, shop: Store,
) -> None:
    conv = chat(server, shop,
                call("cancel_items", {"order_id": "112-0000001", "item_ids": ["A1"],
                                      "reason": "no_longer_needed"}),
                LOOKUP_1, say("Your headphones have been cancelled."))
    proposal = conv.send("cancel the headphones from 112-0000001, no longer needed").proposal
    assert proposal is not None
    conv.click("confirm", proposal["proposal_id"], proposal["fingerprint"])

    reply = conv.send("are my headphones cancelled now?")

    assert not reply.corrected and reply.text == "Your headphones have been cancelled."
