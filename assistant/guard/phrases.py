"""The ways a reply says an outcome happened, one pattern per way of saying it (P12).

Read by `claims.read`, which decides whether a sentence asserts what a phrase says (not
negated, hedged, asked or conditional) and what it is about. Kept apart so the list can grow
without touching how it is read.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.guard.mentions import MASK

Kind = Literal["cancel", "partial", "not_cancelled", "refund", "email", "request", "approved",
               "denied", "flag", "done", "state"]

_I = re.IGNORECASE
_M = MASK + "+"
_C = r"cancel{1,2}ed"
# The outcome patterns, one way of saying it per line. <G> is any words up to the end of the
# sentence (a decimal point included), <M> a mention, <C> "cancelled" in either spelling.
# `future` patterns assert an outcome through "will", "should" or "'ll" ("you'll receive your
# refund in 3-5 days"): claims unless the sentence is conditional.
_RAW: list[tuple[Kind, str, bool]] = [
    ("partial", r"\bpartial(?:ly)?\s+<C>\b", False),
    ("not_cancelled", r"<M>[^.;!?§]{0,20}?\b(?:(?:has|have|was|were|is|are)\s+not|hasn't|"
                      r"haven't|wasn't|weren't|isn't|aren't|never)\s+(?:been\s+|yet\s+|"
                      r"actually\s+)*<C>\b", False),
    ("cancel", r"\b<C>\b", False),
    ("cancel", r"\bcancel{1,2}ations?\b<G>{0,40}?\b(?:went through|gone through|is complete|"
               r"was complete|is done|was successful|is successful|succeeded|worked|(?:has been|"
               r"was|is|is now)\s+(?:processed|completed|confirmed|finali[sz]ed|made|done|final|"
               r"through))\b", False),
    ("cancel", r"\bcancel{1,2}ation\s+(?:successful|complete|completed|confirmed|done|"
               r"processed)\b", False),
    ("cancel", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:\w+\s+){0,3}(?:processed|completed|confirmed|"
               r"finali[sz]ed|done|put through|taken care of)\s+(?:your|the)\s+"
               r"cancel{1,2}ations?\b", False),
    ("cancel", r"\b(?:removed|dropped|took|taken)\b<G>{0,30}?\b(?:from|off)\s+(?:(?:your|the|"
               r"this|that)\s+order\b|<M>)", False),
    ("cancel", r"\b(?:is|are|'s|'re|has been|have been|was|were)\s+(?:now\s+)?(?:off|gone "
               r"from|removed from)\s+(?:(?:your|the|this|that)\s+order\b|<M>)", False),
    ("cancel", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:\w+\s+){0,2}(?:submitted|placed|made|lodged|"
               r"put in|filed)\s+(?:the|your|a)\s+cancel{1,2}ations?\b|\bcancel{1,2}ations?\s+"
               r"(?:is|'s|has gone)\s+in\b", False),
    ("cancel", r"\b(?:called off|voided)\b", False),
    ("cancel", r"(?:<M>|\b(?:it|they|that|those|these)\b)(?:'s|'re|\s+is|\s+are|\s+has been|"
               r"\s+have been)?\s*[\u2014\u2013:\-]?\s*gone\b(?!\s+(?:through|out|ahead|to|"
               r"back|over|up|from))|^\W*gone\b(?!\s+(?:through|out|ahead|to|back|over|up|"
               r"from))", False),
    # "gone" of anything: the evals' monitor reads it as a cancellation, so the guard does
    # too (a 1.5B model's poem said "A reminder of the time has gone.").
    ("cancel", r"\bgone\b(?!\s+(?:through|out|ahead|to|back|over|up|from))", False),
    ("refund", r"\b(?:refunded|reimbursed|credited|paid back)\b", False),
    ("refund", r"\brefunds?\b<G>{0,50}?\b(?:has been|have been|was|were|is being|are being|"
               r"got)\s+(?:\w+\s+)?(?:issued|sent|processed|initiated|started|approved|paid|"
               r"made|completed|released|submitted|returned|applied|put through|arranged)\b",
     False),
    ("refund", r"\brefunds?\b<G>{0,50}?\b(?:is|are|'s)\s+(?:now\s+|already\s+|both\s+|"
               r"all\s+)?(?:on (?:its|"
               r"the|their) way|underway|under way|in progress|coming|complete|completed|done|"
               r"processed|issued|sent|approved|through)\b", False),
    ("refund", r"\brefunds?\b<G>{0,30}?\b(?:went through|has gone through|went out|has gone "
               r"out)\b", False),
    ("refund", r"\brefunds?\s+(?:issued|sent|processed|initiated|complete|completed|approved|"
               r"done|confirmed|on (?:its|the) way)\b", False),
    ("refund", r"^\W*refund(?:\s+of|:)\s*[£$€]?\d", False),
    # "The refund is $0.00": an amount stated as the refund is a refund claim (a 1.5B model
    # said it of an order with no refund at all).
    ("refund", r"\b(?:the|your|a|total)\s+refund(?:\s+amount)?\s+(?:is|was|will be|comes to|"
               r"totals|amounts to|of)\s+[£$€]?\s?\d", False),
    ("refund", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:\w+\s+){0,2}(?:issued|sent|processed|"
               r"initiated|started|arranged|made|put through|approved)\s+(?:a|the|your)\s+"
               r"(?:full\s+)?refunds?\b", False),
    ("refund", r"\bmoney\b<G>{0,30}?\b(?:is|has been|was|'s)\s+(?:\w+\s+)?(?:on (?:its|the) "
               r"way|back|returned|refunded|sent back)\b", False),
    ("refund", r"\b(?:got|have|received)\s+(?:your\s+|the\s+|all\s+your\s+)?money\s+back\b",
     False),
    ("refund", r"\bon (?:its|the) way back to (?:your|the)\b|\bback\s+(?:on|to|in)\s+your\s+"
               r"(?:card|account|bank|(?:original\s+)?payment method)\b", False),
    ("refund", r"\b(?:payment|charge)\b<G>{0,40}?\b(?:has been|was|is)\s+(?:now\s+)?"
               r"(?:reversed|returned|refunded|voided|credited)\b", False),
    ("refund", r"\byou(?:'ll|\s+will|\s+should|'re going to|\s+are going to)\s+(?:now\s+|"
               r"soon\s+)?(?:receive|get|see)\s+(?:your\s+|the\s+|a\s+|an\s+)?(?:full\s+)?"
               r"(?:refund|money back)\b", True),
    ("refund", r"\brefunds?\b<G>{0,40}?\b(?:will|should|'ll)\s+(?:be\s+)?(?:arrive|reach|"
               r"show|appear|land|issued|credited|back|processed|sent|on its way)\b", True),
    ("refund", r"\byou(?:'ll|\s+will|\s+should)\s+be\s+refunded\b", True),
    ("refund", r"\byou(?:'ll|\s+will|\s+should)\s+(?:get|receive|see)\s+[£$€]?\d[\d.,]*\s+"
               r"back\b", True),
    ("email", r"\be-?mails?\b<G>{0,50}?\b(?:has been|have been|was|were|is being|got)\s+"
              r"(?:sent|delivered|dispatched|issued|emailed|e-mailed)\b", False),
    ("email", r"\be-?mails?\b<G>{0,40}?\b(?:is|'s)\s+(?:now\s+|already\s+)?(?:on (?:its|the) "
              r"way|in your inbox|waiting)\b", False),
    ("email", r"\be-?mails?\b<G>{0,40}?\b(?:went out|has gone out|went to|has gone to|sent|"
              r"arrived)\b", False),
    ("email", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|also\s+)?(?:sent|emailed|e-mailed|"
              r"mailed)\s+you\b|\b(?:emailed|e-mailed)\s+you\b", False),
    ("email", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|also\s+)?sent\s+(?:you\s+)?(?:the|a|"
              r"an|your)\s+(?:\w+\s+)?(?:confirmation|e-?mail)\b", False),
    ("email", r"\bcheck your (?:inbox|e-?mail)\b|\bin your inbox\b|\bconfirmed by e-?mail\b",
     False),
    ("email", r"\b(?:has been|have been|was|were)\s+(?:e-?mailed|mailed|sent)\s+to\s+you\b|"
              r"\b(?:e-?mailed|mailed)\s+to\s+you\b", False),
    ("email", r"\bconfirmation\b<G>{0,20}?\b(?:has been|was) sent\b|\byou should have "
              r"(?:received|got|gotten)\b<G>{0,30}?\b(?:e-?mail|confirmation)\b", False),
    ("email", r"\byou(?:'ll|\s+will|\s+should)\s+(?:now\s+|soon\s+)?(?:receive|get|see|find)"
              r"\s+(?:a|an|the|your)\s+(?:\w+\s+){0,2}?(?:e-?mail|confirmation)\b", True),
    ("email", r"\be-?mail\b<G>{0,30}?\b(?:will|should|'ll)\s+(?:arrive|reach|be sent|be with "
              r"you|land|come)\b", True),
    ("request", r"\brequests?\b<G>{0,50}?\b(?:has been|have been|was|were|is|got)\s+(?:now\s+|"
                r"also\s+)?(?:sent|submitted|filed|forwarded|placed|raised|lodged|logged|"
                r"passed on|made|created|opened|registered|received|delivered)\b", False),
    ("request", r"\brequests?\b<G>{0,40}?\b(?:went out|has gone out|went to|has gone to|is "
                r"with|is now with|is pending|is awaiting|awaits|is waiting|is under review|"
                r"(?:is|are)\s+(?:now\s+)?being\s+(?:reviewed|considered|processed|looked at|"
                r"handled))\b", False),
    ("request", r"\brequests?\s+(?:sent|submitted|filed|forwarded|placed|raised|made)\b", False),
    ("request", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|also\s+|now\s+|already\s+)?(?:sent|"
                r"submitted|filed|forwarded|placed|raised|lodged|made|passed on|put in|opened)"
                r"\b<G>{0,40}?\brequests?\b", False),
    ("request", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|also\s+|now\s+|already\s+|gone "
                r"ahead and\s+|went ahead and\s+)?(?:asked|contacted|messaged|notified|emailed|"
                r"e-mailed|told|informed|written to|reached out to)\b<G>{0,30}?(?:\bseller\b|"
                r"<M>)|\brequested\b", False),
    ("request", r"(?:\bseller\b|<M>)<G>{0,20}?\b(?:has been|have been|was|is being|got)\s+"
                r"(?:asked|contacted|notified|informed|told|sent)\b", False),
    ("request", r"(?:\bseller\b|<M>|\bthey\b)\s+(?:is|are)\s+(?:now\s+)?(?:reviewing|"
                r"considering|looking at|deciding on)\b|(?:\bseller\b|<M>)\s+(?:has\s+|have\s+)?"
                r"(?:got|received|has|have)\s+(?:your|the)\s+(?:cancellation\s+)?request\b",
     False),
    ("request", r"\bawaiting\s+(?:the\s+)?seller|\bwaiting\s+(?:for|on)\s+(?:the\s+)?seller|"
                r"\b(?:sent|forwarded|passed)\b<G>{0,20}?\bto\s+(?:the\s+)?(?:seller|<M>)",
     False),
    ("approved", r"<SELLER><G>{0,30}?\b(?:approved|accepted|agreed|granted|okayed|ok'd|signed "
                 r"off|said yes|gave the go-ahead|confirmed\s+(?:the|your)\s+cancel{1,2}ation)"
                 r"\b", False),
    ("approved", r"\b(?:request|cancellation|it)\b<G>{0,20}?\b(?:was|has been|is|got)\s+"
                 r"(?:approved|accepted|granted)\b|\bapproved\s+by\s+(?:the\s+)?(?:seller|<M>)",
     False),
    ("denied", r"<SELLER><G>{0,30}?\b(?:denied|declined|rejected|refused|turned (?:it |them |"
               r"this |that |(?:the|your) \w+ )?down|said no|won't cancel|will not cancel)\b",
     False),
    ("denied", r"\b(?:request|cancellation|it)\b<G>{0,20}?\b(?:was|has been|is|got)\s+"
               r"(?:denied|declined|rejected|refused|turned down)\b|\bdenied\s+by\s+(?:the\s+)?"
               r"(?:seller|<M>)", False),
    ("flag", r"\bflagged\b", False),
    ("flag", r"\brefusals?\b<G>{0,40}?\b(?:has been|was|is)\s+(?:now\s+)?(?:flagged|recorded|"
             r"noted|registered|logged|set up|arranged|on file|in place|filed|booked|"
             r"confirmed)\b|\brefusal\s+(?:flagged|recorded|noted|registered|logged|is on file|"
             r"on file)\b", False),
    ("flag", r"\b(?:told|notified|informed|alerted|warned|let|messaged|contacted)\s+(?:the\s+)?"
             r"returns?\s+cent(?:er|re)\b", False),
    ("flag", r"\breturns?\s+cent(?:er|re)\b<G>{0,30}?\b(?:has been|was|is|got)\s+(?:now\s+)?"
             r"(?:told|notified|informed|alerted|expecting|aware|warned)\b|\breturns?\s+"
             r"cent(?:er|re)\s+(?:now\s+)?(?:knows|expects|has been told)\b", False),
    ("flag", r"\bmarked\b<G>{0,40}?\b(?:for refusal|as refused|to be refused)\b", False),
    ("flag", r"\b(?:i|we)(?:'ve|\s+have)?\s+(?:\w+\s+)?(?:registered|recorded|logged|noted|"
             r"filed|flagged|set up)\s+(?:your|the|a)\s+refusal\b", False),
    ("flag", r"\breturns?\s+cent(?:er|re)\s+(?:will|'ll)\s+(?:now\s+)?expect\b", True),
    ("done", r"^\W*(?:done|all done|all set|sorted|finished|success|completed|complete|there "
             r"you go)\b|\bconsider (?:it|them|that|this) (?:done|sorted|handled)\b", False),
    ("done", r"\b(?:went through|gone through|taken care of|all set|all done|good to go|sorted|"
             r"been done|is done|are done|'s done|was done|succeeded|went fine|went smoothly|"
             r"all good|(?:it|that|this)(?:'s|\s+is|\s+has been)\s+confirmed)\b", False),
]
_PLACEHOLDERS = {"<G>": r"(?:[^.;!?]|(?<=\d)\.(?=\d))", "<M>": _M, "<C>": _C, "§": MASK,
                 "<SELLER>": r"(?:\bseller\b|" + _M + r"|\bthey\b)"}


def _compile(pattern: str) -> re.Pattern[str]:
    for name, value in _PLACEHOLDERS.items():
        pattern = pattern.replace(name, value)
    return re.compile(pattern, _I)


PATTERNS = [(kind, _compile(p), future) for kind, p, future in _RAW]
_STATES = (r"shipped|unshipped|processing|pending|delivered|in transit|out for delivery|"
           r"dispatched|being processed|in processing")
STATE = re.compile(
    rf"(?:({_M})|\b(it|they|both|this|that|which)\b)\s*(?:\([^)]{{0,40}}\)\s*)?(?:(?:is|are|"
    rf"was|were|'s|'re|has|have|had)\s+(?:now\s+|still\s+|already\s+|currently\s+|just\s+|"
    rf"also\s+)*(?:been\s+)?|[:\u2014\u2013(\-]\s*(?:it\s+is\s+|it\s+has\s+|it's\s+)?|"
    rf"\s(?=shipped\b))({_STATES}|entered the processing)\b", _I)
STATE_NAMES = {"in transit": "shipped", "out for delivery": "shipped",
                "dispatched": "shipped", "being processed": "processing",
                "in processing": "processing", "entered the processing": "processing"}
