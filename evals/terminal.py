"""The terminal summary: a line per dialog, the first unmet expectation and the monitor
breaches of each failure, then pass rates per rule and per tag."""

from __future__ import annotations

from evals.results import RunResult
from evals.summary import DialogSummary, RateRow, Summary

MAX_BREACHES = 3


def render(summary: Summary) -> str:
    lines: list[str] = []
    for d in summary.dialogs:
        lines.extend(_dialog_lines(d, summary.repeat))
    lines.append("")
    lines.extend(_table("Pass rate per policy rule", summary.by_rule, summary.repeat))
    lines.extend(_table("Pass rate per tag", summary.by_tag, summary.repeat))
    lines.append(_total(summary))
    return "\n".join(lines)


def _dialog_lines(d: DialogSummary, repeat: int) -> list[str]:
    verdict = "PASS" if d.passed_all else "FAIL"
    count = f" {d.passes}/{len(d.runs)}" if repeat > 1 else ""
    lines = [f"{verdict}{count}  {d.id}  ({d.path})"]
    failed = d.first_failure
    if failed is not None:
        lines.extend("      " + text for text in problem_lines(failed))
    return lines


def problem_lines(run: RunResult) -> list[str]:
    """The first unmet expectation (file:line, turn, expected vs seen) and the breaches."""
    out: list[str] = []
    prefix = f"run {run.run}: " if run.run > 1 else ""
    if run.error:
        out.append(f"{prefix}{run.path}: error: {run.error}")
    if run.misses:
        miss = run.misses[0]
        more = f" (+{len(run.misses) - 1} more)" if len(run.misses) > 1 else ""
        out.append(f"{prefix}{run.path}:{miss.line}: {miss.describe()}{more}")
    for breach in run.breaches[:MAX_BREACHES]:
        out.append(f"{prefix}{breach.describe()}")
    if len(run.breaches) > MAX_BREACHES:
        out.append(f"{prefix}... {len(run.breaches) - MAX_BREACHES} more monitor breaches")
    return out


def _table(title: str, rows: list[RateRow], repeat: int) -> list[str]:
    if not rows:
        return []
    head = f"{title:<28}{'dialogs':>8}{'runs passed':>14}{'rate':>8}"
    head += f"{f'pass^{repeat}':>9}" if repeat > 1 else ""
    out = [head]
    for r in rows:
        line = f"  {r.name:<26}{r.dialogs:>8}{f'{r.runs_passed}/{r.runs}':>14}{r.rate:>8.0%}"
        line += f"{r.pass_k:>9.0%}" if repeat > 1 else ""
        out.append(line)
    out.append("")
    return out


def _total(summary: Summary) -> str:
    o = summary.overall
    text = (f"{o.dialogs_passed_all}/{o.dialogs} dialogs passed "
            f"({o.pass_k:.1%}) with the {summary.model} model in {summary.seconds:.1f} s")
    if summary.repeat > 1:
        text += (f"; {o.runs_passed}/{o.runs} runs passed ({o.rate:.1%}); "
                 f"pass^{summary.repeat} = {o.pass_k:.1%}")
    return text
