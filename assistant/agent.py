"""The agent loop: the model calls the tools, and the confirmation happens without it.

The model only ever *proposes*: a write tool returns a proposal and ends the turn, and the
proposal is shown in fixed wording (`render`). Confirming is not a tool: it happens in
`Conversation`, when the user clicks Confirm or types a plain "yes" right after the
proposal, and it calls the core directly with the session's actor (P7).

The loop is a plain function of the model's answers rather than a LangGraph graph: a turn
costs two model calls at most in the common flows, and the graph machinery (a thread per
tool step, channel bookkeeping) cost more than everything else the agent does. It keeps
LangChain's interfaces: any `BaseChatModel` with `bind_tools`, the `@tool` functions with
their `ToolRuntime` context, and LangChain messages as memory.

What the loop guarantees, whatever the model sends:
- the actor comes from the session (`ToolContext`), never from the model or a message (P1);
- at most `Limits.model_calls` model calls and `Limits.tool_calls` tool calls per turn, and
  a deadline per turn; a turn that hits one stops with a clear message;
- tool calls are checked before anything runs: an unknown tool, arguments that are not
  JSON or don't fit the schema get one corrective round, then a clear message;
- a write tool runs alone and ends the turn, so exactly one proposal can be on screen;
- the memory sent to the model is bounded (`Limits.history_*`) and every tool call in it
  has its result (OpenAI rejects a history that breaks this).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain.tools import ToolRuntime
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.messages.utils import message_chunk_to_message
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ValidationError

from assistant import render
from assistant.config import Limits
from assistant.intent import is_plain_no, is_plain_yes
from prompts import load_prompt
from store import services
from store.db import Store
from store.domain.errors import DomainError, StoreUnavailable
from store.domain.model import Actor
from tools.context import ToolContext
from tools.order_tools import WRITE_TOOLS, tools_for

__all__ = ["Agent", "Conversation", "Limits", "Reply", "Role", "ToolEvent", "TurnStopped"]

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
STALE_BUTTON = "That button is no longer active; nothing was changed."
KEPT = "All right, I haven't changed anything."
EMPTY_INPUT = "Tell me what you'd like to do with your order."
MAX_INPUT_CHARS = 4000
_MAX_REPAIRS = 1  # corrective rounds per turn for malformed tool calls


@dataclass
class ToolEvent:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class Reply:
    text: str
    tool_events: list[ToolEvent] = field(default_factory=list)
    proposal: dict[str, Any] | None = None  # pending: show Confirm / Keep for exactly this
    outcome: dict[str, Any] | None = None  # what a confirmation did
    orders: list[dict[str, Any]] = field(default_factory=list)  # order views, for cards
    error: str | None = None
    model_calls: int = 0
    streamed: bool = False  # `text` already reached the user through on_token, word for word
    model_time_s: float = 0.0  # spent waiting for the model (the rest is the agent's own)
    elapsed_s: float = 0.0

    @property
    def tool_names(self) -> list[str]:
        return [e.name for e in self.tool_events]


class TurnStopped(Exception):
    """A turn that ends early; `message` is what the user sees, `code` what logs and UIs see."""

    def __init__(self, code: str, message: str, turn: _Turn | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.turn = turn


@dataclass
class _Turn:
    """One user message's trip through the loop."""

    deadline: float
    sent: list[BaseMessage] = field(default_factory=list)  # shown to the model this turn
    kept: list[BaseMessage] = field(default_factory=list)  # remembered (no repair rounds)
    events: list[ToolEvent] = field(default_factory=list)
    model_calls: int = 0
    tool_calls: int = 0
    repairs: int = 0
    model_time_s: float = 0.0
    streamed: str = ""  # what the last model call streamed
    streamed_any: bool = False
    final: AIMessage | None = None
    wrote: bool = False

    def add(self, *messages: BaseMessage) -> None:
        self.sent.extend(messages)
        self.kept.extend(messages)


