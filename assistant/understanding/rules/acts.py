"""What one clause does: its acts (pattern hits) and the request they amount to."""

from __future__ import annotations

from enum import StrEnum

from assistant.understanding.commands import Intent
from assistant.understanding.rules import en


class Act(StrEnum):
    """Pattern hits in a clause. A clause may carry several (a reason and a cancel request)."""

    CANCEL = "cancel"
    SELLER = "seller"
    REFUSE = "refuse"
    CHECK = "check"
    CANCELLABLE_Q = "cancellable_q"
    LOOKUP = "lookup"
    LIST = "list"
    RETURN = "return"
    HUMAN = "human"
    OUT_OF_SCOPE = "out_of_scope"
    GREET = "greet"
    THANKS = "thanks"
    AFFIRM = "affirm"
    DENY = "deny"
    CONFIRM = "confirm"
    REASONS_Q = "reasons_q"
    REFUND_Q = "refund_q"
    HELP = "help"
    WHY = "why"
    OFFTOPIC = "offtopic"
    DOMAIN = "domain"
    NEGATED = "negated"  # "don't cancel ...", "keep it"


_TABLE = (
    (Act.SELLER, en.SELLER), (Act.REFUSE, en.REFUSE), (Act.CHECK, en.CHECK),
    (Act.CANCELLABLE_Q, en.CANCELLABLE_Q), (Act.LOOKUP, en.LOOKUP), (Act.LIST, en.LIST),
    (Act.RETURN, en.RETURN), (Act.HUMAN, en.HUMAN), (Act.OUT_OF_SCOPE, en.OUT_OF_SCOPE),
    (Act.GREET, en.GREET), (Act.THANKS, en.THANKS), (Act.AFFIRM, en.AFFIRM),
    (Act.DENY, en.DENY), (Act.CONFIRM, en.CONFIRM), (Act.REASONS_Q, en.REASONS_Q),
    (Act.HELP, en.HELP), (Act.WHY, en.WHY), (Act.OFFTOPIC, en.OFFTOPIC),
    (Act.DOMAIN, en.DOMAIN), (Act.REFUND_Q, en.REFUND_Q),
)


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with these spans replaced by spaces (offsets of the rest stay valid)."""
    out = text
    for start, end in spans:
        out = out[:start] + " " * (end - start) + out[end:]
    return out


def acts_of(clause: str) -> set[Act]:
    acts: set[Act] = set()
    body = clause
    identity = en.IDENTITY.search(body)
    if identity:
        body = blank(body, [identity.span()])
    for act, pattern in _TABLE:
        if pattern.search(body):
            acts.add(act)
    negated = bool(en.NEG_CANCEL.search(body))
    causative = en.CAUSATIVE.search(body)
    if causative and not en.CHECK.search(blank(body, [causative.span()])):
        acts.discard(Act.CHECK)
    if en.CANCEL.search(en.KEEP_ITEM.sub(" ", body)) and not negated:
        acts.add(Act.CANCEL)
    if negated:
        acts |= {Act.DENY, Act.NEGATED}
        acts -= {Act.SELLER, Act.REFUSE, Act.AFFIRM, Act.CONFIRM}
    if Act.CHECK in acts and en.NOT_A_CHECK.search(body):
        acts.discard(Act.CHECK)  # "my payment hasn't gone through": not about a cancellation
    if Act.CHECK in acts and not en.CANCEL_NOW.search(body):
        acts.discard(Act.CANCEL)  # "is it cancelled?" asks, it doesn't order
    if Act.DENY in acts and Act.AFFIRM in acts and en.DENY.match(body.strip()):
        acts.discard(Act.AFFIRM)
    if acts & {Act.CANCEL, Act.SELLER, Act.REFUSE, Act.CHECK, Act.CANCELLABLE_Q, Act.RETURN}:
        acts.add(Act.DOMAIN)
    if Act.DOMAIN in acts:
        # "I ordered a travel pushchair", "the recipe book from my order": item words, not a
        # topic of their own.
        acts.discard(Act.OFFTOPIC)
    return acts


def intent_of(acts: set[Act], *, names_items: bool, has_reason: bool) -> Intent | None:
    """The request a clause makes, or None when it only adds detail (items, a reason) to the
    request around it. Checking comes before acting: "did the seller approve?" asks."""
    if Act.HUMAN in acts:
        return Intent.HANDOFF
    if Act.CHECK in acts and not (has_reason and acts & {Act.CANCEL, Act.CANCELLABLE_Q}):
        return Intent.CHECK
    if Act.NEGATED in acts:
        return Intent.KEEP if names_items else Intent.DENY
    for act, intent in ((Act.SELLER, Intent.SELLER_REQUEST), (Act.REFUSE, Intent.REFUSAL),
                        (Act.CANCEL, Intent.CANCEL)):
        if act in acts:
            return intent
    if Act.OUT_OF_SCOPE in acts and Act.REFUND_Q not in acts:
        return Intent.HANDOFF  # (a question about where the refund goes is ours to answer)
    if names_items and Act.GREET in acts and not acts & {Act.LOOKUP, Act.CANCELLABLE_Q}:
        return None  # "hey so the black kettle...": a greeting before the request
    if Act.CANCELLABLE_Q in acts:
        return Intent.STATUS
    if Act.DENY in acts:
        return Intent.DENY
    if acts & {Act.AFFIRM, Act.CONFIRM}:
        return Intent.AFFIRM
    for act, intent in ((Act.REFUND_Q, Intent.REFUND), (Act.RETURN, Intent.RETURN),
                        (Act.LIST, Intent.LIST), (Act.LOOKUP, Intent.STATUS),
                        (Act.REASONS_Q, Intent.REASONS), (Act.WHY, Intent.WHY),
                        (Act.HELP, Intent.HELP), (Act.GREET, Intent.GREET),
                        (Act.THANKS, Intent.THANKS), (Act.OFFTOPIC, Intent.OFFTOPIC)):
        if act in acts:
            return intent
    return None
