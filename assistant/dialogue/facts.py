"""What the dialogue manager knows about orders: only what tool results said (P12)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

Action = Literal["cancel", "seller_request", "refusal"]
TOOL_FOR: dict[str, str] = {
    "cancel": "cancel_items",
    "seller_request": "request_seller_cancellation",
    "refusal": "flag_refusal",
}
# The core's decision kind that each action needs (store.domain.policy.DecisionKind).
CAN_FOR: dict[str, str] = {
    "cancel": "cancel", "seller_request": "request_seller", "refusal": "refuse_at_door",
}


@dataclass
class ItemFact:
    id: str
    title: str
    qty: int = 1
    price: str = ""
    amount: str = ""
    seller: str = "shop"
    status: str = ""
    can: str = ""  # the core's decision kind; "" when only a status is known
    why: str = ""
    rules: list[str] = field(default_factory=list)
    already_done: bool = False

    @classmethod
    def from_view(cls, d: dict[str, Any]) -> ItemFact:
        return cls(
            id=str(d.get("id", "")), title=str(d.get("title", d.get("id", ""))),
            qty=_int(d.get("qty")), price=str(d.get("price", "")),
            amount=str(d.get("amount", "")), seller=str(d.get("seller") or "shop"),
            status=str(d.get("status", "")), can=str(d.get("can", "")),
            why=str(d.get("why", "")), rules=[str(r) for r in d.get("rules", []) or []],
            already_done=bool(d.get("already_done", False)),
        )

    @property
    def third_party(self) -> bool:
        return self.seller != "shop"

    def able(self, action: str) -> bool:
        """Can this action be proposed for the item now (and isn't it done already)?"""
        return self.can == CAN_FOR[action] and not self.already_done


@dataclass
class OrderFact:
    id: str
    items: list[ItemFact]
    status: str = ""
    placed_at: str = ""
    refunded: str = ""
    turn: int = 0  # the turn whose lookup these facts come from
    currency: str = ""  # the order's (ISO 4217); "" for the shop's default

    @classmethod
    def from_view(cls, view: dict[str, Any], turn: int) -> OrderFact:
        return cls(
            id=str(view.get("order_id", "")),
            items=[ItemFact.from_view(i) for i in view.get("items", []) if isinstance(i, dict)],
            status=str(view.get("status", "")), placed_at=str(view.get("placed_at", "")),
            refunded=str(view.get("refunded", "")), turn=turn,
            currency=str(view.get("currency") or ""),
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OrderFact:
        return cls(id=d["id"], items=[ItemFact(**i) for i in d["items"]],
                   status=d.get("status", ""), placed_at=d.get("placed_at", ""),
                   refunded=d.get("refunded", ""), turn=d.get("turn", 0),
                   currency=d.get("currency", ""))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def item(self, item_id: str) -> ItemFact | None:
        key = item_id.lower()
        return next((i for i in self.items if i.id.lower() == key), None)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.items]


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def placed_when(orders: list[OrderFact], when: str, now: datetime) -> list[OrderFact]:
    """The orders placed when the user said ("this morning", "on tuesday", "last week")."""
    out = []
    for order in orders:
        try:
            placed = datetime.fromisoformat(order.placed_at)
        except ValueError:
            continue
        days = (now.date() - placed.date()).days
        if when == "today":
            hit = days == 0
        elif when == "yesterday":
            hit = days == 1
        elif when == "week":
            hit = 4 <= days <= 14
        elif when == "days":
            hit = 1 <= days <= 6
        elif when.startswith("day:"):
            hit = placed.day == int(when[4:]) and 0 <= days <= 45
        elif when in _WEEKDAYS:
            hit = placed.weekday() == _WEEKDAYS.index(when) and 0 <= days <= 7
        else:
            hit = False
        if hit:
            out.append(order)
    return out