class Agent:
    """The model, the role's tools and prompt; shared by all conversations of that role."""

    def __init__(self, model: BaseChatModel, role: Role, limits: Limits | None = None) -> None:
        self.role = role
        self.model = model
        self.limits = limits or Limits()
        self.tools: tuple[BaseTool, ...] = tools_for(role)
        self.tools_by_name = {t.name: t for t in self.tools}
        # One message object for every request: the byte-identical prefix prompt caches need.
        self.system_message = SystemMessage(load_prompt(role))
        self.bound = model.bind_tools(list(self.tools))
        self._request_timeout = _request_timeout(model)

    def run_turn(
        self, messages: Sequence[BaseMessage], context: ToolContext,
        on_token: TokenSink | None = None,
    ) -> _Turn:
        """Answer the last message of `messages` (memory + the user's new message)."""
        turn = _Turn(deadline=time.monotonic() + self.limits.turn_timeout_s)
        while True:
            ai = self._ask_model(turn, messages, on_token)
            problems = self._problems(ai)
            if problems:
                self._send_back(turn, ai, problems)
                continue
            ai = _one_write_at_most(ai)
            turn.add(ai)
            if not ai.tool_calls:
                turn.final = ai
                return turn
            self._run_tools(turn, ai.tool_calls, context)
            if ai.tool_calls[0]["name"] in WRITE_TOOLS:
                turn.wrote = True
                return turn

    # --- the model ----------------------------------------------------------------------------
    def _ask_model(
        self, turn: _Turn, messages: Sequence[BaseMessage], on_token: TokenSink | None
    ) -> AIMessage:
        if turn.model_calls >= self.limits.model_calls:
            raise TurnStopped("model_call_limit", TURN_LIMIT, turn)
        left = turn.deadline - time.monotonic()
        if left <= 0:
            raise TurnStopped("turn_timeout", MODEL_TIMEOUT, turn)
        turn.model_calls += 1
        prompt = [self.system_message, *messages, *turn.sent]
        options: dict[str, Any] = {}
        if self._request_timeout is not None:  # a request may not outlive the turn
            options["timeout"] = min(self._request_timeout, left)
        started = time.perf_counter()
        try:
            answer = (self._stream(prompt, options, on_token, turn) if on_token
                      else self.bound.invoke(prompt, **options))
        except TurnStopped:
            raise
        except Exception as e:
            code, message = _model_failure(e)
            log.warning("model call failed (%s): %s", code, e)
            log.debug("model call failure", exc_info=True)
            raise TurnStopped(code, message, turn) from e
        finally:
            turn.model_time_s += time.perf_counter() - started
        if not isinstance(answer, AIMessage):
            raise TurnStopped("model_garbage", MODEL_CONFUSED, turn)
        return _with_call_ids(answer)

    def _stream(
        self, prompt: list[BaseMessage], options: dict[str, Any], on_token: TokenSink,
        turn: _Turn,
    ) -> BaseMessage:
        total: AIMessageChunk | None = None
        turn.streamed = ""
        for chunk in self.bound.stream(prompt, **options):
            if not isinstance(chunk, AIMessageChunk):
                continue
            if text := _raw_text(chunk.content):
                if turn.streamed_any and not turn.streamed:
                    on_token("\n\n")  # a new model call: keep its words apart from the last's
                turn.streamed += text
                turn.streamed_any = True
                on_token(text)
            total = chunk if total is None else total + chunk
        if total is None:
            raise TurnStopped("model_garbage", MODEL_CONFUSED, turn)
        return message_chunk_to_message(total)

    # --- checking the model's tool calls ---------------------------------------------------
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

    def _send_back(self, turn: _Turn, ai: AIMessage, problems: dict[str, str]) -> None:
        """Show the model what was wrong, once; nothing of this round runs or is remembered."""
        turn.repairs += 1
        if turn.repairs > _MAX_REPAIRS:
            raise TurnStopped("bad_tool_call", MODEL_CONFUSED, turn)
        log.info("model sent unusable tool calls: %s", problems)
        turn.sent.append(ai)
        calls = [*ai.tool_calls, *ai.invalid_tool_calls]
        for call in calls:
            call_id = call["id"] or ""
            note = problems.get(call_id, "Not run, because another call in this step was "
                                         "invalid. Send the corrected calls again.")
            turn.sent.append(ToolMessage(note, tool_call_id=call_id, name=call["name"] or "?",
                                         status="error"))

    # --- the tools --------------------------------------------------------------------------
    def _run_tools(self, turn: _Turn, calls: list[ToolCall], context: ToolContext) -> None:
        if turn.tool_calls + len(calls) > self.limits.tool_calls:
            raise TurnStopped("tool_call_limit", TURN_LIMIT, turn)
        turn.tool_calls += len(calls)
        for call in calls:
            message = self._run_tool(turn, call, context)
            result = _parse(message.content)
            turn.events.append(ToolEvent(call["name"], dict(call["args"]), result))
            turn.add(message)
            if result.get("code") == StoreUnavailable.code:
                raise TurnStopped(StoreUnavailable.code, STORE_FAILURE, turn)

    def _run_tool(self, turn: _Turn, call: ToolCall, context: ToolContext) -> ToolMessage:
        tool = self.tools_by_name[call["name"]]
        runtime: ToolRuntime[ToolContext, Any] = ToolRuntime(
            state={}, context=context, config={}, stream_writer=_ignore,
            tool_call_id=call["id"], store=None)
        try:
            content = _call_tool(tool, call, runtime)
        except Exception as e:  # the tools translate domain errors; anything else is ours
            log.exception("tool %s failed", call["name"])
            raise TurnStopped("tool_failed", TOOL_FAILURE, turn) from e
        return ToolMessage(content, tool_call_id=call["id"], name=call["name"])


