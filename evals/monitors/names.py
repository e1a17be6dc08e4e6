"""For the claims monitor: the names a reply may use for the signed-in user's items and orders,
and what the store's tables show about them now and at the start of the dialog."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evals.dialog import Dialog
from evals.state import StoreState

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")
_STOP = frozenset({"the", "and", "for", "with", "set", "pack", "your", "card", "case", "stand",
                   "light", "lights", "order", "item", "items", "gift", "box", "bag"})
Span = tuple[int, int, frozenset[str], str, str]  # start, end, item ids, item|order, order id


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    order_id: str
    seller: str | None


class Names:
    def __init__(self, items: Iterable[Item]) -> None:
        self.items = {i.id: i for i in items}
        self.sellers = tuple(sorted({i.seller for i in self.items.values() if i.seller}))
        self._words: dict[str, set[str]] = {}
        for i in self.items.values():
            for w in _TOKEN.findall(i.title.lower()):
                if len(w) >= 3 and w not in _STOP:
                    self._words.setdefault(_singular(w), set()).add(i.id)

    @classmethod
    def of_world(cls, world: dict[str, Any], role: str, actor: str) -> Names:
        return cls(Item(str(i["id"]), str(i["title"]), str(o["id"]), i.get("seller"))
                   for o in world.get("orders", []) for i in o["items"]
                   if role == "staff" or o["customer"] == actor)

    @classmethod
    def of_dialog(cls, dialog: Dialog) -> Names:
        return cls.of_world(dialog.world, dialog.role, dialog.actor)

    def titles(self) -> tuple[str, ...]:
        return tuple(i.title for i in self.items.values())

    def items_of(self, order_id: str) -> list[str]:
        return [i.id for i in self.items.values() if i.order_id == order_id]

    def orders_of(self, item_ids: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(self.items[i].order_id for i in item_ids if i in self.items))

    def find(self, text: str) -> list[frozenset[str]]:
        """The things `text` names, as item sets (an order: all its items)."""
        return [s[2] for s in self.find_spans(text)]

    def find_spans(self, text: str) -> list[Span]:
        spans: list[Span] = []
        taken: list[tuple[int, int]] = []

        def add(start: int, end: int, items: Iterable[str], kind: str, order: str = "") -> None:
            if not any(a < end and start < b for a, b in taken):
                taken.append((start, end))
                spans.append((start, end, frozenset(items), kind, order))

        orders = {i.order_id for i in self.items.values()}
        for oid in sorted(orders, key=len, reverse=True):
            for m in re.finditer(rf"(?<![\w-]){re.escape(oid)}(?![\w-])", text, re.I):
                add(m.start(), m.end(), self.items_of(oid), "order", oid)
        for i in sorted(self.items.values(), key=lambda i: -len(i.title)):
            for m in re.finditer(rf"(?<!\w){re.escape(i.title)}", text, re.I):
                add(m.start(), m.end(), [x.id for x in self.items.values()
                                         if x.title == i.title], "item")
        for i in self.items.values():
            if i.seller:
                for m in re.finditer(rf"(?<!\w){re.escape(i.seller)}(?!\w)", text, re.I):
                    add(m.start(), m.end(), [x.id for x in self.items.values()
                                             if x.seller == i.seller], "item")
            if any(c.isdigit() for c in i.id):
                for m in re.finditer(rf"(?<![\w-]){re.escape(i.id)}(?![\w-])", text, re.I):
                    add(m.start(), m.end(), [i.id], "item")
        self._partial(text, add)
        return sorted(spans)

    def _partial(self, text: str, add: Any) -> None:
        run: list[re.Match[str]] = []
        for m in [*_TOKEN.finditer(text), None]:
            known = m is not None and _singular(m.group().lower()) in self._words
            if known and m is not None and (not run or not text[run[-1].end():m.start()].strip()):
                run.append(m)
                continue
            if run:
                score: dict[str, int] = {}
                for r in run:
                    for i in self._words[_singular(r.group().lower())]:
                        score[i] = score.get(i, 0) + 1
                best = max(score.values())
                add(run[0].start(), run[-1].end(), [i for i, s in score.items() if s == best],
                    "item")
            run = [m] if known and m is not None else []


def _singular(word: str) -> str:
    word = word.removesuffix("'s")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and len(word) > 4 and word[-3] in "sxz":
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 \
        else word


_STATE_OK = {"shipped": {"shipped", "delivered"}, "unshipped": {"unshipped", "pending"},
             "pending": {"pending", "unshipped"}, "processing": {"processing"},
             "delivered": {"delivered"}}


class Ledger:
    """What the store's tables show now, and what changed since the dialog began."""

    def __init__(self, now: StoreState, initial: StoreState) -> None:
        self.status = {i.id: i.status for i in now.items.values()}
        self.amount = {i.id: i.amount for i in now.items.values()}
        self.refunded = {i for r in now.refunds for i in r.item_ids}
        self.refunds = now.refunds
        self.emailed = {str(r["order_id"]) for r in now.raw["emails"]}
        self.requests = {str(r["item_id"]): str(r["status"]) for r in now.raw["seller_requests"]}
        self.flags = {str(r["item_id"]) for r in now.raw["refusal_flags"]}
        self._orders = {i.id: i.order_id for i in now.items.values()}
        self._before = (
            {i.id: i.status for i in initial.items.values()},
            {i for r in initial.refunds for i in r.item_ids},
            {str(r["order_id"]) for r in initial.raw["emails"]},
            {str(r["item_id"]): str(r["status"]) for r in initial.raw["seller_requests"]},
            {str(r["item_id"]) for r in initial.raw["refusal_flags"]},
        )

    def holds(self, kind: str, item: str, state: str = "") -> bool:
        status = self.status.get(item)
        if status is None:
            return False
        if kind == "state":
            return status in _STATE_OK.get(state, {state})
        if kind == "cancel":
            return status == "cancelled"
        if kind == "not_cancel":
            return status != "cancelled"
        if kind == "refund":
            return item in self.refunded
        if kind == "request":
            return item in self.requests
        if kind in ("approved", "denied"):
            return self.requests.get(item) == kind
        if kind == "flag":
            return item in self.flags
        return status == "cancelled" or item in self.requests or item in self.flags

    def describe(self, item: str) -> str:
        parts = [self.status.get(item, "unknown")]
        parts += ["refunded"] if item in self.refunded else []
        parts += [f"seller request {self.requests[item]}"] if item in self.requests else []
        parts += ["refusal flagged"] if item in self.flags else []
        return "/".join(parts)

    def changed(self, kind: str) -> list[str]:
        """Items that got this outcome during the dialog."""
        status, refunded, emailed, requests, flags = self._before
        moved = {i for i, s in self.status.items() if s != status.get(i)}
        got = {
            "cancel": {i for i in moved if self.status[i] == "cancelled"},
            "refund": self.refunded - refunded,
            "email": {i for i, o in self._orders.items() if o in self.emailed - emailed},
            "request": set(self.requests) - set(requests),
            "approved": {i for i, s in self.requests.items()
                         if s == "approved" and requests.get(i) != s},
            "denied": {i for i, s in self.requests.items()
                       if s == "denied" and requests.get(i) != s},
            "flag": self.flags - flags,
            "state": moved,
        }
        got["partial"] = got["cancel"]
        got["done"] = got["cancel"] | got["request"] | got["flag"]
        return sorted(got.get(kind, set()))

    def partially_cancelled(self, items: list[str]) -> bool:
        cancelled = sum(self.status.get(i) == "cancelled" for i in items)
        return 0 < cancelled < len(items)

    def refund_amounts(self, orders: list[str]) -> set[Decimal]:
        amounts: set[Decimal] = set()
        for oid in orders:
            mine = [r for r in self.refunds if r.order_id == oid]
            amounts.update(r.amount for r in mine)
            if mine:
                amounts.add(sum((r.amount for r in mine), Decimal("0.00")))
            amounts.update(self.amount[i] for i in self.refunded if self._orders.get(i) == oid)
        return amounts
