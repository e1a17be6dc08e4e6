"""The flows beyond the chat in headless Chromium, one journey per role: a seller answers a
customer's request from another browser, staff work the handoff queue and record a refused
parcel's return. Every outcome e-mail is checked in the app's Maildir, as delivered by the
app's own background mailer. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, expect, sync_playwright

from store import services
from store.domain.model import Actor, ProposalKind
from tests.app_server import AppServer, running_app
from tests.e2e.test_browser import ARGS, CHROMIUM, WAIT_MS, NewPage, shot, sign_in
from tests.flows.mailboxes import maildir_messages, parts
from tests.support import count, refunded, rows, status

pytestmark = pytest.mark.browser
ANA = Actor("customer", "ana@example.com")


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail") / "Maildir"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mail_dir: Path) -> Iterator[AppServer]:
    with running_app(tmp_path_factory.mktemp("e2e-flows"), RESCIND_MAILDIR=str(mail_dir),
                     RESCIND_MAIL_INTERVAL="0.3") as app:
        yield app


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture
def new_page(playwright: Playwright, tmp_path: Path) -> Iterator[NewPage]:
    """Each call: a fresh Chromium profile (its own cookies: its own user)."""
    contexts = []

    def make() -> Page:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), executable_path=CHROMIUM,
            headless=True, args=ARGS, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield make
    for context in contexts:
        context.close()


def ask(page: Page, text: str) -> None:
    """Typed as a person types, once the previous answer is done; a composer re-rendered
    while typing can drop keys, so what it holds is checked before sending."""
    box = page.locator("#chat-input")
    for _ in range(5):
        expect(page.locator("#stop-button")).to_have_count(0)
        expect(box).to_be_editable()
        box.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.type(text)
        if box.evaluate("e => e.value ?? e.innerText").strip() == text:
            break
        time.sleep(0.3)
    send = page.locator("#chat-submit")
    expect(send).to_be_enabled()
    send.click()
    expect(page.locator(".step").get_by_text(text, exact=True).last).to_be_visible()


def sign_in_seller(page: Page, server: AppServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("rescind")
    page.get_by_role("button", name="Sign In").click()


def mail_to(mail_dir: Path, to: str, subject_has: str, timeout_s: float = 15.0) -> list[str]:
    """(text, html) of the first delivered message matching, waiting for the mailer."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for m in maildir_messages(mail_dir):
            if m["To"] == to and subject_has in str(m["Subject"]):
                return list(parts(m))
        time.sleep(0.2)
    subjects = [(m["To"], m["Subject"]) for m in maildir_messages(mail_dir)]
    raise AssertionError(f"no mail to {to} with {subject_has!r}; mailbox: {subjects}")


def test_a_sellers_approval_from_another_browser_reaches_the_customers_cancelled_view(
    server: AppServer, new_page: NewPage, mail_dir: Path,
) -> None:
    ana = new_page()
    sign_in(ana, server, ANA.email)
    ask(ana, "I'd like to cancel the desk lamp from order 112-0000003. No longer needed.")
    ask(ana, "Right, please get in touch with Lumen Ltd and ask them to cancel it.")
    send = ana.get_by_role("button", name="Send request")
    expect(send).to_be_visible()
    send.click()
    expect(send).to_have_count(0)
    assert rows(server.store(), "seller_requests", item_id="A5")[0]["status"] == "pending"

    lumen = new_page()
    sign_in_seller(lumen, server, "lumen@sellers.example")
    expect(lumen.get_by_text("Desk lamp").first).to_be_visible()
    expect(lumen.get_by_text("order 112-0000003", exact=False).first).to_be_visible()
    expect(lumen.get_by_text("Phone case")).to_have_count(0)  # CaseMakers', not Lumen's
    shot(lumen, "20-seller-desk")
    lumen.get_by_role("button", name="Approve").last.click()
    confirm = lumen.get_by_role("button", name="Confirm approval")
    expect(confirm).to_be_visible()
    expect(lumen.get_by_text("refunded €34.00", exact=False)).to_be_visible()
    assert status(server.store(), "A5") == "unshipped"  # nothing before Confirm (P7)
    confirm.click()
    expect(lumen.get_by_text("cancelled and refunded", exact=False)).to_be_visible()
    shot(lumen, "21-seller-approved")

    ask(ana, "Did my cancellation go through?")
    cancelled = ana.get_by_test_id("cancelled-orders").last
    expect(cancelled.get_by_test_id("cancelled-A5")).to_be_visible()
    cancelled.scroll_into_view_if_needed()
    shot(ana, "22-customer-sees-seller-approval")

    text, html = mail_to(mail_dir, ANA.email, "Lumen Ltd approved")
    assert "Desk lamp" in text and "34.00" in text and "Desk lamp" in html
    store = server.store()
    assert refunded(store, "112-0000003") == Decimal("34.00")
    assert all(r["sent_at"] is not None for r in rows(store, "emails", order_id="112-0000003"))


