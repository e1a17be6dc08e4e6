"""One played turn as the monitors see it: the turn, what the assistant answered, and the
store before and after it."""

from __future__ import annotations

from dataclasses import dataclass

from evals.dialog import Turn
from evals.results import TurnRecord
from evals.state import StoreState


@dataclass(frozen=True)
class Step:
    turn: Turn
    record: TurnRecord
    before: StoreState
    after: StoreState
