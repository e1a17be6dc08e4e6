"""Deterministic wording for what the core decided: proposals, confirmations, refusals.

These texts never come from a model: amounts, items and outcomes are exactly the tool's
(P12), and the same facts always read the same way.
"""

from __future__ import annotations

from typing import Any

from store.domain.model import Reason

REASON_LIST = ", ".join(r.label.lower() for r in Reason)
_ACTION = {
    "cancel": "cancel",
    "seller_request": "send a cancellation request to the seller for",
    "refusal": "tell the returns center you will refuse the delivery of",
}


def proposal_text(proposal: dict[str, Any]) -> str:
    lines = [f"- {i['title']} ×{i['qty']} ({i['amount']})" for i in proposal["items"]]
    action = proposal["action"]
    head = f"I can {_ACTION[action]} these items of order {proposal['order_id']}:"
    if action == "cancel":
        tail = f"Refund: {proposal['refund']} to your original payment method."
    elif action == "seller_request":
        tail = (f"The seller decides whether to approve it; if they do, you get "
                f"{proposal['refund']} back. I can't promise the outcome.")
    else:
        tail = (f"Refuse the package at the door; once it is back you are refunded "
                f"{proposal['refund']}.")
    reason = proposal.get("reason")
    why = f"Reason: {Reason(reason).label.lower()}." if reason else ""
    return "\n".join([head, *lines, tail, why, "Shall I go ahead? (Confirm / Keep)"]).replace(
        "\n\n", "\n"
    )


def write_result_text(result: dict[str, Any]) -> str:
    """What to say for a write tool's result: a proposal, already done, or why not."""
    if not result.get("ok", False):
        return error_text(result)
    parts: list[str] = []
    for done in result.get("already_done", []):
        parts.append(f"Already done for {done['id']}: {done['why']}")
    if "proposal" in result:
        for item in result.get("not_included", []):
            parts.append(f"Not included — {item['title']}: {item['why']}")
        parts.append(proposal_text(result["proposal"]))
    elif not parts:
        parts.append("Nothing needs to be done.")
    return "\n".join(parts)


def error_text(result: dict[str, Any]) -> str:
    code = result.get("code")
    message = str(result.get("message", "That didn't work; nothing was changed."))
    if code == "reason_required":
        return f"Before I prepare that, why are you cancelling? Options: {REASON_LIST}."
    return message


def outcome_text(outcome: dict[str, Any]) -> str:
    titles = outcome.get("titles", {})
    names = ", ".join(titles.get(i, i) for i in outcome["done"])
    action = outcome["action"]
    lines: list[str] = []
    if outcome.get("already_confirmed"):
        lines.append("That was already confirmed; nothing more was changed.")
    if outcome["done"]:
        if action == "cancel":
            lines.append(
                f"Cancelled: {names} (order {outcome['order_id']}). Refund of "
                f"{outcome['refund']} to your original payment method. A confirmation e-mail "
                f"was sent to {outcome['email_to']}."
            )
        elif action == "seller_request":
            lines.append(
                f"Cancellation request sent to the seller for: {names}. The seller approves "
                "or denies it; you'll be notified either way."
            )
        else:
            lines.append(
                f"Refusal flagged for: {names}. Refuse the package at the door; the returns "
                "center will refund you once it is back."
            )
    for f in outcome.get("failed", []):
        lines.append(f"Not done — {f['title']} is now {f['status']}: {f['why']}")
    return "\n".join(lines)
