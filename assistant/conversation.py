"""One chat thread: memory, the pending proposal and the turn logic (see `Conversation`).

The model only ever *proposes*: a write tool returns a proposal and ends the turn, and the
proposal is shown in fixed wording (`render`). Confirming is not a tool: it happens here,
when the user clicks Confirm or types a plain "yes" right after the proposal, and it calls
the core directly with the session's actor (P7).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from assistant import render
from assistant.agent.loop import (
    MODEL_CONFUSED,
    TOOL_FAILURE,
    Agent,
    TokenSink,
    TurnStopped,
    _Turn,
)
from assistant.agent.memory import lean, repair_history, text_of, trim_history
from assistant.guard import replies as guard
from assistant.guard.consent import is_plain_no, is_plain_yes
from assistant.reply import Reply
from rescind.telemetry import log_turn, turn_span
from store import services
from store.db import Store
from store.domain.errors import DomainError
from store.domain.model import Actor, ProposalKind
from tools.context import ToolContext

log = logging.getLogger(__name__)
STALE_BUTTON = "That button is no longer active; nothing was changed."
KEPT = "All right, I haven't changed anything."
EMPTY_INPUT = "Tell me what you'd like to do with your order."
MAX_INPUT_CHARS = 4000


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
    # Each entry point is one turn: a span around it, and one log record with its outcome.
    def send(self, text: str, on_token: TokenSink | None = None) -> Reply:
        with turn_span("message", self.thread_id, self.actor) as turn:
            reply = self._send(text, on_token)
            log_turn(turn, reply)
        return reply

    def click(
        self, action: Literal["confirm", "keep"], proposal_id: str | None = None,
        fingerprint: str | None = None,
    ) -> Reply:
        """A button press. Only the latest open proposal is live; anything else is stale."""
        with turn_span(action, self.thread_id, self.actor) as turn:
            reply = self._click(action, proposal_id, fingerprint)
            log_turn(turn, reply)
        return reply

    def pick(
        self, order_id: str, item_ids: list[str], reason: str | None,
        reason_text: str | None = None,
    ) -> Reply:
        """Items ticked on an order card: the same proposal a write tool makes, without the
        model, and a typed "yes" right after it confirms it just the same (P7)."""
        with turn_span("pick", self.thread_id, self.actor) as turn:
            reply = self._pick(order_id, item_ids, reason, reason_text)
            log_turn(turn, reply)
        return reply

    def _send(self, text: str, on_token: TokenSink | None) -> Reply:
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

    def _click(
        self, action: Literal["confirm", "keep"], proposal_id: str | None,
        fingerprint: str | None,
    ) -> Reply:
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
        final = self._guarded(reply, turn)
        self._keep_in_memory([question, *(final if m is turn.final and final is not None
                                          else lean(m) for m in turn.kept)])
        if reply.proposal is not None:
            self.pending = reply.proposal
            self._yes_expected = True
        return reply

    def _guarded(self, reply: Reply, turn: _Turn) -> BaseMessage | None:
        """P12: a model-written reply that the store contradicts is replaced by the facts,
        here and in the memory the model sees next. Fixed-wording replies need no check."""
        if turn.wrote:
            self._guard_note(reply, turn)
            return turn.final
        if turn.final is None:
            return turn.final
        try:
            corrected = guard.check(reply.text, self.store, self.actor,
                                    [*self.history, *turn.kept], self.context.acting_for)
        except DomainError:
            return turn.final  # the store is down: the turn's tools said so already
        if corrected is None:
            return turn.final
        log.warning("model reply contradicted the store; replaced: %r", reply.text[:200])
        reply.text, reply.streamed, reply.corrected = corrected, False, True
        return AIMessage(corrected)

    def _guard_note(self, reply: Reply, turn: _Turn) -> None:
        """A note beside a write call is the model's own words: checked like any reply, and
        dropped (the fixed-wording proposal stays) if the store contradicts it."""
        note = _write_note(turn)
        if not note:
            return
        try:
            corrected = guard.check(note, self.store, self.actor,
                                    [*self.history, *turn.kept], self.context.acting_for)
        except DomainError:
            corrected = None
        if corrected is not None:
            reply.text = reply.text.removeprefix(f"{note}\n")
            reply.corrected = True

    def _pick(
        self, order_id: str, item_ids: list[str], reason: str | None,
        reason_text: str | None,
    ) -> Reply:
        self._yes_expected = False
        try:
            result = services.propose(
                self.store.uow(), self.actor, ProposalKind.CANCEL, order_id, item_ids,
                reason, reason_text, thread_id=self.thread_id,
            ).as_dict()
        except DomainError as e:
            reply = Reply(render.error_text(e.as_dict()), error=e.code)
        else:
            reply = Reply(render.write_result_text(result), proposal=result.get("proposal"))
        if reply.proposal is not None:
            self.pending = reply.proposal  # the core replaced any earlier pending proposal
            self._yes_expected = True
        # The model sees the pick like any other turn, so "why?" afterwards makes sense.
        why = f", reason {reason}" if reason else ""
        return self._remember(
            f"[Picked items {', '.join(item_ids)} of order {order_id}{why} on the order card]",
            reply,
        )

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
                  model_time_s=turn.model_time_s, model_call_s=turn.model_call_s)
    for e in turn.events:
        if e.name == "lookup_order" and e.result.get("ok"):
            reply.orders.extend(e.result.get("orders") or [e.result])
    if turn.wrote:
        result = turn.events[-1].result
        reply.text = render.write_result_text(result)
        if note := _write_note(turn):
            reply.text = f"{note}\n{reply.text}"
        if result.get("ok") and "proposal" in result:
            reply.proposal = result["proposal"]
        return reply
    reply.text = text_of(turn.final.content) if turn.final is not None else ""
    if not reply.text:
        reply.text, reply.error = MODEL_CONFUSED, "no_answer"
    reply.streamed = bool(turn.streamed) and turn.streamed.strip() == reply.text
    return reply


def _write_note(turn: _Turn) -> str:
    """What the model said beside its write call (e.g. which items it left out and why)."""
    callers = [m for m in turn.kept if isinstance(m, AIMessage) and m.tool_calls]
    return text_of(callers[-1].content) if callers else ""


def _stopped_reply(stop: TurnStopped) -> Reply:
    turn = stop.turn
    if turn is None:
        return Reply(stop.message, error=stop.code)
    return Reply(stop.message, tool_events=turn.events, error=stop.code,
                 model_calls=turn.model_calls, model_time_s=turn.model_time_s,
                 model_call_s=turn.model_call_s)


