"""Bad input never writes: every refusal is a typed DomainError and the business tables
(items, cancellations, refunds, e-mails, seller requests, refusal flags, handoffs) are
byte-for-byte what they were before the call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from store import services
from store.db import Store
from store.domain import errors
from store.domain.model import ProposalKind
from tests.support import (
    ANA,
    BOB,
    SAM,
    FixedClock,
    business_snapshot,
    count,
    proposal_id,
    propose_cancel,
)

MALFORMED_IDS = [
    "",
    "   ",
    "-112",
    "112 0000001",
    "112-0000001; DROP TABLE items",
    "'; --",
    "../../etc/passwd",
    "x" * 65,
    "112\x000000001",
    "ordre n°112",
]


@contextmanager
def writes_nothing(store: Store) -> Iterator[None]:
    before = business_snapshot(store)
    yield
    assert business_snapshot(store) == before


@pytest.mark.parametrize("order_id", MALFORMED_IDS)
def test_a_malformed_order_id_is_refused_before_any_lookup(shop: Store, order_id: str) -> None:
    calls: list[Callable[[], object]] = [
        lambda: services.lookup_order(shop.uow(), ANA, order_id),
        lambda: services.lookup_order(shop.uow(), SAM, order_id),
        lambda: propose_cancel(shop, ANA, order_id, ["A1"]),
        lambda: services.check_cancelled(shop.uow(), ANA, order_id),
    ]
    with writes_nothing(shop):
        for call in calls:
            with pytest.raises(errors.MalformedId) as err:
                call()
            assert err.value.code == "malformed_id"
            assert "order number" in err.value.message


def test_surrounding_whitespace_around_an_order_id_is_tolerated(shop: Store) -> None:
    view = services.lookup_order(shop.uow(), ANA, "  112-0000001\n")
    assert view.order.id == "112-0000001"


def test_staff_verification_tolerates_whitespace_around_the_order_id(shop: Store) -> None:
    v = services.verify_caller(shop.uow(), SAM, " 112-0000001 ", email=ANA.email)
    assert v.customer_email == ANA.email and v.order_id == "112-0000001"


@pytest.mark.parametrize("order_id", ["112-0000099", "999", "A1"])
def test_an_unknown_order_is_not_found(shop: Store, order_id: str) -> None:
    with writes_nothing(shop):
        for actor in (ANA, SAM):
            with pytest.raises(errors.OrderNotFound):
                services.lookup_order(shop.uow(), actor, order_id)
        with pytest.raises(errors.OrderNotFound):
            propose_cancel(shop, ANA, order_id, ["A1"])
        with pytest.raises(errors.OrderNotFound):
            services.check_cancelled(shop.uow(), ANA, order_id)


@pytest.mark.parametrize("kind", list(ProposalKind))
def test_an_empty_selection_is_refused(shop: Store, kind: ProposalKind) -> None:
    with writes_nothing(shop), pytest.raises(errors.EmptySelection):
        services.propose(shop.uow(), ANA, kind, "112-0000001", [], "no_longer_needed")
    assert count(shop, "proposals") == 0


def test_a_duplicate_selection_is_refused(shop: Store) -> None:
    with writes_nothing(shop), pytest.raises(errors.DuplicateSelection):
        propose_cancel(shop, ANA, "112-0000003", ["A6", "A7", "A6"])
    assert count(shop, "proposals") == 0


@pytest.mark.parametrize(
    "items",
    [["A99"], ["B1"], ["A6", "A1"], [""], ["a6"], ["A6\n"], ["x" * 100], ["'; --"]],
)
def test_an_item_outside_the_order_is_refused(shop: Store, items: list[str]) -> None:
    with writes_nothing(shop), pytest.raises(errors.ItemNotInOrder) as err:
        propose_cancel(shop, ANA, "112-0000003", items)
    assert len(err.value.message) < 200
    assert count(shop, "proposals") == 0


def test_an_expired_proposal_cannot_be_confirmed(shop: Store, clock: FixedClock) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    clock.advance(minutes=14, seconds=59)
    view = services.pending_proposal(shop.uow(), ANA, pid)
    assert view is not None
    clock.advance(seconds=1)  # exactly 15 minutes: expired
    with writes_nothing(shop), pytest.raises(errors.ProposalExpired) as err:
        services.confirm(shop.uow(), ANA, pid)
    assert err.value.rules == ("P7",)
    clock.advance(hours=5)
    with writes_nothing(shop), pytest.raises(errors.ProposalExpired):
        services.confirm(shop.uow(), ANA, pid)


def test_a_proposal_confirmed_just_before_it_expires_goes_through(
    shop: Store, clock: FixedClock
) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    clock.advance(minutes=14, seconds=59)
    assert services.confirm(shop.uow(), ANA, pid).done == ("A1",)


def test_a_replayed_confirmation_returns_the_first_outcome_and_writes_nothing(
    shop: Store, clock: FixedClock
) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    first = services.confirm(shop.uow(), ANA, pid)
    clock.advance(hours=1)  # a replay long after still answers, and still does nothing
    with writes_nothing(shop):
        for _ in range(3):
            again = services.confirm(shop.uow(), ANA, pid)
            assert again.already
            assert again.done == first.done and again.refund == first.refund


@pytest.mark.parametrize("fingerprint", ["", "0" * 16, "deadbeefdeadbeef", "x" * 200])
def test_a_tampered_confirmation_is_refused(shop: Store, fingerprint: str) -> None:
    result = propose_cancel(shop, ANA, "112-0000001", ["A1"])
    assert result.proposal is not None
    with writes_nothing(shop), pytest.raises(errors.ProposalTampered):
        services.confirm(shop.uow(), ANA, result.proposal.id, fingerprint)
    # The genuine proposal is still there to confirm.
    good = result.proposal.as_dict()["fingerprint"]
    assert services.confirm(shop.uow(), ANA, result.proposal.id, good).done == ("A1",)


def test_the_fingerprint_of_another_proposal_does_not_fit(shop: Store) -> None:
    a = propose_cancel(shop, ANA, "112-0000001", ["A1"], thread_id="t1")
    b = propose_cancel(shop, ANA, "112-0000003", ["A6"], thread_id="t2")
    assert a.proposal is not None and b.proposal is not None
    with writes_nothing(shop), pytest.raises(errors.ProposalTampered):
        services.confirm(shop.uow(), ANA, a.proposal.id, b.proposal.as_dict()["fingerprint"])


def test_a_proposal_confirmed_by_another_user_is_not_found(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    with writes_nothing(shop):
        for other in (BOB, SAM):
            with pytest.raises(errors.ProposalNotFound) as err:
                services.confirm(shop.uow(), other, pid)
            assert isinstance(err.value, errors.DomainError)
    assert services.pending_proposal(shop.uow(), ANA, pid) is not None


@pytest.mark.parametrize("pid", ["", "p_does_not_exist", "p_" + "x" * 80, "p_abc\n", "../p"])
def test_an_unknown_or_malformed_proposal_id_is_not_found(shop: Store, pid: str) -> None:
    propose_cancel(shop, ANA, "112-0000001", ["A1"])
    with writes_nothing(shop), pytest.raises(errors.ProposalNotFound):
        services.confirm(shop.uow(), ANA, pid)


def test_a_replayed_confirmation_after_a_discard_stays_refused(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    services.discard(shop.uow(), ANA)
    with writes_nothing(shop):
        for _ in range(2):
            with pytest.raises(errors.ProposalClosed):
                services.confirm(shop.uow(), ANA, pid)


@pytest.mark.parametrize(
    ("item_id", "error"),
    [("", errors.MalformedId), ("A1; --", errors.MalformedId), ("A1\n", errors.MalformedId),
     ("Z9", errors.InvalidEvent)],
)
def test_a_bad_world_event_is_refused(
    shop: Store, item_id: str, error: type[errors.DomainError]
) -> None:
    with writes_nothing(shop), pytest.raises(error):
        services.apply_event(shop.uow(), "ship", item_id)


def test_an_unknown_world_event_is_refused(shop: Store) -> None:
    with writes_nothing(shop), pytest.raises(errors.InvalidEvent):
        services.apply_event(shop.uow(), "teleport", "A1")  # type: ignore[arg-type]


def test_a_wrong_email_is_refused_even_with_the_right_postcode(shop: Store) -> None:
    with pytest.raises(errors.VerificationFailed):
        services.verify_caller(shop.uow(), SAM, "112-0000001", email=BOB.email,
                               postcode="10115")
    assert count(shop, "caller_verifications") == 0


def test_every_domain_error_serialises_for_the_edges(shop: Store) -> None:
    with pytest.raises(errors.DomainError) as err:
        services.lookup_order(shop.uow(), ANA, "112-0000009")
    data = err.value.as_dict()
    assert data["ok"] is False and data["code"] == "not_found"
    assert data["rules"] == ["P1", "P12"] and isinstance(data["message"], str)
