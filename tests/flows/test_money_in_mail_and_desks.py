"""Amounts people read outside the chat carry the order's currency, written the configured
locale's way by the same helper as the chat (store/amounts.py): the e-mails, both their
text and HTML parts, and the seller and returns desks' words."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from store import decisions, events, returns, sellers
from store.accounts import hash_password
from store.db import Store
from store.domain.model import Actor, ProposalKind
from store.mail.mailer import Mailer
from store.mail.transport import MaildirTransport
from tests.flows.mailboxes import maildir_messages, parts
from tests.support import ANA, SAM, act, cancel, rows

CABLE = Actor("seller", "cable@sellers.example")


def in_dollars(store: Store, order_id: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE orders SET currency = 'USD' WHERE id = :o"), {"o": order_id})


def test_a_cancellation_email_writes_its_amounts_in_the_orders_currency(
    shop: Store, tmp_path: Path,
) -> None:
    in_dollars(shop, "112-0000003")
    cancel(shop, ANA, "112-0000003", ["A6", "A7"])
    [row] = rows(shop, "emails")
    assert "Refund of $75.90 to your original payment method." in row["body"]
    assert "Sports socks x3: $36.00" in row["body"]
    Mailer(shop, MaildirTransport(tmp_path / "mail")).deliver_due()
    [message] = maildir_messages(tmp_path / "mail")
    text_part, html_part = parts(message)
    assert text_part == row["body"]  # the text recorded is the text sent
    assert "$75.90" in html_part and "$36.00" in html_part and "€" not in html_part


def test_an_order_without_a_currency_is_written_in_the_shops_default(shop: Store) -> None:
    cancel(shop, ANA, "112-0000003", ["A6", "A7"])
    [row] = rows(shop, "emails")
    assert "Refund of €75.90" in row["body"]


def test_a_seller_approval_email_and_the_seller_desk_carry_the_currency(shop: Store) -> None:
    in_dollars(shop, "112-0000001")
    sellers.add_account(shop.uow(), CABLE.email, "Cable Co", ["Cable Co"],
                        hash_password("rescind"))
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"])
    [request] = sellers.pending_requests(shop.uow(), CABLE)
    assert request.currency == "USD"
    pending = decisions.propose(shop.uow(), CABLE, decisions.APPROVE, "A2")
    assert f"The customer is refunded ${request.amount}." in pending.question
    decisions.confirm(shop.uow(), CABLE, pending.id)
    mails = [r for r in rows(shop, "emails") if "approved" in r["subject"]]
    assert mails and f"Refund of ${request.amount}" in mails[-1]["body"]


def test_the_returns_desk_and_the_return_email_carry_the_currency(shop: Store) -> None:
    in_dollars(shop, "112-0000004")
    act(shop, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], None)
    [parcel] = returns.expected(shop.uow(), SAM)
    assert parcel.currency == "USD"
    pending = decisions.propose(shop.uow(), SAM, decisions.RETURN, "A8")
    assert "The customer is refunded $45.00." in pending.question
    result = events.apply_event(shop.uow(), "returned", "A8")
    assert result.message.endswith("refunded $45.00.")
    mails = [r for r in rows(shop, "emails") if "refused parcel" in r["subject"]]
    assert mails and "Refund of $45.00" in mails[-1]["body"]
