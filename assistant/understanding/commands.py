"""What a user's message asks, as data: the one structure both understanders fill.

The rules parser (`understanding.rules`) and a language model in guided mode
(`understanding.model`) both turn a message into an `Understanding`; the deterministic
dialogue manager (`assistant.dialogue`) acts on it. Like Rasa CALM's commands: the
understander says *what* the user wants, never what happens; the manager and the core decide.

Items are pointed at, not resolved: an `ItemRef` carries the user's own words (rules) or item
ids chosen from the items in context (a model), and the manager resolves it against the
store's facts. Nothing here is trusted: ids are re-checked by the core, and an order id
counts only if the user typed it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Intent(StrEnum):
    CANCEL = "cancel"  # stop these items: the manager picks cancel, seller request or refusal
    SELLER_REQUEST = "seller_request"  # ask the third-party seller to cancel (P5)
    REFUSAL = "refusal"  # refuse the parcel at the door (P10)
    KEEP = "keep"  # these items stay: "leave the cable", "the mug can stay" (amends a request)
    SELECT = "select"  # names items or an order without saying what to do with them
    CHECK = "check"  # did a cancellation go through; any news from the seller (P14)
    STATUS = "status"  # what is in an order, its state, what can still be cancelled
    LIST = "list"  # my recent orders
    HANDOFF = "handoff"  # a person, please (P13)
    RETURN = "return"  # a delivered item: returns
    REASONS = "reasons"  # which reasons can I give (P6)
    REFUND = "refund"  # how much / when do I get my money back
    WHY = "why"  # why not? what do you mean?
    GREET = "greet"
    THANKS = "thanks"
    HELP = "help"
    OFFTOPIC = "offtopic"  # declined briefly (P13)
    AFFIRM = "affirm"  # a yes that is not consent to a proposal (nothing pending, or a "yes?")
    DENY = "deny"  # no / never mind / don't
    UNKNOWN = "unknown"


WRITE_INTENTS = frozenset({Intent.CANCEL, Intent.SELLER_REQUEST, Intent.REFUSAL})
# Requests that must point at items: only these can leave an item phrase unplaced.
NAMING_INTENTS = WRITE_INTENTS | {Intent.KEEP, Intent.SELECT}
Group = Literal["both", "them", "rest"]


@dataclass(frozen=True)
class ItemRef:
    """One thing the user pointed at: "the navy blanket", "all the cables", "A2", "the
    second one"."""

    words: tuple[str, ...] = ()  # the user's content words, lower case
    ids: tuple[str, ...] = ()  # item ids: typed by the user, or chosen by a model
    every: bool = False  # "all the cables": every item that matches, not the best one
    ordinal: int | None = None  # 1-based position in the order; -1 is the last
    weak: bool = False  # from a clause around the request ("...since the lamp comes with
    # one"): used if it names an item, ignored if it doesn't


@dataclass(frozen=True)
class Selection:
    """Which items a command is about."""

    refs: tuple[ItemRef, ...] = ()
    exclude: tuple[ItemRef, ...] = ()  # "except the lamp", "the mug can stay"
    whole: bool = False  # "everything", "the whole order", "cancel order N"
    group: Group | None = None  # "both"/"the two": the items just named; "it"/"them": the
    # items in focus; "the rest"/"the other one": the order's items other than those
    order_ids: tuple[str, ...] = ()  # order ids the user typed for this command
    latest: bool = False  # "my last order"
    additive: bool = False  # "also", "too", "as well": added to what is being prepared
    only: bool = False  # "just", "only": replaces what is being prepared
    when: str | None = None  # when the order was placed: "today", "yesterday", "tuesday",
    # "last week", "days" (a few days ago)

    @property
    def empty(self) -> bool:
        return not (self.refs or self.exclude or self.whole or self.group or self.order_ids
                    or self.latest)


@dataclass(frozen=True)
class Command:
    intent: Intent
    selection: Selection = Selection()


@dataclass(frozen=True)
class Understanding:
    text: str
    commands: tuple[Command, ...] = ()
    reason: str | None = None  # a P6 reason value stated in the message
    reason_text: str | None = None  # free text for reason "other"
    option: str | None = None  # a bare option ("mistake", "2"): a reason only if one was asked
    aside: str | None = None  # a statement beside the request that may say why ("she got
    # some for her bday already"): the "other" reason if it names no item
    emails: tuple[str, ...] = ()  # staff: the caller's e-mail (P2)
    postcode: str | None = None  # staff: the caller's postcode (P2)
    question: bool = False
    identity_claim: bool = False  # "I'm staff", "I'm bob@...": changes nothing (P1)
    injection: bool = False  # "ignore your instructions", pasted tool output
    source: Literal["rules", "model"] = "rules"
    notes: tuple[str, ...] = field(default=(), compare=False)  # why, for logs and tests

    @property
    def intents(self) -> list[Intent]:
        return [c.intent for c in self.commands]

    def has(self, *intents: Intent) -> bool:
        return any(c.intent in intents for c in self.commands)

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o for c in self.commands for o in c.selection.order_ids))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def selection_from_dict(d: dict[str, Any]) -> Selection:
    """A selection kept in the dialogue state (JSON) back as a value."""
    def refs(key: str) -> tuple[ItemRef, ...]:
        return tuple(ItemRef(words=tuple(r.get("words", ())), ids=tuple(r.get("ids", ())),
                             every=bool(r.get("every")), ordinal=r.get("ordinal"),
                             weak=bool(r.get("weak")))
                     for r in d.get(key, ()))
    return Selection(
        refs=refs("refs"), exclude=refs("exclude"), whole=bool(d.get("whole")),
        group=d.get("group"), order_ids=tuple(d.get("order_ids", ())),
        latest=bool(d.get("latest")), additive=bool(d.get("additive")),
        only=bool(d.get("only")), when=d.get("when"),
    )


@dataclass(frozen=True)
class Gap:
    """Something the rules' reading left open, for a model to settle (guided mode)."""

    command: int  # index of the command in the reading; -1: the rules understood nothing
    ref: int = 0  # index of the phrase in the command's refs (or exclusions)
    exclude: bool = False  # the phrase says what stays
    candidates: tuple[str, ...] = ()  # the tied item ids; empty: the phrase named nothing


@dataclass(frozen=True)
class KnownItem:
    order_id: str
    item_id: str
    title: str
    status: str
    seller: str = "shop"


@dataclass(frozen=True)
class Context:
    """What an understander may know of the conversation: the items and orders seen, what
    the assistant asked for, and the proposal waiting for an answer. (The rules parser needs
    none of it; a model in guided mode is constrained to it.)"""

    role: str = "customer"
    items: tuple[KnownItem, ...] = ()
    orders: tuple[str, ...] = ()
    awaiting: str | None = None
    pending_items: tuple[str, ...] = ()
    focus_items: tuple[str, ...] = ()
