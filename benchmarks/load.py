"""Load from outside: simulated users over HTTP + Socket.IO, through HAProxy, against K app
processes (`python -m assistant.cluster`, what `make serve` runs) on a PostgreSQL database
of its own, with the offline model or a local model stub (`load_stub.py`).

    python -m benchmarks.load --processes K --users N --model {offline,stub} \\
        [--stub-latency S] [--fault {none,pg-restart,kill-one,model-500,model-hang}]

Prints p50/p95/p99 of sign-in, turn and Confirm-click latency, confirmed cancellations per
second, errors, the history check and the invariants (SQL of its own, `load_checks.py`);
the last line is `load: K procs, N users, MODEL, FAULT: turn p50 X s p95 Y s, login p95 Z s,
click p95 W s, errors E, invariants ok` (or `invariants BROKEN`). Exit code 1 when broken.

Faults, mid-run: `pg-restart` makes the database unreachable for 7 s (connections cut, new
ones refused: ALTER DATABASE ... ALLOW_CONNECTIONS, so the shared server keeps serving
others); `kill-one` kills one app process with SIGKILL (its users reconnect through the
proxy, resume, and confirm what was waiting); `model-500` / `model-hang` make the stub
fail or never answer for the whole run (half the users talk, half use the picker).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import Engine

from benchmarks import load_checks, load_cpu
from benchmarks.load_users import (
    Stats,
    User,
    cancel_by_chat,
    pick_and_confirm,
    sign_in_probes,
    talk_while_model_fails,
)
from store.db import open_store
from store.seed import load_world

ADMIN = os.environ.get("RESCIND_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
TURN_TIMEOUT_S = 10.0  # the app's RESCIND_TURN_TIMEOUT in the run
OUTAGE_S = 7.0
ARRIVALS_PER_S = 20  # users signing in per second before the chats start together
FAULT_AFTER_S = 1.5  # after the chats start
DB_CONNECTIONS = 40  # all processes together: the server is shared with other work


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of `count` consecutive free ports."""
    while True:
        base = random.randint(20000, 40000)
        try:
            for p in range(base, base + count):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def admin(sql: str) -> None:
    with psycopg.connect(ADMIN.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@contextmanager
def database(users: int, rounds: int) -> Iterator[tuple[str, dict[str, list]]]:  # type: ignore[type-arg]
    name = f"rescind_load_{os.getpid()}"
    admin(f"DROP DATABASE IF EXISTS {name}")
    admin(f"CREATE DATABASE {name}")
    url = ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        store = open_store(url)  # migrated here once, as `make serve` does
        world, tasks = load_checks.world(users, rounds)
        load_world(store.uow(), world, passwords=True)
        store.engine.dispose()
        yield url, tasks
    finally:
        admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


def wait_ready(urls: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending:
        if time.monotonic() > deadline:
            raise SystemExit(f"load: not ready in {timeout:.0f} s: {pending}")
        try:
            if httpx.get(pending[0] + "/auth/config", timeout=2).status_code == 200:
                pending.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.5)


def warm_up(backends: list[str]) -> None:
    """One sign-in per process first: a deployed process is warm (imports, first hash)."""
    for url in backends:
        httpx.post(url + "/login", data={"username": "load0@example.com",
                                          "password": "rescind"}, timeout=60)


def app_env(url: str, model: str, stub_port: int, work: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "RESCIND_ENV_FILE": "",
           "RESCIND_LOG_LEVEL": "WARNING", "RESCIND_MAILDIR": str(work / "mail"),
           "CHAINLIT_AUTH_SECRET": secrets.token_urlsafe(48),
           "RESCIND_TURN_TIMEOUT": str(TURN_TIMEOUT_S), "PYTHONUNBUFFERED": "1"}
    if model == "stub":
        env.update(RESCIND_PROVIDER="openai-compatible", RESCIND_MODEL="stub",
                   OPENAI_BASE_URL=f"http://127.0.0.1:{stub_port}/v1", OPENAI_API_KEY="stub",
                   RESCIND_MODEL_TIMEOUT="5", RESCIND_MODEL_RETRIES="1")
    else:
        env.update(RESCIND_PROVIDER="offline")
        for key in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
            env.pop(key, None)
    return env


async def inject(fault: str, at_s: float, db_name: str, logs: Path, base: int) -> None:
    await asyncio.sleep(at_s)
    if fault == "pg-restart":
        print(f"load: fault: database unreachable for {OUTAGE_S:.0f} s", file=sys.stderr)
        admin(f"ALTER DATABASE {db_name} ALLOW_CONNECTIONS false")
        try:
            admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  f"WHERE datname = '{db_name}' AND pid <> pg_backend_pid()")
            await asyncio.sleep(OUTAGE_S)
        finally:  # also when the run ends first
            admin(f"ALTER DATABASE {db_name} ALLOW_CONNECTIONS true")
            print("load: fault: database back", file=sys.stderr)
    elif fault == "kill-one":
        pid = int((logs / f"app-{base}.pid").read_text())
        print(f"load: fault: kill -9 the process on :{base} (pid {pid})", file=sys.stderr)
        os.kill(pid, signal.SIGKILL)


