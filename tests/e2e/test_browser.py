"""The product in headless Chromium (Debian's package, `make browser`): what customers and
support staff see and do, and what a tampering browser cannot do. Screenshots of the key
screens go to artifacts/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import (
    BrowserContext,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)
from sqlalchemy import select

from store.sql.chat_orm import ChatThreadRow
from tests.app_server import ROOT, AppServer, running_app
from tests.e2e.conftest import FAILED
from tests.support import count, refunded, status

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "artifacts" / "screenshots"
WAIT_MS = 20_000
NewPage = Callable[[], Page]
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with running_app(tmp_path_factory.mktemp("e2e")) as app:
        yield app


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture
def new_page(
    playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest,
) -> Iterator[NewPage]:
    """Each call: Debian's Chromium on a fresh user-data-dir (its own cookies: its own user)."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), executable_path=CHROMIUM,
            headless=True, args=ARGS, viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield make
    for n, context in enumerate(contexts):
        if request.node.stash.get(FAILED, False):
            for page in context.pages:
                shot(page, f"FAILED-{request.node.name}-{n}")
        context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def sign_in(page: Page, server: AppServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("rescind")
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("#welcome-screen")).to_be_visible()


def ask(page: Page, text: str) -> None:
    """Typed as a person types: the composer reacts to key events, not to a filled value."""
    page.locator("#chat-input").click()
    page.keyboard.type(text)
    send = page.locator("#chat-submit")
    expect(send).to_be_enabled()  # only once the socket is connected
    send.click()
    expect(page.locator(".step").get_by_text(text, exact=True).last).to_be_visible()


def last_thread_of(server: AppServer, email: str) -> str:
    store = server.store()
    with store.engine.connect() as conn:
        ids = conn.execute(select(ChatThreadRow.id).where(
            ChatThreadRow.user_identifier == email).order_by(ChatThreadRow.updated_at.desc())
        ).scalars().all()
    store.engine.dispose()
    assert ids, f"no thread for {email}"
    return str(ids[0])


# --- customers -------------------------------------------------------------------------------
def test_a_customer_cancels_one_item_of_a_two_item_order_with_the_picker(
    server: AppServer, new_page: NewPage,
) -> None:
    page = new_page()
    sign_in(page, server, "ana@example.com")
    expect(page.get_by_text("not an LLM")).to_be_visible()
    expect(page.get_by_text("Cancel an order")).to_be_visible()
    shot(page, "01-customer-welcome")

    ask(page, "Show me order 112-0000001")
    card = page.get_by_test_id("order-card-112-0000001")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("item-A1")).to_contain_text("Wireless headphones")
    expect(card.get_by_test_id("item-A2")).to_contain_text("Cable Co")
    expect(card.get_by_test_id("pick-A2")).to_be_disabled()  # third party, window over (P5)
    expect(page.get_by_text("Looked up order 112-0000001").first).to_be_visible()  # the step
    shot(page, "02-order-card")

    card.get_by_test_id("pick-A1").click()
    card.get_by_test_id("reason").select_option("no_longer_needed")
    card.get_by_test_id("pick-submit").click()
    confirm = page.get_by_role("button", name="Confirm cancellation")
    expect(confirm).to_be_visible()
    expect(page.get_by_text("59.99 goes back", exact=False)).to_be_visible()
    shot(page, "03-proposal")
    assert status(server.store(), "A1") == "unshipped"  # nothing before Confirm (P7)

    confirm.click()
    expect(page.get_by_text("Cancelled: Wireless headphones")).to_be_visible()
    expect(page.get_by_text("confirmation e-mail was sent", exact=False)).to_be_visible()
    expect(confirm).to_have_count(0)  # the buttons of a done proposal are gone
    shot(page, "04-confirmed")

    page.get_by_role("button", name="Cancelled orders").click()
    cancelled = page.get_by_test_id("cancelled-orders").last
    expect(cancelled.get_by_test_id("cancelled-A1")).to_contain_text("No longer needed")
    cancelled.scroll_into_view_if_needed()
    shot(page, "05-cancelled-orders")

    store = server.store()
    assert status(store, "A1") == "cancelled" and status(store, "A2") == "unshipped"
    assert refunded(store, "112-0000001") == Decimal("59.99")
    assert count(store, "emails", order_id="112-0000001") == 1


