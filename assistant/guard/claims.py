"""What a reply claims about the store, read conservatively.

Only plain statements of fact count: "Cancelled: X", "X has been cancelled", "I've cancelled
X". A clause with a negation, a modal or a condition ("can't be cancelled", "I can cancel",
"once it ships", a question) is not a claim, and other items' titles are masked so a list
line about one item never speaks for its neighbour. False alarms would teach people to
ignore the monitor, so anything ambiguous is let through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_CANCELLED = r"cancel{1,2}ed"
_CLAUSES = re.compile(r"(?<=[.!?;])\s+|\n+")
_HEDGE = re.compile(
    r"\b(?:not|never|no|nothing|cannot|can|could|would|will|shall|may|might|should|must|if|"
    r"once|whether|unless|until|able|unable|want|wish|try|failed|fail|expect|expected|"
    r"request|requested|ask|asked)\b|n't|\?", re.IGNORECASE)
_SOFT_HEDGE = re.compile(
    r"\b(?:not|never|no|cannot|can|could|would|will|shall|may|might|should|if|once|whether|"
    r"unless|until|able|unable)\b|n't|\?", re.IGNORECASE)
_GAP = r"(?:(?!\b(?:is|are|was|were|has|have|can|and|but|or)\b)[^.;:!?\n]){0,40}?"
# Within a list of cancelled things: "and" continues it, "but"/"except" leaves it.
_LIST_GAP = r"(?:(?!\b(?:but|except|while|although|though|however|whereas)\b)[^.;!?\n]){0,60}?"
_EMAIL_SENT = re.compile(
    r"e-?mail\b[^.;\n]{0,40}?\b(?:was|has been|have been|is|got)\s+sent|"
    r"\bsent\s+(?:you\s+)?(?:a|an|the)\s+(?:confirmation\s+)?e-?mail", re.IGNORECASE)
_REQUEST_SENT = re.compile(
    r"request\b[^.;\n]{0,30}?\b(?:was|has been|have been|is)\s+sent|\brequest\s+sent\b|"
    r"\b(?:sent|forwarded)\s+(?:a|an|the|your)\s+(?:cancellation\s+)?request", re.IGNORECASE)
_REFUSAL_FLAGGED = re.compile(
    r"\brefusal\s+(?:was\s+|has been\s+|is\s+)?(?:flagged|recorded|noted)|"
    r"\b(?:told|notified|informed)\s+the\s+returns\s+cent", re.IGNORECASE)
_CONDITIONAL = re.compile(r"\b(?:if|once|when|whether|unless|until|would|will)\b|\?",
                          re.IGNORECASE)
STATES = ("pending", "unshipped", "processing", "shipped", "delivered")
PLACEHOLDER = "\u2063item\u2063"


@dataclass(frozen=True)
class Claims:
    cancelled: frozenset[str]  # titles stated to be cancelled
    not_cancelled: frozenset[str]  # titles stated not to be cancelled
    states: frozenset[tuple[str, str]]  # (title, state) stated as the item's current state
    email_sent: bool
    request_sent: bool
    refusal_flagged: bool


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(text) if c.strip()]


def _title_rx(title: str) -> str:
    return rf"(?<!\w){re.escape(title)}(?!\w)"


def _mask_others(clause: str, title: str, titles: Iterable[str]) -> str:
    # Longest first, so "USB-C cable" is masked before a title "cable" could be.
    for other in sorted(titles, key=len, reverse=True):
        if other.casefold() != title.casefold() and other.casefold() not in title.casefold():
            clause = re.sub(_title_rx(other), PLACEHOLDER, clause, flags=re.IGNORECASE)
    return clause


def _says_cancelled(clause: str, t: str) -> bool:
    patterns = (
        rf"\b{_CANCELLED}\s*:[^\n]*{t}",  # "Cancelled: A, B"
        rf"{t}{_GAP}\b(?:is|are|was|were|has been|have been|got|now)\s+"
        rf"(?:now\s+|successfully\s+|already\s+|also\s+|been\s+)*{_CANCELLED}\b",
        rf"\b(?:i|we)(?:'ve|\s+have|\s+had)?\s+(?:now\s+|successfully\s+|just\s+|already\s+)*"
        rf"{_CANCELLED}\s+{_LIST_GAP}{t}",
        rf"(?:^|[-•*]\s*|\b(?:successfully|already)\s+){_CANCELLED}\s+(?:the\s+|your\s+)?{t}",
    )
    return any(re.search(p, clause, re.IGNORECASE) for p in patterns)


def _says_not_cancelled(clause: str, t: str) -> bool:
    pattern = (rf"{t}\s+(?:(?:is|was|has|have|are|were)\s+not|isn't|wasn't|hasn't|haven't|"
               rf"aren't|weren't)\s+(?:been\s+|yet\s+)*{_CANCELLED}\b")
    return re.search(pattern, clause, re.IGNORECASE) is not None


def _stated_state(clause: str, t: str) -> str | None:
    """ "X is shipped", "X: It is unshipped", "X (order 1) is now processing" - the subject
    right before the verb, so "X: a request is pending" is not read as X's state."""
    pattern = (rf"{t}\s*(?:\([^)]{{0,40}}\))?\s*(?::\s*it|,\s*it)?\s+is\s+"
               rf"(?:now\s+|still\s+|already\s+|currently\s+)?({'|'.join(STATES)})\b")
    found = re.search(pattern, clause, re.IGNORECASE)
    return found.group(1).lower() if found else None


def _titles_in(clause: str, titles: Iterable[str]) -> Iterator[tuple[str, str]]:
    for title in titles:
        if re.search(_title_rx(title), clause, re.IGNORECASE):
            yield title, _mask_others(clause, title, titles)


def read_claims(text: str, titles: Iterable[str]) -> Claims:
    names = sorted(set(titles), key=len, reverse=True)
    cancelled: set[str] = set()
    not_cancelled: set[str] = set()
    states: set[tuple[str, str]] = set()
    email = request = refusal = False
    for clause in clauses(text):
        for title, masked in _titles_in(clause, names):
            t = _title_rx(title)
            if _says_not_cancelled(masked, t):
                not_cancelled.add(title)
            elif not _HEDGE.search(masked) and _says_cancelled(masked, t):
                cancelled.add(title)
            state = None if _CONDITIONAL.search(masked) else _stated_state(masked, t)
            if state is not None:
                states.add((title, state))
        if not _SOFT_HEDGE.search(clause):
            email = email or bool(_EMAIL_SENT.search(clause))
            request = request or bool(_REQUEST_SENT.search(clause))
            refusal = refusal or bool(_REFUSAL_FLAGGED.search(clause))
    return Claims(frozenset(cancelled), frozenset(not_cancelled), frozenset(states), email,
                  request, refusal)
