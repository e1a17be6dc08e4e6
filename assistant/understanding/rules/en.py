"""English: the words of the rules understander, as data (patterns and word lists).

Another language is another module of the same names; the parser's control flow doesn't
change. Patterns are matched against normalised text (lower case, straight apostrophes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IdToken:
    text: str
    strong: bool  # shaped like an order number, or said right after "order"
    context: bool = False  # after "order", "#", "from", "on": more likely the order than an item


# --- reasons (P6) ---------------------------------------------------------------------------
MISTAKE, NOT_NEEDED, PRICE, SLOW, OTHER = (
    "ordered_by_mistake", "no_longer_needed", "found_better_price", "delivery_too_slow", "other",
)
_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (MISTAKE, re.compile(
        r"\b(by (a )?mistake|mistaken(ly)?|(a|my|was a|honest) mistake|mistake|accident(al)?"
        r"(ly)?|by error|in error|(ordered|bought|picked|chose|got) (the |a )?wrong|wrong (item|"
        r"size|colou?r|one|product|model|thing|variant|version|quantity|amount|card|account|"
        r"address|payment method)|(ordered|bought|"
        r"purchased|placed) (it |them |this |that |the order )?twice|duplicate|double[- ]?(order"
        r"|ordered|purchase|bought)|didn'?t mean to|did not mean to|never meant to|"
        r"unintentional(ly)?|mis-?click(ed)?|clicked (the )?wrong|fat[- ]finger\w*|oops)\b")),
    (NOT_NEEDED, re.compile(
        r"\b(no longer (need|needed|want|wanted|required|necessary|use|useful)|not (needed|"
        r"required|necessary)|(do not|don'?t|dont|won'?t|will not|no longer|doesn'?t|"
        r"does not) (really |even )?(need|want)(?! to\b)|needn'?t|no need for|have no use|"
        r"no use for|unnecessary|"
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
        r"discount(ed)? elsewhere|(good|great) deal elsewhere|better bargain|(for )?\d+\s*"
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
    r"[^.?!,;]*\b(?:(?:colou?r|size|photos?|pictures?|description|material|fit)\b[^.?!,;]{0,40}\b"
    r"(?:was|is|are|were|looks?|looked)\s+(?:completely\s+|totally\s+|very\s+|a bit\s+)?"
    r"(?:different|wrong|off)|not as (?:described|pictured|shown|advertised)|(?:doesn'?t|does not|"
    r"didn'?t) (?:match|look like) the (?:photos?|pictures?|description))\b[^.?!,;]*")
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
    mind = CHANGED_MIND.search(norm)
    if mind and (best is None or mind.start() < best[0]):
        return OTHER, "Changed my mind", mind.span()
    if best is not None:
        return best[1], None, best[2].span()
    shown = NOT_AS_SHOWN.search(norm)
    if shown:
        return OTHER, shown.group(0).strip()[:200], shown.span()
    other = OTHER_EXPLICIT.search(norm)
    if other:
        text = next((g for g in other.groups() if g), "").strip(" .!") or None
        return OTHER, text[:200] if text else None, other.span()
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


# --- ids, e-mails, postcodes -----------------------------------------------------------------
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
POSTCODE_VALUE = r"([a-z0-9]{2,8}(?:[ -][a-z0-9]{3,4})?)"
POSTCODE = re.compile(
    r"\b(?:post\s?code|postal\s?code|zip(?:\s?code)?|plz|pc|p/c)\s*(?:is|:|=|-)?\s*"
    + POSTCODE_VALUE
    + r"\b|\b" + POSTCODE_VALUE + r"\s+(?:is|as)\s+(?:the\s+|her\s+|his\s+|their\s+)?"
    r"(?:post\s?code|postal\s?code|zip)", re.IGNORECASE)
# A postcode said on its own, when one was asked for: "it's 80333", "SE15 4QN".
_BARE_POSTCODE = re.compile(r"(?<![\w-])([a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}|"
                            r"[a-z]\d[a-z]\s?\d[a-z]\d|\d{4}\s?[a-z]{2}|\d{2}-\d{3}|\d{3}-\d{4}|"
                            r"\d{4,5})(?![\w-])")
_MAX_BARE_WORDS = 10


def bare_postcode(text: str) -> str | None:
    low = text.lower()
    if len(low.split()) > _MAX_BARE_WORDS or EMAIL.search(low):
        return None
    found = _BARE_POSTCODE.findall(low)
    return found[0].upper() if len(found) == 1 else None


ID_TOKEN = re.compile(r"(?<![\w@.])#?([A-Za-z0-9](?:[A-Za-z0-9_.\-]*[A-Za-z0-9])?)")
ORDER_CONTEXT = re.compile(
    r"(?:\border|\bnumber|\bno|\bnr|\bid|\bref|\breference|#)\W{0,3}$", re.IGNORECASE)
NOT_AN_ID = re.compile(
    r"^(\d+[.,]\d{1,2}|\d{4}-\d{2}-\d{2}.*|\d{1,2}[:h]\d{2}|\d+(st|nd|rd|th)|\d+(x|pcs|am|pm|"
    r"min|mins|minutes|h|hrs|hours|days?|kg|g|cm|mm|m|gb|tb|ml|l)|x\d+|usb-?c|p\d{1,2})$",
    re.IGNORECASE)
# "the one in 1002", "cancel 1001": a bare number there is an order number, while in "the
# Monitor 2400" it is part of a title.
NUMBER_CONTEXT = re.compile(r"(?:^|\b(?:on|in|from|for|of|cancel|about|with|is|was))\W{0,3}$",
                             re.IGNORECASE)
PREP_CONTEXT = re.compile(r"\b(?:on|in|from|of|for)\W{0,3}$", re.IGNORECASE)  # "sku-9 from X"
DASHED = re.compile(r"[A-Za-z0-9][-_.][A-Za-z0-9]")


def find_ids(text: str) -> tuple[IdToken, ...]:
    """Tokens that could be order or item ids: anything with a digit that isn't money, a date,
    a time or a quantity. Order-number shaped ones (dashes, length, "order ..." before them)
    are strong; short ones like "A1" are weak and resolved against known items later."""
    out: list[IdToken] = []
    seen: set[str] = set()
    for m in ID_TOKEN.finditer(text):
        token = m.group(1).rstrip(".-_")
        if not any(c.isdigit() for c in token) or NOT_AN_ID.match(token):
            continue
        if token.lower() in seen or text[max(0, m.start() - 1):m.start()] in ("$", "€", "£"):
            continue
        seen.add(token.lower())
        context = bool(ORDER_CONTEXT.search(text[max(0, m.start() - 16):m.start()]))
        hashed = m.group(0).startswith("#")
        if token.isdigit() and len(token) <= 3 and not (context or hashed) and (
                QUANTITY_AFTER.match(text[m.end():]) or not ITEM_CONTEXT.search(
                    text[max(0, m.start() - 12):m.start()])):
            continue  # "10 min ago", "2 of them": a number, not an item id
        strong = (context or hashed or bool(DASHED.search(token)) or len(token) >= 6
                  or (token.isdigit() and len(token) >= 4
                      and bool(NUMBER_CONTEXT.search(text[max(0, m.start() - 12):m.start()]))))
        before = text[max(0, m.start() - 12):m.start()]
        out.append(IdToken(token, strong, context or hashed or bool(PREP_CONTEXT.search(before))))
    return tuple(out)


# --- acts -------------------------------------------------------------------------------------
def any_of(*alternatives: str) -> re.Pattern[str]:
    """One pattern from readable alternatives (each written with its own word boundaries)."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


