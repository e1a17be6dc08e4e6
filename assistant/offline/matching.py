"""Matching what the user calls an item ("the headphones", "both cables") to real items.

Titles come from tool results, never from the model, so matching is a small closed problem:
light stemming (plural/singular), one-typo tolerance, and a greedy cover of the user's words
so "the mouse and the mouse pad" finds both items while "the mouse pad" finds only one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")

# Words that never name an item: grammar, dialogue, the shop's own vocabulary, reasons.
_STOP_WORDS = """
a about above actually after again ago all also am an and any anymore anything are as asap
at away back bad be because been before being both bought but buy by can cancel cancelled
canceled cancelling canceling cancellation cancellations cannot cant could customer
did do does doing done dont each either else email even everything except excluding for
from get gets getting give go going gone got had has have having he hello help her here hey hi
him his how however i id if im in instead into is isnt it its ive just keep kindly know
last latest least let like longer look looking made make many may me mine mistake more most
much must my myself need needed needs never new no nope not now number of off ok okay on once
one ones only or order ordered orders other our out over part please pls plz purchase
purchased quickly rather real really reason refund refunded remaining remove request rest right
same see seller shall she should show since so some something soon still stop such sure
than thank thanks that thats the their them then there these they thing things this those
though through thx to today too total twice unfortunately until up us very wait want wanted
wants was way we well were what whats when where which while who whole why will with
without wont would yeah yes yesterday yet you your youre item items product products stuff
cancellable possible delivery shipping shipped status placed check tell entire everything
except apart besides minus plus additionally addition another first second third both either
id ids caller calling line phone tomorrow morning evening night week weeks day days hour
hours minute minutes moment
hurry urgent urgently immediately right away sorry excuse hi hello thanks thank guys mate
recent newest previous current most arrive arrives arriving come coming came
elsewhere cheaper better price deal able think guess maybe perhaps probably definitely surely
certainly also already anyway verify verified caller mail postcode zip note wants
1st 2nd 3rd 4th 5th fourth fifth final listed list
"""
STOP = frozenset(_STOP_WORDS.split())
GENERIC = frozenset({"set", "pack", "kit", "pair", "piece", "pieces", "x", "size", "color",
                     "colour", "new", "large", "small", "medium", "black", "white", "big"})


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("'", "").replace("’", ""))


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """Plural to singular, roughly: enough for "headphones"/"headphone", "boxes"/"box"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=8192)
def similar(a: str, b: str) -> bool:
    """Same stem, or one typo (insert, delete, substitute, swap) in a word of 4+ letters."""
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or a[0] != b[0] or abs(len(a) - len(b)) > 1:
        return False
    return _one_edit(a, b)


def _one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1:] == b[i + 1:]:
            return True  # substitution
        return a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]  # swap
    return a[i:] == b[i + 1:]  # insertion


def usable(word: str) -> bool:
    return len(word) >= 2 and word not in STOP


Word = tuple[str, str]  # (stem, as written): a typo is judged on both


@lru_cache(maxsize=2048)
def title_words(title: str) -> tuple[Word, ...]:
    return tuple((stem(w), w) for w in words(title) if usable(w))


@dataclass(frozen=True)
class TitleMatch:
    picked: tuple[str, ...] = ()  # item ids, in the user's order
    ambiguous: tuple[tuple[str, ...], ...] = ()  # "the cable" when there are two cables
    leftover: tuple[str, ...] = ()  # words that matched nothing

    @property
    def found(self) -> bool:
        return bool(self.picked or self.ambiguous)


def match_titles(tokens: Sequence[str], items: Sequence[tuple[str, str]]) -> TitleMatch:
    """Greedy cover: repeatedly take the item that explains most of the user's remaining
    words (ties broken by how much of its title is covered); equal ties are ambiguous.
    Cached: the whole history is re-read on every model call."""
    return _match(tuple(tokens), tuple(items))


@lru_cache(maxsize=4096)
def _match(tokens: tuple[str, ...], items: tuple[tuple[str, str], ...]) -> TitleMatch:
    user = [(i, (stem(t), t)) for i, t in enumerate(tokens) if usable(t)]
    free = {i for i, _ in user}
    candidates = {iid: title_words(title) for iid, title in items}
    picked: list[str] = []
    ambiguous: list[tuple[str, ...]] = []
    while free:
        scored: list[tuple[tuple[int, int, float], str, frozenset[int]]] = []
        for iid, tw in candidates.items():
            hits, exact = _hits(tw, user, free)
            if hits and not all(stem(tokens[h]) in GENERIC for h in hits):
                # More words explained, then words written exactly as in the title
                # ("headphones" prefers "Wireless headphones" to "Headphone case"), then
                # more of the title covered ("mouse" prefers "Mouse" to "Mouse pad").
                scored.append(((len(hits), exact, len(hits) / len(tw)), iid, hits))
        if not scored:
            break
        scored.sort(key=lambda s: (tuple(-x for x in s[0]), min(s[2])))
        top = scored[0]
        ties = [s for s in scored if s[0] == top[0] and s[2] == top[2]]
        plural = any(stem(tokens[h]) != tokens[h] for h in top[2])
        if len(ties) > 1 and plural:
            picked.extend(s[1] for s in ties)  # "the cables": all of them
        elif len(ties) > 1:
            ambiguous.append(tuple(s[1] for s in ties))
        else:
            picked.append(top[1])
        for s in ties:
            candidates.pop(s[1])
        free -= top[2]
    return TitleMatch(tuple(picked), tuple(ambiguous), tuple(tokens[i] for i in sorted(free)))


def _hits(
    title: Sequence[Word], user: Sequence[tuple[int, Word]], free: set[int]
) -> tuple[frozenset[int], int]:
    used: set[int] = set()
    exact = 0
    for word in title:
        for index, token in user:
            if index in free and index not in used and (
                similar(token[0], word[0]) or similar(token[1], word[1])
            ):
                used.add(index)
                exact += token[1] == word[1]
                break
    return frozenset(used), exact
