"""The agent is LangChain's `create_agent`: compiled once, the guarantees as middleware, and the
session's actor reaching the tools through `ToolRuntime.context`."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode

from assistant.agent import Agent
from assistant.agent import loop as agent_module
from assistant.agent.loop import CheckToolCalls, RunTools, TurnBudget
from assistant.config import Limits
from assistant.conversation import Conversation
from store import services
from store.db import Store
from store.domain.errors import StoreUnavailable
from tests.fakes.chat_models import ScriptedChatModel, UnstreamedChatModel, calls, tool_call
from tests.fakes.network import loopback_only  # noqa: F401
from tests.fakes.shop import make_shop
from tests.support import ANA, SAM, FixedClock
from tools.context import ToolContext
from tools.order_tools import WRITE_TOOLS, tools_for

pytestmark = pytest.mark.usefixtures("loopback_only")

ORDERS = ("112-0000003", "112-0000001", "112-0000002")  # Ana's, deliberately not sorted


@pytest.fixture
def graph_shop(clock: FixedClock) -> Store:
    return make_shop(clock)


def test_the_agent_is_create_agent_compiled_once_with_the_tool_context(
    graph_shop: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[dict[str, Any]] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        built.append({"args": args, **kwargs})
        return create_agent(*args, **kwargs)

    monkeypatch.setattr(agent_module, "create_agent", spy)
    model = ScriptedChatModel(script=[calls(tool_call("lookup_order", order_id=ORDERS[1])),
                                      AIMessage("Here it is."), AIMessage("Hi.")])
    agent = Agent(model, "customer")
    conv = Conversation(agent, graph_shop, ANA)
    assert conv.send("show 112-0000001").text == "Here it is."
    assert conv.send("hi").text == "Hi."
    assert len(built) == 1  # compiled in Agent.__init__, never per turn
    (call,) = built
    assert call["args"][0] is model
    assert [t.name for t in call["args"][1]] == [t.name for t in tools_for("customer")]
    assert call["context_schema"] is ToolContext
    assert call["system_prompt"] is agent.system_message
    assert [type(m) for m in call["middleware"]] == [CheckToolCalls, TurnBudget, RunTools]
    assert call.get("checkpointer") is None  # the memory is the conversation's


def test_the_graph_is_create_agents_model_and_tool_nodes_and_nothing_else() -> None:
    agent = Agent(ScriptedChatModel(script=[]), "staff")
    assert isinstance(agent.graph, CompiledStateGraph)
    assert agent.graph.config is not None
    assert agent.graph.config["metadata"]["ls_integration"] == "langchain_create_agent"
    # The middleware are wrap_* hooks only: no node of their own in every model step.
    assert set(agent.graph.nodes) == {"__start__", "model", "tools"}
    assert agent.graph.checkpointer is None
    assert agent.graph.context_schema is ToolContext
    tool_node = agent.graph.nodes["tools"].bound
    assert isinstance(tool_node, ToolNode)
    assert set(tool_node.tools_by_name) == {t.name for t in tools_for("staff")}
    writes = {name for name, tool in tool_node.tools_by_name.items() if tool.return_direct}
    assert writes == WRITE_TOOLS  # create_agent ends the run after a write


def test_the_tools_get_the_sessions_actor_through_the_tool_runtime(
    graph_shop: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Any] = []
    real = services.lookup_order

    def lookup(uow: Any, actor: Any, order_id: str) -> Any:
        seen.append(actor)
        return real(uow, actor, order_id)

    monkeypatch.setattr(services, "lookup_order", lookup)
    model = ScriptedChatModel(script=[calls(tool_call("lookup_order", order_id=ORDERS[1],
                                                      actor="staff:sam@shop.example")),
                                      AIMessage("ok")])
    reply = Conversation(Agent(model, "customer"), graph_shop, ANA).send("show it")
    assert reply.error is None and seen == [ANA]


@pytest.mark.parametrize("streaming", [False, True], ids=["updates", "updates+messages"])
def test_the_calls_of_one_answer_run_one_at_a_time_in_the_models_order(
    graph_shop: Store, monkeypatch: pytest.MonkeyPatch, streaming: bool,
) -> None:
    spans: list[tuple[str, float, float, str]] = []
    real = services.lookup_order

    def slow_lookup(uow: Any, actor: Any, order_id: str) -> Any:
        started = time.monotonic()
        time.sleep(0.03)  # long enough for a parallel call to overlap
        try:
            return real(uow, actor, order_id)
        finally:
            spans.append((order_id, started, time.monotonic(), threading.current_thread().name))

    monkeypatch.setattr(services, "lookup_order", slow_lookup)
    step = calls(*(tool_call("lookup_order", f"c{i}", order_id=o) for i, o in enumerate(ORDERS)))
    model = ScriptedChatModel(script=[step, AIMessage("Three orders.")])
    conv = Conversation(Agent(model, "customer"), graph_shop, ANA)
    reply = conv.send("show all three", on_token=(lambda _: None) if streaming else None)
    assert reply.text == "Three orders." and reply.error is None
    assert [s[0] for s in spans] == list(ORDERS)
    assert all(earlier[2] <= later[1] for earlier, later in itertools.pairwise(spans))
    assert reply.tool_names == ["lookup_order"] * 3
    assert [e.args["order_id"] for e in reply.tool_events] == list(ORDERS)
    results = [m for m in model.received[1] if isinstance(m, ToolMessage)]
    assert [m.tool_call_id for m in results] == ["c0", "c1", "c2"]


def test_a_staff_member_verifies_and_looks_up_in_one_answer_in_that_order(
    graph_shop: Store,
) -> None:
    step = calls(tool_call("verify_caller", order_id="112-0000001", email="ana@example.com"),
                 tool_call("lookup_order", order_id="112-0000001"))
    model = ScriptedChatModel(script=[step, AIMessage("Verified; her order is shown.")])
    reply = Conversation(Agent(model, "staff"), graph_shop, SAM).send("Ana calling")
    assert reply.tool_names == ["verify_caller", "lookup_order"]
    assert all(e.result.get("ok") for e in reply.tool_events), reply.tool_events
    assert reply.orders  # the lookup ran for the caller verified just before


def test_staff_are_never_shown_a_callers_other_orders_without_their_numbers(
    graph_shop: Store,
) -> None:
    step = calls(tool_call("verify_caller", order_id="112-0000001", email="ana@example.com"),
                 tool_call("lookup_order"))
    model = ScriptedChatModel(script=[step, AIMessage("Here they are.")])
    reply = Conversation(Agent(model, "staff"), graph_shop, SAM).send("Ana calling")
    listing = reply.tool_events[-1].result
    assert listing["ok"] is False and "order number" in listing["message"]
    assert "orders" not in listing


def test_a_crashed_call_stops_its_step_and_the_calls_after_it_do_not_run(
    graph_shop: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def crash(uow: Any, actor: Any, order_id: str) -> Any:
        ran.append(order_id)
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "lookup_order", crash)
    step = calls(*(tool_call("lookup_order", f"c{i}", order_id=o) for i, o in enumerate(ORDERS)))
    model = ScriptedChatModel(script=[step, AIMessage("never")])
    reply = Conversation(Agent(model, "customer"), graph_shop, ANA).send("show all three")
    assert reply.error == "tool_failed" and reply.text == agent_module.TOOL_FAILURE
    assert ran == [ORDERS[0]] and model.call_count == 1


@pytest.mark.parametrize("streaming", [False, True], ids=["updates", "updates+messages"])
def test_a_store_outage_ends_the_run_before_the_model_sees_it(
    graph_shop: Store, monkeypatch: pytest.MonkeyPatch, streaming: bool,
) -> None:
    def down(*args: Any, **kwargs: Any) -> None:
        raise StoreUnavailable()

    monkeypatch.setattr(services, "lookup_order", down)
    model = ScriptedChatModel(script=[calls(tool_call("lookup_order", order_id=ORDERS[1])),
                                      AIMessage("Your order is fine!")])
    reply = Conversation(Agent(model, "customer"), graph_shop, ANA).send(
        "show it", on_token=(lambda _: None) if streaming else None)
    assert reply.error == StoreUnavailable.code and reply.text == agent_module.STORE_FAILURE
    assert model.call_count == 1 and reply.tool_names == ["lookup_order"]


def test_a_stop_in_a_later_step_keeps_what_the_earlier_steps_did(graph_shop: Store) -> None:
    model = ScriptedChatModel(script=[calls(tool_call("lookup_order", order_id=ORDERS[1])),
                                      calls(tool_call("lookup_order", order_id=ORDERS[0]))])
    conv = Conversation(Agent(model, "customer", Limits(tool_calls=1)), graph_shop, ANA)
    reply = conv.send("show two orders")
    assert reply.error == "tool_call_limit" and reply.model_calls == 2
    assert [e.args["order_id"] for e in reply.tool_events] == [ORDERS[1]]


def test_a_model_that_cannot_stream_still_reaches_a_token_sink(graph_shop: Store) -> None:
    model = UnstreamedChatModel(script=[calls(tool_call("lookup_order", order_id=ORDERS[1])),
                                        AIMessage("Headphones and a cable.")])
    tokens: list[str] = []
    reply = Conversation(Agent(model, "customer"), graph_shop, ANA).send(
        "show it", on_token=tokens.append)
    assert reply.error is None and reply.text == "Headphones and a cable."
    assert tokens == ["Headphones and a cable."] and reply.streamed


def test_the_graph_runs_only_with_a_turn_budget() -> None:
    agent = Agent(ScriptedChatModel(script=[AIMessage("hi")]), "customer")
    with pytest.raises(TypeError, match=r"Agent\.run_turn"):
        agent.graph.invoke({"messages": [HumanMessage("hi")]})
