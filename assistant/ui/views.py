"""Rendering a Reply: tool calls as collapsible steps, orders as cards, buttons for proposals.

Cards are Chainlit custom elements (public/elements/*.jsx). Their props are display data
only: whatever a browser sends back from them is re-checked by the core.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import chainlit as cl
from chainlit.context import local_steps
from chainlit.utils import utc_now

from assistant.render import money
from assistant.reply import Reply, ToolEvent
from assistant.ui import wording
from store.domain.model import Reason

MAX_CARDS = 5  # a "recent orders" answer shows at most this many cards
REASONS = [{"value": r.value, "label": r.label} for r in Reason]
_ITEM_FIELDS = ("id", "title", "qty", "price", "seller", "status", "can", "why")
_LIST_ITEM = re.compile(r"\s*(?:[-*] |\d+\. )")


def markdown(text: str) -> str:
    """The agent writes one fact per line; Markdown would run single lines together. Keep a
    list's items together and make every other line its own paragraph."""
    out: list[str] = []
    previous_item = False
    for line in text.split("\n"):
        item = bool(_LIST_ITEM.match(line))
        if out:
            out.append("\n" if item and previous_item else "\n\n")
        out.append(line)
        previous_item = item
    return "".join(out)


# Chainlit's API is partly unannotated; these wrappers keep the untyped calls in one place.
async def say(text: str, elements: list[cl.Element] | None = None,
              actions: list[cl.Action] | None = None) -> None:
    message = cl.Message(content=markdown(text), actions=actions or [])
    await message.send()  # type: ignore[no-untyped-call]
    # One after the other: Chainlit sends a message's elements concurrently, so cards would
    # reach the page in any order, unlike the list they illustrate.
    for element in elements or []:
        await element.send(for_id=message.id)  # type: ignore[no-untyped-call]


async def attach(action: cl.Action, message_id: str) -> None:
    """A button under a message already on the page (one shown from the history)."""
    await action.send(for_id=message_id)  # type: ignore[no-untyped-call]


async def withdraw(action: cl.Action) -> None:
    await action.remove()  # type: ignore[no-untyped-call]


def session_get(key: str) -> Any:
    return cl.user_session.get(key)  # type: ignore[no-untyped-call]


def session_set(key: str, value: Any) -> None:
    cl.user_session.set(key, value)  # type: ignore[no-untyped-call]


async def tool_step(event: ToolEvent, *, staff: bool) -> None:
    """One line per tool call, in plain words. Staff may expand it for the arguments and
    the result (rule ids included); customers get the line alone: no ids, no JSON.

    Sent once, already finished: the call has run by the time it is shown, and `async with
    cl.Step` sent it twice (a create, then an update with the same words), two emits and
    a second history write per tool call (issue 11)."""
    label = wording.step_label(event, staff=staff)
    # The tool's name rides in the step's metadata, off screen: clients and tests tell the
    # steps apart by it, not by their wording.
    meta = {"tool": event.name}
    if not staff:  # nothing to expand: Chainlit shows a step without input or output as a line
        step = cl.Step(name=label, type="tool", show_input=False, metadata=meta)
    else:
        step = cl.Step(name=label, type="tool", show_input="json", language="json",
                       metadata=meta)
        step.input = json.dumps(event.args, ensure_ascii=False, default=str)
        step.output = json.dumps(event.result, ensure_ascii=False, default=str, indent=1)
        step.is_error = not event.result.get("ok", True)
    running = local_steps.get() or []  # under the run step, as `async with` puts it
    step.parent_id = running[-1].id if running else None
    step.start = step.end = utc_now()  # type: ignore[no-untyped-call]
    await step.send()  # type: ignore[no-untyped-call]


def _item_props(item: dict[str, Any], currency: str | None, *, staff: bool) -> dict[str, Any]:
    props = {k: item.get(k) for k in _ITEM_FIELDS}
    props["price"] = money(item.get("price"), currency)
    why = str(item.get("why") or "")
    if staff and item.get("rules"):
        props["why"] = f"{why} ({', '.join(map(str, item['rules']))})"
    elif not staff:
        props["why"] = wording.without_rule_ids(why)
    return props


