"""Issue 15 in headless Chromium: what customers and staff see, at 1280 px and 390 px, light
and dark. Each test keeps screenshots in artifacts/screenshots/ (ui-*.png), named after
the point they show."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Playwright, expect, sync_playwright
from sqlalchemy import text

from store import services
from store.domain.model import Actor, ProposalKind, Reason
from tests.app_server import AppServer, running_app
from tests.e2e.conftest import FAILED
from tests.e2e.test_browser import ARGS, CHROMIUM, WAIT_MS, last_thread_of, shot, sign_in
from tests.e2e.test_flows_browser import ask, sign_in_seller
from tests.support import status

pytestmark = pytest.mark.browser

WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
INTERNALS = ("lookup_order", "cancel_items", "check_cancelled", "proposal_id", "fingerprint",
             "expires_at", '"ok"', "(P", "Used ")
Open = Callable[..., Page]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with running_app(tmp_path_factory.mktemp("e2e-ui"), RESCIND_DEMO="1") as app:
        yield app


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture
def open_page(playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest,
              ) -> Iterator[Open]:
    """Each call: a fresh Chromium profile at the given size, light or dark."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] = WIDE, *, dark: bool = False) -> Page:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(contexts)}"), executable_path=CHROMIUM,
            headless=True, args=ARGS, viewport=viewport,
            color_scheme="dark" if dark else "light")
        if dark:  # Chainlit keeps the theme in localStorage; the toggle writes the same key
            context.add_init_script("localStorage.setItem('vite-ui-theme', 'dark')")
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield make
    for n, context in enumerate(contexts):
        if request.node.stash.get(FAILED, False):
            for page in context.pages:
                shot(page, f"FAILED-{request.node.name}-{n}")
        context.close()


def size(page: Page) -> str:
    return str((page.viewport_size or WIDE)["width"])


def visible_text(page: Page) -> str:
    return page.locator("body").inner_text()


def in_view_above_composer(page: Page, target: Locator) -> None:
    """Wholly on screen and not under the composer (the message box at the bottom)."""
    expect(target).to_be_visible()
    viewport = page.viewport_size or WIDE
    # The page scrolls itself as the thread's messages arrive; on a loaded machine that can
    # take longer than a fixed pause, so wait (up to 5 s) for it to settle where it should.
    for _ in range(25):
        page.wait_for_timeout(200)
        box = target.bounding_box()
        composer = page.locator("#chat-input").bounding_box()
        if box and composer and box["y"] >= 0 and box["y"] + box["height"] <= composer["y"]:
            break
    assert box is not None and composer is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= composer["y"], (box, composer)


def proposal_buttons(page: Page, confirm: str, keep: str = "Keep my order",
                     ) -> tuple[Locator, Locator]:
    c = page.get_by_role("button", name=confirm)
    k = page.get_by_role("button", name=keep)
    expect(c).to_be_visible()
    expect(k).to_be_visible()
    return c, k


# --- (1) no internals for customers; staff may expand -----------------------------------------
@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280", "390"])
def test_a_customer_sees_each_step_as_a_plain_line_and_no_ids_json_or_rule_ids(
    server: AppServer, open_page: Open, viewport: dict[str, int],
) -> None:
    page = open_page(viewport)
    sign_in(page, server, "ana@example.com")
    ask(page, "cancel the headphones from order 112-0000001")
    ask(page, "no longer needed")
    expect(page.get_by_text("Looked up order 112-0000001").first).to_be_visible()
    step = page.get_by_text("Prepared the cancellation for you to check: nothing is "
                            "cancelled yet")
    expect(step).to_be_visible()
    confirm, keep = proposal_buttons(page, "Confirm cancellation")
    # A customer's step lines open nothing: no input, no output, no JSON.
    expect(page.locator('[data-step-type="tool"] button')).to_have_count(0)
    ask(page, "Did my cancellation go through?")
    expect(page.get_by_text("support at once", exact=False).last).to_be_visible()
    body = visible_text(page)
    for internal in INTERNALS:
        assert internal not in body, internal
    assert not re.search(r"\bA\d+\b", body)  # item ids
    step.scroll_into_view_if_needed()
    shot(page, f"ui-01-customer-plain-steps-{size(page)}")
    keep.click()  # leave the order as it was for the next run
    expect(confirm).to_have_count(0)
    assert status(server.store(), "A1") == "unshipped"


