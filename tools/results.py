"""Tool results as dicts that serialise to compact JSON; domain errors translated here, once.
Each call runs in an `execute_tool <name>` span (OpenTelemetry's GenAI convention)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from store.domain.errors import DomainError
from store.telemetry import annotate, span

P = ParamSpec("P")
R = TypeVar("R")


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
        annotate(ok=False, code=e.code)
    else:
        annotate(ok=data.get("ok", True),
                 proposal_id=(data.get("proposal") or {}).get("proposal_id"))
    plain: dict[str, Any] = json.loads(dump(data))
    return plain


@contextmanager
def tool_span(name: str) -> Iterator[None]:
    with span(f"execute_tool {name}", {"gen_ai.operation.name": "execute_tool",
                                       "gen_ai.tool.name": name}):
        yield


def traced(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """The tool function inside its span."""
    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with tool_span(name):
                return func(*args, **kwargs)
        return run
    return wrap
