"""Tool results as compact JSON; domain errors translated here, once. Each call is traced."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from rescind.telemetry import annotate, span
from store.domain.errors import DomainError


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def guarded(call: Callable[[], dict[str, Any]]) -> str:
    """Run a service call; a domain error becomes `{"ok": false, "code", "rules", "message"}`."""
    try:
        data = call()
    except DomainError as e:
        out = e.as_dict()
        items = getattr(e, "items", None)
        if items:
            out["items"] = items
        annotate(ok=False, code=e.code)
        return dump(out)
    annotate(ok=data.get("ok", True), proposal_id=(data.get("proposal") or {}).get("proposal_id"))
    return dump(data)


def traced(name: str, func: Callable[..., str]) -> Callable[..., str]:
    """`func` inside an `execute_tool <name>` span (OpenTelemetry's GenAI convention)."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> str:
        with span(f"execute_tool {name}", {"gen_ai.operation.name": "execute_tool",
                                           "gen_ai.tool.name": name}):
            return func(*args, **kwargs)

    return run
