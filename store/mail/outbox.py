"""Writing e-mails into the outbox, inside the transaction of the change they report (P8):
a message exists exactly when its change was committed, and the mailer sends it later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from store.domain.model import Item, Order
from store.mail import compose, settings
from store.unit_of_work import UnitOfWork


def item_lines(items: Sequence[Item]) -> list[dict[str, Any]]:
    return [{"id": i.id, "title": i.title, "qty": i.qty, "amount": str(i.amount)}
            for i in items]


def record(
    uow: UnitOfWork, kind: str, to: str, order_id: str, data: dict[str, Any], now: datetime
) -> None:
    """One outbox row: the subject and plain text as the customer will read them, and the
    facts they were written from (the mailer renders the HTML part from the same facts)."""
    facts = {**data, "order_id": order_id}
    if order_id and "link" not in facts:
        facts["link"] = compose.order_link(settings.public_url(), order_id)
    rendered = compose.render(kind, facts)
    uow.repo.add_email(to, order_id, rendered.subject, rendered.text, now, kind=kind,
                       data=facts)


def items_refunded(
    uow: UnitOfWork, kind: str, order: Order, items: Sequence[Item], refund: Decimal,
    now: datetime, **extra: Any,
) -> None:
    """Items cancelled and refunded: by the customer or staff, a seller's approval, or a
    refused parcel back at the returns center."""
    record(uow, kind, order.customer_email, order.id,
           {"items": item_lines(items), "refund": str(refund), "currency": order.currency,
            **extra}, now)
