"""Chat-history writes that survive a database blip: in order per thread, retried.

Chainlit fires history writes as background tasks and forgets them, so a write that fails
is lost unless someone tries again: a PostgreSQL restart of seven seconds once dropped
1,198 of them and left gaps in resumed threads. Here a write that fails for a reason that
passes (the server went away, a connection broke, the pool timed out, SQLite was locked)
is tried again with backoff until it lands; the writes after it for the same thread wait
behind it, so a step's create still lands before its updates. Only an error that retrying
can't cure (a bug, a constraint) is logged and given up on at once, and a write still
failing after `give_up_after_s` is logged as lost: nothing is dropped silently.

Retrying is safe because every history write is idempotent: rows are upserted by ids
chosen before the first attempt. The queue is in the process's memory; a process that
dies mid-outage loses what it still held (the figures are logged as they happen).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import exc

log = logging.getLogger(__name__)
T = TypeVar("T")


def transient(error: BaseException) -> bool:
    """A failure that a later attempt can get past."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError)


class OrderedRetries:
    """Runs writes one at a time per key (a thread id), each until it lands."""

    def __init__(self, *, first_delay_s: float = 0.1, max_delay_s: float = 5.0,
                 give_up_after_s: float = 3600.0) -> None:
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.give_up_after_s = give_up_after_s
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self.retried = 0  # attempts that failed and were tried again
        self.lost = 0  # writes given up on (logged as errors each time)

    async def run(self, key: str, attempt: Callable[[], Awaitable[T]], what: str) -> T | None:
        lock = self._enter(key)
        try:
            async with lock:
                return await self._until_done(attempt, what)
        finally:
            self._leave(key)

    async def _until_done(self, attempt: Callable[[], Awaitable[T]], what: str) -> T | None:
        started, delay = time.monotonic(), self.first_delay_s
        while True:
            try:
                return await attempt()
            except Exception as e:
                if not transient(e):
                    log.exception("chat history: %s failed and can't be retried", what)
                    self.lost += 1
                    return None
                if time.monotonic() - started > self.give_up_after_s:
                    log.error("chat history: %s lost after %.0f s of retries: %s", what,
                              time.monotonic() - started, e)
                    self.lost += 1
                    return None
                self.retried += 1
                log.warning("chat history: %s failed (%s); retrying in %.1f s", what,
                            type(e).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay_s)

    # A lock per key while anyone uses it; dropped after, so the map stays small.
    def _enter(self, key: str) -> asyncio.Lock:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        return lock

    def _leave(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)
