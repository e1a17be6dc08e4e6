"""The dialogue state, rebuilt from the message list on every call.

The model keeps nothing between calls: facts come only from tool results in the messages
(P12), the user's goal from re-reading their messages in order, and what the assistant last
offered from its own (deterministic) wording. So a conversation restored from storage, or
a message list built by hand in a test, gives exactly the same behaviour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from assistant.guard.consent import is_plain_no, is_plain_yes
from assistant.offline import replies
from assistant.offline.facts import (
    Action,
    ItemFact,
    OrderFact,
    ProposalFact,
    ToolResult,
    can_after,
    content_text,
    tool_data,
)
from assistant.offline.matching import match_titles, usable
from assistant.offline.nlu import OTHER, Act, Frame, ItemRefs, because_text, parse

Role = Literal["customer", "staff"]


class Request(StrEnum):
    """What the current message asks of the assistant, given the conversation so far."""

    ACT = "act"  # cancel / seller request / refusal: work towards a proposal
    REPROPOSE = "repropose"  # "yes" to a proposal that is no longer the last thing shown
    CHECK = "check"
    INFO = "info"
    LIST = "list"
    HANDOFF = "handoff"
    RETURN = "return"
    NOTHING_TO_CONFIRM = "nothing_to_confirm"
    DENY = "deny"
    REASONS = "reasons"
    REFUND = "refund"  # a question about the amount of the proposal on screen
    HELP = "help"
    GREET = "greet"
    THANKS = "thanks"
    OFFTOPIC = "offtopic"
    INJECTION = "injection"
    VERIFY = "verify"
    CLARIFY = "clarify"


# --- the user's goal --------------------------------------------------------------------------
@dataclass
class Goal:
    action: Action | None = None
    order_id: str | None = None
    latest: bool = False  # "my last order": the newest order from lookup_order()
    pinned: tuple[str, ...] = ()  # item ids fixed by earlier turns
    refs: ItemRefs | None = None  # words still to resolve against the order's titles
    reason: str | None = None
    reason_text: str | None = None
    ask_seller: bool = False  # "contact Cable Co about cancelling": a request if only they can
    # "The other one", "the rest": other than the items in focus when it was said (the focus
    # moves to the answer itself once it is resolved).
    others_of: tuple[str, ...] | None = None


@dataclass
class Resolution:
    ids: list[str] = field(default_factory=list)
    ambiguous: tuple[tuple[str, ...], ...] = ()
    leftover: tuple[str, ...] = ()
    named: bool = False  # some items were named by title or id


@dataclass
class Turn:
    frame: Frame
    request: Request
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    verify: dict[str, str] | None = None  # staff: verify_caller args read from the message
    offer: str | None = None  # what the assistant had offered when this message came

    def called(self, name: str, args: dict[str, Any] | None = None) -> bool:
        return any(n == name and (args is None or a == args) for n, a in self.calls)

    def last(self, name: str) -> ToolResult | None:
        return next((r for r in reversed(self.results) if r.name == name), None)


# --- the state ----------------------------------------------------------------------------------
@dataclass
class State:
    role: Role = "customer"
    orders: dict[str, OrderFact] = field(default_factory=dict)
    recent: list[str] | None = None  # order ids from lookup_order() without id, newest first
    focus_order: str | None = None
    focus_items: list[str] = field(default_factory=list)
    pending: ProposalFact | None = None
    yes_expected: bool = False  # the proposal was the last thing shown (Conversation rule)
    confirmed: list[ProposalFact] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)  # order id -> customer (P2)
    goal: Goal = field(default_factory=Goal)
    last_ai_text: str = ""
    clarify_streak: int = 0
    turn: Turn | None = None

    # --- reading the conversation ---------------------------------------------------------
    def intercepted(self, text: str) -> str | None:
        """Messages the Conversation answered without the model (P7 confirmation step)."""
        t = text.strip()
        if t == "[Confirm]":
            return "confirm"
        if t == "[Keep]":
            return "keep"
        if self.pending is not None and self.yes_expected and is_plain_yes(t):
            return "confirm"
        if self.pending is not None and is_plain_no(t):
            return "keep"
        return None

    def on_user(self, frame: Frame) -> None:
        offer = replies.offer_in(self.last_ai_text)
        request = self.classify(frame, offer)
        self.turn = Turn(frame, request, offer=offer, verify=self._verify_args(frame))
        self.merge(frame, request, offer)
        self.refresh_focus()

    def on_ai_text(self, text: str) -> None:
        self.last_ai_text = text
        self.clarify_streak = self.clarify_streak + 1 if replies.CLARIFY in text else 0

    def on_outcome(self, kind: str, text: str) -> None:
        """The Conversation's own reply to a click or a plain yes/no."""
        self.last_ai_text = text
        self.clarify_streak = 0
        pending, self.pending = self.pending, None
        if kind == "keep":
            self.goal = replace(self.goal, action=None)  # items and reason stay in focus
            return
        failed = replies.failed_titles(text)
        if pending is None or not (replies.is_success(text) or failed):
            return
        # Failed items stay expected: asked later, the user hears they are not cancelled.
        self.confirmed.append(pending)
        order = self.orders.get(pending.order_id)
        done = [i for i in pending.item_ids if pending.titles.get(i) not in failed]
        for item_id in done:
            item = order.item(item_id) if order else None
            if item and pending.action == "cancel":
                item.status, item.can, item.already_done = "cancelled", "already_cancelled", False
            elif item:
                item.already_done = True
        for title, status in failed.items():
            item = next((i for i in order.items if i.title == title), None) if order else None
            if item:
                item.status, item.can = status, can_after(status, item.third_party)
        self.goal = replace(self.goal, action=None)

    def on_result(self, name: str, args: dict[str, Any], data: dict[str, Any]) -> None:
        result = ToolResult(name, args, data)
        if self.turn is not None:
            self.turn.results.append(result)
        self.yes_expected = False
        handler = _RESULT_HANDLERS.get(name)
        if handler is not None:
            handler(self, result)
        self.refresh_focus()

    # --- tool results -------------------------------------------------------------------------
    def _lookup_result(self, r: ToolResult) -> None:
        if not r.ok:
            return
        if "orders" in r.data:
            views = [o for o in r.data.get("orders", []) if isinstance(o, dict)]
            for view in views:
                self._store_order(view)
            self.recent = [str(v.get("order_id")) for v in sorted(
                views, key=lambda v: str(v.get("placed_at", "")), reverse=True)]
            return
        order = self._store_order(r.data)
        self.focus_order = order.id
        if self.goal.order_id and self.goal.order_id.lower() == order.id.lower():
            self.goal = replace(self.goal, order_id=order.id)  # the store's spelling

    def _store_order(self, view: dict[str, Any]) -> OrderFact:
        order = OrderFact(
            id=str(view.get("order_id", "")),
            items=[ItemFact.from_view(i) for i in view.get("items", []) if isinstance(i, dict)],
            status=str(view.get("status", "")), placed_at=str(view.get("placed_at", "")),
            refunded=str(view.get("refunded", "")),
        )
        self.orders[order.id] = order
        return order

    def _write_result(self, r: ToolResult) -> None:
        order = self.orders.get(str(r.args.get("order_id", "")))
        proposal = r.data.get("proposal")
        if r.ok and isinstance(proposal, dict):
            items = [i for i in proposal.get("items", []) if isinstance(i, dict)]
            self.pending = ProposalFact(
                tool=r.name, args=dict(r.args), order_id=str(proposal.get("order_id", "")),
                item_ids=[str(i.get("id")) for i in items],
                titles={str(i.get("id")): str(i.get("title")) for i in items},
                reason=proposal.get("reason"), refund=str(proposal.get("refund", "")),
            )
            self.yes_expected = True
            self.focus_order, self.focus_items = self.pending.order_id, self.pending.item_ids
            self.goal = replace(self.goal, action=None, order_id=self.pending.order_id,
                                pinned=tuple(self.pending.item_ids), refs=None, latest=False)
        for done in r.data.get("already_done", []) or []:
            item = order.item(str(done.get("id"))) if order else None
            if item:
                item.already_done = item.can != "already_cancelled"
        for view in (r.data.get("not_included") or []) + (r.data.get("items") or []):
            item = order.item(str(view.get("id"))) if order and isinstance(view, dict) else None
            if item and view.get("can"):
                item.can = str(view["can"])
                item.status = str(view.get("status", item.status))
                item.why = str(view.get("why", item.why))

    def _check_result(self, r: ToolResult) -> None:
        for entry in r.data.get("orders", []) or []:
            oid = str(entry.get("order_id", ""))
            known = self.orders.get(oid)
            if known is None:
                items = [ItemFact(id=str(i.get("id")), title=str(i.get("title")),
                                  status=str(i.get("status", "")))
                         for i in entry.get("items", [])]
                self.orders[oid] = OrderFact(oid, items, str(entry.get("status", "")),
                                             complete=False)
                continue
            for i in entry.get("items", []):
                item = known.item(str(i.get("id")))
                if item and i.get("status") and i["status"] != item.status:
                    item.status = str(i["status"])
                    item.can = can_after(item.status, item.third_party)

    def _verify_result(self, r: ToolResult) -> None:
        if r.ok:
            self.verified[str(r.data.get("order_id", r.args.get("order_id", "")))] = str(
                r.data.get("verified", ""))
            self.focus_order = str(r.data.get("order_id") or self.focus_order or "") or None

    # --- understanding a message in context ---------------------------------------------------
    def classify(self, f: Frame, offer: str | None) -> Request:
        action = self.action_of(f)
        g = self.goal
        pointed = f.refs.all or f.refs.both or f.refs.other
        if f.has(Act.INJECTION):
            return Request.INJECTION  # instructions or tool output typed by the user: no act
        if f.has(Act.HUMAN):
            return Request.HANDOFF
        if f.has(Act.CHECK) and not (f.reason and f.has(Act.CANCEL, Act.CANCELLABLE_Q)) and not (
                self.awaiting_reason() and not f.question):  # "the party got cancelled"
            return Request.CHECK
        if f.has(Act.OUT_OF_SCOPE) and action is None:
            return Request.HANDOFF
        if (self.role == "staff" and action is None and f.has(Act.AFFIRM)
                and self._verify_args(f) and offer is None):
            return Request.VERIFY  # "ok, she now says her e-mail is ..."
        if f.has(Act.AFFIRM, Act.CONFIRM) and action is None and not f.has(Act.DENY):
            return self._affirmed(f, offer)
        if action is not None:
            if self.role == "staff" and f.has(Act.CANCELLABLE_Q) and not self.verified:
                return Request.INFO
            return Request.ACT
        if f.has(Act.DENY) and self.pending is None and f.has(Act.LOOKUP, Act.LIST) and (
                f.order_ids or f.latest):
            return self._informational(f)  # "don't cancel anything, just show me order 7"
        if f.has(Act.DENY):
            return Request.ACT if g.action and self._names_items(f) else Request.DENY
        if f.reason and (g.action or self._names_items(f) or f.order_ids or (
                pointed and (self.focus_order or g.order_id)) or _item_words(f) or f.refs.some):
            return Request.ACT  # "I don't want the mouse pad anymore" asks to cancel it
        if g.action and (self._names_items(f) or (g.order_id is None and f.order_ids)):
            return Request.ACT
        if g.action and self.awaiting_reason() and (f.option or self._free_reason(f)):
            return Request.ACT
        if g.action and self.awaiting_reason() and f.has(Act.WHY, Act.REASONS_Q):
            return Request.REASONS  # "why do you need to know?"
        if (self.pending or self.goal.pinned) and (
                self._names_items(f) or f.refs.other or f.refs.both or f.refs.all):
            return Request.ACT  # "the cable too", "the other one": more of the same
        if f.has(Act.CANCELLABLE_Q):
            return Request.INFO if self.role == "staff" else Request.ACT
        if f.has(Act.REFUND_Q) and self.pending is not None:
            return Request.REFUND
        return self._informational(f)

    def _informational(self, f: Frame) -> Request:
        if self.role == "staff" and self._verify_args(f) and not f.has(
                Act.LOOKUP, Act.CANCELLABLE_Q):
            return Request.VERIFY
        if f.has(Act.RETURN):
            return Request.RETURN
        if f.has(Act.LIST) and not f.order_ids:
            return Request.LIST
        if f.has(Act.LOOKUP, Act.WHY) and (f.order_ids or f.latest or self._names_items(f)
                                          or self.focus_order or f.has(Act.DOMAIN)):
            return Request.INFO
        if f.order_ids or f.latest or self._names_items(f):
            return Request.INFO
        if f.has(Act.REASONS_Q):
            return Request.REASONS
        if self.role == "staff" and self._verify_args(f):
            return Request.VERIFY
        for act, request in ((Act.GREET, Request.GREET), (Act.THANKS, Request.THANKS),
                             (Act.HELP, Request.HELP)):
            if f.has(act):
                return request
        if f.has(Act.OFFTOPIC) or not f.has(Act.DOMAIN):
            return Request.OFFTOPIC
        return Request.HANDOFF if self.clarify_streak >= 1 else Request.CLARIFY

    def _affirmed(self, f: Frame, offer: str | None) -> Request:
        if offer == "handoff":
            return Request.HANDOFF
        if offer in ("seller_request", "refusal", "cancel"):
            return Request.ACT
        if self.pending is not None:  # "yes" again, or "yes but only the pen"
            named = self._names_items(f) or f.refs.all or f.refs.both or f.refs.other
            return Request.ACT if named else Request.REPROPOSE
        if self.goal.action and (f.reason or self._names_items(f) or self.awaiting_reason()):
            return Request.ACT
        if f.reason and (f.order_ids or _item_words(f)):
            return Request.ACT  # "ok, I don't want the hat on 5002 any more"
        return Request.NOTHING_TO_CONFIRM

    def merge(self, f: Frame, request: Request, offer: str | None) -> None:
        """Fold the message into the goal. Must stay deterministic: it is replayed."""
        if request is Request.ACT:
            self.goal = self._act_goal(f, offer)
        elif request is Request.REPROPOSE and self.pending is not None:
            p = self.pending
            self.goal = Goal(p.action, p.order_id, pinned=tuple(p.item_ids), reason=p.reason,
                             reason_text=p.args.get("reason_text"))
        elif request is Request.INFO:
            order = self._order_of(f) or self.goal.order_id or self.focus_order
            refs = f.refs if self._names_items(f) or f.refs.named else None
            keep = order == self.goal.order_id and refs is None
            self.goal = Goal(None, order, latest=f.latest and not f.order_ids,
                             pinned=self.goal.pinned if keep else (),
                             refs=refs if refs else (self.goal.refs if keep else None),
                             reason=self.goal.reason)
        elif request is Request.DENY:
            self.goal = Goal()
        elif request is Request.VERIFY and self.goal.order_id is None:
            # Kept even if the details don't match: the caller may correct them.
            self.goal = replace(self.goal, order_id=self._order_of(f))

    def action_of(self, f: Frame) -> Action | None:
        """The action asked for; naming a known seller ("ask Lumen Ltd") means a request."""
        action = frame_action(f)
        if action == "cancel" and _ASKING.search(f.norm) and any(
                i.seller.lower() in f.norm for o in self.orders.values() for i in o.items
                if i.third_party):
            return "seller_request"
        return action

    def _act_goal(self, f: Frame, offer: str | None) -> Goal:
        g = self.goal
        action = self.action_of(f)
        if action is None and offer in ("seller_request", "refusal", "cancel"):
            return self._accept_offer(offer, f)
        order = self._order_of(f)
        whole = not f.refs.some and not self._names_items(f) and (
            f.order_object or not any(usable(t) for t in f.refs.tokens))
        if (order and order != g.order_id) or (f.latest and not order):
            refs = replace(f.refs, fallback_all=whole)  # "cancel order X" (P4)
            if whole and g.order_id is None and g.refs is not None and g.refs.named and (
                    not f.order_object):
                refs = g.refs  # "which order?" - "the one in 1002": the same items there
            g = Goal(order_id=order, latest=f.latest and not order, reason=g.reason,
                     reason_text=g.reason_text, refs=refs)
        last = self.pending.action if self.pending else None
        g = replace(g, action=action or g.action or last or "cancel",
                    ask_seller=g.ask_seller or bool(_ASKING.search(f.norm)))
        if self._names_items(f) or f.refs.all or f.refs.both or f.refs.other:
            pinned = tuple(self.resolved_ids(g)) if f.refs.additive else ()
            g = replace(g, pinned=pinned, refs=f.refs,
                        others_of=tuple(self.focus_items) if f.refs.other else None)
        elif f.order_object and whole and not g.pinned:
            g = replace(g, refs=replace(f.refs, fallback_all=True))
        elif f.refs.pronoun and not g.pinned and g.refs is None and self.focus_items:
            g = replace(g, pinned=tuple(self.focus_items))
        elif g.refs is None and not g.pinned and f.refs.tokens:
            g = replace(g, refs=f.refs)  # words to match once the order is known
        return self._with_reason(g, f)

    def _accept_offer(self, offer: str, f: Frame) -> Goal:
        """'Yes' to "Shall I send the seller a request?": the offered action on those items."""
        g = self.goal
        order = self.goal_order()
        ids = self.resolved_ids(g)
        if order is not None:  # exactly the items the offer was about
            want = {"seller_request": "request_seller", "refusal": "refuse_at_door"}.get(
                offer, "cancel")
            picked = [i for i in (ids or order.ids) if (it := order.item(i)) and it.can == want
                      and not it.already_done]
            ids = picked or ids
        action: Action = offer if offer in ("seller_request", "refusal") else "cancel"  # type: ignore[assignment]
        g = replace(g, action=action, pinned=tuple(ids), refs=None if ids else g.refs)
        return self._with_reason(g, f)

    def _with_reason(self, g: Goal, f: Frame) -> Goal:
        if f.reason:
            return replace(g, reason=f.reason, reason_text=f.reason_text)
        if self.awaiting_reason() and f.option and not self._names_items(f):
            return replace(g, reason=f.option, reason_text=None)
        if self.awaiting_reason() and self._free_reason(f):
            return replace(g, reason=OTHER, reason_text=f.text[:200])
        return g

    def awaiting_reason(self) -> bool:
        return replies.ASK_REASON in self.last_ai_text

    def _free_reason(self, f: Frame) -> bool:
        """After "why are you cancelling?", a plain statement is the "other" free text."""
        if f.question or f.acts - {Act.DOMAIN, Act.IDENTITY_CLAIM, Act.CHECK} or (
                self._names_items(f)):
            return bool(because_text(f.text)) and not f.question
        return len(f.norm.split()) >= 2 and not f.order_ids

    def _verify_args(self, f: Frame) -> dict[str, str] | None:
        if self.role != "staff" or not (f.emails or f.postcode):
            return None
        order = self._order_of(f) or self.goal.order_id or self.focus_order
        if not order:
            return None
        args = {"order_id": order}
        if f.emails:
            args["email"] = f.emails[0]
        if f.postcode:
            args["postcode"] = f.postcode
        return args

    def _order_of(self, f: Frame) -> str | None:
        """The order id the message names: a strong id that isn't an item id we know; one
        said right after "order" or "#" first ("sku-9 from order ORD-7")."""
        for token in sorted(f.ids, key=lambda t: not t.context):
            if token.strong and not self._known_item(token.text):
                return token.text
        for token in f.ids:  # a short id ("ORD7") that names no known item
            if not self._known_item(token.text) and self.orders and not self._names_items(f):
                return token.text if len(token.text) >= 4 else None
        return None

    def _known_item(self, token: str) -> bool:
        return any(o.item(token) for o in self.orders.values())

    def _names_items(self, f: Frame) -> bool:
        """Does the message point at items of an order we know (by id or title)?"""
        if any(self._known_item(t.text) for t in f.ids):
            return True
        orders = [self.orders[o] for o in (self.goal.order_id, self.focus_order)
                  if o and o in self.orders] or list(self.orders.values())
        if f.refs.ordinal is not None and orders:
            return True
        return any(match_titles(f.refs.tokens, _pairs(o)).found for o in orders)

    # --- items in focus -----------------------------------------------------------------------
    def order(self, order_id: str) -> OrderFact | None:
        found = self.orders.get(order_id)
        if found is None:
            key = order_id.lower()
            found = next((o for o in self.orders.values() if o.id.lower() == key), None)
        return found

    def goal_order(self) -> OrderFact | None:
        g = self.goal
        oid = g.order_id or (self.newest() if g.latest else None) or self.focus_order
        return self.order(oid) if oid else None

    def newest(self) -> str | None:
        return self.recent[0] if self.recent else None

    def resolve(self, g: Goal, order: OrderFact) -> Resolution:
        out = Resolution(ids=[i for i in g.pinned if order.item(i)])
        refs = g.refs
        if refs is None:
            return out
        focus = [i for i in self.focus_items if order.item(i)]
        by_id = list(dict.fromkeys(it.id for t in (*refs.ids, *refs.tokens)
                                   if (it := order.item(t))))
        id_words = {w for t in refs.ids if order.item(t) for w in _word_list(t)}
        words = [t for t in refs.tokens if not order.item(t) and t not in id_words]
        match = match_titles(words, _pairs(order))
        named = [*by_id, *match.picked]
        chosen: list[str]
        if refs.all:
            chosen = order.ids
        elif refs.both and len(named) < 2:
            chosen = order.ids if len(order.items) == 2 or len(focus) != 2 else focus
        elif refs.other and not named:
            before = focus if g.others_of is None else list(g.others_of)
            chosen = [i for i in order.ids if i not in before] or order.ids
        elif refs.ordinal is not None and not named and not match.ambiguous:
            chosen = _nth(order.ids, refs.ordinal)
        elif named or match.ambiguous:
            chosen = named
        elif refs.fallback_all:
            chosen = order.ids
        elif refs.pronoun and not refs.some:
            chosen = focus or order.ids
        else:
            chosen = []
        if refs.except_tokens:
            unwanted = match_titles(refs.except_tokens, _pairs(order))
            excluded = {*unwanted.picked, *(i for group in unwanted.ambiguous for i in group)}
            excluded |= {it.id for t in refs.except_tokens if (it := order.item(t))}
            chosen = [i for i in (chosen or order.ids) if i not in excluded]
        out.ids = list(dict.fromkeys([*out.ids, *chosen]))
        out.named = bool(named)
        out.ambiguous = match.ambiguous
        out.leftover = match.leftover if not chosen else ()
        return out

    def resolved_ids(self, g: Goal) -> list[str]:
        order = self.orders.get(g.order_id or "") or self.goal_order()
        return self.resolve(g, order).ids if order else list(g.pinned)

    def refresh_focus(self) -> None:
        if self.goal.latest and self.recent:  # "my last order" is now a known order
            self.goal = replace(self.goal, order_id=self.recent[0], latest=False)
        order = self.goal_order()
        if order is None:
            return
        ids = self.resolve(self.goal, order).ids
        if ids:
            self.focus_order, self.focus_items = order.id, ids