async def run_users(proxy: str, tasks: dict[str, list], model_fault: bool,  # type: ignore[type-arg]
                    fault: str, db_name: str, logs: Path, base: int,
                    pids: list[int]) -> tuple[Stats, float, load_cpu.Snapshot]:
    stats = Stats()
    emails = list(tasks)
    ramp_s = max(2.0, len(emails) / ARRIVALS_PER_S)  # sign-ins are CPU work (Argon2)
    users = [User(proxy, e, stats, TURN_TIMEOUT_S + 20) for e in emails]
    go, stop = asyncio.Event(), asyncio.Event()

    async def one(i: int, user: User) -> None:
        await asyncio.sleep(ramp_s * i / len(users))
        if not model_fault:
            await cancel_by_chat(user, tasks[user.email], go)
        elif i % 2 == 0:
            await talk_while_model_fails(user, tasks[user.email], go)
        else:
            await pick_and_confirm(user, tasks[user.email], go)

    running = [asyncio.create_task(one(i, u)) for i, u in enumerate(users)]
    while stats.arrived < len(users):  # every chat open (sign-ins are over)
        await asyncio.sleep(0.1)
    cpu_at_go = load_cpu.snapshot(pids)
    go.set()  # every chat at once, from here
    started_at = time.monotonic()
    probes = asyncio.create_task(sign_in_probes(proxy, emails, stats, stop))
    injector = asyncio.create_task(inject(fault, FAULT_AFTER_S, db_name, logs, base))
    try:
        await asyncio.gather(*running)
    finally:
        stop.set()
        await probes
        await injector  # the database is back before anything is checked
        await asyncio.gather(*(u.close() for u in users), return_exceptions=True)
    return stats, time.monotonic() - started_at, cpu_at_go


