"""The returns center refunds a refused parcel once (P10, P9); the handoff queue is worked
by staff, one at a time per ticket (P13)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from store import decisions, handoffs, returns, services
from store.db import Store
from store.domain import errors
from store.domain.model import ProposalKind
from store.seed import load_world
from tests.support import (
    ANA,
    KIM,
    SAM,
    act,
    business_snapshot,
    refunded,
    rows,
    standard_world,
    status,
)


def test_a_flagged_parcel_recorded_as_returned_is_refunded_once_and_emailed(
    shop: Store,
) -> None:
    act(shop, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], None)
    [parcel] = returns.expected(shop.uow(), SAM)
    assert (parcel.item_id, parcel.amount, parcel.customer_email) == ("A8", "45.00", ANA.email)

    recorded = returns.record_return(shop.uow(), SAM, "A8")
    assert not recorded.already and status(shop, "A8") == "cancelled"
    assert refunded(shop, "112-0000004") == Decimal("45.00")
    [email] = rows(shop, "emails", order_id="112-0000004")
    assert email["kind"] == "return_refunded" and email["to"] == ANA.email
    assert returns.record_return(shop.uow(), SAM, "A8").already  # P9
    assert refunded(shop, "112-0000004") == Decimal("45.00")
    assert returns.expected(shop.uow(), SAM) == []
    [refund] = rows(shop, "refunds", order_id="112-0000004")
    assert refund["source"] == "return:A8"  # the same effect as the `returned` world event


def test_a_parcel_never_flagged_cannot_be_refunded_this_way(shop: Store) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.NotActionable, match="never flagged"):
        returns.record_return(shop.uow(), SAM, "A8")
    with pytest.raises(errors.NotActionable, match="never flagged"):
        decisions.propose(shop.uow(), SAM, decisions.RETURN, "A8")
    assert business_snapshot(shop) == before


def test_only_staff_record_returns(shop: Store) -> None:
    act(shop, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], None)
    with pytest.raises(errors.NotAllowed):
        returns.record_return(shop.uow(), ANA, "A8")
    with pytest.raises(errors.NotAllowed):
        decisions.propose(shop.uow(), ANA, decisions.RETURN, "A8")
    assert status(shop, "A8") == "shipped"


def test_a_return_is_recorded_only_when_the_staff_member_confirms_it(shop: Store) -> None:
    act(shop, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], None)
    pending = decisions.propose(shop.uow(), SAM, decisions.RETURN, "A8")
    assert "refunded €45.00" in pending.question and status(shop, "A8") == "shipped"
    decisions.confirm(shop.uow(), SAM, pending.id)
    assert decisions.confirm(shop.uow(), SAM, pending.id)["already_confirmed"]
    assert refunded(shop, "112-0000004") == Decimal("45.00")


# --- the handoff queue -------------------------------------------------------------------------
def test_staff_see_open_handoffs_take_one_and_close_it_with_a_note(shop: Store) -> None:
    ticket = services.hand_off(shop.uow(), ANA, "wants a person about the shoes",
                               "112-0000003", thread_id="t-ana")
    [queued] = handoffs.open_queue(shop.uow(), SAM)
    assert (queued.ticket, queued.customer_email, queued.customer_name, queued.order_id) == (
        ticket, ANA.email, "Ana Lima", "112-0000003")
    assert queued.reason == "wants a person about the shoes" and queued.thread_id == "t-ana"
    assert queued.taken_by is None

    taken = handoffs.take(shop.uow(), SAM, ticket)
    assert taken.taken_by == SAM.email
    assert handoffs.take(shop.uow(), SAM, ticket).taken_by == SAM.email  # again: no-op
    with pytest.raises(errors.Conflict, match="already taken by sam"):
        handoffs.take(shop.uow(), KIM, ticket)
    with pytest.raises(errors.NotYours):
        handoffs.close(shop.uow(), KIM, ticket, "done")
    with pytest.raises(errors.DomainError, match="note"):
        handoffs.close(shop.uow(), SAM, ticket, "   ")

    closed = handoffs.close(shop.uow(), SAM, ticket, "Your shoes ship tomorrow.")
    assert closed.closed and closed.note == "Your shoes ship tomorrow."
    assert handoffs.open_queue(shop.uow(), SAM) == []
    [email] = rows(shop, "emails")
    assert email["kind"] == "handoff_reply" and email["to"] == ANA.email
    assert "Your shoes ship tomorrow." in email["body"] and f"#{ticket}" in email["subject"]
    assert len(rows(shop, "handoffs")) == 1  # working the queue never opens a handoff


def test_customers_cannot_work_the_queue(shop: Store) -> None:
    ticket = services.hand_off(shop.uow(), ANA, "help")
    with pytest.raises(errors.NotAllowed):
        handoffs.open_queue(shop.uow(), ANA)
    with pytest.raises(errors.NotAllowed):
        handoffs.take(shop.uow(), ANA, ticket)


def test_an_unknown_ticket_is_not_found(shop: Store) -> None:
    with pytest.raises(errors.RequestNotFound):
        handoffs.take(shop.uow(), SAM, 999)


def test_two_staff_taking_one_handoff_at_once_get_one_winner(shared_store: Store) -> None:
    load_world(shared_store.uow(), standard_world())
    ticket = services.hand_off(shared_store.uow(), ANA, "help")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def take(actor: object) -> None:
        barrier.wait()
        try:
            handoffs.take(shared_store.uow(), actor, ticket)  # type: ignore[arg-type]
            results.append("took")
        except errors.Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=take, args=(a,)) for a in (SAM, KIM)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["conflict", "took"]
