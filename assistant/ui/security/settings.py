"""The web surface's limits and lifetimes (the `security` section of `store.settings`, read
once at start)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

from store.settings import ConfigError, SecuritySettings

# Socket.IO's own cap on one packet. Far above the message limit, so a message that is too
# long still arrives and gets a reply saying why (at the default 1 MB, Socket.IO just drops
# the connection and the user sees nothing).
MIN_SOCKET_BYTES = 4 * 1024 * 1024
# A JSON request to the HTTP API (a button press, feedback, a thread rename) is small.
MAX_BODY_BYTES = 64 * 1024

SettingError = ConfigError  # a bad value stops the app with a message naming the variable


@dataclass(frozen=True)
class Settings:
    max_message_chars: int = 4000
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
        section = SecuritySettings.load()  # the `security` section of store.settings
        return cls(max_message_chars=section.max_message_chars,
                   token_lifetime=timedelta(minutes=section.token_minutes),
                   session_lifetime=timedelta(hours=section.session_hours),
                   api_docs=section.api_docs)


@functools.cache
def current() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings.from_env()
