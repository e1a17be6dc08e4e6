"""English: order and item ids, e-mails and postcodes in a message."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class IdToken:
    text: str
    strong: bool  # shaped like an order number, or said right after "order"
    context: bool = False  # after "order", "#", "from", "on": more likely the order than an item



# --- ids, e-mails, postcodes -----------------------------------------------------------------
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Every postcode part holds a digit ("CF10 3AT", "211 20"), so the words around it never join.
POSTCODE_VALUE = (r"(\d{4}\s?[a-z]{2}(?![a-z0-9])|"  # Dutch: "3011 AB"
                  r"(?=[a-z]*\d)[a-z0-9]{2,8}(?:[ -](?=[a-z]*\d)[a-z0-9]{2,4})?)")
POSTCODE = re.compile(
    r"\b(?:post\s?code|postal\s?code|zip(?:\s?code)?|plz|pc|p/c)\s*(?:(?:he|she|they|the "
    r"caller)\s+(?:gives|gave|says|said|has|had)\s+)?(?:is|as|was|of|:|=|-)?\s*"
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
    r"min|mins|minutes|h|hrs|hours|days?|kg|g|cm|mm|m|gb|tb|ml|l|p|hz|w|v|mah)|x\d+|usb-?c|"
    r"p\d{1,2}|"
    # "fan 3-pack", "4-piece", "3-in-1", "2-seater": a size or count, not an order number
    r"\d+-(?:pack|packs|piece|pieces|pc|pcs|set|in-\d+|seater|person|tier|way|port|pin|inch|"
    r"litre|liter|layer|ply|speed|slot|bay))$",
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


# Short numbers: an item id only after "item", "#", "no", "number", "line" or alone.
ITEM_CONTEXT = re.compile(r"(?:\bitems?|\bno\.?|\bnumber|\bnr|\bline|\bid|\bsku|#|^)\W{0,3}$",
                          re.IGNORECASE)
QUANTITY_AFTER = re.compile(r"\s*(?:min|mins|minutes?|hours?|hrs?|days?|weeks?|months?|"
                            r"pieces?|pcs|pack|packs|pairs?|of|x|%|percent|euros?|dollars?|"
                            r"pounds?|bucks|quid|times?)\b", re.IGNORECASE)
