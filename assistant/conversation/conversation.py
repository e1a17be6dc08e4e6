"""One chat thread: the proposal on screen, the consent gate, and whoever answers the rest.

Confirming is never a tool and never a model's decision (P7). A proposal is confirmed by its
Confirm button, or by a typed message that the closed-form consent rule
(`guard.consent.classify`) accepts as a plain affirmative to it; a plain no keeps everything
as it is. Every other message goes to the engine (the dialogue manager or the agent): a new
or changed request replaces the proposal, a question is answered with the proposal still
waiting, and while it waits every reply ends by saying how to confirm it.

The thread's state is data (`ThreadState`), loaded from and saved to the store around each
turn when the conversation has a `ThreadStore`, so any process can resume it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from langchain_core.messages import BaseMessage

from assistant import render
from assistant.agent.loop import STORE_FAILURE, Agent, TokenSink
from assistant.agent.memory import repair_history
from assistant.conversation.engines import AgentEngine, Engine
from assistant.conversation.threads import ThreadState, ThreadStore
from assistant.guard.consent import Consent, classify
from assistant.reply import Reply
from store import services
from store.db import Store
from store.domain.errors import DomainError, NotAllowed, StoreUnavailable
from store.domain.model import Actor, ProposalKind
from store.telemetry import log_turn, turn_span
from tools.context import ToolContext
from tools.order_tools import run_propose

log = logging.getLogger(__name__)
STALE_BUTTON = "That button is no longer active; nothing was changed."
KEPT = "All right, I haven't changed anything."
EMPTY_INPUT = "Tell me what you'd like to do with your order."
NOT_YOURS = "That conversation isn't available."
MAX_INPUT_CHARS = 4000
TOO_LONG = ("That message is too long for me ({n} characters; the limit is {limit}). Nothing "
            "was changed. Please send a shorter message.")


class Conversation:
    def __init__(
        self, engine: Engine | Agent, store: Store, actor: Actor, thread_id: str | None = None,
        *, threads: ThreadStore | None = None, history: list[BaseMessage] | None = None,
    ) -> None:
        # An agent is served by its engine (its memory, the reply guard).
        self.engine: Engine = AgentEngine(engine) if isinstance(engine, Agent) else engine
        self.store = store
        self.threads = threads
        self.context = ToolContext(actor=actor, store=store,
                                   thread_id=thread_id or uuid.uuid4().hex)
        self.state = ThreadState(memory=repair_history(history or []))

    @property
    def actor(self) -> Actor:
        return self.context.actor

    @property
    def thread_id(self) -> str:
        return self.context.thread_id

    @property
    def pending(self) -> dict[str, Any] | None:
        return self.state.pending

    # --- user input: each entry point is one turn, with a span and one log record --------
    def send(self, text: str, on_token: TokenSink | None = None) -> Reply:
        started = time.perf_counter()
        with turn_span("message", self.thread_id, self.actor) as trace:
            text = (text or "").strip()
            if len(text) > MAX_INPUT_CHARS:
                reply = Reply(TOO_LONG.format(n=len(text), limit=MAX_INPUT_CHARS),
                              error="too_long")
            else:
                with self._turn() as failed:
                    reply = failed or self._send(text, on_token)
            reply.elapsed_s = time.perf_counter() - started
            log_turn(trace, reply)
        return reply

    def click(
        self, action: Literal["confirm", "keep"], proposal_id: str | None = None,
        fingerprint: str | None = None,
    ) -> Reply:
        """A button press. Only the latest open proposal is live; anything else is stale."""
        with turn_span(action, self.thread_id, self.actor) as trace:
            reply = self._click(action, proposal_id, fingerprint)
            log_turn(trace, reply)
        return reply

    def pick(
        self, order_id: str, item_ids: list[str], reason: str | None,
        reason_text: str | None = None,
    ) -> Reply:
        """Items ticked on an order card: the same proposal a write tool makes, without any
        model; it is then confirmed like any other (a button, or a typed plain yes)."""
        with turn_span("pick", self.thread_id, self.actor) as trace:
            reply = self._pick(order_id, item_ids, reason, reason_text)
            log_turn(trace, reply)
        return reply

    def resume(self) -> Reply | None:
        """Back in this thread (reopened, or reconnected on another process): its state
        from the store, and the proposal still waiting, to be shown again with its buttons
        (None when nothing waits)."""
        with self._turn() as failed:
            if failed:
                return None
            p = self._live_pending()
            if p is None:
                return None
            staff = self.actor.is_staff
            return Reply(f"{render.proposal_text(p, staff=staff)}\n\n"
                         f"{render.pending_reminder(p, staff=staff)}", proposal=p)

    def _click(self, action: Literal["confirm", "keep"], proposal_id: str | None,
               fingerprint: str | None) -> Reply:
        with self._turn() as failed:
            if failed:
                return failed
            p = self._live_pending()
            if p is None or (proposal_id and proposal_id != p["proposal_id"]):
                return Reply(STALE_BUTTON, error="stale_button")
            if action == "keep":
                return self._answered("[Keep]", self._keep())
            return self._answered("[Confirm]", self._confirm(p["proposal_id"], fingerprint))

    def _pick(self, order_id: str, item_ids: list[str], reason: str | None,
              reason_text: str | None) -> Reply:
        with self._turn() as failed:
            if failed:
                return failed
            result = run_propose(self.context, ProposalKind.CANCEL, order_id, item_ids, reason,
                                 reason_text)
            staff = self.actor.is_staff
            reply = Reply(render.write_result_text(result, staff=staff),
                          proposal=result.get("proposal") if result.get("ok") else None,
                          error=None if result.get("ok") else str(result.get("code")))
            self._shown(reply)
            why = f", reason {reason}" if reason else ""
            self.engine.remember(self, f"[Picked items {', '.join(item_ids)} of order "
                                       f"{order_id}{why} on the order card]", reply)
            return reply

    # --- the gate ----------------------------------------------------------------------------
    def _send(self, text: str, on_token: TokenSink | None) -> Reply:
        p = self._live_pending()
        if p is not None:
            verdict = classify(text, p)
            if verdict is Consent.YES and self.state.consent_open:
                return self._answered(text, self._confirm(p["proposal_id"], None))
            if verdict is Consent.NO:
                return self._answered(text, self._keep())
        if not text:
            return Reply(EMPTY_INPUT)
        reply = self.engine.respond(self, text, on_token)
        if reply.discard and self.state.pending is not None and reply.proposal is None:
            self._keep()  # a proposal made later in the same message already replaced it
        self._shown(reply)
        return reply

    def _shown(self, reply: Reply) -> None:
        """After a reply: a new proposal is the one on screen; one still waiting is named, so
        a typed yes always knows what it answers."""
        s = self.state
        if reply.proposal is not None:
            s.pending, s.consent_open = reply.proposal, True
        elif s.pending is not None and reply.error != "store_unavailable":
            s.consent_open = not reply.asks
            if not reply.asks:
                reminder = render.pending_reminder(s.pending, staff=self.actor.is_staff)
                reply.text = f"{reply.text}\n\n{reminder}".strip()
                reply.streamed = False

    def _answered(self, said: str, reply: Reply) -> Reply:
        self.engine.remember(self, said, reply)
        follow = self.engine.answered(self, reply.outcome)
        if follow is not None:
            reply.text = f"{reply.text}\n\n{follow.text}".strip()
            reply.tool_events += follow.tool_events
            reply.orders += follow.orders
            reply.proposal = follow.proposal
            self._shown(follow)
        return reply

    # --- the two ways a proposal ends (no model) -------------------------------------------
    def _confirm(self, proposal_id: str, fingerprint: str | None) -> Reply:
        self.state.pending, self.state.consent_open = None, False
        try:
            outcome = services.confirm(self.store.uow(), self.actor, proposal_id, fingerprint)
        except DomainError as e:
            return Reply(e.message, error=e.code)
        data = outcome.as_dict()
        return Reply(render.outcome_text(data, staff=self.actor.is_staff), outcome=data)

    def _keep(self) -> Reply:
        self.state.pending, self.state.consent_open = None, False
        try:
            services.discard(self.store.uow(), self.actor, self.thread_id)
        except DomainError as e:
            return Reply(e.message, error=e.code)
        return Reply(KEPT)

    def _live_pending(self) -> dict[str, Any] | None:
        """The proposal on screen, if the core still holds it open (not expired, confirmed
        or replaced meanwhile, by another tab or process)."""
        p = self.state.pending
        if p is None:
            return None
        try:
            live = services.pending_proposal(self.store.uow(), self.actor,
                                             str(p.get("proposal_id")))
        except DomainError:
            live = None
        if live is None:
            self.state.pending, self.state.consent_open = None, False
            return None
        return p

    # --- the thread's state --------------------------------------------------------------------
    @contextmanager
    def _turn(self) -> Iterator[Reply | None]:
        """Load the thread's state before a turn and save it after; a store that is down or
        a thread of another account gives a clear answer and changes nothing."""
        if self.threads is not None:
            try:
                loaded = self.threads.load(self.actor, self.thread_id)
            except NotAllowed:
                yield Reply(NOT_YOURS, error="not_allowed")
                return
            except StoreUnavailable:
                yield Reply(STORE_FAILURE, error="store_unavailable")
                return
            if loaded.memory or loaded.dialogue or loaded.pending or not self.state.memory:
                self.state = loaded
        self.context.acting_for = self.state.acting_for
        yield None
        self.state.acting_for = self.context.acting_for
        if self.threads is not None:
            try:
                self.threads.save(self.actor, self.thread_id, self.state)
            except DomainError as e:
                log.warning("conversation state of %s not saved: %s", self.thread_id, e.code)
