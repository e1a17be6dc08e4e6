"""P12 in the browser: the real app, its model an OpenAI-compatible server (local, scripted)
that lies about what it did. The lie never reaches the page; the store's facts do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Playwright, expect, sync_playwright

from tests.app_server import AppServer, running_app
from tests.e2e.test_browser import ARGS, CHROMIUM, WAIT_MS, ask, shot, sign_in
from tests.fakes.openai_server import FakeOpenAI, call, say
from tests.support import status

pytestmark = pytest.mark.browser

LIE = "I went ahead and cancelled the Wireless headphones. Your refund of 59.99 is on its way."


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI) -> Iterator[AppServer]:
    with running_app(tmp_path_factory.mktemp("e2e-liar"), RESCIND_PROVIDER="openai-compatible",
                     OPENAI_BASE_URL=model.url, RESCIND_MODEL="liar",
                     RESCIND_MODEL_RETRIES="0") as app:
        yield app


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as p:
        context = _browser(p, tmp_path)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def _browser(p: Playwright, tmp_path: Path):  # type: ignore[no-untyped-def]
    context = p.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
        viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    return context


def test_a_lying_models_reply_never_reaches_the_page(
    server: AppServer, model: FakeOpenAI, page: Page,
) -> None:
    model.push(call("lookup_order", {"order_id": "112-0000001"}), say(LIE))
    sign_in(page, server, "ana@example.com")

    ask(page, "cancel the headphones from order 112-0000001")

    expect(page.get_by_text("According to the order system", exact=False).last).to_be_visible()
    # The streamed preview says it first; the reply replaces it when the turn ends.
    expect(page.get_by_text("Working on your message")).to_have_count(0)
    shot(page, "20-lying-model-corrected")
    content = page.content()
    assert "I went ahead" not in content and "is on its way" not in content
    assert "Wireless headphones has not been cancelled" in content
    store = server.store()
    try:
        assert status(store, "A1") == "unshipped"
    finally:
        store.engine.dispose()
    assert model.unscripted == 0 and not model.rejected