NEG_CANCEL = any_of(
    r"\b(don'?t|do not|never|no need to|not|won'?t|stop)( to)? (cancel|refuse|send|request|"
    r"do (it|that))\b",
    r"\bkeep (it|them|the order|my order)\b",
)
KEEP_ITEM = any_of(r"\bkeep (the|my) \w+")  # "keep the headphones": an exclusion, not a no
CANCEL = any_of(
    r"\bcancel(l?ing|s)?\b(?!l?ed\b)",
    r"\bwants? (it|them|the|my|his|her|their|that|those|these)\b[^.?!,]{0,30}\b(stopped|"
    r"gone|called off|taken off|removed)\b",
    r"\b(the|my|that|this|those|these)\s[^,.;!?]{1,40}?\s(can|could|may)\s+go\b(?!\s+(back|"
    r"through|thru|ahead|out|on))",
    r"\b(needs?|has|have|got) to go\b", r"\bwants? (it |them |the \w+ |that )?gone\b",
    r"\b(take|knock) (it |them |that )?off (the|my) order\b", r"\bnix\b",
    r"\bcancell?ation\b(?! (request|go|went|gone|status|of my|through))",
    r"\bcall (it |the order |them )?off\b", r"\bscrap\b", r"\bget rid of\b",
    r"\bdrop (it|them|this|that|the|my|these|those)\b",
    r"\b(want|wants|need|needs|like|get|have|had) (it|them|this|that|these|those|the|my|both|"
    r"all|every)\b[^.?!]{0,40}\bcancell?ed\b",  # "he wants both items cancelled"
    r"\bundo (my|the) (order|purchase)\b",
    r"\bstop (the|my) (order|delivery|shipment|purchase)\b",
    r"\bremove\b[^.?!]{0,60}\b(from|off) (my |the |this |that )?(order\b|#|[a-z-]*\d)",
    r"\b(i want|i'?d like|i would like|give me|get|requesting|request) (a |my )?refund\b",
    r"\bdon'?t want (it|them|this|that|the|my|these|those)\b",
)
ORDER_OBJECT = any_of(
    r"\b(cancel|scrap|call off|stop)\s+(the|my|this|that|our|an?)?\s*"
    r"((?!(?:from|of|on|in|for|with|at)\b)\w+\s+){0,2}(order|purchase)"
    r"\b(?! (of|for))")
