"""Chat-history writes that are ready together share one transaction (group commit).

Each history write used to be a pool job and a transaction of its own: about thirteen per
chat round (the user's message, the run step's create and update, the tool steps, the reply,
the cards), each paying a thread hand-off, a pool checkout, BEGIN and COMMIT. Under 200
chats that was a tenth of the serving process's CPU. Here writes queue in the event loop
and one job at a time runs everything queued in one transaction; writes that arrive while
it runs go in the next one. A lone write waits for nothing but its own job.

Failures stay per write. A batch that fails for a reason that passes (the server went away)
fails every write in it, and each is retried by its thread's `OrderedRetries` as before. A
batch that fails for any other reason (one bad row) is run again one write per transaction,
so only the write at fault fails.

Each write runs in the context of the session that made it (who may write where is read
from there). Writes of one thread never share a batch out of order: `OrderedRetries` hands
a thread's next write over only after the previous one landed.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from assistant.ui.history_writes import transient

log = logging.getLogger(__name__)
T = TypeVar("T")
Runner = Callable[[Callable[[], Any]], Awaitable[Any]]  # runs blocking work off the loop
MAX_BATCH = 100


class GroupCommit:
    def __init__(self, engine: Engine, run: Runner, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.run = run
        self.max_batch = max_batch
        self._queue: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self._draining: asyncio.Task[None] | None = None
        self.batches = 0  # transactions run, for tests and figures
        self.writes = 0

    async def __call__(self, write: Callable[[Connection], T]) -> T:
        """`write(conn)` inside a transaction shared with the writes queued beside it."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        # Each write runs in its caller's context: the ownership checks read the writing
        # session from it, and a batch holds the writes of many sessions.
        ctx = contextvars.copy_context()
        self._queue.append((lambda conn: ctx.run(write, conn), done))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            batch = [(w, f) for w, f in batch if not f.cancelled()]
            if not batch:
                continue

            def together(b: list[tuple[Callable[[Connection], Any], Any]] = batch) -> Any:
                return self._together(b)

            try:
                outcomes = await self.run(together)
            except Exception as e:  # each write's caller gets it
                try:
                    outcomes = await self._alone_or_failed(batch, e)
                except Exception as again:  # the pool itself failed: no caller waits forever
                    outcomes = [_Failed(again)] * len(batch)
            for (_, done), outcome in zip(batch, outcomes, strict=True):
                if done.done():
                    continue
                if isinstance(outcome, _Failed):
                    done.set_exception(outcome.error)
                else:
                    done.set_result(outcome)

    def _together(self, batch: list[tuple[Callable[[Connection], Any], Any]]) -> list[Any]:
        self.batches += 1
        self.writes += len(batch)
        with self.engine.begin() as conn:
            return [write(conn) for write, _ in batch]

    async def _alone_or_failed(self, batch: list[tuple[Callable[[Connection], Any], Any]],
                               error: Exception) -> list[Any]:
        if transient(error) or len(batch) == 1:
            return [_Failed(error)] * len(batch)
        log.warning("chat history: a batch of %d writes failed (%s); writing them one by one",
                    len(batch), type(error).__name__)
        return list(await self.run(lambda: [self._alone(w) for w, _ in batch]))

    def _alone(self, write: Callable[[Connection], Any]) -> Any:
        try:
            self.batches += 1
            self.writes += 1
            with self.engine.begin() as conn:
                return write(conn)
        except Exception as e:  # this write's caller gets it
            return _Failed(e)


class _Failed:
    def __init__(self, error: Exception) -> None:
        self.error = error
