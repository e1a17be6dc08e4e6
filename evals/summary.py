"""Aggregates over runs: per dialog, per policy rule, per tag, and pass^k with --repeat."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from evals.results import RunResult


@dataclass(frozen=True)
class DialogSummary:
    id: str
    path: str
    title: str
    policy: tuple[str, ...]
    tags: tuple[str, ...]
    runs: tuple[RunResult, ...]

    @property
    def passes(self) -> int:
        return sum(r.passed for r in self.runs)

    @property
    def passed_all(self) -> bool:
        return self.passes == len(self.runs)

    @property
    def first_failure(self) -> RunResult | None:
        return next((r for r in self.runs if not r.passed), None)


@dataclass(frozen=True)
class RateRow:
    name: str
    dialogs: int
    runs_passed: int
    runs: int
    dialogs_passed_all: int

    @property
    def rate(self) -> float:
        return self.runs_passed / self.runs if self.runs else 0.0

    @property
    def pass_k(self) -> float:
        return self.dialogs_passed_all / self.dialogs if self.dialogs else 0.0


@dataclass(frozen=True)
class Summary:
    dialogs: tuple[DialogSummary, ...]
    repeat: int
    model: str
    seconds: float

    @property
    def passed(self) -> bool:
        return all(d.passed_all for d in self.dialogs)

    @property
    def overall(self) -> RateRow:
        return _row("all", self.dialogs)

    @property
    def by_rule(self) -> list[RateRow]:
        return _rates(self.dialogs, lambda d: d.policy, key=_rule_order)

    @property
    def by_tag(self) -> list[RateRow]:
        return _rates(self.dialogs, lambda d: d.tags, key=lambda t: (0, t))


def summarize(runs: Sequence[RunResult], repeat: int, model: str, seconds: float) -> Summary:
    grouped: dict[tuple[str, str], list[RunResult]] = {}
    for r in runs:
        grouped.setdefault((r.dialog_id, r.path), []).append(r)
    dialogs = tuple(
        DialogSummary(rs[0].dialog_id, rs[0].path, rs[0].title, rs[0].policy, rs[0].tags,
                      tuple(sorted(rs, key=lambda r: r.run)))
        for rs in grouped.values()
    )
    return Summary(dialogs, repeat, model, seconds)


def _rule_order(rule: str) -> tuple[int, str]:
    return (int(rule[1:]), rule) if rule[1:].isdigit() else (999, rule)


def _row(name: str, dialogs: Iterable[DialogSummary]) -> RateRow:
    ds = list(dialogs)
    return RateRow(name, len(ds), sum(d.passes for d in ds), sum(len(d.runs) for d in ds),
                   sum(d.passed_all for d in ds))


def _rates(
    dialogs: Sequence[DialogSummary], labels: Callable[[DialogSummary], Iterable[str]],
    key: Callable[[str], tuple[int, str]],
) -> list[RateRow]:
    names = sorted({n for d in dialogs for n in labels(d)}, key=key)
    return [_row(n, (d for d in dialogs if n in labels(d))) for n in names]