SELLER = any_of(
    r"\b(ask|request|contact|message|tell|email|e-mail|write to|reach out to|send|notify|ping)"
    r"\b[^.?!]{0,30}\bseller",
    r"\bseller\b[^.?!]{0,25}\b(request|cancel\w*|approve|decide)",
    r"\bcancellation request\b", r"\brequest (a |the )?cancell?ation\b",
    # "ask Lumen Ltd to cancel it", "can you ask them to cancel it?"
    r"\b(ask|tell|contact|get in touch with|reach out to|message|email|e-mail|write to|have)\b "
    r"(?!(you|me|us|it|him|her)\b)[^.?!]{1,40}\bto cancel\b",
)
REFUSE = any_of(
    r"\brefus\w*",
    r"\breject\w* (the |it at the )?(delivery|package|parcel|shipment|it)",
    r"\b(won'?t|will not|not|don'?t) (accept|take|sign for) (the |it|them)?\s*(delivery|package|"
    r"parcel|shipment|it|them)?\b",
    r"\bturn (it|them|the \w+) away\b", r"\breturn to sender\b",
    r"\bsend (it|them) back at the door\b",
)
THROUGH = r"(?:through|thru)"
CHECK = any_of(
    r"\b(it'?s|its|they'?re|that'?s|is it|are they)\s+(been\s+|now\s+|all\s+|already\s+)*"
    r"cancell?ed\b[^.!]*\?", r"\bso (it'?s|its|they'?re) (now |all )?cancell?ed\b",
    r"\brefund\b[^.?!]{0,30}\b(yet|gone out|went out|been (issued|sent|paid)|issued|paid|"
    r"processed|come through|arrived)\b",
    r"\b(did|has|have|was|were|is|are|got|get)\b[^.?!]{0,50}\b(go(ne)? " + THROUGH + r"|went "
    + THROUGH + r"|come " + THROUGH + r"|came " + THROUGH + r"|cancell?ed|processed|refunded|"
    r"approved|denied|accepted|rejected|flagged|done)\b",
    r"(?<!n't )(?<!not )(?<!yet )\b(went|gone|come|came) " + THROUGH + r"\b",
    r"\b(got|gotten|heard|come|came) back (to|from)\b", r"\bget back to me\b",
    r"\bany (news|update|word|answer|reply|response)\b", r"\bheard (anything )?from\b",
    r"\bwhat did (the seller|they|\w+) (say|decide)\b",
    r"\bdid\b[^.?!]{0,50}\b(approve|accept|agree|deny|reject|decline|respond|reply|answer)"
    r"(ed|d)?\b",
    r"\bdid (you|the seller|they|it|\w+ \w+|\w+) (actually |really |already )?cancel\b",
    r"\bdid\b[^.?!]{0,30}\bwork(ed)?\b",
    r"\b(no|haven'?t (got|gotten|received|seen)|didn'?t (get|receive)|never (got|received)|"
    r"where'?s|where is) (a |the |my |any )?(confirmation|e-?mail|refund)\b",
    r"\bcancell?ed (orders?|items?|list|section|ones)\b",
    r"\b(status|confirmation) of (my|the) (\w+ )?(cancell?ation|refund|request)\b",
    r"\brefund(ed)? (yet|status)\b", r"\b(where|when) ('?s|is|will) (my|the) refund\b",
    r"\bcheck\b[^.?!]*\bcancell?(ed|ation)\b", r"\bcancell?ed yet\b",
    r"\bany cancell?ations\b", r"\bdid i get (my )?(money|refund)\b",
    r"\bwas my (money|refund)\b", r"\bconfirm (that )?(it|the|my)\b[^.?!]*\bcancell?ed\b",
    r"\bstill (cancell?ed|there)\b",
)
NOT_A_CHECK = any_of(
    r"\b(payment|card|charge|transaction|money transfer)\b[^.?!]{0,40}\bthrough\b",
    r"(n't|not|never)( even| yet)? (gone|come|went|go|been) (?:through|thru)",
)
CANCELLABLE_Q = any_of(
    r"\bcancell?able\b", r"\bstoppable\b",
    r"\b(can|could) (still )?be (stopped|halted|cancell?ed|called off|pulled|undone)\b",
    r"\bwhat (on|in|from|of) \S+ (can|could)\b",
    r"\b(too late|still time) to (cancel|stop)\b",
    r"\b(can|could|may)\s+(i|we|you|they|he|she|it|this|that|these|those|the\s+\w+(\s+\w+)?|"
    r"my\s+\w+(\s+\w+)?|order\s+\S+)\s+(still\s+)?(be\s+)?(cancel|drop|stop|undo|call off|"
    r"get rid of|back out)",
    r"\bcan (still )?be cancel",
    r"\b(is|are)\s+(it|this|that|they|these|those)?\s*(still\s+)?(possible|too late)\s+to\s+"
    r"cancel",
    r"\bable to (be )?cancel", r"\bwhat can (i|we|they) do\b",
    r"\bwhat are (my|the|their|his|her|our|your) options\b",
    r"\bwhat (are|is) (possible|allowed)\b",
)
LOOKUP = any_of(
    r"\bif\b[^.?!]{0,40}\b(shipped|dispatched|arrived|delivered|been sent|left|on (its|the) way)\b",
    r"\btell me (if|whether|when|what|where|how|about)\b",
    r"\b(has|have|is|are|was|were|did|does)\b[^.?!]{0,40}\b(shipped|ship|dispatched|arrived|"
    r"delivered|sent|left|on (its|the) way|out for delivery|in transit)\b",
    r"\bwhether\b[^.?!]{0,40}\b(shipped|dispatched|arrived|delivered|sent|on (its|the) way)\b",
    r"\b(haven'?t|hasn'?t|isn'?t|aren'?t|not|not yet)\s+(been\s+|yet\s+)?(shipped|dispatched|"
    r"sent|left|gone out)\b",
    r"\bwhen (will|does|is|do|are)\b[^.?!]{0,40}\b(arrive|ship|come|deliver|dispatch)\w*",
    r"\b(show|see|view|look ?up|find|check|details?|status|where('?s| is| are)|track\w*|"
    r"what('?s| is| was)? in|contents?|what did i (order|buy)|tell me about|info(rmation)?|"
    r"open|state of|happen\w* (to|with)|what about|how about)\b")
LIST = any_of(
    r"\bwhat (did )?i (have )?(order|ordered|bought|buy|purchased)\b",
    r"\b(ordered|bought|purchased) (recently|lately)\b", r"\brecent (purchases|stuff|items)\b",
    r"\b(my|all|recent|previous|past|other|open) orders\b", r"\border history\b",
    r"\b(which|what) orders\b", r"\blist (of )?(my )?orders\b", r"\borders (do )?i have\b",
)
LATEST = any_of(
    r"\b(last|latest|most recent|newest|recent|previous|current|new|just placed)\s+"
    r"(order|purchase)\b",
    r"\border i (just )?(placed|made)\b", r"\bi just (placed|made) (an |my )?order\b",
    r"\bjust ordered\b",
)
IDENTITY = any_of(
    r"\b(i am|i'm|im|as an?|this is|speaking as|i work (as|for|at))\s+(an? |the |a member of )?"
    r"(staff|agent|support|admin\w*|employee|manager|supervisor|moderator|developer|owner|shop|"
    r"store|customer service|[\w.+-]+@[\w.-]+)\b",
    r"\bmy (e-?mail|account) is\b", r"\bi'?m (logged|signed) in as\b", r"\bon behalf of\b",
)
HUMAN_NOUN = (
    r"(human( being)?|real person|a person|actual person|live person|someone|somebody|"
    r"representative|\brep\b|agent|operator|customer (service|support|care)|support (team|"
    r"staff|person|agent|desk)|staff member|supervisor|manager|colleague|team lead|live chat|"
    r"a real one|people)")
HUMAN = any_of(
    r"\b(talk|speak|chat|connect|transfer|put me through|hand|escalate|get me|want|need|let me|"
    r"can i have|i'?d like|give me|call|pass|forward|send)\b[^.?!]{0,40}\b" + HUMAN_NOUN,
    r"\b(someone|somebody|a person|an agent|a human|a real person)\b[^.?!]{0,20}\b(call|"
    r"contact|phone|ring|help|talk to|speak to)\b",
    r"^\W*" + HUMAN_NOUN + r"\W*(please|now|pls|asap)?\W*$",
    r"\bescalat\w+\b", r"\bhand ?off\b", r"\bhand (it |this )?off\b",
)
OUT_OF_SCOPE = any_of(
    r"\b(damaged|broken|defective|faulty|doesn'?t work|does not work|not working|stopped "
    r"working)\b",
    r"\b(missing (item|package|parcel|parts?|pieces?)|never (arrived|came|received|got)|"
    r"didn'?t (arrive|receive|get)|lost (package|parcel)|stolen)\b",
    r"\b(wrong item (arrived|was delivered|received|came)|received the wrong|sent (me )?the "
    r"wrong)\b",
    r"\b(was|were|been|have|has|you|they|i'?ve)\s+(charged|billed)\s+(me\s+|us\s+)?(twice|"
    r"double|wrong|too much)\b|(?<!get )\bdouble charged\b|\bovercharged\b",
    r"\bchange (my |the )?(delivery |shipping )?(address|payment|card|size|colou?r|delivery "
    r"date)\b",
    r"\b(exchange|swap it|warranty|repair|invoice|coupon|promo code|voucher|gift card)\b",
    r"\b(password|log ?in|account (locked|hacked|deleted)|(close|delete) my account)\b",
    r"\bcomplain\w*",
)
GREET = any_of(r"^\W*(hi|hello|hey|hiya|howdy|heya|greetings|good (morning|afternoon|evening|"
              r"day)|yo|hallo|hola|bonjour)\b")
