"""Staff caller verification can't be guessed (P2): three failures lock the order, ten lock
the staff member, each for 30 minutes; the lock is audited and handed to a supervisor (P13),
and while it holds even the right details verify nobody."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from store import services
from store.db import Store
from store.domain import errors
from tests.support import ANA, KIM, SAM, FixedClock, business_snapshot, count, rows

ORDER = "112-0000001"  # Ana's; her postcode is 10115


def guess(store: Store, postcode: str, order_id: str = ORDER, staff: object = SAM) -> str:
    """The error code a verification attempt ends with ("verified" if it worked)."""
    try:
        services.verify_caller(store.uow(), staff, order_id, postcode=postcode)  # type: ignore[arg-type]
    except errors.DomainError as e:
        return e.code
    return "verified"


def test_the_third_wrong_postcode_locks_the_order_and_hands_it_to_a_supervisor(
    shop: Store,
) -> None:
    before = business_snapshot(shop)
    assert [guess(shop, p) for p in ("11111", "22222")] == ["verification_failed"] * 2
    with pytest.raises(errors.VerificationLocked, match=r"locked for 30 more minutes.*ticket"):
        services.verify_caller(shop.uow(), SAM, ORDER, postcode="33333")
    handoffs = rows(shop, "handoffs")
    assert len(handoffs) == 1 and handoffs[0]["order_id"] == ORDER
    assert "locked" in handoffs[0]["summary"] and handoffs[0]["customer_email"] is None
    after = business_snapshot(shop)
    assert {k: v for k, v in after.items() if k != "handoffs"} == \
        {k: v for k, v in before.items() if k != "handoffs"}
    assert count(shop, "caller_verifications") == 0
    outcomes = [r["outcome"] for r in rows(shop, "audit_log", action="verify_caller")]
    assert outcomes == ["failed", "failed", "failed", "locked"]


def test_while_locked_even_the_right_postcode_verifies_nobody_and_every_try_is_audited(
    shop: Store, clock: FixedClock,
) -> None:
    for p in ("11111", "22222", "33333"):
        guess(shop, p)
    assert guess(shop, "10115") == "verification_locked"
    assert guess(shop, "10115", staff=KIM) == "verification_locked"  # the order, for everyone
    assert count(shop, "caller_verifications") == 0
    assert count(shop, "handoffs") == 1  # one ticket per lock, not per refused try
    assert [r["outcome"] for r in rows(shop, "audit_log", action="verify_caller")][-2:] == \
        ["locked", "locked"]
    clock.advance(minutes=29)
    assert guess(shop, "10115") == "verification_locked"
    clock.advance(minutes=1)
    assert guess(shop, "10115") == "verified"


def test_a_right_postcode_after_a_typo_clears_the_orders_count(shop: Store) -> None:
    assert guess(shop, "10116") == "verification_failed"
    assert guess(shop, "10115") == "verified"
    assert [guess(shop, p) for p in ("1", "2")] == ["verification_failed"] * 2
    assert guess(shop, "10115") == "verified"


def test_ten_failures_across_orders_lock_the_staff_member_not_the_others(shop: Store) -> None:
    orders = ["112-0000001", "112-0000002", "112-0000003", "112-0000004", "112-0000005"]
    codes = [guess(shop, "00000", order_id=o) for o in orders for _ in range(2)]
    assert codes[:-1] == ["verification_failed"] * 9
    assert codes[-1] == "verification_locked"
    assert guess(shop, "SW1A 1AA", order_id="112-0000009") == "verification_locked"
    assert guess(shop, "SW1A 1AA", order_id="112-0000009", staff=KIM) == "verified"
    assert "staff member sam@shop.example" in rows(shop, "handoffs")[0]["summary"]


def test_a_customer_cannot_reach_verification_to_lock_anything(shop: Store) -> None:
    with pytest.raises(errors.NotAllowed):
        services.verify_caller(shop.uow(), ANA, ORDER, postcode="0")
    assert rows(shop, "throttles") == []
    assert guess(shop, "10115", staff=SAM) == "verified"


@pytest.mark.postgres
def test_ten_parallel_wrong_guesses_on_postgresql_get_three_tries_then_the_lock(
    pg_store: Store,
) -> None:
    from store.seed import load_world
    from tests.support import standard_world

    load_world(pg_store.uow(), standard_world())
    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(lambda n: guess(pg_store, f"{n:05d}"), range(10)))
    assert sorted(codes) == ["verification_failed"] * 2 + ["verification_locked"] * 8
    assert count(pg_store, "handoffs") == 1
    assert guess(pg_store, "10115") == "verification_locked"
