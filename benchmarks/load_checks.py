"""The world `benchmarks/load.py` runs on, and the invariants it checks afterwards with SQL
of its own (not the app's code): no write without a confirmed proposal, one refund and one
e-mail per confirmed cancellation, nothing told as done that was not, no history lost."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.load_users import Task

TITLES = ("Desk lamp", "Travel mug", "Notebook", "Phone stand", "Wall clock", "Tote bag")


def world(users: int, rounds: int) -> tuple[dict[str, Any], dict[str, list[Task]]]:
    """Per user, `rounds` recent shop orders of two unshipped items: each can be cancelled."""
    placed = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    customers, orders, tasks = [], [], {}
    for u in range(users):
        email = f"load{u}@example.com"
        customers.append({"email": email, "name": f"Load User {u}", "postcode": "10115"})
        mine = []
        for r in range(rounds):
            order_id = f"{700 + r:03d}-{u:07d}"
            items = [{"id": f"L{u}R{r}I{k}", "title": f"{TITLES[(u + r + k) % len(TITLES)]}",
                      "price": "19.90", "qty": 1, "status": "unshipped"} for k in range(2)]
            orders.append({"id": order_id, "customer": email, "placed_at": placed,
                           "items": items})
            mine.append(Task(order_id, f"L{u}R{r}I0", str(items[0]["title"])))
        tasks[email] = mine
    return {"now": datetime.now(UTC).isoformat(), "customers": customers, "staff": [],
            "orders": orders}, tasks


def invariants(engine: Engine, told_cancelled: set[str]) -> list[str]:
    """What is broken (empty: all hold)."""
    broken: list[str] = []
    with engine.connect() as conn:
        proposals = {r.id: r for r in conn.execute(text(
            "SELECT id, item_ids, status, order_id FROM proposals WHERE kind = 'cancel'"))}
        cancellations = list(conn.execute(text(
            "SELECT item_id, proposal_id, order_id FROM cancellations")))
        cancelled = {r.id: r for r in conn.execute(text(
            "SELECT id, order_id, qty, unit_price FROM items WHERE status = 'cancelled'"))}
        refunds = list(conn.execute(text("SELECT order_id, amount FROM refunds")))
        emails = list(conn.execute(text("SELECT order_id FROM emails")))
    confirmed = {pid for pid, p in proposals.items() if p.status == "confirmed"}
    for c in cancellations:
        p = proposals.get(c.proposal_id)
        if p is None or p.status != "confirmed" or c.item_id not in (p.item_ids or []):
            broken.append(f"item {c.item_id} cancelled without a confirmed proposal for it")
    if {c.item_id for c in cancellations} != set(cancelled):
        broken.append("cancelled items and cancellation records differ")
    due: dict[str, Decimal] = defaultdict(Decimal)
    for item in cancelled.values():
        due[item.order_id] += Decimal(item.unit_price) * item.qty
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for r in refunds:
        paid[r.order_id] += Decimal(r.amount)
    if dict(due) != dict(paid):
        broken.append(f"refunds differ from cancelled amounts in "
                      f"{len(set(due.items()) ^ set(paid.items()))} orders")
    if len(refunds) != len(confirmed):
        broken.append(f"{len(refunds)} refunds for {len(confirmed)} confirmed cancellations")
    if len(emails) != len(confirmed):
        broken.append(f"{len(emails)} e-mails for {len(confirmed)} confirmed cancellations")
    if lies := told_cancelled - set(cancelled):
        broken.append(f"{len(lies)} items told cancelled that are not")
    return broken


def stored_user_messages(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM chat_steps WHERE type = 'user_message'")).scalar_one())
