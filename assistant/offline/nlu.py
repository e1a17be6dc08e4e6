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

from assistant.offline.matching import words


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

    @property
    def named(self) -> bool:
        return bool(self.all or self.both or self.other or self.tokens)


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
_BECAUSE = re.compile(r"\b(?:because|since|reason(?: is|:)|as)\s+(.{3,})$")
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
_POSTCODE = re.compile(
    r"\b(?:post\s?code|postal\s?code|zip(?:\s?code)?|plz|postcode is)\s*(?:is|:|=|-)?\s*"
    r"([a-z0-9]{2,5}(?:[ -][a-z0-9]{3,4})?)\b", re.IGNORECASE)
_ID_TOKEN = re.compile(r"(?<![\w@.])#?([A-Za-z0-9](?:[A-Za-z0-9_.\-]*[A-Za-z0-9])?)")
_ORDER_CONTEXT = re.compile(
    r"(?:\border|\bnumber|\bno|\bnr|\bid|\bref|\breference|#)\W{0,3}$", re.IGNORECASE)
_NOT_AN_ID = re.compile(
    r"^(\d+[.,]\d{1,2}|\d{4}-\d{2}-\d{2}.*|\d{1,2}[:h]\d{2}|\d+(st|nd|rd|th)|\d+(x|pcs|am|pm|"
    r"min|mins|minutes|h|hrs|hours|days?|kg|g|cm|mm|m|gb|tb|ml|l)|x\d+|usb-?c|p\d{1,2})$",
    re.IGNORECASE)
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
        strong = (context or m.group(0).startswith("#") or bool(_DASHED.search(token))
                  or len(token) >= 6)
        out.append(IdToken(token, strong))
    return tuple(out)


# --- acts -------------------------------------------------------------------------------------
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_NEG_CANCEL = _rx(r"\b(don'?t|do not|never|no need to|not|won'?t|stop)( to)? (cancel|refuse|send"
                  r"|request|do (it|that))\b|\bkeep (it|them|the order|my order|the \w+)\b")
_CANCEL = _rx(r"\bcancel(l?ing|s)?\b(?!l?ed\b)|\bcancell?ation\b(?! (request|go|went|gone|"
              r"status|of my|through))|\bcall (it |the order |them )?off\b|\bscrap\b|"
              r"\bget rid of\b|\bundo (my|the) (order|purchase)\b|\bstop (the|my) (order|"
              r"delivery|shipment|purchase)\b|\bremove\b[^.?!]*\b(from|off) (my|the|this) "
              r"order\b|\b(i want|i'?d like|i would like|give me|get|requesting|request) (a |my )?"
              r"refund\b|\bdon'?t want (it|them|this|that|the|my|these|those)\b")
_ORDER_OBJECT = _rx(r"\b(cancel|scrap|call off|stop)\s+(the|my|this|that|our|an?)?\s*(\w+\s+)?"
                    r"(order|purchase)\b(?! (of|for))")
_SELLER = _rx(r"\b(ask|request|contact|message|tell|email|e-mail|write to|reach out to|send|"
              r"notify|ping)\b[^.?!]{0,30}\bseller|\bseller\b[^.?!]{0,25}\b(request|cancel\w*|"
              r"approve|decide)|\bcancellation request\b|\brequest (a |the )?cancell?ation\b")
_REFUSE = _rx(r"\brefus\w*|\breject\w* (the |it at the )?(delivery|package|parcel|shipment|it)"
              r"|\b(won'?t|will not|not|don'?t) (accept|take|sign for) (the |it|them)?\s*"
              r"(delivery|package|parcel|shipment|it|them)?\b|\bturn (it|them|the \w+) away\b|"
              r"\breturn to sender\b|\bsend (it|them) back at the door\b")
_CHECK = _rx(
    r"\b(did|has|have|was|were|is|are|got|get)\b[^.?!]{0,50}\b(go(ne)? through|went through|"
    r"come through|came through|cancell?ed|processed|refunded|approved|denied|accepted|rejected|"
    r"flagged|done)\b|\b(went|gone|come|came) through\b|\bcancell?ed (orders?|items?|list|"
    r"section|ones)\b|\b(status|confirmation) of (my|the) (cancell?ation|refund|request)\b|"
    r"\brefund(ed)? (yet|status)\b|\b(where|when) (is|will) (my|the) refund\b|\bcheck\b[^.?!]*"
    r"\bcancell?(ed|ation)\b|\bcancell?ed yet\b|\bany cancell?ations\b|\bdid i get (my )?"
    r"(money|refund)\b|\bwas my (money|refund)\b|\bconfirm (that )?(it|the|my)\b[^.?!]*"
    r"\bcancell?ed\b|\bstill (cancell?ed|there)\b|\bdid (that|this|it) work\b")
