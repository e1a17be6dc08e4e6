"""How soon the chat moves with a model provider: from pressing send to the step line
("Working on your message"), to the first sentence the reply guard released, and to the
whole reply. Not a test: it prints.

    python -m benchmarks.ui_stream_bench [--turns 5] [--pace 0.05]

The first turn of a chat (cold: first model client, first reads) is printed apart from the
others; `--settle 0` types it while the chat's engine is still being built at sign-in.

The real app (Chainlit, SQLite, the demo world) in a subprocess; its model a local scripted
OpenAI-compatible server that looks an order up, then streams a three-sentence answer with
`--pace` seconds before each word; headless Chromium (/usr/bin/chromium) at 1280 px, whose
page records when each text first appeared. Target (issue 15): the step line within 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.app_server import running_app
from tests.fakes.openai_server import FakeOpenAI, call, say

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]
WORKING = "Working on your message"
RECORDER = """
window.__seen = [];
new MutationObserver(() => window.__seen.push([performance.now(), document.body.innerText]))
  .observe(document, {childList: true, subtree: true, characterData: true});
"""


def turn(page: Page, n: int) -> tuple[float, float, float]:
    box = page.locator("#chat-input")
    expect(page.locator("#stop-button")).to_have_count(0)
    page.evaluate("window.__seen = []")
    box.click()
    page.keyboard.type(f"tell me about order 112-0000001 ({n})")
    expect(page.locator("#chat-submit")).to_be_enabled()
    sent = float(page.evaluate("performance.now()"))
    page.locator("#chat-submit").click()
    expect(page.get_by_text(f"End of answer {n}.").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(WORKING)).to_have_count(0, timeout=30_000)
    seen = [(float(t), str(body)) for t, body in page.evaluate("window.__seen")]

    def first(words: str, *, gone: str | None = None) -> float:
        return next(t for t, body in seen if words in body
                    and (gone is None or gone not in body)) - sent

    return (first(WORKING), first(f"Turn {n} starts here."),
            first(f"End of answer {n}.", gone=WORKING))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=5)
    parser.add_argument("--pace", type=float, default=0.05)
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds between sign-in and the first message (0: type at once;"
                             " the chat's engine is still being built)")
    args = parser.parse_args()
    with FakeOpenAI() as model, tempfile.TemporaryDirectory() as tmp, \
            running_app(Path(tmp), RESCIND_PROVIDER="openai-compatible",
                        OPENAI_BASE_URL=model.url, RESCIND_MODEL="bench",
                        RESCIND_MODEL_RETRIES="0") as app, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(RECORDER)
        page.goto(f"{app.url}/login")
        page.locator("#email").fill("ana@example.com")
        page.locator("#password").fill("rescind")
        page.get_by_role("button", name="Sign In").click()
        expect(page.locator("#welcome-screen")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(args.settle * 1000)  # a person reads the welcome screen first
        rows = []
        for n in range(0, args.turns + 1):
            model.push(call("lookup_order", {"order_id": "112-0000001"}),
                       say(f"Turn {n} starts here. The order has two items. "
                           f"End of answer {n}.", pace_s=args.pace))
            try:
                rows.append(turn(page, n))
            except AssertionError:
                page.screenshot(path="/tmp/ui-run/bench-fail.png")
                print(app.log_tail(30), model.unscripted, model.rejected)
                raise
        browser.close()
    cold, rows = rows[0], rows[1:]
    print(f"first turn (cold): step line {cold[0]:.0f} ms, first sentence {cold[1]:.0f} ms, "
          f"whole reply {cold[2]:.0f} ms")
    columns = list(zip(*rows, strict=True))
    for name, values in zip(("step line", "first sentence", "whole reply"), columns,
                            strict=True):
        ms = sorted(values)
        print(f"{name:15s} p50 {statistics.median(ms):7.0f} ms   max {ms[-1]:7.0f} ms   "
              f"({len(ms)} turns, {args.pace:.2f} s before each word)")


if __name__ == "__main__":
    main()
