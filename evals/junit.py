"""`--junit FILE`: the run as JUnit XML, the file CI systems (GitHub Actions, GitLab, Jenkins)
show per test.

One `<testcase>` per dialog, and per run with `--repeat` (`name [run 2/3]`); its classname is
the dialog file's folder (`evals.dialogs.customer`), so a CI groups the suite the way the
folders do. A failed run carries a `<failure>` whose message is the first unmet expectation
(or the first monitor breach) and whose text lists them all with their line numbers, and
its transcript as `<system-out>`; a run that crashed carries an `<error>` instead.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from evals.results import RunResult
from evals.summary import Summary

SUITE_NAME = "rescind evals"


def write_junit(summary: Summary, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    suite = TestSuite(SUITE_NAME)
    # Properties first: the JUnit schema wants them before the test cases.
    suite.add_property("model", summary.model)
    suite.add_property("repeat", str(summary.repeat))
    suite.timestamp = datetime.now(UTC).isoformat(timespec="seconds")
    suite.hostname = socket.gethostname()
    for dialog in summary.dialogs:
        for run in dialog.runs:
            suite.add_testcase(_case(run, summary.repeat))
    xml = JUnitXml()
    xml.add_testsuite(suite)
    xml.update_statistics()  # type: ignore[no-untyped-call]
    xml.write(str(path), pretty=True)
    return path


def _case(run: RunResult, repeat: int) -> TestCase:
    name = run.dialog_id if repeat == 1 else f"{run.dialog_id} [run {run.run}/{repeat}]"
    case = TestCase(name, classname=_classname(run.path), time=round(run.seconds, 3))
    if run.passed:
        return case
    problem: Failure | Error
    if run.error:
        problem = Error(run.error, "crash")
        # The run stops at the turn that crashed, and keeps its traceback as the note.
        problem.text = (run.turns[-1].note if run.turns else "") or run.error
    else:
        problem = Failure(run.first_problem(), "unmet expectation" if run.misses
                          else "policy breach")
        problem.text = "\n".join([f"{run.path}:", *(f"  {m.describe()}" for m in run.misses),
                                  *(f"  {b.describe()}" for b in run.breaches)])
    case.result = [problem]
    case.system_out = _transcript(run)
    return case


def _classname(path: str) -> str:
    folder = Path(path).parent
    if folder.is_absolute() and folder.is_relative_to(Path.cwd()):
        folder = folder.relative_to(Path.cwd())
    return ".".join(p for p in folder.parts if p not in ("", ".", "..", "/")) or "evals"


def _transcript(run: RunResult) -> str:
    lines = []
    for turn in run.turns:
        said = turn.said if turn.said.startswith(turn.kind) else f"{turn.kind}: {turn.said}"
        lines.append(f"turn {turn.index} (line {turn.line}) {said}")
        lines += [f"  tool {c.name}({c.args})" for c in turn.tool_calls]
        if turn.reply:
            lines.append("  reply: " + turn.reply.replace("\n", "\n         "))
        if turn.changes:
            lines.append("  store: " + "; ".join(turn.changes))
    return "\n".join(lines)
