"""English: how a message splits into requests, what stays, groups, and when it was ordered."""

from __future__ import annotations

import re

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
    r"not\s+including|minus|save\s+for|leaving\s+out|leave\s+out|"
    # "no point without the shoes" says why, it keeps nothing.
    r"(?<!point\s)(?<!use\s)(?<!useless\s)(?<!pointless\s)without|"
    r"but\s+(?:keep|leave))\s+(?P<phrase>[a-z0-9][^,;.!?]*)")
# Verbs that keep only an item said with a determiner: "keep the lamp", "not the cable",
# "don't cancel my mug" (and not "keep me posted", "not needed", "leave a review").
KEEP_VERB = re.compile(
    r"(?:\b(?:i'?ll|i\s+will|i\s+want\s+to|i'?d\s+like\s+to|i\s+would\s+like\s+to|let\s+me|"
    r"let'?s|we'?ll|please|i\s+can)\s+)?\b(?:keep(?:ing|s)?|leave|don'?t\s+(?:cancel|touch|remove)|"
    r"do\s+not\s+(?:cancel|touch|remove)|not)\s+(?P<phrase>" + _DET + r"[^,;.!?]*)")
# "keep black", "keep the blue": a colour said alone after "keep" is the item of that colour.
KEEP_COLOUR = re.compile(r"\bkeep(?:ing)?\s+(?P<phrase>(?:the\s+)?(?:black|white|blue|red|green|"
                         r"grey|gray|pink|purple|yellow|orange|brown|navy|beige|silver|gold)"
                         r"(?:\s+ones?)?)\b")
# "the blue one - wait no, the black one": the phrase before the correction is withdrawn.
CORRECTION = re.compile(
    r"(?:\bnot\s+)?(?:the|my|that|this)\s+[^,;.!?\u2014\u2013]{1,40}?\s*(?:[,\u2014\u2013-]\s*)?"
    r"(?:wait\s*,?\s*no|no\s*,?\s*wait|no\s*,?\s*sorry|sorry\s*,?\s*i\s+mean[t]?|i\s+mean[t]?|"
    r"or\s+rather|i\s+mean)\s*[,!.]*\s*(?=(?:not\s+)?(?:the|my|that)\s)")
# "Cancel everything on 7 but the hub": "but" after "everything" keeps.
BUT_AFTER_ALL_PHRASE = re.compile(r"\bbut\s+(?:not\s+|for\s+)?(?P<phrase>" + _DET
                                  + r"[^,;.!?]*)")
KEEP_AFTER = re.compile(
    # (a dash ends the phrase: "the armchair - i need to cancel it" keeps nothing)
    r"(?P<phrase>(?:the|my|that|this|those|these|our|her|his|their)\s+"
    r"(?:(?!\s[-\u2014\u2013]\s)[^,;.!?()\u2014\u2013]){1,60}?|"
    # Said at the start of a clause without "the": "paper can stay", "tuner stays".
    r"(?:^|(?<=[,;:(])|(?<=[,;:(]\s)|(?<=\s[\u2014\u2013-]\s))\s*[a-z][a-z0-9\- ]{1,40}?)\s+"
    r"(?:(?:can|could|may|should|will|is\s+going\s+to|are\s+going\s+to)\s+(?:stay|remain|wait|"
    r"be\s+kept)|stays?|remains?|is\s+staying|are\s+staying|(?:is|are)\s+(?:fine|ok|okay|good|"
    r"staying|separate)|(?:that\s+|which\s+)?(?:i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be|we'?re|we\s+are)\s+"
    r"keeping|(?:that\s+|which\s+)?i\s+(?:want|wanna|would\s+like|'d\s+like|need|still\s+want|still\s+need)"
    r"(?:\s+(?:to\s+keep|to\s+have))?(?!\s+(?:to\s+)?(?:cancel|stop|return|refuse|drop|remove|"
    r"get\s+rid|send|ask|change|swap|exchange|scrap))|(?:that\s+|which\s+)?i'?(?:ll|\s+will)\s+keep|i'?m\s+keepin[g']?|"
    # "the case i keep", "the mat we keep": present tense, said of the item before it.
    r"(?:that\s+|which\s+)?(?:i|we)\s+(?:keep|am\s+keeping|are\s+keeping)|"
    r"(?:that\s+|which\s+)?(?:i|we)\s+(?:can|could|will|'ll)\s+(?:still\s+)?use|(?:is|are)\s+"
    r"enough|"
    r"(?:he|she|they|the\s+caller|the\s+customer)(?:'s|'re)?\s+(?:keeps|keeping|is\s+keeping|are\s+keeping|"
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
# "The rest", not a "wrist rest" or "foot rest": only after "the", "all", "and" or alone.
GROUP_REST = re.compile(r"(?:(?<=\bthe\s)|(?<=\ball\s)|(?<=\band\s)|(?<=^)|(?<=[,;:]\s))"
                        r"(?:rest|remaining(?:\s+(?:items?|ones?))?|others)\b|"
                        r"\bthe\s+(?:rest|remaining(?:\s+(?:items?|ones?))?|others)\b|"
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
    r"turns?\s+out|apparently|realised|realized|noticed|found|saw|see|need|needs|want|wants|"
    r"use|using)\b")
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

WRITE_VERB = re.compile(r"\b(?:cancel\w*|refuse|scrap|drop|remove|ask|request)\b")
PLACED_CUE = re.compile(r"\b(?:order\w*|bought|buy|purchas\w*|placed|got|from|made|put in)\b")
# Words after the real head noun of a title ("Soy candle gift set": a candle).
HEAD_SKIP = frozenset({"set", "pack", "kit", "gift", "bundle", "combo", "collection", "refill",
                       "edition", "version", "model", "style", "pair", "duo", "trio"})
