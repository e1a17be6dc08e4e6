"""Where the app processes' CPU went while the chats ran, for `benchmarks/load.py`.

Read from Linux's /proc: each process's own total (user + system, threads that ended
included) and each live thread's, grouped by the name the app gives its pools' OS threads
(`assistant.ui.pools`); the main thread runs the event loop (uvicorn, Socket.IO, Chainlit's
steps and emits). One snapshot when the chats start together and one once the history has
settled: their difference, divided by the cancellations confirmed in between, is the cost
of a round. Sign-ins before the chats start are outside it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

POOLS = {"rescind-turn": "turns", "rescind-quick": "buttons and checks",
         "rescind-history": "history", "rescind-auth": "sign-in"}
GROUPS = ("event loop", *POOLS.values(), "other threads")
PROC = Path("/proc")
Snapshot = dict[int, dict[str, float]]  # process id -> CPU seconds per group


def _ticks(stat: str) -> int:
    # utime and stime: fields 14 and 15 of stat, counted after the parenthesised name,
    # which may itself hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def snapshot(pids: list[int]) -> Snapshot:
    """Each process's CPU seconds so far, per group (a process gone: left out)."""
    found: Snapshot = {}
    per_s = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        seconds: defaultdict[str, float] = defaultdict(float)
        try:
            total = _ticks((PROC / str(pid) / "stat").read_text())
            named = 0
            for task in (PROC / str(pid) / "task").iterdir():
                try:
                    comm = (task / "comm").read_text().strip()
                    used = _ticks((task / "stat").read_text())
                except OSError:  # the thread ended meanwhile: counted in "other threads"
                    continue
                group = "event loop" if task.name == str(pid) else POOLS.get(comm)
                if group is not None:
                    seconds[group] += used / per_s
                    named += used
        except OSError:
            continue
        seconds["other threads"] += (total - named) / per_s
        found[pid] = dict(seconds)
    return found


def describe(before: Snapshot, after: Snapshot, rounds: int) -> str:
    """The CPU of the processes alive at both snapshots (one killed and started again in
    between is a new process: left out), per confirmed cancellation."""
    kept = before.keys() & after.keys()
    spent = {g: sum(max(0.0, after[p].get(g, 0.0) - before[p].get(g, 0.0)) for p in kept)
             for g in GROUPS}
    total = sum(spent.values())
    who = f"{len(kept)} of {len(before)} processes" if len(kept) != len(before) else ""
    head = f"app CPU while the chats ran{f' ({who})' if who else ''}: {total:.1f} s"
    if rounds <= 0:
        return f"{head} (no cancellation confirmed)"
    parts = ", ".join(f"{g} {1000 * s / rounds:.1f}" for g, s in spent.items())
    return f"{head} = {1000 * total / rounds:.1f} ms per confirmed cancellation ({parts})"


def app_pids(logs: Path, base: int, processes: int) -> list[int]:
    """The app processes `assistant.cluster` started (pid files in its log folder)."""
    pids = []
    for port in range(base, base + processes):
        try:
            pids.append(int((logs / f"app-{port}.pid").read_text()))
        except (OSError, ValueError):
            continue
    return pids