class Conversation:
    """One chat thread: its memory, its pending proposal, and the turn logic."""

    def __init__(
        self, agent: Agent, store: Store, actor: Actor, thread_id: str | None = None,
        history: list[BaseMessage] | None = None,
    ) -> None:
        self.agent = agent
        self.store = store
        self.context = ToolContext(actor=actor, store=store,
                                   thread_id=thread_id or uuid.uuid4().hex)
        self.history: list[BaseMessage] = repair_history(history or [])
        self.pending: dict[str, Any] | None = None  # the proposal on screen
        self._yes_expected = False  # a typed "yes" counts only right after the proposal

    @property
    def actor(self) -> Actor:
        return self.context.actor

    @property
    def thread_id(self) -> str:
        return self.context.thread_id

    # --- user input ---------------------------------------------------------------------
    def send(self, text: str, on_token: TokenSink | None = None) -> Reply:
        started = time.perf_counter()
        text = (text or "").strip()[:MAX_INPUT_CHARS]
        yes_expected, self._yes_expected = self._yes_expected, False
        if self.pending is not None and yes_expected and is_plain_yes(text):
            reply = self._remember(text, self._confirm(self.pending["proposal_id"], None))
        elif self.pending is not None and is_plain_no(text):
            reply = self._remember(text, self._keep())
        elif not text:
            reply = Reply(EMPTY_INPUT)
        else:
            reply = self._run_model(text, on_token)
        reply.elapsed_s = time.perf_counter() - started
        return reply

    def click(
        self, action: Literal["confirm", "keep"], proposal_id: str | None = None,
        fingerprint: str | None = None,
    ) -> Reply:
        """A button press. Only the latest open proposal is live; anything else is stale."""
        self._yes_expected = False
        if self.pending is None or (proposal_id and proposal_id != self.pending["proposal_id"]):
            return Reply(STALE_BUTTON)
        if action == "keep":
            return self._remember("[Keep]", self._keep())
        return self._remember("[Confirm]", self._confirm(self.pending["proposal_id"],
                                                         fingerprint))

    # --- the confirmation step (no model) -------------------------------------------------
    def _confirm(self, proposal_id: str, fingerprint: str | None) -> Reply:
        self.pending = None
        try:
            outcome = services.confirm(self.store.uow(), self.actor, proposal_id, fingerprint)
        except DomainError as e:
            return Reply(e.message, error=e.code)
        data = outcome.as_dict()
        return Reply(render.outcome_text(data), outcome=data)

    def _keep(self) -> Reply:
        self.pending = None
        try:
            services.discard(self.store.uow(), self.actor, self.thread_id)
        except DomainError as e:
            return Reply(e.message, error=e.code)
        return Reply(KEPT)

    # --- the model turn --------------------------------------------------------------------
    def _run_model(self, text: str, on_token: TokenSink | None) -> Reply:
        question = HumanMessage(text)
        # Cheap at this size, and `history` is public: whatever was put there, the request
        # stays valid.
        self.history = repair_history(self.history)
        try:
            turn = self.agent.run_turn([*self.history, question], self.context, on_token)
        except TurnStopped as stop:
            return self._remember(text, _stopped_reply(stop))
        except Exception as e:  # a bug of ours must still leave the user a clear answer
            log.exception("turn failed")
            return self._remember(text, Reply(TOOL_FAILURE, error=type(e).__name__))
        reply = _reply_from(turn)
        if reply.error is not None:
            return self._remember(text, reply)
        self._keep_in_memory([question, *(_lean(m) for m in turn.kept)])
        if reply.proposal is not None:
            self.pending = reply.proposal
            self._yes_expected = True
        return reply

    def _remember(self, text: str, reply: Reply) -> Reply:
        self._keep_in_memory([HumanMessage(text), AIMessage(reply.text)])
        return reply

    def _keep_in_memory(self, messages: list[BaseMessage]) -> None:
        limits = self.agent.limits
        self.history = trim_history([*self.history, *messages], limits.history_turns,
                                    limits.history_chars)


