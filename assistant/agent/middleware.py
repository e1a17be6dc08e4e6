"""The agent loop's guarantees are middleware, all `wrap_*` hooks, so the graph has no node
beyond `model` and `tools` (each node is a step of LangGraph's loop, which costs more than
the hooks):
- `CheckToolCalls` (wrap_model_call, outermost): checks each answer's tool calls before
  anything runs and gives one corrective round per turn (a second request inside the same
  model step, so the repair never enters the state or the memory); keeps one write call
  alone; enforces `Limits.tool_calls`.
- `TurnBudget` (wrap_model_call, around each request, repairs included; in
  `assistant.agent.budget`): enforces `Limits.model_calls` and the turn's deadline, shortens
  the OpenAI client's request timeout to the time left, retries a failed request within it,
  measures the model's time, turns a failed request into a clear stop.
- `RunTools` (wrap_tool_call): runs a step's calls one at a time in the model's order
  (`create_agent` sends each call to its own task, and LangGraph runs tasks in parallel),
  calls our `@tool` functions with the `ToolNode`'s own `ToolRuntime`, and stops the turn
  when a tool crashes.
The stock `ModelCallLimitMiddleware` and `ToolCallLimitMiddleware` are not used: they count
model *steps*, while a corrective round is a second request within one step, and each adds
before/after-model nodes to every model call. A turn's counts (`_Budget`) live in the run's
state, so the shared middleware keep none, and `Agent.run_turn` can read them after a stop.
The write tools are `return_direct`, so `create_agent` ends the run after one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain.agents.middleware import (
    AgentMiddleware,
    ModelRequest,
    ModelResponse,
)
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.tools import BaseTool
from langgraph.types import Command
from pydantic import BaseModel

from assistant.agent.budget import ModelHandler
from assistant.agent.memory import text_of
from assistant.agent.protocol import (
    PROMISE_NUDGE,
    correction,
    kept_items,
    kept_note,
    leaks_protocol,
    may_want_a_change,
    normalised,
    orders_seen,
    problems_with,
    promises_action,
    unasked_items,
    unasked_note,
)
from assistant.agent.turn import (
    MODEL_CONFUSED,
    TOOL_FAILURE,
    TURN_LIMIT,
    TurnStopped,
    _Budget,
    _budget_of,
    _TurnState,
)
from assistant.config import Limits
from assistant.models.json_tools import JsonToolModel
from tools.context import ToolContext
from tools.order_tools import WRITE_TOOLS

log = logging.getLogger(__name__)
ToolHandler = Callable[[ToolCallRequest], ToolMessage | Command[Any]]
_MAX_REPAIRS = 1  # corrective rounds per turn for malformed tool calls
_NOT_RUN = "Not run, because an earlier call of this step failed."


# --- the middleware ----------------------------------------------------------------------------
def _tool_name(tool: Any) -> str:
    return str(tool.name if isinstance(tool, BaseTool) else tool.get("name", ""))


@dataclass(frozen=True)
class _Asked:
    """What the user's message asks for, as the rules parser reads it (small models): a
    write call that holds an item the user said to keep, or items they didn't ask for when
    they named particular ones, goes back to the model (the 1.5B model proposed exactly the
    excluded item for "everything but the USB hub", and often every item of the order for
    "cancel the headphones")."""

    text: str
    kept: dict[str, str]
    orders: dict[str, dict[str, str]]
    earlier: set[str]

    def problem(self, call: ToolCall) -> str | None:
        ids = [str(i) for i in call["args"].get("item_ids") or ()]
        order = self.orders.get(str(call["args"].get("order_id")), {})
        called = list(order) if "all" in ids else ids
        if held := {i: self.kept[i] for i in called if i in self.kept}:
            return kept_note(call["name"], held)
        if extra := unasked_items(self.text, called, order, self.earlier):
            return unasked_note(call["name"], extra)
        return None


class CheckToolCalls(AgentMiddleware[_TurnState, ToolContext]):
    """Every model answer, before any of its tool calls runs.

    Unknown tools, arguments that are not a JSON object or break the tool's schema go back
    to the model once per turn with what is wrong, inside this model step: the faulty round
    never reaches the state, so it is neither run nor remembered. A write call runs alone
    (each proposal replaces the last, so only one can be live), and the turn's tool calls
    stay within `Limits.tool_calls`, checked before any of them runs.
    """

    state_schema = _TurnState

    def __init__(self, tools: Sequence[BaseTool], limits: Limits,
                 nudge_promises: bool = False, small_model: bool = False) -> None:
        super().__init__()
        self.tools_by_name = {t.name: t for t in tools}
        self.limits = limits
        # Small models: a reply that promises an action ("I'll cancel the oven mitts")
        # instead of calling the tool gets the turn's corrective round too. Not for models
        # that stream their words: the user would already have read the promise.
        self.nudge_promises = nudge_promises
        # Small models also proposed cancellations nobody asked for (an order shown on
        # request, an instruction hidden in an item's title, a parcel asked about while
        # another proposal waited): when the user's message reads as only asking, the
        # write tools are not offered this turn.
        self.small_model = small_model

    def wrap_model_call(
        self, request: ModelRequest[ToolContext], handler: ModelHandler,
    ) -> ModelResponse[Any]:
        budget = _budget_of(request.state)
        said = [text_of(m.content) for m in request.messages if isinstance(m, HumanMessage)]
        if self.small_model and said and not may_want_a_change(said[-1]):
            callable_now = [_tool_name(t) for t in request.tools
                            if _tool_name(t) not in WRITE_TOOLS]
            if isinstance(request.model, JsonToolModel):  # the grammar only: the prompt
                # keeps every signature, so its cached prefix stays the same bytes
                request = request.override(model_settings={**request.model_settings,
                                                           "callable_tools": callable_now})
            else:
                request = request.override(tools=[t for t in request.tools
                                                  if _tool_name(t) in callable_now])
        asked = self._asked(request.messages, said)
        ai = self._normalised(_answer_of(handler(request)))
        corrected = False
        while (problems := self._problems(ai, asked)) or self._promises(ai):
            budget.repairs += 1
            if budget.repairs > _MAX_REPAIRS:
                if not problems:
                    break  # a promise, again: the reply guard reviews it like any reply
                raise TurnStopped("bad_tool_call", MODEL_CONFUSED)
            log.info("model sent unusable tool calls or a promise: %s", problems)
            notes = _corrections(ai, problems) if problems else [HumanMessage(PROMISE_NUDGE)]
            request = request.override(messages=[*request.messages, ai, *notes])
            ai = self._normalised(_answer_of(handler(request)))
            corrected = True
        if corrected and not ai.tool_calls and leaks_protocol(text_of(ai.content),
                                                               list(self.tools_by_name)):
            # A small model tends to read the correction out to the user instead of acting
            # on it; those words were never meant for the user.
            raise TurnStopped("bad_tool_call", MODEL_CONFUSED)
        ai = _one_write_at_most(ai)
        self._admit(budget, ai.tool_calls)
        return ModelResponse(result=[ai])

    def _promises(self, ai: AIMessage) -> bool:
        return self.nudge_promises and not ai.tool_calls and promises_action(
            text_of(ai.content))

    def _normalised(self, ai: AIMessage) -> AIMessage:
        """Reason labels as enum values, no stray fields (`protocol.normalised`); the message
        keeps its id (the "messages" stream already showed its words under it)."""
        calls = [ToolCall(name=c["name"], id=c["id"], type="tool_call",
                          args=normalised(c["args"], self.tools_by_name.get(c["name"])))
                 for c in ai.tool_calls]
        if all(new["args"] is old["args"] for new, old in zip(calls, ai.tool_calls,
                                                               strict=True)):
            return ai
        return ai.model_copy(update={"tool_calls": calls})

    def _asked(self, messages: Sequence[BaseMessage], said: list[str]) -> _Asked | None:
        """Small models: what the user's message asks for, to hold write calls to it."""
        if not self.small_model or not said:
            return None
        orders = orders_seen(messages)
        titles = {i: t for items in orders.values() for i, t in items.items()}
        earlier = {str(i) for m in messages if isinstance(m, AIMessage)
                   for c in m.tool_calls if c["name"] in WRITE_TOOLS
                   for i in c["args"].get("item_ids") or ()}
        return _Asked(said[-1], {i: titles[i] for i in kept_items(said[-1], titles)},
                      orders, earlier)

    def _problems(self, ai: AIMessage, asked: _Asked | None = None) -> dict[str, str]:
        """Tool call id -> what the model must send instead; empty when everything may run."""
        problems = {c["id"] or "": correction(self.tools_by_name.get(c["name"] or ""),
                                              c["name"] or "?", [], self.tools_by_name)
                    for c in ai.invalid_tool_calls}
        for call in ai.tool_calls:
            tool = self.tools_by_name.get(call["name"])
            fixes = problems_with(tool, call["args"]) if tool is not None else []
            if tool is None or fixes:
                problems[call["id"] or ""] = correction(tool, call["name"], fixes,
                                                        self.tools_by_name)
            elif asked is not None and call["name"] in WRITE_TOOLS and \
                    (note := asked.problem(call)) is not None:
                problems[call["id"] or ""] = note
        return problems

    def _admit(self, budget: _Budget, calls: list[ToolCall]) -> None:
        if budget.tool_calls + len(calls) > self.limits.tool_calls:
            raise TurnStopped("tool_call_limit", TURN_LIMIT)
        budget.tool_calls += len(calls)
        budget.order.expect(calls)


