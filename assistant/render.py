"""Fixed wording for what the core decided: proposals, confirmations, refusals.

These texts never come from a model: amounts, items and outcomes are exactly the core's
(P12), and the same facts always read the same way. A proposal says what would happen *if*
the user confirms, and what stays; an outcome says what happened. Customers see titles and
plain words; staff also see item ids.
"""

from __future__ import annotations

from typing import Any

from store.amounts import money as money  # the chat's amounts: the same as e-mails' and desks'
from store.domain.model import Reason

REASON_LIST = ", ".join(r.label.lower() for r in Reason)
_ACTION = {
    "cancel": "cancel",
    "seller_request": "send the seller a cancellation request for",
    "refusal": "tell the returns center that {who} will refuse the delivery of",
}
CONFIRM_HINT = "Press Confirm to go ahead, or Keep to leave everything as it is."


def _name(item: dict[str, Any], staff: bool) -> str:
    return f"{item['id']} {item['title']}" if staff else str(item["title"])


def proposal_text(proposal: dict[str, Any], *, staff: bool = False) -> str:
    who = "the caller" if staff else "you"
    action = proposal["action"]
    verb = _ACTION[action].format(who=who)
    lines = [f"I can {verb} these items of order {proposal['order_id']}:"]
    cur = proposal.get("currency")
    lines += [f"- {_name(i, staff)} ×{i['qty']} ({money(i['amount'], cur)})"
              for i in proposal["items"]]
    kept = proposal.get("kept") or []
    if kept:
        lines.append("Stays in the order: " + ", ".join(_name(i, staff) for i in kept) + ".")
    refund = money(proposal["refund"], cur)
    if action == "cancel":
        lines.append(f"If {who} confirm{'s' if staff else ''}, {refund} goes back to the original "
                     "payment method and a confirmation e-mail follows.")
    elif action == "seller_request":
        lines.append(f"The seller decides whether to approve it; if they do, {refund} is "
                     "refunded. I can't promise the outcome.")
    else:
        lines.append(f"Refuse the package at the door; once it is back at the returns center, "
                     f"{refund} is refunded.")
    reason = proposal.get("reason")
    if reason:
        text = proposal.get("reason_text")
        label = Reason(reason).label.lower()
        lines.append(f"Reason: {label}" + (f" ({text})." if text else "."))
    lines.append(CONFIRM_HINT)
    return "\n".join(lines)


def write_result_text(result: dict[str, Any], *, staff: bool = False) -> str:
    """What to say for a write tool's result: a proposal, already done, or why not."""
    if not result.get("ok", False):
        return error_text(result)
    parts: list[str] = []
    for done in result.get("already_done", []):
        title = done.get("title") or done.get("id")
        parts.append(f"Already done — {title}: {done['why']}")
    if "proposal" in result:
        for item in result.get("not_included", []):
            parts.append(f"Not included — {item['title']}: {item['why']}")
        parts.append(proposal_text(result["proposal"], staff=staff))
    elif not parts:
        parts.append("Nothing needs to be done.")
    return "\n".join(parts)


def error_text(result: dict[str, Any]) -> str:
    code = result.get("code")
    message = str(result.get("message", "That didn't work; nothing was changed."))
    if code == "reason_required":
        return f"Before I prepare that, why are you cancelling? Options: {REASON_LIST}."
    return message


def outcome_text(outcome: dict[str, Any], *, staff: bool = False) -> str:
    titles = outcome.get("titles", {})
    names = ", ".join(titles.get(i, i) for i in outcome["done"])
    action = outcome["action"]
    lines: list[str] = []
    if outcome.get("already_confirmed"):
        lines.append("That was already confirmed; nothing more was changed.")
    if outcome["done"]:
        if action == "cancel":
            refund = money(outcome["refund"], outcome.get("currency"))
            lines.append(
                f"Cancelled: {names} (order {outcome['order_id']}). Refund of "
                f"{refund} to the original payment method. A confirmation "
                f"e-mail was sent to {outcome['email_to']}."
            )
        elif action == "seller_request":
            lines.append(
                f"Cancellation request sent to the seller for: {names}. The seller approves "
                "or denies it; you'll be notified either way."
            )
        else:
            lines.append(
                f"Refusal recorded for: {names}. Refuse the package at the door; the returns "
                "center refunds it once it is back."
            )
    for f in outcome.get("failed", []):
        lines.append(f"Not done — {f['title']} is now {f['status']}: {f['why']}")
    return "\n".join(lines)


def pending_reminder(proposal: dict[str, Any], *, staff: bool = False) -> str:
    """Said after any reply while a proposal waits, so a typed yes always knows its object."""
    names = ", ".join(_name(i, staff) for i in proposal.get("items", []))
    what = {"cancel": "cancelling", "seller_request": "the seller request for",
            "refusal": "the refusal of"}.get(str(proposal.get("action")), "the change to")
    return (f"Still waiting for your answer: {what} {names} (order {proposal.get('order_id')}). "
            "Press Confirm, or type yes; Keep leaves everything as it is.")


def check_summary(entries: list[dict[str, Any]], expected: dict[str, set[str]], *,
                  staff: bool) -> str:
    """P14's answer from `check_cancelled`'s orders: what is cancelled, refunded and
    e-mailed, seller answers, refusals; `expected` (order -> item ids the user expects
    cancelled) adds what is missing, with where to go."""
    lines: list[str] = []
    missing: list[str] = []
    for entry in entries:
        oid = str(entry.get("order_id"))
        items = [i for i in entry.get("items", []) if isinstance(i, dict)]
        done = [str(i.get("title")) for i in items if i.get("status") == "cancelled"]
        if done:
            refunded = money(entry.get("refunded"), entry.get("currency"))
            lines.append(f"Order {oid}: cancelled — {', '.join(done)}. Refunded so far: "
                         f"{refunded}; confirmation e-mails sent: "
                         f"{entry.get('confirmation_emails')}.")
        for i in items:
            answer = i.get("seller_request")
            if answer:
                state = ("is waiting for the seller's answer (they decide)"
                         if answer == "pending" else f"was {answer} by the seller")
                lines.append(f"The cancellation request for {i.get('title')} {state}.")
            if i.get("refusal_flagged") and i.get("status") != "cancelled":
                lines.append(f"{i.get('title')}: the returns center expects it back (refusal "
                             "recorded); the refund follows once it is back.")
        want = expected.get(oid, set())
        missing += [str(i.get("title")) for i in items
                    if str(i.get("id")) in want and i.get("status") != "cancelled"
                    and not i.get("seller_request") and not i.get("refusal_flagged")]
    if not lines:
        only = f" for order {entries[0].get('order_id')}" if len(entries) == 1 else ""
        lines.append(f"I don't see any cancellation recorded{only}.")
    if missing:
        lines.append(f"I don't see a cancellation of {', '.join(missing)}. Please contact "
                     "support at once so they can look into it" + (" (P14)." if staff else "."))
    elif not any("cancelled —" in line or "request" in line or "returns center" in line
                 for line in lines):
        lines.append("If you expected a cancellation here, please contact support at once.")
    return "\n".join(lines)
