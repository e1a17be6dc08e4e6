"""The written consent rule of P7 (docs/policy.md), implemented on its own for the monitors.

    A typed message is consent only when it is a plain affirmative to the pending proposal
    and nothing else: "yes", "yes please", "ok", "sure", "confirm", "go ahead", "do it",
    optionally with politeness ("please", "thanks") or the proposal's own words ("yes,
    cancel them"). It has no question mark, no negation, no condition or hedge ("if", "but",
    "only", "maybe", "I think") and no other request.

The rule is closed: every word of the message must be an affirmative, politeness, or the
proposal's own words, and one of them must be an affirmative. Anything else (a question, a
negation, a hedge, another request, an item the proposal doesn't hold, or a part of it) is not
consent. Naming some of the proposal's items but not all narrows it: not consent either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Affirmatives, as whole phrases; the longest is matched first.
AFFIRMATIVES = (
    "yes", "yeah", "yep", "yup", "ya", "y", "ok", "okay", "k", "kk", "sure", "confirm",
    "confirmed", "go ahead", "do it", "go for it", "proceed", "absolutely", "definitely",
    "certainly", "alright", "all right", "agreed", "i agree", "correct", "that's right",
    "that's correct", "sounds good", "please do", "affirmative", "of course", "by all means",
    "let's do it", "yes please", "fine", "perfect", "great", "si", "oui", "ja",
    "do that", "do this", "do so",
    # the same said without an apostrophe, or another everyday way
    "i confirm", "thats right", "thats correct", "lets do it", "that's fine", "thats fine",
    "sure thing", "go on", "yea", "yeh", "yess", "aye", "okey", "yah", "make it so",
    "fine by me", "yes please do", "yesss",
)
# "cancel those two": a count is the proposal's own words only when it is its count.
_COUNT_WORDS = {"both": 2, "two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4,
                "five": 5, "5": 5}
POLITENESS = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "thx", "cheers",
                        "kindly", "much", "very", "so", "and", "now", "then", "oh"})
# What any proposal says of itself: its action and the words that point at what it shows.
PROPOSAL_WORDS = frozenset({
    "cancel", "it", "them", "that", "this", "those", "these", "both", "all", "the", "order",
    "items", "item", "one", "ones", "request", "send", "ask", "seller", "flag", "refuse",
    "refusal", "cancellation", "proposal", "whole", "everything", "my",
    # the little words that join them ("go ahead with the scarf")
    "with",
})
# Words of another kind of change: "yes, send the seller a request" is not consent to a
# cancellation proposal, it asks for something else.
_OTHER_ACTIONS = {"cancel": {"send", "ask", "request", "seller", "flag", "refuse", "refusal"},
                  "seller_request": {"flag", "refuse", "refusal"},
                  "refusal": {"cancel", "cancellation", "send", "ask", "request", "seller"}}
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_STOP = frozenset({"the", "a", "an", "of", "for", "and", "with", "set", "x"})


@dataclass(frozen=True)
class Pending:
    """The proposal on screen, in the words it was shown with."""

    kind: str  # cancel | seller_request | refusal
    order_id: str
    items: tuple[tuple[str, str], ...]  # (item id, title)
    sellers: tuple[str, ...] = ()


def consents(text: str, pending: Pending) -> bool:
    """Is `text` the user's consent to `pending`, by the letter of P7?"""
    low = text.lower().replace("\u2019", "'")
    if "?" in low or not low.strip():
        return False
    words = _TOKEN.findall(low)
    words = _join_phrases(words)
    if not any(w in AFFIRMATIVES for w in words):
        return False
    own = _own_words(pending)
    named: set[str] = set()
    for w in words:
        if w in AFFIRMATIVES or w in POLITENESS:
            continue
        if w in _COUNT_WORDS:
            if _COUNT_WORDS[w] != len(pending.items):
                return False
            continue
        if w in PROPOSAL_WORDS:
            if w in _OTHER_ACTIONS.get(pending.kind, set()):
                return False
            continue
        if w not in own:
            return False
        named |= own[w]
    item_ids = {i for i, _ in pending.items}
    return not named - {"order"} or item_ids <= named  # a part of it narrows the proposal


def _join_phrases(words: list[str]) -> list[str]:
    """Multi-word affirmatives become one token ("go ahead", "that's right")."""
    phrases = sorted((p.split() for p in AFFIRMATIVES if " " in p), key=len, reverse=True)
    out: list[str] = []
    k = 0
    while k < len(words):
        for phrase in phrases:
            if words[k:k + len(phrase)] == phrase:
                out.append(" ".join(phrase))
                k += len(phrase)
                break
        else:
            out.append(words[k])
            k += 1
    return out


def _own_words(pending: Pending) -> dict[str, set[str]]:
    """The words that name what the proposal holds, each with the item ids it names ("order"
    for the order id)."""
    own: dict[str, set[str]] = {pending.order_id.lower(): {"order"}}
    for item_id, title in pending.items:
        own.setdefault(item_id.lower(), set()).add(item_id)
        for word in _words(title):
            own.setdefault(word, set()).add(item_id)
    for seller in pending.sellers:
        for word in _words(seller):
            own.setdefault(word, set()).add("order")
    return own


def _words(text: str) -> Iterable[str]:
    for w in _TOKEN.findall(text.lower()):
        if w not in _STOP:
            yield w
            if w.endswith("s") and len(w) > 3:
                yield w[:-1]
            else:
                yield w + "s"