THANKS = any_of(
    r"\b(thanks|thank you|thx|ty|cheers|much appreciated|appreciate it|bye|goodbye|see you)\b",
    r"\b(that'?s all|that is all|nothing else|that'?s it|we'?re done|all good|all set)\b",
    r"\bhave a (nice|good|great) day\b",
)
AFFIRM = any_of(
    r"^\W*(yes|yeah|yea|yep|yup|ya|sure|ok|okay|k|alright|all right|absolutely|definitely|"
    r"certainly|of course|please do|go ahead|go for it|do it|do that|sounds good|correct|right|"
    r"fine|great|perfect|affirmative|indeed|si|oui|ja)\b",
    r"^\W*please\W*$",
    r"\b(go ahead|please do|do it|yes please|that would be (great|good|nice)|let'?s do (it|"
    r"that)|i agree|i accept|make it so|send it|flag it)\b(?! back)",
)
DENY = any_of(
    r"^\W*(no|nope|nah|not now|not really|never ?mind|nvm|forget (it|that|about it)|leave it|"
    r"stop|keep (it|them)|i'?ll keep|no thanks|no thank you)\b",
    r"^\W*(don'?t|do not)\W*$", r"^\W*(don'?t|do not)\s+(bother|go ahead|proceed|do (it|that)|"
    r"cancel|send|flag)\b",
    # "wait" alone holds things; "wait, what's the refund?" is just a question.
    r"^\W*(wait|hold on)\W*$", r"^\W*(wait|hold on)\W+(no|nope|don'?t|stop|actually)\b",
    r"\b(don'?t|do not) (cancel|do|send|flag)\b", r"\bi changed my mind\W*$",
    r"\bdon'?t bother\b",
)
CONFIRM = any_of(r"\b(confirm(ed|ing)?|proceed|go ahead|execute|approve|submit|finali[sz]e)\b")
REASONS_Q = any_of(
    r"\b(what|which) (are|is|were) (the |my )?(reasons?|options|choices)\b",
    r"\breason options\b", r"\bwhat reasons\b", r"\blist (the )?reasons\b",
    r"\bwhat can i (choose|pick|say|select)\b", r"\bwhat (do|should) i (say|pick|choose)\b",
)
REFUND_Q = any_of(
    r"\b(money|refund|it)\b[^.?!]{0,30}\b(go|goes|going|come|comes)\s+back\s+to\b",
    r"\b(voucher|store credit|gift card|credit note|paypal)\b[^.?!]{0,40}\?",
    r"\brefund\b[^.?!]{0,30}\b(go|going|goes|back|card|visa|mastercard|account|paypal|"
    r"payment|bank)\b", r"\b(back|refunded) (on|to) (my|her|his|the|their) (card|visa|account|"
    r"bank|paypal)\b",
    r"\bhow much\b", r"\brefund(ed)? amount\b", r"\b(get|getting) (it |my money )?back\b",
    r"\bmoney back\b", r"\bwhen (will|do) i (get|receive)\b", r"\bwhat('?s| is) the refund\b",
)
HELP = any_of(
    r"^\W*help\W*$", r"\bwhat (can|do) you (do|help)", r"\bhow does this work\b",
    r"\bwho are you\b", r"\bwhat are you\b", r"\bhow (can|do) you help\b", r"\bwhat is this\b",
)
WHY = any_of(r"^\W*(but )?why\b", r"\bwhy not\b", r"\bhow come\b", r"\bwhat do you mean\b",
            r"\bwhy can'?t\b", r"\bexplain\b")
RETURN = any_of(r"\breturn(s|ing|ed)?\b(?!\s+(center|centre))", r"\bsend (it|them) back\b")
INJECTION = any_of(
    r"\b(ignore|disregard|forget|override|bypass) (all |any |the |your |my |of )*(previous |"
    r"prior |above |earlier |system |these |those |old |original )*(instructions|rules|"
    r"prompts?|directions|guidelines|policy|policies|restrictions)\b",
    r"system prompt", r"^\W*system\s*:", r"\byou are now\b", r"developer mode", r"jailbreak",
    r"pretend (to be|you are)", r"act as (an? |the )?(admin|staff|agent|developer|system)",
    r"new instructions", r"admin (mode|access|override)", r"\bsudo\b",
    r"</?(system|tool|assistant|instructions?)>",
    # Tool output pasted into a message: facts come from tool results only (P12).
    r"\{\s*\"", r"\"ok\"\s*:", r"tool (result|output|response)\s*:", r"function (result|output)",
    r"\bconfirmed\s*[=:]\s*true\b",
)
OFFTOPIC = any_of(
    r"\b(weather|forecast|joke|jokes|poem|song|lyrics|story|recipe|cook(ing)?|bake|baking)\b",
    r"\b(coding|code|python|javascript|java|typescript|program(ming)?|sql)\b",
    r"\b(capital of|president|election|politic\w*|news|stocks?|bitcoin|crypto\w*)\b",
    r"\b(math|calculate|translate|homework|essay|movies?|films?|football|soccer|basketball|"
    r"sports?|horoscope|meaning of life)\b",
    r"\b(your name|who made you|chatgpt|openai|llm)\b",
    r"\b(recommend\w*|suggest\w*|do you sell|in stock|best (laptop|phone|headphones|deal))\b",
    r"\b(restaurant|hotel|flight|travel|vacation|holiday plans|girlfriend|boyfriend|dating)\b",
    r"\bwrite (me )?an? ",
)
DOMAIN = any_of(
    r"\b(order\w*|items?|cancel\w*|refund\w*|deliver\w*|ship\w*|package|parcel|sellers?|"
    r"return\w*|purchase\w*|bought|product|tracking|payment|charged?|account|confirm\w*|"
    r"receipt|money back|arriv\w*|dispatch\w*)\b",
    r"\bmy (stuff|things)\b", r"\b(question|problem|issue|trouble) (about|with) (my|the|an?)\b",
    r"\bhow much\b",
)
QUESTION = any_of(r"\?", r"^\W*(what|which|why|how|when|where|who|is|are|was|were|did|does|do|"
                        r"can|could|would|will|has|have|should)\b")

