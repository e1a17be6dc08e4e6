"""Reading what a sentence asserts about outcomes (P12), for recall.

A sentence asserts an outcome when it states, as done, that something was cancelled,
refunded (or a refund is on its way), e-mailed, requested from a seller, approved or denied
by one, flagged for refusal, or simply "done", "all set", "went through"; or that an item is
in a state. A statement under a negation ("hasn't been cancelled"), a modal ("can be
cancelled"), a condition ("once you confirm, ... will be"), in a question, or about items in
general ("cancelled items are refunded") asserts nothing. Future refunds and e-mails are
claims unless conditional: "you'll receive your refund in 3-5 days" says a refund was issued.

Each claim carries the mentions it is about (the subject before a passive verb, the object
after an active one, or what its own words name); none means "it", "everything" or no
subject at all, which the guard resolves from the conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.guard.mentions import MASK, Mention, masked
from assistant.guard.phrases import PATTERNS, STATE, STATE_NAMES, Kind

_I = re.IGNORECASE
_M = MASK + "+"

_NEG = re.compile(r"\b(?:not|never|no|nothing|none|neither|nor|without|cannot|unable|yet to|"
                  r"failed to|instead of)\b|n't\b|n\u2019t\b", _I)
_MODAL = re.compile(r"\b(?:can|could|would|may|might|shall|must|will|should|let me|able to|"
                    r"want to|wants to|like to|need to|needs to|have to|has to|going to|try to|"
                    r"ready to|happy to|glad to|about to|i'll|we'll|you'd)\b|'d\b|'ll\b", _I)
_COND = re.compile(r"\b(?:if|once|unless|whether|in case|provided|as soon as|when|whenever|"
                   r"until|till|otherwise|what (?:would|will|could) happen)\b|^\W*(?:should|"
                   r"were|had)\s+(?:the|you|they|it|your|he|she|this|that)\b", _I)
_BEFORE = re.compile(r"\bbefore\b", _I)  # "before anything is cancelled"; not after the claim
_PRESENT_GET = re.compile(r"\b(?:get|gets|getting|be)\s+$", _I)
_FIRST_PERSON_FUTURE = re.compile(r"\b(?:i|we)(?:'ll|\s+will|\s+shall)\b", _I)
_ASK = re.compile(r"^\W*(?:is|are|was|were|has|have|had|did|do|does|can|could|would|should|"
                  r"shall|will|may|what|which|when|where|why|how|who|want|need)\b", _I)
_GENERIC = re.compile(r"^\W*(?:(?:all|any|every|each|most|some|a|an)\s+)?(?:cancel{1,2}ed\s+|"
                      r"refunded\s+|third-party\s+|delivered\s+|shipped\s+)?(?:items?|orders?|"
                      r"products?|refunds?|parcels?|packages?|purchases?|things|cancellations?)"
                      r"\b", _I)
_PERFECT = re.compile(r"\b(?:has|have|had|was|were|been)\b|'ve\b", _I)
_ATTRIBUTIVE = re.compile(r"^\s*[- ]?(?:orders?|items?|products?|view|list|section|tab|page|"
                          r"status|state)\b", _I)
_VERB_BEFORE = re.compile(r"(?:\b(?:i|we|you|they|he|she|have|has|had|was|were|is|are|been|be|"
                          r"just|already|successfully|now|also|and)|'ve|'s|'re)\s*$", _I)
_ACTIVE = re.compile(r"(?:\b(?:i|we|they)(?:'ve|'d|\s+have|\s+had)?)(?:\s+\w+){0,3}\s*$|"
                     r"^[^\w" + MASK + r"]*$|^\W*(?:ok(?:ay)?|sure|done|yes|great|good news|"
                     r"there you go|all set)\W*$", _I)
_EVERY = re.compile(r"\b(?:both|every|everything|entire|whole|fully|completely|the lot|all "
                    r"(?:of\s+)?(?:it|them|items|the items|your items|the|of the|your)|it's all"
                    r"|is all|are all|all\s+(?=cancel{1,2}ed))\b", _I)
# "59.99", "€1,199.00": money as the reader sees it, thousands grouped.
_AMOUNT = re.compile(r"(?<![\d\-,])[£$€]?((?:\d{1,3}(?:,\d{3})+|\d{1,7})\.\d{2})(?![\d\-])")
_ZERO = re.compile(r"(?:sent|so far|refunded|e-?mails?)\s*:\s*0(?:\.00)?\b", _I)
# A dash ends a clause, unless it follows an outcome as a label: "cancelled — Mouse, Cable".
_CLAUSE = re.compile(r";|\s+(?:but|however|although|though|whereas|while|except|because)\s+|"
                     r",\s*(?:and|so)\s+|(?<!cancelled)(?<!canceled)(?<!refunded)(?<!flagged)"
                     r"\s+[-\u2013\u2014]+\s+|\s+so\s+(?!far\b|much\b|many\b|long\b)", _I)
_LOCATIVE = re.compile(r"\b(?:in|from|on|within|of)\s*$", _I)
_LABEL = re.compile(r"^\s*[:\u2014\u2013-]", _I)
_CONNECT = re.compile(r"^[\s()]*(?:\([^)]*\)\s*)?(?:,|and|&|or|plus|as well as|,\s*and|\+|in|"
                      r"of|from|on|for)?[\s()]*(?:the\s+|your\s+|my\s+|both\s+|also\s+)?$",
                      _I)
_MAYBE = re.compile(
    r"cancel|refund|e-?mail|inbox|request|approv|accept|agree|declin|denied|reject|refus|"
    r"turned|said|flag|returns? cent|done|set|sorted|through|taken care|success|complete|"
    r"finish|ship|process|pend|deliver|transit|dispatch|credit|reimburs|money|paid|asked|"
    r"contact|reach|told|notif|inform|remov|dropped|took|void|called off|on file|marked|good "
    r"to go|worked|there you go|sent|went|expect|aware|knows|awaiting|waiting|okay|ok'd|way back|"
    r"on its way|on the way|back|gone|revers|review|sent|consider|off|registered|all good|"
    r"submitted", _I)


@dataclass(frozen=True)
class Claim:
    kind: Kind
    start: int  # the words that assert it, in the sentence
    end: int
    subjects: tuple[Mention, ...]  # empty: "it", "everything", or no subject at all
    everything: bool = False  # "all", "both", "the whole order", "fully"
    state: str | None = None
    amounts: tuple[Decimal, ...] = ()
    unknown: bool = False  # names something the store doesn't know ("your Electric kettle")

    @property
    def about_orders(self) -> bool:
        return any(m.kind in ("order", "order-ref") for m in self.subjects) and not any(
            m.kind == "item" for m in self.subjects)


def may_claim(sentence: str) -> bool:
    """Cheap test before the store is asked: could this sentence assert an outcome?"""
    return _MAYBE.search(sentence) is not None


def read(sentence: str, mentions: list[Mention]) -> list[Claim]:
    text = masked(sentence, mentions)
    found: list[Claim] = []
    spans: list[tuple[int, int]] = []
    for start, end in _clauses(text):
        clause = text[start:end]
        for claim in _read_clause(sentence, text, start, clause, mentions):
            if not any(a <= claim.start < b for a, b in spans):
                found.append(claim)
                spans.append((claim.start, claim.end))
    return found


def _clauses(text: str) -> list[tuple[int, int]]:
    cuts = [0, *(x for m in _CLAUSE.finditer(text) for x in (m.start(), m.end())), len(text)]
    return [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts) - 1, 2)
            if text[cuts[k]:cuts[k + 1]].strip()]


def _read_clause(
    sentence: str, text: str, offset: int, clause: str, mentions: list[Mention],
) -> list[Claim]:
    inside = [m for m in mentions if offset <= m.start < offset + len(clause)]
    claims: list[Claim] = []
    for m in STATE.finditer(clause):
        if _asserted(sentence, text, offset, clause, m.start(), m.end(), future=False):
            state = m.group(3).lower()
            subject = [x for x in inside if m.group(1) and x.start == offset + m.start(1)]
            claims.append(Claim("state", offset + m.start(), offset + m.end(),
                                tuple(subject), state=STATE_NAMES.get(state, state)))
    for kind, rx, future in PATTERNS:
        for m in rx.finditer(clause):
            if kind == "cancel" and _attributive(clause, m):
                continue
            if not _asserted(sentence, text, offset, clause, m.start(), m.end(), future):
                continue
            if kind == "refund" and _ZERO.search(clause):
                continue
            subjects = _subjects(kind, clause, offset, m, inside)
            amounts = tuple(Decimal(a.replace(",", "")) for a in _AMOUNT.findall(clause))
            unknown = not subjects and kind not in ("request", "approved", "denied", "email") and \
                _names_something_else(clause, m)
            claims.append(Claim(_refine(kind, clause), offset + m.start(), offset + m.end(),
                                subjects, bool(_EVERY.search(clause)), amounts=amounts,
                                unknown=unknown))
    return claims


def _asserted(
    sentence: str, text: str, offset: int, clause: str, start: int, end: int, future: bool,
) -> bool:
    """Is the trigger at clause[start:end] stated as a fact, not negated, hedged, asked,
    conditional or about items in general?"""
    before = _segment_before(clause, start)
    if _NEG.search(before) or _COND.search(text[: offset + start]) or _BEFORE.search(
            text[: offset + start]):
        return False
    if _PRESENT_GET.search(clause[:start]):
        return False  # "items get cancelled", "to be refunded": how it works, not what happened
    after = re.split(r"[,(]", clause[end:], maxsplit=1)[0]
    if _COND.search(after) or _ZERO.search(clause):
        return False
    if future:
        if _COND.search(sentence) or _FIRST_PERSON_FUTURE.search(clause[:end]):
            return False
    elif _MODAL.search(before):
        return False
    if sentence.rstrip().endswith("?") and (
            not re.search(r"[,;:]", clause[end:]) or _ASK.search(clause)):
        return False
    return not (_GENERIC.search(clause[:start]) and MASK not in clause[:start]
                and not _PERFECT.search(clause[:end]))


def _segment_before(clause: str, start: int) -> str:
    """The words before the trigger that can govern it: back to a comma, unless what follows
    the comma continues a list ("nothing was cancelled, refunded or e-mailed")."""
    head = clause[:start]
    cut = max(head.rfind(","), head.rfind(":"), head.rfind("("))
    while cut >= 0 and re.fullmatch(r"\s*(?:and|or|nor)?\s*", head[cut + 1:], _I):
        cut = max(head.rfind(",", 0, cut), head.rfind(":", 0, cut), head.rfind("(", 0, cut))
    return head[cut + 1:]


def _attributive(clause: str, m: re.Match[str]) -> bool:
    """"the cancelled orders view", "Cancelled items are refunded": an adjective, not a verb."""
    return bool(_ATTRIBUTIVE.match(clause[m.end():])) and not _VERB_BEFORE.search(
        clause[: m.start()])


def _subjects(
    kind: Kind, clause: str, offset: int, m: re.Match[str], inside: list[Mention],
) -> tuple[Mention, ...]:
    # "removed from your order": the order is where from, not what
    own = [x for x in inside if offset + m.start() <= x.start < offset + m.end()
           and x.kind != "order-ref"]
    if kind in ("approved", "denied", "request"):
        return tuple(inside)  # "Cable Co approved the headphones": the seller and the item
    if own:
        return tuple(own)
    before = [x for x in inside if x.end <= offset + m.start()]
    after = [x for x in inside if x.start >= offset + m.end()]
    after = [x for x in after if not (x.kind == "order" and _LOCATIVE.search(
        clause[m.end(): x.start - offset]))]
    if _ACTIVE.search(clause[: m.start()]) or not before or (
            after and _LABEL.match(clause[m.end():])):
        group = _group(clause, offset, after, forward=True, reach=40, anchor=m.end())
        return group or tuple(before[-1:])
    group = _group(clause, offset, before, forward=False, reach=45, anchor=m.start())
    return group or _group(clause, offset, after, forward=True, reach=40, anchor=m.end())


def _names_something_else(clause: str, m: re.Match[str]) -> bool:
    """Is the claim about a thing with a name the store doesn't know? The subject before a
    passive verb, or the object after an active one, holds a word that is not a pronoun, a
    generic noun ("order", "refund") or a filler."""
    if _ACTIVE.search(clause[: m.start()]):
        slot = re.split(r"\b(?:for|to|from|in|on|with|because|as|so|and|but|now|today|too|"
                        r"already|earlier|off)\b|[,;:()]", clause[m.end():], maxsplit=1)[0]
    else:
        slot = _segment_before(clause, m.start())
    words = re.findall(r"[a-z][a-z'\-]+", slot.lower())
    return any(w not in _KNOWN_WORDS and len(w) > 2 for w in words)


# Not "other", "others", "remainder": "the other item was cancelled" is about an item other
# than one the reply or the user named, which the guard cannot tell; as an unknown subject it
# is withheld, as the evals' monitor would report it.
_KNOWN_WORDS = frozenset(re.findall(r"\S+", """
it its it's they them their this that these those everything anything all both each either
one ones what which you your yours we me us my our he she her his caller caller's customer
customer's the some any every no is are was were be been being has have had i've we've
you've they've it's that's there's here's now just already also successfully finally fully
completely entirely totally partially still too really actually indeed officially then here
there yes yeah okay sure great good news perfect alright done set right away immediately
today again requested order orders item items product products purchase purchases thing
things stuff cancellation cancellations request requests refund refunds money payment e-mail
email mail confirmation parcel package delivery shipment return refusal seller account rest
lot whole entire full remaining well consider got get gone went
about for with of to from in on at by into onto over under up down out off through via per
after before since while because so and or but nor than as like also only even very much
more most less quite rather cancelled canceled refunded approved denied declined rejected
flagged sent issued processed confirmed complete completed successful sorted handled
shows show showing listed marked appears appear looks look
"""))


def _group(
    clause: str, offset: int, mentions: list[Mention], *, forward: bool, reach: int,
    anchor: int,
) -> tuple[Mention, ...]:
    """The run of mentions nearest the trigger, joined by "and", commas or parentheses."""
    ordered = mentions if forward else list(reversed(mentions))
    if not ordered:
        return ()
    first = ordered[0]
    gap = (first.start - offset - anchor) if forward else (anchor - (first.end - offset))
    if gap > reach:
        return ()
    group = [first]
    for nxt in ordered[1:]:
        a, b = (group[-1].end, nxt.start) if forward else (nxt.end, group[-1].start)
        if not _CONNECT.match(clause[a - offset:b - offset]):
            break
        group.append(nxt)
    return tuple(sorted(group, key=lambda x: x.start))


def _refine(kind: Kind, clause: str) -> Kind:
    """ "The cancellation went through", "your request went through": a "done" with a noun
    says which outcome it is."""
    if kind != "done":
        return kind
    low = clause.lower()
    for word, refined in (("cancel", "cancel"), ("request", "request"), ("refund", "refund"),
                          ("money", "refund"), ("refus", "flag"), ("returns cent", "flag")):
        if word in low:
            return refined  # type: ignore[return-value]
    return kind