class RunTools(AgentMiddleware[_TurnState, ToolContext]):
    """Each tool call, inside LangGraph's `ToolNode`: in order, and a crash stops the turn.

    Our `@tool` functions are called directly with the `ToolRuntime` the `ToolNode` built
    (its `context` is the session's `ToolContext`), on arguments `CheckToolCalls` already
    validated: `BaseTool.invoke` re-derives the function's type hints on every call, about
    half a millisecond, more than the rest of the step. Any other tool goes through the
    `ToolNode` as usual.
    """

    state_schema = _TurnState

    def __init__(self, tools: Sequence[BaseTool]) -> None:
        super().__init__()
        self.direct = {t.name: d for t in tools if (d := _direct_call(t)) is not None}

    def wrap_tool_call(self, request: ToolCallRequest, handler: ToolHandler,
                       ) -> ToolMessage | Command[Any]:
        budget = _budget_of(request.state)
        call = request.tool_call
        with budget.order.turn_of(call["id"] or "", budget.time_left()):
            if budget.tool_failed:  # the turn is stopping; nothing more runs
                return ToolMessage(_NOT_RUN, tool_call_id=call["id"], name=call["name"],
                                   status="error")
            try:
                return self._run(request, handler)
            except Exception as e:  # the tools translate domain errors; anything else is ours
                budget.tool_failed = True
                log.exception("tool %s failed", call["name"])
                raise TurnStopped("tool_failed", TOOL_FAILURE) from e

    def _run(self, request: ToolCallRequest, handler: ToolHandler) -> ToolMessage | Command[Any]:
        call = request.tool_call
        direct = self.direct.get(call["name"])
        if direct is None:
            return handler(request)
        schema, func = direct
        parsed = schema.model_validate(call["args"])
        content = func(runtime=request.runtime,
                       **{k: getattr(parsed, k) for k in schema.model_fields})
        return ToolMessage(str(content), tool_call_id=call["id"], name=call["name"])


