"""Tool results as compact JSON; domain errors translated here, once."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from store.domain.errors import DomainError


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def guarded(call: Callable[[], dict[str, Any]]) -> str:
    """Run a service call; a domain error becomes `{"ok": false, "code", "rules", "message"}`."""
    try:
        return dump(call())
    except DomainError as e:
        out = e.as_dict()
        items = getattr(e, "items", None)
        if items:
            out["items"] = items
        return dump(out)
