"""Concurrency (P9, P11): many threads, each with its own UnitOfWork, on PostgreSQL and on a
SQLite file. Nothing is cancelled, refunded or e-mailed twice, and a confirmation racing a
warehouse event has exactly one winner."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from store import services
from store.db import Store
from store.domain.model import ProposalKind
from store.seed import load_world
from store.views import Outcome
from tests.support import (
    ANA,
    NOW,
    SAM,
    count,
    proposal_id,
    propose_cancel,
    refunded,
    rows,
    standard_world,
    statuses,
    verify,
)

T = TypeVar("T")


def run_together(calls: list[Callable[[], T]], timeout: float = 60) -> list[T]:
    """Start every call at the same moment (a barrier) on its own thread; re-raise any error."""
    barrier = threading.Barrier(len(calls))

    def start(call: Callable[[], T]) -> T:
        barrier.wait(timeout)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        futures: list[Future[T]] = [pool.submit(start, c) for c in calls]
        return [f.result(timeout) for f in futures]


def test_twenty_concurrent_confirmations_of_one_proposal_act_once(shared_store: Store) -> None:
    store = shared_store
    load_world(store.uow(), standard_world())
    pid = proposal_id(propose_cancel(store, ANA, "112-0000003", ["A6", "A7"]))

    def confirm() -> Outcome:
        return services.confirm(store.uow(), ANA, pid)

    outcomes = run_together([confirm] * 20)

    fresh = [o for o in outcomes if not o.already]
    assert len(fresh) == 1
    assert sum(o.already for o in outcomes) == 19
    assert fresh[0].done == ("A6", "A7") and fresh[0].refund == Decimal("75.90")
    for o in outcomes:
        assert {**o.as_dict(), "already_confirmed": False} == fresh[0].as_dict()
    assert count(store, "refunds") == 1
    assert refunded(store) == Decimal("75.90")
    assert sorted(c["item_id"] for c in rows(store, "cancellations")) == ["A6", "A7"]
    assert count(store, "emails") == 1
    assert [p["status"] for p in rows(store, "proposals")] == ["confirmed"]


def race_world(rounds: int) -> dict[str, Any]:
    return {
        "now": NOW.isoformat(),
        "customers": [{"email": ANA.email, "name": "Ana Lima", "postcode": "10115"}],
        "orders": [
            {
                "id": f"R-{n}",
                "customer": ANA.email,
                "placed_at": NOW.isoformat(),
                "items": [
                    {"id": f"X{n}", "title": f"Raced {n}", "price": f"{10 + n}.25", "qty": 2,
                     "status": "unshipped"},
                    {"id": f"Y{n}", "title": f"Calm {n}", "price": "3.10", "qty": 1,
                     "status": "pending"},
                ],
            }
            for n in range(rounds)
        ],
    }


@pytest.mark.parametrize("rounds", [40])
def test_a_confirmation_racing_a_ship_event_has_exactly_one_winner(
    shared_store: Store, rounds: int
) -> None:
    store = shared_store
    load_world(store.uow(), race_world(rounds))
    jitter = random.Random(1234)
    wins = {"cancelled": 0, "shipped": 0}

    for n in range(rounds):
        pid = proposal_id(propose_cancel(store, ANA, f"R-{n}", [f"X{n}", f"Y{n}"]))
        delays = (jitter.random() * 0.002, jitter.random() * 0.002)

        def confirm(pid: str = pid, delay: float = delays[0]) -> object:
            time.sleep(delay)
            return services.confirm(store.uow(), ANA, pid)

        def ship(n: int = n, delay: float = delays[1]) -> object:
            time.sleep(delay)
            return services.apply_event(store.uow(), "ship", f"X{n}")

        calls: list[Callable[[], object]] = [confirm, ship]
        outcome, shipped = run_together(calls)
        assert isinstance(outcome, Outcome) and isinstance(shipped, services.EventResult)
        x, y = f"X{n}", f"Y{n}"
        state = statuses(store)
        assert state[y] == "cancelled" and y in outcome.done
        amount_x = Decimal(f"{10 + n}.25") * 2
        if x in outcome.done:
            assert not shipped.applied
            assert state[x] == "cancelled"
            assert outcome.failed == ()
            assert outcome.refund == amount_x + Decimal("3.10")
            wins["cancelled"] += 1
        else:
            assert shipped.applied
            assert state[x] == "shipped"
            assert [f["id"] for f in outcome.failed] == [x]
            assert outcome.failed[0]["can"] == "refuse_at_door"
            assert outcome.refund == Decimal("3.10")
            wins["shipped"] += 1
        assert refunded(store, f"R-{n}") == outcome.refund

    # Sums: every refund is exactly the cancelled items' price x qty, once.
    items = {r["id"]: r for r in rows(store, "items")}
    cancelled_total = sum(
        (Decimal(r["unit_price"]) * r["qty"] for r in items.values()
         if r["status"] == "cancelled"),
        Decimal("0.00"),
    )
    assert refunded(store) == cancelled_total
    assert count(store, "refunds") == rounds and count(store, "emails") == rounds
    refunded_items = [i for r in rows(store, "refunds") for i in r["item_ids"]]
    assert len(refunded_items) == len(set(refunded_items))
    assert sum(wins.values()) == rounds


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("kind", "item", "table"),
    [(ProposalKind.REFUSAL, "A8", "refusal_flags"),
     (ProposalKind.SELLER_REQUEST, "A9", "seller_requests")],
)
def test_two_proposals_for_one_flag_confirmed_at_once_record_it_once_without_error(
    pg_store: Store, kind: ProposalKind, item: str, table: str
) -> None:
    """The customer and a staff member each propose the same refusal flag (or seller request)
    and both confirm while a third transaction holds the item: whichever goes second must
    see the first one's row (P9: "already done"), not crash on the unique constraint."""
    store = pg_store
    load_world(store.uow(), standard_world())
    verify(store, SAM, "112-0000004", ANA.email)
    mine = proposal_id(services.propose(store.uow(), ANA, kind, "112-0000004", [item],
                                        "no_longer_needed"))
    staff = proposal_id(services.propose(store.uow(), SAM, kind, "112-0000004", [item],
                                         "no_longer_needed"))

    errors: list[BaseException] = []
    outcomes: list[Outcome] = []

    def confirm(actor_pid: tuple[Any, str]) -> None:
        try:
            outcomes.append(services.confirm(store.uow(), actor_pid[0], actor_pid[1]))
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    with store.engine.connect() as holder, store.engine.connect() as probe:
        holder.execute(text("SELECT id FROM items WHERE id = :i FOR UPDATE"), {"i": item})
        threads = [threading.Thread(target=confirm, args=(a,)) for a in [(ANA, mine),
                                                                         (SAM, staff)]]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # both confirmations queue on the item lock
            probe.rollback()
            waiting = probe.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar_one()
            if waiting >= 2:
                break
            time.sleep(0.01)
        holder.rollback()
        for t in threads:
            t.join(30)

    assert errors == [], f"a confirmation failed unexpectedly: {errors!r}"
    assert sorted(len(o.done) for o in outcomes) == [0, 1]
    second = next(o for o in outcomes if not o.done)
    assert [f["id"] for f in second.failed] == [item]
    assert count(store, table) == 1
