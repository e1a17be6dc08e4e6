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

The guarantees are middleware, all `wrap_*` hooks, so the graph has no node beyond `model`
and `tools` (each node is a step of LangGraph's loop, which costs more than the hooks):
- `CheckToolCalls` (wrap_model_call, outermost): checks each answer's tool calls before
  anything runs and gives one corrective round per turn (a second request inside the same
  model step, so the repair never enters the state or the memory); keeps one write call
  alone; enforces `Limits.tool_calls`.
- `TurnBudget` (wrap_model_call, around each request, repairs included): enforces
  `Limits.model_calls` and the turn's deadline, shortens the OpenAI client's request timeout
  to the time left, measures the model's time, turns a failed request into a clear stop.
- `RunTools` (wrap_tool_call): runs a step's calls one at a time in the model's order
  (`create_agent` sends each call to its own task, and LangGraph runs tasks in parallel),
  calls our `@tool` functions with the `ToolNode`'s own `ToolRuntime`, and stops the turn
  when a tool crashes.
The stock `ModelCallLimitMiddleware` and `ToolCallLimitMiddleware` are not used: they count
model *steps*, while a corrective round is a second request within one step, and each adds
before/after-model nodes to every model call. A turn's counts (`_Budget`) live in the run's
state, so the shared middleware keep none, and `Agent.run_turn` can read them after a stop.
The write tools are `return_direct`, so `create_agent` ends the run after one of them.

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

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired, cast

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentMiddleware,
    AgentState,
    InputAgentState,
    ModelRequest,
    ModelResponse,
)
from langchain.agents.middleware.types import OmitFromOutput, ToolCallRequest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.types import Command, StreamMode
from pydantic import BaseModel, ValidationError

from assistant.agent.memory import raw_text, text_of
from assistant.config import Limits, turn_deadline
from assistant.reply import ToolEvent
from prompts import load_prompt
from store.domain.errors import StoreUnavailable
from store.telemetry import hash_actor, span
from tools.context import ToolContext
from tools.order_tools import WRITE_TOOLS, tools_for

__all__ = ["Agent", "Limits", "Role", "TurnStopped"]

log = logging.getLogger(__name__)
Role = Literal["customer", "staff"]
TokenSink = Callable[[str], None]
ModelHandler = Callable[[ModelRequest[ToolContext]], ModelResponse[Any]]
ToolHandler = Callable[[ToolCallRequest], ToolMessage | Command[Any]]

_NOTHING_CHANGED = "Nothing was changed."
MODEL_FAILURE = (f"Sorry — I couldn't get an answer from the assistant model just now. "
                 f"{_NOTHING_CHANGED} Please try again in a moment.")
MODEL_TIMEOUT = (f"Sorry — the assistant model took too long to answer. {_NOTHING_CHANGED} "
                 "Please try again.")
MODEL_BUSY = (f"Sorry — the assistant model is busy right now. {_NOTHING_CHANGED} "
              "Please try again in a minute.")
MODEL_CONFUSED = (f"Sorry — I couldn't work out what to do with that. {_NOTHING_CHANGED} "
                  "Could you say it another way, with the order number?")
TURN_LIMIT = (f"Sorry — that needed more steps than I may take for one message. "
              f"{_NOTHING_CHANGED} Could you tell me the order number and what you'd like "
              "to do with it?")
TOOL_FAILURE = (f"Sorry — something went wrong on our side. {_NOTHING_CHANGED} "
                "Please try again in a moment.")
STORE_FAILURE = StoreUnavailable().message
_MAX_REPAIRS = 1  # corrective rounds per turn for malformed tool calls
_NOT_RUN = "Not run, because an earlier call of this step failed."


