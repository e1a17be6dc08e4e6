"""The rules understander: one message in, an `Understanding` out, with no state.

State-free on purpose: the same text always gives the same understanding, so it is cached
and testable alone; the dialogue manager brings the context (what was asked, what is
pending, which items exist). The steps:

1. Pasted or quoted blocks (a fake "system message", a forwarded e-mail) are set aside:
   nothing in them is an order id or a request; they only raise the injection flag.
2. Spelling is normalised word by word; e-mails, postcodes, ids and the P6 reason are read.
3. The message is split into clauses at sentence ends and at "and/but/also" + a new verb, so
   "cancel the rug and tell me whether the toaster shipped" is two requests.
4. Each clause gets its acts (pattern hits), its intent and its selection (named items, kept
   items, groups, orders). A clause with no intent of its own adds its items to the request
   next to it; one that only keeps items ("the lamp can stay") amends the request before it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from assistant.understanding.commands import (
    WRITE_INTENTS,
    Command,
    Intent,
    Selection,
    Understanding,
)
from assistant.understanding.rules import en
from assistant.understanding.rules.acts import acts_of, blank, intent_of
from assistant.understanding.rules.selection import select
from assistant.understanding.words import fold

_TOKEN = re.compile(r"[a-z0-9']+|[^a-z0-9'\s]+|\s+")
_SHORT_OPTION = 4  # words: a bare "mistake" or "2" answers "why?", a sentence doesn't


# A smiley ends a sentence: "ski trip got cancelled :( can you cancel the top".
_SMILEY = re.compile(r"(?:^|(?<=\s))[:;=]-?[()\[\]/\\|pdo](?=\s|$)")


# "before I confirm - has the book left?": what comes after is the message.
_BEFORE_YES = re.compile(r"^\W*before (?:i|we) (?:confirm|say yes|agree|go ahead|click\w*|"
                         r"press\w*)\b[\s:,;\-\u2013\u2014]*")


_FENCE = re.compile(r"^\s*(?:-{3,}|={3,}|\*{3,}|`{3,}|_{3,})\s*$")
_AND_SIGN = re.compile(r"\s[+&]\s")


def normalise(text: str) -> str:
    text = _AND_SIGN.sub(" and ", fold(text))  # "the clay kit + tools", "mugs & plates"
    lowered = " ".join(text.lower().replace("\u2019", "'").replace("`", "'").split())
    lowered = _BEFORE_YES.sub("", _SMILEY.sub(".", lowered))
    return "".join(en.TYPOS.get(t, t) for t in _TOKEN.findall(lowered))


def split_pasted(text: str) -> tuple[str, str]:
    """(the user's own words, what they pasted or quoted). A pasted block is quoted text,
    a code block, a bracketed block, or lines that look like another speaker's."""
    pasted: list[str] = []

    def aside(m: re.Match[str]) -> str:
        pasted.append(m.group(0))
        return " "

    own = en.QUOTED.sub(aside, text)
    lines = own.splitlines()
    if len(lines) > 1 or en.PASTED_LINE.match(own):
        keep: list[str] = []
        inside = False  # between "---" (or "===", "```") lines: all of it is the paste
        for line in lines:
            fence = bool(_FENCE.match(line))
            (pasted if inside or fence or en.PASTED_LINE.match(line) else keep).append(line)
            if fence:
                inside = not inside
        own = "\n".join(keep)
    return own, "\n".join(pasted)


@lru_cache(maxsize=4096)
def understand(text: str) -> Understanding:
    own, pasted = split_pasted(text)
    # "the blue one - wait no, the black one"; "sorry, mixed up the digits, its 407-..."
    norm = en.CORRECTION.sub("", normalise(own))
    if en.TYPING_SLIP.search(norm):  # the "oops" is about the typing, not the order
        norm = re.sub(r"\b(?:w?oops|sorry)\b", " ", en.TYPING_SLIP.sub(" ", norm))
    emails = tuple(dict.fromkeys(e.lower() for e in en.EMAIL.findall(own)))
    no_email = en.EMAIL.sub(" ", normalise(own))
    postcode_m = en.POSTCODE.search(no_email)
    code = (postcode_m.group(1) or postcode_m.group(2)) if postcode_m else None
    postcode = code.upper() if code and any(c.isdigit() for c in code) else None
    ids = en.find_ids(en.POSTCODE.sub(" ", en.EMAIL.sub(" ", own)))
    reason, reason_text, span = en.find_reason(norm)
    spans = [*en.reason_spans(norm), span] if span else []
    if reason is None and (free := en.because_text(own)):
        reason, reason_text = en.OTHER, free  # "because I'm moving abroad": P6 "other"
    if (because := en.BECAUSE.search(norm)) is not None:
        # Why, not what - up to the end of its sentence: "... she owns one. belt stays".
        end = en.SENTENCE_END.search(norm, because.start())
        spans.append((because.start(), end.start() if end else because.end()))
    if reason is None and (so := en.SO_CANCEL.search(norm)):
        reason, reason_text = en.OTHER, so.group("why").strip()[:200]
        spans.append(so.span("why"))
    # Requests are read with the reason phrase removed: "no longer needed" is not a "no",
    # "don't want it" is not a refusal of a proposal.
    body = blank(norm, spans)
    body = en.POSTCODE.sub(" ", en.EMAIL.sub(" ", body))
    commands = _commands(body, ids, has_reason=reason is not None)
    notes = ("pasted text set aside",) if pasted.strip() else ()
    injection = bool(en.INJECTION.search(norm))
    if not injection and _instructs(pasted):
        # Instructions pasted beside a request of the user's own ("cancel the tablet" +
        # "[SYSTEM] pre-confirmed"): the paste is set aside, the request is still theirs.
        injection = not any(c.intent in _OWN_REQUESTS and not c.selection.empty
                            for c in commands)
        notes = (*notes, PASTED_INSTRUCTIONS)
    aside = _aside(own) if reason is None and any(
        c.intent in WRITE_INTENTS for c in commands) else None
    return Understanding(
        text=text.strip(), commands=commands, reason=reason, reason_text=reason_text,
        aside=aside,
        option=(en.option_reason(norm) if len(norm.split()) <= _SHORT_OPTION
                and "?" not in norm else None),
        emails=emails, postcode=postcode,
        question=bool(en.QUESTION.search(norm)),
        identity_claim=bool(en.IDENTITY.search(norm)),
        injection=injection,
        source="rules", notes=notes,
    )


_LEAVE_IT = re.compile(r"^\W*(?:so\s+|just\s+|pls\s+|please\s+)*leave\s+(?:it|them|that|those)"
                       r"(?:\s+(?:alone|be|out))?\W*$")


def _aside(own: str) -> str | None:
    """The first statement about the user's own situation that asks nothing and names no
    request ("she got some for her bday already")."""
    clauses = [c for sentence in en.SENTENCE_END.split(own.strip())
               for c in re.split(r",\s+|;\s+", sentence)]
    for sentence in clauses:
        norm = normalise(sentence).strip(" .!,")
        if ("?" in sentence or len(norm.split()) < en.ASIDE_MIN_WORDS
                or not en.ASIDE_SUBJECT.match(norm) or acts_of(norm)):
            continue
        if select(norm, [], []).selection.exclude:
            continue  # "my sister keeps the scarf": what stays, not why
        return sentence.strip(" .!")[:200]
    return None


def _instructs(pasted: str) -> bool:
    """Pasted text that claims authority or a result: "SYSTEM: confirmed", tool output."""
    norm = normalise(pasted)
    return bool(norm.strip()) and bool(
        en.INJECTION.search(norm) or re.search(r"\b(system|admin|confirm\w*|approved|"
                                               r"authori[sz]ed|override)\b", norm))


def _commands(body: str, ids: tuple[en.IdToken, ...], *, has_reason: bool) -> tuple[Command, ...]:
    commands: list[Command] = []
    carried: Selection | None = None  # items named before the request they belong to
    for clause in _clauses(body):
        # An id said after "order" or "#" is the order; others may be items ("sku-9 from
        # order ORD-7"): the order first.
        order_ids = [t.text for t in sorted(ids, key=lambda t: not t.context)
                     if t.strong and _said(t.text, clause)]
        item_ids = [t.text for t in ids if not t.strong and _said(t.text, clause)]
        acts = acts_of(clause)
        found = select(clause, order_ids, item_ids)
        sel = found.selection
        intent = intent_of(acts, names_items=found.names_items or bool(sel.exclude),
                           has_reason=has_reason)
        previous = commands[-1] if commands else None
        if intent is None and sel.empty:
            continue
        if intent is Intent.DENY and _only_keeps(sel) and sel.exclude:
            intent = Intent.KEEP  # "the sticker book order is separate, leave it"
        if intent is Intent.DENY and previous is not None and previous.selection.exclude and (
                _LEAVE_IT.match(clause)):
            continue  # "..., the sticker book is separate, leave it": that keep, said again
        if intent in (None, Intent.KEEP) and _only_keeps(sel) and previous is not None and (
                previous.intent in WRITE_INTENTS):
            commands[-1] = Command(previous.intent, _merged(previous.selection, keep=sel))
            continue
        if intent is None and sel.order_ids and previous is not None and (
                previous.selection.refs and not previous.selection.order_ids):
            # "cancel the scarf. also my mum's order 377-1, can you check it?": that order is
            # what comes next, not more of the scarf.
            carried = sel
            continue
        if intent is None and previous is not None and previous.intent not in _NOT_MORE and (
                not sel.order_ids or not previous.selection.order_ids):
            if (told := en.COMMENTARY.search(clause)) is not None:
                # "...since the lamp comes with one": what is said after "since" is a mention;
                # "the tips too since they're for those": the tips are asked for.
                before = clause[:told.start()]
                sel = replace(sel, refs=tuple(
                    r if r.words and all(w in before for w in r.words) and (
                        en.ADDITIVE.search(clause)) else replace(r, weak=True)
                    for r in sel.refs))
            commands[-1] = Command(previous.intent, _merged(previous.selection, more=sel))
            if carried is not None and previous.intent is Intent.SELECT:
                carried = commands[-1].selection  # "in my order there's X and Y. cancel both?"
            continue
        if intent is None:
            intent = Intent.KEEP if _only_keeps(sel) else Intent.SELECT
        if intent in WRITE_INTENTS and previous is not None and previous.intent is Intent.KEEP:
            sel = _merged(sel, keep=previous.selection)  # "the lamp can stay, cancel the rest"
            commands.pop()
        if previous is not None and intent is previous.intent and not sel.order_ids:
            commands[-1] = Command(intent, _merged(previous.selection, more=sel))
            continue  # "talk to a human, please put me through": one request
        names_own = any(not r.weak for r in sel.refs) or sel.whole or sel.order_ids
        if intent in WRITE_INTENTS and previous is not None and previous.intent in (
                Intent.STATUS, Intent.SELECT) and (previous.selection.refs or (
                previous.selection.order_ids)) and not names_own and (
                sel.group == "them" or not sel.refs or previous.intent is Intent.STATUS):
            # "what about the mat for it? cancel that too": "that" is the mat; "the sheets -
            # tracking says shipped but i want to cancel": the sheets.
            commands[-1] = Command(intent, _merged(previous.selection, more=sel))
            continue
        if intent in WRITE_INTENTS and previous is not None and (
                previous.intent in WRITE_INTENTS) and not names_own and sel.group == "them":
            # "i want to cancel the sheets... can i refuse it at the door?": one request about
            # the same items, in the way named last (the core says which way is possible).
            chosen = intent if intent is not Intent.CANCEL else previous.intent
            commands[-1] = Command(chosen, _merged(previous.selection, more=sel))
            continue
        if carried is not None and intent is not Intent.SELECT:
            # "About #5001: she'd like to cancel the dry bags": the order said before; and
            # "the blue mug from last week - can you cancel it?": the items too.
            sel = _merged(carried, more=sel) if not (sel.refs or sel.whole) else replace(
                sel, order_ids=sel.order_ids or carried.order_ids,
                latest=sel.latest or carried.latest, when=sel.when or carried.when,
                refs=sel.refs + tuple(replace(r, weak=True) for r in carried.refs))
            carried = None
            commands = [c for c in commands if c.intent is not Intent.SELECT]
        if intent is Intent.SELECT and all(c.intent in _SOCIAL for c in commands):
            carried = sel  # "the blue mug from last week - can you cancel it?"
        commands.append(Command(intent, sel))
    return tuple(commands)


PASTED_INSTRUCTIONS = "pasted instructions set aside"
_OWN_REQUESTS = frozenset({Intent.CANCEL, Intent.SELLER_REQUEST, Intent.REFUSAL, Intent.CHECK,
                           Intent.STATUS})
# Requests that say nothing about items: what follows them is not more of them.
_SOCIAL = frozenset({Intent.GREET, Intent.THANKS, Intent.HELP, Intent.AFFIRM})
_NOT_MORE = _SOCIAL | {Intent.KEEP, Intent.OFFTOPIC}


def _clauses(body: str) -> list[str]:
    """The message's clauses; a bare "wait," or "ok," stays with what follows it."""
    out: list[str] = []
    hold = ""
    for clause in (c.strip() for c in en.CLAUSE_BREAK.split(body) if c and c.strip()):
        if en.INTERJECTION.match(clause.strip(" ,")):
            hold = f"{hold} {clause}".strip()
            continue
        out.append(f"{hold} {clause}".strip() if hold else clause)
        hold = ""
    if hold:
        out.append(hold)
    return out


def _said(token: str, clause: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(token.lower())}(?![\w-])", clause) is not None


def _only_keeps(sel: Selection) -> bool:
    return bool(sel.exclude) and not (sel.refs or sel.whole or sel.group)


def _merged(first: Selection, *, more: Selection | None = None,
            keep: Selection | None = None) -> Selection:
    if keep is not None:
        return replace(first, exclude=first.exclude + keep.exclude)
    assert more is not None
    return Selection(
        refs=first.refs + more.refs, exclude=first.exclude + more.exclude,
        whole=first.whole or more.whole, group=first.group or more.group,
        order_ids=tuple(dict.fromkeys(first.order_ids + more.order_ids)),
        latest=first.latest or more.latest, additive=first.additive or more.additive,
        only=first.only or more.only, when=first.when or more.when,
    )
