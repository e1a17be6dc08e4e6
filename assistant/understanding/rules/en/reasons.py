"""English reasons (P6): the phrases that say why, and the bare answers to "why?"."""

from __future__ import annotations

import re

# --- reasons (P6) ---------------------------------------------------------------------------
MISTAKE, NOT_NEEDED, PRICE, SLOW, OTHER = (
    "ordered_by_mistake", "no_longer_needed", "found_better_price", "delivery_too_slow", "other",
)
_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (MISTAKE, re.compile(
        r"\b(by (a )?mistake|mistaken(ly)?|(a|my|was a|honest) mistake|mistake|accident(al)?"
        r"(ly)?|by error|in error|(ordered|bought|picked|chose|got) (the |a )?wrong|wrong (item|"
        r"size|colou?r|one|product|model|thing|variant|version|quantity|amount|card|account|"
        r"address|payment method)|(ordered|bought|got) (way |far |a few |a lot )?too many|"
        r"(ordered|bought|"
        r"purchased|placed) (it |them |this |that |the order )?twice|duplicate|double[- ]?(order"
        r"|ordered|purchase|bought)|didn'?t mean to|did not mean to|never meant to|"
        r"unintentional(ly)?|mis-?click(ed)?|clicked (the )?wrong|fat[- ]finger\w*|oops)\b")),
    (NOT_NEEDED, re.compile(
        r"\b(no longer (need|needed|want|wanted|required|necessary|use|useful)|not (needed|"
        r"required|necessary)|(do not|don'?t|dont|won'?t|will not|no longer|doesn'?t|"
        r"does not) (really |even )?(need|want)(?! to\b)|no longer (needs|wants)|lost interest|"
        r"(not|no longer) interested( in (it|them|this|that))?( any ?more)?|"
        r"needn'?t|no need for|have no use|no use for|unnecessary|"
        r"already (have|got|own|bought|found|received)( one| it| them| this)?|(got|bought|found|"
        r"received) (one|it|them) (already|elsewhere|somewhere else|locally|in (a|the) store)|"
        r"need (it|them|this|that) any ?more|want (it|them|this|that) any ?more|"
        r"not (need|want) (it|them|this|that)|plans? (fell|changed)|gift (is )?not needed|"
        r"handed (one|it|them) down|hand-me-downs?|(was|were|got) given (one|it|them)|"
        r"(got|received|bought) (one|it|them) (as a |for (a |my |her |his |their )?)?(gift|"
        r"present|birthday|bday|christmas|xmas)|lent (me|us|him|her) (one|his|hers|theirs)|"
        r"(is|are) giving (me|us|him|her) (one|them|it)|(giving|gave) (me|us|him|her) (one|"
        r"them|it) (for free|free)|(don'?t|doesn'?t) need (it|them) any ?more)\b")),
    (PRICE, re.compile(
        r"\b((i |we )?(found|saw|seen|got|spotted|there'?s|there is|have|has)( it| them| one|"
        r" this| that)?( at| for| with| on)? (a |an )?)?(better (price|deal|offer|value)|"
        r"cheaper|lower price|less expensive|price (drop|match|is lower|went down)|(found|saw|"
        r"seen|get|got) (it|them|one) (for )?less|on sale elsewhere|(lower|better) elsewhere|"
        r"discount(ed)? elsewhere|(good|great) deal elsewhere|better bargain|(elsewhere |somewhere "
        r"else )?for (a lot |much |way )?less|(for )?\d+\s*"
        r"(\w+ )?(less|cheaper))( elsewhere| "
        r"somewhere else| online| in (a|another) (store|shop))?\b")),
    (SLOW, re.compile(
        r"\b(too slow|slow (delivery|shipping|shipment|dispatch)|(delivery|shipping|shipment|"
        r"dispatch|arrival)( time| date)? (is |was |will be |seems |looks |takes )?(too |so |very "
        r"|way too |far too |much too )?(slow|long|late|far off|far away)|(delivery|shipping|"
        r"arrival)\b[^.?!]{0,25}\b(way |far |much )?too (long|slow|late)|\d+ weeks? (delivery|"
        r"shipping|to (arrive|ship|deliver))|takes? (too|so|way too|"
        r"far too|much too) long|taking (too|so|way too|far too|much too|"
        r"forever|ages)( long)?( to (arrive|come|ship|deliver|get here))?|too long (to|"
        r"for|a wait)|wait(ing)? (too|so) long|long wait|forever to (arrive|ship|come|deliver)|"
        r"takes? forever|won'?t (arrive|come|get here|be here|be delivered) (in time|on time|"
        r"before|until|for|soon)|not (arrive|come|get here) in time|"
        r"arriv\w* too late|(come|arrive|deliver)s? too late|delayed|delays?|need(ed)? (it|them) "
        r"(sooner|faster|earlier|by)|faster elsewhere|too late (for|to be useful))\b")),
)
OTHER_EXPLICIT = re.compile(
    r"^\W*(?:other|another reason|something else)\b\W*(.*)$|\breason\W*(?:is\W*)?(?:other|"
    r"something else)\b\W*(.*)$|\bother\s*(?:reason)?\s*[:\-–—]\s*(.*)$")
