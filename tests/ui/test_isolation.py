"""A model that hangs holds only its own turns: clicks, sign-ins and history go on, a user
past the limit is told at once that the assistant is busy, and a turn's deadline counts its
time in the queue. Asserted by order of events (what finished while the model still hung),
never by measured durations."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import chainlit as cl
import chainlit.server
import pytest
from chainlit.context import ChainlitContext, context_var
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatResult

import assistant.ui.app as app_module
from assistant.agent import Agent, TurnStopped
from assistant.config import TURN_ARRIVED, Limits
from assistant.conversation.engines import AgentEngine
from assistant.ui import pools, runtime
from store.settings import ServingSettings
from tests.support import ANA, BOB, status
from tests.ui.conftest import App, BrowserFactory, mock_session
from tests.ui.test_handlers import pick, proposal_payload
from tools.context import ToolContext

# More hanging turns than asyncio's default executor has threads (min(32, cores + 4)):
# before turns had their own executor, these alone blocked every click and sign-in.
HANGING = 40
GIVE_UP_S = 30.0  # a hung model returns by itself after this, so no test can hang for good


class HangingModel(BaseChatModel):
    """Blocks every request until `release` is set; counts the requests that began."""

    release: threading.Event
    started: int = 0

    @property
    def _llm_type(self) -> str:
        return "hanging-test-model"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> HangingModel:  # type: ignore[override]
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        self.started += 1
        self.release.wait(GIVE_UP_S)
        return ChatResult(generations=[ChatGeneration(message=AIMessage("Which order?"))])


@pytest.fixture
def hanging(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[HangingModel]:
    model = HangingModel(release=threading.Event())
    engine = AgentEngine(Agent(model, "customer"))
    monkeypatch.setattr(runtime, "engine_for", lambda role: engine)
    yield model
    model.release.set()  # whatever the test did, no thread stays blocked


def limited_pools(monkeypatch: pytest.MonkeyPatch, running: int, waiting: int,
                  timeout_s: float = 60.0) -> None:
    serving = ServingSettings.load({"RESCIND_MAX_TURNS": str(running),
                                    "RESCIND_TURN_QUEUE": str(waiting)})
    monkeypatch.setattr(pools, "pools", lambda: limited)
    limited = pools.Pools(serving, timeout_s)


async def chat_turn(app: App, email: str, text: str) -> list[str]:
    """One message from a browser session of its own; the assistant's messages to it."""
    session = await mock_session(app, email)
    context_var.set(ChainlitContext(session))  # this task's context only
    await app_module.on_chat_start()
    await app_module.on_message(cl.Message(content=text))
    return [str(c.args[1].get("output")) for c in session.emit.call_args_list
            if c.args[0] == "new_message" and c.args[1].get("type") == "assistant_message"]


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(6000):  # a loaded machine starts 40 threads slowly
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_a_hanging_model_delays_no_other_users_confirm_click_or_sign_in(
    app: App, browser: BrowserFactory, hanging: HangingModel, monkeypatch: pytest.MonkeyPatch,
) -> None:
    limited_pools(monkeypatch, running=pools.LLM_TURNS, waiting=256)  # as with a model
    async with browser(BOB.email) as b:
        await app_module.on_chat_start()
        await pick(["B1"], order_id="112-0000009")
        payload = proposal_payload(b.live_actions())
        turns = [asyncio.create_task(chat_turn(app, ANA.email, f"hello {i}"))
                 for i in range(HANGING)]
        await until(lambda: hanging.started >= HANGING)  # every one is inside the model

        await app_module.on_confirm(cl.Action(name="confirm", payload=payload))
        signed_in = await app_module.password_auth("ana@example.com", "rescind")

        assert not any(t.done() for t in turns)  # all of it while the model still hung
        assert "Cancelled" in b.messages()[-1]
        assert status(app.store, "B1") == "cancelled"
        assert signed_in is not None and signed_in.identifier == "ana@example.com"
        hanging.release.set()
        answers = await asyncio.gather(*turns)
        assert all(a and "Which order?" in a[-1] for a in answers)


async def test_past_the_limit_a_user_is_told_at_once_that_the_assistant_is_busy(
    app: App, hanging: HangingModel, monkeypatch: pytest.MonkeyPatch,
) -> None:
    limited_pools(monkeypatch, running=2, waiting=0)
    first = [asyncio.create_task(chat_turn(app, ANA.email, "hello")) for _ in range(2)]
    await until(lambda: hanging.started == 2)

    third = await chat_turn(app, ANA.email, "hello")

    assert third == [pools.BUSY]
    assert hanging.started == 2  # the third never reached the model
    assert not any(t.done() for t in first)
    hanging.release.set()
    assert all("Which order?" in a[-1] for a in await asyncio.gather(*first))


async def test_a_turn_that_waits_in_the_queue_past_its_deadline_is_answered_busy(
    app: App, hanging: HangingModel, monkeypatch: pytest.MonkeyPatch,
) -> None:
    limited_pools(monkeypatch, running=1, waiting=5, timeout_s=0.3)
    first = asyncio.create_task(chat_turn(app, ANA.email, "hello"))
    await until(lambda: hanging.started == 1)

    queued = await chat_turn(app, ANA.email, "hello")

    assert queued == [pools.BUSY]
    assert not first.done() and hanging.started == 1  # told while the first still hung
    hanging.release.set()
    await first


def test_the_agent_counts_a_turns_deadline_from_its_arrival_not_its_start(app: App) -> None:
    model = HangingModel(release=threading.Event())
    model.release.set()
    agent = Agent(model, "customer", Limits(turn_timeout_s=5))
    context = ToolContext(actor=ANA, store=app.store, thread_id="t-deadline")
    token = TURN_ARRIVED.set(time.monotonic() - 10)  # it waited longer than its whole budget
    try:
        with pytest.raises(TurnStopped) as stopped:
            agent.run_turn([HumanMessage("hello")], context)
    finally:
        TURN_ARRIVED.reset(token)
    assert stopped.value.code == "turn_timeout"
    assert model.started == 0  # no request went out for a turn already out of time


async def test_a_messages_arrival_is_when_its_socket_event_was_read() -> None:
    seen: list[float] = []

    async def chainlits_handler(sid: str, payload: Any) -> None:
        async def handle() -> None:  # Chainlit's own work on the message comes first
            await asyncio.sleep(0.2)
            seen.append(pools.arrived())
        await asyncio.create_task(handle())

    sio = type("Sio", (), {"handlers": {"/": {"client_message": chainlits_handler}}})()
    pools.stamp_arrivals(sio)
    pools.stamp_arrivals(sio)  # once only, however often the app module is loaded
    read_at = time.monotonic()
    await sio.handlers["/"]["client_message"]("sid", {})
    assert seen and abs(seen[0] - read_at) < 0.1  # not 0.2 s later, when our handler ran
    assert abs(pools.arrived() - time.monotonic()) < 0.05  # outside a message: now
    assert chainlit.server.sio.handlers["/"]["client_message"].rescind_stamped


def test_offline_turns_run_a_few_at_a_time_and_model_turns_many() -> None:
    serving = ServingSettings.load({})
    assert pools.turn_slots(serving, is_llm=True) == pools.LLM_TURNS
    assert pools.turn_slots(serving, is_llm=False) < pools.LLM_TURNS
    assert pools.turn_slots(ServingSettings.load({"RESCIND_MAX_TURNS": "7"}), False) == 7
