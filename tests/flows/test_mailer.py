"""The mailer delivers the outbox: each message once, with text and HTML parts, a stable
Message-ID, retries with backoff, and no message lost (Maildir and a real SMTP server)."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from store.db import Store, memory_store
from store.mail.mailer import FIRST_RETRY, LEASE, Mailer, maildir_key
from store.mail.transport import DeliveryError, MaildirTransport, SmtpTransport
from store.seed import load_world
from tests.flows.mailboxes import Recorder, maildir_messages, parts, smtp_server
from tests.support import ANA, FixedClock, cancel, rows, standard_world


class Failing:
    """A transport that is down for the first `failures` attempts."""

    def __init__(self, inner: MaildirTransport, failures: int) -> None:
        self.inner, self.failures, self.calls = inner, failures, 0

    def deliver(self, message: EmailMessage, key: str) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError("connection refused")
        self.inner.deliver(message, key)


def test_a_cancellation_email_is_delivered_once_with_text_html_items_refund_and_link(
    shop: Store, tmp_path: Path,
) -> None:
    cancel(shop, ANA, "112-0000003", ["A6", "A7"])
    mailer = Mailer(shop, MaildirTransport(tmp_path / "mail"))

    assert mailer.deliver_due().sent == 1
    assert mailer.deliver_due().sent == 0  # nothing left: marked sent exactly once

    [message] = maildir_messages(tmp_path / "mail")
    text, html = parts(message)
    assert message["To"] == ANA.email
    assert message["Subject"] == "Cancellation confirmed for order 112-0000003"
    assert message["X-Rescind-Order"] == "112-0000003"
    for part in (text, html):
        assert "Sports socks" in part and "Board game" in part
        assert "75.90" in part  # 3 x 12.00 + 39.90
        assert "/?order=112-0000003" in part
    assert text.startswith("Hello,") and "<table" in html
    [row] = rows(shop, "emails")
    assert row["sent_at"] is not None and row["attempts"] == 1
    assert row["message_id"] == message["Message-ID"]
    assert row["body"] == text  # what was recorded is what was sent


def test_a_failed_delivery_keeps_the_message_and_retries_after_a_growing_backoff(
    shop: Store, clock: FixedClock, tmp_path: Path,
) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"])
    transport = Failing(MaildirTransport(tmp_path / "mail"), failures=2)
    mailer = Mailer(shop, transport)

    assert mailer.deliver_due().failed == 1
    [row] = rows(shop, "emails")
    assert row["sent_at"] is None and row["attempts"] == 1
    assert "connection refused" in row["last_error"]
    assert mailer.deliver_due().sent == 0 and transport.calls == 1  # backing off

    clock.advance(seconds=FIRST_RETRY.total_seconds())
    assert mailer.deliver_due().failed == 1  # second failure: the wait doubles
    clock.advance(seconds=FIRST_RETRY.total_seconds())
    assert mailer.deliver_due().sent == 0
    clock.advance(seconds=FIRST_RETRY.total_seconds())
    assert mailer.deliver_due().sent == 1
    [row] = rows(shop, "emails")
    assert row["sent_at"] is not None and row["attempts"] == 3 and row["last_error"] is None
    assert len(maildir_messages(tmp_path / "mail")) == 1


def test_a_crash_between_delivering_and_marking_does_not_deliver_twice(
    shop: Store, clock: FixedClock, tmp_path: Path,
) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"])
    box = MaildirTransport(tmp_path / "mail")
    crashed = Mailer(shop, box)
    [row_id] = crashed._due()
    row = crashed._claim(row_id)
    assert row is not None
    box.deliver(crashed.compose(row), maildir_key(row["id"], row["created_at"]))
    # ... and the process dies here: the row is claimed, delivered, not marked sent.

    restarted = Mailer(shop, box)
    assert restarted.deliver_due().sent == 0  # the claim still holds
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert restarted.deliver_due().sent == 1
    assert len(maildir_messages(tmp_path / "mail")) == 1
    assert rows(shop, "emails")[0]["attempts"] == 2


def test_two_mailers_running_at_once_send_each_message_once(
    shared_store: Store, tmp_path: Path,
) -> None:
    load_world(shared_store.uow(), standard_world())
    for order, items in (("112-0000001", ["A1"]), ("112-0000003", ["A6"]),
                         ("112-0000005", ["A13"])):
        cancel(shared_store, ANA, order, items)
    delivered: list[str] = []
    lock = threading.Lock()

    class Counting:
        def deliver(self, message: EmailMessage, key: str) -> None:
            with lock:
                delivered.append(key)

    mailers = [Mailer(shared_store, Counting()) for _ in range(2)]
    threads = [threading.Thread(target=m.deliver_due) for m in mailers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(delivered) == sorted(set(delivered)) and len(delivered) == 3
    assert all(r["sent_at"] is not None for r in rows(shared_store, "emails"))


@pytest.fixture
def memory_shop(clock: FixedClock) -> Store:
    store = memory_store(clock)
    load_world(store.uow(), standard_world())
    return store


def test_smtp_delivers_to_a_real_local_server(memory_shop: Store) -> None:
    cancel(memory_shop, ANA, "112-0000001", ["A1"])
    handler = Recorder()
    with smtp_server(handler) as url:
        assert Mailer(memory_shop, SmtpTransport.from_url(url)).deliver_due().sent == 1
    [message] = handler.accepted
    text, html = parts(message)
    assert message["To"] == ANA.email and "Wireless headphones" in text and "59.99" in html
    assert rows(memory_shop, "emails")[0]["message_id"] == message["Message-ID"]


def test_a_server_that_drops_the_connection_mid_message_gets_it_again_later_same_id(
    memory_shop: Store, clock: FixedClock,
) -> None:
    cancel(memory_shop, ANA, "112-0000001", ["A1"])
    handler = Recorder(drop_first=1)
    with smtp_server(handler) as url:
        mailer = Mailer(memory_shop, SmtpTransport.from_url(url))
        first = mailer.deliver_due()
        assert first.failed == 1 and handler.dropped == 1 and handler.accepted == []
        [row] = rows(memory_shop, "emails")
        assert row["sent_at"] is None and "Disconnected" in row["last_error"]
        clock.advance(seconds=FIRST_RETRY.total_seconds())
        assert mailer.deliver_due().sent == 1
        assert mailer.deliver_due().sent == 0
    [message] = handler.accepted
    assert message["Message-ID"] == rows(memory_shop, "emails")[0]["message_id"]


def test_an_unreachable_smtp_server_loses_nothing(memory_shop: Store) -> None:
    from tests.app_server import free_port

    cancel(memory_shop, ANA, "112-0000001", ["A1"])
    mailer = Mailer(memory_shop, SmtpTransport.from_url(f"smtp://127.0.0.1:{free_port()}"))
    assert mailer.deliver_due().failed == 1
    [row] = rows(memory_shop, "emails")
    assert row["sent_at"] is None and row["next_attempt_at"] is not None


def test_the_smtp_url_gives_host_port_credentials_and_tls() -> None:
    t = SmtpTransport.from_url("smtp://mailer:p%40ss@mail.example:587?starttls=1")
    assert (t.host, t.port, t.username, t.password, t.starttls, t.tls) == (
        "mail.example", 587, "mailer", "p@ss", True, False)
    assert SmtpTransport.from_url("smtps://mail.example").port == 465
    with pytest.raises(ValueError, match="RESCIND_SMTP_URL"):
        SmtpTransport.from_url("http://mail.example")


def test_backoff_doubles_and_is_capped_at_an_hour() -> None:
    from store.mail.mailer import backoff

    assert [backoff(n) for n in (1, 2, 3)] == [FIRST_RETRY, FIRST_RETRY * 2, FIRST_RETRY * 4]
    assert backoff(50) == timedelta(hours=1)
