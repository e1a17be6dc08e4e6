"""What the dialogue manager says, in English. Every fact in a sentence comes from a tool
result (P12); no sentence is read back later to learn what was said (the state is data).

Customers get shop wording (titles, no ids, no rule ids); staff get the ids and rule ids
they work with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from assistant.dialogue.facts import ItemFact, OrderFact

REASON_LIST = ("ordered by mistake, no longer needed, found a better price, delivery too slow, "
               "other")
SCOPE = ("I can cancel orders or items, ask a third-party seller to cancel, arrange refusing a "
         "parcel at the door, check whether a cancellation went through, or put you in touch "
         "with a person.")
STAFF_SCOPE = ("Give me an order number to see what can be done with each item, or a caller's "
               "order number plus their account e-mail or shipping postcode to act for them.")


def titles(items: Iterable[ItemFact]) -> str:
    names = [i.title for i in items]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def reason_question(staff: bool) -> str:
    who = "Why is the caller cancelling?" if staff else "Why are you cancelling?"
    return f"{who} Options: {REASON_LIST} (for other, say briefly why)."


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


def item_line(item: ItemFact, staff: bool) -> str:
    if staff:
        rules = f" [{', '.join(item.rules)}]" if item.rules else ""
        seller = "" if item.seller == "shop" else f", sold by {item.seller}"
        return (f"- {item.id} {item.title} ×{item.qty} ({item.status}{seller}): "
                f"{_can_label(item)}. {item.why}{rules}")
    state = item.status if item.status != "unshipped" else "not shipped yet"
    return f"- {item.title} ({state}): {item.why}" if item.why else f"- {item.title}: {state}"


def order_items(order: OrderFact, items: Sequence[ItemFact], staff: bool) -> str:
    head = f"Order {order.id}" + (f" ({order.status})" if order.status else "") + ":"
    return "\n".join([head, *(item_line(i, staff) for i in items)])


def list_orders(orders: Sequence[OrderFact]) -> str:
    return "\n".join(f"- {o.id} ({o.placed_at[:10]}, {o.status}): {titles(o.items)}"
                     for o in orders)


def not_now(items: Sequence[ItemFact], staff: bool) -> list[str]:
    """Why each of these items can't take the change asked for, and what can be done
    instead, as an instruction (a yes/no question would need its own proposal, P7)."""
    you = "the caller" if staff else "you"
    lines = []
    for item in items:
        why = item.why or f"It is {item.status}."
        if item.can == "request_seller" and not item.already_done:
            why += f" Say \"ask the seller\" and I'll prepare a request to {item.seller}."
        elif item.can == "refuse_at_door" and not item.already_done:
            why += (f" Say \"refuse it\" and I'll tell the returns center that {you} will "
                    "refuse it.")
        elif item.can == "return_instead":
            why += " Returns aren't handled in this chat; ask for a person if you need help."
        lines.append(f"{item.title}: {why}")
    return lines


def ambiguous(candidates: Sequence[ItemFact], staff: bool) -> str:
    names = [f"{i.title} ({i.id})" if staff else i.title for i in candidates]
    head = " or ".join(f"the {n}" if not staff else n for n in names)
    return f"Do you mean {head}? Tell me which one."


def not_found_words(orders: Sequence[OrderFact], staff: bool = False) -> str:
    """Nothing matched what the user named. Their words are not repeated back: they may
    name another account's item (P1)."""
    items = [i for o in orders for i in o.items]
    if staff:  # staff see only the orders whose numbers they were given
        where = ", ".join(o.id for o in orders)
        return (f"I couldn't find that item{f' in order {where}' if where else ''}. If it is "
                "in another of the caller's orders, give me that order number.")
    if not items:
        return "I couldn't find that item in your orders."
    return (f"I couldn't find that item. Your items: {titles(items)}. Which one do you mean?")


def which_items(order: OrderFact, staff: bool) -> str:
    return (order_items(order, order.items, staff)
            + "\nWhich of these items should I cancel (or all of them)?")


def which_order(orders: Sequence[OrderFact]) -> str:
    return ("Which order do you mean? Your recent orders:\n" + list_orders(orders)
            + "\nTell me the order number or the item.")


def handoff_done(ticket: Any, staff: bool) -> str:
    if staff:
        return f"Handoff recorded (ticket {ticket}); it is in the support queue."
    return (f"I've passed this to our support team (ticket {ticket}). A person will reply in "
            "this chat, and by e-mail to your account's address if you have left by then.")
