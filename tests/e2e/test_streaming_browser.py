"""Streaming with a model provider, in Chromium: the real app, its model a local scripted
OpenAI-compatible server that writes slowly and lies halfway. A step line shows at once;
the reply's first, true sentence is on the page while the model is still writing; the lie
never is, at any moment (a recorder in the page keeps every text the chat showed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.app_server import AppServer, running_app
from tests.e2e.test_browser import ARGS, CHROMIUM, WAIT_MS, shot, sign_in
from tests.fakes.openai_server import FakeOpenAI, call, say

pytestmark = pytest.mark.browser

TRUE = "Your order 112-0000001 has two items."
LIE = "I went ahead and cancelled the Wireless headphones."
PACE_S = 0.15  # a pause before each word the model streams
# Every text the message list showed, with when it showed it (ms since the page loaded).
RECORDER = """
window.__seen = [];
new MutationObserver(() => {
  const list = document.querySelector('#chat-input') && document.body;
  if (list) window.__seen.push([performance.now(), list.innerText]);
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: FakeOpenAI) -> Iterator[AppServer]:
    with running_app(tmp_path_factory.mktemp("e2e-stream"), RESCIND_PROVIDER="openai-compatible",
                     OPENAI_BASE_URL=model.url, RESCIND_MODEL="slow-liar",
                     RESCIND_MODEL_RETRIES="0") as app:
        yield app


@pytest.fixture(params=[{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                ids=["1280", "390"])
def page(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Page]:
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport=request.param)
        context.set_default_timeout(WAIT_MS)
        context.add_init_script(RECORDER)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def send_and_time(page: Page, text: str) -> float:
    """Type and send; the page's clock when the send button was pressed."""
    page.locator("#chat-input").click()
    page.keyboard.type(text)
    send = page.locator("#chat-submit")
    expect(send).to_be_enabled()
    sent_at = float(page.evaluate("performance.now()"))
    send.click()
    return sent_at


def first_seen(seen: list[tuple[float, str]], words: str, after: float) -> float | None:
    return next((t for t, body in seen if t >= after and words in body), None)


def test_a_step_line_at_once_then_only_guarded_sentences_while_the_model_writes(
    server: AppServer, model: FakeOpenAI, page: Page,
) -> None:
    model.push(call("lookup_order", {"order_id": "112-0000001"}),
               say(f"{TRUE} {LIE} Anything else I can do?", pace_s=PACE_S))
    sign_in(page, server, "ana@example.com")
    sent_at = send_and_time(page, "tell me about order 112-0000001")
    expect(page.get_by_text("Working on your message")).to_be_visible()
    expect(page.get_by_text(TRUE).first).to_be_visible()
    shot(page, f"ui-16-streaming-first-sentence-{page.viewport_size['width']}")  # type: ignore[index]
    expect(page.get_by_text("Looked up order 112-0000001")).to_be_visible()  # the turn ended
    expect(page.get_by_text("According to the order system", exact=False).last).to_be_visible()
    expect(page.get_by_text("Working on your message")).to_have_count(0)
    shot(page, f"ui-17-streaming-done-{page.viewport_size['width']}")  # type: ignore[index]

    seen = [(float(t), str(body)) for t, body in page.evaluate("window.__seen")]
    working = first_seen(seen, "Working on your message", sent_at)
    sentence = first_seen(seen, TRUE, sent_at)
    finished = first_seen(seen, "Looked up order 112-0000001", sent_at)
    assert working is not None and sentence is not None and finished is not None
    assert working <= sentence < finished  # the first sentence came while the model wrote
    assert not any("went ahead" in body or "cancelled the Wireless" in body for _, body in seen)
    assert model.unscripted == 0 and not model.rejected
