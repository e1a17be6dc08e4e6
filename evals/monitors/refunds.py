"""P8, P9, P11: no item refunded twice, no refund that isn't exactly its items' price x qty,
no order refunded more than its cancelled items are worth."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from evals.monitors.steps import Step
from evals.results import Breach
from evals.state import StoreState


def breaches(steps: list[Step]) -> Iterator[Breach]:
    reported: set[str] = set()
    for step in steps:
        for detail in _refund_problems(step.after):
            if detail not in reported:
                reported.add(detail)
                yield Breach("refunds", step.turn.index, detail)


def _refund_problems(state: StoreState) -> Iterator[str]:
    items = state.items
    seen: dict[str, int] = {}
    for r in state.refunds:
        for item_id in r.item_ids:
            if item_id in seen:
                yield f"item {item_id} refunded twice (refunds {seen[item_id]} and {r.id})"
            seen.setdefault(item_id, r.id)
            item = items.get(item_id)
            if item is None or item.status != "cancelled":
                yield f"item {item_id} refunded but not cancelled"
        worth = sum((items[i].amount for i in r.item_ids if i in items), Decimal("0.00"))
        if r.amount != worth:
            yield f"refund {r.id} on {r.order_id} is {r.amount}, its items are worth {worth}"
    for order_id, total in state.refunded().items():
        cancelled = sum((i.amount for i in items.values()
                         if i.order_id == order_id and i.status == "cancelled"), Decimal("0.00"))
        if total > cancelled:
            yield f"order {order_id} refunded {total}, more than its cancelled items {cancelled}"