_CANCELLABLE_Q = _rx(
    r"\bcancell?able\b|\b(can|could|may)\s+(i|we|you|they|he|she|it|this|that|these|those|"
    r"the\s+\w+(\s+\w+)?|my\s+\w+(\s+\w+)?|order\s+\S+)\s+(still\s+)?(be\s+)?cancel|\b(is|are)"
    r"\s+(it|this|that|they|these|those)?\s*(still\s+)?(possible|too late)\s+to\s+cancel|"
    r"\bable to (be )?cancel|\bwhat can (i|we|you|they) do\b|\bwhat are (my|the|their) options"
    r"\b|\bwhat (are|is) (possible|allowed)\b")
_LOOKUP = _rx(r"\b(show|see|view|look ?up|find|check|details?|status|where('?s| is| are)|track"
              r"\w*|what('?s| is| was)? in|contents?|what did i (order|buy)|tell me about|info"
              r"(rmation)?|open|state of|happen\w* (to|with)|what about|how about)\b")
_LIST = _rx(r"\b(my|all|recent|previous|past|other|open) orders\b|\border history\b|"
            r"\b(which|what) orders\b|\blist (of )?(my )?orders\b|\borders (do )?i have\b")
_LATEST = _rx(r"\b(last|latest|most recent|newest|recent|previous|current|new|just placed|"
              r"today'?s|yesterday'?s)\s+(order|purchase)\b|\border i (just )?(placed|made)"
              r"\b|\bi just (placed|made) (an |my )?order\b|\bjust ordered\b")
_IDENTITY = _rx(r"\b(i am|i'm|im|as an?|this is|speaking as|i work (as|for|at))\s+(an? |the |a "
                r"member of )?(staff|agent|support|admin\w*|employee|manager|supervisor|"
                r"moderator|developer|owner|shop|store|customer service|[\w.+-]+@[\w.-]+)\b|"
                r"\bmy (e-?mail|account) is\b|\bi'?m (logged|signed) in as\b|\bon behalf of\b")
_HUMAN_NOUN = (r"(human( being)?|real person|a person|actual person|live person|someone|somebody"
               r"|representative|\brep\b|agent|operator|customer (service|support|care)|"
               r"support (team|staff|person|agent|desk)|staff member|supervisor|manager|"
               r"colleague|team lead|live chat|a real one|people)")
_HUMAN = _rx(r"\b(talk|speak|chat|connect|transfer|put me through|hand (me |this |it )?"
             r"(over|off)|escalate|get me|want|need|let me|can i have|i'?d like|give me|call|"
             r"pass (me|this|it))\b[^.?!]{0,40}\b" + _HUMAN_NOUN + r"|^\W*(" + _HUMAN_NOUN +
             r")\W*(please|now|pls|asap)?\W*$|\bescalat\w+\b|\bhand (it |this )?off\b|"
             r"\bhand ?off\b")
_OUT_OF_SCOPE = _rx(
    r"\b(damaged|broken|defective|faulty|doesn'?t work|does not work|not working|stopped "
    r"working|missing (item|package|parcel|parts?|pieces?)|never (arrived|came|received|got)|"
    r"didn'?t (arrive|receive|get)|wrong item (arrived|was delivered|received|came)|received "
    r"the wrong|sent (me )?the wrong|charged (me )?(twice|double|wrong|too much)|double charged|"
    r"overcharged|change (my |the )?(delivery |shipping )?(address|payment|card|size|colou?r|"
    r"delivery date)|exchange|swap it|warranty|repair|invoice|coupon|promo code|voucher|"
    r"gift card|password|log ?in|account (locked|hacked|deleted)|(close|delete) my account|"
    r"complain\w*|lost (package|parcel)|stolen)\b")
_GREET = _rx(r"^\W*(hi|hello|hey|hiya|howdy|heya|greetings|good (morning|afternoon|evening|day)"
             r"|yo|hallo|hola|bonjour)\b")
