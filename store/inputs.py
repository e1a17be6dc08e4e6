"""Checks on what callers pass in, shared by the use cases: an order id must look like one,
free text is trimmed to a sane size."""

from __future__ import annotations

from store.domain import errors
from store.domain.model import valid_id


def check_id(order_id: str) -> None:
    if not isinstance(order_id, str) or not valid_id(order_id.strip()):
        raise errors.MalformedId(
            f"{str(order_id)[:40]!r} doesn't look like an order number "
            "(for example 112-0000001)."
        )


def clean_text(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())[:500]
    return cleaned or None
