"""Sign-in in the store, on every backend: Argon2id hashes (old ones upgraded), the same answer
and work for unknown accounts, per-account and per-address throttling, and server-side
sessions that sign-out, a password change or time can end."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from store import passwords, sessions
from store.accounts import authenticate
from store.db import Store
from store.seed import DEMO_PASSWORD, load_world
from tests.support import ANA, SAM, FixedClock, rows, standard_world

DAY = timedelta(hours=12)


@pytest.fixture
def accounts(store: Store) -> Store:
    load_world(store.uow(), standard_world(), passwords=True)
    return store


def set_hash(store: Store, table: str, email: str, value: str) -> None:
    from sqlalchemy import update

    from store.sql.orm import Base

    t = Base.metadata.tables[table]
    with store.engine.begin() as conn:
        conn.execute(update(t).where(t.c.email == email).values(password_hash=value))


def stored_hash(store: Store, table: str, email: str) -> str:
    return str(rows(store, table, email=email)[0]["password_hash"])


# --- hashes -------------------------------------------------------------------------------------
def test_a_hash_is_argon2id_in_the_standard_self_describing_format() -> None:
    hashed = passwords.hash_password("correct horse")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.check("correct horse", hashed).ok
    assert not passwords.check("wrong horse", hashed).ok


def test_an_old_scrypt_hash_verifies_once_and_is_replaced_by_argon2_at_sign_in(
    accounts: Store,
) -> None:
    set_hash(accounts, "customers", ANA.email, passwords.legacy_hash(DEMO_PASSWORD, b"s" * 16))
    assert authenticate(accounts.uow(), ANA.email, "wrong") is None
    assert stored_hash(accounts, "customers", ANA.email).startswith("scrypt$")  # not on a miss
    assert authenticate(accounts.uow(), ANA.email, DEMO_PASSWORD) == ANA
    upgraded = stored_hash(accounts, "customers", ANA.email)
    assert upgraded.startswith("$argon2id$")
    assert authenticate(accounts.uow(), ANA.email, DEMO_PASSWORD) == ANA


def test_a_hash_with_weaker_parameters_is_rehashed_with_the_current_ones_at_sign_in(
    accounts: Store,
) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(DEMO_PASSWORD)
    set_hash(accounts, "staff", SAM.email, weak)
    assert passwords.check(DEMO_PASSWORD, weak).needs_rehash
    assert authenticate(accounts.uow(), SAM.email, DEMO_PASSWORD) == SAM
    assert "$m=19456,t=2,p=1$" in stored_hash(accounts, "staff", SAM.email)


def test_a_broken_stored_hash_refuses_the_sign_in_without_an_error(accounts: Store) -> None:
    for broken in ("scrypt$not-base64$%%%", "scrypt$$", "$argon2id$v=19$garbage", "plain"):
        set_hash(accounts, "customers", ANA.email, broken)
        assert authenticate(accounts.uow(), ANA.email, DEMO_PASSWORD) is None


def test_an_unknown_account_costs_about_the_same_time_as_a_wrong_password(
    accounts: Store,
) -> None:
    def timed(email: str) -> float:
        start = time.perf_counter()
        assert authenticate(accounts.uow(), email, "not the password") is None
        return time.perf_counter() - start

    known, unknown = [], []
    for n in range(7):  # interleaved, so load on the machine hits both alike
        known.append(timed(ANA.email))
        unknown.append(timed(f"nobody{n}@example.com"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)


# --- throttling -----------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(
    accounts: Store, clock: FixedClock,
) -> None:
    for n in range(5):
        assert sessions.sign_in(accounts.uow(), ANA.email, "wrong", f"192.0.2.{n}", DAY) \
            == sessions.SignIn()
    locked = sessions.sign_in(accounts.uow(), ANA.email, DEMO_PASSWORD, "192.0.2.99", DAY)
    assert locked.actor is None and locked.retry_after == 15 * 60
    assert rows(accounts, "auth_sessions") == []
    clock.advance(minutes=15)
    assert sessions.sign_in(accounts.uow(), ANA.email, DEMO_PASSWORD, "192.0.2.99", DAY).actor \
        == ANA


def test_an_unknown_account_is_locked_just_like_a_real_one(accounts: Store) -> None:
    def after_six(email: str) -> sessions.SignIn:
        for n in range(5):
            sessions.sign_in(accounts.uow(), email, "wrong", f"198.51.100.{n}", DAY)
        return sessions.sign_in(accounts.uow(), email, "wrong", "198.51.100.9", DAY)

    real, unknown = after_six(ANA.email), after_six("nobody@example.com")
    assert real.retry_after == unknown.retry_after == 15 * 60
    assert real.actor is None and unknown.actor is None


def test_one_address_trying_many_accounts_is_locked_after_twenty_failures(
    accounts: Store,
) -> None:
    for n in range(20):
        assert sessions.sign_in(accounts.uow(), f"user{n}@example.com", "wrong", "203.0.113.7",
                                DAY).locked is None
    refused = sessions.sign_in(accounts.uow(), ANA.email, DEMO_PASSWORD, "203.0.113.7", DAY)
    assert refused.locked is not None and refused.locked.scope == "sign_in_address"
    assert sessions.sign_in(accounts.uow(), ANA.email, DEMO_PASSWORD, "203.0.113.8", DAY).actor \
        == ANA


def test_a_successful_sign_in_forgets_the_accounts_earlier_failures(accounts: Store) -> None:
    for _ in range(4):
        sessions.sign_in(accounts.uow(), ANA.email, "wrong", "192.0.2.1", DAY)
    assert sessions.sign_in(accounts.uow(), ANA.email, DEMO_PASSWORD, "192.0.2.1", DAY).actor
    for _ in range(4):
        assert sessions.sign_in(accounts.uow(), ANA.email, "wrong", "192.0.2.1", DAY).locked \
            is None


@pytest.mark.postgres
def test_parallel_wrong_passwords_are_counted_one_by_one_on_postgresql(pg_store: Store) -> None:
    load_world(pg_store.uow(), standard_world(), passwords=True)

    def attempt(n: int) -> sessions.SignIn:
        return sessions.sign_in(pg_store.uow(), ANA.email, "wrong", f"192.0.2.{n}", DAY)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(attempt, range(24)))
    assert sum(1 for r in results if r.locked is None) == 5  # the rest were refused unchecked


# --- sessions -------------------------------------------------------------------------------
def test_a_sign_in_opens_a_session_that_lives_until_its_absolute_end(
    accounts: Store, clock: FixedClock,
) -> None:
    result = sessions.sign_in(accounts.uow(), ANA.email, DEMO_PASSWORD, "192.0.2.1", DAY)
    assert result.actor == ANA and result.session_id
    row = rows(accounts, "auth_sessions")[0]
    assert row["id"] != result.session_id and len(row["id"]) == 64  # only its digest is kept
    live = sessions.live_session(accounts.uow(), result.session_id)
    assert live is not None and live.email == ANA.email
    clock.advance(hours=11, minutes=59)
    assert sessions.live_session(accounts.uow(), result.session_id) is not None
    clock.advance(minutes=1)
    assert sessions.live_session(accounts.uow(), result.session_id) is None


def test_ending_a_session_is_final_and_touches_no_other_session(accounts: Store) -> None:
    first = sessions.open_session(accounts.uow(), ANA.email, "credentials", "", DAY)
    second = sessions.open_session(accounts.uow(), ANA.email, "credentials", "", DAY)
    assert sessions.end_session(accounts.uow(), first, "signed_out")
    assert not sessions.end_session(accounts.uow(), first, "signed_out")
    assert sessions.live_session(accounts.uow(), first) is None
    assert sessions.live_session(accounts.uow(), second) is not None
    assert sessions.live_session(accounts.uow(), "never-issued") is None


def test_a_password_change_ends_every_session_of_the_account_and_only_those(
    accounts: Store,
) -> None:
    anas = [sessions.open_session(accounts.uow(), ANA.email, "credentials", "", DAY)
            for _ in range(2)]
    sams = sessions.open_session(accounts.uow(), SAM.email, "credentials", "", DAY)
    assert sessions.change_password(accounts.uow(), ANA.email, "a new passphrase") == 2
    assert all(sessions.live_session(accounts.uow(), s) is None for s in anas)
    assert sessions.live_session(accounts.uow(), sams) is not None
    assert authenticate(accounts.uow(), ANA.email, DEMO_PASSWORD) is None
    assert authenticate(accounts.uow(), ANA.email, "a new passphrase") == ANA
    assert {r["revoked_reason"] for r in rows(accounts, "auth_sessions",
                                              account_email=ANA.email)} == {"password_changed"}


def test_a_password_change_refuses_a_short_password_or_an_unknown_account(
    accounts: Store,
) -> None:
    live = sessions.open_session(accounts.uow(), ANA.email, "credentials", "", DAY)
    with pytest.raises(sessions.PasswordRejected, match="8 to 200"):
        sessions.change_password(accounts.uow(), ANA.email, "short")
    with pytest.raises(sessions.PasswordRejected, match="no account"):
        sessions.change_password(accounts.uow(), "nobody@example.com", "long enough")
    assert sessions.live_session(accounts.uow(), live) is not None
    assert authenticate(accounts.uow(), ANA.email, DEMO_PASSWORD) == ANA