# --- replies ----------------------------------------------------------------------------------
def _reply_from(turn: _Turn) -> Reply:
    reply = Reply("", tool_events=turn.events, model_calls=turn.model_calls,
                  model_time_s=turn.model_time_s)
    for e in turn.events:
        if e.name == "lookup_order" and e.result.get("ok"):
            reply.orders.extend(e.result.get("orders") or [e.result])
    if turn.wrote:
        result = turn.events[-1].result
        reply.text = render.write_result_text(result)
        if result.get("ok") and "proposal" in result:
            reply.proposal = result["proposal"]
        return reply
    reply.text = _text_of(turn.final.content) if turn.final is not None else ""
    if not reply.text:
        reply.text, reply.error = MODEL_CONFUSED, "no_answer"
    reply.streamed = bool(turn.streamed) and turn.streamed.strip() == reply.text
    return reply


def _stopped_reply(stop: TurnStopped) -> Reply:
    turn = stop.turn
    if turn is None:
        return Reply(stop.message, error=stop.code)
    return Reply(stop.message, tool_events=turn.events, error=stop.code,
                 model_calls=turn.model_calls, model_time_s=turn.model_time_s)


def _model_failure(e: Exception) -> tuple[str, str]:
    """The user's message for a failed model request, told apart without importing clients."""
    status = getattr(e, "status_code", None)
    name = type(e).__name__
    if isinstance(e, TimeoutError) or "Timeout" in name:
        return "model_timeout", MODEL_TIMEOUT
    if status == 429 or "RateLimit" in name:
        return "model_busy", MODEL_BUSY
    if isinstance(status, int) and 200 <= status < 300:
        return "model_garbage", MODEL_FAILURE  # a success status with an unreadable body
    if isinstance(status, int):
        return f"model_http_{status}", MODEL_FAILURE
    if "Connection" in name:
        return "model_unreachable", MODEL_FAILURE
    return "model_error", MODEL_FAILURE


# --- memory -----------------------------------------------------------------------------------
def repair_history(messages: Iterable[BaseMessage]) -> list[BaseMessage]:
    """The memory made valid for any chat API.

    Every tool call keeps only if its result follows it (a turn stopped by a limit, or a
    history from elsewhere, may lack them), results without their call go, system messages
    go (the system prompt is the agent's own fixed prefix), and empty assistant messages go.
    """
    source = list(messages)
    out: list[BaseMessage] = []
    i = 0
    while i < len(source):
        message = source[i]
        i += 1
        if isinstance(message, AIMessage):
            results: list[ToolMessage] = []
            while i < len(source) and isinstance(source[i], ToolMessage):
                results.append(source[i])  # type: ignore[arg-type]
                i += 1
            out.extend(_answered(message, results))
        elif isinstance(message, HumanMessage):
            out.append(message)
    return out