# Not what was shown: P6's "other", in the user's words.
NOT_AS_SHOWN = re.compile(
    # from the start of its clause: a dash or bracket ends the item phrase before it
    r"(?:(?!\s[-\u2014\u2013]\s)[^.?!,;()])*\b(?:(?:colou?r|size|photos?|pictures?|description|"
    r"material|fit)\b[^.?!,;]{0,40}\b"
    r"(?:was|is|are|were|looks?|looked)\s+(?:completely\s+|totally\s+|very\s+|a bit\s+)?"
    r"(?:different|wrong|off)|not as (?:described|pictured|shown|advertised)|(?:doesn'?t|does not|"
    r"didn'?t) (?:match|look like) the (?:photos?|pictures?|description))\b[^.?!,;]*")
# It won't fit: P6's "other", in the user's words ("its too small she grew").
WONT_FIT = re.compile(
    r"\b(?:too (?:small|big|large|tight|short|long|loose)|(?:doesn'?t|does not|don'?t|do not|"
    r"won'?t|"
    r"will not|didn'?t|wouldn'?t) fit|wrong size|outgr[eo]wn?|grew out of|grown out of)\b"
    r"[^.?!,;]*")
CHANGED_MIND = re.compile(r"\b(changed? (my|our) minds?|change of (mind|heart|plans?)|"
                           r"changed (my |our )?plans?)\b")
BECAUSE = re.compile(r"\b(?:because|'?cause|reason(?: is|:)|due to)\s+(.{3,})$")
# "trip got called off so pls cancel ...": what came before "so" is why.
SO_CANCEL = re.compile(r"^\W*(?P<why>[a-z][^.?!]{8,100}?)\s*,?\s+so\s+(?:please\s+|pls\s+|can "
                       r"you\s+|could you\s+|i\s+(?:want|need|would like|'d like)\s+to\s+)?"
                       r"(?:cancel|scrap|drop)\b", re.IGNORECASE)
_OPTION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (MISTAKE, re.compile(r"\b(mistake|wrong|accident|error|first)\b")),
    (NOT_NEEDED, re.compile(r"\b(need|needed|longer|unneeded|want|second)\b")),
    (PRICE, re.compile(r"\b(price|cheaper|cheap|cost|deal|third)\b")),
    (SLOW, re.compile(r"\b(slow|delivery|shipping|late|long|time|fourth)\b")),
    (OTHER, re.compile(r"\b(other|else|fifth)\b")),
)
OPTION_NUMBER = re.compile(r"^\W*(?:option\s*)?([1-5])\W*$")


_SEGMENT_END = re.compile(r"[,.;!?()\u2014\u2013]|\s-\s|\s+and\s+(?=(?:also\s+)?(?:the|my|"
                          r"cancel|tell|check|can|could|what|is|are|has|have)\b)")
_REQUEST_WORDS = re.compile(r"\b(?:cancel\w*|refus\w*|seller|request|keep|leave|stay\w*)\b")
_PARENTHESIS = re.compile(r"\([^()]*\)")
# "I don't need the headphones": what follows is what the reason is about.
_OBJECT = re.compile(r"\b(?:the|my|this|that|these|those|a|an|any|order)\s+[a-z]")
# "...found it cheaper at the market", "...for less online": where, not what.
_AROUND = re.compile(r"\s*(?:at|in|on|from|online|elsewhere|locally|anyway|somewhere)\b")


