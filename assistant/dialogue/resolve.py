"""Which items the user means: every item they could mean is scored, the best is taken, and
a tie is asked about, never guessed.

A phrase ("the navy blanket", "the big iron one") is compared word by word with each item's
title: the same word or stem counts most, a typo a little less, a compound ("lampshade") as
much, a word of the same family ("navy" for "Dark blue", "frying pan" for "skillet") less;
the seller's name counts a little. An item whose head noun (the last word of its title's
first part: "lamp" in "Ceramic table lamp", "shade" in "Lamp shade") is named is preferred,
then the item whose title the phrase covers most. Items are searched in the order being
discussed first, then in every order the user has.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from assistant.dialogue.facts import ItemFact, OrderFact
from assistant.understanding.commands import ItemRef, Selection
from assistant.understanding.rules import en
from assistant.understanding.words import compounds, content, related, similar, stem, words

_STRONG = 0.8  # a word this close or closer names the item on its own
_NEAR = 0.06  # covers this close are a tie
_WEIGHTS = (("same", 1.0), ("typo", 0.9), ("compound", 0.9), ("family", 0.6), ("seller", 0.5))


@dataclass(frozen=True)
class Score:
    cover: float  # how much of the phrase the title explains
    head: bool  # the title's head noun is named
    share: float  # how much of the title the phrase covers
    strong: bool  # at least one word matched closely (not only by family or seller)
    own_head: bool = False  # the phrase's own head (its last word) names the title's head:
    # "the desk chair" is a chair, not a desk

    @property
    def key(self) -> tuple[float, bool, bool, float]:
        return (round(self.cover, 3), self.own_head, self.head, round(self.share, 3))

    @property
    def kind(self) -> tuple[float, bool, bool]:
        """What the phrase says of the item, without how much of the title it covers:
        items alike in this are the same kind of thing ("the mugs": both mugs)."""
        return (round(self.cover, 3), self.own_head, self.head)


@dataclass
class Resolution:
    ids: list[str] = field(default_factory=list)  # chosen, each once, in the user's order
    ambiguous: list[list[str]] = field(default_factory=list)  # choose one of each group
    unmatched: list[str] = field(default_factory=list)  # phrases that named nothing
    excluded: list[str] = field(default_factory=list)  # items the user keeps
    named: bool = False  # items were named (words, ids, an ordinal), not only "all"/"it"


def score(phrase: Sequence[str], item: ItemFact, last: str | None = None) -> Score | None:
    """How well a phrase names an item. `last` is the phrase's head as the user said it:
    only that word may name the head of a compound ("shade" in "lampshade"); "the brush
    heads" are not a toothbrush."""
    title = content(item.title)
    if not phrase or not title:
        return None
    if len(phrase) == 2 and all(w.isdigit() for w in phrase) and len(phrase[1]) == 2:
        # "the 24.99 one": its price names it.
        return Score(1.0, True, 1.0, True, True) if item.price in (
            f"{phrase[0]}.{phrase[1]}", f"{phrase[0]},{phrase[1]}") else None
    joined = compounds(title)
    head = _head(item.title)
    if len(phrase) >= 2 and any(_closeness(phrase[-2] + phrase[-1], t) > 0 for t in title):
        # "fish tank" is one thing, a "fishtank" (an aquarium), not fish and a tank.
        phrase, last = (*phrase[:-2], phrase[-2] + phrase[-1]), phrase[-2] + phrase[-1]
    seller = tuple(words(item.seller)) if item.third_party else ()
    used: set[int] = set()
    total, strong = 0.0, False
    for word in phrase:
        best, at = 0.0, -1
        for i, t in enumerate(title):
            if i in used:
                continue
            weight = _closeness(word, t, head=t == head)
            if weight > best:
                best, at = weight, i
        if best < _STRONG and (any(similar(word, c) for c in joined) or any(
                _suffix(word, t) for t in title if word == (last or phrase[-1]))):
            best, at = 0.9, -1  # "lamp shade" for "lampshade", "shade" for "lampshade"
        if best < 0.6 and head and word == (last or phrase[-1]) and _suffix(head, word):
            best, at = 0.6, -1  # "lampshade" for a "light shade": its head, not its kind
        if best == 0.0 and any(word == s or (len(word) >= 4 and similar(word, s)) for s in seller):
            best = 0.8  # the seller's name: "the Outdoor Co one"
        if at >= 0 and best >= 0.6:
            used.add(at)
        total += best
        strong = strong or best >= _STRONG
    hits = [w for w in phrase if _hits(w, title)]
    if total == 0.0 or (hits and all(stem(w) in en.GENERIC for w in hits)):
        return None
    head_named = any(_closeness(w, head) > 0 for w in phrase) if head else False
    own_head = bool(head) and (_closeness(phrase[-1], head) > 0 or _suffix(phrase[-1], head))
    return Score(total / len(phrase), head_named or own_head, len(used) / len(title), strong,
                 own_head)


