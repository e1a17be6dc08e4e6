"""Attacks on sessions: a token after sign-out, after a password change, past its session's
end; forged, re-signed and tampered tokens. Each is refused on HTTP and on the socket, and
leaves the database as it was."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
import socketio
from sqlalchemy import update

from store.sql.security_orm import AuthSessionRow
from tests.app_server import ROOT, SECRET
from tests.security.conftest import (
    ANA,
    BOB,
    TARGETS,
    App,
    assert_refused,
    bare,
    login,
    mint,
    raw_connect,
    sid_of,
    unchanged,
)
from tests.support import rows

ENDED = "Your session has ended; please sign in again."


async def replay(app: App, token: str, surface: str, session_id: str) -> httpx.Response | None:
    """Use `token` on one surface; the HTTP answer (None for the socket, which must raise)."""
    async with bare(app, token) as http:
        if surface == "user":
            return await http.get("/user")
        if surface == "threads":
            return await http.post("/project/threads",
                                   json={"pagination": {"first": 10}, "filter": {}})
        if surface == "action":
            return await http.post("/project/action", json={
                "sessionId": session_id, "action": {"name": "show_cancelled", "payload": {},
                                                    "id": "a1"}})
        if surface == "renewal":
            return await http.post("/auth/jwt", headers={"Authorization": f"Bearer {token}"})
    with pytest.raises(socketio.exceptions.ConnectionError):
        await raw_connect(app, token)
    return None


@pytest.mark.parametrize("surface", ["user", "threads", "action", "renewal", "socket"])
async def test_a_token_replayed_after_sign_out_is_refused(app: App, surface: str) -> None:
    ana = await app.client(ANA)
    token = ana.token
    assert token is not None
    assert (await ana.http.post("/logout")).status_code == 200
    with unchanged(app, ("auth_sessions", {"account_email": ANA})):
        response = await replay(app, token, surface, ana.session_id)
    if response is not None:
        assert_refused(response, 401)
        assert response.json()["detail"] == ENDED
        assert not issued_token(response)


async def test_signing_out_closes_every_socket_of_that_sign_in_and_no_other(app: App) -> None:
    ana = await app.client(ANA)
    second = await raw_connect(app, ana.token)
    bob = await app.client(BOB)
    with unchanged(app):
        await ana.http.post("/logout")
        await ana.until(lambda: not ana.sio.connected and not second.connected, timeout=10)
    assert bob.sio.connected
    await second.disconnect()


async def test_a_session_past_its_absolute_end_is_refused_even_with_a_fresh_token(
    app: App,
) -> None:
    chat = await app.client(BOB, connect=False)
    token = chat.token
    assert token is not None
    with app.store.engine.begin() as conn:
        conn.execute(update(AuthSessionRow).where(AuthSessionRow.account_email == BOB)
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    fresh = mint(BOB, sid=sid_of(token))  # even a token with an hour left
    with unchanged(app, ("auth_sessions", {"account_email": BOB})):
        for presented in (token, fresh):
            for surface in ("user", "renewal", "socket"):
                response = await replay(app, presented, surface, chat.session_id)
                if response is not None:
                    assert_refused(response, 401)


async def test_a_password_change_ends_the_accounts_sessions_on_http_and_on_open_sockets(
    app: App,
) -> None:
    victim = TARGETS[7]
    chat = await app.client(victim)
    token = chat.token
    assert token is not None
    changed = subprocess.run(
        [sys.executable, "-m", "store", "set-password", victim], input="a brand new secret\n",
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**os.environ, "DATABASE_URL": app.server.database_url})
    assert changed.returncode == 0 and "1 session(s) ended" in changed.stdout, changed.stderr
    with unchanged(app):
        assert_refused(await replay(app, token, "user", chat.session_id), 401)  # type: ignore[arg-type]
        await replay(app, token, "socket", chat.session_id)
        await chat.send("Show me order 112-0000001")  # the socket opened before the change
    assert "signed out" in chat.messages()[-1] and not chat.steps()
    async with bare(app) as http:
        assert (await login(http, victim, via="192.0.2.250")).status_code == 401
        assert (await login(http, victim, "a brand new secret", via="192.0.2.250")) \
            .status_code == 200


FORGERIES = {
    "signed with alg none": lambda live, other: mint(ANA, sid=live, algorithm="none"),
    "signed with another key": lambda live, other: mint(ANA, sid=live, key="k" * 64),
    "without a session id": lambda live, other: mint(ANA),
    "with an invented session id": lambda live, other: mint(ANA, sid="x" * 43),
    "with another account's session": lambda live, other: mint(ANA, sid=other),
    "past its expiry": lambda live, other: mint(ANA, sid=live,
                                                expires_in=timedelta(minutes=-1)),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
async def test_a_forged_or_tampered_token_is_refused(app: App, forgery: str) -> None:
    ana = await app.client(ANA, connect=False)
    bob = await app.client(BOB, connect=False)
    token = FORGERIES[forgery](sid_of(str(ana.token)), sid_of(str(bob.token)))
    with unchanged(app, ("auth_sessions", {}), ("chat_users", {})):
        for surface in ("user", "threads", "renewal", "socket"):
            response = await replay(app, token, surface, ana.session_id)
            if response is not None:
                assert_refused(response, 401)


async def test_a_live_token_past_half_its_life_is_renewed_but_never_past_the_session(
    app: App,
) -> None:
    chat = await app.client(ANA, connect=False)
    sid = sid_of(str(chat.token))
    aging = mint(ANA, sid=sid, expires_in=timedelta(minutes=20))
    async with bare(app, aging) as http:
        response = await http.get("/user")
        assert response.status_code == 200
        renewed = response.cookies.get("access_token")
        assert renewed and renewed != aging
        claims = jwt.decode(renewed, SECRET, algorithms=["HS256"])
        assert claims["metadata"]["sid"] == sid
        assert claims["exp"] - datetime.now(UTC).timestamp() > 55 * 60
        fresh = mint(ANA, sid=sid, expires_in=timedelta(minutes=50))
        async with bare(app, fresh) as quiet:
            assert "set-cookie" not in (await quiet.get("/user")).headers
        await chat.http.post("/logout")
    async with bare(app, renewed) as http:
        assert_refused(await http.get("/user"), 401)
    digest = hashlib.sha256(sid.encode()).hexdigest()
    assert rows(app.store, "auth_sessions", id=digest)[0]["revoked_reason"] == "signed_out"


def issued_token(response: httpx.Response) -> str:
    """The session token a response hands out (a cookie being deleted hands out none)."""
    return (response.cookies.get("access_token") or "").strip('"')