# Item reference markers.
ALL = any_of(
    r"\b(everything|entire (order|thing|lot)|whole (order|thing|lot)|the lot|full order|"
    r"complete order|every item|every single|them all|it all)\b",
    r"\ball (of )?(the |my |those |these )?(items|things|of it|of them|products|stuff|lot)\b",
    r"\ball of (it|them)\b", r"\bcancel (it |them )?all\b",
    r"\ball\b(?= (but|except|apart|other|minus|excluding|save))",
    r"\ball (three|four|five|two|\d+)\b",
)
BOTH = any_of(r"\bboth\b")
OTHER_ONE = any_of(r"\b(the )?other (one|item|thing|product|two|ones|items)s?\b",
              r"\bthe (rest|remaining)\b", r"\bremaining (items?|ones?)\b", r"\bthe other\b")
PRONOUN = any_of(r"\b(it|them|that|this|these|those|this one|that one|the item|the items|"
                r"the product|the thing|that item|this item)\b")
SOME = any_of(
    r"\b(something|some items?|an item|one item|a few items|some things|part of|certain "
    r"items|an article|a product)\b",
    r"\bone of the (items|things)\b", r"\bsome of (it|them|the (items|order))\b",
)
ADDITIVE = any_of(r"(?<!way )(?<!far )(?<!much )\btoo\b(?!\s+(?:many|much|big|small|long|late|slow|"
                  r"early|soon|large|little|few|expensive|pricey|short|tight|loose|heavy))",
                  r"\b(also|as well|in addition|additionally|another)\b",
                  r"^\W*(?:oh\s+|and\s+|plus\s+)+(?:the|my|that|this|those|these)\b")
EXCEPT = any_of(
    r"\b(except( for)?|but not|apart from|other than|excluding|besides|not including|minus|"
    r"save for|all but|everything but|but keep|keep the|but leave|leaving out|without the|"
    r"not the)\b")



# "could you have the lamp cancelled?", "I'd like to get it canceled": a request, not a check.
CAUSATIVE = any_of(
    r"(?:\b(?:please|kindly|can i|could i|may i)|\b(?:can|could|would|will) you(?: please| "
    r"kindly)?|\bto)\s+(?:have|get)\s+(?:it|them|this|that|these|those|the|my|both|all|"
    r"every)\b[^.?!]{0,40}\bcancell?ed\b")
CANCEL_NOW = any_of(r"\b(please|now|want to|wanna|would like to|'d like to|need to|go ahead and|"
                   r"can you|could you)\s+cancel\b", r"^\W*cancel\b", CAUSATIVE.pattern)
SPLIT_EXCEPT = any_of(r"[.?!;,]", r" and ", r" but ", r" then ", r"\bcancel")



BUT_AFTER_ALL = re.compile(r"\bbut (?:not |for )?(?:the|my|that|this|those|these)\b")



ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "last": -1, "final": -1}
ORDINAL = re.compile(
    r"\bthe (?:very )?(" + "|".join(ORDINALS) + r")(?: (one|item|thing|product|article|entry|"
    r"line|position|listed|on the list|in the list))?\b(?! (?:time|order|purchase|week|day|"
    r"minute|hour|month|year|of|place|reason|option)\b)")
ITEM_NOUNS = {"item", "thing", "product", "article", "entry", "line", "position", "listed",
               "on the list", "in the list"}




# --- spelling --------------------------------------------------------------------------------
# Common misspellings of the words the patterns above rely on; applied word by word before
# anything else is read (titles are matched typo-tolerantly later, not here).
TYPOS: dict[str, str] = {
    "cancle": "cancel", "cancell": "cancel", "canel": "cancel", "cancl": "cancel",
    "cansel": "cancel", "cancael": "cancel", "cancek": "cancel", "cnacel": "cancel",
    "cacnel": "cancel", "camcel": "cancel", "cancelation": "cancellation",
    "cancelations": "cancellations", "cancle'd": "cancelled", "cancled": "cancelled",
    "canceld": "cancelled", "cancelld": "cancelled", "canceling": "cancelling",
    "oder": "order", "ordr": "order", "orer": "order", "odrer": "order", "ordet": "order",
    "refnd": "refund", "refund's": "refunds", "shiped": "shipped", "shippped": "shipped",
    "deliverd": "delivered", "recieved": "received", "recieve": "receive",
    "pls": "please", "plz": "please", "plse": "please", "pleas": "please", "thx": "thanks",
    "ty": "thanks", "u": "you", "ur": "your", "r": "are", "dont": "don't", "wont": "won't",
    "cant": "can't", "im": "i'm", "ive": "i've", "didnt": "didn't", "isnt": "isn't",
    "doesnt": "doesn't", "havent": "haven't", "hasnt": "hasn't", "wasnt": "wasn't",
    "wanna": "want to", "gonna": "going to", "gotta": "have to", "whats": "what's",
    "thats": "that's", "theres": "there's", "id've": "i'd have", "sellr": "seller",
    "selller": "seller", "someting": "something", "anymore.": "anymore", "tho": "though",
    "b4": "before", "asap": "as soon as possible",
}

# Plurals that are also singulars (not to be cut to "glasse" or "serie").
UNCHANGED_PLURALS = frozenset({
    "glasses", "series", "species", "jeans", "pants", "shorts", "trousers", "scissors",
    "tongs", "headphones", "earphones", "sunglasses", "leggings", "pyjamas", "pajamas",
    "news", "goods", "clothes", "dishes", "lens", "bus", "gas", "canvas", "chess",
})

