"""The agent: LangChain's `create_agent` calls the tools, and the confirmation happens without it.

The model only ever *proposes*: a write tool returns a proposal and ends the turn, and the
proposal is shown in fixed wording (`render`). Confirming is not a tool: it happens in
`Conversation`, when the user clicks Confirm or types a plain "yes" right after the
proposal, and it calls the core directly with the session's actor (P7).

The loop is `langchain.agents.create_agent`: a LangGraph graph of a `model` node (the chat
model, `bind_tools`-ed to the role's tools) and a `tools` node (LangGraph's `ToolNode`),
compiled once per model and role in `Agent.__init__` and shared by every conversation. The
session's `ToolContext` is the run's context (`context_schema=ToolContext`): the tools read
the actor from `ToolRuntime.context`. The graph keeps no memory (no checkpointer):
`Conversation` holds the memory, trims and repairs it, and sends it with each turn.

The guarantees are middleware (`assistant.agent.middleware`); a turn's budget, record and
early stops are `assistant.agent.turn`. With a small model (JSON tool mode) the agent follows
the protocol of `assistant.agent.protocol`: an order the user's message names is looked up
in code before the first model call, and a promise in words gets a corrective round.

`Agent.run_turn` streams the graph: "updates" give each node's messages as it finishes (the
turn's record, kept even when a later step stops the turn with `TurnStopped`), "messages"
the model's tokens for `on_token`, asked for only when there is a sink, because LangGraph
then runs every node on a worker thread. Without it the model step runs on the caller's
thread; the `ToolNode` still starts a thread for each tool step, the largest part of the
agent's own time per turn (`python -m benchmarks.agent_bench`).

What the agent guarantees, whatever the model sends:
- the actor comes from the session (`ToolContext`), never from the model or a message (P1);
- at most `Limits.model_calls` model calls and `Limits.tool_calls` tool calls per turn, and
  a deadline per turn; a turn that hits one stops with a clear message;
- tool calls are checked before anything runs: an unknown tool, arguments that are not
  JSON or don't fit the schema get one corrective round, then a clear message;
- a write tool runs alone and ends the turn, so exactly one proposal can be on screen;
- a store outage stops the turn before the model sees its result (P12);
- the memory sent to the model is bounded (`Limits.history_*`) and every tool call in it
  has its result (OpenAI rejects a history that breaks this).
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence
from contextlib import closing
from typing import Any, cast

from langchain.agents import create_agent
from langchain.agents.middleware import InputAgentState
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.types import StreamMode

from assistant.agent.budget import TurnBudget
from assistant.agent.memory import text_of
from assistant.agent.middleware import CheckToolCalls, RunTools
from assistant.agent.protocol import (
    asks_only_whether_cancelled,
    caller_details,
    named_orders,
    names_items,
)
from assistant.agent.turn import (
    MODEL_BUSY,
    MODEL_CONFUSED,
    MODEL_FAILURE,
    MODEL_TIMEOUT,
    STORE_FAILURE,
    TOOL_FAILURE,
    TURN_LIMIT,
    Role,
    TokenSink,
    TurnStopped,
    _Budget,
    _Turn,
)
from assistant.config import Limits, turn_deadline
from assistant.models.json_tools import JsonToolModel
from assistant.render import check_summary
from prompts import load_prompt
from store.telemetry import hash_actor
from tools.context import ToolContext
from tools.order_tools import call, tools_for
from tools.results import dump

__all__ = ["MODEL_BUSY", "MODEL_CONFUSED", "MODEL_FAILURE", "MODEL_TIMEOUT", "STORE_FAILURE",
           "TOOL_FAILURE", "TURN_LIMIT", "Agent", "CheckToolCalls", "Limits", "Role",
           "RunTools", "TokenSink", "TurnBudget", "TurnStopped", "_Turn"]


class Agent:
    """The model, the role's tools and prompt, compiled into one `create_agent` graph; shared
    by all conversations of that role (each turn's state is its own)."""

    def __init__(self, model: BaseChatModel, role: Role, limits: Limits | None = None,
                 small_model: bool | None = None) -> None:
        self.role = role
        # The small-model protocol (JSON tool mode, `assistant.agent.protocol`): an order
        # the user names is looked up in code before the first model call, a step a small
        # model often gets wrong, and a promise in words gets a corrective round.
        self.small_model = isinstance(model, JsonToolModel) if small_model is None \
            else small_model
        self.model = model
        self.limits = limits or Limits()
        self.tools: tuple[BaseTool, ...] = tools_for(role)
        self.tools_by_name = {t.name: t for t in self.tools}
        # One message object for every request: the byte-identical prefix prompt caches need.
        self.system_message = SystemMessage(load_prompt(role))
        timeout, retries = _client_limits(model)
        self.middleware = (CheckToolCalls(self.tools, self.limits,
                                          nudge_promises=self.small_model,
                                          small_model=self.small_model),
                           TurnBudget(self.limits, timeout, _model_name(model), retries),
                           RunTools(self.tools))
        self.graph = create_agent(model, list(self.tools), system_prompt=self.system_message,
                                  middleware=self.middleware, context_schema=ToolContext)

    def run_turn(
        self, messages: Sequence[BaseMessage], context: ToolContext,
        on_token: TokenSink | None = None,
    ) -> _Turn:
        """Answer the last message of `messages` (memory + the user's new message)."""
        turn = _Turn(_Budget(deadline=turn_deadline(self.limits.turn_timeout_s)))
        try:
            called = self._calls_by_code(messages, context, turn)
        except TurnStopped as stop:
            stop.turn = turn
            raise
        if (answer := _nothing_found(turn, called) or _checked(turn, messages)) is not None:
            # Every order the message names is not found (or not an order number): there
            # is nothing for a model to do but say so, which small models got wrong ("I
            # don't need it"), so code says it, in the words the dialogue manager uses.
            turn.record({"calls_by_code": {"messages": [AIMessage(answer)]}})
            return turn
        modes: list[StreamMode] = ["updates", "messages"] if on_token else ["updates"]
        inputs = cast(InputAgentState, {"messages": [*messages, *called],
                                        "budget": turn.budget})
        # Tracers of LangChain's own (LangSmith, when LANGSMITH_TRACING is on) group a run
        # by `thread_id` and see who asked only as a digest.
        config: RunnableConfig = {"run_name": f"rescind {self.role} turn", "metadata": {
            "thread_id": context.thread_id, "actor": hash_actor(context.actor)}}
        chunks = cast(Generator[tuple[str, Any], None, None],  # (mode, data) pairs
                      self.graph.stream(inputs, config=config, context=context,
                                        stream_mode=modes))
        try:
            with closing(chunks):  # leaving early (a stop) ends the run: no further step
                for mode, data in chunks:
                    if mode == "updates":
                        turn.record(data)
                    elif on_token is not None:
                        turn.stream(data, on_token)
        except TurnStopped as stop:
            stop.turn = turn
            raise
        return turn

    def _calls_by_code(self, messages: Sequence[BaseMessage], context: ToolContext,
                       turn: _Turn) -> list[BaseMessage]:
        """For each order the user's new message names, the call a small model should make
        first, made by code as if the model had: `lookup_order`, or `check_cancelled` for a
        P14 question, or staff's `verify_caller` when the caller's details are given. The
        same tools, the session's actor, in the turn's record and memory."""
        last = messages[-1] if messages else None
        if not self.small_model or not isinstance(last, HumanMessage):
            return []
        text = text_of(last.content)
        orders: list[str | None] = list(named_orders(text))
        # "Did it go through?" (P14) is answered from the cancellations themselves: the
        # 1.5B model looked the order up instead and never checked.
        tool = "check_cancelled" if self.role == "customer" and asks_only_whether_cancelled(
            text) else "lookup_order"
        # Staff (P2): an order number with the caller's e-mail or postcode is a verification;
        # the 1.5B model looked the order up and acted without verifying. The core decides
        # whether the details match, as it does for the model's own call.
        details = caller_details(text) if self.role == "staff" and orders else {}
        if details:
            tool = "verify_caller"
        added: list[BaseMessage] = []
        for order_id in orders or ([None] if tool == "check_cancelled" else []):
            if turn.budget.tool_calls >= self.limits.tool_calls:
                break
            turn.budget.tool_calls += 1
            call_id = f"call_{uuid.uuid4().hex[:16]}"
            args = ({"order_id": order_id, **details} if details else
                    {"order_id": order_id} if order_id else {})
            ai = AIMessage("", tool_calls=[ToolCall(name=tool, id=call_id, args=args)])
            result = ToolMessage(dump(call(context, tool, args)), tool_call_id=call_id,
                                 name=tool)
            turn.record({"calls_by_code": {"messages": [ai, result]}})
            added += [ai, result]
        return added


def _nothing_found(turn: _Turn, called: list[BaseMessage]) -> str | None:
    """The answer when every look-up by code failed as not found or not an order number."""
    results = [e.result for e in turn.events if e.name in ("lookup_order", "check_cancelled")]
    if not called or not results or \
            any(r.get("code") not in ("not_found", "malformed_id") for r in results):
        return None
    lines = dict.fromkeys(str(r.get("message") or "That order was not found.") for r in results)
    text = " ".join(lines)
    return text if "not found" in text.lower() else f"Not found: {text}"


def _checked(turn: _Turn, messages: Sequence[BaseMessage]) -> str | None:
    """P14's answer, when code checked and the message names no item: what the store shows,
    in fixed words (the 1.5B model said "the item was cancelled" without naming it). A
    message that names items ("did the scarf go through?") is left to the model, which sees
    the check and must say what is missing."""
    results = [e.result for e in turn.events if e.name == "check_cancelled"]
    if not results or not all(r.get("ok") for r in results) or \
            names_items(text_of(messages[-1].content)):
        return None
    entries = [o for r in results for o in r.get("orders", []) if isinstance(o, dict)]
    return check_summary(entries, {}, staff=False)


def _model_name(model: BaseChatModel) -> str:
    """For span names: the model a request goes to (a wrapper's inner model's)."""
    inner = getattr(model, "inner", None)
    if isinstance(inner, BaseChatModel):
        return _model_name(inner)
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return name if isinstance(name, str) else model._llm_type


def _client_limits(model: BaseChatModel) -> tuple[float | None, int]:
    """The OpenAI client's per-request timeout (for JSON tool mode, its inner client's),
    which `TurnBudget` shortens to the turn's deadline, and the retries `TurnBudget` makes
    within it (`turn_retries`: `make_model`'s client retries nothing itself). Other models
    take no timeout option (they get the deadline between calls) and retry nothing here."""
    client = model.inner if isinstance(model, JsonToolModel) else model
    openai_client = any(c.__module__.startswith("langchain_openai")
                        for c in type(client).__mro__)
    configured = getattr(client, "request_timeout", None)
    if openai_client and isinstance(configured, int | float):
        retries = getattr(client, "turn_retries", 0)
        return float(configured), retries if isinstance(retries, int) else 0
    return None, 0


