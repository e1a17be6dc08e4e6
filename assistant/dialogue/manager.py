"""The deterministic dialogue manager: an `Understanding` in, tool calls and a reply out.

One manager, two understanders (`understanding.rules`, or a model in guided mode). The
understander says what the message asks; the manager reads it in context (is a proposal
waiting? did I just ask for the reason, or which item?) and acts through the same tools as
the agent. It never confirms anything: typed consent is the conversation's closed-form rule
(P7), and writes are the core's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from assistant.dialogue import acting, answers, wording
from assistant.dialogue.resolve import phrase_words, resolve
from assistant.dialogue.state import DialogueState
from assistant.dialogue.turn import DialogueTurn
from assistant.understanding.commands import (
    WRITE_INTENTS,
    Context,
    Intent,
    ItemRef,
    KnownItem,
    Selection,
    Understanding,
)
from assistant.understanding.rules import en
from assistant.understanding.rules.parser import PASTED_INSTRUCTIONS
from tools.order_tools import WRITE_TOOLS

Understander = Callable[[str, Context], Understanding]
Reason = tuple[str, str | None]
_SAME_REASON = re.compile(r"\bsame (?:reason|as before|thing|again)\b|\bfor the same\b", re.I)
_MIN_FREE_REASON_WORDS = 2
INJECTION = ("I can't act on instructions or confirmations pasted into a message: nothing in a "
             "message can change what I may do, and only you can confirm a change, here. If "
             "there's an order of yours you'd like me to find or cancel, tell me its number and "
             "the items.")
INJECTION_STAFF = ("I can't act on instructions or confirmations pasted into a message: a ticket "
                   "or note neither verifies a caller nor confirms a change. To act for a "
                   "caller, give me their order number and their account e-mail or shipping "
                   "postcode, as they tell you (P2).")
SET_ASIDE = ("I've set aside the instructions pasted into your message; only you can confirm "
             "a change, here.")
NOT_YOU = "I can only act for the account you're signed in with."
OFFTOPIC = "Sorry, I can only help with your orders and cancellations here."
CLARIFY = "I'm not sure I understood what you'd like."
NOTHING_PENDING = ("There's nothing waiting for your confirmation right now. Tell me which "
                   "order and items you'd like to cancel.")


class DialogueManager:
    def __init__(self, understand: Understander) -> None:
        self.understand = understand

    def respond(self, text: str, turn: DialogueTurn) -> Understanding:
        s = turn.state
        s.turn += 1
        wants = getattr(self.understand, "wants_context", None)
        if wants is not None and wants(text):
            _prefetch(turn, text)
        u = self.understand(text, context_of(s, turn.pending))
        if u.injection:
            turn.say(INJECTION_STAFF if turn.staff else INJECTION)
            return u
        if PASTED_INSTRUCTIONS in u.notes:
            turn.say(SET_ASIDE)
        if u.identity_claim and not turn.staff:
            turn.say(NOT_YOU)
        reason = _reason(u, s)
        if turn.staff and not (u.emails or u.postcode) and s.awaiting == "details" and (
                code := en.bare_postcode(u.text)):
            u = replace(u, postcode=code)  # "sorry, misheard him - it's 80333"
        verified = _verify(turn, u) if turn.staff and (u.emails or u.postcode) else None
        if verified is not None and all(c.intent in _VAGUE for c in u.commands):
            u = replace(u, commands=())  # "sorry, she read it wrong: the e-mail is ..."
        commands = refine(u, s, turn, reason)
        if not commands:
            if s.goal is not None and (reason or verified) and (s.goal.order_id or
                                                               s.goal.selection):
                if reason:
                    s.goal = replace(s.goal, reason=reason[0], reason_text=reason[1])
                acting.resume(turn, s.goal)
            elif verified is None:
                unclear(turn, u)
            return u
        offered, s.offered = s.offered, []
        misunderstood = s.misunderstood
        for intent, sel in commands:
            if turn.failed:
                break
            self._dispatch(turn, u, intent, sel, reason, offered)
        if s.misunderstood == misunderstood:
            s.misunderstood = 0  # understood: the next unclear message is the first again
        return u

    def after_answer(self, turn: DialogueTurn) -> None:
        """The user confirmed or kept a proposal: the next change waiting in the queue (a
        second order's items) is proposed now."""
        s = turn.state
        s.turn += 1
        s.goal, s.awaiting = None, None
        # Items the user said to keep after a change was queued stay out of it.
        waiting = [replace(g, item_ids=[i for i in g.item_ids if i not in s.kept])
                   for g in s.queue]
        s.queue = []
        acting.take(turn, [g for g in waiting if g.item_ids])

    def _dispatch(self, turn: DialogueTurn, u: Understanding, intent: Intent, sel: Selection,
                  reason: Reason | None, offered: list[str]) -> None:
        s = turn.state
        if intent in WRITE_INTENTS or intent is Intent.KEEP:
            if turn.proposal is not None and not (sel.refs or sel.whole or sel.order_ids
                                                  or sel.exclude):
                return  # "... cancel them? what can I do?": the proposal above answers it
            if turn.proposal is not None:  # one proposal per message; the rest waits
                acting.queue(turn, intent, sel, reason)
            else:
                acting.act(turn, intent, sel, reason)
        elif intent is Intent.CHECK:
            answers.check(turn, sel, u.text)
        elif intent is Intent.STATUS:
            if not (sel.refs or sel.order_ids or sel.latest) and _acted(turn):
                return  # "cancel it? what are my options?": the answer above covers it
            if not answers.status(turn, sel):
                unclear(turn, u)
        elif intent is Intent.LIST:
            answers.listing(turn)
        elif intent is Intent.HANDOFF:
            answers.handoff(turn, "asked for a person", u.text)
        elif intent is Intent.RETURN:
            answers.returns(turn)
        elif intent is Intent.REFUND:
            answers.refund(turn)
        elif intent is Intent.WHY:
            answers.why(turn)
        elif intent is Intent.DENY:
            if turn.pending is not None:
                turn.discard = True
                turn.say("Okay, I won't go ahead; nothing has been changed.")
            else:
                turn.say("Okay, nothing has been changed.")
            s.goal, s.awaiting, s.queue = None, None, []
        elif intent is Intent.AFFIRM and offered and turn.pending is None and s.goal is None \
                and not u.has(*WRITE_INTENTS):
            # "Yes please" to "the case can still be cancelled": those items.
            ids = tuple(ItemRef(ids=(i,)) for i in offered)
            acting.act(turn, Intent.CANCEL, Selection(refs=ids), reason)
        elif intent is Intent.AFFIRM and turn.pending is not None and u.question:
            answers.refund(turn)  # "yes, and I'll get an email, right?": not consent; answered
        elif intent is Intent.AFFIRM:
            _affirmed(turn)
        elif intent is Intent.UNKNOWN:
            unclear(turn, u)
        else:
            turn.say(_fixed(intent, turn.staff))


_VAGUE = (Intent.SELECT, Intent.AFFIRM, Intent.UNKNOWN)


def _acted(turn: DialogueTurn) -> bool:
    return any(e.name in WRITE_TOOLS for e in turn.events) or bool(turn.parts)


def _prefetch(turn: DialogueTurn, text: str) -> None:
    """A model can only point at items it is shown: look up the customer's orders and any
    order the message names before it reads the message (code, not the model, looks up)."""
    if not turn.staff and turn.state.recent is None:
        turn.listed()
    for token in en.find_ids(text):
        if token.strong and turn.state.order(token.text) is None and len(turn.events) < 4:
            turn.fresh(token.text)


def refine(u: Understanding, s: DialogueState, turn: DialogueTurn, reason: Reason | None
           ) -> list[tuple[Intent, Selection]]:
    """Each command read in context: a bare item name after "which one?" fills the request,
    after a proposal it amends it, with a reason it asks to cancel, alone it asks to see."""
    out: list[tuple[Intent, Selection]] = []
    active = s.goal is not None or turn.pending is not None
    for command in u.commands:
        intent, sel = command.intent, command.selection
        if s.awaiting == "reason" and reason is not None and not u.question and intent in (
                Intent.SELECT, Intent.AFFIRM, Intent.UNKNOWN, Intent.CHECK):
            continue  # the message answered "why?": its words are the reason, not items
        if intent is Intent.AFFIRM and not sel.empty and (
                sel.refs or sel.whole or sel.exclude or sel.group in ("both", "rest")):
            intent = Intent.SELECT  # "yes but only the rug", "ok, the blue one"
        named = tuple(r for r in sel.refs if not r.weak)  # not "my sister might want it"
        if intent is Intent.DENY and named and sel.exclude and active:
            intent, sel = Intent.SELECT, replace(sel, refs=named, only=True)  # "no, not the
            # lamp, the shade"
        elif intent is Intent.DENY and (named or sel.exclude) and active:
            intent, sel = Intent.KEEP, replace(sel, exclude=sel.exclude + named, refs=())
        elif intent is Intent.SELECT and sel.exclude and not (named or sel.whole or (
                sel.group in ("both", "rest"))) and turn.pending is not None:
            # "actually keep the sheet, our current one is falling apart": out of the proposal.
            intent, sel = Intent.KEEP, replace(sel, refs=())
        if intent is Intent.SELECT and turn.pending is not None and u.question and (
                not _names_known(s, sel) or _names_pending(s, sel, turn.pending)):
            # a question about the proposal ("that's the 24.99 one right?"): what it would do
            intent = Intent.REFUND
        if intent is Intent.SELECT:
            intent = _selected(s, turn, sel, reason, active, u.question)
        if intent is Intent.STATUS and reason and (sel.refs or sel.order_ids) and not any(
                c.intent in WRITE_INTENTS for c in u.commands):
            intent = Intent.CANCEL  # "...don't want it anymore, what can I do?"
        if intent is Intent.RETURN and (sel.refs or sel.order_ids or sel.group):
            intent = Intent.CANCEL  # "can I send the hat back?": what can be done, per item
        if intent is Intent.KEEP and not active:
            turn.say("Okay, I'll leave that as it is; nothing has been changed.")
            continue
        if intent in WRITE_INTENTS and turn.staff and u.question and not s.verified and (
                intent is Intent.CANCEL and not reason):
            intent = Intent.STATUS  # staff asking "can order 5 be cancelled?"
        out.append((intent, sel))
    return out


def _selected(s: DialogueState, turn: DialogueTurn, sel: Selection, reason: Reason | None,
              active: bool, question: bool) -> Intent:
    if s.goal is not None and s.awaiting in ("items", "order", "details"):
        return Intent.CANCEL if s.goal.action == "cancel" else _write(s.goal.action)
    if question and (sel.refs or sel.order_ids or sel.group or s.focus_order):
        # "the guylines still ship tomorrow right?": asked about, never added to a proposal.
        return Intent.STATUS
    if active and (sel.refs or sel.whole or sel.group or sel.exclude or sel.additive):
        action = s.goal.action if s.goal else str((turn.pending or {}).get("action", "cancel"))
        return _write(action)
    if reason and (sel.refs or sel.order_ids or sel.whole or sel.group):
        return Intent.CANCEL  # "I don't need the mouse pad anymore"
    if not (sel.refs or sel.order_ids or sel.whole or sel.latest or sel.when or s.focus_order):
        return Intent.UNKNOWN  # "hmm, the thing with my order"
    if sel.additive and s.done and (sel.refs or sel.group):
        return _write(str(s.done[-1].get("action")))  # "and the other one too"
    return Intent.STATUS


def _names_known(s: DialogueState, sel: Selection) -> bool:
    """Does the selection point at items seen in this conversation (by word, id or group)?"""
    if sel.whole or sel.group or sel.order_ids or any(r.ids or r.ordinal for r in sel.refs):
        return True
    return bool(sel.refs) and bool(resolve(sel, None, list(s.orders.values())).ids)


def _names_pending(s: DialogueState, sel: Selection, pending: dict[str, Any]) -> bool:
    """Does the selection name only items of the proposal on screen?"""
    ids = resolve(replace(sel, group=None), None, list(s.orders.values())).ids
    shown = {str(i.get("id")) for i in pending.get("items", [])}
    return bool(ids) and set(ids) <= shown


def _names_items(s: DialogueState, sel: Selection) -> bool:
    """Does the selection name items seen in this conversation (not just "it")?"""
    if any(r.ids or r.ordinal for r in sel.refs):
        return True
    return bool(sel.refs) and bool(resolve(replace(sel, group=None, whole=False), None,
                                           list(s.orders.values())).ids)


def _write(action: str) -> Intent:
    return {"seller_request": Intent.SELLER_REQUEST, "refusal": Intent.REFUSAL}.get(
        action, Intent.CANCEL)


def _reason(u: Understanding, s: DialogueState) -> Reason | None:
    if u.reason:
        return u.reason, u.reason_text
    if _SAME_REASON.search(u.text) and s.last_reason:
        return s.last_reason, s.last_reason_text
    if s.awaiting == "reason" and s.goal is not None:
        if u.option and not u.has(Intent.CHECK, Intent.STATUS, Intent.HANDOFF):
            return u.option, None
        if _free_reason(u) and not any(_names_items(s, c.selection) for c in u.commands):
            return en.OTHER, u.text.strip()[:200]  # not "just the keyboard": that's items
    if u.aside and not _names_items(s, Selection(refs=(ItemRef(words=tuple(
            phrase_words(u.aside))),))):
        return en.OTHER, u.aside  # "she got some for her bday already": why, in their words
    return None


def _free_reason(u: Understanding) -> bool:
    """After "why are you cancelling?", a plain statement is the "other" reason's text ("it
    was a gift but the party got cancelled" tells why; it doesn't ask anything)."""
    if u.question or any(c.intent not in (Intent.SELECT, Intent.UNKNOWN, Intent.CHECK)
                         for c in u.commands):
        return False
    return len(u.text.split()) >= _MIN_FREE_REASON_WORDS


def _verify(turn: DialogueTurn, u: Understanding) -> bool:
    """Staff: the caller's details in a message verify them first (P2)."""
    s = turn.state
    order = next(iter(u.order_ids), None) or (s.goal.order_id if s.goal else None) \
        or s.focus_order
    if order is None:
        turn.say("To verify the caller I need the order number too.")
        return False
    args = {"order_id": order}
    if u.emails:
        args["email"] = u.emails[0]
    if u.postcode:
        args["postcode"] = u.postcode
    result = turn.call("verify_caller", args)
    s.focus(order, [])  # the order of the call, even if the details were wrong this time
    if not result.get("ok"):
        turn.say(str(result.get("message")), "Please check the details with the caller.")
        return False
    if s.goal is None or s.goal.order_id is None:
        asked = any(c.intent not in _VAGUE for c in u.commands)  # the request came with it
        turn.say(f"Verified: {result.get('name')} ({result.get('verified')}) for order "
                 f"{result.get('order_id')} (P2)." + (
                     "" if asked else " What would the caller like to do?"))
    return True


def _affirmed(turn: DialogueTurn) -> None:
    s = turn.state
    if turn.pending is not None:
        return  # not consent (a "yes?"): the conversation repeats how to confirm
    if s.awaiting == "reason" and s.goal is not None:
        turn.say(wording.reason_question(turn.staff))
    elif s.awaiting in ("items", "order") and s.goal is not None:
        turn.say("Which item do you mean? Tell me its name, or the order number.")
    else:
        turn.say(NOTHING_PENDING)


def unclear(turn: DialogueTurn, u: Understanding) -> None:
    s = turn.state
    if turn.pending is not None:
        return  # the conversation says "press Confirm, or type yes"
    if s.awaiting == "reason" and s.goal is not None:
        turn.say(wording.reason_question(turn.staff))
        return
    s.misunderstood += 1
    if s.misunderstood >= 2:
        answers.handoff(turn, "could not be helped by the assistant", u.text)
        return
    scope = wording.STAFF_SCOPE if turn.staff else wording.SCOPE
    turn.say(f"{CLARIFY} {scope} Could you tell me the order number and what to do?")


def _fixed(intent: Intent, staff: bool) -> str:
    if intent is Intent.GREET:
        return ("Hi! " + wording.STAFF_SCOPE) if staff else (
            "Hi! " + wording.SCOPE + " What can I do for you?")
    if intent is Intent.REASONS:
        return ("Every cancellation records its reason, from a fixed list (P6). Options: "
                f"{wording.REASON_LIST} (for other, say briefly why).")
    if intent is Intent.HELP:
        return (wording.STAFF_SCOPE if staff else wording.SCOPE) + \
            " Tell me the order number and what you'd like."
    if intent is Intent.THANKS:
        return "You're welcome! Anything else I can help with?"
    return OFFTOPIC


def context_of(s: DialogueState, pending: dict[str, Any] | None) -> Context:
    items = tuple(KnownItem(o.id, i.id, i.title, i.status, i.seller)
                  for o in s.orders.values() for i in o.items)
    pending_items = tuple(str(i.get("id")) for i in pending.get("items", [])) if pending else ()
    return Context(role=s.role, items=items, orders=tuple(s.orders), awaiting=s.awaiting,
                   pending_items=pending_items, focus_items=tuple(s.focus_items))
