"""Running many dialogs, K times each, in this process or in worker processes, with a
progress bar on stderr. Each worker builds its agents once and reuses them."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from tqdm import tqdm

from evals.dialog import Dialog
from evals.results import RunResult
from evals.runner import run_dialog
from evals.sessions import AgentSessions, SessionFactory

Task = tuple[Dialog, int]
_WORKER_SESSIONS: AgentSessions | None = None


def _init_worker(provider: str) -> None:
    global _WORKER_SESSIONS
    _WORKER_SESSIONS = AgentSessions(provider)
    # Build both engines now, not inside the first dialog's timing.
    _WORKER_SESSIONS.warm()


def _run_task(dialog: Dialog, run: int) -> RunResult:
    assert _WORKER_SESSIONS is not None, "worker not initialised"
    return run_dialog(dialog, _WORKER_SESSIONS, run)


def run_suite(
    dialogs: Sequence[Dialog], *, provider: str = "offline", repeat: int = 1, jobs: int = 1,
    sessions: SessionFactory | None = None, progress: bool = True,
) -> list[RunResult]:
    """Every dialog `repeat` times; results ordered by dialog, then run."""
    tasks: list[Task] = [(d, run) for d in dialogs for run in range(1, repeat + 1)]
    bar = tqdm(total=len(tasks), desc="dialogs", unit="run", file=sys.stderr,
               disable=not progress or not sys.stderr.isatty(), leave=False)
    results: list[RunResult] = []
    try:
        if jobs > 1 and sessions is None and len(tasks) > 1:
            stream = _in_workers(tasks, provider, jobs)
        else:
            stream = _in_process(tasks, sessions or AgentSessions(provider))
        for result in stream:
            results.append(result)
            bar.update(1)
            if not result.passed:
                bar.set_postfix_str(f"last failure: {result.dialog_id}", refresh=False)
    finally:
        bar.close()
    order = {(d.id, d.path): n for n, d in enumerate(dialogs)}
    return sorted(results, key=lambda r: (order.get((r.dialog_id, r.path), 0), r.run))


def _in_process(tasks: Sequence[Task], sessions: SessionFactory) -> Iterator[RunResult]:
    for dialog, run in tasks:
        yield run_dialog(dialog, sessions, run)


def _in_workers(tasks: Sequence[Task], provider: str, jobs: int) -> Iterator[RunResult]:
    workers = min(jobs, len(tasks))
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(provider,)) as pool:
        futures = [pool.submit(_run_task, dialog, run) for dialog, run in tasks]
        for future in as_completed(futures):
            yield future.result()
