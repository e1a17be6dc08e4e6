"""Which items one clause points at: named items, kept items, groups, the whole order."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.understanding.commands import Group, ItemRef, Selection
from assistant.understanding.rules import en
from assistant.understanding.rules.acts import blank
from assistant.understanding.words import content

_PHRASES = re.compile(r",|;|/|&|\+|\band\b|\bplus\b|\bor\b|\bas well as\b|\balong with\b|"
                      r"\bnot\b|\bbut\b|\bwith\b")
_DETERMINER = re.compile(r"^(?:the|my|that|this|those|these|our|your|her|his|their|a|an)\s+")


@dataclass(frozen=True)
class Found:
    """A clause's selection and what it said about its items."""

    selection: Selection
    names_items: bool  # item words, item ids, an ordinal or "all the X"


def select(clause: str, order_ids: list[str], item_ids: list[str]) -> Found:
    kept_phrases, text = _kept(clause)
    kept: list[ItemRef] = []
    for phrase in kept_phrases:
        ids = tuple(i for i in item_ids if _has_token(phrase, i))
        kept += [ItemRef(ids=ids)] if ids else []
        kept += [ItemRef(words=w) for p in _PHRASES.split(_without(phrase, item_ids))
                 if (w := content(p))]
    item_ids = [i for i in item_ids if _has_token(text, i)]
    text = _without(text, [*order_ids, *item_ids])  # ids are not item words
    text = en.IDIOM.sub(" ", text)  # "just in case" names no case
    count = en.ALL_COUNT.search(text)
    if count is not None and content(blank(text, [count.span()])):
        text = blank(text, [count.span()])  # a quantity of the item named, not "all"
    every, text = _every(text)
    whole = bool(en.ALL.search(text)) or bool(
        en.ORDER_OBJECT.search(text) and not _item_words_outside_order_object(text))
    group, text = _group(text)
    ordinal = _ordinal(text)
    refs = [ItemRef(words=w, weak=weak) for w, weak in _phrases(text)]
    refs += [ItemRef(ids=(i,)) for i in item_ids]
    if ordinal is not None:
        refs.append(ItemRef(ordinal=ordinal))
    refs += every
    if (whole and group == "them") or (refs and group == "both"):
        group = None  # "cancel it all", "both the shoes and the socks"
    selection = Selection(
        refs=tuple(refs), exclude=tuple(kept), whole=whole,
        group=group, order_ids=tuple(order_ids), latest=bool(en.LATEST.search(clause)),
        additive=bool(en.ADDITIVE.search(clause)) and not whole,
        only=bool(en.ONLY.search(clause)), when=when(clause),
    )
    return Found(selection, names_items=bool(refs))


def _has_token(text: str, token: str) -> bool:
    return re.search(rf"(?<![\w-])#?{re.escape(token.lower())}(?![\w-])", text) is not None


def _without(text: str, tokens: list[str]) -> str:
    """The text with these ids replaced by a placeholder: they are not item words, and
    "cancel sku-9 from order 7" must not read as "cancel ... order"."""
    for token in tokens:
        text = re.sub(rf"(?<![\w-])#?{re.escape(token.lower())}(?![\w-])", " x-id ", text)
    return text


def _kept(text: str) -> tuple[list[str], str]:
    """Phrases the user keeps ("except the lamp", "the mug can stay"), and the text without
    them."""
    kept: list[str] = []
    everything = en.ALL.search(text)
    patterns = [en.KEEP_MEANT, en.KEEP_AFTER, en.KEEP_BEFORE, en.KEEP_VERB, en.KEEP_COLOUR]
    if everything:
        patterns.append(en.BUT_AFTER_ALL_PHRASE)
    for pattern in patterns:
        while (m := pattern.search(text)) is not None:
            group, at = m.group("phrase"), m.start("phrase")
            if pattern is en.KEEP_AFTER:  # "... the mug can stay": the phrase comes first
                phrase = _last_kept(text[:at], group)
                span = (at + group.rfind(phrase), m.end())
                marker = (at + len(group), m.end())
            else:  # "except the mug ...": the phrase follows the marker
                phrase = en.PHRASE_END.split(group, maxsplit=1)[0].strip()
                span = (m.start(), at + group.find(phrase) + len(phrase))
                marker = (m.start(), at)
            if not phrase or en.NOT_A_KEPT_PHRASE.match(_DETERMINER.sub("", phrase)) or (
                    en.NOT_A_KEPT_PHRASE.match(phrase)):
                text = blank(text, [marker])
                continue
            kept.append(phrase)
            text = blank(text, [span])
            if pattern is en.KEEP_AFTER and (too := en.KEEP_TOO.match(text[span[1]:])):
                kept.append(too.group("phrase").strip())  # "the lamp can stay, bulbs too"
                text = blank(text, [(span[1] + too.start(), span[1] + too.end())])
    return kept, text


