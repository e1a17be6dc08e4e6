"""Attacks on sign-in: guessing one account's password, one address trying many accounts
(also behind a forged X-Forwarded-For), and telling real accounts from unknown ones by the
answer, by the time it takes, or by the lockout."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from tests.security.conftest import (
    ANA,
    PASSWORD,
    TARGETS,
    App,
    address,
    assert_refused,
    bare,
    login,
    unchanged,
)
from tests.support import rows

LOCKOUT_S = 15 * 60


def sessions_of(app: App, email: str) -> int:
    return len(rows(app.store, "auth_sessions", account_email=email))


async def test_a_burst_of_100_wrong_passwords_checks_five_and_then_locks_the_account(
    app: App,
) -> None:
    victim = TARGETS[0]
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {"account_email": victim})):
            started = time.monotonic()
            answers = await asyncio.gather(*[
                login(http, victim, f"guess-{n}", via=address()) for n in range(100)])
            elapsed = time.monotonic() - started
            statuses = [r.status_code for r in answers]
            assert statuses.count(401) == 5 and statuses.count(429) == 95, statuses
            retry = {int(r.headers["retry-after"]) for r in answers if r.status_code == 429}
            assert retry and all(LOCKOUT_S - 60 < s <= LOCKOUT_S for s in retry)
            assert {r.json()["detail"] for r in answers if r.status_code == 429} == \
                {"Too many sign-in attempts. Please wait 15 minutes before trying again."}
            right = await login(http, victim, PASSWORD, via=address())
            assert_refused(right, 429)  # while locked, not even the right password
    assert sessions_of(app, victim) == 0
    assert elapsed < 30  # refused attempts cost no password hashing


async def test_one_address_trying_many_accounts_is_locked_after_twenty_failures(
    app: App,
) -> None:
    attacker = address()
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {})):
            for n in range(20):
                assert (await login(http, f"spray{n}@example.com", "123456", via=attacker)) \
                    .status_code == 401
            assert_refused(await login(http, "spray99@example.com", "123456", via=attacker), 429)
            assert_refused(await login(http, TARGETS[1], PASSWORD, via=attacker), 429)
        assert (await login(http, TARGETS[1], PASSWORD, via=address())).status_code == 200


async def test_a_forged_x_forwarded_for_does_not_get_around_the_address_lock(app: App) -> None:
    """The trusted proxy appends the real client address: uvicorn takes the last one it does
    not trust, so whatever the client wrote before it doesn't matter."""
    attacker = address()
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {})):
            for n in range(21):
                forged = f"10.{n}.0.1, 172.16.{n}.1, {attacker}"
                last = await login(http, f"rotate{n}@example.com", "123456", via=forged)
            assert_refused(last, 429)


async def test_an_unknown_account_gets_the_same_answer_as_a_wrong_password(app: App) -> None:
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {})):
            wrong = await login(http, ANA, "not-the-password", via=address())
            unknown = await login(http, "nobody-here@example.com", "not-the-password",
                                  via=address())
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert not wrong.cookies and not unknown.cookies


async def test_an_unknown_account_takes_about_as_long_as_a_wrong_password(app: App) -> None:
    async def timed(http: httpx.AsyncClient, email: str) -> float:
        started = time.perf_counter()
        assert (await login(http, email, "not-the-password", via=address())).status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {})):
            for n in range(4):  # interleaved; each account stays under its lockout
                for account in (TARGETS[2], TARGETS[3]):
                    known.append(await timed(http, account))
                    unknown.append(await timed(http, f"ghost{n}-{account}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


async def test_a_locked_unknown_account_looks_exactly_like_a_locked_real_one(app: App) -> None:
    async def locked(http: httpx.AsyncClient, email: str) -> httpx.Response:
        for _ in range(5):
            await login(http, email, "wrong", via=address())
        return await login(http, email, "wrong", via=address())

    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {})):
            real, ghost = await locked(http, TARGETS[4]), await locked(http, "ghost@example.com")
    assert real.status_code == ghost.status_code == 429
    assert real.json() == ghost.json()
    assert abs(int(real.headers["retry-after"]) - int(ghost.headers["retry-after"])) <= 2


@pytest.mark.parametrize(("content_type", "body"), [
    ("multipart/form-data; boundary=x", b"--x\r\ngarbage without an end"),
    ("application/x-www-form-urlencoded", b"username=" + b"a" * 100_000),
    ("application/x-www-form-urlencoded", b"username=" + TARGETS[5].encode()),
    ("application/json", b'{"username": "ana@example.com", "password": "rescind"}'),
])
async def test_a_malformed_or_oversized_sign_in_form_gets_a_4xx_and_no_session(
    app: App, content_type: str, body: bytes,
) -> None:
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {})):
            response = await http.post("/login", content=body, headers={
                "Content-Type": content_type, "X-Forwarded-For": address()})
    assert_refused(response, 400, 401, 413)
    assert not response.cookies


async def test_a_sign_in_posted_from_another_site_is_refused(app: App) -> None:
    """Login CSRF: a page elsewhere signs the victim's browser into the attacker's account."""
    async with bare(app) as http:
        with unchanged(app, ("auth_sessions", {"account_email": TARGETS[6]})):
            response = await http.post("/login", data={"username": TARGETS[6],
                                                       "password": PASSWORD},
                                       headers={"Origin": "https://evil.example",
                                                "X-Forwarded-For": address()})
    assert_refused(response, 403)
    assert not response.cookies
