"""Where the app's blocking work runs, so that one kind of work can't starve another.

The event loop never blocks; every blocking call goes to a pool of its own kind:

- **turns** (a message to the assistant: model calls can take seconds, or hang): up to
  `RESCIND_MAX_TURNS` run at once on a dedicated executor, `RESCIND_TURN_QUEUE` more wait
  for a slot, and past that the user is told at once that the assistant is busy. A turn's
  deadline counts from the message's arrival (`assistant.config.TURN_ARRIVED`), so a queued
  turn that can't start in time is answered "busy" instead of starting late.
- **quick** (buttons, the order-card picker, session and account checks: no model);
- **auth** (password sign-in: Argon2 hashing is CPU work, `RESCIND_AUTH_WORKERS` threads);
- **history** (chat-history reads and writes, bounded in turn by the connection pool).

Before this, all of them shared asyncio's default executor (min(32, cores + 4) threads):
six hanging model calls held every thread, and sign-ins and clicks waited behind them.
"""

from __future__ import annotations

import asyncio
import contextvars
import ctypes
import functools
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

from assistant.config import TURN_ARRIVED, ModelConfig
from store.settings import LimitSettings, ServingSettings

P = ParamSpec("P")
T = TypeVar("T")
LLM_TURNS = 256
QUICK_WORKERS = 16  # short store calls; the connection pool is the real bound
HISTORY_WORKERS = 8
BUSY = ("I'm handling a lot of conversations right now and couldn't get to your message "
        "in time. Nothing was changed; please send it again in a moment.")


class TurnGate:
    """Admission for turns: `running` at once, `waiting` more queued, the rest refused.

    The semaphore belongs to the event loop that first used it; a gate is made per loop."""

    def __init__(self, running: int, waiting: int) -> None:
        self.running = running
        self.capacity = running + waiting
        self.inside = 0  # running + waiting now
        self._slots = asyncio.Semaphore(running)

    @asynccontextmanager
    async def slot(self, deadline: float) -> AsyncIterator[bool]:
        """Yields True with a slot held, or False: the queue is full, or no slot came free
        before `deadline` (time.monotonic())."""
        if self.inside >= self.capacity:
            yield False
            return
        self.inside += 1
        try:
            try:
                await asyncio.wait_for(self._slots.acquire(),
                                       timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                yield False
                return
            try:
                yield True
            finally:
                self._slots.release()
        finally:
            self.inside -= 1


def turn_slots(serving: ServingSettings, is_llm: bool) -> int:
    """RESCIND_MAX_TURNS, else by what a turn waits for: a model (I/O: many at once) or the
    CPU (the offline engine: a few, so that the event loop keeps the GIL often enough to
    answer sign-ins and clicks)."""
    if serving.max_turns is not None:
        return serving.max_turns
    return LLM_TURNS if is_llm else 2 * (os.cpu_count() or 1)


def _pool(workers: int, name: str) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix=name,
                              initializer=functools.partial(_name_os_thread, name))


def _name_os_thread(name: str) -> None:
    """Give the worker's OS thread the pool's name too (Python 3.11 names only its own
    object), so `top -H` and /proc/PID/task/*/comm tell where a process's CPU goes: the load
    benchmark reports it per pool."""
    if sys.platform == "linux":
        pr_set_name = 15
        ctypes.CDLL(None).prctl(pr_set_name, name.encode()[:15], 0, 0, 0)


class Pools:
    def __init__(self, serving: ServingSettings, turn_timeout_s: float,
                 is_llm: bool = True) -> None:
        self.turn_timeout_s = turn_timeout_s
        self.running = turn_slots(serving, is_llm)
        self.turns = _pool(self.running, "rescind-turn")
        self.quick = _pool(QUICK_WORKERS, "rescind-quick")
        self.auth = _pool(serving.auth_workers, "rescind-auth")
        self.history = _pool(HISTORY_WORKERS, "rescind-history")
        self._serving = serving
        self._gates: dict[asyncio.AbstractEventLoop, TurnGate] = {}

    def gate(self) -> TurnGate:
        loop = asyncio.get_running_loop()
        if loop not in self._gates:
            self._gates = {k: v for k, v in self._gates.items() if not k.is_closed()}
            self._gates[loop] = TurnGate(self.running, self._serving.turn_queue)
        return self._gates[loop]


@functools.cache
def pools() -> Pools:
    return Pools(ServingSettings.load(), LimitSettings.load().turn_timeout_s,
                 ModelConfig.from_env().is_llm)


async def _run(pool: ThreadPoolExecutor, fn: Callable[P, T], *args: P.args,
               **kwargs: P.kwargs) -> T:
    """`fn` on `pool`, in a copy of this context (Chainlit's session, tracing, the turn's
    arrival), as asyncio.to_thread does on the default executor."""
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(pool, call)


async def quick(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await _run(pools().quick, fn, *args, **kwargs)


async def auth(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await _run(pools().auth, fn, *args, **kwargs)


async def history(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return await _run(pools().history, fn, *args, **kwargs)


def arrived() -> float:
    """The time.monotonic() a message arrived: when its socket event was read
    (`stamp_arrivals`: under a burst, Chainlit's own handling took a while before ours
    began), else now. Pass it to `turn` after any waiting."""
    stamped = TURN_ARRIVED.get()
    return time.monotonic() if stamped is None else stamped


def stamp_arrivals(sio: Any) -> None:
    """Stamp each chat message (`TURN_ARRIVED`) as its Socket.IO event is read, before
    Chainlit's handler starts the message's task, which copies the stamp with the context:
    the turn's deadline, and the answer's, count from there (issue 11: 100 talkers whose
    model hung were told 0.2 s after a deadline counted from our handler)."""
    handlers = sio.handlers.get("/", {})
    original = handlers.get("client_message")
    if original is None or getattr(original, "rescind_stamped", False):
        return

    async def stamped(sid: str, payload: Any) -> Any:
        token = TURN_ARRIVED.set(time.monotonic())
        try:
            return await original(sid, payload)
        finally:
            TURN_ARRIVED.reset(token)

    stamped.rescind_stamped = True  # type: ignore[attr-defined]
    handlers["client_message"] = stamped


@asynccontextmanager
async def turn_slot(arrived_at: float) -> AsyncIterator[bool]:
    """A slot for a turn that arrived at `arrived_at`, or False (answer `BUSY`)."""
    p = pools()
    async with p.gate().slot(arrived_at + p.turn_timeout_s) as admitted:
        yield admitted


async def turn(arrived_at: float, fn: Callable[P, T], *args: P.args,
               **kwargs: P.kwargs) -> T:
    """Run a turn (inside `turn_slot`) on the turns executor; its deadline counts from
    `arrived_at`."""
    token = TURN_ARRIVED.set(arrived_at)
    try:
        return await _run(pools().turns, fn, *args, **kwargs)
    finally:
        TURN_ARRIVED.reset(token)