class TurnStopped(Exception):
    """A turn that ends early; `message` is what the user sees, `code` what logs and UIs see.

    Raised inside the graph by the middleware (without `turn`); `Agent.run_turn` adds the
    turn as it had streamed so far."""

    def __init__(self, code: str, message: str, turn: _Turn | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.turn = turn


# --- one turn's budget, shared with the middleware through the graph state --------------------
class _Turnstile:
    """Lets the tool calls of one model answer run one at a time, in the model's order.

    `create_agent` sends each call to the tool node as a task of its own, and LangGraph runs
    a step's tasks on parallel threads. Calls may depend on the one before (`verify_caller`,
    then `lookup_order` for the verified caller), and the in-memory SQLite store has a single
    connection."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: list[str] = []  # ids of the step's calls that have not run yet

    def expect(self, calls: Sequence[ToolCall]) -> None:
        with self._changed:
            self._waiting = [c["id"] or "" for c in calls]

    @contextmanager
    def turn_of(self, call_id: str, timeout_s: float) -> Iterator[None]:
        with self._changed:
            if not self._changed.wait_for(lambda: self._first_in_line(call_id),
                                          timeout=max(timeout_s, 0.0)):
                raise TurnStopped("tool_failed", TOOL_FAILURE)  # a call before it hangs
        try:
            yield
        finally:
            with self._changed:
                if call_id in self._waiting:
                    self._waiting.remove(call_id)
                self._changed.notify_all()

    def _first_in_line(self, call_id: str) -> bool:
        return not self._waiting or self._waiting[0] == call_id or call_id not in self._waiting


@dataclass
class _Budget:
    """One turn's counts against `Limits`, kept by the middleware.

    The middleware serve every turn of every conversation, so the counts travel with the
    run: an object in the graph state, mutated in place (there is no checkpointer, so
    nothing copies or serialises it), which `Agent.run_turn` reads even after a stop."""

    deadline: float  # time.monotonic()
    model_calls: int = 0  # requests to the model, corrective rounds included
    tool_calls: int = 0
    repairs: int = 0
    model_time_s: float = 0.0
    model_call_s: list[float] = field(default_factory=list)  # each request's latency
    tool_failed: bool = False
    order: _Turnstile = field(default_factory=_Turnstile)

    def time_left(self) -> float:
        return self.deadline - time.monotonic()


class _TurnState(AgentState[Any]):
    """`create_agent`'s state plus the turn's budget (an input, never part of the output)."""

    budget: NotRequired[Annotated[_Budget, OmitFromOutput]]


def _budget_of(state: Any) -> _Budget:
    budget = state.get("budget") if isinstance(state, dict) else None
    if not isinstance(budget, _Budget):  # a run started without one: `Agent.run_turn` adds it
        raise TypeError("the agent graph runs only through Agent.run_turn (no turn budget)")
    return budget


# --- the middleware ----------------------------------------------------------------------------
class CheckToolCalls(AgentMiddleware[_TurnState, ToolContext]):
    """Every model answer, before any of its tool calls runs.

    Unknown tools, arguments that are not a JSON object or break the tool's schema go back
    to the model once per turn with what is wrong, inside this model step: the faulty round
    never reaches the state, so it is neither run nor remembered. A write call runs alone
    (each proposal replaces the last, so only one can be live), and the turn's tool calls
    stay within `Limits.tool_calls`, checked before any of them runs.
    """

    state_schema = _TurnState

    def __init__(self, tools: Sequence[BaseTool], limits: Limits) -> None:
        super().__init__()
        self.tools_by_name = {t.name: t for t in tools}
        self.limits = limits

    def wrap_model_call(
        self, request: ModelRequest[ToolContext], handler: ModelHandler,
    ) -> ModelResponse[Any]:
        budget = _budget_of(request.state)
        ai = _answer_of(handler(request))
        while problems := self._problems(ai):
            budget.repairs += 1
            if budget.repairs > _MAX_REPAIRS:
                raise TurnStopped("bad_tool_call", MODEL_CONFUSED)
            log.info("model sent unusable tool calls: %s", problems)
            request = request.override(messages=[*request.messages, ai,
                                                 *_corrections(ai, problems)])
            ai = _answer_of(handler(request))
        ai = _one_write_at_most(ai)
        self._admit(budget, ai.tool_calls)
        return ModelResponse(result=[ai])

    def _problems(self, ai: AIMessage) -> dict[str, str]:
        """Tool call id -> what is wrong with it; empty when everything may run."""
        problems = {c["id"] or "": "The arguments are not a valid JSON object." for c in
                    ai.invalid_tool_calls}
        for call in ai.tool_calls:
            tool = self.tools_by_name.get(call["name"])
            if tool is None:
                problems[call["id"] or ""] = (f"There is no tool {call['name']!r}. "
                                              f"Tools: {', '.join(self.tools_by_name)}.")
            elif error := _schema_error(tool, call["args"]):
                problems[call["id"] or ""] = f"Invalid arguments: {error}"
        return problems

    def _admit(self, budget: _Budget, calls: list[ToolCall]) -> None:
        if budget.tool_calls + len(calls) > self.limits.tool_calls:
            raise TurnStopped("tool_call_limit", TURN_LIMIT)
        budget.tool_calls += len(calls)
        budget.order.expect(calls)


class TurnBudget(AgentMiddleware[_TurnState, ToolContext]):
    """Each request to the model: within the turn's budget, and never left to hang.

    `request_timeout` is the OpenAI client's own per-request timeout; each request gets the
    smaller of it and the time the turn has left. Other models take no timeout option: they
    are held to the deadline between requests.
    """

    state_schema = _TurnState

    def __init__(self, limits: Limits, request_timeout: float | None, model_name: str) -> None:
        super().__init__()
        self.limits = limits
        self.request_timeout = request_timeout
        self.model_name = model_name

    def wrap_model_call(
        self, request: ModelRequest[ToolContext], handler: ModelHandler,
    ) -> ModelResponse[Any]:
        budget = _budget_of(request.state)
        left = self._admit(budget)
        if self.request_timeout is not None:  # a request may not outlive the turn
            settings = {**request.model_settings, "timeout": min(self.request_timeout, left)}
            request = request.override(model_settings=settings)
        started = time.perf_counter()  # the request, with create_agent's bind_tools around it
        try:
            with span(f"chat {self.model_name}", {"gen_ai.operation.name": "chat",
                                                   "gen_ai.request.model": self.model_name}):
                response = handler(request)
        except Exception as e:
            raise _model_failure(e) from e
        finally:
            took = time.perf_counter() - started
            budget.model_time_s += took
            budget.model_call_s.append(took)
        answer = response.result[-1] if response.result else None
        if not isinstance(answer, AIMessage):
            raise TurnStopped("model_garbage", MODEL_CONFUSED)
        return ModelResponse(result=[_with_call_ids(answer)])

    def _admit(self, budget: _Budget) -> float:
        """Count one more request, or stop the turn; the time the turn has left."""
        if budget.model_calls >= self.limits.model_calls:
            raise TurnStopped("model_call_limit", TURN_LIMIT)
        left = budget.time_left()
        if left <= 0:
            raise TurnStopped("turn_timeout", MODEL_TIMEOUT)
        budget.model_calls += 1
        return left


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


# --- the agent -------------------------------------------------------------------------------
class Agent:
    """The model, the role's tools and prompt, compiled into one `create_agent` graph; shared
    by all conversations of that role (each turn's state is its own)."""

    def __init__(self, model: BaseChatModel, role: Role, limits: Limits | None = None) -> None:
        self.role = role
        self.model = model
        self.limits = limits or Limits()
        self.tools: tuple[BaseTool, ...] = tools_for(role)
        self.tools_by_name = {t.name: t for t in self.tools}
        # One message object for every request: the byte-identical prefix prompt caches need.
        self.system_message = SystemMessage(load_prompt(role))
        self.middleware = (CheckToolCalls(self.tools, self.limits),
                           TurnBudget(self.limits, _request_timeout(model), _model_name(model)),
                           RunTools(self.tools))
        self.graph = create_agent(model, list(self.tools), system_prompt=self.system_message,
                                  middleware=self.middleware, context_schema=ToolContext)

    def run_turn(
        self, messages: Sequence[BaseMessage], context: ToolContext,
        on_token: TokenSink | None = None,
    ) -> _Turn:
        """Answer the last message of `messages` (memory + the user's new message)."""
        turn = _Turn(_Budget(deadline=turn_deadline(self.limits.turn_timeout_s)))
        modes: list[StreamMode] = ["updates", "messages"] if on_token else ["updates"]
        inputs = cast(InputAgentState, {"messages": list(messages), "budget": turn.budget})
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


@dataclass
class _Turn:
    """One user message's trip through the graph, as `Agent.run_turn` saw it stream by."""

    budget: _Budget
    kept: list[BaseMessage] = field(default_factory=list)  # remembered (no repair rounds)
    events: list[ToolEvent] = field(default_factory=list)
    final: AIMessage | None = None
    wrote: bool = False
    streamed: str = ""  # what the last model call streamed
    streamed_any: bool = False
    _streaming: str | None = None  # id of the model message being streamed
    _calls: list[ToolCall] = field(default_factory=list)  # the latest calls without result
    _results: dict[str, ToolMessage] = field(default_factory=dict)  # theirs, as they came

    @property
    def model_calls(self) -> int:
        return self.budget.model_calls

    @property
    def model_time_s(self) -> float:
        return self.budget.model_time_s

    @property
    def model_call_s(self) -> list[float]:
        return list(self.budget.model_call_s)

    def record(self, update: dict[str, Any]) -> None:
        """A node's update: the model's answer, or a tool's result."""
        for values in update.values():
            messages = values.get("messages", ()) if isinstance(values, dict) else ()
            for message in messages:
                if isinstance(message, AIMessage):
                    self._answered(message)
                elif isinstance(message, ToolMessage):
                    self._results[message.tool_call_id] = message
                    self._take_results()

    def _answered(self, ai: AIMessage) -> None:
        self.kept.append(ai)
        self._calls, self._results = list(ai.tool_calls), {}
        if not ai.tool_calls:
            self.final = ai

    def _take_results(self) -> None:
        """Results in the order of the calls; a store outage stops the turn right there,
        before the model can guess (P12)."""
        while self._calls and (self._calls[0]["id"] or "") in self._results:
            call = self._calls.pop(0)
            message = self._results.pop(call["id"] or "")
            result = _parse(message.content)
            self.events.append(ToolEvent(call["name"], dict(call["args"]), result))
            self.kept.append(message)
            self.wrote = call["name"] in WRITE_TOOLS
            if result.get("code") == StoreUnavailable.code:
                raise TurnStopped(StoreUnavailable.code, STORE_FAILURE)

    def stream(self, data: tuple[BaseMessage, dict[str, Any]], on_token: TokenSink) -> None:
        """A piece of a model answer: its words go to the user as they come."""
        chunk, metadata = data
        if metadata.get("langgraph_node") != "model" or not isinstance(chunk, AIMessage):
            return  # tool results, and anything else a node emits
        if chunk.id != self._streaming:  # a new model call
            self._streaming, self.streamed = chunk.id, ""
        if text := raw_text(chunk.content):
            if self.streamed_any and not self.streamed:
                on_token("\n\n")  # keep a new model call's words apart from the last's
            self.streamed += text
            self.streamed_any = True
            on_token(text)


def _model_failure(e: Exception) -> TurnStopped:
    """The stop for a failed model request, told apart without importing clients."""
    if isinstance(e, TurnStopped):
        return e
    status = getattr(e, "status_code", None)
    name = type(e).__name__
    if isinstance(e, TimeoutError) or "Timeout" in name:
        code, message = "model_timeout", MODEL_TIMEOUT
    elif status == 429 or "RateLimit" in name:
        code, message = "model_busy", MODEL_BUSY
    elif isinstance(status, int) and 200 <= status < 300:
        code, message = "model_garbage", MODEL_FAILURE  # a success status, an unreadable body
    elif isinstance(status, int):
        code, message = f"model_http_{status}", MODEL_FAILURE
    elif "Connection" in name:
        code, message = "model_unreachable", MODEL_FAILURE
    else:
        code, message = "model_error", MODEL_FAILURE
    log.warning("model call failed (%s): %s", code, e)
    log.debug("model call failure", exc_info=True)
    return TurnStopped(code, message)


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
                                     "invalid. Send the corrected calls again.")
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


def _with_call_ids(ai: AIMessage) -> AIMessage:
    """Every call gets a unique id: some local servers send none, and results need one."""
    ids = [c["id"] for c in [*ai.tool_calls, *ai.invalid_tool_calls]]
    if all(ids) and len(set(ids)) == len(ids):
        return ai
    seen: set[str] = set()

    def unique(call_id: str | None) -> str:
        if not call_id or call_id in seen:
            call_id = f"call_{uuid.uuid4().hex[:16]}"
        seen.add(call_id)
        return call_id

    calls = [ToolCall(name=c["name"], args=c["args"], id=unique(c["id"]), type="tool_call")
             for c in ai.tool_calls]
    invalid = [{**c, "id": unique(c["id"])} for c in ai.invalid_tool_calls]
    return ai.model_copy(update={"tool_calls": calls, "invalid_tool_calls": invalid})


def _schema_error(tool: BaseTool, args: dict[str, Any]) -> str | None:
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return None
    try:
        schema.model_validate(args)
    except ValidationError as e:
        return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}"
                         for err in e.errors(include_url=False))
    return None


def _model_name(model: BaseChatModel) -> str:
    """For span names: the model a request goes to (a wrapper's inner model's)."""
    inner = getattr(model, "inner", None)
    if isinstance(inner, BaseChatModel):
        return _model_name(inner)
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return name if isinstance(name, str) else model._llm_type


def _request_timeout(model: BaseChatModel) -> float | None:
    """The OpenAI client's per-request timeout, which `TurnBudget` shortens to the turn's
    deadline. Other models take no timeout option (they get the deadline between calls)."""
    openai_client = any(c.__module__.startswith("langchain_openai") for c in type(model).__mro__)
    configured = getattr(model, "request_timeout", None)
    if openai_client and isinstance(configured, int | float):
        return float(configured)
    return None


def _parse(content: Any) -> dict[str, Any]:
    try:
        data = json.loads(content if isinstance(content, str) else json.dumps(content))
    except (TypeError, ValueError):
        return {"ok": False, "code": "tool_error", "message": TOOL_FAILURE}
    return data if isinstance(data, dict) else {"ok": False, "code": "tool_error",
                                                "message": TOOL_FAILURE}


