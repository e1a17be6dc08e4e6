"""What one turn gives back to the UI, the CLI and the evals: the reply and the tool calls
behind it. Every understander (the agent, the dialogue manager) fills the same record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolEvent:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class Reply:
    text: str
    tool_events: list[ToolEvent] = field(default_factory=list)
    proposal: dict[str, Any] | None = None  # pending: show Confirm / Keep for exactly this
    outcome: dict[str, Any] | None = None  # what a confirmation did
    orders: list[dict[str, Any]] = field(default_factory=list)  # order views, for cards
    error: str | None = None
    model_calls: int = 0
    streamed: bool = False  # `text` already reached the user through on_token, word for word
    corrected: bool = False  # the model's words contradicted the store and were replaced
    model_time_s: float = 0.0  # spent waiting for the model (the rest is the agent's own)
    model_call_s: list[float] = field(default_factory=list)  # each model request's latency
    elapsed_s: float = 0.0
    discard: bool = False  # the user withdrew the pending proposal in words of their own
    asks: bool = False  # the reply asks a yes/no question of its own (a model's prose)

    @property
    def tool_names(self) -> list[str]:
        return [e.name for e in self.tool_events]


