"""A short run of the load benchmark, as the issue allows in CI: the real cluster launcher,
HAProxy, the model stub and PostgreSQL, a few users; the documented last line, the CPU
breakdown and the benchmark's own invariant checks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(r"load: 1 procs, 3 users, stub, none: turn p50 \d+\.\d\d s p95 \d+\.\d\d s, "
                       r"login p95 \d+\.\d\d s, click p95 \d+\.\d\d s, errors 0, invariants ok")
CPU_LINE = re.compile(r"app CPU while the chats ran: \d+\.\d s = \d+\.\d ms per confirmed "
                      r"cancellation \(event loop \d+\.\d, turns \d+\.\d, buttons and checks "
                      r"\d+\.\d, history \d+\.\d, sign-in \d+\.\d, other threads \d+\.\d\)")


@pytest.mark.postgres
def test_a_short_load_run_confirms_every_cancellation_and_ends_with_the_documented_line() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--processes", "1", "--users", "3",
         "--model", "stub", "--stub-latency", "0.1", "--rounds", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    out = run.stdout.strip().splitlines()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert LAST_LINE.fullmatch(out[-1]), out[-1]
    assert any(CPU_LINE.fullmatch(line) for line in out), run.stdout
    assert "confirmed cancellations: 3 in" in run.stdout
    assert "history: 3 user messages answered, 3 stored (0 missing)" in run.stdout
