"""The load benchmark's CPU breakdown: work on an app pool is counted under that pool's name,
and a process that was killed and started again between the snapshots is left out."""

from __future__ import annotations

import os
import re
import time

from assistant.ui import pools
from benchmarks import load_cpu
from store.settings import ServingSettings


def burn(seconds: float) -> None:
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


def test_cpu_spent_on_the_buttons_pool_is_counted_under_its_name_not_as_other_threads() -> None:
    own = os.getpid()
    p = pools.Pools(ServingSettings.load({}), 10.0)
    try:
        before = load_cpu.snapshot([own])
        p.quick.submit(burn, 0.3).result()
        after = load_cpu.snapshot([own])
    finally:
        p.quick.shutdown()
    spent = {g: after[own].get(g, 0.0) - before[own].get(g, 0.0) for g in load_cpu.GROUPS}
    assert spent["buttons and checks"] >= 0.2
    assert spent["other threads"] < 0.2
    line = load_cpu.describe(before, after, rounds=10)
    per_round = re.search(r"buttons and checks (\d+\.\d)", line)
    assert per_round is not None and 25 <= float(per_round.group(1)) <= 40  # 0.3 s / 10


def test_a_process_replaced_between_the_snapshots_is_left_out_and_said_so() -> None:
    before = {1: {"event loop": 1.0}, 2: {"event loop": 5.0}}
    after = {1: {"event loop": 3.0}, 3: {"event loop": 0.5}}  # 2 killed, 3 started
    line = load_cpu.describe(before, after, rounds=100)
    assert line.startswith("app CPU while the chats ran (1 of 2 processes): 2.0 s = 20.0 ms")
    assert "event loop 20.0" in line


def test_a_run_that_confirmed_nothing_gives_the_total_only() -> None:
    line = load_cpu.describe({1: {"turns": 1.0}}, {1: {"turns": 4.0}}, rounds=0)
    assert line == "app CPU while the chats ran: 3.0 s (no cancellation confirmed)"