# --- words that never name an item -------------------------------------------------------------
# Grammar, dialogue, the shop's own vocabulary, reasons, time. Attribute words (colours,
# sizes) are *not* here: "the black one" may well name an item.
_STOP_TEXT = """
a about above actually after again ago all also am an and any anymore anything are as asap
at away back bad be because been before being both bought but buy by can cancel cancelled
canceled cancelling canceling cancellation cancellations cannot cant could customer
did do does doing done dont each either else email even everything except excluding for
from get gets getting give go going gone got had has have having he hello help her here hey hi
him his how however i id if im in instead into is isnt it its ive just keep kindly know
last latest least let like longer look looking made make many may me mine mistake more most
much must my myself need needed needs never no nope not now number of off ok okay on once
one ones only or order ordered orders other our out over part please pls plz purchase
purchased quickly rather real really reason refund refunded remaining remove request rest right
same see seller shall she should show since so some something soon still stop such sure
than thank thanks that thats the their them then there these they thing things this those
though through thx to today too total twice unfortunately until up us very wait want wanted
wants was way we well were what whats when where which while who whole why will with
without wont would yeah yes yesterday yet you your youre item items product products stuff
cancellable possible delivery shipping shipped status placed check tell entire everything
except apart besides minus plus additionally addition another first second third both either
id ids caller calling line tomorrow morning evening night week weeks day days hour
hours minute minutes moment hurry urgent urgently immediately sorry excuse guys mate recent
newest previous current most arrive arrives arriving come coming came elsewhere cheaper
better price deal able think guess maybe perhaps probably definitely surely certainly already
anyway verify verified mail postcode zip note 1st 2nd 3rd 4th 5th fourth fifth final listed
list stay stays staying remain remains kept keeping leave leaving fine meant wanted intended
two three pair couple lot rest others gone drop scrap rid via asked ask said says tuesday
monday wednesday thursday friday saturday sunday weekend night tonight ago earlier later
bought ordered order's purchase placed arrived arrives came sent send sending received
don won didn doesn isn wasn aren haven hasn hadn shouldn wouldn couldn ll ve re
honestly basically literally just simply kinda sorta lol thing's
remember recall forgot forget ahead hold whether stopped stop halted wondering wonder
curious alright
options option choices choice possibilities alternatives anything
parcel parcels package packages shipment shipments returns return centre center refuse
refusing refusal reject door doorstep courier driver warehouse tracking money card account
website app chat confirmation confirm confirmed proceed go flag flagged set arrange
sort handle organise organize
"""
_MORE_STOP_TEXT = """
yesterdays mornings todays tonights nights evenings afternoons weeks bday birthday
ugh argh hmm meh lol omg oops whoops yikes sigh asking went problems problem issue issues
safe sure havent hasnt isnt arent wasnt werent didnt doesnt dont wont cant shouldnt
wouldnt couldnt fair great cool awesome brilliant lovely perfect callers caller's few quick
put payment wheres whats hows
"""
STOP_WORDS = frozenset(_STOP_TEXT.split()) | frozenset(_MORE_STOP_TEXT.split())

# Words that, alone, point at no particular item (they may still help tell two items apart).
GENERIC = frozenset({"set", "pack", "kit", "pair", "piece", "pieces", "x", "size", "color",
                     "colour", "new", "large", "small", "medium", "big", "inch", "cm"})

# --- word families: the same thing said differently ---------------------------------------------
_FAMILY_GROUPS: dict[str, str] = {
    "blue": "blue navy cobalt azure indigo royal denim sky turquoise teal petrol",
    "red": "red crimson scarlet burgundy maroon wine cherry ruby",
    "green": "green olive sage mint emerald forest lime khaki teal jade petrol",
    "grey": "grey gray charcoal graphite slate silver ash anthracite",
    "black": "black jet ebony onyx midnight",
    "white": "white ivory cream snow offwhite",
    "brown": "brown tan beige chocolate coffee walnut camel taupe chestnut mocha oatmeal sand "
             "sandy stone natural",
    "pink": "pink rose blush salmon fuchsia magenta",
    "purple": "purple violet lilac lavender plum mauve",
    "yellow": "yellow mustard gold golden lemon ochre",
    "orange": "orange terracotta rust coral amber copper",
    "wood": "wood wooden oak pine walnut teak bamboo birch beech timber maple acacia",
    "metal": "metal metallic steel stainless iron aluminium aluminum brass copper chrome",
    "leather": "leather suede faux",
    "ceramic": "ceramic porcelain stoneware earthenware clay",
    "wool": "wool woollen woolen knit knitted cashmere merino fleece",
    "pan": "pan skillet frying fryingpan wok griddle",
    "pot": "pot saucepan stockpot casserole",
    "mug": "mug cup",
    "sofa": "sofa couch settee loveseat",
    "blanket": "blanket throw",
    "rug": "rug carpet runner",
    "mat": "mat doormat",
    "lamp": "lamp lampe",
    "headphone": "headphone headset earphone earbud earpod",
    "phone": "phone smartphone mobile cellphone iphone",
    "cover": "case cover sleeve",
    "cable": "cable cord lead wire",
    "charger": "charger adapter adaptor plug",
    "laptop": "laptop notebook computer",
    "tv": "tv television telly",
    "shoe": "shoe sneaker trainer runner boot welly wellies wellington",
    "trouser": "trouser pant jean jogger sweatpant chino",
    "sweater": "sweater hoodie sweatshirt jumper pullover cardigan",
    "shirt": "shirt tshirt tee top blouse",
    "coat": "coat jacket parka anorak",
    "bag": "bag backpack rucksack tote satchel",
    "bottle": "bottle flask thermos",
    "vacuum": "vacuum hoover vac",
    "book": "book paperback hardback hardcover novel",
    "pillow": "pillow cushion",
    "duvet": "duvet comforter quilt",
    "sheet": "sheet bedsheet bedding linens",
    "screen": "screen monitor display",
    "turntable": "turntable record vinyl gramophone phonograph",
    "speaker": "speaker soundbar",
    "watch": "watch smartwatch",
    "toy": "toy plush teddy",
    "brick": "brick lego block",
    "stroller": "stroller pram buggy pushchair",
    "pole": "pole stick",
    "stand": "stand holder rack",
    "kid": "kid child children toddler baby junior",
    "small": "small little mini compact tiny",
    "big": "big large huge xl giant",
    "kettle": "kettle",
    "grinder": "grinder mill",
    "knife": "knife knive blade",
    "vase": "vase",
    "chair": "chair seat stool",
    "table": "table desk",
    "shelf": "shelf shelving bookcase",
    "light": "light bulb",
}


