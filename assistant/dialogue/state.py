"""The dialogue state: data kept in the thread, never recovered from the wording of replies.

It round-trips through JSON (`as_dict` / `from_dict`), so a conversation resumes on any
process exactly where it was: what the user is working towards (`Goal`), what the assistant
asked for (`awaiting`), which items are in focus, and the order facts seen so far.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from assistant.dialogue.facts import OrderFact
from assistant.understanding.commands import Selection, selection_from_dict

Awaiting = Literal["reason", "items", "order", "details"]
STATE_VERSION = 1


@dataclass
class Goal:
    """A change the user asked for, on its way to a proposal."""

    action: str = "cancel"  # cancel | seller_request | refusal; "cancel" picks what fits
    explicit: bool = False  # the user named the action (a seller request, a refusal)
    order_id: str | None = None
    item_ids: list[str] = field(default_factory=list)  # resolved, in the order's order
    selection: dict[str, Any] | None = None  # said before its order was known
    reason: str | None = None
    reason_text: str | None = None
    unknown_order: str | None = None  # typed, not found: only another number picks it up

    def pending_selection(self) -> Selection | None:
        return selection_from_dict(self.selection) if self.selection else None


@dataclass
class DialogueState:
    role: str = "customer"
    orders: dict[str, OrderFact] = field(default_factory=dict)
    recent: list[str] | None = None  # the customer's recent order ids, newest first
    focus_order: str | None = None
    focus_items: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)  # items the last naming message named
    goal: Goal | None = None
    awaiting: Awaiting | None = None
    choices: list[str] = field(default_factory=list)  # item ids offered by "which one?"
    queue: list[Goal] = field(default_factory=list)  # more changes, after this proposal
    done: list[dict[str, Any]] = field(default_factory=list)  # confirmed: order, items, action
    verified: dict[str, str] = field(default_factory=dict)  # staff: order id -> customer
    misunderstood: int = 0
    turn: int = 0
    last_reason: str | None = None  # for "same reason"
    last_reason_text: str | None = None
    last_items: list[str] = field(default_factory=list)  # what that reason was given for
    offered: list[str] = field(default_factory=list)  # "... can still be cancelled" just now
    mentioned: list[list[str]] = field(default_factory=list)  # words a check named, for "it"
    kept: list[str] = field(default_factory=list)  # items the user said to keep

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = STATE_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, role: str = "customer") -> DialogueState:
        if not data or data.get("version") != STATE_VERSION:
            return cls(role=role)
        goal = data.get("goal")
        return cls(
            role=data.get("role", role),
            orders={k: OrderFact.from_dict(v) for k, v in data.get("orders", {}).items()},
            recent=data.get("recent"), focus_order=data.get("focus_order"),
            focus_items=list(data.get("focus_items", [])), named=list(data.get("named", [])),
            goal=Goal(**goal) if goal else None, awaiting=data.get("awaiting"),
            choices=list(data.get("choices", [])),
            queue=[Goal(**g) for g in data.get("queue", [])],
            done=list(data.get("done", [])), verified=dict(data.get("verified", {})),
            misunderstood=int(data.get("misunderstood", 0)), turn=int(data.get("turn", 0)),
            last_reason=data.get("last_reason"), last_reason_text=data.get("last_reason_text"),
            last_items=list(data.get("last_items", [])),
            offered=list(data.get("offered", [])),
            mentioned=[list(w) for w in data.get("mentioned", [])],
            kept=list(data.get("kept", [])),
        )

    # --- facts ------------------------------------------------------------------------------
    def order(self, order_id: str | None) -> OrderFact | None:
        if not order_id:
            return None
        found = self.orders.get(order_id)
        if found is None:
            key = order_id.lower()
            found = next((o for o in self.orders.values() if o.id.lower() == key), None)
        return found

    def order_of_item(self, item_id: str) -> OrderFact | None:
        return next((o for o in self.orders.values() if o.item(item_id)), None)

    def newest(self) -> str | None:
        return self.recent[0] if self.recent else None

    def focus(self, order_id: str, item_ids: list[str]) -> None:
        if item_ids:
            self.focus_order, self.focus_items = order_id, list(item_ids)
        elif order_id:
            self.focus_order = order_id
