"""The web surface's limits and lifetimes, from the environment (read once at start)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import timedelta

MAX_MESSAGE_CHARS_ENV = "RESCIND_MAX_MESSAGE_CHARS"
TOKEN_MINUTES_ENV = "RESCIND_TOKEN_MINUTES"
SESSION_HOURS_ENV = "RESCIND_SESSION_HOURS"
API_DOCS_ENV = "RESCIND_API_DOCS"

# The conversation reads at most 4,000 characters of a message: a longer limit here would
# let part of a message be silently dropped, so the default is exactly that.
DEFAULT_MAX_MESSAGE_CHARS = 4000
CONVERSATION_LIMIT = 4000
# Socket.IO's own cap on one packet. Far above the message limit, so a message that is too
# long still arrives and gets a reply saying why (at the default 1 MB, Socket.IO just drops
# the connection and the user sees nothing).
MIN_SOCKET_BYTES = 4 * 1024 * 1024
# A JSON request to the HTTP API (a button press, feedback, a thread rename) is small.
MAX_BODY_BYTES = 64 * 1024


class SettingError(ValueError):
    """A setting in the environment that the app can't start with; the message names it."""


@dataclass(frozen=True)
class Settings:
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    token_lifetime: timedelta = timedelta(minutes=60)
    session_lifetime: timedelta = timedelta(hours=12)
    api_docs: bool = False
    max_body_bytes: int = MAX_BODY_BYTES

    @property
    def socket_max_bytes(self) -> int:
        # Up to 4 bytes of UTF-8 per character, and JSON may spell one as 12 (\ud83d\ude00).
        return max(MIN_SOCKET_BYTES, 12 * self.max_message_chars + 64 * 1024)

    @classmethod
    def from_env(cls) -> Settings:
        chars = _int(MAX_MESSAGE_CHARS_ENV, DEFAULT_MAX_MESSAGE_CHARS, 1, CONVERSATION_LIMIT)
        token = _int(TOKEN_MINUTES_ENV, 60, 1, 24 * 60)
        session = _int(SESSION_HOURS_ENV, 12, 1, 24 * 30)
        if token > session * 60:
            raise SettingError(f"{TOKEN_MINUTES_ENV} ({token}) can't be longer than "
                               f"{SESSION_HOURS_ENV} ({session} h).")
        docs = os.environ.get(API_DOCS_ENV, "").strip().lower()
        if docs not in ("", "0", "1", "off", "on", "false", "true"):
            raise SettingError(f"{API_DOCS_ENV} must be on or off, not {docs[:20]!r}.")
        return cls(max_message_chars=chars, token_lifetime=timedelta(minutes=token),
                   session_lifetime=timedelta(hours=session),
                   api_docs=docs in ("1", "on", "true"))


@functools.cache
def current() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings.from_env()


def _int(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {raw[:20]!r}.") from None
    if not low <= value <= high:
        raise SettingError(f"{name} must be between {low} and {high}, not {value}.")
    return value
