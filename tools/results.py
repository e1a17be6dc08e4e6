"""Tool results as dicts that serialise to compact JSON; domain errors translated here, once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from store.domain.errors import DomainError


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def guarded(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a service call; a domain error becomes `{"ok": false, "code", "rules", "message"}`.
    The result is plain JSON data (decimals and dates as strings), as the model would see it."""
    try:
        data = call()
    except DomainError as e:
        data = e.as_dict()
        items = getattr(e, "items", None)
        if items:
            data["items"] = items
    plain: dict[str, Any] = json.loads(dump(data))
    return plain
