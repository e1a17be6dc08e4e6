"""Deterministic reading of a user's plain "yes" or "no" to a proposal (P7).

The confirmation must come from the user, so it is recognised here, outside the model:
only short replies made of agreement (or refusal) words count. Anything with more content
("yes but only the cable") goes to the model, and the proposal is not confirmed.
"""

from __future__ import annotations

import re

_YES = {
    "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "correct",
    "right", "please", "do", "it", "go", "ahead", "proceed", "that's", "thats", "fine",
    "absolutely", "definitely", "cancel", "them", "all", "of", "course", "sounds", "good",
    "great", "perfect", "alright", "indeed", "affirmative", "send", "flag", "request", "the",
    "i", "confirm.", "thanks", "thank", "you", "is", "this", "one", "both", "request.", "agree",
    "si", "oui", "ja", "cancellation", "order", "items", "item", "it.", "now", "that",
    "and", "thing", "for", "with", "pls", "plz", "ya", "yeah.", "yess", "yas", "k", "kk",
    "ahead.", "on", "let's", "lets", "ahead!", "certainly", "exactly", "by", "means",
}
_YES_CORE = {
    "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "correct",
    "proceed", "absolutely", "definitely", "alright", "affirmative", "agree", "go", "do",
    "fine", "perfect", "great", "si", "oui", "ja", "right", "ya", "yess", "yas", "k", "kk",
    "certainly", "exactly", "means",
}
_NO = {
    "no", "n", "nope", "nah", "don't", "dont", "do", "not", "keep", "it", "them", "stop",
    "never", "mind", "nevermind", "changed", "my", "i've", "ive", "i", "have", "thanks",
    "thank", "you", "please", "wait", "hold", "on", "abort", "forget", "leave", "as", "is",
    "actually", "cancel", "that", "the", "proposal", "rather", "not.", "want", "to", "anymore",
    "mind.", "now", "yet", "right", "thanks.", "please.",
}
_NO_CORE = {"no", "n", "nope", "nah", "don't", "dont", "not", "keep", "stop", "never",
            "nevermind", "abort", "forget", "wait", "hold", "changed"}
_NEGATIONS = {"no", "not", "don't", "dont", "never", "nope", "nah", "wait", "stop", "keep",
              "but", "only", "except", "instead"}
_TOKEN = re.compile(r"[a-z']+\.?")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def is_plain_yes(text: str) -> bool:
    words = _words(text)
    if not words or len(words) > 8 or any(ch.isdigit() for ch in text):
        return False
    words = [w.rstrip(".") for w in words]
    return (
        all(w in _YES for w in words)
        and any(w in _YES_CORE for w in words)
        and not any(w in _NEGATIONS for w in words)
    )


def is_plain_no(text: str) -> bool:
    words = [w.rstrip(".") for w in _words(text)]
    if not words or len(words) > 8 or any(ch.isdigit() for ch in text):
        return False
    return all(w in _NO for w in words) and any(w in _NO_CORE for w in words)
