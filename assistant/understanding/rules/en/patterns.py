"""English: the patterns that say what a clause does (cancel, check, ask for a person...)."""

from __future__ import annotations

import re


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
    r"\bwants? (it|them|the|my|his|her|their|that|those|these|both|all|everything|whole|"
    r"entire)\b"
    r"[^.?!,]{0,40}\b(stopped|gone|called off|taken off|removed)\b",
    r"\b(the|my|that|this|those|these)\s[^,.;!?]{1,40}?\s(can|could|may)\s+go\b(?!\s+(back|"
    r"through|thru|ahead|out|on))",
    r"\b(needs?|has|have|got) to go\b", r"\bwants? (it |them |the \w+ |that )?gone\b",
    r"\b(take|knock) (it |them |that )?off (the|my) order\b", r"\bnix\b",
    r"\bcancell?ation\b(?! (request|go|went|gone|status|of my|through))",
    r"\bcall (it |the order |them )?off\b", r"\bscrap\b", r"\bget rid of\b",
    r"\bdrop (it|them|this|that|the|my|these|those)\b",
    r"\b(want|wants|need|needs|like|get|have|had) (it|them|this|that|these|those|the|my|both|"
    r"all|every|everything|the whole)\b[^.?!]{0,40}\bcancell?ed\b",  # "he wants both items
    # cancelled"
    r"\b(wants?|wanted|would like) (to get )?out of (it|them|this|that|the|my|her|his|their)\b",
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
    r"processed|come through|arrived|sorted|done|complete|completed)\b",
    # What the seller made of a request: "did the record shop say anything?"
    r"\b(did|has|have)\s+(the\s+|that\s+)?(seller|shop|store|vendor|merchant|[a-z]+\s+(shop|"
    r"store|seller))\s+(say|said|reply|replied|respond|responded|answer|answered|get back|got "
    r"back|decide|decided)\b",
    r"\b(did|has|have|was|were|is|are|got|get)\b[^.?!]{0,50}\b(go(ne)? " + THROUGH + r"|went "
    + THROUGH + r"|come " + THROUGH + r"|came " + THROUGH + r"|cancell?ed|processed|refunded|"
    r"approved|denied|accepted|rejected|flagged|done)\b",
    r"(?<!n't )(?<!not )(?<!yet )\b(went|gone|come|came) " + THROUGH + r"\b",
    r"\b(got|gotten|heard|come|came) back (to|from)\b", r"\bget back to me\b",
    r"\bany (news|update|word|answer|reply|response)\b", r"\bheard (anything )?from\b",
    r"\bwhat did (the seller|they|\w+) (say|decide)\b",
    # "and it shows as cancelled now on your end?"
    r"\b(shows?|showing|listed|marked)( up)? as cancell?ed\b",
    # What the seller will make of it: "will the seller say yes?" (the store says it waits)
    r"\bwill (the seller|they|the shop|\w+) (say (yes|no)|approve|accept|agree|deny|refuse|"
    r"reject|decline|go for it)\b",
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
    # "the birthday got cancelled": an event, not an order - a reason, not a question
    r"\b(birthday|party|trip|wedding|event|holiday|vacation|plans?|meeting|class|match|concert|"
    r"show|flight|camp|tournament|game night|sleepover|reunion)\b[^.?!]{0,20}\b(got|was|were|has "
    r"been|have been|is|are) (cancell?ed|called off|postponed)\b",
    r"\b(payment|card|charge|transaction|money transfer)\b[^.?!]{0,40}\bthrough\b",
    r"(n't|not|never)( even| yet)? (gone|come|went|go|been) (?:through|thru)",
    # About the proposal on screen: "so if I confirm it's definitely cancelled, right?"
    r"\b(if|once|after|when) (i|we|he|she|they) (confirm|say yes|click|press|go ahead|agree)\b",
    # Life, not an order: "ski trip got cancelled", "the wedding was called off".
    r"\b(trip|holiday|vacation|flight|wedding|party|event|plans?|class|course|concert|match|"
    r"game|booking|reservation|appointment|meeting|visit|camp|tour|show)s? (got|was|were|has "
    r"been|have been|is|are) (cancell?ed|called off|postponed)\b",
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
    r"\b(show|see(?!-)|view|look ?up|find|check|details?|status|where('?s| is| are)|track\w*|"
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
HUMAN_NOUN = (  # not the user's own people: "before I tell my manager" asks for nobody
    r"(?<!\bmy )(?<!\bour )(?<!\bher )(?<!\bhis )(human( being)?|real person|a person|"
    r"actual person|live person|someone|somebody|"
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
    r"didn'?t (arrive|receive|get)|lost (package|parcel)|stolen)\b"
    # "never got an email" about a cancellation: whether it went through is ours to check.
    r"(?! (a |an |the |my |any )?(e-?mails?|confirmations?|messages?|notifications?|"
    r"receipts?|texts?)\b)",
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
              r"day)|yo|hallo|hola|bonjour|ola|hej|ciao|salut|servus|moin)\b")
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
    # "leave everything as it is", "keep it all": nothing is to change.
    r"\b(leave|keep) (everything|it all|all of it|them all|all of them|things)\b(?! (but|except|"
    r"apart|other|else|on|from|in))",
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
    r"\b(if|once|after|when) (i|we|he|she|they) (confirm|say yes|click|press|go ahead|"
    r"agree)\b",
    r"\bhow (long|soon|quickly|fast)\b[^.?!]{0,30}\brefund", r"\brefund\b[^.?!]{0,30}\b(take|"
    r"takes|how long|arrive|land|show up|appear)\b",
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
    r"horoscope|meaning of life)\b",  # not "sports": "that sports shop" is a seller
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
    r"\b(everything(?<!and everything)|entire (order|thing|lot)|whole (order|thing|lot)|"
    r"the lot|full order|complete order|(?<=whole )(?:[a-z-]+ ){1,2}order|"
    r"(?<=entire )(?:[a-z-]+ ){1,2}order|every item|every single|them all|it all)\b",
    r"\ball (of )?(the |my |those |these )?(items|things|of it|of them|products|stuff|lot)\b",
    r"\ball of (it|them)\b", r"\bcancel (it |them )?all\b",
    r"\ball\b(?= (but|except|apart|other|minus|excluding|save))",
    r"\ball (three|four|five|two|\d+)\b",
    # "whatever can still be cancelled": every item of the order; the core says which can.
    r"\b(whatever|anything|all|what)( that)? (can|could|is|are) (still )?(be )?(cancell?ed|"
    r"cancell?able|stopped)\b",
)
# An apology for a mistyped number: "mixed up the digits", "typo in the order number" - not
# an item, and not the "ordered by mistake" reason.
TYPING_SLIP = re.compile(r"\b(?:mixed up|swapped|switched|got wrong|typed wrong|mistyped|misread|"
                         r"typo in|wrong)\s+(?:the\s+|my\s+|a\s+|two\s+)?(?:digits?|numbers?|"
                         r"order\s+(?:number|no|id)|id)\b")
# Phrases whose nouns name nothing: "cancel them again just in case".
IDIOM = re.compile(r"\b(?:just )?in (?:any )?case\b(?! of\b)|\bat any rate\b|\bin the end\b")
# "the smoked salmon, all 3 packs": how many of the item named, not every item of the order.
ALL_COUNT = re.compile(r"\ball (?:the )?(?:two|three|four|five|six|ten|twelve|\d+)(?: (?:packs?|"
                       r"pieces?|pcs|units?|bottles?|boxes?|bags?|cans?|jars?|tins?|rolls?|"
                       r"pairs?|sets?|of (?:them|it)))?\b")
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
    r"line|position|listed|on the list|in the list))?\b(?!-)(?! (?:time|order|purchase|week|day|"
    r"minute|hour|month|year|of|place|reason|option)\b)")
ITEM_NOUNS = {"item", "thing", "product", "article", "entry", "line", "position", "listed",
               "on the list", "in the list"}