def _suffix(word: str, title_word: str) -> bool:
    """The head of a compound: "shade" in "lampshade", "mat" in "doormat"."""
    return len(word) >= 4 and len(title_word) >= len(word) + 3 and title_word.endswith(word)


def _closeness(word: str, title_word: str, *, head: bool = False) -> float:
    if stem(word) == stem(title_word):
        return 1.0
    if similar(word, title_word):
        return 0.9
    if related(word, title_word):
        # Another name for what the item is ("pan" for a skillet) names it as well as its
        # own word; a related colour or material ("navy" for blue) less.
        return 0.95 if head else 0.6
    return 0.0


def _hits(word: str, title: Sequence[str]) -> bool:
    return any(_closeness(word, t) > 0 for t in title)


def _head(title: str) -> str:
    """The head noun: the last content word of the title's first part ("Lamp shade, linen"
    -> "shade"; "Ceramic table lamp, sage green" -> "lamp")."""
    first = content(re.split(r",| - |\(| with | for | in | of | and ", title.lower())[0])
    nouns = [w for w in first if not any(c.isdigit() for c in w) and w not in en.UNITS
             and w not in en.HEAD_SKIP]
    return nouns[-1] if nouns else ""


def best_items(phrase: Sequence[str], items: Iterable[ItemFact], *, every: bool = False
               ) -> tuple[list[str], bool]:
    """The items a phrase names, and whether that is a tie the user must settle. Words that
    name no item at all ("the payment on my new screen") are left out of the comparison."""
    items = list(items)
    nouns = [w for w in phrase if w.isalpha()]
    last = nouns[-1] if nouns else ""
    phrase = [w for w in phrase if any(score((w,), i, last=last) is not None for i in items)
              ] or phrase
    # A close word is enough: other words of the phrase ("sorry, I hit the wrong button, I
    # want the mat cancelled") lower every item's cover alike.
    scored = [(s, i) for i in items if (s := score(phrase, i, last=last)) is not None
              and (s.strong or s.cover >= 0.6)]
    if not scored:
        return [], False
    if every:  # "all the cables": every item the phrase names well enough
        most = max(s.cover for s, _ in scored)
        # Close words first; "both books" with a hardcover and a paperback: by family.
        strong = any(s.strong for s, _ in scored)
        return [i.id for s, i in scored if s.cover >= most * 0.8 and (s.strong or not strong)
                ], False
    scored.sort(key=lambda p: p[0].key, reverse=True)
    best = scored[0][0]
    alike = [i.id for s, i in scored if s.kind == best.kind and s.strong]
    if len(alike) > 1 and _plural(phrase):
        return alike, False  # "the mugs": all of them
    # Two items the words fit almost equally ("the pan": a crepe pan and a skillet) are
    # asked about, never guessed.
    tied = [i.id for s, i in scored if s.key == best.key or (
        best.cover - s.cover <= _NEAR and s.own_head == best.own_head and s.head and best.head)]
    return tied, len(tied) > 1


def _plural(phrase: Sequence[str]) -> bool:
    return any(stem(w) != w and w not in en.UNCHANGED_PLURALS for w in phrase[-1:])


