"""Store benchmark: confirmed cancellations per second and lookup latency, per backend.

    python -m benchmarks.store_bench [--backend sqlite|postgres|both] [--n N] [--lookups M]

One process, sequential, through the services (the only way in), on a migrated database:
SQLite is a file in a temporary directory, PostgreSQL a fresh throwaway database on the
server at RESCIND_BENCH_PG (default postgresql://postgres@127.0.0.1:5432/test), dropped
afterwards. Each cancellation is one proposal of one item followed by its confirmation
(two transactions: propose, confirm). Lookups are `lookup_order` of random orders.

Targets (issue 2): >= 1000 cancellations/s on SQLite, >= 500/s on PostgreSQL, lookup p99
< 5 ms. This is not a test: it prints figures; `--check` makes it exit 1 on a missed target.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from psycopg import sql
from sqlalchemy import func, select, text

from store import services
from store.db import Store, open_store
from store.domain.model import Actor, ProposalKind, Reason
from store.seed import load_world
from store.sql.orm import CancellationRow, RefundRow

PG_ADMIN_URL = os.environ.get("RESCIND_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
CUSTOMER = Actor("customer", "bench@example.com")
TARGET_CANCELS = {"sqlite": 1000.0, "postgres": 500.0}
TARGET_P99_MS = 5.0
WARMUP = 50


@dataclass
class Figures:
    backend: str
    n: int
    seconds: float
    cancels_per_s: float
    lookups: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    propose_ms: float  # mean, timed loop
    confirm_ms: float
    commit_floor_ms: float  # one trivial durable insert+commit on this backend

    def meets(self) -> bool:
        return (self.cancels_per_s >= TARGET_CANCELS[self.backend]
                and self.p99_ms < TARGET_P99_MS)


def world(n: int, now: datetime) -> dict[str, Any]:
    placed = (now - timedelta(days=1)).isoformat()
    return {
        "now": now.isoformat(),
        "customers": [{"email": CUSTOMER.email, "name": "Bench", "postcode": "10115"}],
        "orders": [
            {"id": f"B-{k:07d}", "customer": CUSTOMER.email, "placed_at": placed,
             "items": [{"id": f"BI{k:07d}", "title": f"Bench item {k}", "price": "19.99",
                        "qty": 2, "status": "unshipped"},
                       {"id": f"BJ{k:07d}", "title": f"Kept item {k}", "price": "5.00",
                        "qty": 1, "status": "shipped"}]}
            for k in range(n)
        ],
    }


def run(store: Store, backend: str, n: int, lookups: int, workers: int = 1) -> Figures:
    total = n + WARMUP
    load_world(store.uow(), world(total, datetime.now(UTC)))
    reason = Reason.NO_LONGER_NEEDED

    split = [0.0, 0.0]

    def cancel(k: int) -> None:
        t0 = time.perf_counter()
        result = services.propose(store.uow(), CUSTOMER, ProposalKind.CANCEL, f"B-{k:07d}",
                                  [f"BI{k:07d}"], reason, thread_id=f"bench-{k}")
        assert result.proposal is not None
        t1 = time.perf_counter()
        outcome = services.confirm(store.uow(), CUSTOMER, result.proposal.id)
        split[0] += t1 - t0
        split[1] += time.perf_counter() - t1
        assert outcome.done == (f"BI{k:07d}",), outcome

    for k in range(n, total):  # warm-up on orders outside the timed range
        cancel(k)
    split[:] = [0.0, 0.0]
    start = time.perf_counter()
    if workers == 1:
        for k in range(n):
            cancel(k)
    else:  # one process, a pool of request workers, as an app server would run them
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(cancel, range(n)))
    seconds = time.perf_counter() - start

    with store.engine.connect() as conn:
        cancelled = conn.execute(select(func.count()).select_from(CancellationRow)).scalar()
        refunds = conn.execute(select(func.count()).select_from(RefundRow)).scalar()
    assert cancelled == refunds == total, (cancelled, refunds, total)

    rng = random.Random(2)
    order_ids = [f"B-{rng.randrange(total):07d}" for _ in range(lookups + WARMUP)]
    for oid in order_ids[:WARMUP]:
        services.lookup_order(store.uow(), CUSTOMER, oid)
    samples = []
    for oid in order_ids[WARMUP:]:
        t0 = time.perf_counter()
        services.lookup_order(store.uow(), CUSTOMER, oid)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return Figures(
        backend=backend, n=n, seconds=seconds, cancels_per_s=n / seconds, lookups=lookups,
        p50_ms=statistics.median(samples), p99_ms=_percentile(samples, 99),
        max_ms=samples[-1], propose_ms=split[0] / n * 1000, confirm_ms=split[1] / n * 1000,
        commit_floor_ms=commit_floor(store),
    )


def commit_floor(store: Store, rounds: int = 200) -> float:
    """Median time of a one-row insert and commit on a scratch table: the backend's
    durable-commit cost (WAL flush), a floor that every writing service call pays."""
    samples = []
    with store.engine.connect() as conn:
        conn.execute(text("CREATE TABLE bench_commit_probe (a INTEGER)"))
        conn.commit()
        for _ in range(rounds):
            t0 = time.perf_counter()
            conn.execute(text("INSERT INTO bench_commit_probe VALUES (1)"))
            conn.commit()
            samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def _percentile(ordered: list[float], p: float) -> float:
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


@contextmanager
def sqlite_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="rescind-bench-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            yield store
        finally:
            store.engine.dispose()


@contextmanager
def postgres_store() -> Iterator[Store]:
    name = f"rescind_bench_{secrets.token_hex(4)}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        store = open_store(f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}")
        try:
            yield store
        finally:
            store.engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


def machine_info() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 0)
    return {
        "nproc": str(nproc),
        "cpu": cpu,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": __import__("sqlite3").sqlite_version,
        # Other work on the machine skews the figures: a load near nproc halves them.
        "loadavg": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def postgres_version(store: Store) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(text("SHOW server_version")).scalar())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.store_bench")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--n", type=int, default=2000, help="timed cancellations per backend")
    parser.add_argument("--lookups", type=int, default=2000, help="timed lookups per backend")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--pg-workers", type=int, default=4,
                        help="request threads in this one process on PostgreSQL, whose "
                        "time is mostly round trips (SQLite serialises writers: 1)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.lookups < 1:
        parser.error("--n and --lookups must be at least 1")

    info = machine_info()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results: list[Figures] = []
    for backend in backends:
        opener = sqlite_store if backend == "sqlite" else postgres_store
        with opener() as store:
            if backend == "postgres":
                info["postgresql"] = postgres_version(store)
            print(f"running {backend}: {args.n} cancellations, {args.lookups} lookups ...",
                  file=sys.stderr, flush=True)
            workers = args.pg_workers if backend == "postgres" else 1
            results.append(run(store, backend, args.n, args.lookups, workers))
            info[f"{backend}_workers"] = str(workers)

    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    header = (f"{'backend':<9} {'n':>6} {'seconds':>8} {'cancels/s':>10} {'target':>7}  "
              f"{'lookups':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'p99<':>5}  ok  "
              f"{'propose ms':>10} {'confirm ms':>10} {'commit ms':>9}")
    print(header)
    print("-" * len(header))
    for f in results:
        print(f"{f.backend:<9} {f.n:>6} {f.seconds:>8.2f} {f.cancels_per_s:>10.0f} "
              f"{TARGET_CANCELS[f.backend]:>7.0f}  {f.lookups:>7} {f.p50_ms:>7.2f} "
              f"{f.p99_ms:>7.2f} {f.max_ms:>7.2f} {TARGET_P99_MS:>5.0f}  "
              f"{'yes' if f.meets() else 'NO ':<3} {f.propose_ms:>10.2f} {f.confirm_ms:>10.2f} "
              f"{f.commit_floor_ms:>9.2f}")
    print("propose/confirm ms: mean per call in the timed loop. commit ms: median of a "
          "one-row durable insert+commit on a scratch table; only confirmations pay it on "
          "PostgreSQL (a lookup's audit row and a proposal commit without waiting for disk).")
    if args.check and not all(f.meets() for f in results):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
