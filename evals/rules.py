"""The prose rules of dialog-format.md that a JSON Schema can't say: references between parts
of a dialog (an event or expectation naming an item the world doesn't have), unique ids,
parseable times, known tool names. Run only on a document the schema accepted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from evals.schema import SchemaProblem, where
from evals.yamlmarks import Marked, Path
from store.domain.model import valid_id
from tools.order_tools import STAFF_TOOLS

TOOL_NAMES = frozenset(t.name for t in STAFF_TOOLS)
_TOOL_KEYS = ("calls", "not_calls", "calls_exactly")
_TEXT_KEYS = ("says", "says_any", "not_says")


def parse_time(value: str) -> datetime | None:
    """ISO 8601 date and time ("Z" allowed); None if it isn't one."""
    if "T" not in value and " " not in value.strip():
        return None  # a bare date is not a moment; the 30-minute window needs the time
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def rule_problems(doc: Marked) -> list[SchemaProblem]:
    data: dict[str, Any] = doc.data
    index = _WorldIndex(data["world"])
    found = [
        *_world(doc, index),
        *_actor(doc, index),
        *_turns(doc, index),
        *_final(doc, index),
    ]
    return sorted(found, key=lambda p: p.line)


class _WorldIndex:
    def __init__(self, world: dict[str, Any]) -> None:
        self.customers = {c["email"] for c in world["customers"]}
        self.staff = {s["email"] for s in world.get("staff", [])}
        self.orders = {o["id"] for o in world["orders"]}
        self.item_order = {i["id"]: o["id"] for o in world["orders"] for i in o["items"]}


def _problem(doc: Marked, path: Path, message: str) -> SchemaProblem:
    return SchemaProblem(doc.line(path), message)


def _world(doc: Marked, index: _WorldIndex) -> Iterator[SchemaProblem]:
    world = doc.data["world"]
    if parse_time(world["now"]) is None:
        yield _problem(doc, ("world", "now"), f"world.now: {world['now']!r} is not an ISO "
                       'date-time such as "2026-11-26T10:00:00Z"')
    yield from _unique(doc, ("world", "customers"), "email", "customer e-mail")
    yield from _unique(doc, ("world", "staff"), "email", "staff e-mail")
    yield from _unique(doc, ("world", "orders"), "id", "order id")
    seen_items: dict[str, int] = {}
    for o, order in enumerate(world["orders"]):
        base: Path = ("world", "orders", o)
        yield from _order(doc, base, order, index)
        for i, item in enumerate(order["items"]):
            path: Path = (*base, "items", i, "id")
            if not valid_id(item["id"]):
                yield _problem(doc, path, f"{where(path)}: {item['id']!r} is not a valid id")
            if item["id"] in seen_items:
                yield _problem(doc, path, f"{where(path)}: item id {item['id']!r} is used "
                               f"twice (first on line {seen_items[item['id']]}); item ids are "
                               "unique across the world")
            seen_items.setdefault(item["id"], doc.line(path))


def _order(
    doc: Marked, base: Path, order: dict[str, Any], index: _WorldIndex
) -> Iterator[SchemaProblem]:
    if not valid_id(order["id"]):
        yield _problem(doc, (*base, "id"), f"{where((*base, 'id'))}: {order['id']!r} is not a "
                       "valid order id")
    if order["customer"] not in index.customers:
        yield _problem(doc, (*base, "customer"), f"{where((*base, 'customer'))}: "
                       f"{order['customer']!r} is not one of world.customers")
    if parse_time(order["placed_at"]) is None:
        yield _problem(doc, (*base, "placed_at"), f"{where((*base, 'placed_at'))}: "
                       f"{order['placed_at']!r} is not an ISO date-time")


def _unique(doc: Marked, path: Path, key: str, noun: str) -> Iterator[SchemaProblem]:
    seen: dict[str, int] = {}
    container: Any = doc.data
    for part in path:
        container = container.get(part, []) if isinstance(container, dict) else []
    for n, entry in enumerate(container):
        value = entry[key]
        if value in seen:
            yield _problem(doc, (*path, n, key), f"{where((*path, n, key))}: {noun} "
                           f"{value!r} is used twice (first on line {seen[value]})")
        seen.setdefault(value, doc.line((*path, n, key)))


def _actor(doc: Marked, index: _WorldIndex) -> Iterator[SchemaProblem]:
    actor = doc.data["as"]
    if "customer" in actor and actor["customer"] not in index.customers:
        yield _problem(doc, ("as", "customer"),
                       f"as.customer: {actor['customer']!r} is not one of world.customers")
    if "staff" in actor and actor["staff"] not in index.staff:
        yield _problem(doc, ("as", "staff"),
                       f"as.staff: {actor['staff']!r} is not one of world.staff")


def _turns(doc: Marked, index: _WorldIndex) -> Iterator[SchemaProblem]:
    for n, turn in enumerate(doc.data["turns"]):
        base: Path = ("turns", n)
        for kind, item in (turn.get("event") or {}).items():
            if item not in index.item_order:
                yield _problem(doc, (*base, "event", kind),
                               f"{where((*base, 'event', kind))}: no item {item!r} in the world")
        if "expect" in turn:
            yield from _expect(doc, (*base, "expect"), turn["expect"], index)


def _expect(
    doc: Marked, base: Path, expect: dict[str, Any], index: _WorldIndex
) -> Iterator[SchemaProblem]:
    for key in _TOOL_KEYS:
        for n, name in enumerate(expect.get(key, [])):
            if name not in TOOL_NAMES:
                yield _problem(doc, (*base, key, n), f"{where((*base, key, n))}: unknown tool "
                               f"{name!r} (tools: {', '.join(sorted(TOOL_NAMES))})")
    for key in _TEXT_KEYS:
        for n, text in enumerate(expect.get(key, [])):
            if not text.strip():
                yield _problem(doc, (*base, key, n),
                               f"{where((*base, key, n))}: an empty string matches any reply")
    proposal = expect.get("proposal")
    if isinstance(proposal, dict):
        path: Path = (*base, "proposal", "items")
        if not proposal["items"]:
            yield _problem(doc, path, f"{where(path)} is empty: write `proposal: none`")
        for n, item in enumerate(proposal["items"]):
            if item not in index.item_order:
                yield _problem(doc, (*path, n), f"{where((*path, n))}: no item {item!r} "
                               "in the world")


def _final(doc: Marked, index: _WorldIndex) -> Iterator[SchemaProblem]:
    final = doc.data.get("final") or {}
    for item in final.get("items", {}):
        if item not in index.item_order:
            yield _problem(doc, ("final", "items", item),
                           f"final.items: no item {item!r} in the world")
    for order in final.get("refunds", {}):
        if order not in index.orders:
            yield _problem(doc, ("final", "refunds", order),
                           f"final.refunds: no order {order!r} in the world")
    for n, email in enumerate(final.get("emails", [])):
        if email["about"] not in index.orders:
            yield _problem(doc, ("final", "emails", n, "about"),
                           f"final.emails[{n}].about: no order {email['about']!r} in the world")
    for key in ("seller_requests", "refusals"):
        for n, pair in enumerate(final.get(key, [])):
            owner = index.item_order.get(pair["item"])
            if owner != pair["order"]:
                what = "no item" if owner is None else "the item is not part of order"
                yield _problem(doc, ("final", key, n), f"final.{key}[{n}]: {what} "
                               f"{pair['item'] if owner is None else pair['order']!r}")
