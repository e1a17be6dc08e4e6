"""What a sentence names: items by full or partial title or by id, orders by id or as "your
order", sellers by name. Read for recall: "your headphones" is the Wireless headphones, "the
cable's" the USB-C cable, "A1" item A1, "order 112-0000001" all of that order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from store.facts import ItemFacts

MentionKind = Literal["item", "order", "seller", "order-ref"]
MASK = "\u00a7"  # stands in for a mention, so the claim patterns never read inside a title

# Words too common to name an item on their own ("to your card", "in that case").
_WEAK = frozenset({
    "card", "case", "set", "stand", "pack", "kit", "box", "bag", "pad", "cover", "holder",
    "light", "lights", "mini", "pro", "plus", "max", "one", "two", "new", "small", "large",
    "big", "black", "white", "red", "blue", "green", "order", "item", "items", "gift",
})
_STOP = frozenset({"the", "a", "an", "of", "for", "and", "with", "in", "on", "to", "by", "&",
                   "x", "my", "your", "its"})
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_ORDER_REF = re.compile(
    r"\b(?:(?:your|the|this|that|my|her|his|their|caller's|customer's|same)\s+)"
    r"(?:(?:whole|entire|full|complete)\s+)?orders?\b(?!\s*(?:#|number|no\.)?\s*[A-Za-z0-9]*\d)"
    r"|\b(?:whole|entire)\s+order\b", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: MentionKind
    items: frozenset[str]  # item ids it may mean (several when a partial title is shared)
    order_id: str | None = None


def _norm(word: str) -> str:
    w = word.lower().removesuffix("'s").removesuffix("\u2019s")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("es") and w[-3] in "sxz":
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


@functools.lru_cache(maxsize=4096)
def _named(kind: str, name: str) -> re.Pattern[str]:
    """Where a text names this order, title, seller or item id. Compiled once per name: the
    names are the users' own, far more than `re`'s cache of 512 patterns holds, so with a
    few hundred chats every reply check compiled its patterns again (issue 11)."""
    literal = re.escape(name)
    if kind == "order":
        return re.compile(rf"(?:\b(?:your\s+|the\s+|this\s+)?orders?\s*"
                          rf"(?:#|number\s+|no\.?\s*)?)?(?<![\w\-]){literal}(?![\w\-]|\.\d)",
                          re.IGNORECASE)
    if kind == "title":
        return re.compile(rf"(?<!\w){literal}(?:'s|s)?(?!\w)", re.IGNORECASE)
    if kind == "seller":
        return re.compile(rf"(?<!\w){literal}(?!\w)", re.IGNORECASE)
    return re.compile(rf"(?<![\w\-]){literal}(?![\w\-])", re.IGNORECASE)


class Lexicon:
    """Every name the facts know, and where a text uses them."""

    def __init__(self, items: Iterable[ItemFacts]) -> None:
        self.items = {i.item_id: i for i in items}
        self._titles = sorted({i.title for i in self.items.values()}, key=len, reverse=True)
        self._words: dict[str, set[str]] = {}
        for i in self.items.values():
            for w in _WORD.findall(i.title):
                n = _norm(w)
                if n not in _STOP and len(n) > 1:
                    self._words.setdefault(n, set()).add(i.item_id)
        self._sellers: dict[str, set[str]] = {}
        for i in self.items.values():
            if i.seller:
                self._sellers.setdefault(i.seller, set()).add(i.item_id)
        self._orders: dict[str, set[str]] = {}
        for i in self.items.values():
            self._orders.setdefault(i.order_id, set()).add(i.item_id)

    def find(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        taken = [False] * len(text)

        def claim(start: int, end: int, kind: MentionKind, items: Iterable[str],
                  order_id: str | None = None) -> None:
            if any(taken[start:end]):
                return
            for k in range(start, end):
                taken[k] = True
            found.append(Mention(start, end, kind, frozenset(items), order_id))

        for oid in sorted(self._orders, key=len, reverse=True):
            for m in _named("order", oid).finditer(text):
                claim(m.start(), m.end(), "order", self._orders[oid], oid)
        for title in self._titles:
            for m in _named("title", title).finditer(text):
                claim(m.start(), m.end(), "item",
                      [i for i, f in self.items.items() if f.title == title])
        for seller, items in sorted(self._sellers.items(), key=lambda s: -len(s[0])):
            for m in _named("seller", seller).finditer(text):
                claim(m.start(), m.end(), "seller", items)
        for item_id in self.items:
            if any(c.isdigit() for c in item_id):
                for m in _named("item", item_id).finditer(text):
                    claim(m.start(), m.end(), "item", [item_id])
        self._partial_titles(text, claim)
        for m in _ORDER_REF.finditer(text):
            claim(m.start(), m.end(), "order-ref", ())
        return sorted(found, key=lambda m: m.start)

    def _partial_titles(self, text: str, claim: _Claim) -> None:
        """Runs of title words ("your headphones", "the coffee grinder parcel"): each run
        names the items whose titles share the most of its words."""
        run: list[re.Match[str]] = []
        for m in [*_WORD.finditer(text), None]:
            word = _norm(m.group()) if m is not None else ""
            adjacent = m is not None and run and text[run[-1].end():m.start()].strip(" -") == ""
            if m is not None and word in self._words and (not run or adjacent):
                run.append(m)
                continue
            self._close_run(run, claim)
            run = [m] if m is not None and word in self._words else []

    def _close_run(self, run: list[re.Match[str]], claim: _Claim) -> None:
        if not run:
            return
        words = [_norm(m.group()) for m in run]
        if all(w in _WEAK for w in words):
            return
        score: dict[str, int] = {}
        for w in words:
            for item_id in self._words[w]:
                score[item_id] = score.get(item_id, 0) + 1
        best = max(score.values())
        claim(run[0].start(), run[-1].end(), "item", [i for i, s in score.items() if s == best])


class _Claim(Protocol):  # Lexicon.find's inner `claim`
    def __call__(self, start: int, end: int, kind: MentionKind, items: Iterable[str],
                 order_id: str | None = None) -> None: ...


def masked(text: str, mentions: Iterable[Mention]) -> str:
    """`text` with each mention replaced by MASK characters, positions unchanged."""
    chars = list(text)
    for m in mentions:
        chars[m.start:m.end] = MASK * (m.end - m.start)
    return "".join(chars)
