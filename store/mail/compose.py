"""The words of each e-mail, as plain text and HTML, from the facts the core recorded.

Pure functions: the outbox stores the subject and plain text when the change is made, and
the mailer renders the same facts again as HTML when it sends, so both parts always agree.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from store.amounts import money

CANCELLED = "cancelled"
SELLER_APPROVED = "seller_approved"
SELLER_DENIED = "seller_denied"
RETURN_REFUNDED = "return_refunded"
HANDOFF_REPLY = "handoff_reply"
KINDS = (CANCELLED, SELLER_APPROVED, SELLER_DENIED, RETURN_REFUNDED, HANDOFF_REPLY)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def order_link(base_url: str, order_id: str) -> str:
    return f"{base_url}/?order={quote(order_id, safe='')}"


def render(kind: str, data: Mapping[str, Any]) -> Rendered:
    order_id = str(data.get("order_id", ""))
    # Amounts with the order's currency; an e-mail recorded before orders had one (or an
    # order without one) reads in the shop's default currency, as in the chat.
    currency = data.get("currency") or None
    items: Sequence[Mapping[str, Any]] = [{**i, "amount": money(i.get("amount"), currency)}
                                          for i in data.get("items") or []]
    refund = money(data.get("refund", "0.00"), currency)
    seller = str(data.get("seller") or "the seller")
    # No extra read inside a confirmation just for a greeting: the name only when given.
    name = str(data.get("name") or "")
    if kind == CANCELLED:
        subject = f"Cancellation confirmed for order {order_id}"
        lead = f"These items of order {order_id} are cancelled:"
        tail = [f"Refund of {refund} to your original payment method."]
    elif kind == SELLER_APPROVED:
        subject = f"{seller} approved your cancellation request for order {order_id}"
        lead = f"{seller} approved your request; these items of order {order_id} are cancelled:"
        tail = [f"Refund of {refund} to your original payment method."]
    elif kind == SELLER_DENIED:
        subject = f"{seller} declined your cancellation request for order {order_id}"
        lead = f"{seller} declined your request to cancel these items of order {order_id}:"
        tail = ["They stay on your order and nothing is refunded. Once delivered you can "
                "return them; if you need help, reply to this message or ask the assistant."]
    elif kind == RETURN_REFUNDED:
        subject = f"Your refused parcel is back: refund for order {order_id}"
        lead = (f"The parcel you refused at the door is back at our returns center; these "
                f"items of order {order_id} are refunded:")
        tail = [f"Refund of {refund} to your original payment method."]
    elif kind == HANDOFF_REPLY:
        ticket = data.get("ticket")
        staff = str(data.get("staff_name") or "our support team")
        subject = f"Support request #{ticket}: a reply from {staff}"
        lead = f"{staff} has looked into your request #{ticket}:"
        tail = [str(data.get("note") or "")]
    else:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    link = str(data.get("link") or "")
    lines = [f"- {i['title']} x{i['qty']}: {i['amount']}" for i in items]
    text_parts = [f"Hello {name}," if name else "Hello,", "", lead, *lines, "", *tail]
    if link:
        text_parts += ["", f"See your order: {link}"]
    text = "\n".join(p for p in text_parts if p is not None).strip() + "\n"
    return Rendered(subject, text, _html(name, lead, items, tail, link, bool(lines)))


def _html(
    name: str, lead: str, items: Sequence[Mapping[str, Any]], tail: Sequence[str], link: str,
    has_items: bool,
) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(str(i['title']))}</td><td style=\"text-align:right\">{e(str(i['qty']))}"
        f"</td><td style=\"text-align:right\">{e(str(i['amount']))}</td></tr>"
        for i in items
    )
    table = (
        "<table cellpadding=\"6\" style=\"border-collapse:collapse\"><thead><tr>"
        "<th align=\"left\">Item</th><th>Qty</th><th>Amount</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>" if has_items else ""
    )
    paragraphs = "".join(f"<p>{e(t)}</p>" for t in tail if t)
    button = f"<p><a href=\"{e(link, quote=True)}\">See your order</a></p>" if link else ""
    return (
        "<!doctype html><html><body style=\"font-family:sans-serif\">"
        f"<p>Hello{' ' + e(name) if name else ''},</p><p>{e(lead)}</p>{table}{paragraphs}"
        f"{button}"
        "</body></html>"
    )
