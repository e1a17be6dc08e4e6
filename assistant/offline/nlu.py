"""Reading one user message into a `Frame`: what they ask, which order, which items, why.

State-free on purpose: the same text always gives the same frame (so it is cached), and the
dialogue state can be rebuilt from the message list alone. Item words stay plain tokens here;
they are matched against the order's real titles later (`matching.py`), once tool results
say what the order contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from assistant.offline.matching import usable, words


class Act(StrEnum):
    """What a message does. A message may carry several (a reason and a cancel request)."""

    CANCEL = "cancel"
    SELLER = "seller"  # ask the third-party seller (P5)
    REFUSE = "refuse"  # refuse the package at the door (P10)
    CHECK = "check"  # did the cancellation go through (P14)
    CANCELLABLE_Q = "cancellable_q"  # "can I still cancel ...?"
    LOOKUP = "lookup"
    LIST = "list"
    RETURN = "return"
    HUMAN = "human"
    OUT_OF_SCOPE = "out_of_scope"  # a shop problem this assistant can't solve (P13)
    GREET = "greet"
    THANKS = "thanks"
    AFFIRM = "affirm"
    DENY = "deny"
    CONFIRM = "confirm"
    REASONS_Q = "reasons_q"
    REFUND_Q = "refund_q"  # "how much will I get back?"
    HELP = "help"
    WHY = "why"
    OFFTOPIC = "offtopic"
    DOMAIN = "domain"  # mentions shop things, even if nothing else is understood
    IDENTITY_CLAIM = "identity_claim"  # "I am staff", "I'm bob@..." — ignored (P1)
    INJECTION = "injection"  # "ignore previous instructions", pasted tool JSON


@dataclass(frozen=True)
class IdToken:
    text: str
    strong: bool  # shaped like an order number, or said right after "order"
    context: bool = False  # after "order", "#", "from", "on": more likely the order than an item


@dataclass(frozen=True)
class ItemRefs:
    """How the message points at items; resolved against real items in `matching`."""

    tokens: tuple[str, ...] = ()  # words that may name items ("the headphones")
    except_tokens: tuple[str, ...] = ()  # "everything except the cable"
    all: bool = False
    both: bool = False
    other: bool = False  # "the other one", "the rest"
    pronoun: bool = False  # "it", "them": whatever is being discussed
    some: bool = False  # "an item", "something": items meant but not named
    additive: bool = False  # "the cable too"
    fallback_all: bool = False  # "cancel order X": the whole order unless items are named
    ids: tuple[str, ...] = ()  # id-shaped tokens as written ("sku-9", "A1"): maybe item ids
    ordinal: int | None = None  # "the first one" = 1, "the second item" = 2, "the last" = -1

    @property
    def named(self) -> bool:
        """Points at items ("all", "the other one", a word that may be a title)."""
        return bool(self.all or self.both or self.other or self.ordinal is not None
                    or any(usable(t) for t in self.tokens))


@dataclass(frozen=True)
class Frame:
    text: str
    norm: str
    acts: frozenset[Act]
    ids: tuple[IdToken, ...] = ()
    emails: tuple[str, ...] = ()
    postcode: str | None = None
    latest: bool = False  # "my last order"
    order_object: bool = False  # "cancel my order": the whole order is the object
    refs: ItemRefs = ItemRefs()
    reason: str | None = None
    reason_text: str | None = None
    option: str | None = None  # a bare option word ("mistake"), used only if asked
    question: bool = False

    def has(self, *acts: Act) -> bool:
        return not self.acts.isdisjoint(acts)

    @property
    def order_ids(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.ids if t.strong)


# --- reasons (P6) ---------------------------------------------------------------------------
MISTAKE, NOT_NEEDED, PRICE, SLOW, OTHER = (
    "ordered_by_mistake", "no_longer_needed", "found_better_price", "delivery_too_slow", "other",
)
_REASONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (MISTAKE, re.compile(
        r"\b(by (a )?mistake|mistaken(ly)?|(a|my|was a|honest) mistake|mistake|accident(al)?"
        r"(ly)?|by error|in error|(ordered|bought|picked|chose|got) (the |a )?wrong|wrong (item|"
        r"size|colou?r|one|product|model|thing|variant|version|quantity|amount)|(ordered|bought|"
        r"purchased|placed) (it |them |this |that |the order )?twice|duplicate|double[- ]?(order"
        r"|ordered|purchase|bought)|didn'?t mean to|did not mean to|never meant to|"
        r"unintentional(ly)?|mis-?click(ed)?|clicked (the )?wrong|fat[- ]finger\w*|oops)\b")),
    (NOT_NEEDED, re.compile(
        r"\b(no longer (need|needed|want|wanted|required|necessary|use|useful)|not (needed|"
        r"required|necessary)|(do not|don'?t|dont|won'?t|will not|no longer) (really |even )?"
        r"(need|want)(?! to\b)|needn'?t|no need for|have no use|no use for|unnecessary|"
        r"already (have|got|own|bought|found|received)( one| it| them| this)?|(got|bought|found|"
        r"received) (one|it|them) (already|elsewhere|somewhere else|locally|in (a|the) store)|"
        r"need (it|them|this|that) any ?more|want (it|them|this|that) any ?more|"
        r"not (need|want) (it|them|this|that)|plans? (fell|changed)|gift (is )?not needed)\b")),
    (PRICE, re.compile(
        r"\b((i |we )?(found|saw|seen|got|spotted|there'?s|there is|have|has)( it| them| one|"
        r" this| that)?( at| for| with| on)? (a |an )?)?(better (price|deal|offer|value)|"
        r"cheaper|lower price|less expensive|price (drop|match|is lower|went down)|(found|saw|"
        r"seen|get|got) (it|them|one) (for )?less|on sale elsewhere|(lower|better) elsewhere|"
        r"discount(ed)? elsewhere|(good|great) deal elsewhere|better bargain)( elsewhere| "
        r"somewhere else| online| in (a|another) (store|shop))?\b")),
    (SLOW, re.compile(
        r"\b(too slow|slow (delivery|shipping|shipment|dispatch)|(delivery|shipping|shipment|"
        r"dispatch|arrival)( time| date)? (is |was |will be |seems |looks |takes )?(too |so |very "
        r"|way too )?(slow|long|late|far off|far away)|takes? (too|so|way too) long|taking (too|so|"
        r"way too|forever|ages)( long)?( to (arrive|come|ship|deliver|get here))?|too long (to|"
        r"for|a wait)|wait(ing)? (too|so) long|long wait|forever to (arrive|ship|come|deliver)|"
        r"takes? forever|won'?t (arrive|come|get here|be here|be delivered) (in time|on time|"
        r"before|until|for|soon)|not (arrive|come|get here) in time|"
        r"arriv\w* too late|(come|arrive|deliver)s? too late|delayed|delays?|need(ed)? (it|them) "
        r"(sooner|faster|earlier|by)|faster elsewhere|too late (for|to be useful))\b")),
)
_OTHER_EXPLICIT = re.compile(
    r"^\W*(?:other|another reason|something else)\b\W*(.*)$|\breason\W*(?:is\W*)?(?:other|"
    r"something else)\b\W*(.*)$|\bother\s*(?:reason)?\s*[:\-–—]\s*(.*)$")
_CHANGED_MIND = re.compile(r"\b(changed? (my|our) minds?|change of (mind|heart|plans?)|"
                           r"changed (my |our )?plans?)\b")
_BECAUSE = re.compile(r"\b(?:because|'?cause|reason(?: is|:)|due to)\s+(.{3,})$")
_OPTION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (MISTAKE, re.compile(r"\b(mistake|wrong|accident|error|first)\b")),
    (NOT_NEEDED, re.compile(r"\b(need|needed|longer|unneeded|want|second)\b")),
    (PRICE, re.compile(r"\b(price|cheaper|cheap|cost|deal|third)\b")),
    (SLOW, re.compile(r"\b(slow|delivery|shipping|late|long|time|fourth)\b")),
    (OTHER, re.compile(r"\b(other|else|fifth)\b")),
)
_OPTION_NUMBER = re.compile(r"^\W*(?:option\s*)?([1-5])\W*$")


def find_reason(norm: str) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """The P6 reason stated in a message, its free text (for "other"), and its span."""
    best: tuple[int, str, re.Match[str]] | None = None
    for reason, pattern in _REASONS:
        m = pattern.search(norm)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), reason, m)
    mind = _CHANGED_MIND.search(norm)
    if mind and (best is None or mind.start() < best[0]):
        return OTHER, "Changed my mind", mind.span()
    if best is not None:
        return best[1], None, best[2].span()
    other = _OTHER_EXPLICIT.search(norm)
    if other:
        text = next((g for g in other.groups() if g), "").strip(" .!") or None
        return OTHER, text[:200] if text else None, other.span()
    return None, None, None


def option_reason(norm: str) -> str | None:
    """A bare answer to "why are you cancelling?" ("mistake", "2"); only used when asked."""
    number = _OPTION_NUMBER.match(norm)
    if number:
        return (MISTAKE, NOT_NEEDED, PRICE, SLOW, OTHER)[int(number.group(1)) - 1]
    for reason, pattern in _OPTION_WORDS:
        if pattern.search(norm):
            return reason
    return None


def because_text(text: str) -> str | None:
    """Free text after "because": kept as the reason for "other" when nothing else fits."""
    m = _BECAUSE.search(text.strip())
    return m.group(1).strip(" .!")[:200] if m else None


# --- ids, e-mails, postcodes -----------------------------------------------------------------
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE_VALUE = r"([a-z0-9]{2,8}(?:[ -][a-z0-9]{3,4})?)"
_POSTCODE = re.compile(
    r"\b(?:post\s?code|postal\s?code|zip(?:\s?code)?|plz)\s*(?:is|:|=|-)?\s*" + _POSTCODE_VALUE
    + r"\b|\b" + _POSTCODE_VALUE + r"\s+(?:is|as)\s+(?:the\s+|her\s+|his\s+|their\s+)?"
    r"(?:post\s?code|postal\s?code|zip)", re.IGNORECASE)
_ID_TOKEN = re.compile(r"(?<![\w@.])#?([A-Za-z0-9](?:[A-Za-z0-9_.\-]*[A-Za-z0-9])?)")
_ORDER_CONTEXT = re.compile(
    r"(?:\border|\bnumber|\bno|\bnr|\bid|\bref|\breference|#)\W{0,3}$", re.IGNORECASE)
_NOT_AN_ID = re.compile(
    r"^(\d+[.,]\d{1,2}|\d{4}-\d{2}-\d{2}.*|\d{1,2}[:h]\d{2}|\d+(st|nd|rd|th)|\d+(x|pcs|am|pm|"
    r"min|mins|minutes|h|hrs|hours|days?|kg|g|cm|mm|m|gb|tb|ml|l)|x\d+|usb-?c|p\d{1,2})$",
    re.IGNORECASE)
# "the one in 1002", "cancel 1001": a bare number there is an order number, while in "the
# Monitor 2400" it is part of a title.
_NUMBER_CONTEXT = re.compile(r"(?:^|\b(?:on|in|from|for|of|cancel|about|with|is|was))\W{0,3}$",
                             re.IGNORECASE)
_PREP_CONTEXT = re.compile(r"\b(?:on|in|from|of|for)\W{0,3}$", re.IGNORECASE)  # "sku-9 from X"
_DASHED = re.compile(r"[A-Za-z0-9][-_.][A-Za-z0-9]")


def find_ids(text: str) -> tuple[IdToken, ...]:
    """Tokens that could be order or item ids: anything with a digit that isn't money, a date,
    a time or a quantity. Order-number shaped ones (dashes, length, "order ..." before them)
    are strong; short ones like "A1" are weak and resolved against known items later."""
    out: list[IdToken] = []
    seen: set[str] = set()
    for m in _ID_TOKEN.finditer(text):
        token = m.group(1).rstrip(".-_")
        if not any(c.isdigit() for c in token) or _NOT_AN_ID.match(token):
            continue
        if token.lower() in seen or text[max(0, m.start() - 1):m.start()] in ("$", "€", "£"):
            continue
        seen.add(token.lower())
        context = bool(_ORDER_CONTEXT.search(text[max(0, m.start() - 16):m.start()]))
        hashed = m.group(0).startswith("#")
        strong = (context or hashed or bool(_DASHED.search(token)) or len(token) >= 6
                  or (token.isdigit() and len(token) >= 4
                      and bool(_NUMBER_CONTEXT.search(text[max(0, m.start() - 12):m.start()]))))
        before = text[max(0, m.start() - 12):m.start()]
        out.append(IdToken(token, strong, context or hashed or bool(_PREP_CONTEXT.search(before))))
    return tuple(out)


# --- acts -------------------------------------------------------------------------------------
def _any(*alternatives: str) -> re.Pattern[str]:
    """One pattern from readable alternatives (each written with its own word boundaries)."""
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


_NEG_CANCEL = _any(
    r"\b(don'?t|do not|never|no need to|not|won'?t|stop)( to)? (cancel|refuse|send|request|"
    r"do (it|that))\b",
    r"\bkeep (it|them|the order|my order)\b",
)
_KEEP_ITEM = _any(r"\bkeep (the|my) \w+")  # "keep the headphones": an exclusion, not a no
_CANCEL = _any(
    r"\bcancel(l?ing|s)?\b(?!l?ed\b)",
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
_ORDER_OBJECT = _any(
    r"\b(cancel|scrap|call off|stop)\s+(the|my|this|that|our|an?)?\s*(\w+\s+)?(order|purchase)"
    r"\b(?! (of|for))")
_SELLER = _any(
    r"\b(ask|request|contact|message|tell|email|e-mail|write to|reach out to|send|notify|ping)"
    r"\b[^.?!]{0,30}\bseller",
    r"\bseller\b[^.?!]{0,25}\b(request|cancel\w*|approve|decide)",
    r"\bcancellation request\b", r"\brequest (a |the )?cancell?ation\b",
    # "ask Lumen Ltd to cancel it", "can you ask them to cancel it?"
    r"\b(ask|tell|contact|get in touch with|reach out to|message|email|e-mail|write to|have)\b "
    r"(?!(you|me|us|it|him|her)\b)[^.?!]{1,40}\bto cancel\b",
)
_REFUSE = _any(
    r"\brefus\w*",
    r"\breject\w* (the |it at the )?(delivery|package|parcel|shipment|it)",
    r"\b(won'?t|will not|not|don'?t) (accept|take|sign for) (the |it|them)?\s*(delivery|package|"
    r"parcel|shipment|it|them)?\b",
    r"\bturn (it|them|the \w+) away\b", r"\breturn to sender\b",
    r"\bsend (it|them) back at the door\b",
)
_THROUGH = r"(?:through|thru)"
_CHECK = _any(
    r"\b(did|has|have|was|were|is|are|got|get)\b[^.?!]{0,50}\b(go(ne)? " + _THROUGH + r"|went "
    + _THROUGH + r"|come " + _THROUGH + r"|came " + _THROUGH + r"|cancell?ed|processed|refunded|"
    r"approved|denied|accepted|rejected|flagged|done)\b",
    r"(?<!n't )(?<!not )(?<!yet )\b(went|gone|come|came) " + _THROUGH + r"\b",
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
_NOT_A_CHECK = _any(
    r"\b(payment|card|charge|transaction|money transfer)\b[^.?!]{0,40}\bthrough\b",
    r"(n't|not|never)( even| yet)? (gone|come|went|go|been) (?:through|thru)",
)
_CANCELLABLE_Q = _any(
    r"\bcancell?able\b",
    r"\b(can|could|may)\s+(i|we|you|they|he|she|it|this|that|these|those|the\s+\w+(\s+\w+)?|"
    r"my\s+\w+(\s+\w+)?|order\s+\S+)\s+(still\s+)?(be\s+)?(cancel|drop|stop|undo|call off|"
    r"get rid of|back out)",
    r"\bcan (still )?be cancel",
    r"\b(is|are)\s+(it|this|that|they|these|those)?\s*(still\s+)?(possible|too late)\s+to\s+"
    r"cancel",
    r"\bable to (be )?cancel", r"\bwhat can (i|we|they) do\b",
    r"\bwhat are (my|the|their) options\b", r"\bwhat (are|is) (possible|allowed)\b",
)
_LOOKUP = _any(
    r"\b(show|see|view|look ?up|find|check|details?|status|where('?s| is| are)|track\w*|"
    r"what('?s| is| was)? in|contents?|what did i (order|buy)|tell me about|info(rmation)?|"
    r"open|state of|happen\w* (to|with)|what about|how about)\b")
_LIST = _any(
    r"\b(my|all|recent|previous|past|other|open) orders\b", r"\border history\b",
    r"\b(which|what) orders\b", r"\blist (of )?(my )?orders\b", r"\borders (do )?i have\b",
)
_LATEST = _any(
    r"\b(last|latest|most recent|newest|recent|previous|current|new|just placed|today'?s|"
    r"yesterday'?s)\s+(order|purchase)\b",
    r"\border i (just )?(placed|made)\b", r"\bi just (placed|made) (an |my )?order\b",
    r"\bjust ordered\b",
)
_IDENTITY = _any(
    r"\b(i am|i'm|im|as an?|this is|speaking as|i work (as|for|at))\s+(an? |the |a member of )?"
    r"(staff|agent|support|admin\w*|employee|manager|supervisor|moderator|developer|owner|shop|"
    r"store|customer service|[\w.+-]+@[\w.-]+)\b",
    r"\bmy (e-?mail|account) is\b", r"\bi'?m (logged|signed) in as\b", r"\bon behalf of\b",
)
_HUMAN_NOUN = (
    r"(human( being)?|real person|a person|actual person|live person|someone|somebody|"
    r"representative|\brep\b|agent|operator|customer (service|support|care)|support (team|"
    r"staff|person|agent|desk)|staff member|supervisor|manager|colleague|team lead|live chat|"
    r"a real one|people)")
_HUMAN = _any(
    r"\b(talk|speak|chat|connect|transfer|put me through|hand|escalate|get me|want|need|let me|"
    r"can i have|i'?d like|give me|call|pass|forward|send)\b[^.?!]{0,40}\b" + _HUMAN_NOUN,
    r"\b(someone|somebody|a person|an agent|a human|a real person)\b[^.?!]{0,20}\b(call|"
    r"contact|phone|ring|help|talk to|speak to)\b",
    r"^\W*" + _HUMAN_NOUN + r"\W*(please|now|pls|asap)?\W*$",
    r"\bescalat\w+\b", r"\bhand ?off\b", r"\bhand (it |this )?off\b",
)
_OUT_OF_SCOPE = _any(
    r"\b(damaged|broken|defective|faulty|doesn'?t work|does not work|not working|stopped "
    r"working)\b",
    r"\b(missing (item|package|parcel|parts?|pieces?)|never (arrived|came|received|got)|"
    r"didn'?t (arrive|receive|get)|lost (package|parcel)|stolen)\b",
    r"\b(wrong item (arrived|was delivered|received|came)|received the wrong|sent (me )?the "
    r"wrong)\b",
    r"\b(charged (me )?(twice|double|wrong|too much)|double charged|overcharged)\b",
    r"\bchange (my |the )?(delivery |shipping )?(address|payment|card|size|colou?r|delivery "
    r"date)\b",
    r"\b(exchange|swap it|warranty|repair|invoice|coupon|promo code|voucher|gift card)\b",
    r"\b(password|log ?in|account (locked|hacked|deleted)|(close|delete) my account)\b",
    r"\bcomplain\w*",
)
_GREET = _any(r"^\W*(hi|hello|hey|hiya|howdy|heya|greetings|good (morning|afternoon|evening|"
              r"day)|yo|hallo|hola|bonjour)\b")
_THANKS = _any(
    r"\b(thanks|thank you|thx|ty|cheers|much appreciated|appreciate it|bye|goodbye|see you)\b",
    r"\b(that'?s all|that is all|nothing else|that'?s it|we'?re done|all good|all set)\b",
    r"\bhave a (nice|good|great) day\b",
)
_AFFIRM = _any(
    r"^\W*(yes|yeah|yea|yep|yup|ya|sure|ok|okay|k|alright|all right|absolutely|definitely|"
    r"certainly|of course|please do|go ahead|go for it|do it|do that|sounds good|correct|right|"
    r"fine|great|perfect|affirmative|indeed|si|oui|ja)\b",
    r"^\W*please\W*$",
    r"\b(go ahead|please do|do it|yes please|that would be (great|good|nice)|let'?s do (it|"
    r"that)|i agree|i accept|make it so|send it|flag it)\b(?! back)",
)
_DENY = _any(
    r"^\W*(no|nope|nah|not now|not really|never ?mind|nvm|forget (it|that|about it)|leave it|"
    r"don'?t|do not|stop|keep (it|them)|i'?ll keep|no thanks|no thank you)\b",
    # "wait" alone holds things; "wait, what's the refund?" is just a question.
    r"^\W*(wait|hold on)\W*$", r"^\W*(wait|hold on)\W+(no|nope|don'?t|stop|actually)\b",
    r"\b(don'?t|do not) (cancel|do|send|flag)\b", r"\bi changed my mind\W*$",
    r"\bdon'?t bother\b",
)
_CONFIRM = _any(r"\b(confirm(ed|ing)?|proceed|go ahead|execute|approve|submit|finali[sz]e)\b")
_REASONS_Q = _any(
    r"\b(what|which) (are|is|were) (the |my )?(reasons?|options|choices)\b",
    r"\breason options\b", r"\bwhat reasons\b", r"\blist (the )?reasons\b",
    r"\bwhat can i (choose|pick|say|select)\b", r"\bwhat (do|should) i (say|pick|choose)\b",
)
_REFUND_Q = _any(
    r"\bhow much\b", r"\brefund(ed)? amount\b", r"\b(get|getting) (it |my money )?back\b",
    r"\bmoney back\b", r"\bwhen (will|do) i (get|receive)\b", r"\bwhat('?s| is) the refund\b",
)
_HELP = _any(
    r"^\W*help\W*$", r"\bwhat (can|do) you (do|help)", r"\bhow does this work\b",
    r"\bwho are you\b", r"\bwhat are you\b", r"\bhow (can|do) you help\b", r"\bwhat is this\b",
)
_WHY = _any(r"^\W*(but )?why\b", r"\bwhy not\b", r"\bhow come\b", r"\bwhat do you mean\b",
            r"\bwhy can'?t\b", r"\bexplain\b")
_RETURN = _any(r"\breturn(s|ing|ed)?\b(?!\s+(center|centre))", r"\bsend (it|them) back\b")
_INJECTION = _any(
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
_OFFTOPIC = _any(
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
_DOMAIN = _any(
    r"\b(order\w*|items?|cancel\w*|refund\w*|deliver\w*|ship\w*|package|parcel|sellers?|"
    r"return\w*|purchase\w*|bought|product|tracking|payment|charged?|account|confirm\w*|"
    r"receipt|money back|arriv\w*|dispatch\w*)\b",
    r"\bmy (stuff|things)\b", r"\b(question|problem|issue|trouble) (about|with) (my|the|an?)\b",
    r"\bhow much\b",
)
_QUESTION = _any(r"\?", r"^\W*(what|which|why|how|when|where|who|is|are|was|were|did|does|do|"
                        r"can|could|would|will|has|have|should)\b")

# Item reference markers.
_ALL = _any(
    r"\b(everything|entire (order|thing|lot)|whole (order|thing|lot)|the lot|full order|"
    r"complete order|every item|every single|them all|it all)\b",
    r"\ball (of )?(the |my |those |these )?(items|things|of it|of them|products|stuff|lot)\b",
    r"\ball of (it|them)\b", r"\bcancel (it |them )?all\b",
    r"\ball\b(?= (but|except|apart|other|minus|excluding|save))",
    r"\ball (three|four|five|two|\d+)\b",
)
_BOTH = _any(r"\bboth\b")
_OTHER = _any(r"\b(the )?other (one|item|thing|product|two|ones|items)s?\b",
              r"\bthe (rest|remaining)\b", r"\bremaining (items?|ones?)\b", r"\bthe other\b")
_PRONOUN = _any(r"\b(it|them|that|this|these|those|this one|that one|the item|the items|"
                r"the product|the thing|that item|this item)\b")
_SOME = _any(
    r"\b(something|some items?|an item|one item|a few items|some things|part of|certain "
    r"items|an article|a product)\b",
    r"\bone of the (items|things)\b", r"\bsome of (it|them|the (items|order))\b",
)
_ADDITIVE = _any(r"\b(too|also|as well|in addition|additionally|plus|and the|another)\b")
_EXCEPT = _any(
    r"\b(except( for)?|but not|apart from|other than|excluding|besides|not including|minus|"
    r"save for|all but|everything but|but keep|keep the|but leave|leaving out|without the|"
    r"not the)\b")


def _strip_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out = text
    for start, end in sorted(spans, reverse=True):
        out = out[:start] + " " + out[end:]
    return out


@lru_cache(maxsize=2048)
def parse(text: str) -> Frame:
    """Understand one message. Cached: history is re-read on every model call."""
    norm = " ".join(text.lower().replace("’", "'").replace("`", "'").split())
    emails = tuple(dict.fromkeys(e.lower() for e in _EMAIL.findall(text)))
    no_email = _EMAIL.sub(" ", text)
    postcode_m = _POSTCODE.search(no_email)
    code = (postcode_m.group(1) or postcode_m.group(2)) if postcode_m else None
    postcode = code.upper() if code and any(c.isdigit() for c in code) else None
    id_text = _POSTCODE.sub(" ", no_email)
    ids = find_ids(id_text)
    reason, reason_text, span = find_reason(norm)
    if reason is None and (free := because_text(text)):
        reason, reason_text = OTHER, free  # "because I'm moving abroad": P6 "other"
    # Intents are read with the reason phrase removed: "no longer needed" is not a "no",
    # "don't want it" is not a refusal of a proposal.
    body = _strip_spans(norm, [span]) if span else norm
    body = _EMAIL.sub(" ", body)
    acts = _acts(body, norm)
    if reason and not acts & {Act.DENY, Act.CHECK}:
        acts.add(Act.DOMAIN)
    refs = _refs(_POSTCODE.sub(" ", body), ids, acts)
    return Frame(
        text=text.strip(), norm=norm, acts=frozenset(acts), ids=ids, emails=emails,
        postcode=postcode, latest=bool(_LATEST.search(body)),
        order_object=bool(_ORDER_OBJECT.search(body)), refs=refs, reason=reason,
        reason_text=reason_text,
        option=option_reason(norm) if len(norm.split()) <= 4 and "?" not in norm else None,
        question=bool(_QUESTION.search(norm)),
    )


def _acts(body: str, norm: str) -> set[Act]:
    acts: set[Act] = set()
    identity = _IDENTITY.search(body)
    if identity:
        acts.add(Act.IDENTITY_CLAIM)
        body = _strip_spans(body, [identity.span()])
    if _INJECTION.search(norm):
        acts.add(Act.INJECTION)
    negated = bool(_NEG_CANCEL.search(body))
    table: tuple[tuple[Act, re.Pattern[str]], ...] = (
        (Act.SELLER, _SELLER), (Act.REFUSE, _REFUSE), (Act.CHECK, _CHECK),
        (Act.CANCELLABLE_Q, _CANCELLABLE_Q), (Act.LOOKUP, _LOOKUP), (Act.LIST, _LIST),
        (Act.RETURN, _RETURN), (Act.HUMAN, _HUMAN), (Act.OUT_OF_SCOPE, _OUT_OF_SCOPE),
        (Act.GREET, _GREET), (Act.THANKS, _THANKS), (Act.AFFIRM, _AFFIRM), (Act.DENY, _DENY),
        (Act.CONFIRM, _CONFIRM), (Act.REASONS_Q, _REASONS_Q), (Act.HELP, _HELP),
        (Act.WHY, _WHY), (Act.OFFTOPIC, _OFFTOPIC), (Act.DOMAIN, _DOMAIN),
        (Act.REFUND_Q, _REFUND_Q),
    )
    causative = _CAUSATIVE.search(body)
    for act, pattern in table:
        if pattern.search(body):
            acts.add(act)
    if causative and not _CHECK.search(_strip_spans(body, [causative.span()])):
        acts.discard(Act.CHECK)
    if _CANCEL.search(_KEEP_ITEM.sub(" ", body)) and not negated:
        acts.add(Act.CANCEL)
    if negated:
        acts.add(Act.DENY)
        acts -= {Act.SELLER, Act.REFUSE, Act.AFFIRM, Act.CONFIRM}
    if Act.CHECK in acts and _NOT_A_CHECK.search(body):
        acts.discard(Act.CHECK)  # "my payment hasn't gone through": not about a cancellation
    if Act.CHECK in acts and not _CANCEL_NOW.search(body):
        acts.discard(Act.CANCEL)  # "is it cancelled?" asks, it doesn't order
    if Act.DENY in acts and Act.AFFIRM in acts and _DENY.match(body):
        acts.discard(Act.AFFIRM)
    if acts & {Act.CANCEL, Act.SELLER, Act.REFUSE, Act.CHECK, Act.CANCELLABLE_Q, Act.RETURN}:
        acts.add(Act.DOMAIN)
    return acts


# "could you have the lamp cancelled?", "I'd like to get it canceled": a request, not a check.
_CAUSATIVE = _any(
    r"(?:\b(?:please|kindly|can i|could i|may i)|\b(?:can|could|would|will) you(?: please| "
    r"kindly)?|\bto)\s+(?:have|get)\s+(?:it|them|this|that|these|those|the|my|both|all|"
    r"every)\b[^.?!]{0,40}\bcancell?ed\b")
_CANCEL_NOW = _any(r"\b(please|now|want to|wanna|would like to|'d like to|need to|go ahead and|"
                   r"can you|could you)\s+cancel\b", r"^\W*cancel\b", _CAUSATIVE.pattern)
_SPLIT_EXCEPT = _any(r"[.?!;,]", r" and ", r" but ", r" then ", r"\bcancel")


def _refs(body: str, ids: tuple[IdToken, ...], acts: set[Act] | None = None) -> ItemRefs:
    main, excluded = body, ""
    m = _EXCEPT.search(body) or _KEEP_ITEM.search(body) or _but_after_all(body)
    if m:
        rest = body[m.end():]
        excluded = _SPLIT_EXCEPT.split(rest, maxsplit=1)[0]
        main = body[:m.start()] + " " + rest[len(excluded):]
    for t in ids:
        if t.strong:  # an order number is not an item word ("112", "0000001")
            main = main.replace(t.text.lower(), " ")
    tokens = tuple(words(main))
    return ItemRefs(
        tokens=tokens, except_tokens=tuple(words(excluded)) if excluded else (),
        all=bool(_ALL.search(body)), both=bool(_BOTH.search(body)),
        other=bool(_OTHER.search(body)), pronoun=bool(_PRONOUN.search(main)),
        some=bool(_SOME.search(body)), additive=bool(_ADDITIVE.search(body)),
        ids=tuple(t.text for t in ids), ordinal=_ordinal(main, acts or set()),
    )


_BUT_AFTER_ALL = re.compile(r"\bbut (?:not |for )?(?:the|my|that|this|those|these)\b")


def _but_after_all(body: str) -> re.Match[str] | None:
    """"Cancel everything on order 7 but the hub": "but" after "everything" excludes."""
    everything = _ALL.search(body)
    return _BUT_AFTER_ALL.search(body, everything.end()) if everything else None


_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "last": -1, "final": -1}
_ORDINAL = re.compile(
    r"\bthe (?:very )?(" + "|".join(_ORDINALS) + r")(?: (one|item|thing|product|article|entry|"
    r"line|position|listed|on the list|in the list))?\b(?! (?:time|order|purchase|week|day|"
    r"minute|hour|month|year|of|place|reason|option)\b)")
_ITEM_NOUNS = {"item", "thing", "product", "article", "entry", "line", "position", "listed",
               "on the list", "in the list"}


def _ordinal(main: str, acts: set[Act]) -> int | None:
    """"Cancel the first one", "the last item": a position in the order's item list. A bare
    "the first one" after "why are you cancelling?" picks a reason, not an item, so without an
    item noun it counts only in a request to act."""
    m = _ORDINAL.search(main)
    if not m:
        return None
    if m.group(2) not in _ITEM_NOUNS and not acts & {Act.CANCEL, Act.SELLER, Act.REFUSE}:
        return None
    return _ORDINALS[m.group(1)]