def order_card(order: dict[str, Any], *, pickable: bool, staff: bool = False
               ) -> cl.CustomElement:
    """The order as the shop's Cancel Items page shows it; `pickable` adds the checkboxes."""
    return cl.CustomElement(name="OrderCard", props=order_props(order, pickable=pickable,
                                                                staff=staff), display="inline")


def order_props(order: dict[str, Any], *, pickable: bool, staff: bool) -> dict[str, Any]:
    """Amounts go out written with the order's currency; the card only displays them."""
    currency = order.get("currency")
    refunded = order.get("refunded")
    return {
        "order": {
            "order_id": order.get("order_id"),
            "status": order.get("status"),
            "placed_at": order.get("placed_at"),
            "refunded": money(refunded, currency) if refunded not in (None, "0.00") else None,
            "items": [_item_props(i, currency, staff=staff) for i in order.get("items", [])],
        },
        "pickable": pickable,
        "reasons": REASONS,
    }


def cancelled_card(result: dict[str, Any], *, staff: bool = False) -> cl.CustomElement:
    return cl.CustomElement(name="CancelledOrders", props=cancelled_props(result, staff=staff),
                            display="inline")


def cancelled_props(result: dict[str, Any], *, staff: bool) -> dict[str, Any]:
    orders = [{**o, "refunded": money(o.get("refunded"), o.get("currency"))}
              for o in result.get("orders", [])]
    if_missing = str(result.get("if_missing") or "")
    return {"orders": orders,
            "if_missing": if_missing if staff else wording.without_rule_ids(if_missing),
            "reasons": REASONS}


def cards(reply: Reply, *, pickable: bool, staff: bool = False) -> list[cl.Element]:
    elements: list[cl.Element] = []
    seen: set[str] = set()
    for order in reply.orders:
        order_id = str(order.get("order_id"))
        if order_id not in seen and len(seen) < MAX_CARDS:
            seen.add(order_id)
            elements.append(order_card(order, pickable=pickable, staff=staff))
    for event in reply.tool_events:
        if event.name == "check_cancelled" and event.result.get("ok"):
            elements.append(cancelled_card(event.result, staff=staff))
    return elements


# The roles ride in the action's id, which Chainlit puts on the button as its `id` attribute
# and which is ours to choose: public/rescind.css styles `button[id^="rc-primary-"]` and
# `button[id^="rc-secondary-"]`, public/rescind.js finds a proposal by its primary button.
# Icons, class names and the page's structure are Chainlit's and change with its versions.
PRIMARY, SECONDARY = "rc-primary-", "rc-secondary-"
CONFIRM_ICON, KEEP_ICON = "circle-check", "undo-2"


def role_action(role: str, name: str, payload: dict[str, Any], label: str,
                icon: str | None = None) -> cl.Action:
    """An action whose id carries its role (PRIMARY or SECONDARY), still unique per button:
    Chainlit removes a button by its id."""
    return cl.Action(name=name, payload=payload, label=label, icon=icon,
                     id=f"{role}{uuid.uuid4()}")


def proposal_actions(proposal: dict[str, Any], *, staff: bool = False) -> list[cl.Action]:
    """Confirm / Keep for exactly this proposal. The payload names it; the server still looks
    it up for the signed-in user and this chat before doing anything."""
    payload = {"proposal_id": proposal["proposal_id"], "fingerprint": proposal["fingerprint"]}
    verb = {"cancel": "Confirm cancellation", "seller_request": "Send request",
            "refusal": "Confirm refusal"}.get(str(proposal.get("action")), "Confirm")
    return [
        role_action(PRIMARY, "confirm", payload, verb, CONFIRM_ICON),
        role_action(SECONDARY, "keep", payload, wording.keep_label(staff=staff), KEEP_ICON),
    ]


def cancelled_action() -> cl.Action:
    return cl.Action(name="show_cancelled", payload={}, label="Cancelled orders", icon="list")