def settle_history(engine: Engine, sent: int, wait_s: float = 30) -> int:
    """User messages in the history, once retried writes have landed (or `wait_s`)."""
    deadline = time.monotonic() + wait_s
    while True:
        stored = load_checks.stored_user_messages(engine)
        if stored >= sent or time.monotonic() > deadline:
            return stored
        time.sleep(1)


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--model", choices=["offline", "stub"], default="offline")
    p.add_argument("--stub-latency", type=float, default=1.0)
    p.add_argument("--fault", default="none",
                   choices=["none", "pg-restart", "kill-one", "model-500", "model-hang"])
    p.add_argument("--rounds", type=int, default=2, help="cancellations per user")
    args = p.parse_args()
    model_fault = args.fault in ("model-500", "model-hang")
    if model_fault and args.model != "stub":
        p.error(f"--fault {args.fault} needs --model stub")
    if args.fault == "kill-one" and args.processes < 2:
        p.error("--fault kill-one needs --processes 2 or more")
    work = Path(tempfile.mkdtemp(prefix="rescind-load-"))
    stub_port, proxy_port, base = free_port(), free_port(), free_ports(args.processes)
    proxy = f"http://127.0.0.1:{proxy_port}"
    with database(args.users, args.rounds) as (url, tasks):
        db_name = url.rsplit("/", 1)[1]
        env = app_env(url, args.model, stub_port, work)
        stub_fault = {"model-500": "500", "model-hang": "hang"}.get(args.fault, "none")
        stub = [sys.executable, "-m", "benchmarks.load_stub", "--port", str(stub_port),
                "--latency", str(args.stub_latency), "--fault", stub_fault]
        cluster = [sys.executable, "-m", "assistant.cluster", "--processes",
                   str(args.processes), "--port", str(proxy_port), "--base-port", str(base),
                   "--logs", str(work), "--db-connections", str(DB_CONNECTIONS)]
        with started(stub if args.model == "stub" else ["true"], env, work / "stub.log"), \
                started(cluster, env, work / "cluster.log"):
            backends = [f"http://127.0.0.1:{base + i}" for i in range(args.processes)]
            wait_ready([*backends, proxy])
            warm_up(backends)
            pids = load_cpu.app_pids(work, base, args.processes)
            stats, took, cpu_at_go = asyncio.run(run_users(proxy, tasks, model_fault,
                                                           args.fault, db_name, work, base,
                                                           pids))
            engine = open_store(url, migrate=False).engine
            stored = settle_history(engine, stats.sent)
            cpu = load_cpu.describe(cpu_at_go, load_cpu.snapshot(pids), stats.confirmed)
            broken = load_checks.invariants(engine, stats.told_cancelled)
            engine.dispose()
    return report(args, stats, took, stored, broken, work, cpu)


def report(args: argparse.Namespace, stats: Stats, took: float, stored: int,
           broken: list[str], work: Path, cpu: str) -> int:
    span = (stats.last_confirm_at or 0) - (stats.first_confirm_at or 0)
    rate = stats.confirmed / span if span > 0 else 0.0
    print(f"machine: {os.cpu_count()} cores, {sys.platform}; logs in {work}")
    for name, values in (("arrive", stats.arrival_login), ("login", stats.login),
                         ("turn", stats.turn),
                         ("click", stats.click)):
        print(f"{name:6} n={len(values):5}  p50 {pct(values, 50):6.3f} s  "
              f"p95 {pct(values, 95):6.3f} s  p99 {pct(values, 99):6.3f} s")
    print(f"confirmed cancellations: {stats.confirmed} in {took:.1f} s "
          f"({rate:.1f}/s between the first and the last)")
    print(f"reconnects {stats.reconnects}, proposals confirmed after a reconnect "
          f"{stats.recovered}, confirmed before a drop (told 'already cancelled' after it) "
          f"{stats.done_before_drop}, turns answered with a clear failure "
          f"{stats.clear_failures}")
    print(cpu)
    print(f"history: {stats.sent} user messages answered, {stored} stored "
          f"({max(0, stats.sent - stored)} missing)")
    for said, times in stats.answers.most_common(5):
        print(f"answered without a proposal {times}x: {said!r}")
    errors = sum(stats.errors.values())
    print(f"errors: {errors} {dict(stats.errors) if errors else ''}".rstrip())
    for b in broken:
        print(f"BROKEN: {b}")
    state = "ok" if not broken else "BROKEN"
    print(f"load: {args.processes} procs, {args.users} users, {args.model}, {args.fault}: "
          f"turn p50 {pct(stats.turn, 50):.2f} s p95 {pct(stats.turn, 95):.2f} s, "
          f"login p95 {pct(stats.login, 95):.2f} s, click p95 {pct(stats.click, 95):.2f} s, "
          f"errors {errors}, invariants {state}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