def _direct_call(tool: BaseTool) -> tuple[type[BaseModel], Callable[..., Any]] | None:
    """The schema and function of a `@tool` function that takes the `runtime`, else None."""
    schema, func = tool.tool_call_schema, getattr(tool, "func", None)
    args_schema = getattr(tool, "args_schema", None)
    takes_runtime = "runtime" in getattr(args_schema, "model_fields", {})
    if callable(func) and takes_runtime and isinstance(schema, type) \
            and issubclass(schema, BaseModel):
        return schema, func
    return None


# --- small helpers ----------------------------------------------------------------------------
def _answer_of(response: ModelResponse[Any]) -> AIMessage:
    """The model's message in a response `TurnBudget` passed on (it checked the type)."""
    answer = response.result[-1] if response.result else None
    if not isinstance(answer, AIMessage):  # only if the middleware order changed
        raise TurnStopped("model_garbage", MODEL_CONFUSED)
    return answer


def _corrections(ai: AIMessage, problems: dict[str, str]) -> list[ToolMessage]:
    """A result for every call of a faulty answer: what was wrong, or that it did not run."""
    results = []
    for call in [*ai.tool_calls, *ai.invalid_tool_calls]:
        call_id = call["id"] or ""
        note = problems.get(call_id, "Not run, because another call in this step was "
                                     "invalid. Call it again with the corrected ones.")
        results.append(ToolMessage(note, tool_call_id=call_id, name=call["name"] or "?",
                                   status="error"))
    return results


def _one_write_at_most(ai: AIMessage) -> AIMessage:
    """A write call runs alone: each proposal replaces the last, so only one can be live.

    The message keeps its id: the "messages" stream already showed its words under it."""
    writes = [c for c in ai.tool_calls if c["name"] in WRITE_TOOLS]
    if not writes or len(ai.tool_calls) == 1:
        return ai
    return ai.model_copy(update={"content": text_of(ai.content), "tool_calls": writes[:1]})