def test_staff_expand_a_step_for_the_tool_result_with_rule_ids(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page()
    sign_in(page, server, "sam@shop.example")
    ask(page, "Is order 112-0000004 cancellable?")
    line = page.get_by_text("Looked up order 112-0000004").first
    expect(line).to_be_visible()
    line.click()
    expect(page.get_by_text('"rules"', exact=False).first).to_be_visible()
    expect(page.get_by_text('"P3"', exact=False).first).to_be_visible()
    shot(page, "ui-02-staff-step-details-1280")


# --- (2) money with its currency ---------------------------------------------------------------
def test_amounts_carry_the_orders_currency_and_the_shops_default(
    server: AppServer, open_page: Open,
) -> None:
    store = server.store()
    with store.engine.begin() as conn:  # an order taken in dollars; the rest have none
        conn.execute(text("UPDATE orders SET currency = 'USD' WHERE id = '112-0000009'"))
    store.engine.dispose()
    page = open_page(NARROW)
    sign_in(page, server, "bob@example.com")
    ask(page, "Show me order 112-0000009")
    card = page.get_by_test_id("order-card-112-0000009")
    expect(card.get_by_test_id("item-B1")).to_contain_text("$")
    ask(page, "cancel the kettle from order 112-0000009, found a better price")
    expect(page.get_by_text(re.compile(r"If you confirm, \$\d+\.\d\d goes back"))).to_be_visible()
    shot(page, "ui-03-money-usd-390")
    page.get_by_role("button", name="Keep my order").click()

    ana = open_page()
    sign_in(ana, server, "ana@example.com")
    ask(ana, "Show me order 112-0000001")
    expect(ana.get_by_test_id("item-A1")).to_contain_text("€59.99")  # the default: EUR
    shot(ana, "ui-04-money-eur-1280")


# --- (3) Confirm / Keep ------------------------------------------------------------------------
@pytest.mark.parametrize(("viewport", "dark"), [(WIDE, False), (NARROW, False), (NARROW, True)],
                         ids=["1280", "390", "390-dark"])
def test_confirm_and_keep_are_clear_buttons_in_view_with_the_focus_on_the_proposal(
    server: AppServer, open_page: Open, viewport: dict[str, int], dark: bool,
) -> None:
    page = open_page(viewport, dark=dark)
    sign_in(page, server, "cleo@example.com")
    ask(page, "Where is my order? Show me my recent orders.")
    card = page.locator('[data-testid^="order-card-"]').filter(
        has=page.locator('[data-testid^="pick-"]:not([disabled])')).first
    expect(card).to_be_visible()
    card.locator('[data-testid^="pick-"]:not([disabled])').first.check()
    card.get_by_test_id("reason").select_option("ordered_by_mistake")
    card.get_by_test_id("pick-submit").click()
    confirm, keep = proposal_buttons(page, "Confirm cancellation")
    in_view_above_composer(page, confirm)
    in_view_above_composer(page, keep)
    primary = confirm.evaluate("b => getComputedStyle(b).backgroundColor")
    secondary = keep.evaluate("b => getComputedStyle(b).backgroundColor")
    assert primary not in ("rgba(0, 0, 0, 0)", "transparent") and primary != secondary
    assert keep.evaluate("b => getComputedStyle(b).borderTopWidth") != "0px"
    assert page.evaluate("document.activeElement.classList.contains('rc-proposal')")
    # The styles hang on the role in the id the app chose, not on Chainlit's icons.
    assert str(confirm.get_attribute("id")).startswith("rc-primary-")
    assert str(keep.get_attribute("id")).startswith("rc-secondary-")
    shot(page, f"ui-05-confirm-keep-{size(page)}{'-dark' if dark else ''}")
    keep.click()
    expect(confirm).to_have_count(0)


def test_after_confirm_the_next_button_is_in_view_not_behind_the_composer(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page(NARROW)
    sign_in(page, server, "ana@example.com")
    ask(page, "cancel the water bottle from order 112-0000007, ordered by mistake")
    confirm, _ = proposal_buttons(page, "Confirm cancellation")
    confirm.click()
    expect(page.get_by_text("Cancelled: ", exact=False).last).to_be_visible()
    in_view_above_composer(page, page.get_by_role("button", name="Cancelled orders").last)
    shot(page, "ui-06-after-confirm-390")


# --- (4) the order card at 390 px, dark, by keyboard ------------------------------------------
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_order_card_stacks_at_390_px_and_works_by_keyboard(
    server: AppServer, open_page: Open, dark: bool,
) -> None:
    page = open_page(NARROW, dark=dark)
    sign_in(page, server, "ana@example.com")
    ask(page, "Show me order 112-0000001")
    card = page.get_by_test_id("order-card-112-0000001")
    expect(card).to_be_visible()
    assert card.evaluate("c => c.scrollWidth <= c.clientWidth + 1")  # nothing cut off
    for label in ("Can be cancelled", "Ask the seller to cancel"):
        box = card.get_by_text(label, exact=True).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, (label, box)
    tick = card.get_by_role("checkbox", name="Cancel Wireless headphones")
    reason = card.get_by_role("combobox", name="Reason for cancelling")
    submit = card.get_by_role("button", name="Cancel selected item")
    tick.focus()
    page.keyboard.press("Space")
    expect(tick).to_be_checked()
    page.keyboard.press("Tab")  # the other item's box is disabled: straight to the reason
    expect(reason).to_be_focused()
    reason.select_option("no_longer_needed")
    page.keyboard.press("Tab")
    expect(submit).to_be_focused()
    card.scroll_into_view_if_needed()
    shot(page, f"ui-07-order-card-390-{'dark' if dark else 'light'}")
    page.keyboard.press("Enter")
    _, keep = proposal_buttons(page, "Confirm cancellation")
    keep.click()
    assert status(server.store(), "A1") == "unshipped"


# --- (5) live cards -------------------------------------------------------------------------
def test_cards_follow_the_store_after_a_confirm_and_when_the_thread_is_opened_again(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page(NARROW)
    sign_in(page, server, "bob@example.com")
    ask(page, "Show me order 112-0000012")
    card = page.get_by_test_id("order-card-112-0000012").first
    expect(card.get_by_test_id("pick-B6")).to_be_enabled()
    ask(page, "cancel the rain jacket from order 112-0000012, delivery too slow")
    confirm, _ = proposal_buttons(page, "Confirm cancellation")
    confirm.click()
    expect(page.get_by_text("Cancelled: Rain jacket", exact=False).last).to_be_visible()
    # The card shown before the confirmation is re-rendered: no live checkbox for B6.
    expect(card.get_by_test_id("item-B6")).to_contain_text("Cancelled")
    expect(card.locator('[data-testid="pick-B6"]:enabled')).to_have_count(0)
    card.scroll_into_view_if_needed()
    shot(page, "ui-19-card-after-confirm-390")

    ask(page, "Show me order 112-0000009")
    expect(page.get_by_test_id("item-B1").first).to_contain_text("Can be cancelled")
    thread = last_thread_of(server, "bob@example.com")
    store = server.store()  # cancelled elsewhere (staff on the phone, another tab)
    bob = Actor("customer", "bob@example.com")
    proposed = services.propose(store.uow(), bob, ProposalKind.CANCEL, "112-0000009", ["B1"],
                                reason=Reason.ORDERED_BY_MISTAKE)
    assert proposed.proposal is not None
    services.confirm(store.uow(), bob, proposed.proposal.id)
    store.engine.dispose()

    page.goto(f"{server.url}/thread/{thread}")  # the thread opened again from the history
    resumed = page.get_by_test_id("order-card-112-0000009").first
    expect(resumed.get_by_test_id("item-B1")).to_contain_text("Cancelled")
    expect(resumed.locator('[data-testid="pick-B1"]:enabled')).to_have_count(0)
    expect(page.get_by_test_id("item-B6").first).to_contain_text("Cancelled")
    resumed.scroll_into_view_if_needed()
    shot(page, "ui-20-cards-on-resume-390")


# --- (6) the free-text reason --------------------------------------------------------------
def test_the_other_reasons_words_are_shown_in_the_proposal_and_the_cancelled_view(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page()
    sign_in(page, server, "ana@example.com")
    ask(page, "Show me order 112-0000004")
    card = page.get_by_test_id("order-card-112-0000004")
    card.get_by_test_id("pick-A7").check()
    card.get_by_test_id("reason").select_option("other")
    card.get_by_test_id("reason-text").fill("The colour in the photos was different")
    card.get_by_test_id("pick-submit").click()
    confirm, _ = proposal_buttons(page, "Confirm cancellation")
    expect(page.get_by_text("Reason: other (The colour in the photos was different)",
                            exact=False)).to_be_visible()
    shot(page, "ui-08-other-reason-proposal-1280")
    confirm.click()
    page.get_by_role("button", name="Cancelled orders").last.click()
    reason = page.get_by_test_id("cancelled-orders").last.get_by_test_id("reason-A7")
    expect(reason).to_contain_text("Other: “The colour in the photos was different”")
    reason.scroll_into_view_if_needed()
    shot(page, "ui-09-other-reason-cancelled-view-1280")


# --- (7) staff, demo logins, sign-in errors ----------------------------------------------------
def test_staff_get_staff_wording_and_starters_that_work(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page()
    sign_in(page, server, "sam@shop.example")
    page.get_by_text("Verify a caller").click()
    expect(page.get_by_text("need to verify the caller", exact=False).last).to_be_visible()
    assert "not sure I understood" not in visible_text(page)
    ask(page, "112-0000001 ana@example.com")
    expect(page.get_by_text("Verified: Ana", exact=False).last).to_be_visible()
    ask(page, "cancel the headphones, no longer needed")
    _, keep = proposal_buttons(page, "Confirm cancellation", "Keep the order as it is")
    ask(page, "what's the refund?")
    expect(page.get_by_text("If the caller confirms", exact=False).last).to_be_visible()
    body = visible_text(page)
    assert "Keep my order" not in body and "your original payment method" not in body
    shot(page, "ui-10-staff-wording-1280")
    keep.click()

    desk = open_page(NARROW)
    sign_in(desk, server, "sam@shop.example")
    desk.get_by_text("Is this order cancellable?").click()
    expect(desk.get_by_text("Which order?", exact=False).last).to_be_visible()
    ask(desk, "/handoffs")
    expect(desk.get_by_text("handoff", exact=False).last).to_be_visible()
    shot(desk, "ui-11-staff-starters-390")


def test_sign_in_errors_are_plain_words_and_demo_logins_stay_on_the_sign_in_page(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page(NARROW)
    page.goto(f"{server.url}/login")
    expect(page.get_by_test_id("demo-logins")).to_contain_text("sam@shop.example")
    page.locator("#email").fill("ana@example.com")
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("don't match an account", exact=False)).to_be_visible()
    page.wait_for_timeout(500)  # a toast would be up by now
    body = visible_text(page)
    assert "credentialssignin" not in body.lower() and "Unauthorized" not in body
    shot(page, "ui-12-sign-in-error-390")

    sign_in(page, server, "ana@example.com")
    page.get_by_role("button", name="Readme").click()
    expect(page.get_by_text("How answers are made", exact=False)).to_be_visible()
    body = visible_text(page)
    assert "sam@shop.example" not in body and "password" not in body.lower()
    shot(page, "ui-13-customer-readme-390")


# --- issue 8: every yes/no question about a change has Confirm and Keep -----------------------
def test_the_seller_request_and_refusal_questions_have_buttons_and_other_words_are_answered(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page()
    sign_in(page, server, "ana@example.com")
    ask(page, "I'd like to cancel the desk lamp from order 112-0000003. No longer needed.")
    expect(page.get_by_text("send the seller a cancellation request", exact=False).last
           ).to_be_visible()
    send, keep = proposal_buttons(page, "Send request")
    ask(page, "when will I get my money back?")  # not consent, and not a dead end
    expect(page.get_by_text("If the seller approves", exact=False).last).to_be_visible()
    expect(page.get_by_text("Still waiting for your answer", exact=False).last).to_be_visible()
    expect(send).to_be_visible()
    shot(page, "ui-14-seller-request-question-1280")
    keep.click()
    expect(send).to_have_count(0)

    ask(page, "cancel the coffee grinder from order 112-0000005")
    refuse, keep = proposal_buttons(page, "Confirm refusal")
    ask(page, "what happens to the coffee beans?")
    expect(page.get_by_text("Still waiting for your answer", exact=False).last).to_be_visible()
    expect(refuse).to_be_visible()
    shot(page, "ui-15-refusal-question-1280")
    keep.click()
    store = server.store()
    assert status(store, "A5") == "unshipped" and status(store, "A8") == "shipped"


def test_the_cards_after_cancel_an_order_come_in_the_order_of_the_list(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page()
    sign_in(page, server, "bob@example.com")
    page.get_by_text("Cancel an order").click()
    expect(page.get_by_text("Which order do you mean?", exact=False).last).to_be_visible()
    cards = page.locator('[data-testid^="order-card-"]')
    expect(cards).to_have_count(5)
    def listed_orders() -> list[str]:
        text = page.get_by_text("Which order do you mean?", exact=False).last.evaluate(
            "e => e.closest('[data-step-type]').innerText.replace(/^\\s*/gm, '- ')")
        return re.findall(r"^- (112-\d{7})", text, re.M)

    # The message may still be rendering its list when the cards are in (a busy machine).
    deadline = time.monotonic() + 10
    listed = listed_orders()
    while len(listed) < 5 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        listed = listed_orders()
    shown = [str(c.get_attribute("data-testid")).removeprefix("order-card-")
             for c in cards.all()]
    assert listed[:5] == shown, (listed, shown)
    shot(page, "ui-18-order-list-and-cards-1280")


# --- issue 15, second round: pushed cards, buttons after a resume, money on the desks -------
@pytest.mark.parametrize(("viewport", "dark"), [(WIDE, False), (NARROW, True)],
                         ids=["1280", "390-dark"])
def test_a_change_made_elsewhere_reaches_the_open_card_without_any_action_in_the_chat(
    server: AppServer, open_page: Open, viewport: dict[str, int], dark: bool,
) -> None:
    page = open_page(viewport, dark=dark)
    sign_in(page, server, "bob@example.com")
    ask(page, "Show me order 112-0000014")
    card = page.get_by_test_id("order-card-112-0000014").first
    item = "B8" if not dark else "B10"  # the shop's pending keyboard; DeskGear's mouse pad
    expect(card.get_by_test_id(f"item-{item}")).to_contain_text(
        "Can be cancelled" if item == "B8" else "Ask the seller")
    store = server.store()  # the warehouse ships it: no click, no message, no reload
    if item == "B8":
        result = services.apply_event(store.uow(), "ship", "B8")
    else:  # the world's seller answers a request the customer made elsewhere
        bob = Actor("customer", "bob@example.com")
        proposed = services.propose(store.uow(), bob, ProposalKind.SELLER_REQUEST,
                                    "112-0000014", ["B10"], reason=Reason.ORDERED_BY_MISTAKE)
        assert proposed.proposal is not None
        services.confirm(store.uow(), bob, proposed.proposal.id)
        result = services.apply_event(store.uow(), "seller_approves", "B10")
    store.engine.dispose()
    assert result.applied
    expect(card.get_by_test_id(f"item-{item}")).to_contain_text(
        "shipped" if item == "B8" else "cancelled", timeout=5_000)
    expect(card.locator(f'[data-testid="pick-{item}"]:enabled')).to_have_count(0)
    card.scroll_into_view_if_needed()
    shot(page, f"ui-21-card-pushed-{'shipped' if item == 'B8' else 'seller-approved'}-"
               f"{size(page)}{'-dark' if dark else ''}")


def test_a_thread_opened_again_gives_back_its_cancelled_orders_button(
    server: AppServer, open_page: Open,
) -> None:
    page = open_page(NARROW)
    sign_in(page, server, "bob@example.com")
    ask(page, "cancel the mouse from order 112-0000014, ordered by mistake")
    confirm, _ = proposal_buttons(page, "Confirm cancellation")
    confirm.click()
    expect(page.get_by_text("Cancelled: Mouse", exact=False).last).to_be_visible()
    expect(page.get_by_role("button", name="Cancelled orders")).to_have_count(1)
    thread = last_thread_of(server, "bob@example.com")

    page.goto(f"{server.url}/thread/{thread}")  # opened again from the history
    expect(page.get_by_text("Cancelled: Mouse", exact=False).last).to_be_visible()
    button = page.get_by_role("button", name="Cancelled orders")
    expect(button).to_have_count(1)
    in_view_above_composer(page, button)
    shot(page, "ui-22-cancelled-orders-button-after-resume-390")
    button.click()
    view = page.get_by_test_id("cancelled-orders").last
    expect(view.get_by_test_id("reason-B9")).to_be_visible()
    view.scroll_into_view_if_needed()
    shot(page, "ui-23-cancelled-orders-after-resume-390")


def test_the_seller_and_returns_desks_write_amounts_with_the_orders_currency(
    server: AppServer, open_page: Open,
) -> None:
    store = server.store()
    with store.engine.begin() as conn:  # the desk lamp's order was taken in dollars
        conn.execute(text("UPDATE orders SET currency = 'USD' WHERE id = '112-0000003'"))
    ana = Actor("customer", "ana@example.com")
    for kind, order_id, item, reason in (
            (ProposalKind.SELLER_REQUEST, "112-0000003", "A5", Reason.NO_LONGER_NEEDED),
            (ProposalKind.REFUSAL, "112-0000005", "A8", None)):
        proposed = services.propose(store.uow(), ana, kind, order_id, [item], reason=reason)
        assert proposed.proposal is not None
        services.confirm(store.uow(), ana, proposed.proposal.id)
    store.engine.dispose()

    desk = open_page()
    sign_in_seller(desk, server, "lumen@sellers.example")
    expect(desk.get_by_text(re.compile(r"order 112-0000003 · \$34\.00")).last).to_be_visible()
    desk.get_by_role("button", name="Approve").last.click()
    expect(desk.get_by_text("The customer is refunded $34.00", exact=False)).to_be_visible()
    shot(desk, "ui-24-seller-desk-usd-1280")
    desk.get_by_role("button", name="Cancel").last.click()  # the request stays pending

    returns = open_page(NARROW)
    sign_in(returns, server, "sam@shop.example")
    ask(returns, "/returns")
    # No currency on this order: the shop's default, EUR.
    expect(returns.get_by_text(re.compile(r"order 112-0000005 · €45\.00")).last).to_be_visible()
    shot(returns, "ui-25-returns-desk-eur-390")