_RESULT_HANDLERS = {
    "lookup_order": State._lookup_result,
    "cancel_items": State._write_result,
    "request_seller_cancellation": State._write_result,
    "flag_refusal": State._write_result,
    "check_cancelled": State._check_result,
    "verify_caller": State._verify_result,
}


_ASKING = re.compile(r"\b(ask|contact|tell|message|get in touch|reach out|request|write|email|"
                     r"e-mail|ping|notify)\b")


def _nth(ids: list[str], position: int) -> list[str]:
    """The item at a 1-based position ("the second one"), or the last one for -1."""
    index = position - 1 if position > 0 else len(ids) + position
    return [ids[index]] if 0 <= index < len(ids) else []


def _word_list(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _item_words(f: Frame) -> bool:
    return any(usable(t) for t in f.refs.tokens)


def frame_action(f: Frame) -> Action | None:
    if f.has(Act.SELLER):
        return "seller_request"
    if f.has(Act.REFUSE):
        return "refusal"
    if f.has(Act.CANCEL):
        return "cancel"
    return None


def _pairs(order: OrderFact) -> list[tuple[str, str]]:
    return [(i.id, i.title) for i in order.items]


# --- the fold -----------------------------------------------------------------------------------
def fold(messages: Sequence[BaseMessage], role: Role) -> State:
    """Replay the conversation into a State whose `turn` is the current user message."""
    state = State(role=role)
    last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)),
                     default=-1)
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    handled: str | None = None
    for index, message in enumerate(messages):
        if isinstance(message, HumanMessage):
            text = content_text(message)
            kind = state.intercepted(text) if index < last_human else None
            state.yes_expected = False
            if kind:
                handled = kind
                continue
            handled = None
            state.on_user(parse(text))
        elif isinstance(message, AIMessage):
            for call in message.tool_calls:
                args = dict(call.get("args") or {})
                calls[call.get("id") or ""] = (call["name"], args)
                if index > last_human and state.turn is not None:
                    state.turn.calls.append((call["name"], args))
            text = content_text(message)
            if not message.tool_calls and text:
                if handled:
                    state.on_outcome(handled, text)
                    handled = None
                else:
                    state.on_ai_text(text)
        elif isinstance(message, ToolMessage):
            name, args = calls.get(message.tool_call_id, (message.name or "", {}))
            state.on_result(name, args, tool_data(message.content))
    return state