def test_staff_take_a_handoff_read_its_transcript_and_close_it_with_a_note(
    server: AppServer, new_page: NewPage, mail_dir: Path,
) -> None:
    bob = new_page()
    sign_in(bob, server, "bob@example.com")
    ask(bob, "I'd rather talk to a real human being, please put me through to someone.")
    expect(bob.get_by_text("will reply by e-mail to bob@example.com", exact=False)).to_be_visible()
    [ticket] = [r["id"] for r in rows(server.store(), "handoffs")
                if r["customer_email"] == "bob@example.com"]

    sam = new_page()
    sign_in(sam, server, "sam@shop.example")
    before = count(server.store(), "handoffs")
    sam.get_by_text("Open handoffs").click()
    entry = sam.get_by_text(f"#{ticket}", exact=False).first
    expect(entry).to_be_visible()
    expect(sam.get_by_text("Bob Stone", exact=False).first).to_be_visible()
    shot(sam, "23-handoff-queue")
    assert count(server.store(), "handoffs") == before  # asking for the queue opened none

    sam.get_by_role("button", name="Take").last.click()
    expect(sam.get_by_text(f"You have handoff #{ticket}", exact=False)).to_be_visible()
    expect(bob.get_by_text("has taken your request", exact=False)).to_be_visible()  # live
    shot(bob, "24-customer-sees-handoff-taken")

    transcript = new_page()  # staff read the transcript through the queue's link
    sign_in(transcript, server, "sam@shop.example")
    transcript.goto(f"{server.url}/staff/handoffs/{ticket}/transcript")
    expect(transcript.get_by_text("Customer: I'd rather talk to a real human", exact=False)
           ).to_be_visible()
    bob.goto(f"{server.url}/staff/handoffs/{ticket}/transcript")  # a customer may not
    expect(bob.get_by_text("Only support staff", exact=False)).to_be_visible()

    sam.get_by_role("button", name="Close with a note").last.click()
    expect(sam.get_by_text("Write the note", exact=False)).to_be_visible()
    ask(sam, "We refunded the shipping cost; sorry for the trouble.")
    expect(sam.get_by_text(f"Closed #{ticket}", exact=False)).to_be_visible()
    shot(sam, "25-handoff-closed")
    text, _ = mail_to(mail_dir, "bob@example.com", f"#{ticket}")
    assert "We refunded the shipping cost" in text
    assert rows(server.store(), "handoffs", id=ticket)[0]["closed_at"] is not None


def test_staff_record_a_refused_parcel_back_and_the_customer_is_refunded_once(
    server: AppServer, new_page: NewPage, mail_dir: Path,
) -> None:
    store = server.store()
    flagged = services.propose(store.uow(), ANA, ProposalKind.REFUSAL, "112-0000005", ["A8"])
    assert flagged.proposal is not None
    services.confirm(store.uow(), ANA, flagged.proposal.id)

    sam = new_page()
    sign_in(sam, server, "sam@shop.example")
    sam.get_by_text("Returns center").click()
    expect(sam.get_by_text("Coffee grinder", exact=False).first).to_be_visible()
    sam.get_by_role("button", name="Parcel is back").last.click()
    confirm = sam.get_by_role("button", name="Confirm return")
    expect(confirm).to_be_visible()
    assert status(server.store(), "A8") == "shipped"
    confirm.click()
    expect(sam.get_by_text("refunded €45.00", exact=False).last).to_be_visible()
    shot(sam, "26-return-recorded")
    expect(confirm).to_have_count(0)  # the buttons of a done decision are gone
    text, _ = mail_to(mail_dir, ANA.email, "refused parcel is back")
    assert "Coffee grinder" in text and "45.00" in text
    store = server.store()
    assert status(store, "A8") == "cancelled"
    assert [r["amount"] for r in rows(store, "refunds", order_id="112-0000005")] == [
        Decimal("45.00")]
