"""Amounts as people read them: with their currency, written the configured locale's way
("€59.99", "$36.00"), by Babel. One helper for everything a person reads (the chat, the
e-mails, the seller and returns desks), so an amount reads the same everywhere."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_currency

from store.settings import WebSettings


@functools.cache
def _settings() -> tuple[str, str]:
    web = WebSettings.load()
    return web.currency, web.locale


def money(amount: Any, currency: str | None = None) -> str:
    """`amount` with `currency` (the order's, ISO 4217), or the shop's default
    (RESCIND_CURRENCY) when the order records none, in RESCIND_LOCALE's way."""
    default, locale = _settings()
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)  # not a number: shown as it came, never guessed
    if not value.is_finite():  # NaN, Infinity: not an amount either (Babel fails on sNaN)
        return str(amount)
    return _formatted(value, currency or default, locale)


@functools.lru_cache(maxsize=4096)
def _formatted(value: Decimal, currency: str, locale: str) -> str:
    # Babel parses the locale's pattern on every call: 4% of a serving process's CPU under
    # load (issue 11), for the few prices a shop shows again and again. Decimal("1.0") and
    # Decimal("1.00") are equal but hash alike and format alike (Babel pads to the
    # currency's digits), so they may share an entry.
    return format_currency(value, currency, locale=locale)