def reason_spans(norm: str) -> list[tuple[int, int]]:
    """Every phrase that states a reason ("changed my mind, dont need them"): read apart
    from the request, so "dont need them" is not a "don't". What follows a reason up to the
    next comma or stop tells more about it ("found a better price at the market"), unless it
    asks for something; a reason in brackets takes its brackets with it."""
    spans = [m.span() for _, p in _REASONS for m in p.finditer(norm)]
    spans += [m.span() for m in CHANGED_MIND.finditer(norm)]
    spans += [m.span() for m in NOT_AS_SHOWN.finditer(norm)]
    spans += [m.span() for m in WONT_FIT.finditer(norm)]
    out = []
    for start, end in spans:
        right = next((m.start() for m in _SEGMENT_END.finditer(norm, end)), len(norm))
        rest = norm[end:right]
        told = not _REQUEST_WORDS.search(rest) and not re.search(r"\d", rest) and (
            bool(_AROUND.match(rest)) or not _OBJECT.search(rest))
        out.append((start, right if told else end))
        out += [p.span() for p in _PARENTHESIS.finditer(norm) if p.start() < start < p.end()]
    return sorted(out)


def find_reason(norm: str) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """The P6 reason stated in a message, its free text (for "other"), and its span."""
    best: tuple[int, str, re.Match[str]] | None = None
    for reason, pattern in _REASONS:
        m = pattern.search(norm)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), reason, m)
    other = OTHER_EXPLICIT.search(norm)
    if other and best is not None and other.start() < best[0]:
        best = None  # "other reason: it's a duplicate": said as "other", not as a mistake
    mind = CHANGED_MIND.search(norm)
    if mind and (best is None or mind.start() < best[0]):
        return OTHER, "Changed my mind", mind.span()
    if best is not None:
        return best[1], None, best[2].span()
    shown = NOT_AS_SHOWN.search(norm) or WONT_FIT.search(norm)
    if shown:
        return OTHER, shown.group(0).strip()[:200], shown.span()
    if other:
        said = next((g for g in other.groups() if g), "")
        text = re.split(r"(?<=[.!?])\s", said, maxsplit=1)[0].strip(" .!") or None
        # The reason ends with its sentence: "... she already owns. belt stays" keeps the belt.
        said_all = re.split(r"(?<=[.!?])\s", other.group(0), maxsplit=1)[0]
        return OTHER, text[:200] if text else None, (other.start(),
                                                     other.start() + len(said_all))
    return None, None, None


def option_reason(norm: str) -> str | None:
    """A bare answer to "why are you cancelling?" ("mistake", "2"); only used when asked."""
    number = OPTION_NUMBER.match(norm)
    if number:
        return (MISTAKE, NOT_NEEDED, PRICE, SLOW, OTHER)[int(number.group(1)) - 1]
    for reason, pattern in _OPTION_WORDS:
        if pattern.search(norm):
            return reason
    return None


def because_text(text: str) -> str | None:
    """Free text after "because": kept as the reason for "other" when nothing else fits."""
    m = BECAUSE.search(text.strip())
    return m.group(1).strip(" .!")[:200] if m else None


# A statement about the user's own situation ("she got some for her bday already", "my club
# gives me one for free now") may say why, though it names no reason from the list.
ASIDE_SUBJECT = re.compile(r"^(?:i|im|i'm|ive|i've|id|i'd|my|me|she|shes|she's|he|hes|he's|we|"
                           r"we're|weve|we've|our|they|theyre|they're|their|his|her|"
                           # "kids decided they want separate rooms", "the wife found one"
                           r"(?:the\s+|my\s+|our\s+|her\s+|his\s+)?(?:kids?|children|son|"
                           r"daughter|wife|husband|partner|mum|mom|dad|boss|friend|family|"
                           r"sister|brother|flatmate|roommate|caller|customer|client|office)"
                           # a person doing something, not "caller on the phone"
                           r"\s+(?:already\s+|just\s+)?(?:decided|found|got|gave|bought|has|have|"
                           r"had|said|says|changed|moved|ordered|already|doesn'?t|don'?t|won'?t|"
                           r"can'?t|is|are|was|were|wants?|needs?))\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
ASIDE_MIN_WORDS = 4
