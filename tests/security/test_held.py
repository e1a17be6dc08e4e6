"""Attacks that held before the hardening, kept as regressions: parallel and replayed
confirms, forged confirm payloads, a claimed staff profile, header spoofing with header
sign-in off, path traversal."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.security.conftest import ANA, BOB, App, address, assert_refused, bare, unchanged
from tests.support import count, refunded, status
from tests.ui.protocol import ChatClient


async def proposed(app: App, chat: ChatClient, order: str, item: str) -> dict[str, str]:
    response = await chat.action("pick_items", {"order_id": order, "item_ids": [item],
                                                "reason": "no_longer_needed"})
    assert response.status_code == 200, response.text
    await chat.until(lambda: bool(chat.live_actions("confirm")))
    payload: dict[str, str] = chat.live_actions("confirm")[-1]["payload"]
    return payload


async def test_twenty_parallel_confirms_cancel_and_refund_once(app: App) -> None:
    ana = await app.client(ANA)
    await ana.send("Show me order 112-0000004")
    payload = await proposed(app, ana, "112-0000004", "A7")
    answers = await asyncio.gather(*[ana.action("confirm", payload) for _ in range(20)])
    assert all(a.status_code == 200 for a in answers)
    assert status(app.store, "A7") == "cancelled"
    assert count(app.store, "cancellations", item_id="A7") == 1
    assert refunded(app.store, "112-0000004") == Decimal("36.00")
    with unchanged(app):  # and a replay later changes nothing either
        await ana.action("confirm", payload)


async def test_a_confirm_with_a_forged_fingerprint_or_for_another_user_changes_nothing(
    app: App,
) -> None:
    ana = await app.client(ANA)
    await ana.send("Show me order 112-0000007")
    payload = await proposed(app, ana, "112-0000007", "A13")
    bob = await app.client(BOB)
    with unchanged(app, ("proposals", {"actor_email": ANA})):
        await ana.action("confirm", {**payload, "fingerprint": "0" * 16})
        await bob.action("confirm", payload)  # from his own chat
    assert status(app.store, "A13") == "unshipped"


async def test_a_claimed_staff_profile_still_gets_customer_rules(app: App) -> None:
    bob = ChatClient(app.server)
    app.clients.append(bob)
    await bob.http.post("/login", data={"username": BOB, "password": "rescind"},
                        headers={"X-Forwarded-For": address()})
    await bob.connect(chat_profile="Support desk")
    with unchanged(app):
        await bob.send("Is order 112-0000001 cancellable?")
    last = bob.steps()[-1]  # a customer's step: a plain line, no output to expand
    assert last["metadata"]["tool"] == "lookup_order"
    assert last["name"] == "Looked for order 112-0000001" and not last.get("output")


async def test_a_spoofed_sso_header_signs_nobody_in_while_header_sign_in_is_off(
    app: App,
) -> None:
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {}), ("chat_users", {})):
            response = await http.post("/auth/header", headers={
                "X-Forwarded-Email": "sam@shop.example", "X-Forwarded-User": "sam"})
            assert_refused(response, 400)
            assert not response.cookies
            assert (await http.get("/user")).status_code == 401


@pytest.mark.parametrize("path", [
    "/public/../.chainlit/config.toml", "/public/%2e%2e/%2e%2e/etc/passwd",
    "/public/..%2f..%2f..%2fetc%2fpasswd", "/avatars/..%2f..%2fpyproject.toml",
    "/assets/../../../../etc/passwd",
])
async def test_path_traversal_reads_no_file_outside_the_public_folders(
    app: App, path: str,
) -> None:
    async with bare(app) as http:
        with unchanged(app):
            response = await http.get(path)
    assert response.status_code in (200, 400, 404)  # 200: the app's own index page
    assert "root:x:" not in response.text and "[project]" not in response.text
