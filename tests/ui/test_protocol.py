"""The running app over its wire protocol (HTTP + socket.io), without a browser: sign-in,
messages, the picker and the buttons, and everything a tampering client could send."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import socketio

from tests.app_server import AppServer, running_app
from tests.support import count, refunded, rows, status, throwaway_database
from tests.ui.protocol import ChatClient

ANA, BOB, SAM = "ana@example.com", "bob@example.com", "sam@shop.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with running_app(tmp_path_factory.mktemp("protocol"),
                     RESCIND_HEADER_AUTH="X-Forwarded-Email") as app:
        yield app


@pytest.fixture
async def clients(server: AppServer) -> AsyncIterator[list[ChatClient]]:
    opened: list[ChatClient] = []
    yield opened
    for client in opened:
        await client.close()


async def signed_in(server: AppServer, clients: list[ChatClient], email: str,
                    chat_profile: str | None = None) -> ChatClient:
    client = ChatClient(server)
    clients.append(client)
    assert (await client.login(email)).status_code == 200
    await client.connect(chat_profile=chat_profile)
    return client


async def test_a_wrong_password_gets_no_session(server: AppServer) -> None:
    client = ChatClient(server)
    try:
        response = await client.login(ANA, "not-the-password")
        assert response.status_code == 401 and client.token is None
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect()
    finally:
        await client.close()


async def test_header_sign_in_gives_the_role_of_the_account_the_proxy_names(
    server: AppServer, clients: list[ChatClient],
) -> None:
    client = ChatClient(server)
    clients.append(client)
    assert (await client.header_login({"X-Forwarded-Email": "nobody@example.com"})) \
        .status_code == 401
    assert (await client.header_login({"X-Forwarded-Email": SAM})).status_code == 200
    user = (await client.http.get("/user")).json()
    assert user["identifier"] == SAM and user["metadata"]["role"] == "staff"
    settings = (await client.http.get("/project/settings")).json()
    assert [p["name"] for p in settings["chatProfiles"]] == ["Support desk"]
    assert "Is this order cancellable?" in [s["label"] for s in settings["starters"]]


async def test_a_customer_cancels_one_item_over_the_wire_and_sees_it_in_the_cancelled_view(
    server: AppServer, clients: list[ChatClient],
) -> None:
    ana = await signed_in(server, clients, ANA)
    await ana.send("Show me order 112-0000001")
    assert [s["name"] for s in ana.steps()] == ["Looked up order 112-0000001"]
    card = ana.elements("OrderCard")[-1]["props"]
    assert card["pickable"] and [i["id"] for i in card["order"]["items"]] == ["A1", "A2"]

    response = await ana.action("pick_items", {"order_id": "112-0000001", "item_ids": ["A1"],
                                               "reason": "no_longer_needed"})
    assert response.json()["response"]["ok"] is True
    await ana.until(lambda: bool(ana.live_actions("confirm")))
    confirm = ana.live_actions("confirm")[-1]
    assert "Wireless headphones" in ana.messages()[-1] and "59.99" in ana.messages()[-1]

    await ana.action("confirm", confirm["payload"])
    await ana.until(lambda: "Cancelled:" in ana.messages()[-1])
    assert "confirmation e-mail" in ana.messages()[-1]
    store = server.store()
    assert status(store, "A1") == "cancelled" and status(store, "A2") == "unshipped"
    assert refunded(store, "112-0000001") == Decimal("59.99")
    assert count(store, "emails", order_id="112-0000001") == 1

    await ana.action("show_cancelled", {})
    await ana.until(lambda: bool(ana.elements("CancelledOrders")))
    listed = {o["order_id"] for o in ana.elements("CancelledOrders")[-1]["props"]["orders"]}
    assert "112-0000001" in listed

    # The conversation is in the history sidebar, and only for Ana.
    thread_id = ana.thread_id()
    assert thread_id is not None
    threads = (await ana.http.post("/project/threads", json={
        "pagination": {"first": 20}, "filter": {}})).json()["data"]
    assert thread_id in [t["id"] for t in threads]
    assert (await ana.http.get(f"/project/thread/{thread_id}")).status_code == 200
    bob = ChatClient(server)
    clients.append(bob)
    await bob.login(BOB)
    assert (await bob.http.get(f"/project/thread/{thread_id}")).status_code == 401
    bobs_threads = (await bob.http.post("/project/threads", json={
        "pagination": {"first": 20}, "filter": {}})).json()["data"]
    assert thread_id not in [t["id"] for t in bobs_threads]
    with pytest.raises(socketio.exceptions.ConnectionError):
        await bob.connect(thread_id=thread_id)  # resuming Ana's thread is refused


async def test_forged_actions_and_a_claimed_profile_change_nothing(
    server: AppServer, clients: list[ChatClient],
) -> None:
    ana = await signed_in(server, clients, ANA)
    await ana.send("Show me order 112-0000004")
    await ana.action("pick_items", {"order_id": "112-0000004", "item_ids": ["A7"],
                                    "reason": "ordered_by_mistake"})
    await ana.until(lambda: bool(ana.live_actions("confirm")))
    anas = ana.live_actions("confirm")[-1]["payload"]

    bob = await signed_in(server, clients, BOB, chat_profile="Support desk")
    await bob.send("Is order 112-0000004 cancellable?")
    # customer rules despite the profile: not found, and a customer's plain step line
    assert bob.steps()[-1]["name"] == "Looked for order 112-0000004"
    assert not bob.steps()[-1].get("output")
    assert not bob.elements("OrderCard")
    before = count(server.store(), "cancellations")
    forged = [
        ("confirm", anas, None),  # Ana's proposal from Bob's session
        ("confirm", {"proposal_id": anas["proposal_id"], "fingerprint": "0" * 16}, None),
        ("confirm", {}, None),
        ("pick_items", {"order_id": "112-0000004", "item_ids": ["A7"],
                        "reason": "other"}, None),
        ("pick_items", {"order_id": "112-0000009", "item_ids": ["B1"], "reason": "x" * 99},
         None),
    ]
    for name, payload, session in forged:
        response = await bob.action(name, payload, session)
        assert response.status_code == 200
    # Bob's cookie on Ana's session id: refused by the request gate before Chainlit.
    assert (await bob.action("confirm", anas, ana.session_id)).status_code == 403
    store = server.store()
    assert status(store, "A7") == "unshipped" and status(store, "B1") == "unshipped"
    assert count(store, "cancellations") == before
    assert count(store, "proposals", status="pending", actor_email=BOB) == 0
    assert all("Cancelled:" not in m for m in bob.messages())


async def test_a_conversation_is_resumed_from_the_history_and_goes_on_in_the_same_thread(
    server: AppServer, clients: list[ChatClient],
) -> None:
    ana = await signed_in(server, clients, ANA)
    await ana.send("Show me order 112-0000002")
    thread_id = ana.thread_id()
    assert thread_id is not None
    await ana.close()

    again = ChatClient(server)
    clients.append(again)
    await again.login(ANA)
    await again.connect(thread_id=thread_id)
    resumed = again.payloads("resume_thread")[-1]
    assert "Show me order 112-0000002" in [s["output"] for s in resumed["steps"]]
    assert "OrderCard" in [e["name"] for e in resumed["elements"]]
    await again.send("Did my cancellation go through?")
    steps = sorted(rows(server.store(), "chat_steps", thread_id=thread_id),
                   key=lambda r: r["created_at"])
    asked = [r["output"] for r in steps if r["type"] == "user_message"]
    assert asked == ["Show me order 112-0000002", "Did my cancellation go through?"]


@pytest.mark.postgres
async def test_on_postgresql_the_orders_and_the_chat_history_share_the_database(
    tmp_path: Path,
) -> None:
    with throwaway_database("rescind_app") as url, \
            running_app(tmp_path, database_url=url) as server:
        client = ChatClient(server)
        try:
            assert (await client.login(ANA)).status_code == 200
            await client.connect()
            await client.send("Show me order 112-0000001")
            await client.action("pick_items", {"order_id": "112-0000001", "item_ids": ["A1"],
                                               "reason": "delivery_too_slow"})
            await client.until(lambda: bool(client.live_actions("confirm")))
            await client.action("confirm", client.live_actions("confirm")[-1]["payload"])
            await client.until(lambda: "Cancelled:" in client.messages()[-1])
        finally:
            await client.close()
        store = server.store()
        assert status(store, "A1") == "cancelled"
        thread_id = client.thread_id()
        assert rows(store, "chat_threads", id=thread_id)[0]["user_identifier"] == ANA
        assert count(store, "chat_steps", thread_id=thread_id) >= 4
        store.engine.dispose()
