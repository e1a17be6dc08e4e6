"""What answers a message once the consent gate has let it through: the dialogue manager
(with the rules or a model as its understander) or the tool-calling agent.

Both act through the same tools for the session's actor, and both leave confirming to the
conversation (P7). The agent's own words go through the reply guard (P12); the dialogue
manager's are fixed wording built from tool results.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from assistant import render
from assistant.agent.loop import (
    MODEL_CONFUSED,
    STORE_FAILURE,
    TOOL_FAILURE,
    Agent,
    TokenSink,
    TurnStopped,
    _Turn,
)
from assistant.agent.memory import lean, repair_history, text_of, trim_history
from assistant.dialogue.manager import DialogueManager
from assistant.dialogue.state import DialogueState
from assistant.dialogue.turn import DialogueTurn
from assistant.guard.replies import ReplyGuard, Review
from assistant.reply import Reply
from store.domain.errors import DomainError

if TYPE_CHECKING:
    from assistant.conversation.conversation import Conversation

log = logging.getLogger(__name__)
# A model asking its own yes/no question about a change: the user's "yes" then answers it,
# not the proposal on screen.
_ASKS = re.compile(r"\b(?:shall i|should i|do you want me to|would you like me to|want me to|"
                   r"may i|can i|is it ok if i|would you like to)\b[^?]*\?", re.IGNORECASE)


class Engine(Protocol):
    def respond(self, conv: Conversation, text: str, on_token: TokenSink | None) -> Reply: ...

    def answered(self, conv: Conversation, outcome: dict[str, Any] | None) -> Reply | None:
        """The user confirmed (`outcome`) or kept (None) a proposal: a follow-up, if any."""
        ...

    def remember(self, conv: Conversation, said: str, reply: Reply) -> None: ...


# --- the dialogue manager ----------------------------------------------------------------------
class DialogueEngine:
    def __init__(self, manager: DialogueManager) -> None:
        self.manager = manager

    def _turn(self, conv: Conversation) -> DialogueTurn:
        state = DialogueState.from_dict(conv.state.dialogue, conv.actor.kind)
        return DialogueTurn(ctx=conv.context, state=state, pending=conv.state.pending)

    def respond(self, conv: Conversation, text: str, on_token: TokenSink | None) -> Reply:
        turn = self._turn(conv)
        self.manager.respond(text, turn)
        return self._reply(conv, turn)

    def answered(self, conv: Conversation, outcome: dict[str, Any] | None) -> Reply | None:
        turn = self._turn(conv)
        turn.pending = None
        if outcome is not None:
            # What the user confirmed is what they expect done, even what a race stopped.
            failed = [str(f.get("id")) for f in outcome.get("failed", [])]
            turn.state.done.append({"order_id": outcome.get("order_id"),
                                    "items": list(outcome.get("done", [])),
                                    "expected": [*outcome.get("done", []), *failed],
                                    "action": outcome.get("action")})
            order = turn.state.order(str(outcome.get("order_id")))
            if order is not None:
                order.turn = -1  # changed: looked up again before anything else
        self.manager.after_answer(turn)
        reply = self._reply(conv, turn)
        return reply if reply.text or reply.proposal else None

    def remember(self, conv: Conversation, said: str, reply: Reply) -> None:
        """The manager's state is data, not a transcript: nothing to add."""

    def _reply(self, conv: Conversation, turn: DialogueTurn) -> Reply:
        conv.state.dialogue = turn.state.as_dict()
        if turn.failed == "store_unavailable":
            return Reply(STORE_FAILURE, tool_events=turn.events, error="store_unavailable")
        reply = Reply(turn.text(), tool_events=turn.events, proposal=turn.proposal,
                      discard=turn.discard)
        for e in turn.events:
            if e.name == "lookup_order" and e.result.get("ok"):
                reply.orders.extend(e.result.get("orders") or [e.result])
        return reply


# --- the agent ---------------------------------------------------------------------------------
class AgentEngine:
    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def respond(self, conv: Conversation, text: str, on_token: TokenSink | None) -> Reply:
        question = HumanMessage(text)
        history = repair_history(conv.state.memory)
        try:
            turn = self.agent.run_turn([*history, question], conv.context, on_token)
        except TurnStopped as stop:
            reply = _stopped_reply(stop)
            self.remember(conv, text, reply)
            return reply
        except Exception as e:  # a bug of ours must still leave the user a clear answer
            log.exception("turn failed")
            reply = Reply(TOOL_FAILURE, error=type(e).__name__)
            self.remember(conv, text, reply)
            return reply
        reply = _reply_from(turn)
        if reply.error is not None:
            self.remember(conv, text, reply)
            return reply
        final = self._guarded(conv, reply, turn, [*history, question])
        self._keep(conv, [question, *(final if m is turn.final and final is not None
                                      else lean(m) for m in turn.kept)])
        reply.asks = reply.proposal is None and bool(_ASKS.search(reply.text))
        return reply

    def answered(self, conv: Conversation, outcome: dict[str, Any] | None) -> Reply | None:
        return None

    def remember(self, conv: Conversation, said: str, reply: Reply) -> None:
        self._keep(conv, [HumanMessage(said), AIMessage(reply.text)])

    def _keep(self, conv: Conversation, messages: list[BaseMessage]) -> None:
        limits = self.agent.limits
        conv.state.memory = trim_history([*conv.state.memory, *messages],
                                         limits.history_turns, limits.history_chars)

    def _guarded(self, conv: Conversation, reply: Reply, turn: _Turn,
                 asked: list[BaseMessage]) -> BaseMessage | None:
        """P12: a model-written reply is reviewed sentence by sentence against the store; a
        false outcome claim is corrected or removed, here and in the memory the model sees
        next. Fixed-wording replies need no check."""
        seen = [*asked, *turn.kept]
        if turn.wrote:
            note = _write_note(turn)
            review = _review(conv, note, seen) if note else None
            if review is not None and review.changed:
                reply.text = reply.text.removeprefix(f"{note}\n")
                reply.corrected = True
            return turn.final
        if turn.final is None:
            return turn.final
        review = _review(conv, reply.text, seen)
        if review is None or not review.changed:
            return turn.final
        log.warning("model reply contradicted the store; corrected: %s", review.problems)
        reply.text, reply.streamed, reply.corrected = review.text, False, True
        return AIMessage(review.text)


def _review(conv: Conversation, text: str, seen: list[BaseMessage]) -> Review | None:
    try:
        return ReplyGuard.for_turn(conv.store, conv.actor, seen, conv.thread_id,
                                   conv.context.acting_for).review(text)
    except DomainError:
        return None  # the store is down: the turn's tools said so already


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


__all__ = ["STORE_FAILURE", "AgentEngine", "DialogueEngine", "Engine"]