def _families() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for family, members in _FAMILY_GROUPS.items():
        for word in members.split():
            out.setdefault(word, set()).add(family)
    return {w: frozenset(f) for w, f in out.items()}


FAMILIES: dict[str, frozenset[str]] = _families()

# --- how a message splits into requests ----------------------------------------------------------
# A new request starts after a sentence end, or after "and"/"but"/"also"/"then" (or a comma)
# when a verb or a question follows: "cancel the rug and tell me whether the toaster shipped".
_REQUEST_START = (
    r"(?:(?:also|please|pls|then|and|just|can|could|would|will)\s+(?:you\s+)?)*"
    r"(?:tell|let|check|is|are|was|were|did|does|do|has|have|what|what's|when|where|how|why|"
    r"will|would|can|could|i'd|i\s+(?:just\s+|really\s+|only\s+|also\s+)?(?:would|want|need|"
    r"will|'ll|wanted|was\s+wondering)|cancel|keep|leave|"
    r"refuse|ask|send|request|show|look|find|see|hand|put|get|don't|dont|never)\b")
CLAUSE_BREAK = re.compile(
    r"[.!?;]+(?:\s+|$)|\n+|(?:,\s*|\s+)(?:and|but|also|then|plus)\s+(?=" + _REQUEST_START + ")"
    r"|,\s*(?=(?:and\s+)?(?:also\s+)?(?:just\s+|only\s+)?(?:can you|could you|would you|please|"
    r"tell me|let me know|show|look|find|cancel|keep|leave|refuse|ask|send|request|don't|"
    r"do not)\b|" + _REQUEST_START + ")")

# --- exclusion: items the user keeps ------------------------------------------------------------
# Each pattern's group "phrase" is what stays; a phrase runs to the end of its clause or to
# the next comma / "and" / "but".
_DET = r"(?:the|my|that|this|those|these|our|your|her|his|their)\b"
# Markers that keep whatever follows them: "except the lamp", "everything but 2 mugs".
KEEP_BEFORE = re.compile(
    r"\b(?:except(?:\s+for)?|but\s+not|apart\s+from|other\s+than|excluding|besides|"
    r"not\s+including|minus|save\s+for|leaving\s+out|leave\s+out|without|"
    r"but\s+(?:keep|leave))\s+(?P<phrase>[a-z0-9][^,;.!?]*)")
# Verbs that keep only an item said with a determiner: "keep the lamp", "not the cable",
# "don't cancel my mug" (and not "keep me posted", "not needed", "leave a review").
KEEP_VERB = re.compile(
    r"(?:\b(?:i'?ll|i\s+will|i\s+want\s+to|i'?d\s+like\s+to|i\s+would\s+like\s+to|let\s+me|"
    r"let'?s|we'?ll|please|i\s+can)\s+)?\b(?:keep(?:ing)?|leave|don'?t\s+(?:cancel|touch|remove)|"
    r"do\s+not\s+(?:cancel|touch|remove)|not)\s+(?P<phrase>" + _DET + r"[^,;.!?]*)")
# "Cancel everything on 7 but the hub": "but" after "everything" keeps.
BUT_AFTER_ALL_PHRASE = re.compile(r"\bbut\s+(?:not\s+|for\s+)?(?P<phrase>" + _DET
                                  + r"[^,;.!?]*)")
KEEP_AFTER = re.compile(
    r"(?P<phrase>(?:the|my|that|this|those|these|our|her|his|their)\s+[^,;.!?]{1,60}?|"
    # Said at the start of a clause without "the": "paper can stay", "tuner stays".
    r"(?:^|(?<=[,;:])|(?<=[,;:]\s)|(?<=\s[\u2014\u2013-]\s))\s*[a-z][a-z0-9\- ]{1,40}?)\s+"
    r"(?:(?:can|could|may|should|will|is\s+going\s+to|are\s+going\s+to)\s+(?:stay|remain|wait|"
    r"be\s+kept)|stays?|remains?|is\s+staying|are\s+staying|(?:is|are)\s+(?:fine|ok|okay|good|"
    r"staying)|(?:that\s+|which\s+)?(?:i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be|we'?re|we\s+are)\s+"
    r"keeping|(?:that\s+|which\s+)?i\s+(?:want|wanna|would\s+like|'d\s+like|need|still\s+want)\s+"
    r"(?:to\s+keep|to\s+have)?|(?:that\s+|which\s+)?i'?(?:ll|\s+will)\s+keep|i'?m\s+keeping|"
    r"(?:that\s+|which\s+)?(?:i|we)\s+(?:can|could|will|'ll)\s+(?:still\s+)?use|(?:is|are)\s+"
    r"enough|"
    r"(?:he|she|they|the\s+caller|the\s+customer)\s+(?:keeps|is\s+keeping|are\s+keeping|"
    r"wants\s+to\s+keep|will\s+keep|'ll\s+keep|still\s+wants?))\b")
# "the lamp can stay, bulbs too": more that stays.
KEEP_TOO = re.compile(r"^\s*[,;]?\s*(?:and\s+)?(?P<phrase>(?:the\s+|my\s+)?[a-z][a-z0-9\- ]{1,40}?)"
                      r"\s+(?:too|as\s+well|also)\b")
KEEP_MEANT = re.compile(
    r"\bi\s+(?:only\s+|just\s+|actually\s+)?(?:meant|wanted|intended|planned)\s+to\s+"
    r"(?:get|order|buy|keep|have)\s+(?P<phrase>[^,;.!?]+?)(?=\s*(?:,|;|\.|!|\?|$|\s+and\b|\s+but\b|"
    r"\s+so\b))")
# Words after which a kept phrase ends ("keep the lamp and cancel the rest").
PHRASE_END = re.compile(r"\s+[\u2014\u2013-]+\s+|\s+(?:and|but|so|then|while|though|because|"
                        r"since|as|just|only)\b|\s+(?:cancel|"
                        r"refuse|ask|send)\b")
