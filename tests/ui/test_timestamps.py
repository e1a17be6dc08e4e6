"""Chainlit's messages and steps are made without sleeping on the event loop, and still get
strictly increasing timestamps (assistant/ui/timestamps.py)."""

from __future__ import annotations

import time
from datetime import datetime

import chainlit as cl
import pytest

import assistant.ui.app as app_module
from assistant.ui import timestamps
from tests.support import ANA
from tests.ui.conftest import App, BrowserFactory


def parsed(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.removesuffix("Z"))


async def test_messages_and_steps_are_made_without_a_sleep_and_in_strict_order(
    app: App, browser: BrowserFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert app_module.timestamps is timestamps  # installed with the app
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # Chainlit's own: 1 ms per object
    async with browser(ANA.email):
        made = [cl.Step(name=f"s{i}", type="tool") if i % 2 else cl.Message(content=f"m{i}")
                for i in range(200)]
        for m in made:
            if isinstance(m, cl.Message):
                await m.send()
    assert slept == []
    stamps = [m.created_at for m in made]
    assert all(isinstance(s, str) and s.endswith("Z") for s in stamps)
    times = [parsed(str(s)) for s in stamps]
    steps = [t for m, t in zip(made, times, strict=True) if not isinstance(m, cl.Message)]
    assert steps == sorted(set(steps))  # strictly increasing, as made


def test_timestamps_increase_strictly_even_within_one_microsecond() -> None:
    stamps = [timestamps.utc_now() for _ in range(1000)]
    assert stamps == sorted(set(stamps))  # distinct and in order, as text too
    assert all(len(s) == len(stamps[0]) for s in stamps)  # microseconds always written
