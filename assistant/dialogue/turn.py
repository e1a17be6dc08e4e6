"""One user message's work in the dialogue manager: tool calls (the same tools the agent
calls, recorded the same way), what to say, and at most one new proposal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.dialogue.facts import OrderFact
from assistant.dialogue.state import DialogueState
from assistant.reply import ToolEvent
from tools import order_tools
from tools.context import ToolContext
from tools.order_tools import WRITE_TOOLS

MAX_CALLS = 8  # tool calls per message: a bug must not loop on the store


@dataclass
class DialogueTurn:
    ctx: ToolContext
    state: DialogueState
    pending: dict[str, Any] | None  # the proposal waiting for the user's confirmation
    events: list[ToolEvent] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    proposal: dict[str, Any] | None = None  # made in this turn
    note: str = ""  # said above the proposal (what was left out, and why)
    discard: bool = False  # the user withdrew the pending proposal in other words
    failed: str | None = None  # a tool error code that ended the turn (the store is down)

    @property
    def staff(self) -> bool:
        return self.state.role == "staff"

    def say(self, *lines: str) -> None:
        self.parts.extend(line for line in lines if line)

    def called(self, name: str, args: dict[str, Any] | None = None) -> bool:
        return any(e.name == name and (args is None or e.args == args) for e in self.events)

    def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        if len(self.events) >= MAX_CALLS:
            return {"ok": False, "code": "too_many_calls",
                    "message": "Sorry, I couldn't complete that. Nothing was changed."}
        result = order_tools.call(self.ctx, name, args)
        self.events.append(ToolEvent(name, dict(args), result))
        if result.get("code") == "store_unavailable":
            self.failed = "store_unavailable"
        self._learn(name, args, result)
        return result

    def _learn(self, name: str, args: dict[str, Any], result: dict[str, Any]) -> None:
        s = self.state
        if not result.get("ok"):
            return
        if name == "lookup_order" and "orders" in result:
            views = [v for v in result["orders"] if isinstance(v, dict)]
            for view in views:
                order = OrderFact.from_view(view, s.turn)
                s.orders[order.id] = order
            s.recent = [str(v.get("order_id")) for v in sorted(
                views, key=lambda v: str(v.get("placed_at", "")), reverse=True)]
        elif name == "lookup_order":
            order = OrderFact.from_view(result, s.turn)
            s.orders[order.id] = order
            s.focus(order.id, [])
        elif name == "verify_caller":
            s.verified[str(result.get("order_id"))] = str(result.get("verified"))
        elif name == "check_cancelled":
            for entry in result.get("orders", []):
                known = s.order(str(entry.get("order_id")))
                if known is not None:
                    known.turn = -1  # statuses moved on; look it up again before acting
        elif name in WRITE_TOOLS and isinstance(result.get("proposal"), dict):
            self.proposal = result["proposal"]

    def fresh(self, order_id: str) -> OrderFact | None:
        """The order's facts as of this message (looked up now unless already done)."""
        known = self.state.order(order_id)
        if known is not None and known.turn == self.state.turn:
            return known
        result = self.call("lookup_order", {"order_id": known.id if known else order_id})
        if result.get("code") == "not_found" and known is None and order_id != order_id.upper():
            result = self.call("lookup_order", {"order_id": order_id.upper()})  # "ord-7"
        if not result.get("ok"):
            return None
        return self.state.order(str(result.get("order_id")))

    def listed(self) -> list[OrderFact]:
        """The customer's recent orders (listed once per conversation unless stale)."""
        s = self.state
        if s.recent is None or (not self.called("lookup_order", {}) and any(
                (o := s.order(i)) is None or o.turn < 0 for i in s.recent)):
            self.call("lookup_order", {})
        return [o for i in s.recent or [] if (o := s.order(i)) is not None]

    def text(self) -> str:
        # Two requests in one message may lead to the same question: it is asked once.
        body = "\n".join(dict.fromkeys(self.parts)).strip()
        return f"{self.note}\n{body}".strip() if self.note else body
