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

Writes of one row can join (`run_joining`): Chainlit saves a message when it is sent and
again on every update, each save a full upsert. A save that finds the thread's last queued
write is one of the same row by the same writer, not yet started, adds its values to that
one instead of queuing another: a burst of updates waiting behind a slow write lands as one
upsert with the final values, in the place of the first, so the order of the thread's
writes is kept (only consecutive saves join; anything else queued between them ends the run).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import exc

log = logging.getLogger(__name__)
T = TypeVar("T")


def transient(error: BaseException) -> bool:
    """A failure that a later attempt can get past."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError)


@dataclass
class _Queued:
    """A save waiting for its turn that later saves of the same row may still join."""

    row: Hashable
    values: dict[str, Any]


class OrderedRetries:
    """Runs writes one at a time per key (a thread id), each until it lands.

    Each write is a task that waits for the key's previous write; its place is taken when it
    is called (not when the task first runs), so writes land in the order they were made.
    Callers await their write shielded: a cancelled caller doesn't take a write (nor the
    saves that joined it) down with it."""

    def __init__(self, *, first_delay_s: float = 0.1, max_delay_s: float = 5.0,
                 give_up_after_s: float = 3600.0) -> None:
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.give_up_after_s = give_up_after_s
        self._tails: dict[str, asyncio.Task[Any]] = {}  # key -> its last write; dropped after
        self._last: dict[str, tuple[_Queued, asyncio.Task[Any]]] = {}  # joinable, not started
        self.retried = 0  # attempts that failed and were tried again
        self.lost = 0  # writes given up on (logged as errors each time)
        self.joined = 0  # saves that joined a queued save of the same row

    async def run(self, key: str, attempt: Callable[[], Awaitable[T]], what: str) -> T | None:
        self._last.pop(key, None)  # queued after it, a later save must not jump ahead of it
        return await asyncio.shield(self._submit(key, lambda: self._until_done(attempt, what)))

    async def run_joining(self, key: str, row: Hashable, values: dict[str, Any],
                          attempt: Callable[[dict[str, Any]], Awaitable[T]],
                          what: str) -> T | None:
        """`attempt(values)` in its turn, as `run`; or, when the key's last queued write is
        a save of `row` (which must name the writer too) that has not started, these values
        added to its own and its outcome awaited."""
        last = self._last.get(key)
        if last is not None and last[0].row == row:
            last[0].values.update(values)
            self.joined += 1
            return cast("T | None", await asyncio.shield(last[1]))
        queued = _Queued(row, dict(values))

        async def in_turn() -> T | None:
            if self._last.get(key, (None,))[0] is queued:
                del self._last[key]  # started: its values are fixed from here on
            return await self._until_done(lambda: attempt(queued.values), what)

        task = self._submit(key, in_turn)
        self._last[key] = (queued, task)
        return await asyncio.shield(task)

    def _submit(self, key: str, work: Callable[[], Awaitable[T | None]]) -> asyncio.Task[T | None]:
        before = self._tails.get(key)

        async def after_the_last() -> T | None:
            try:
                if before is not None:
                    await asyncio.wait([before])  # its outcome is its callers'
                return await work()
            finally:
                if self._tails.get(key) is task:
                    del self._tails[key]

        # The task runs in a copy of this caller's context: the writer is this session.
        task = asyncio.create_task(after_the_last())
        self._tails[key] = task
        return task

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