def _last_kept(before: str, phrase: str) -> str:
    """"Cancel the rug and the pad can stay": after a request in the same clause only the
    last item phrase stays; without one ("the pad and cushions I can use") all of it."""
    if not en.WRITE_VERB.search(before + " " + phrase):
        return phrase.strip()
    parts = re.split(r"(?:\b(?:and|but)\b|,)\s+(?=(?:the|my|that|this|those|these)\b)", phrase)
    return parts[-1].strip()


def _item_words_outside_order_object(text: str) -> bool:
    """"Cancel my order" is the whole order; "cancel the mug from my order" is not."""
    rest = en.ORDER_OBJECT.sub(" ", text)
    return bool(content(rest))


def _every(text: str) -> tuple[list[ItemRef], str]:
    """"All the cables", "both mugs": every item that matches, not the best one."""
    refs: list[ItemRef] = []
    for m in list(en.EVERY.finditer(text)):
        noun = content(m.group("noun"))
        if noun:
            refs.append(ItemRef(words=noun, every=True))
            text = blank(text, [m.span()])
    return refs, text


def _group(text: str) -> tuple[Group | None, str]:
    for group, pattern in (("both", en.GROUP_BOTH), ("rest", en.GROUP_REST),
                           ("them", en.GROUP_THEM)):
        m = pattern.search(text)
        if m:
            return group, blank(text, [m.span()])  # type: ignore[return-value]
    return None, text


def _ordinal(text: str) -> int | None:
    m = en.ORDINAL.search(text)
    return en.ORDINALS[m.group(1)] if m else None


def _phrases(text: str) -> list[tuple[tuple[str, ...], bool]]:
    """The item phrases, each with whether it is only a mention: after the request, a
    comma-separated part that tells rather than asks ("cancel the ink, the printer comes
    with cartridges") names nothing to change unless nothing else does."""
    out: list[tuple[tuple[str, ...], bool]] = []
    parts = re.split(r",|;|\s[\u2014\u2013-]\s|\s(?=(?:since|because)\s)", text)
    asks_later = [bool(en.WRITE_VERB.search(p)) for p in parts]
    for k, part in enumerate(parts):
        if out and (same := _APPOSITIVE.match(part)) and (words := content(same.group(1))):
            # "my light bulbs, the smart ones": which bulbs, not another item.
            out[-1] = (out[-1][0] + tuple(w for w in words if w not in out[-1][0]), out[-1][1])
            continue
        told = k > 0 and bool(en.COMMENTARY.search(part)) and not (
            en.WRITE_VERB.search(part) or en.ADDITIVE.search(part))
        # "i ordered two controllers by mistake, need to cancel the black one": the story
        # before the request names what it is about, not what to cancel.
        told = told or (k == 0 and bool(_STORY.match(part)) and any(asks_later[1:])
                        and not asks_later[0])
        # "the heater is on the truck": a noun phrase ends at its verb; what the verb says
        # of it is a mention.
        named_before = False  # "is the big bottle still cancellable?": the verb comes first
        for piece in _VERB.split(part):
            # "the stove from Outdoor Co": where it came from tells which, it isn't another item
            for m, bit in enumerate(re.split(r"\bfrom\b", piece)):
                found = [(w, told or named_before or m > 0) for p in _PHRASES.split(bit)
                         if (w := content(p))]
                out += found
                named_before = named_before or bool(found)
    return out


_STORY = re.compile(r"^\s*(?:so\s+|ok\s+|well\s+)?(?:i|we|i'?ve|we'?ve)\s+(?:\w+\s+)?"
                    r"(?:ordered|bought|got|purchased)\b")
_APPOSITIVE = re.compile(r"^\s*(?:the|those|that|these|this)\s+([\w\s-]+?)\s+ones?\W*$")
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|comes?|came|says|said|looks|seems|that|"
                   r"which|arrived|arrives|shipped|got|gets)\b")


def when(clause: str) -> str | None:
    """When the order was placed, as the user said it: "my order from this morning",
    "bought it on tuesday". Only with a word of ordering nearby: "it arrived yesterday" says
    nothing about when it was ordered."""
    found = [(name, m) for name, pattern in en.WHEN if (m := pattern.search(clause))]
    if (day := en.WEEKDAY.search(clause)) is not None:
        found.append((day.group(1), day))
    if (date := en.DAY_OF_MONTH.search(clause)) is not None:
        found.append((f"day:{int(date.group(1))}", date))
    for name, m in found:
        around = clause[max(0, m.start() - 30):m.end() + 12]
        if en.PLACED_CUE.search(around) and not re.search(r"\b(?:arriv\w*|deliver\w*|came|"
                                                          r"shipped|showed up)\b", around):
            return name
    return None
