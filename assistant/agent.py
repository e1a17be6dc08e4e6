"""The agent loop: a LangChain agent over the tools, plus the deterministic confirmation step.

The model only ever *proposes* (write tools return a proposal and end the turn). Confirming
is not a tool: it happens here, when the user clicks Confirm or types a plain "yes" right
after the proposal, and it calls the core directly with the session's actor (P7).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware, ToolCallLimitMiddleware
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage

from assistant import render
from assistant.intent import is_plain_no, is_plain_yes
from prompts import load_prompt
from store import services
from store.db import Store
from store.domain.errors import DomainError, StoreUnavailable
from store.domain.model import Actor
from tools.context import ToolContext
from tools.order_tools import WRITE_TOOLS, tools_for

log = logging.getLogger(__name__)
Role = Literal["customer", "staff"]
TokenSink = Callable[[str], None]

MODEL_FAILURE = (
    "Sorry — I couldn't get an answer from the assistant model just now. Nothing was "
    "changed. Please try again in a moment."
)
STORE_FAILURE = StoreUnavailable().message


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

    @property
    def tool_names(self) -> list[str]:
        return [e.name for e in self.tool_events]


@dataclass(frozen=True)
class Limits:
    model_calls: int = 4  # per turn
    tool_calls: int = 6  # per turn


class Agent:
    """One compiled agent per model and role; conversations share it."""

    def __init__(self, model: BaseChatModel, role: Role, limits: Limits = Limits()) -> None:
        self.role = role
        self.model = model
        self.graph = create_agent(
            model,
            tools=list(tools_for(role)),
            system_prompt=load_prompt(role),
            context_schema=ToolContext,
            middleware=[
                ModelCallLimitMiddleware(run_limit=limits.model_calls, exit_behavior="end"),
                ToolCallLimitMiddleware(run_limit=limits.tool_calls, exit_behavior="end"),
            ],
        )


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
        self.history: list[BaseMessage] = list(history or [])
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
        text = (text or "").strip()[:4000]
        yes_expected, self._yes_expected = self._yes_expected, False
        if self.pending is not None and yes_expected and is_plain_yes(text):
            return self._remember(text, self._confirm(self.pending["proposal_id"], None))
        if self.pending is not None and is_plain_no(text):
            return self._remember(text, self._keep())
        if not text:
            return Reply("Tell me what you'd like to do with your order.")
        return self._run_model(text, on_token)

    def click(
        self, action: Literal["confirm", "keep"], proposal_id: str | None = None,
        fingerprint: str | None = None,
    ) -> Reply:
        """A button press. Only the latest open proposal is live; anything else is stale."""
        self._yes_expected = False
        if self.pending is None or (proposal_id and proposal_id != self.pending["proposal_id"]):
            return Reply("That button is no longer active; nothing was changed.")
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
        return Reply("All right, I haven't changed anything.")

    # --- the model turn --------------------------------------------------------------------
    def _run_model(self, text: str, on_token: TokenSink | None) -> Reply:
        start = len(self.history) + 1
        messages = [*self.history, HumanMessage(text)]
        try:
            new = self._stream(messages, on_token)
        except DomainError as e:  # a store fault surfacing through a tool
            return self._remember(text, Reply(e.message, error=e.code))
        except Exception as e:  # the model's failures: timeouts, 5xx, garbage
            log.warning("model turn failed: %s", e, exc_info=True)
            return self._remember(text, Reply(MODEL_FAILURE, error=type(e).__name__))
        reply = self._reply_from(new)
        self.history = [*messages, *new[: len(new)]]
        if reply.proposal is not None:
            self.pending = reply.proposal
            self._yes_expected = True
        del start
        return reply

    def _stream(self, messages: list[BaseMessage], on_token: TokenSink | None) -> list[BaseMessage]:
        new: list[BaseMessage] = []
        for mode, chunk in self.agent.graph.stream(
            {"messages": messages}, context=self.context,
            stream_mode=["updates", "messages"] if on_token else ["updates"],
        ):
            if mode == "messages":
                message = chunk[0]
                if on_token and isinstance(message, AIMessageChunk) and message.content:
                    on_token(str(message.content))
                continue
            for update in (chunk or {}).values():
                if isinstance(update, dict):
                    new.extend(m for m in update.get("messages", [])
                               if isinstance(m, BaseMessage))
        return new

    def _reply_from(self, new: list[BaseMessage]) -> Reply:
        events: list[ToolEvent] = []
        calls: dict[str, tuple[str, dict[str, Any]]] = {}
        model_calls = 0
        for m in new:
            if isinstance(m, AIMessage):
                model_calls += 1
                for c in m.tool_calls:
                    calls[c.get("id") or ""] = (c["name"], dict(c.get("args") or {}))
            elif isinstance(m, ToolMessage):
                name, args = calls.get(m.tool_call_id, (m.name or "?", {}))
                events.append(ToolEvent(name, args, _parse(m.content)))
        reply = Reply("", tool_events=events, model_calls=model_calls)
        for e in events:
            if e.name == "lookup_order" and e.result.get("ok"):
                reply.orders.extend(e.result.get("orders") or [e.result])
        last = new[-1] if new else None
        if isinstance(last, ToolMessage) and events and events[-1].name in WRITE_TOOLS:
            result = events[-1].result
            reply.text = render.write_result_text(result)
            if result.get("ok") and "proposal" in result:
                reply.proposal = result["proposal"]
        elif isinstance(last, AIMessage) and _text(last):
            reply.text = _text(last)
        else:
            reply.text = "I'm sorry, I couldn't complete that. Nothing was changed."
            reply.error = "no_answer"
        return reply

    def _remember(self, text: str, reply: Reply) -> Reply:
        self.history.extend([HumanMessage(text), AIMessage(reply.text)])
        return reply


def _parse(content: Any) -> dict[str, Any]:
    try:
        data = json.loads(content if isinstance(content, str) else json.dumps(content))
    except (TypeError, ValueError):
        return {"ok": False, "code": "tool_error", "message": str(content)[:300]}
    return data if isinstance(data, dict) else {"ok": False, "code": "tool_error"}


def _text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content.strip()
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content).strip()
