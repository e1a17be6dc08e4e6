"""One turn of the agent: its budget (shared with the middleware through the graph state),
what it streamed and recorded, and how it stops early (`TurnStopped`, with the fixed words the
user sees)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired

from langchain.agents.middleware import AgentState
from langchain.agents.middleware.types import OmitFromOutput
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage

from assistant.agent.memory import raw_text
from assistant.reply import ToolEvent
from store.domain.errors import StoreUnavailable
from tools.order_tools import WRITE_TOOLS

log = logging.getLogger(__name__)
Role = Literal["customer", "staff"]
TokenSink = Callable[[str], None]

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


def _parse(content: Any) -> dict[str, Any]:
    try:
        data = json.loads(content if isinstance(content, str) else json.dumps(content))
    except (TypeError, ValueError):
        return {"ok": False, "code": "tool_error", "message": TOOL_FAILURE}
    return data if isinstance(data, dict) else {"ok": False, "code": "tool_error",
                                                "message": TOOL_FAILURE}