# After "keep"/"leave"/"not", these are not items: "keep it", "not needed", "leave it there".
NOT_A_KEPT_PHRASE = re.compile(
    r"^(?:it|them|that|this|everything|anything|all|the\s+order|my\s+order|the\s+rest|sure|"
    r"yet|now|really|needed|necessary|required|too|at\s+all|so|going|happy|interested|"
    r"worth|possible|an\s+option|in\s+a\s+rush|any\s*more|anymore|me|you|us|waiting|the\s+same|"
    r"in\s+mind|track|tracking|posted|informed|calm|quiet|the\s+money|the\s+refund|"
    r"the\s+change|a\s+(?:note|message|review))\b")

# --- groups: items pointed at without naming them ----------------------------------------------
GROUP_BOTH = re.compile(r"\b(?:both(?:\s+of\s+(?:them|those|these|the\s+items))?|the\s+two(?:\s+"
                        r"of\s+them|\s+items|\s+things)?|them\s+both|these\s+two|those\s+two)"
                        r"\b(?!-)")
GROUP_REST = re.compile(r"\b(?:the\s+)?(?:rest|remaining(?:\s+(?:items?|ones?))?|others)\b|"
                        r"\bthe\s+other\s+(?:one|item|thing|product|two|ones|items|things)?\b")
GROUP_THEM = re.compile(r"\b(?:it|them|that|this|these|those|this\s+one|that\s+one|the\s+item|"
                        r"the\s+items|that\s+item|this\s+item|the\s+thing|the\s+product)\b")
EVERY = re.compile(r"\b(?:all|every|each|both)\s+(?:of\s+)?(?:the\s+|my\s+|those\s+|these\s+)?"
                   r"(?P<noun>[a-z][a-z0-9-]*(?:\s+[a-z][a-z0-9-]*)?)")
ONLY = re.compile(r"\b(?:only|just)\b(?!\s+(?:meant|wanted|intended|now|to\s+be\s+(?:safe|sure)|"
                  r"in\s+case|a\s+(?:second|moment|"
                  r"minute|sec)|checking|asking|wondering|to\s+check|curious))")
PASTED_LINE = re.compile(
    r"^\s*(?:>|\[|<|\{|system\s*:|assistant\s*:|tool\s*:|admin\s*:|support\s*:|agent\s*:|"
    r"rescind\s*:|bot\s*:|from\s*:|subject\s*:|sent\s*:|to\s*:|note\s+from|---|===|\*\*\*|```)",
    re.IGNORECASE)
QUOTED = re.compile(r"\"[^\"]{30,}\"|\u201c[^\u201d]{30,}\u201d|```.*?```|\[[^\]]{20,}\]|"
                    r"<[^>]{20,}>|\{[^}]{20,}\}", re.DOTALL)

# --- around the request -----------------------------------------------------------------------
# A clause with one of these is telling, not asking ("since the lamp comes with one"): the
# items it mentions are only used if they name something.
COMMENTARY = re.compile(
    r"\b(?:since|because|as|so|comes?|came|gave|give|got|gets|is|was|were|are|has|have|had|"
    r"seems?|looks?|think|thought|said|says|told|bought|ordered|arrived|works?|worked|"
    r"turns?\s+out|apparently|realised|realized|noticed|found|saw|see|need|needs|want|wants)\b")
# Words that start a message without saying anything yet ("wait, will I get my money?").
INTERJECTION = re.compile(r"^(?:wait|ok|okay|so|well|hmm+|oh|ah|actually|um+|uh+|right|"
                          r"alright|hey|hi|hello|sorry|oops|please|pls|yes|yeah|hm+)$")

# --- when an order was placed -----------------------------------------------------------------
WHEN = (
    ("today", re.compile(r"\b(?:today'?s?|this (?:morning|afternoon|evening)'?s?|earlier today|"
                         r"an hour ago|(?:a )?(?:few|couple of) hours ago|tonight|just now|"
                         r"a (?:few|couple of) minutes ago|just (?:placed|ordered|made))\b")),
    ("yesterday", re.compile(r"\b(?:yesterday'?s?|last night'?s?|the night before)\b")),
    ("week", re.compile(r"\blast week\b|\ba week ago\b")),
    ("days", re.compile(r"\b(?:a few|couple of|two|three|2|3) days ago\b|\bthe other day\b")),
)
# "my order on the 11th", "from the 3rd": the day of the month it was placed.
DAY_OF_MONTH = re.compile(r"\b(?:on|from|of)\s+(?:the\s+)?([1-9]|[12][0-9]|3[01])(?:st|nd|rd|th)\b")
WEEKDAY = re.compile(r"\b(?:on |last |from |this past )?(monday|tuesday|wednesday|thursday|"
                     r"friday|saturday|sunday)(?:'s)?\b")

# Units and sizes in titles: never an item's head noun ("Cast iron skillet 12 inch").
_UNITS_TEXT = """
ft feet foot cm mm m inch inches in kg g l ml oz lb lbs pack pcs pc pieces piece x xl xxl
pair pairs set count ct mah w v gb tb hz
"""
UNITS = frozenset(_UNITS_TEXT.split())

# Short numbers: an item id only after "item", "#", "no", "number", "line" or alone.
ITEM_CONTEXT = re.compile(r"(?:\bitems?|\bno\.?|\bnumber|\bnr|\bline|\bid|\bsku|#|^)\W{0,3}$",
                          re.IGNORECASE)
QUANTITY_AFTER = re.compile(r"\s*(?:min|mins|minutes?|hours?|hrs?|days?|weeks?|months?|"
                            r"pieces?|pcs|pack|packs|pairs?|of|x|%|percent|euros?|dollars?|"
                            r"pounds?|bucks|quid|times?)\b", re.IGNORECASE)
WRITE_VERB = re.compile(r"\b(?:cancel\w*|refuse|scrap|drop|remove|ask|request)\b")
PLACED_CUE = re.compile(r"\b(?:order\w*|bought|buy|purchas\w*|placed|got|from|made|put in)\b")
# Words after the real head noun of a title ("Soy candle gift set": a candle).
HEAD_SKIP = frozenset({"set", "pack", "kit", "gift", "bundle", "combo", "collection", "refill",
                       "edition", "version", "model", "style", "pair", "duo", "trio"})
