"""What the screen says about the work behind a reply, for the person reading it.

Customers see what a shop would show them: tool activity as a plain line ("Looked up order
112-0000001"), titles instead of item ids, no rule ids. Staff see the same lines and may
expand each one for the tool's arguments and result, rule ids included. The facts themselves
are never reworded here: only labels and the removal of internal references.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from assistant.reply import Reply, ToolEvent

# "(P14)", "(P5, P7)", "(rules P3 and P10)": policy references written for staff and evals.
_RULE_IDS = re.compile(
    r"\s*\((?:rules?\s+)?P\d{1,2}(?:\s*(?:,|/|and)\s*P\d{1,2})*\)", re.IGNORECASE)
_PROPOSING = {
    "cancel_items": ("Prepared the cancellation for you to check: nothing is cancelled yet",
                     "Prepared the cancellation for the caller to check: nothing is "
                     "cancelled yet"),
    "request_seller_cancellation": (
        "Prepared a request to the seller for you to check: nothing is sent yet",
        "Prepared a request to the seller for the caller to check: nothing is sent yet"),
    "flag_refusal": (
        "Prepared the refusal notice for you to check: nothing is recorded yet",
        "Prepared the refusal notice for the caller to check: nothing is recorded yet"),
}


def without_rule_ids(text: str) -> str:
    return _RULE_IDS.sub("", text)


def titles_in(reply: Reply) -> dict[str, str]:
    """Item id -> title, from everything the tools returned this turn."""
    titles: dict[str, str] = {}
    for order in reply.orders:
        _collect(order.get("items"), titles)
    for event in reply.tool_events:
        result = event.result
        _collect(result.get("items"), titles)
        _collect(result.get("already_done"), titles)
        _collect(result.get("not_included"), titles)
        proposal = result.get("proposal")
        if isinstance(proposal, dict):
            _collect(proposal.get("items"), titles)
            _collect(proposal.get("kept"), titles)
        for order in result.get("orders") or []:
            if isinstance(order, dict):
                _collect(order.get("items"), titles)
    for source in (reply.proposal, reply.outcome):
        if source:
            _collect(source.get("items"), titles)
            titles.update({str(k): str(v) for k, v in (source.get("titles") or {}).items()})
    return titles


def _collect(items: Any, into: dict[str, str]) -> None:
    for item in items or []:
        if isinstance(item, dict) and item.get("id") and item.get("title"):
            into[str(item["id"])] = str(item["title"])


def for_customer(text: str, titles: Mapping[str, str]) -> str:
    """A customer's text: rule ids dropped, item ids the core knows named by their titles."""
    text = without_rule_ids(text)
    for item_id in sorted(titles, key=len, reverse=True):  # "A12" before "A1"
        text = re.sub(rf"(?<![\w-]){re.escape(item_id)}(?![\w-])", titles[item_id], text)
    return text


def step_label(event: ToolEvent, *, staff: bool) -> str:
    """One plain line for a tool call: what was done, never that something changed before
    it did (a proposal is "prepared ... nothing is cancelled yet")."""
    name, args, result = event.name, event.args, event.result
    ok = bool(result.get("ok", True))
    order_id = args.get("order_id") or result.get("order_id")
    whose = "the" if staff else "your"
    if name == "lookup_order":
        if order_id:
            return f"Looked up order {order_id}" if ok else f"Looked for order {order_id}"
        return f"Looked up {whose} recent orders"
    if name in _PROPOSING:
        if ok and "proposal" in result:
            return _PROPOSING[name][1 if staff else 0]
        return f"Checked order {order_id}" if order_id else "Checked the order"
    if name == "check_cancelled":
        return f"Checked {whose} cancellations"
    if name == "hand_off_to_staff":
        return "Passed the request to the support team" if ok else "Tried to reach the team"
    if name == "verify_caller":
        return "Checked the caller's details"
    return "Checked the order system"


def step_lines(events: Iterable[ToolEvent], *, staff: bool) -> list[str]:
    return [step_label(e, staff=staff) for e in events]


def keep_label(*, staff: bool) -> str:
    return "Keep the order as it is" if staff else "Keep my order"
