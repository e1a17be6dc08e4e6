"""Random interleavings of propose / confirm / discard / verify / world events / time, by two
customers and a staff member, checked after every step against the policy's invariants:

- nothing is written without a confirmed proposal (P7), and proposing, discarding and
  verifying never write business rows (but for the one handoff when failed caller
  verifications lock an order or the staff member, P2/P13);
- nobody touches another account (P1, P2);
- nothing is refunded twice (P9), and total refunds always equal the price x qty of the
  items cancelled directly (chat/phone) plus those whose seller approved (P8, P5);
- a confirmation never cancels an item that was processing/shipped/delivered at that
  moment (P3, P11).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine

from store import services
from store.db import Store, memory_store
from store.domain import errors
from store.domain.model import Actor, ProposalKind, Reason, utc
from store.seed import load_world
from store.views import Outcome
from tests.support import (
    ANA,
    BOB,
    NOW,
    SAM,
    FixedClock,
    Snapshot,
    business_snapshot,
    clear,
    rows,
    statuses,
)

ACTORS = (ANA, BOB, SAM)
OWNERS = {"M-1": ANA, "M-2": ANA, "M-3": BOB, "M-4": BOB}
ITEMS: dict[str, tuple[str, ...]] = {
    "M-1": ("I1", "I2", "I3"),
    "M-2": ("I4", "I5", "I6"),
    "M-3": ("J1", "J2"),
    "M-4": ("J3", "J4", "J5", "J6"),
}
ALL_ITEMS = tuple(i for items in ITEMS.values() for i in items)
SEEDED_CANCELLED = {"J6"}
CANCELLABLE = {"pending", "unshipped"}


def _i(iid: str, price: str, status: str, qty: int = 1, seller: str | None = None
       ) -> dict[str, Any]:
    d: dict[str, Any] = {"id": iid, "title": f"Item {iid}", "price": price, "qty": qty,
                         "status": status}
    if seller:
        d["seller"] = seller
    return d


def machine_world() -> dict[str, Any]:
    def ago(**kw: float) -> str:
        return (NOW - timedelta(**kw)).isoformat()

    return {
        "now": NOW.isoformat(),
        "customers": [
            {"email": ANA.email, "name": "Ana", "postcode": "10115"},
            {"email": BOB.email, "name": "Bob", "postcode": "SW1A 1AA"},
        ],
        "staff": [{"email": SAM.email, "name": "Sam"}],
        "orders": [
            {"id": "M-1", "customer": ANA.email, "placed_at": ago(minutes=5), "items": [
                _i("I1", "20.00", "unshipped"),
                _i("I2", "5.50", "unshipped", qty=2, seller="Seller A"),
                _i("I3", "7.25", "pending")]},
            {"id": "M-2", "customer": ANA.email, "placed_at": ago(days=2), "items": [
                _i("I4", "12.00", "unshipped", qty=3),
                _i("I5", "30.00", "unshipped", seller="Seller B"),
                _i("I6", "15.00", "processing")]},
            {"id": "M-3", "customer": BOB.email, "placed_at": ago(minutes=15), "items": [
                _i("J1", "9.99", "pending", seller="Seller C"),
                _i("J2", "40.00", "unshipped")]},
            {"id": "M-4", "customer": BOB.email, "placed_at": ago(days=1), "items": [
                _i("J3", "22.00", "shipped"),
                _i("J4", "18.00", "shipped", qty=2, seller="Seller D"),
                _i("J5", "3.00", "unshipped", qty=4),
                _i("J6", "8.00", "cancelled")]},
        ],
    }


def amounts(store: Store) -> dict[str, Decimal]:
    return {r["id"]: Decimal(r["unit_price"]) * r["qty"] for r in rows(store, "items")}


class CancellationMachine(RuleBasedStateMachine):
    def make_store(self, clock: FixedClock) -> Store:
        """A fresh store for one example; each test picks the backend."""
        raise NotImplementedError

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock()
        self.store = self.make_store(self.clock)
        load_world(self.store.uow(), machine_world())
        self.amount = amounts(self.store)
        self.proposals: list[tuple[Actor, str, str]] = []  # owner, id, fingerprint
        self.first_outcome: dict[str, Outcome] = {}
        self.tripped_locks = 0  # caller-verification locks, each handed to a supervisor
        self.requests_made = False

    def teardown(self) -> None:
        if self.store.engine.url.get_backend_name() == "sqlite":
            self.store.engine.dispose()

    # --- helpers ----------------------------------------------------------------------------
    def unchanged_since(self, before: Snapshot) -> None:
        assert business_snapshot(self.store) == before

    # --- rules ------------------------------------------------------------------------------
    @rule(
        data=st.data(),
        order_id=st.sampled_from(sorted(ITEMS)),
        who=st.sampled_from(["owner"] * 6 + ["other", "staff", "staff"]),
        kind=st.sampled_from([ProposalKind.CANCEL] * 3 + [ProposalKind.SELLER_REQUEST] * 2
                             + [ProposalKind.REFUSAL] * 2),
        reason=st.sampled_from([*Reason, *Reason, None, "bogus"]),
        thread=st.sampled_from([None, "t1", "t2"]),
        mode=st.sampled_from(["all", "all", "some", "some", "some", "some", "junk"]),
    )
    def propose(
        self, data: st.DataObject, order_id: str, who: str, kind: ProposalKind,
        reason: Reason | str | None, thread: str | None, mode: str,
    ) -> None:
        owner = OWNERS[order_id]
        actor = {"owner": owner, "other": ANA if owner == BOB else BOB, "staff": SAM}[who]
        if mode == "all":
            selection = ["all"]
        elif mode == "some":
            selection = data.draw(st.lists(st.sampled_from(ITEMS[order_id]), min_size=1,
                                           max_size=3, unique=True))
        else:  # empty, duplicated, or an item of another order
            pool = ITEMS[order_id] + ("I1", "J2")
            selection = data.draw(st.lists(st.sampled_from(pool), min_size=0, max_size=4))
        before = business_snapshot(self.store)
        try:
            result = services.propose(self.store.uow(), actor, kind, order_id, selection,
                                      reason, thread_id=thread)
        except errors.OrderNotFound:
            assert not actor.is_staff and OWNERS[order_id] != actor
            result = None
        except errors.DomainError:
            result = None
        else:
            # P1: a customer never gets a proposal for someone else's order.
            assert actor.is_staff or OWNERS[order_id] == actor
        self.unchanged_since(before)
        if result is not None and result.proposal is not None:
            p = result.proposal.proposal
            assert p.customer_email == OWNERS[order_id].email
            assert set(p.item_ids) <= set(ITEMS[order_id])
            self.proposals.append((actor, p.id, result.proposal.as_dict()["fingerprint"]))

    @rule(data=st.data(), order_id=st.sampled_from(sorted(ITEMS)),
          by_staff=st.sampled_from([False, False, True]),
          reason=st.sampled_from(list(Reason)), thread=st.sampled_from([None, "t1", "t2"]))
    def propose_something_possible(
        self, data: st.DataObject, order_id: str, by_staff: bool, reason: Reason,
        thread: str | None,
    ) -> None:
        """Propose what the order's current decisions allow, so confirmations that really
        write are common (random selections are mostly refused)."""
        view = services.lookup_order(self.store.uow(), SAM, order_id)
        groups: dict[ProposalKind, list[str]] = {}
        for d in view.decisions:
            if d.action is not None and not d.already_done:
                groups.setdefault(d.action, []).append(d.item_id)
        if not groups:
            return
        kind = data.draw(st.sampled_from(sorted(groups)))
        selection = data.draw(st.lists(st.sampled_from(groups[kind]), min_size=1,
                                       unique=True))
        actor = SAM if by_staff else OWNERS[order_id]
        before = business_snapshot(self.store)
        try:
            result = services.propose(self.store.uow(), actor, kind, order_id, selection,
                                      reason, thread_id=thread)
        except errors.StaffVerificationRequired:
            assert actor.is_staff
            self.unchanged_since(before)
            return
        self.unchanged_since(before)
        assert result.proposal is not None
        assert list(result.proposal.proposal.item_ids) == selection
        self.proposals.append((actor, result.proposal.id,
                               result.proposal.as_dict()["fingerprint"]))

    @precondition(lambda self: bool(self.proposals))
    @rule(
        data=st.data(),
        who=st.sampled_from(["owner"] * 8 + ["other"]),
        print_mode=st.sampled_from(["right"] * 4 + ["none"] * 4 + ["wrong"]),
    )
    def confirm(self, data: st.DataObject, who: str, print_mode: str) -> None:
        recent = data.draw(st.booleans())  # half the time the latest proposal, as a user would
        owner, pid, fp = self.proposals[-1] if recent else data.draw(
            st.sampled_from(self.proposals))
        actor = owner if who == "owner" else data.draw(
            st.sampled_from([a for a in ACTORS if a != owner]))
        fingerprint = {"right": fp, "none": None, "wrong": "0" * 16}[print_mode]
        before = business_snapshot(self.store)
        states = statuses(self.store)
        refunded_before = self.total_refunds()
        try:
            outcome = services.confirm(self.store.uow(), actor, pid, fingerprint)
        except errors.ProposalNotFound:
            assert actor != owner
            self.unchanged_since(before)
            return
        except errors.ProposalTampered:
            assert print_mode == "wrong"
            self.unchanged_since(before)
            return
        except errors.DomainError:
            self.unchanged_since(before)
            return
        assert actor == owner and print_mode != "wrong"
        if outcome.already:
            assert outcome.as_dict() == {**self.first_outcome[pid].as_dict(),
                                         "already_confirmed": True}
            self.unchanged_since(before)
            return
        assert pid not in self.first_outcome
        self.first_outcome[pid] = outcome
        after = statuses(self.store)
        changed = {i for i in ALL_ITEMS if after[i] != states[i]}
        if outcome.action == ProposalKind.CANCEL.value:
            assert changed == set(outcome.done)
            for item in outcome.done:
                # P3/P11: only items cancellable at this very moment are cancelled.
                assert states[item] in CANCELLABLE and after[item] == "cancelled"
            expected = sum((self.amount[i] for i in outcome.done), Decimal("0.00"))
            assert outcome.refund == expected
            assert self.total_refunds() - refunded_before == expected
        else:
            self.requests_made |= outcome.action == "seller_request" and bool(outcome.done)
            assert changed == set() and outcome.refund == Decimal("0.00")
            assert self.total_refunds() == refunded_before
        # P1/P2: everything touched belongs to the proposal's customer.
        order_ids = {r["order_id"] for r in rows(self.store, "items") if r["id"] in changed}
        assert {OWNERS[o] for o in order_ids} <= {OWNERS[outcome.order_id]}
        if not owner.is_staff:
            assert OWNERS[outcome.order_id] == owner

    @rule(actor=st.sampled_from(ACTORS), thread=st.sampled_from([None, "t1", "t2"]))
    def discard(self, actor: Actor, thread: str | None) -> None:
        before = business_snapshot(self.store)
        services.discard(self.store.uow(), actor, thread)
        self.unchanged_since(before)

    @rule(order_id=st.sampled_from(sorted(ITEMS)), right=st.booleans(),
          by_postcode=st.booleans())
    def verify(self, order_id: str, right: bool, by_postcode: bool) -> None:
        owner = OWNERS[order_id]
        other = ANA if owner == BOB else BOB
        postcode = {ANA: "10115", BOB: "sw1a 1aa"}
        who = owner if right else other
        locked_before = self.verification_locked(order_id)
        before = business_snapshot(self.store)
        try:
            if by_postcode:
                services.verify_caller(self.store.uow(), SAM, order_id, postcode=postcode[who])
            else:
                services.verify_caller(self.store.uow(), SAM, order_id, email=who.email)
            outcome = "verified"
        except errors.VerificationLocked:
            outcome = "locked"
        except errors.VerificationFailed:
            outcome = "failed"
        # A lock in force refuses everything; otherwise a right answer verifies, and only a
        # wrong one can trip the lock, which hands the case off (one handoff, nothing else).
        tripped = not locked_before and outcome == "locked"
        if locked_before:
            assert outcome == "locked"
        elif tripped:
            assert not right and self.verification_locked(order_id)
        else:
            assert outcome == ("verified" if right else "failed")
        self.tripped_locks += int(tripped)
        after = business_snapshot(self.store)
        assert len(after.pop("handoffs")) == len(before.pop("handoffs")) + int(tripped)
        assert after == before

    def verification_locked(self, order_id: str) -> bool:
        keys = {("verify_order", order_id), ("verify_staff", SAM.email)}
        return any((r["scope"], r["key"]) in keys and r["locked_until"] is not None
                   and utc(r["locked_until"]) > self.clock.now
                   for r in rows(self.store, "throttles"))

    @rule(
        data=st.data(),
        kind=st.sampled_from(["process", "ship", "deliver", "seller_approves",
                              "seller_denies"]),
        aim=st.sampled_from(["any", "proposed", "proposed"]),
    )
    def event(
        self, data: st.DataObject, kind: services.EventKind, aim: str, item: str | None = None
    ) -> None:
        # Aim at the items of the latest proposal most of the time: the P11 race.
        pool: list[str] = list(ALL_ITEMS)
        if aim == "proposed" and self.proposals:
            p = rows(self.store, "proposals", id=self.proposals[-1][1])[0]
            pool = list(p["item_ids"])
        if item is None:
            item = data.draw(st.sampled_from(pool))
        states = statuses(self.store)
        refunded_before = self.total_refunds()
        result = services.apply_event(self.store.uow(), kind, item)
        after = statuses(self.store)
        assert {i for i in ALL_ITEMS if after[i] != states[i]} <= {item}
        if states[item] == "cancelled":
            assert after[item] == "cancelled"  # a cancelled item never moves again
        delta = self.total_refunds() - refunded_before
        if kind == "seller_approves" and result.applied and states[item] != "cancelled":
            assert after[item] == "cancelled" and delta == self.amount[item]
        else:
            assert delta == 0

    @precondition(lambda self: self.requests_made)
    @rule(data=st.data(), approve=st.sampled_from([True, True, False]))
    def seller_answers(self, data: st.DataObject, approve: bool) -> None:
        """P5: the seller answers a request (approving cancels and refunds the item)."""
        requests = rows(self.store, "seller_requests")
        pending = [r["item_id"] for r in requests if r["status"] == "pending"]
        item = data.draw(st.sampled_from(pending or [r["item_id"] for r in requests]))
        self.event(data, "seller_approves" if approve else "seller_denies", "none", item)

    @rule(minutes=st.sampled_from([1, 2, 5, 10, 16, 31]))
    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    # --- invariants -----------------------------------------------------------------------
    def total_refunds(self) -> Decimal:
        return sum((Decimal(r["amount"]) for r in rows(self.store, "refunds")),
                   Decimal("0.00"))

    @invariant()
    def refunds_match_cancelled_items_and_nothing_is_refunded_twice(self) -> None:
        refunds = rows(self.store, "refunds")
        refunded_items = [i for r in refunds for i in r["item_ids"]]
        assert len(refunded_items) == len(set(refunded_items))
        cancellations = rows(self.store, "cancellations")
        cancelled = [c["item_id"] for c in cancellations]
        assert sorted(refunded_items) == sorted(cancelled)
        assert self.total_refunds() == sum((self.amount[i] for i in cancelled),
                                           Decimal("0.00"))
        state = statuses(self.store)
        assert {i for i, s in state.items() if s == "cancelled"} == (
            set(cancelled) | SEEDED_CANCELLED
        )

    @invariant()
    def every_write_comes_from_a_confirmed_proposal_of_the_right_account(self) -> None:
        proposals = {p["id"]: p for p in rows(self.store, "proposals")}
        owner_of = {r["id"]: r["customer_email"] for r in rows(self.store, "orders")}
        requests = {r["item_id"]: r for r in rows(self.store, "seller_requests")}
        for c in rows(self.store, "cancellations"):
            assert c["on_behalf_of"] == owner_of[c["order_id"]]
            if c["proposal_id"] is None:  # the seller approved a request
                assert c["channel"] == "seller"
                assert requests[c["item_id"]]["status"] == "approved"
                continue
            p = proposals[c["proposal_id"]]
            assert p["status"] == "confirmed" and p["kind"] == "cancel"
            assert p["customer_email"] == owner_of[c["order_id"]]
            assert (c["actor_kind"], c["actor_email"]) == (p["actor_kind"], p["actor_email"])
            assert c["channel"] == ("phone" if p["actor_kind"] == "staff" else "chat")
        for table, kind in (("seller_requests", "seller_request"), ("refusal_flags", "refusal")):
            for r in rows(self.store, table):
                p = proposals[r["proposal_id"]]
                assert p["status"] == "confirmed" and p["kind"] == kind
                assert p["customer_email"] == owner_of[r["order_id"]]
        for mail in rows(self.store, "emails"):
            assert mail["to"] == owner_of[mail["order_id"]]
        handoffs = rows(self.store, "handoffs")  # only the supervisor's, one per tripped lock
        assert len(handoffs) == self.tripped_locks
        assert all(h["actor_email"] == SAM.email and "verification locked" in h["summary"]
                   for h in handoffs)


class SqliteMachine(CancellationMachine):
    def make_store(self, clock: FixedClock) -> Store:
        return memory_store(clock)


def test_random_interleavings_keep_the_policy_invariants_on_sqlite() -> None:
    run_state_machine_as_test(
        SqliteMachine,
        settings=settings(max_examples=60, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )


@pytest.mark.postgres
def test_random_interleavings_keep_the_policy_invariants_on_postgresql(
    pg_engine: Engine,
) -> None:
    class PgMachine(CancellationMachine):
        def make_store(self, clock: FixedClock) -> Store:
            clear(pg_engine)
            return Store(pg_engine, clock)

    run_state_machine_as_test(
        PgMachine,
        settings=settings(max_examples=10, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )
