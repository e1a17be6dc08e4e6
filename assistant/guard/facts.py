"""The store's side of a reply check (P12): what the account's orders show, loaded once per turn,
and what the conversation so far points at when a sentence says "it" or names nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage

from store.db import Store
from store.domain.model import Actor
from store.facts import ItemFacts, OrderFacts, StoreFacts, reply_facts


class Facts:
    """The orders seen in the conversation and the account's recent orders, their items'
    states, seller requests, refusal flags, refunds and e-mails, and what was confirmed in
    this chat thread. Built from one read of the store."""

    def __init__(self, facts: StoreFacts) -> None:
        self.orders: dict[str, OrderFacts] = {o.order_id: o for o in facts.orders}
        self.items: dict[str, ItemFacts] = {i.item_id: i for o in facts.orders for i in o.items}
        # What this thread's confirmations did, newest last: the items a sentence without a
        # subject is about when nothing nearer names one.
        self.thread_items: tuple[str, ...] = tuple(dict.fromkeys(
            i for outcome in facts.outcomes for i in outcome.done if i in self.items))

    @classmethod
    def load(
        cls, store: Store, actor: Actor, order_ids: Sequence[str], thread_id: str | None,
        acting_for: str | None = None,
    ) -> Facts:
        return cls(reply_facts(store.uow(), actor, order_ids, thread_id=thread_id,
                               acting_for=acting_for))

    def order_items(self, order_ids: Iterable[str]) -> list[str]:
        return [i.item_id for oid in order_ids if oid in self.orders
                for i in self.orders[oid].items]

    def orders_of(self, item_ids: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.items[i].order_id for i in item_ids if i in self.items))

    def refund_amounts(self, order_ids: Iterable[str]) -> set[Decimal]:
        """Every amount a true refund statement about these orders could name: each refund,
        each order's total, each refunded item."""
        amounts: set[Decimal] = set()
        for oid in order_ids:
            order = self.orders.get(oid)
            if order is None:
                continue
            amounts.update(order.refunds)
            if order.refunds:
                amounts.add(sum(order.refunds, Decimal("0.00")))
            amounts.update(i.amount for i in order.items if i.refunded)
        return amounts


@dataclass(frozen=True)
class TurnContext:
    """What the conversation says about this turn, read from the agent's memory: the user's
    latest message, the orders and items this turn's tools showed, every order seen."""

    user_text: str = ""
    turn_orders: tuple[str, ...] = ()
    turn_items: tuple[str, ...] = ()
    seen_orders: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_messages(cls, messages: Sequence[BaseMessage]) -> TurnContext:
        last_user = max((n for n, m in enumerate(messages) if isinstance(m, HumanMessage)),
                        default=-1)
        user_text = str(messages[last_user].content) if last_user >= 0 else ""
        seen: list[str] = []
        turn_orders: list[str] = []
        turn_items: list[str] = []
        for n, m in enumerate(messages):
            for data in _tool_data(m):
                orders, items = _orders_and_items(data)
                seen += orders
                if n > last_user:
                    turn_orders += orders
                    turn_items += items
        return cls(user_text, tuple(dict.fromkeys(turn_orders)),
                   tuple(dict.fromkeys(turn_items)), tuple(dict.fromkeys(seen)))


def _tool_data(message: BaseMessage) -> list[dict[str, Any]]:
    if not isinstance(message, ToolMessage) or not isinstance(message.content, str):
        return []
    try:
        data = json.loads(message.content)
    except ValueError:
        return []
    return [data] if isinstance(data, dict) else []


def _orders_and_items(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Order and item ids in a tool result: an order view, a list of orders (recent orders,
    check_cancelled), or a write tool's proposal."""
    orders: list[str] = []
    items: list[str] = []
    for order in [data, *(data.get("orders") or []), data.get("proposal") or {}]:
        if not isinstance(order, dict):
            continue
        if isinstance(order.get("order_id"), str):
            orders.append(order["order_id"])
        for item in order.get("items") or []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                items.append(item["id"])
    return orders, items
