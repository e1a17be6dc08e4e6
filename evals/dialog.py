"""A loaded dialog: plain immutable values, picklable so worker processes can run them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

Role = Literal["customer", "staff"]
TurnKind = Literal["user", "click", "event"]
EventName = Literal["ship", "deliver", "process", "seller_approves", "seller_denies",
                    "returned"]
Pair = tuple[str, str]  # (order id, item id)


@dataclass(frozen=True)
class Expect:
    """A turn's `expect:`. None means "not checked"; `proposal == ()` means `none`."""

    line: int
    lines: dict[str, int] = field(default_factory=dict)  # key -> line, for reports
    calls: tuple[str, ...] | None = None
    not_calls: tuple[str, ...] | None = None
    calls_exactly: tuple[str, ...] | None = None
    says: tuple[str, ...] | None = None
    says_any: tuple[str, ...] | None = None
    not_says: tuple[str, ...] | None = None
    proposal: tuple[str, ...] | None = None
    proposal_kind: str | None = None  # cancel | seller_request | refusal, when given
    writes_none: bool = False
    handoff: bool = False


@dataclass(frozen=True)
class Turn:
    index: int  # 1-based, as reports count turns
    line: int
    kind: TurnKind
    text: str = ""  # the user's message, or the clicked button
    event: tuple[EventName, str] | None = None
    expect: Expect | None = None

    def describe(self) -> str:
        if self.kind == "event" and self.event is not None:
            return f"event {self.event[0]} {self.event[1]}"
        if self.kind == "click":
            return f"click {self.text}"
        return self.text


@dataclass(frozen=True)
class Final:
    line: int
    lines: dict[str, int] = field(default_factory=dict)
    items: dict[str, str] | None = None
    refunds: dict[str, Decimal] | None = None
    emails: tuple[Pair, ...] | None = None  # (recipient, order id)
    seller_requests: tuple[Pair, ...] | None = None
    refusals: tuple[Pair, ...] | None = None
    handoffs: int | None = None
    unchanged: bool = False


@dataclass(frozen=True)
class WorldItem:
    id: str
    order_id: str
    customer: str
    title: str
    amount: Decimal  # price x qty


@dataclass(frozen=True)
class Dialog:
    id: str
    path: str
    line: int
    title: str
    policy: tuple[str, ...]
    tags: tuple[str, ...]
    world: dict[str, Any]  # as written; handed to store.seed.load_world
    now: datetime
    role: Role
    actor: str
    turns: tuple[Turn, ...]
    final: Final | None

    @property
    def order_owners(self) -> dict[str, str]:
        return {str(o["id"]): str(o["customer"]) for o in self.world.get("orders", [])}

    @property
    def items(self) -> dict[str, WorldItem]:
        out: dict[str, WorldItem] = {}
        for o in self.world.get("orders", []):
            for i in o["items"]:
                amount = Decimal(str(i["price"])) * int(i["qty"])
                out[str(i["id"])] = WorldItem(
                    str(i["id"]), str(o["id"]), str(o["customer"]), str(i["title"]),
                    amount.quantize(Decimal("0.01")),
                )
        return out
