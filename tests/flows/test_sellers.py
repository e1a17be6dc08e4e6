"""Sellers answer their own cancellation requests (P5): one core use case for the app's
view (two-phase), their API and the evals' world events."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store import decisions, sellers, services
from store.accounts import account_role, authenticate, hash_password
from store.db import Store
from store.domain import errors
from store.domain.model import Actor, ProposalKind
from tests.support import ANA, BOB, act, business_snapshot, refunded, rows, status

CABLE = Actor("seller", "cable@sellers.example")
TEAS = Actor("seller", "leafy@sellers.example")


@pytest.fixture
def market(shop: Store) -> Store:
    """The shop with two seller accounts and three pending requests (A2, B2: Cable Co has
    A2 only; Leafy Teas has B2), made the way customers make them."""
    sellers.add_account(shop.uow(), CABLE.email, "Cable Co", ["Cable Co"],
                        hash_password("cable-pw"))
    sellers.add_account(shop.uow(), TEAS.email, "Leafy Teas", ["Leafy Teas"])
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"])
    act(shop, BOB, ProposalKind.SELLER_REQUEST, "112-0000009", ["B2"])
    return shop


def test_a_seller_sees_only_their_own_pending_requests(market: Store) -> None:
    [request] = sellers.pending_requests(market.uow(), CABLE)
    assert (request.item_id, request.order_id, request.title, request.amount) == (
        "A2", "112-0000001", "USB-C cable", "19.98")
    assert request.after_shipment is False and request.item_status == "unshipped"
    assert [r.item_id for r in sellers.pending_requests(market.uow(), TEAS)] == ["B2"]


def test_approval_cancels_refunds_and_emails_the_customer(market: Store) -> None:
    answer = sellers.answer(market.uow(), CABLE, "A2", approve=True)
    assert answer.applied and answer.cancelled and answer.refund == Decimal("19.98")
    assert status(market, "A2") == "cancelled"
    assert refunded(market, "112-0000001") == Decimal("19.98")
    [request] = rows(market, "seller_requests", item_id="A2")
    assert request["status"] == "approved" and request["decided_by"] == f"seller:{CABLE.email}"
    [email] = rows(market, "emails", order_id="112-0000001")
    assert email["kind"] == "seller_approved" and email["to"] == ANA.email
    assert "Cable Co approved" in email["subject"]
    assert sellers.pending_requests(market.uow(), CABLE) == []


def test_a_denial_is_recorded_and_emailed_without_a_refund(market: Store) -> None:
    sellers.answer(market.uow(), TEAS, "B2", approve=False)
    assert status(market, "B2") == "unshipped" and refunded(market, "112-0000009") == 0
    [email] = rows(market, "emails", order_id="112-0000009")
    assert email["kind"] == "seller_denied" and "declined" in email["subject"]
    assert rows(market, "seller_requests", item_id="B2")[0]["status"] == "denied"


def test_the_same_answer_twice_changes_nothing_and_the_other_answer_is_a_conflict(
    market: Store,
) -> None:
    sellers.answer(market.uow(), CABLE, "A2", approve=True)
    before = business_snapshot(market)
    again = sellers.answer(market.uow(), CABLE, "A2", approve=True)
    assert again.code == "already" and not again.applied
    with pytest.raises(errors.Conflict, match="already approved"):
        sellers.answer(market.uow(), CABLE, "A2", approve=False)
    assert business_snapshot(market) == before


def test_a_seller_cannot_answer_another_sellers_request_or_an_unknown_one(
    market: Store,
) -> None:
    before = business_snapshot(market)
    with pytest.raises(errors.NotYours):
        sellers.answer(market.uow(), CABLE, "B2", approve=True)
    with pytest.raises(errors.RequestNotFound):
        sellers.answer(market.uow(), CABLE, "A1", approve=True)  # a shop item, no request
    with pytest.raises(errors.RequestNotFound):
        sellers.answer(market.uow(), CABLE, "x'; drop", approve=True)
    with pytest.raises(errors.NotAllowed):
        sellers.answer(market.uow(), ANA, "A2", approve=True)  # a customer is no seller
    assert business_snapshot(market) == before


def test_an_item_that_shipped_since_the_request_is_not_cancelled_and_the_seller_is_told(
    market: Store,
) -> None:
    services.apply_event(market.uow(), "ship", "A2")
    before = business_snapshot(market)
    with pytest.raises(errors.Conflict, match="shipped since the request"):
        sellers.answer(market.uow(), CABLE, "A2", approve=True)
    assert business_snapshot(market) == before
    assert [r.item_id for r in sellers.pending_requests(market.uow(), CABLE)] == ["A2"]
    assert sellers.answer(market.uow(), CABLE, "A2", approve=False).applied  # deny still works


def test_the_world_event_goes_through_the_same_use_case(market: Store) -> None:
    result = services.apply_event(market.uow(), "seller_approves", "A2")
    assert result.applied and status(market, "A2") == "cancelled"
    assert rows(market, "emails", order_id="112-0000001")[0]["kind"] == "seller_approved"
    assert sellers.answer(market.uow(), CABLE, "A2", approve=True).code == "already"
    assert not services.apply_event(market.uow(), "seller_denies", "A2").applied


def test_an_api_key_names_its_seller_and_nothing_else_does(market: Store) -> None:
    key = sellers.issue_key(market.uow(), CABLE.email)
    assert sellers.actor_for_key(market.uow(), key) == CABLE
    assert sellers.actor_for_key(market.uow(), key + "x") is None
    assert sellers.actor_for_key(market.uow(), "not-a-key") is None
    [stored] = rows(market, "seller_api_keys")
    assert key not in str(stored)  # only the hash is kept


def test_a_seller_signs_in_with_the_seller_role(market: Store) -> None:
    assert authenticate(market.uow(), "Cable@Sellers.example", "cable-pw") == CABLE
    assert authenticate(market.uow(), CABLE.email, "wrong") is None
    assert account_role(market.uow(), TEAS.email) == TEAS


def test_a_seller_cannot_use_the_customer_services(market: Store) -> None:
    with pytest.raises(errors.OrderNotFound):
        services.lookup_order(market.uow(), CABLE, "112-0000001")


# --- the view's two phases -------------------------------------------------------------------
def test_an_approval_is_written_only_when_the_seller_confirms_it(market: Store) -> None:
    before = business_snapshot(market)
    pending = decisions.propose(market.uow(), CABLE, decisions.APPROVE, "A2")
    assert "refunded €19.98" in pending.question
    assert business_snapshot(market) == before  # proposing writes nothing of business

    outcome = decisions.confirm(market.uow(), CABLE, pending.id)
    assert outcome["cancelled"] and not outcome["already_confirmed"]
    again = decisions.confirm(market.uow(), CABLE, pending.id)
    assert again["already_confirmed"] and refunded(market, "112-0000001") == Decimal("19.98")


def test_a_decision_is_bound_to_its_seller_and_replaced_by_their_next_one(
    market: Store,
) -> None:
    sellers.add_account(market.uow(), "other@sellers.example", "Other", ["Other"])
    first = decisions.propose(market.uow(), CABLE, decisions.APPROVE, "A2")
    with pytest.raises(errors.ProposalNotFound):
        decisions.confirm(market.uow(), Actor("seller", "other@sellers.example"), first.id)
    second = decisions.propose(market.uow(), CABLE, decisions.DENY, "A2")
    with pytest.raises(errors.ProposalClosed):
        decisions.confirm(market.uow(), CABLE, first.id)
    assert decisions.discard(market.uow(), CABLE, second.id)
    with pytest.raises(errors.ProposalClosed):
        decisions.confirm(market.uow(), CABLE, second.id)
    assert status(market, "A2") == "unshipped"


def test_a_decision_expires(market: Store, clock: object) -> None:
    pending = decisions.propose(market.uow(), CABLE, decisions.APPROVE, "A2")
    clock.advance(minutes=16)  # type: ignore[attr-defined]
    with pytest.raises(errors.ProposalExpired):
        decisions.confirm(market.uow(), CABLE, pending.id)


def test_a_confirmed_approval_rechecks_the_item_inside_the_transaction(market: Store) -> None:
    pending = decisions.propose(market.uow(), CABLE, decisions.APPROVE, "A2")
    services.apply_event(market.uow(), "ship", "A2")  # ships between proposal and click
    with pytest.raises(errors.Conflict, match="shipped"):
        decisions.confirm(market.uow(), CABLE, pending.id)
    assert status(market, "A2") == "shipped" and refunded(market, "112-0000001") == 0
