"""Trying a failed model request again, inside the turn's deadline.

The OpenAI client retries by itself (429, 5xx, timeouts), but each attempt with the timeout
the first one got, after a back-off it chooses: a request that timed out near the turn's
deadline was tried again past it, and the users of a hanging model were told at 13.4 s
against a 10 s deadline (issue 11). So the agent's client retries nothing (`max_retries=0`,
`assistant.models.providers.make_model`) and `TurnBudget` retries instead: the failures
the client would retry, RESCIND_MODEL_RETRIES times at most (the client's `turn_retries`),
each attempt bounded by the time the turn has left, and none that could not start with
`MIN_ATTEMPT_S` of it left after its back-off. Errors are told apart by what they carry,
without importing the client (the offline default starts without it).
"""

from __future__ import annotations

import random

MIN_ATTEMPT_S = 1.0  # less than this left: a retry could only time out; say so now
MAX_BACKOFF_S = 8.0  # as the OpenAI client's own cap
RETRY_AFTER_CAP_S = 60.0  # a server's Retry-After beyond this is not waited for in a turn


def retryable(error: BaseException) -> bool:
    """Would the OpenAI client have retried this failure? Only the client's own errors
    count: a stream that breaks mid-answer raises the transport's error, and its first
    tokens may already be on the user's screen, so it is not sent again."""
    if not any(c.__module__.split(".")[0] == "openai" for c in type(error).__mro__):
        return False  # (LangChain re-raises the client's errors as subclasses of its own)
    status = getattr(error, "status_code", None)
    if not isinstance(status, int):  # no answer at all: APITimeoutError, APIConnectionError
        name = type(error).__name__
        return "Timeout" in name or "Connection" in name
    should = _header(error, "x-should-retry")
    if should in ("true", "false"):
        return should == "true"
    return status in (408, 409, 429) or status >= 500


def backoff(error: BaseException, attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1` (0-based `attempt` just failed): the
    server's Retry-After when it gives a sensible one, else exponential with jitter."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            asked = float(_header(error, name) or "") * scale
        except ValueError:
            continue
        if 0 <= asked <= RETRY_AFTER_CAP_S:
            return asked
    return min(0.5 * 2.0 ** attempt, MAX_BACKOFF_S) * (1 - 0.25 * random.random())


def _header(error: BaseException, name: str) -> str | None:
    headers = getattr(getattr(error, "response", None), "headers", None)
    try:
        value = headers.get(name) if headers is not None else None
    except (AttributeError, TypeError):
        return None
    return str(value).strip().lower() if value is not None else None