def test_a_customer_cannot_reach_another_customers_order_or_thread(
    server: AppServer, new_page: NewPage,
) -> None:
    bob = new_page()
    sign_in(bob, server, "bob@example.com")
    ask(bob, "Show me order 112-0000009")
    expect(bob.get_by_test_id("order-card-112-0000009")).to_be_visible()
    bobs_thread = last_thread_of(server, "bob@example.com")

    ana = new_page()
    sign_in(ana, server, "ana@example.com")
    ana.goto(f"{server.url}/thread/{bobs_thread}")
    ana.wait_for_load_state("networkidle")
    expect(ana.get_by_test_id("order-card-112-0000009")).to_have_count(0)
    expect(ana.get_by_text("Electric kettle")).to_have_count(0)
    expect(ana.get_by_text("Show me order 112-0000009")).to_have_count(0)
    shot(ana, "06-other-users-thread")

    ana.goto(server.url)
    expect(ana.locator("#welcome-screen")).to_be_visible()
    ask(ana, "Show me order 112-0000009")
    expect(ana.get_by_text("couldn't find", exact=False).last).to_be_visible()
    expect(ana.get_by_test_id("order-card-112-0000009")).to_have_count(0)
    expect(ana.get_by_text("Electric kettle")).to_have_count(0)
    shot(ana, "07-other-customers-order")


def test_a_forged_action_payload_from_the_browser_changes_nothing(
    server: AppServer, new_page: NewPage,
) -> None:
    page = new_page()
    sign_in(page, server, "ana@example.com")
    ask(page, "Show me order 112-0000004")
    card = page.get_by_test_id("order-card-112-0000004")
    card.get_by_test_id("pick-A7").click()
    card.get_by_test_id("reason").select_option("found_better_price")

    # The picker's request is rewritten on its way out: another customer's order and item.
    def to_bobs_order(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["action"]["payload"].update(order_id="112-0000009", item_ids=["B1"])
        route.continue_(post_data=json.dumps(body))

    page.route("**/project/action", to_bobs_order)
    card.get_by_test_id("pick-submit").click()
    # Said twice: in the chat, and next to the card's button.
    expect(page.get_by_text("couldn't find order 112-0000009", exact=False)).to_have_count(2)
    page.unroute("**/project/action")

    page.reload()  # a fresh card, then a real proposal whose Confirm is tampered with
    expect(page.get_by_test_id("order-card-112-0000004")).to_be_visible()
    card = page.get_by_test_id("order-card-112-0000004").last
    card.get_by_test_id("pick-A7").click()
    card.get_by_test_id("reason").select_option("found_better_price")
    card.get_by_test_id("pick-submit").click()
    confirm = page.get_by_role("button", name="Confirm cancellation")
    expect(confirm).to_be_visible()

    def tampered(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["action"]["payload"]["fingerprint"] = "0" * 16
        route.continue_(post_data=json.dumps(body))

    page.route("**/project/action", tampered)
    confirm.click()
    expect(page.get_by_text("does not match what was proposed", exact=False)).to_be_visible()
    shot(page, "08-forged-confirm")
    store = server.store()
    assert status(store, "A7") == "unshipped" and status(store, "B1") == "unshipped"
    assert count(store, "cancellations", order_id="112-0000004") == 0
    assert count(store, "cancellations", order_id="112-0000009") == 0


# --- support staff ---------------------------------------------------------------------------
def test_a_staff_member_asks_whether_an_order_is_cancellable(
    server: AppServer, new_page: NewPage,
) -> None:
    page = new_page()
    sign_in(page, server, "sam@shop.example")
    expect(page.get_by_text("Is this order cancellable?")).to_be_visible()
    shot(page, "09-staff-welcome")
    ask(page, "Is order 112-0000009 cancellable?")
    card = page.get_by_test_id("order-card-112-0000009")
    expect(card).to_be_visible()
    expect(card.get_by_test_id("item-B1")).to_contain_text("Can be cancelled")
    expect(card.get_by_test_id("item-B2")).to_contain_text("Ask the seller")
    expect(card.get_by_test_id("pick-B1")).to_have_count(0)  # staff see, they don't tick
    shot(page, "10-staff-cancellable")

