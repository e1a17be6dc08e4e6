"""Chainlit's messages and steps, made without a blocking sleep on the event loop.

Chainlit's `Message.__init__` and `Step.__init__` each call `time.sleep(0.001)`, so that the
next one's `created_at` (ISO text, by which a thread's history is sorted) comes later. That
sleep runs on the event loop: every socket, sign-in and click waits for it, and under load
the loop then waits for the interpreter lock again, up to the switch interval (5 ms). A
chat round makes about seven of them (issue 11). `install` takes the sleep away and gives
those two modules timestamps that are strictly increasing instead, at least a microsecond
apart, which is what the sleep was for.
"""

from __future__ import annotations

import importlib
import threading
import time
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

_ONE_TICK = timedelta(microseconds=1)


class _Later:
    """Strictly increasing UTC times, as Chainlit writes them ("...T06:00:00.000001Z")."""

    def __init__(self) -> None:
        self._last = datetime.min
        self._lock = threading.Lock()  # steps are also made on worker threads

    def __call__(self) -> str:
        with self._lock:
            now = datetime.now(UTC).replace(tzinfo=None)
            self._last = now if now > self._last else self._last + _ONE_TICK
            # Always with microseconds: Chainlit's own drops them when they are zero, and
            # "...:00Z" sorts after "...:00.000001Z" as text.
            return self._last.isoformat(timespec="microseconds") + "Z"


class _TimeWithoutSleep(ModuleType):
    """The `time` module as those two modules see it: all of it but `sleep`, their only use."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        return None


utc_now = _Later()


def install() -> None:
    # By name: the package's attribute `chainlit.step` is its `step` decorator, not the module.
    for name in ("chainlit.message", "chainlit.step"):
        module = importlib.import_module(name)
        module.time = _TimeWithoutSleep()  # type: ignore[attr-defined]
        module.utc_now = utc_now  # type: ignore[attr-defined]
