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
    return format_currency(value, currency or default, locale=locale)