_THANKS = _rx(r"\b(thanks|thank you|thx|ty|cheers|much appreciated|appreciate it|that'?s all|"
              r"that is all|nothing else|bye|goodbye|see you|have a (nice|good|great) day|"
              r"that'?s it|we'?re done|all good|all set)\b")
_AFFIRM = _rx(r"^\W*(yes|yeah|yea|yep|yup|ya|sure|ok|okay|k|alright|all right|absolutely|"
              r"definitely|certainly|of course|please do|go ahead|go for it|do it|do that|"
              r"sounds good|correct|right|fine|great|perfect|affirmative|indeed|si|oui|"
              r"ja)\b|^\W*please\W*$|\b(go ahead|please do|do it|yes please|that would be (great|"
              r"good|nice)|let'?s do (it|that)|i agree|i accept|make it so|send it|flag it)\b")
_DENY = _rx(r"^\W*(no|nope|nah|not now|not really|never ?mind|nvm|forget (it|that|about it)|"
            r"leave it|don'?t|do not|stop|hold on|wait|keep (it|them)|i'?ll keep|no thanks|"
            r"no thank you)\b|\b(don'?t|do not) (cancel|do|send|flag)\b|\bi changed my mind\W*$"
            r"|\bdon'?t bother\b")
_CONFIRM = _rx(r"\b(confirm(ed|ing)?|proceed|go ahead|execute|approve|submit|finali[sz]e)\b")
_REASONS_Q = _rx(r"\b(what|which) (are|is|were) (the |my )?(reasons?|options|choices)\b|"
                 r"\breason options\b|\bwhat reasons\b|\blist (the )?reasons\b|\bwhat can i "
                 r"(choose|pick|say|select)\b|\bwhat (do|should) i (say|pick|choose)\b")
_REFUND_Q = _rx(r"\bhow much\b|\brefund(ed)? amount\b|\b(get|getting) (it |my money )?back\b|"
                r"\bmoney back\b|\bwhen (will|do) i (get|receive)\b|\bwhat('?s| is) the refund\b")
_HELP = _rx(r"^\W*help\W*$|\bwhat (can|do) you (do|help)|\bhow does this work\b|\bwho are you\b|"
            r"\bwhat are you\b|\bhow (can|do) you help\b|\bwhat is this\b")
_WHY = _rx(r"^\W*(but )?why\b|\bwhy not\b|\bhow come\b|\bwhat do you mean\b|\bwhy can'?t\b|"
           r"\bexplain\b")
_RETURN = _rx(r"\breturn(s|ing|ed)?\b(?!\s+(center|centre))|\bsend (it|them) back\b")
_INJECTION = _rx(
    r"\b(ignore|disregard|forget|override|bypass) (all |any |the |your |my |of )*(previous |prior "
    r"|above |earlier |system |these |those |old |original )*(instructions|rules|prompts?|"
    r"directions|guidelines|policy|policies|restrictions)\b|system prompt|^\W*system\s*:|"
    r"\byou are now\b|developer mode|jailbreak|pretend (to be|you are)|act as (an? |the )?"
    r"(admin|staff|agent|developer|system)|new instructions|admin (mode|access|override)|"
    r"\bsudo\b|</?(system|tool|assistant|instructions?)>|\{\s*\"|\"ok\"\s*:|tool (result|"
    r"output|response)\s*:|function (result|output)|\bconfirmed\s*[=:]\s*true\b")
_OFFTOPIC = _rx(
    r"\b(weather|forecast|joke|jokes|poem|song|lyrics|story|recipe|cook(ing)?|coding|code|python|"
    r"javascript|java|typescript|program(ming)?|sql|capital of|president|election|politic\w*|news"
    r"|stocks?|bitcoin|crypto\w*|math|calculate|translate|homework|essay|movies?|films?|football"
    r"|soccer|basketball|sports?|horoscope|meaning of life|your name|who made you|chatgpt|openai|"
    r"llm|recommend\w*|suggest\w*|do you sell|in stock|best (laptop|phone|headphones|deal)|"
    r"restaurant|hotel|flight|travel|vacation|holiday plans|girlfriend|boyfriend|dating|"
    r"write (me )?an? )\b")
