"""Words: how a user's word is compared with a word of an item's title.

Shared by the rules parser (which words can name an item) and the dialogue manager's item
resolution (which item a word names). Typos are judged with rapidfuzz; related words
("navy" for a title saying "Dark blue") come from the language's table of word families.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise

from rapidfuzz.distance import DamerauLevenshtein

from assistant.understanding.rules import en

_WORD = re.compile(r"[a-z0-9]+")
# "she'd", "they're", "it's": a pronoun and a verb, never an item ("she'd" is not "shed").
_CONTRACTION = re.compile(r"\b(?:i|you|he|she|we|they|it|that|there|who|what|here|this)"
                          r"'(?:d|ll|re|ve|s|m)\b")


# Connector names written three ways ("USB-C", "usb c", "usbc") are one word.
_CONNECTOR = re.compile(r"\b(usb|type|micro|mini)[\s-]?([abc])\b")


def fold(text: str) -> str:
    """Accents off ("rosé" -> "rose", "Café" -> "cafe"): typed either way, one word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    text = _CONTRACTION.sub(" ", fold(text).lower().replace("\u2019", "'"))
    text = _CONNECTOR.sub(r"\1\2", text)
    return _WORD.findall(text.replace("'", ""))


# "-ves" plurals of "-f"/"-fe" words ("scarves", "knives"); not "gloves" or "sleeves".
_VES = {"scarves": "scarf", "knives": "knife", "shelves": "shelf", "leaves": "leaf",
        "halves": "half", "loaves": "loaf", "wolves": "wolf", "calves": "calf",
        "wives": "wife", "lives": "life", "thieves": "thief", "hooves": "hoof"}


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Plural to singular, roughly: enough for "headphones"/"headphone", "boxes"/"box"."""
    if word in en.UNCHANGED_PLURALS:
        return word
    if word in _VES:
        return _VES[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_DAY = re.compile(r"^\d{1,2}(?:st|nd|rd|th)$")


def usable(word: str) -> bool:
    """Can this word name an item? Grammar, dialogue, the shop's own words and dates
    ("the 11th") can't."""
    return len(word) >= 2 and word not in en.STOP_WORDS and not _DAY.match(word)


def content(text: str) -> tuple[str, ...]:
    return tuple(w for w in words(text) if usable(w))


@lru_cache(maxsize=16384)
def similar(a: str, b: str) -> bool:
    """The same word: equal stems, or one typo (insert, delete, substitute, swap) in a word
    of 4+ letters, two in one of 8+; the first letter must match."""
    a, b = stem(a), stem(b)
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 4 or a[0] != b[0]:
        return False
    if len(a) == len(b) <= 5 and a[:-1] == b[:-1]:
        return False  # variants, not typos: "usbc" / "usba", "cat5" / "cat6"
    allowed = 2 if shorter >= 8 else 1
    return DamerauLevenshtein.distance(a, b, score_cutoff=allowed) <= allowed


@lru_cache(maxsize=16384)
def related(a: str, b: str) -> bool:
    """A word of the same family: a synonym, a colour or material the title names
    differently ("navy" ~ "blue", "wooden" ~ "oak"), a compound written apart."""
    a, b = stem(a), stem(b)
    fa, fb = en.FAMILIES.get(a), en.FAMILIES.get(b)
    return bool(fa and fb and fa & fb) or _derived(a, b)


_DERIVATIONS = ("y", "er", "ers", "ing", "ed", "ie", "ies", "able")
_ROOT = 5


def _derived(a: str, b: str) -> bool:
    """One word made from the other's root ("bouncy" ~ "bouncer", "sleepy" ~ "sleeper"): the
    same family, not the same word (a heater is not heated)."""
    for x, y in ((a, b), (b, a)):
        for end in _DERIVATIONS:
            if x.endswith(end) and len(root := x[: -len(end)]) >= _ROOT and y.startswith(root) \
                    and y[len(root):] in _DERIVATIONS:
                return True
    return False


def compounds(title_words: tuple[str, ...]) -> tuple[str, ...]:
    """"Lamp shade" is also "lampshade"; "frying pan" also "fryingpan": a user may write
    either."""
    return tuple(a + b for a, b in pairwise(title_words))
