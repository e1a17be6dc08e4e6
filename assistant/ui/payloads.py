"""What the browser sends back, read as untrusted input.

A payload only *names* things (a proposal, an order, items, a reason). Anything malformed is
refused here; anything well-formed is still checked by the core for the signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_ID = 64
MAX_ITEMS = 50
MAX_TEXT = 500


@dataclass(frozen=True)
class Pick:
    """The items ticked on an order card, and the reason chosen."""

    order_id: str
    item_ids: tuple[str, ...]
    reason: str | None
    reason_text: str | None


@dataclass(frozen=True)
class Click:
    proposal_id: str
    fingerprint: str


class BadPayload(ValueError):
    """The browser sent something no card or button of ours produces."""


def _text(value: Any, limit: int, *, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise BadPayload("missing value")
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadPayload("not a short string")
    return value


def parse_pick(payload: Any) -> Pick:
    if not isinstance(payload, dict):
        raise BadPayload("payload is not an object")
    items = payload.get("item_ids")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise BadPayload("item_ids is not a list")
    item_ids = tuple(str(_text(i, MAX_ID)) for i in items)
    return Pick(
        order_id=str(_text(payload.get("order_id"), MAX_ID)),
        item_ids=item_ids,
        reason=_text(payload.get("reason"), MAX_ID, required=False),
        reason_text=_text(payload.get("reason_text"), MAX_TEXT, required=False),
    )


def parse_click(payload: Any) -> Click:
    """A button press must carry both the proposal id and its fingerprint: an empty payload
    must not fall through to "whatever is pending"."""
    if not isinstance(payload, dict):
        raise BadPayload("payload is not an object")
    return Click(str(_text(payload.get("proposal_id"), MAX_ID)),
                 str(_text(payload.get("fingerprint"), MAX_ID)))
