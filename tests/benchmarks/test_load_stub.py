"""The load benchmark's model stub (`benchmarks/load_stub.py`) against the real client path:
`make_model` (ChatOpenAI over HTTP) and the agent, on 127.0.0.1, as the app under load uses it.

The UI streams every model turn (`ChatSession.streams`), so the stub must answer streamed
requests as an OpenAI-compatible server does; a stub that only answers plain JSON leaves
every benchmark turn without a model answer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web

from assistant.agent import Agent
from assistant.config import ModelConfig
from assistant.conversation import Conversation
from assistant.models.providers import make_model
from benchmarks.load_stub import app
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.shop import make_shop
from tests.support import ANA, FixedClock

pytestmark = pytest.mark.usefixtures("loopback_only")

ASK = "Please cancel item A1 of order 112-0000001, I no longer need it"  # as load_users says it


@pytest.fixture
def stub_url() -> Iterator[str]:
    """The stub without latency, on its own event loop in a thread, on a free port."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app(0.0, "none"), access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def conversation(stub_url: str, clock: FixedClock) -> Conversation:
    model = make_model(ModelConfig("openai-compatible", "stub", stub_url, api_key="stub",
                                   timeout_s=5.0, max_retries=0))
    return Conversation(Agent(model, "customer"), make_shop(clock), ANA)


def test_a_streamed_turn_against_the_stub_ends_in_a_cancellation_proposal(
    stub_url: str, clock: FixedClock,
) -> None:
    tokens: list[str] = []
    reply = conversation(stub_url, clock).send(ASK, on_token=tokens.append)
    assert reply.error is None, reply.text
    assert reply.tool_names == ["lookup_order", "cancel_items"]
    assert reply.proposal is not None


def test_a_plain_turn_against_the_stub_ends_in_a_cancellation_proposal(
    stub_url: str, clock: FixedClock,
) -> None:
    reply = conversation(stub_url, clock).send(ASK)
    assert reply.error is None, reply.text
    assert reply.proposal is not None


def test_a_streamed_question_from_the_stub_reaches_the_user_as_text(
    stub_url: str, clock: FixedClock,
) -> None:
    tokens: list[str] = []
    reply = conversation(stub_url, clock).send("hello there", on_token=tokens.append)
    assert reply.error is None and reply.proposal is None
    assert reply.text == "Which order and item do you mean?"
