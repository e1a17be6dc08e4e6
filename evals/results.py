"""What a run produces: per turn a transcript record, per dialog the misses (unmet
expectations) and breaches (policy monitors), kept apart. Plain picklable values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Miss:
    """An unmet expectation. `turn` is None for `final:`."""

    turn: int | None
    line: int
    check: str
    expected: str
    seen: str

    @property
    def where(self) -> str:
        return "final" if self.turn is None else f"turn {self.turn}"

    def describe(self) -> str:
        return f"{self.where} (line {self.line}) {self.check}: expected {self.expected}; " \
               f"seen {self.seen}"


@dataclass(frozen=True)
class Breach:
    """A policy monitor's finding; fails the dialog whatever it expects."""

    monitor: str
    turn: int | None
    detail: str

    def describe(self) -> str:
        where = "" if self.turn is None else f"turn {self.turn}: "
        return f"monitor {self.monitor}: {where}{self.detail}"


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class TurnRecord:
    index: int
    line: int
    kind: str
    said: str  # the user's message, the button, or the event
    reply: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    proposal: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None
    note: str = ""  # an event's result, or an error
    changes: list[str] = field(default_factory=list)

    @property
    def tool_names(self) -> list[str]:
        return [c.name for c in self.tool_calls]


@dataclass
class RunResult:
    dialog_id: str
    path: str
    title: str
    policy: tuple[str, ...]
    tags: tuple[str, ...]
    run: int
    misses: list[Miss] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)
    turns: list[TurnRecord] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.misses and not self.breaches and self.error is None

    def first_problem(self) -> str:
        if self.error:
            return f"error: {self.error}"
        if self.misses:
            return self.misses[0].describe()
        return self.breaches[0].describe() if self.breaches else ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["passed"] = self.passed
        return data
