"""Attacks on the routes: the API docs and schema, other origins (CORS, cross-site writes,
cross-site sockets), malformed and oversized bodies, sessions that aren't the caller's, and
routes of features that are switched off. Every refusal is a 4xx with a plain message and
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from tests.security.conftest import ANA, BOB, App, assert_refused, bare, raw_connect, unchanged

EVIL = "https://evil.example"


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
async def test_the_api_docs_and_schema_are_not_served(app: App, path: str) -> None:
    async with bare(app) as http:
        with unchanged(app):
            response = await http.get(path)
    assert_refused(response, 404)
    assert "openapi" not in response.text.lower() and "swagger" not in response.text.lower()


async def test_a_cors_preflight_from_another_origin_is_not_allowed(app: App) -> None:
    async with bare(app) as http:
        with unchanged(app):
            response = await http.options("/project/threads", headers={
                "Origin": EVIL, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_another_origin_cannot_read_a_signed_in_users_data(app: App) -> None:
    ana = await app.client(ANA, connect=False)
    with unchanged(app):
        response = await ana.http.get("/user", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in response.headers  # the browser won't share it


async def test_a_cross_site_write_with_the_users_cookie_is_refused(app: App) -> None:
    ana = await app.client(ANA)
    with unchanged(app, ("proposals", {"actor_email": ANA})):
        response = await ana.http.post("/project/action", headers={"Origin": EVIL}, json={
            "sessionId": ana.session_id,
            "action": {"name": "pick_items", "id": "x", "payload": {
                "order_id": "112-0000001", "item_ids": ["A1"], "reason": "other"}}})
    assert_refused(response, 403)


async def test_a_socket_from_a_page_of_another_origin_is_refused(app: App) -> None:
    ana = await app.client(ANA, connect=False)
    with unchanged(app), pytest.raises(socketio.exceptions.ConnectionError):
        await raw_connect(app, ana.token, origin=EVIL)
    same = await raw_connect(app, ana.token, origin=app.url)  # the app's own page may
    assert same.connected
    await same.disconnect()


async def test_every_response_carries_the_security_headers(app: App) -> None:
    ana = await app.client(ANA, connect=False)
    for response in (await ana.http.get("/"), await ana.http.get("/user"),
                     await ana.http.get("/docs")):
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    assert (await ana.http.get("/user")).headers["cache-control"] == "no-store"


MALFORMED: dict[str, Any] = {
    "action is null": {"action": None},
    "action is a string": {"action": "x"},
    "payload is null": {"action": {"name": "confirm", "payload": None, "id": "1"}},
    "payload is a string": {"action": {"name": "confirm", "payload": "x", "id": "1"}},
    "payload is a list": {"action": {"name": "pick_items", "payload": ["A1"], "id": "1"}},
    "an unknown action field": {"action": {"name": "confirm", "payload": {}, "id": "1",
                                           "__class__": "x"}},
    "an overlong action name": {"action": {"name": "c" * 5000, "payload": {}, "id": "1"}},
    "no session id": {"sessionId": None},
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_a_malformed_action_gets_a_400_and_changes_nothing(app: App, case: str) -> None:
    ana = await app.client(ANA)
    body = {"sessionId": ana.session_id, **MALFORMED[case]}
    with unchanged(app, ("proposals", {"actor_email": ANA})):
        response = await ana.http.post("/project/action", json=body)
    assert_refused(response, 400)
    assert "nothing was changed" in response.json()["detail"]


async def test_a_body_that_is_not_json_gets_a_400(app: App) -> None:
    ana = await app.client(ANA, connect=False)
    with unchanged(app):
        for path, method in (("/project/action", "POST"), ("/feedback", "PUT"),
                             ("/project/element", "PUT"), ("/set-session-cookie", "POST"),
                             ("/project/threads", "POST")):
            response = await ana.http.request(method, path, content=b"{not json",
                                              headers={"Content-Type": "application/json"})
            assert_refused(response, 400)


async def test_an_oversized_body_gets_a_413_before_anything_reads_it(app: App) -> None:
    ana = await app.client(ANA)
    huge = {"sessionId": ana.session_id, "action": {
        "name": "pick_items", "id": "1", "payload": {"reason_text": "x" * 2_000_000}}}
    with unchanged(app, ("proposals", {"actor_email": ANA})):
        response = await ana.http.post("/project/action", json=huge)
        assert_refused(response, 413)
        response = await ana.http.put("/project/thread", json={"threadId": "t",
                                                               "name": "x" * 200_000})
        assert response.status_code in (400, 413)


async def test_an_action_for_a_chat_that_does_not_exist_gets_a_404(app: App) -> None:
    ana = await app.client(ANA, connect=False)
    with unchanged(app):
        response = await ana.http.post("/project/action", json={
            "sessionId": "no-such-session", "action": {"name": "confirm", "payload": {},
                                                       "id": "1"}})
    assert_refused(response, 404)


async def test_an_action_on_another_users_chat_gets_a_403(app: App) -> None:
    ana = await app.client(ANA)
    await ana.send("Show me order 112-0000001")
    bob = await app.client(BOB, connect=False)
    with unchanged(app, ("proposals", {})):
        response = await bob.http.post("/project/action", json={
            "sessionId": ana.session_id, "action": {
                "name": "pick_items", "id": "1", "payload": {
                    "order_id": "112-0000001", "item_ids": ["A1"], "reason": "other"}}})
    assert_refused(response, 403)


@pytest.mark.parametrize("request_", [
    ("POST", "/mcp", {"sessionId": "s", "name": "x"}),
    ("DELETE", "/mcp", {"sessionId": "s", "name": "x"}),
])
async def test_the_switched_off_mcp_routes_answer_404_not_success(
    app: App, request_: tuple[str, str, dict[str, str]],
) -> None:
    ana = await app.client(ANA, connect=False)
    method, path, body = request_
    with unchanged(app):
        assert_refused(await ana.http.request(method, path, json=body), 404)


async def test_a_thread_cannot_be_shared_while_sharing_is_switched_off(app: App) -> None:
    ana = await app.client(ANA)
    await ana.send("Show me order 112-0000002")
    thread_id = ana.thread_id()
    with unchanged(app, ("chat_threads", {"id": thread_id})):
        assert_refused(await ana.http.put("/project/thread/share", json={
            "threadId": thread_id, "isShared": True}), 404)
        async with bare(app) as anonymous:
            assert_refused(await anonymous.get(f"/project/share/{thread_id}"), 404)


async def test_a_file_upload_is_refused_while_uploads_are_switched_off(app: App) -> None:
    ana = await app.client(ANA)
    with unchanged(app, ("chat_elements", {})):
        response = await ana.http.post(f"/project/file?session_id={ana.session_id}",
                                       files={"file": ("x.txt", b"hello", "text/plain")})
    assert_refused(response, 403)


@pytest.mark.parametrize("body", [
    {"pagination": {"first": -1}, "filter": {}},
    {"pagination": {"first": 10 ** 9}, "filter": {}},
    {"pagination": {"first": 10}, "filter": {"search": "%" * 5000}},
    {"session_id": None},
])
async def test_out_of_range_list_and_cookie_requests_get_a_400(
    app: App, body: dict[str, Any],
) -> None:
    ana = await app.client(ANA, connect=False)
    path = "/set-session-cookie" if "session_id" in body else "/project/threads"
    with unchanged(app):
        assert_refused(await ana.http.post(path, json=body), 400)