def _answered(message: AIMessage, results: list[ToolMessage]) -> list[BaseMessage]:
    by_id = {r.tool_call_id: r for r in results}
    calls = [c for c in message.tool_calls if c["id"] in by_id]
    text = _text_of(message.content)
    if not calls and not text:
        return []
    if len(calls) != len(message.tool_calls) or message.invalid_tool_calls:
        message = AIMessage(text, tool_calls=calls)
    return [message, *(by_id[c["id"] or ""] for c in calls)]


def trim_history(messages: list[BaseMessage], turns: int, chars: int) -> list[BaseMessage]:
    """The last `turns` turns (a turn starts at a user message) within `chars` characters.

    Cutting only at a user message keeps each tool call with its result.
    """
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    starts = starts[-turns:] if turns else []
    if not starts:
        return []
    sizes = [_size(m) for m in messages]
    total = sum(sizes[starts[0]:])
    while len(starts) > 1 and total > chars:
        total -= sum(sizes[starts[0]:starts[1]])
        starts.pop(0)
    if total > chars:  # even the latest turn alone is too big: forget everything
        return []
    return messages[starts[0]:]


def _size(message: BaseMessage) -> int:
    size = len(message.content) if isinstance(message.content, str) else len(str(message.content))
    if isinstance(message, AIMessage) and message.tool_calls:
        size += sum(len(json.dumps(c["args"])) + len(c["name"]) for c in message.tool_calls)
    return size


def _lean(message: BaseMessage) -> BaseMessage:
    """What memory needs of a model's message: its words and calls, not provider metadata."""
    if isinstance(message, AIMessage):
        return AIMessage(_text_of(message.content), tool_calls=message.tool_calls)
    return message


# --- small helpers ----------------------------------------------------------------------------
def _one_write_at_most(ai: AIMessage) -> AIMessage:
    """A write call runs alone: each proposal replaces the last, so only one can be live."""
    writes = [c for c in ai.tool_calls if c["name"] in WRITE_TOOLS]
    if not writes or len(ai.tool_calls) == 1:
        return ai
    return AIMessage(_text_of(ai.content), tool_calls=writes[:1])


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


def _call_tool(tool: BaseTool, call: ToolCall, runtime: ToolRuntime[ToolContext, Any]) -> str:
    """Run a tool whose arguments were checked against its schema.

    Our `@tool` functions are called directly: `BaseTool.invoke` re-derives the function's
    type hints on every call, about a millisecond, more than the rest of the turn's own work.
    Any other tool goes through `invoke`.
    """
    schema, func = tool.tool_call_schema, getattr(tool, "func", None)
    if callable(func) and isinstance(schema, type) and issubclass(schema, BaseModel):
        parsed = schema.model_validate(call["args"])
        return str(func(runtime=runtime, **{k: getattr(parsed, k) for k in schema.model_fields}))
    message = tool.invoke({"type": "tool_call", "name": call["name"], "id": call["id"],
                           "args": {**call["args"], "runtime": runtime}})
    return str(message.content if isinstance(message, ToolMessage) else message)


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


def _request_timeout(model: BaseChatModel) -> float | None:
    """The OpenAI client's per-request timeout, which the loop shortens to the turn's deadline.
    Other models take no timeout option (they get the deadline between calls)."""
    openai_client = any(c.__module__.startswith("langchain_openai") for c in type(model).__mro__)
    configured = getattr(model, "request_timeout", None)
    if openai_client and isinstance(configured, int | float):
        return float(configured)
    return None


def _ignore(_: Any) -> None:
    """Tools get a stream writer; this loop streams model tokens only."""


def _parse(content: Any) -> dict[str, Any]:
    try:
        data = json.loads(content if isinstance(content, str) else json.dumps(content))
    except (TypeError, ValueError):
        return {"ok": False, "code": "tool_error", "message": TOOL_FAILURE}
    return data if isinstance(data, dict) else {"ok": False, "code": "tool_error",
                                                "message": TOOL_FAILURE}


def _raw_text(content: str | list[str | dict[str, Any]]) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def _text_of(content: str | list[str | dict[str, Any]]) -> str:
    return _raw_text(content).strip()
