"""Which typed messages are consent to the pending proposal (P7), in closed form.

The policy: a typed message is consent only when it is a plain affirmative to the pending
proposal and nothing else: "yes", "yes please", "ok", "sure", "confirm", "go ahead", "do
it", optionally with politeness ("please", "thanks") or the proposal's own words ("yes,
cancel them"). No question mark, no negation, no condition or hedge ("if", "but", "only",
"maybe", "I think"), no other request.

So a message is consent when every word in it is an affirmative, a polite word, a filler, or
one of the proposal's own words (its action, its items' titles, its order number), at least
one is an affirmative, and none is a negation or a hedge. Anything else is not consent
(`Consent.OTHER`); a plain no (`Consent.NO`) keeps everything as it is. The same rule holds
for every provider: the model is never asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
MAX_WORDS = 14


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Affirmatives: single words, and phrases whose words only count together.
_YES_WORDS = _set("""
yes y yeah yea yep yup ya yah yess yesss ok okay okey k kk sure confirm confirmed
proceed absolutely definitely certainly affirmative agreed alright aye correct
great perfect fine
""")
_YES_PHRASES = (
    ("go", "ahead"), ("go", "for", "it"), ("do", "it"), ("do", "that"), ("do", "so"),
    ("please", "do"), ("all", "right"), ("that's", "right"), ("thats", "right"),
    ("that's", "correct"), ("sounds", "good"), ("of", "course"), ("i", "confirm"),
    ("i", "agree"), ("let's", "do", "it"), ("lets", "do", "it"), ("make", "it", "so"),
    ("that's", "fine"), ("thats", "fine"), ("fine", "by", "me"), ("go", "on"),
    ("sure", "thing"),
)
# Only words the written rule allows (the evals' P7 monitor reads the same letter): "ok
# cool" or "yes, send it to them" may well mean yes, but the policy doesn't list them.
_POLITE = _set("""
please pls plz thanks thank you thx cheers kindly
""")
_FILLER = _set("""
and then now so oh very much yes with
""")
# Words that make it something else: a negation, a hedge, a condition, a question word.
_NOT_CONSENT = _set("""
just
no not don't dont never nope nah nothing wait hold stop but only except unless if maybe
perhaps probably possibly think guess suppose might may should would could can will
shall what why how when where which who whether instead rather actually hmm hm um uh
unsure sure?
""")
# The proposal's own words, by kind, besides its items' titles and order number.
_OWN = {
    "cancel": "cancel cancellation it them that this those these the my order items item all "
              "everything whole one ones",
    "seller_request": "cancel send request it them that this those these the seller ask my "
                      "items item order cancellation all one ones",
    "refusal": "flag it them that this those these the refusal refuse my order items item all "
               "one ones",
}
_NO_CORE = (
    ("no",), ("nope",), ("nah",), ("don't",), ("dont",), ("do", "not"), ("never", "mind"),
    ("nevermind",), ("not", "now"), ("stop",), ("keep", "it"), ("keep", "them"),
    ("forget", "it"), ("leave", "it"), ("changed", "my", "mind"), ("no", "thanks"),
)
_NO_WORDS = _set("""
no nope nah don't dont do not never mind nevermind now stop keep it them forget leave
changed my mind thanks thank you please hold on wait actually i i've ive have cancel
that the proposal rather want to anymore yet right sorry
""")


# A number of items said with the consent ("cancel those two") must be the proposal's own.
_COUNTS = {"both": 2, "two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4, "five": 5,
           "5": 5}
# Words that point at the whole proposal, even when a title happens to contain them.
_GENERIC = _set("""
cancel cancelling canceling cancellation it them that this those these the my order items item
all both everything whole send sending request seller ask to flag refusal refuse tell returns
center centre parcel package and
""")


class Consent(StrEnum):
    YES = "yes"  # confirms the pending proposal
    NO = "no"  # keeps everything as it is
    OTHER = "other"  # a question, a change, anything unclear: never confirms


def words(text: str) -> list[str]:
    norm = text.lower().replace("\u2019", "'").replace("`", "'")
    return _WORD.findall(norm)


def classify(text: str, proposal: dict[str, Any] | None) -> Consent:
    if proposal is None or "?" in text or "\n" in text.strip():
        return Consent.OTHER
    tokens = [t.strip("'-") for t in words(text)]
    tokens = [t for t in tokens if t]
    if not tokens or len(tokens) > MAX_WORDS:
        return Consent.OTHER
    if _is_plain_no(tokens):
        return Consent.NO
    if any(t in _NOT_CONSENT for t in tokens):
        return Consent.OTHER
    rest, affirmed = _without_phrases(tokens, _YES_PHRASES)
    own = _own_words(proposal)
    allowed = _YES_WORDS | _POLITE | _FILLER | own
    if not (affirmed or any(t in _YES_WORDS for t in rest)):
        return Consent.OTHER
    if not all(t in allowed or t in _COUNTS for t in rest):
        return Consent.OTHER
    return Consent.YES if _names_all(tokens, proposal) else Consent.OTHER


def _names_all(tokens: list[str], proposal: dict[str, Any]) -> bool:
    """Naming some of the proposal's items, or another number of them, is a changed request
    ("yes, cancel the headphones" when the case is proposed too): the user may not have seen
    that more would go, so it is never taken as consent to all of it."""
    items = list(proposal.get("items", []))
    if any(_COUNTS[t] != len(items) for t in tokens if t in _COUNTS):
        return False
    named: set[int] = set()
    for t in tokens:
        if t in _GENERIC:
            continue
        named |= {k for k, item in enumerate(items)
                  if t in _title_words([str(item.get("title", ""))])}
    return not named or len(named) == len(items)


def _is_plain_no(tokens: list[str]) -> bool:
    if not all(t in _NO_WORDS for t in tokens):
        return False
    joined = f" {' '.join(tokens)} "
    return any(f" {' '.join(p)} " in joined for p in _NO_CORE)


def _without_phrases(tokens: list[str], phrases: tuple[tuple[str, ...], ...]
                     ) -> tuple[list[str], bool]:
    """The tokens left once affirmative phrases are taken out, and whether there was one."""
    rest = list(tokens)
    found = False
    for phrase in sorted(phrases, key=len, reverse=True):
        n = len(phrase)
        i = 0
        while i + n <= len(rest):
            if tuple(rest[i:i + n]) == phrase:
                del rest[i:i + n]
                found = True
            else:
                i += 1
    return rest, found


def _own_words(proposal: dict[str, Any]) -> frozenset[str]:
    kind = str(proposal.get("action", "cancel"))
    own = set(_OWN.get(kind, _OWN["cancel"]).split())
    own |= set(_title_words(str(i.get("title", "")) for i in proposal.get("items", [])))
    order_id = str(proposal.get("order_id", "")).lower()
    if order_id:
        own |= {order_id, "order", "number", "#" + order_id}
    for item in proposal.get("items", []):
        seller = item.get("seller")
        if seller and seller != "shop":
            own |= set(words(str(seller)))
    return frozenset(own)


def _title_words(titles: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for title in titles:
        for w in words(title):
            if w not in _NOT_CONSENT:
                # "yes, cancel the pads" for a "pad set": a title word in either number.
                out |= {w, w.rstrip("s"), w if w.endswith("s") else w + "s"}
    return out