def resolve(sel: Selection, target: OrderFact | None, known: Sequence[OrderFact], *,
            focus: Sequence[str] = (), named: Sequence[str] = (),
            prefer: OrderFact | None = None) -> Resolution:
    """The items a selection points at: in `target` when the user is talking about one order,
    else first in `prefer` (the order being prepared), then in all `known` orders."""
    out = Resolution()
    everywhere = _unique(([target] if target else []) + list(known))
    for ref in sel.exclude:
        # The item the words name best; a tie keeps every tied item (keeping too much is
        # safe, cancelling something the user wanted to keep is not).
        items = [i for o in everywhere for i in o.items]
        ids, _ = best_items(ref.words, items, every=ref.every) if ref.words else ([], False)
        ids += [i.id for i in items if i.id.lower() in {x.lower() for x in ref.ids}]
        out.excluded += ids
    # What the user keeps is never a candidate: "the candles, the lighter is fine".
    kept = set(out.excluded)
    scope = [_without(o, kept) for o in ([target] if target is not None else
                                           [prefer] if prefer is not None else list(known))]
    everywhere = [_without(o, kept) for o in everywhere]
    chosen: list[str] = []
    # A mention around the request ("...since the lamp comes with one") counts only when
    # nothing named in the request itself does.
    strong = [r for r in sel.refs if not r.weak]
    refs = strong if any(_ref(r, scope, everywhere, target)[0] for r in strong) else sel.refs
    for ref in refs:
        ids, tie, matched = _ref(ref, scope, everywhere, target)
        if ref.weak and not ids and sel.group == "them" and not strong:
            # "another order with a teak bench, cancel that one too": "that one" is the thing
            # just described, and it is nowhere here; never the item in focus instead.
            out.unmatched.append(" ".join(ref.words))
            continue
        if ref.weak and (tie or not ids):
            continue  # a mention around the request that names nothing in particular
        if tie:
            out.ambiguous.append(ids)
        elif ids:
            chosen += ids
        elif not matched:
            out.unmatched.append(" ".join(ref.words) or " ".join(ref.ids))
    out.named = bool(sel.refs)
    base = target or (everywhere[0] if len(everywhere) == 1 else None)
    named_ids = chosen + [i for group in out.ambiguous for i in group]
    if sel.whole and base is None and named_ids:
        # "the order with the puzzle in it - cancel that whole order": the puzzle's order;
        # "my whole yoga order": the order both yoga items are in.
        holders = [o for o in everywhere if any(o.item(i) for i in named_ids)]
        base = holders[0] if len(holders) == 1 else None
    if sel.whole and base is not None:
        chosen = base.ids + chosen
    elif sel.group == "both":
        pair = _pair(named, focus, base)
        chosen += pair
    elif sel.group == "rest" and base is not None:
        chosen += [i for i in base.ids if i not in focus]
    elif sel.group == "rest" and sel.exclude:
        whole = _order_of_kept(sel, known)  # "the charger I'm keeping, cancel the rest"
        chosen += whole.ids if whole is not None else []
    elif sel.group == "them" and (not chosen or sel.additive) and not out.unmatched:
        # "set that up for me": the items being talked about; "cancel it, the battery too":
        # those and more. Not when "it" is something named that isn't here ("it's the
        # headset... cancel it"): that is said, never swapped for what is in focus.
        chosen = list(focus) + chosen if chosen else list(focus)
    if sel.exclude and not chosen and base is not None and not sel.refs:
        chosen = list(base.ids)  # "everything except the lamp" said without "everything"
    out.ids = [i for i in dict.fromkeys(chosen) if i not in out.excluded]
    # A tie with an item another phrase named ("the fish tank and the heater", the tank tied
    # between the aquarium and the aquarium heater) is between the items left.
    left = [[i for i in g if i not in out.ids and i not in out.excluded] for g in out.ambiguous]
    out.ids += [g[0] for g, orig in zip(left, out.ambiguous, strict=True)
                if len(g) == 1 and len(orig) > 1]
    out.ambiguous = [g for g in left if len(g) > 1]
    return out


def _ref(ref: ItemRef, scope: list[OrderFact], everywhere: list[OrderFact],
         target: OrderFact | None) -> tuple[list[str], bool, bool]:
    """(ids, is a tie, matched at all) for one reference."""
    if ref.ids:
        wanted = {i.lower() for i in ref.ids}
        ids = [i.id for o in everywhere for i in o.items if i.id.lower() in wanted]
        return ids, False, bool(ids)
    if ref.ordinal is not None:
        order = target or (everywhere[0] if len(everywhere) == 1 else None)
        if order is None or not order.items:
            return [], False, False
        n = ref.ordinal - 1 if ref.ordinal > 0 else len(order.items) + ref.ordinal
        return ([order.items[n].id], False, True) if 0 <= n < len(order.items) else (
            [], False, False)
    for orders in (scope, everywhere):
        items = [i for o in orders for i in o.items]
        ids, tie = best_items(ref.words, items, every=ref.every)
        if ids:
            return ids, tie, True
    return [], False, False


def _without(order: OrderFact, kept: set[str]) -> OrderFact:
    if not kept:
        return order
    return replace(order, items=[i for i in order.items if i.id not in kept])


def _order_of_kept(sel: Selection, orders: Sequence[OrderFact]) -> OrderFact | None:
    for ref in sel.exclude:
        for order in orders:
            if best_items(ref.words, order.items)[0] if ref.words else any(
                    order.item(i) for i in ref.ids):
                return order
    return None


def _pair(named: Sequence[str], focus: Sequence[str], base: OrderFact | None) -> list[str]:
    """"Both", "the two of them": the two items just named, else the two in focus, else an
    order of exactly two items."""
    for group in (named, focus):
        if len(group) == 2:
            return list(group)
    if base is not None and len(base.items) == 2:
        return base.ids
    return list(named or focus)


def _unique(orders: list[OrderFact]) -> list[OrderFact]:
    seen: dict[str, OrderFact] = {}
    for o in orders:
        seen.setdefault(o.id, o)
    return list(seen.values())


def phrase_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in en.STOP_WORDS]