_DOMAIN = _rx(r"\b(order\w*|items?|cancel\w*|refund\w*|deliver\w*|ship\w*|package|parcel|"
              r"sellers?|return\w*|purchase\w*|bought|product|tracking|payment|charged?|"
              r"account|confirm\w*|receipt|money back|arriv\w*|dispatch\w*|my (stuff|things)|"
              r"(question|problem|issue|trouble) (about|with) (my|the|an?)|how much)\b")
_QUESTION = _rx(r"\?|^\W*(what|which|why|how|when|where|who|is|are|was|were|did|does|do|can|"
                r"could|would|will|has|have|should)\b")

# Item reference markers.
_ALL = _rx(r"\b(everything|entire (order|thing|lot)|whole (order|thing|lot)|all (of )?(the |my "
           r"|those |these )?(items|things|of it|of them|products|stuff|lot)|all of it|all of "
           r"them|the lot|full order|complete order|every item|every single|cancel (it |them )?all"
           r"\b|all\b(?= (but|except|apart|other|minus|excluding|save))|them all|it all|all "
           r"(three|four|five|two|\d+))\b")
_BOTH = _rx(r"\bboth\b")
_OTHER = _rx(r"\b(the )?other (one|item|thing|product|two|ones|items)s?\b|\bthe (rest|"
             r"remaining)\b|\bremaining (items?|ones?)\b|\bthe other\b")
_PRONOUN = _rx(r"\b(it|them|that|this|these|those|this one|that one|the item|the items|"
               r"the product|the thing|that item|this item)\b")
_SOME = _rx(r"\b(something|some items?|an item|one item|a few items|some things|one of the "
            r"(items|things)|part of|some of (it|them|the (items|order))|certain items|an "
            r"article|a product)\b")
_ADDITIVE = _rx(r"\b(too|also|as well|in addition|additionally|plus|and the|another)\b")
_EXCEPT = _rx(r"\b(except( for)?|but not|apart from|other than|excluding|besides|not including|"
              r"minus|save for|all but|everything but|but keep|keep the|but leave|leaving out|"
              r"without the|not the)\b")


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
    postcode = postcode_m.group(1).upper() if postcode_m else None
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
    refs = _refs(_POSTCODE.sub(" ", body), ids)
    return Frame(
        text=text.strip(), norm=norm, acts=frozenset(acts), ids=ids, emails=emails,
        postcode=postcode, latest=bool(_LATEST.search(body)),
        order_object=bool(_ORDER_OBJECT.search(body)), refs=refs, reason=reason,
        reason_text=reason_text, option=option_reason(norm),
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
    for act, pattern in table:
        if pattern.search(body):
            acts.add(act)
    if _CANCEL.search(body) and not negated:
        acts.add(Act.CANCEL)
    if negated:
        acts.add(Act.DENY)
        acts -= {Act.SELLER, Act.REFUSE, Act.AFFIRM, Act.CONFIRM}
    if Act.CHECK in acts and not _CANCEL_NOW.search(body):
        acts.discard(Act.CANCEL)  # "is it cancelled?" asks, it doesn't order
    if Act.DENY in acts and Act.AFFIRM in acts and _DENY.match(body):
        acts.discard(Act.AFFIRM)
    if acts & {Act.CANCEL, Act.SELLER, Act.REFUSE, Act.CHECK, Act.CANCELLABLE_Q, Act.RETURN}:
        acts.add(Act.DOMAIN)
    return acts


_CANCEL_NOW = _rx(r"\b(please|now|want to|wanna|would like to|'d like to|need to|go ahead and|"
                  r"can you|could you)\s+cancel\b|^\W*cancel\b")
_SPLIT_EXCEPT = _rx(r"[.?!;]")


def _refs(body: str, ids: tuple[IdToken, ...]) -> ItemRefs:
    main, excluded = body, ""
    m = _EXCEPT.search(body)
    if m:
        main = body[:m.start()]
        excluded = _SPLIT_EXCEPT.split(body[m.end():], maxsplit=1)[0]
    for t in ids:
        if t.strong:  # an order number is not an item word ("112", "0000001")
            main = main.replace(t.text.lower(), " ")
    tokens = tuple(words(main))
    return ItemRefs(
        tokens=tokens, except_tokens=tuple(words(excluded)) if excluded else (),
        all=bool(_ALL.search(body)), both=bool(_BOTH.search(body)),
        other=bool(_OTHER.search(body)), pronoun=bool(_PRONOUN.search(main)),
        some=bool(_SOME.search(body)), additive=bool(_ADDITIVE.search(body)),
    )
