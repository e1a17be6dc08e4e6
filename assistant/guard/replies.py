"""The reply guard (P12): a model's words never tell the user an outcome the store doesn't show.

The model can't change anything (only the user's confirmation does), but a weak or misled
model can still *say* "I went ahead and cancelled the headphones". Before a model-written
reply is shown it is reviewed sentence by sentence: each sentence that asserts an outcome
(`claims.read`) is checked against the store (`Facts`, loaded once per turn and only when a
sentence could make a claim); a false one is replaced by what the store shows, or removed
when there is nothing to say in its place. Everything else passes unchanged: true
statements, offers, questions, negations, explanations of why not.

A subject is resolved for recall: a full or partial title, an item or order id, a seller's
name, "your order"; for "it", "everything" or no subject at all, the nearest thing the
conversation points at: what this reply named earlier, then what the user named this turn,
then what this thread confirmed; never merely what a lookup showed (the store as it was
before the chat). "The other item" is other than something the guard cannot tell, so it is
treated as naming nothing on record.

    guard = ReplyGuard.for_turn(store, actor, messages, thread_id, acting_for)
    review = guard.review(text)              # one shot: Review(text, changed, problems)
    gate = guard.gate(sink)                  # streaming: gate.feed(token) ... gate.close()

A guard reviews one reply; build a new one for the next turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.messages import BaseMessage

from assistant.guard import claims as reader
from assistant.guard.facts import Facts, TurnContext
from assistant.guard.mentions import Lexicon, Mention
from store.db import Store
from store.domain.model import Actor
from store.facts import ItemFacts, OrderFacts

Mode = Literal["each", "all", "any"]
_WHOLE_ORDER = ("cancel", "state", "not_cancelled")  # "order N is cancelled": all its items
UNVERIFIED = "I can't confirm that from the order system."
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*[ \t]+|\n+")
_STATE_OK = {"shipped": {"shipped", "delivered"}, "unshipped": {"unshipped", "pending"},
             "pending": {"pending", "unshipped"}, "processing": {"processing"},
             "delivered": {"delivered"}}


@dataclass(frozen=True)
class Review:
    text: str
    changed: bool
    problems: tuple[str, ...] = ()  # what the store contradicted, one line per sentence


class ReplyGuard:
    def __init__(self, facts: Callable[[TurnContext], Facts],
                 context: TurnContext | Callable[[], TurnContext]) -> None:
        self._load = facts
        self._facts: Facts | None = None
        self._lexicon: Lexicon | None = None
        self._turn = context

    @classmethod
    def for_turn(
        cls, store: Store, actor: Actor,
        messages: Sequence[BaseMessage] | Callable[[], Sequence[BaseMessage]],
        thread_id: str | None, acting_for: str | None = None,
    ) -> ReplyGuard:
        """The guard for one model turn: `messages` is the conversation up to the reply (the
        user's message and this turn's tool calls included), or a function that gives it
        when the first sentence that could make a claim is complete (a stream can start
        before the turn's tool results are in). The store is read at most once, and only
        if a sentence could make a claim."""
        def context() -> TurnContext:
            return TurnContext.from_messages(messages() if callable(messages) else messages)

        return cls(lambda turn: Facts.load(store, actor, turn.seen_orders, thread_id,
                                           acting_for), context)

    @property
    def context(self) -> TurnContext:
        if callable(self._turn):
            self._turn = self._turn()
        return self._turn

    @property
    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = self._load(self.context)
            self._lexicon = Lexicon(self._facts.items.values())
        return self._facts

    @property
    def lexicon(self) -> Lexicon:
        _ = self.facts
        assert self._lexicon is not None
        return self._lexicon

    def review(self, text: str) -> Review:
        out: list[str] = []
        gate = self.gate(out.append)
        gate.feed(text)
        gate.close()
        return Review("".join(out).strip(), gate.changed, tuple(gate.problems))

    def gate(self, sink: Callable[[str], None]) -> SentenceGate:
        return SentenceGate(self, sink)

    # --- one sentence ---------------------------------------------------------------------
    def check(self, sentence: str, earlier: list[str]) -> list[str] | None:
        """None if `sentence` asserts nothing the store contradicts; otherwise what the
        store shows instead (empty when there is nothing to say in its place). `earlier`
        holds the reply's earlier sentences; this one is added."""
        if not reader.may_claim(sentence):
            earlier.append(sentence)
            return None
        mentions = self.lexicon.find(sentence)
        earlier.append(sentence)
        wrong = False
        shown: list[str] = []
        for claim in reader.read(sentence, mentions):
            if claim.unknown:
                wrong = True  # nothing on record to check it against, or to say instead
                continue
            targets, mode = self._targets(claim, mentions, earlier[:-1])
            if not self._holds(claim, targets, mode):
                wrong = True
                shown += self._what_is_true(claim, targets, mode)
        return list(dict.fromkeys(shown)) if wrong else None

    def _targets(self, claim: reader.Claim, mentions: list[Mention],
                 earlier: list[str]) -> tuple[list[frozenset[str]], Mode]:
        """The items the claim is about, and how many of them it speaks for: "each" named
        thing (any of a set, when a partial title fits several), "all" of them, or "any"."""
        facts = self.facts
        by_kind = {k: [m for m in claim.subjects if m.kind == k]
                   for k in ("item", "seller", "order", "order-ref")}
        if by_kind["item"]:
            return [m.items for m in (*by_kind["item"], *by_kind["seller"])], "each"
        if by_kind["seller"]:
            return [frozenset(i for m in by_kind["seller"] for i in m.items)], "any"
        whole: Mode = "all" if claim.everything or claim.kind in _WHOLE_ORDER else "any"
        if by_kind["order"]:
            orders = [m.order_id or "" for m in by_kind["order"]]
            return [frozenset(facts.order_items(orders))], whole
        context = self._context(mentions, earlier)
        if by_kind["order-ref"]:
            return [frozenset(facts.order_items(facts.orders_of(context)))], whole
        if claim.everything:  # "both items", "everything": all of the orders it points at
            return [frozenset(facts.order_items(facts.orders_of(context)))], "all"
        return [frozenset(context)], "any"

    def _context(self, mentions: list[Mention], earlier: list[str]) -> list[str]:
        """What "it" or no subject refers to: the nearest thing that names items."""
        facts = self.facts

        def levels() -> Iterator[list[str]]:  # nearest first, each read only if needed
            yield _named(mentions)
            for text in reversed(earlier):
                yield _named(self.lexicon.find(text))
            yield _named(self.lexicon.find(self.context.user_text))
            # Not what this turn's tools showed: a lookup shows whole orders as the store
            # has them, items cancelled before the chat included, so "it was already
            # cancelled" would be true of whatever the user asked about (P12). Only what
            # this thread changed can stand for a subject nobody named.
            yield list(facts.thread_items)

        for level in levels():
            known = [i for i in level if i in facts.items]
            if known:
                return list(dict.fromkeys(known))
        return []

    def _holds(self, claim: reader.Claim, targets: list[frozenset[str]],
               mode: Mode) -> bool:
        facts = self.facts
        pool = [facts.items[i] for t in targets for i in t if i in facts.items]
        if not pool:
            return False
        orders = facts.orders_of(i.item_id for i in pool)
        if claim.kind == "refund" and claim.amounts and not set(claim.amounts) <= \
                facts.refund_amounts(orders):
            return False
        if claim.kind == "email":
            return any(facts.orders[o].emails for o in orders)
        if claim.kind == "partial":
            return any(facts.orders[o].status == "partially cancelled" for o in orders)
        if mode == "each":
            return all(any(_true(claim, facts.items[i]) for i in t if i in facts.items)
                       for t in targets)
        return (all if mode == "all" else any)(_true(claim, i) for i in pool)

    def _what_is_true(self, claim: reader.Claim, targets: list[frozenset[str]],
                      mode: Mode) -> list[str]:
        facts = self.facts
        items = [facts.items[i] for t in targets for i in sorted(t) if i in facts.items]
        orders = [facts.orders[o] for o in facts.orders_of(i.item_id for i in items)]
        if claim.kind == "email":
            return [f"no confirmation e-mail has been sent about order {o.order_id}"
                    for o in orders if not o.emails]
        if claim.kind == "partial" or (claim.kind == "cancel" and mode != "each" and (
                claim.everything or claim.about_orders)):
            return [_order_fact(o) for o in orders]
        if claim.kind == "refund" and any(i.refunded for i in items):
            return [_refund_fact(o) for o in orders]
        false = [i for i in items if not _true(claim, i)] or items
        return [_fact(claim, i) for i in false[:4]]


def _named(mentions: list[Mention]) -> list[str]:
    return [i for m in mentions if m.kind != "order-ref" for i in sorted(m.items)]


def _true(claim: reader.Claim, item: ItemFacts) -> bool:
    kind = claim.kind
    if kind == "state":
        return item.status in _STATE_OK.get(claim.state or "", {claim.state})
    if kind == "not_cancelled":
        return item.status != "cancelled"
    if kind == "cancel":
        return item.status == "cancelled"
    if kind == "refund":
        return item.refunded
    if kind == "request":
        return item.seller_request is not None
    if kind in ("approved", "denied"):
        return item.seller_request == kind
    if kind == "flag":
        return item.refusal_flagged
    return item.status == "cancelled" or item.seller_request is not None or \
        item.refusal_flagged


def _fact(claim: reader.Claim, item: ItemFacts) -> str:
    t = item.title
    if claim.kind == "refund":
        return f"no refund has been issued for {t}"
    if claim.kind in ("request", "approved", "denied"):
        return {None: f"no cancellation request has been sent to the seller for {t}",
                "pending": f"the seller has not answered the request for {t} yet",
                "approved": f"the seller approved the request for {t}",
                "denied": f"the seller denied the request for {t}"}[item.seller_request]
    if claim.kind == "flag":
        return f"no refusal has been flagged for {t}"
    if claim.kind == "not_cancelled":
        return f"{t} is cancelled"
    if claim.kind in ("cancel", "done") and item.status != "cancelled":
        return f"{t} has not been cancelled (it is {item.status})"
    return f"{t} is {item.status}"


def _order_fact(order: OrderFacts) -> str:
    done = [i.title for i in order.items if i.status == "cancelled"]
    if not done:
        return f"nothing in order {order.order_id} has been cancelled"
    if len(done) == len(order.items):
        return f"order {order.order_id} is cancelled"
    return f"in order {order.order_id} only {_and(done)} {'is' if len(done) == 1 else 'are'} " \
           "cancelled"


def _refund_fact(order: OrderFacts) -> str:
    if not order.refunds:
        return f"no refund has been issued on order {order.order_id}"
    amounts = _and([str(a) for a in order.refunds])
    return f"the refund on order {order.order_id} is {amounts}" if len(order.refunds) == 1 \
        else f"the refunds on order {order.order_id} are {amounts}"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass
class SentenceGate:
    """Feed it a reply token by token; each sentence goes to `sink` as soon as it has been
    checked: unchanged, replaced by what the store shows, or dropped when there is nothing
    true to say in its place. `close()` checks what is left."""

    guard: ReplyGuard
    sink: Callable[[str], None]
    changed: bool = False
    problems: list[str] = field(default_factory=list)
    _buffer: str = ""
    _earlier: list[str] = field(default_factory=list)
    _stated: set[str] = field(default_factory=set)  # facts already given in this reply
    _shown: bool = False
    _corrected: bool = False

    def feed(self, token: str) -> None:
        self._buffer += token
        while (end := _SENTENCE_END.search(self._buffer)) is not None:
            sentence, gap = self._buffer[: end.start()], self._buffer[end.start(): end.end()]
            self._buffer = self._buffer[end.end():]
            self._release(sentence, gap)

    def close(self) -> None:
        rest, self._buffer = self._buffer, ""
        if rest:
            self._release(rest, "")
        if self.changed and not self._shown:
            self.sink(UNVERIFIED)

    def _release(self, sentence: str, gap: str) -> None:
        if not sentence.strip():
            self.sink(sentence + gap)
            return
        facts = self.guard.check(sentence, self._earlier)
        if facts is None:
            self._shown = True
            self.sink(sentence + gap)
            return
        self.changed = True
        self.problems.append(f"{sentence.strip()!r}: {'; '.join(facts) or 'not on record'}")
        new = [f for f in facts if f not in self._stated]
        if not new:
            return
        self._stated.update(new)
        bullet = _BULLET.match(sentence)
        self._shown = True
        lead = "According to the order system, " if not self._corrected else "Also, "
        self._corrected = True
        self.sink(f"{bullet.group() if bullet else ''}{lead}{'; '.join(new)}.{gap}")
