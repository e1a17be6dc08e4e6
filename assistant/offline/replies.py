"""What the offline model says. Every fact in a reply comes from a tool result (P12).

Some sentences double as markers: the model is stateless, so on the next message it reads its
own last reply to know what it had offered ("Shall I send ... a cancellation request") or asked
("Options: ordered by mistake, ..."). Those constants are shared with `state.py`; change them
together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.offline.facts import ItemFact, OrderFact

REASON_LIST = "ordered by mistake, no longer needed, found a better price, delivery too slow, other"
ASK_REASON = "Options: ordered by mistake"  # also in render.error_text for reason_required
CLARIFY = "I'm not sure I understood"
OFFER_SELLER = "Shall I send the seller a cancellation request"
OFFER_REFUSAL = "Shall I tell the returns center to expect"
OFFER_CANCEL = "Shall I cancel"
OFFER_HANDOFF = "Shall I hand you over to a support person"
_OFFERS = (
    (OFFER_HANDOFF, "handoff"), (OFFER_SELLER, "seller_request"),
    (OFFER_REFUSAL, "refusal"), (OFFER_CANCEL, "cancel"),
)
_SUCCESS = ("Cancelled: ", "Cancellation request sent", "Refusal flagged",
            "That was already confirmed")
_FAILED = re.compile(r"Not done — (.+?) is now (\w+):")
SCOPE = ("I can help you cancel orders or items, ask a seller to cancel, arrange a refusal "
         "at the door, check whether a cancellation went through, or hand you to a person.")


def offer_in(text: str) -> str | None:
    """What the assistant's last reply offered, if anything (the first offer counts)."""
    found = [(text.find(marker), kind) for marker, kind in _OFFERS if marker in text]
    return min(found)[1] if found else None


def is_success(text: str) -> bool:
    return any(marker in text for marker in _SUCCESS)


def failed_titles(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in _FAILED.finditer(text)}


def titles(items: Iterable[ItemFact]) -> str:
    names = [i.title for i in items]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def item_line(item: ItemFact, staff: bool) -> str:
    if staff:
        rules = f" [{', '.join(item.rules)}]" if item.rules else ""
        seller = "" if item.seller == "shop" else f", sold by {item.seller}"
        return (f"- {item.id} {item.title} ×{item.qty} ({item.status}{seller}): "
                f"{_can_label(item)}. {item.why}{rules}")
    return f"- {item.title}: {item.why}" if item.why else f"- {item.title}: {item.status}"


def _can_label(item: ItemFact) -> str:
    if item.already_done:
        return "already done"
    return {
        "cancel": "cancellable now",
        "request_seller": "only the seller can cancel (seller request)",
        "refuse_at_door": "not cancellable; can be refused at the door",
        "wait_then_refuse": "not cancellable; refusable at the door once shipped",
        "return_instead": "not cancellable; return only",
        "already_cancelled": "already cancelled",
    }.get(item.can, item.status or "unknown")


def reason_question(staff: bool) -> str:
    who = "Why is the caller cancelling?" if staff else "Why are you cancelling?"
    return f"{who} Options: {REASON_LIST} (for other, tell me briefly why)."


def order_items(order: OrderFact, items: Sequence[ItemFact], staff: bool) -> str:
    head = f"Order {order.id}" + (f" ({order.status})" if order.status else "") + ":"
    return "\n".join([head, *(item_line(i, staff) for i in items)])


def alternatives(items: Sequence[ItemFact], staff: bool) -> tuple[list[str], str | None]:
    """Per-item notes for what can't be cancelled, and the one offer that fits them."""
    notes: list[str] = []
    offer: str | None = None
    sellable = [i for i in items if i.can == "request_seller" and not i.already_done]
    refusable = [i for i in items if i.can == "refuse_at_door" and not i.already_done]
    for item in items:
        if item.can != "cancel":
            notes.append(f"{item.title}: {item.why}" if item.why else
                         f"{item.title} is {item.status}.")
    if sellable:
        seller = sellable[0].seller
        offer = (f"{OFFER_SELLER} for {titles(sellable)}? {seller} decides whether to "
                 "approve it.")
    elif refusable:
        you = "the caller" if staff else "you"
        offer = (f"{OFFER_REFUSAL} {titles(refusable)} back, so {you} can refuse the package "
                 "at the door and be refunded once it is returned?")
    elif any(i.can == "return_instead" for i in items):
        offer = ("I can't start a return in this chat. "
                 f"{OFFER_HANDOFF} who can help with the return?")
    return notes, offer


def list_orders(orders: Sequence[OrderFact]) -> str:
    lines = []
    for o in orders:
        date = o.placed_at[:10]
        lines.append(f"- {o.id} ({date}, {o.status}): {titles(o.items)}")
    return "\n".join(lines)


def check_summary(
    entries: Sequence[dict[str, Any]], expected: dict[str, set[str]], pending: str | None,
) -> str:
    """P14: what check_cancelled reports; anything expected but missing -> contact support."""
    lines: list[str] = []
    missing: list[str] = []
    for entry in entries:
        oid = str(entry.get("order_id"))
        items = [i for i in entry.get("items", []) if isinstance(i, dict)]
        done = [str(i.get("title")) for i in items if i.get("status") == "cancelled"]
        if done:
            lines.append(f"Order {oid} ({entry.get('status')}): cancelled — {', '.join(done)}. "
                         f"Refunded so far: {entry.get('refunded')}; confirmation e-mails "
                         f"sent: {entry.get('confirmation_emails')}.")
        for i in items:
            answer = i.get("seller_request")
            if answer:
                state = ("is awaiting the seller's answer (they decide)"
                         if answer == "pending" else f"was {answer} by the seller")
                lines.append(f"The cancellation request for {i.get('title')} {state}.")
            if i.get("refusal_flagged"):
                lines.append(f"{i.get('title')}: the returns center expects it back (refusal "
                             "flagged).")
        want = expected.get(oid, set())
        # A seller's answer or a refusal is reported above; only a cancellation the user
        # expects and the store lacks sends them to support (P14).
        missing += [str(i.get("title")) for i in items
                    if str(i.get("id")) in want and i.get("status") != "cancelled"
                    and not i.get("seller_request") and not i.get("refusal_flagged")]
    if not lines:
        lines.append("I don't see any cancellation recorded" + (
            f" for order {entries[0].get('order_id')}." if len(entries) == 1 else "."))
    if missing:
        lines.append(f"I don't see a cancellation of {', '.join(missing)}. Please contact support "
                     "at once so they can look into it.")
    elif not any("cancelled —" in line or "request" in line or "refusal" in line
                 for line in lines):
        lines.append("If you expected a cancellation here, please contact support at once.")
    if pending:
        lines.append(pending)
    return "\n".join(lines)


def handoff_done(ticket: Any) -> str:
    return (f"I've passed this to our support team (ticket {ticket}). A person will pick it up "
            "here shortly.")


def not_found_items(order: OrderFact, leftover: Sequence[str]) -> str:
    return (f"I couldn't find \"{' '.join(leftover)}\" in order {order.id}. It contains: "
            f"{titles(order.items)}. Which of these do you mean?")


def which_items(order: OrderFact, staff: bool) -> str:
    return (order_items(order, order.items, staff)
            + "\nWhich of these items should I cancel (or all of them)?")


def ambiguous(order: OrderFact, groups: Sequence[tuple[str, ...]]) -> str:
    names = [f"{i.title} ({i.id})" for g in groups for iid in g if (i := order.item(iid))]
    return f"Do you mean {' or '.join(names)}?"
