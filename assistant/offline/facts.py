"""Facts the offline model knows, all read from tool results (P12), never from the user."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages import BaseMessage

Action = Literal["cancel", "seller_request", "refusal"]
TOOL_FOR: dict[Action, str] = {
    "cancel": "cancel_items",
    "seller_request": "request_seller_cancellation",
    "refusal": "flag_refusal",
}
ACTION_OF: dict[str, Action] = {tool: action for action, tool in TOOL_FOR.items()}


@dataclass
class ItemFact:
    id: str
    title: str
    qty: int = 1
    price: str = ""
    seller: str = "shop"
    status: str = ""
    can: str = ""  # the core's decision kind; "" when only a status is known
    why: str = ""
    rules: tuple[str, ...] = ()
    already_done: bool = False

    @classmethod
    def from_view(cls, d: dict[str, Any]) -> ItemFact:
        return cls(
            id=str(d.get("id", "")), title=str(d.get("title", d.get("id", ""))),
            qty=_int(d.get("qty")), price=str(d.get("price", "")),
            seller=str(d.get("seller") or "shop"), status=str(d.get("status", "")),
            can=str(d.get("can", "")), why=str(d.get("why", "")),
            rules=tuple(str(r) for r in d.get("rules", []) or []),
            already_done=bool(d.get("already_done", False)),
        )

    @property
    def third_party(self) -> bool:
        return self.seller != "shop"


@dataclass
class OrderFact:
    id: str
    items: list[ItemFact]
    status: str = ""
    placed_at: str = ""
    refunded: str = ""
    complete: bool = True  # False: known from check_cancelled only (no decisions yet)
    _by_id: dict[str, ItemFact] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Ids are matched case-insensitively ("a1" is A1); looked up on every message.
        self._by_id = {i.id.lower(): i for i in self.items}

    def item(self, item_id: str) -> ItemFact | None:
        return self._by_id.get(item_id.lower())

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.items]


@dataclass
class ProposalFact:
    tool: str
    args: dict[str, Any]
    order_id: str
    item_ids: list[str]
    titles: dict[str, str]
    reason: str | None = None
    refund: str = ""

    @property
    def action(self) -> Action:
        return ACTION_OF.get(self.tool, "cancel")


@dataclass
class ToolResult:
    name: str
    args: dict[str, Any]
    data: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.data.get("ok"))


def can_after(status: str, third_party: bool) -> str:
    """A hint only, for items whose state changed under a proposal; lookups are the truth."""
    if status == "cancelled":
        return "already_cancelled"
    if status == "delivered":
        return "return_instead"
    if third_party:
        return "request_seller"
    return {"processing": "wait_then_refuse", "shipped": "refuse_at_door"}.get(status, "")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def content_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def tool_data(content: Any) -> dict[str, Any]:
    """A tool's compact JSON. Anything else is treated as a failed call, never as facts."""
    try:
        data = json.loads(content if isinstance(content, str) else json.dumps(content))
    except (TypeError, ValueError):
        return {"ok": False, "message": str(content)[:300]}
    return data if isinstance(data, dict) else {"ok": False}
