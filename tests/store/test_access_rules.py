"""P1 (own orders only) and P2 (staff verify the caller, and every staff action says for whom),
through the services, on every backend."""

from __future__ import annotations

import pytest

from store import services
from store.db import Store
from store.domain import errors
from store.domain.model import Actor, ProposalKind
from tests.support import (
    ANA,
    BOB,
    KIM,
    SAM,
    FixedClock,
    business_snapshot,
    cancel,
    count,
    proposal_id,
    propose_cancel,
    rows,
    status,
    verify,
)

# --- P1 ---------------------------------------------------------------------------------------


def test_a_customer_can_see_their_own_order(shop: Store) -> None:
    view = services.lookup_order(shop.uow(), ANA, "112-0000001")
    assert view.order.id == "112-0000001"
    assert [i.id for i in view.order.items] == ["A1", "A2"]


def test_a_customer_cannot_see_another_customers_order(shop: Store) -> None:
    with pytest.raises(errors.OrderNotFound):
        services.lookup_order(shop.uow(), ANA, "112-0000009")


def test_a_card_redraw_is_the_same_view_with_the_same_owner_check_and_no_audit_row(
    shop: Store,
) -> None:
    looked_up = services.lookup_order(shop.uow(), ANA, "112-0000001")
    redrawn = services.lookup_order(shop.uow(), ANA, "112-0000001", record=False)
    assert redrawn.as_dict() == looked_up.as_dict()
    assert len(rows(shop, "audit_log", action="lookup")) == 1
    with pytest.raises(errors.OrderNotFound):
        services.lookup_order(shop.uow(), ANA, "112-0000009", record=False)


def test_a_staff_card_redraw_is_recorded_with_the_customer_it_was_for(shop: Store) -> None:
    services.lookup_order(shop.uow(), SAM, "112-0000009", record=False)
    audit = rows(shop, "audit_log", action="lookup")
    assert [(a["actor_email"], a["on_behalf_of"]) for a in audit] == [(SAM.email, BOB.email)]


def test_another_accounts_order_reads_exactly_like_an_unknown_order(shop: Store) -> None:
    with pytest.raises(errors.OrderNotFound) as other:
        services.lookup_order(shop.uow(), ANA, "112-0000009")
    with pytest.raises(errors.OrderNotFound) as unknown:
        services.lookup_order(shop.uow(), ANA, "112-0000099")
    assert type(other.value) is type(unknown.value)
    assert other.value.as_dict() == {
        **unknown.value.as_dict(),
        "message": unknown.value.message.replace("112-0000099", "112-0000009"),
    }
    assert other.value.code == "not_found"
    assert "P1" in other.value.rules


@pytest.mark.parametrize("kind", list(ProposalKind))
def test_a_customer_cannot_propose_a_change_to_another_customers_order(
    shop: Store, kind: ProposalKind
) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.OrderNotFound):
        services.propose(shop.uow(), ANA, kind, "112-0000009", ["B1"], "no_longer_needed")
    with pytest.raises(errors.OrderNotFound):
        services.propose(shop.uow(), ANA, kind, "112-0000009", ["all"], "no_longer_needed")
    assert business_snapshot(shop) == before
    assert count(shop, "proposals") == 0


def test_a_customer_cannot_confirm_another_customers_proposal(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, BOB, "112-0000009", ["B1"]))
    before = business_snapshot(shop)
    with pytest.raises(errors.ProposalNotFound):
        services.confirm(shop.uow(), ANA, pid)
    assert business_snapshot(shop) == before
    assert status(shop, "B1") == "unshipped"
    # The owner can still confirm it afterwards.
    assert services.confirm(shop.uow(), BOB, pid).done == ("B1",)


def test_a_customer_cannot_see_another_customers_pending_proposal(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, BOB, "112-0000009", ["B1"]))
    assert services.pending_proposal(shop.uow(), ANA, pid) is None
    assert services.pending_proposal(shop.uow(), SAM, pid) is None
    view = services.pending_proposal(shop.uow(), BOB, pid)
    assert view is not None and [i.id for i in view.items] == ["B1"]


def test_a_customer_cannot_check_cancellations_of_another_customers_order(shop: Store) -> None:
    cancel(shop, BOB, "112-0000009", ["B1"])
    with pytest.raises(errors.OrderNotFound):
        services.check_cancelled(shop.uow(), ANA, "112-0000009")


def test_a_customer_naming_another_account_still_gets_only_their_own_lists(shop: Store) -> None:
    cancel(shop, BOB, "112-0000009", ["B1"])
    listed = services.recent_orders(shop.uow(), ANA, limit=20, customer_email=BOB.email)
    assert {v.order.customer_email for v in listed} == {ANA.email}
    assert len(listed) == 6
    checked = services.check_cancelled(shop.uow(), ANA, customer_email=BOB.email)
    assert [o["order_id"] for o in checked["orders"]] == ["112-0000005"]  # seeded as cancelled


def test_recent_orders_are_newest_first_and_limited(shop: Store) -> None:
    listed = services.recent_orders(shop.uow(), ANA, limit=3)
    assert [v.order.id for v in listed] == ["112-0000002", "112-0000006", "112-0000001"]


def test_a_handoff_never_carries_another_accounts_order(shop: Store) -> None:
    services.hand_off(shop.uow(), ANA, "please help", order_id="112-0000009")
    services.hand_off(shop.uow(), ANA, "please help", order_id="112-0000001")
    tickets = rows(shop, "handoffs")
    assert [t["order_id"] for t in tickets] == [None, "112-0000001"]
    assert {t["customer_email"] for t in tickets} == {ANA.email}


def test_a_customer_cannot_verify_callers(shop: Store) -> None:
    with pytest.raises(errors.NotAllowed):
        services.verify_caller(shop.uow(), ANA, "112-0000009", email=BOB.email)


# --- P2 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("order_id", ["112-0000001", "112-0000009"])
def test_staff_can_look_up_any_order_without_verification(shop: Store, order_id: str) -> None:
    view = services.lookup_order(shop.uow(), SAM, order_id)
    assert view.order.id == order_id
    assert all(d.rules for d in view.decisions)


def test_staff_lookup_records_for_whom(shop: Store) -> None:
    services.lookup_order(shop.uow(), SAM, "112-0000009")
    audit = rows(shop, "audit_log", action="lookup")
    assert [(a["actor_email"], a["on_behalf_of"]) for a in audit] == [(SAM.email, BOB.email)]


def test_staff_cannot_propose_without_verifying_the_caller(shop: Store) -> None:
    before = business_snapshot(shop)
    for kind in ProposalKind:
        with pytest.raises(errors.StaffVerificationRequired) as err:
            services.propose(shop.uow(), SAM, kind, "112-0000001", ["A1"], "no_longer_needed")
        assert err.value.rules == ("P2",)
    assert business_snapshot(shop) == before
    assert count(shop, "proposals") == 0


def test_staff_verify_a_caller_by_email(shop: Store) -> None:
    v = services.verify_caller(shop.uow(), SAM, "112-0000001", email="  Ana@Example.com ")
    assert (v.customer_email, v.method, v.order_id) == (ANA.email, "email", "112-0000001")
    assert count(shop, "caller_verifications", staff_email=SAM.email) == 1


def test_staff_verify_a_caller_by_postcode(shop: Store) -> None:
    v = services.verify_caller(shop.uow(), SAM, "112-0000009", postcode="sw1a1aa")
    assert (v.customer_email, v.method) == (BOB.email, "postcode")
    assert proposal_id(propose_cancel(shop, SAM, "112-0000009", ["B1"]))


@pytest.mark.parametrize(
    ("order_id", "email", "postcode"),
    [
        ("112-0000001", BOB.email, None),  # another account's e-mail
        ("112-0000001", "ana@example.org", None),
        ("112-0000001", None, "99999"),
        ("112-0000009", None, "10115"),  # Ana's postcode, Bob's order
        ("112-0000099", ANA.email, None),  # no such order
        ("112-0000001", None, None),  # nothing to check against
        ("112-0000001", "", ""),
    ],
)
def test_staff_verification_with_wrong_details_is_refused(
    shop: Store, order_id: str, email: str | None, postcode: str | None
) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.VerificationFailed):
        services.verify_caller(shop.uow(), SAM, order_id, email=email, postcode=postcode)
    assert count(shop, "caller_verifications") == 0
    assert business_snapshot(shop) == before
    with pytest.raises(errors.StaffVerificationRequired):
        propose_cancel(shop, SAM, "112-0000001", ["A1"])


def test_staff_verification_with_a_malformed_order_id_is_refused(shop: Store) -> None:
    with pytest.raises(errors.MalformedId):
        services.verify_caller(shop.uow(), SAM, "'; drop table items; --", email=ANA.email)
    assert count(shop, "caller_verifications") == 0


def test_a_verification_covers_only_that_customer_and_that_staff_member(shop: Store) -> None:
    verify(shop, SAM, "112-0000001", ANA.email)
    with pytest.raises(errors.StaffVerificationRequired):
        propose_cancel(shop, SAM, "112-0000009", ["B1"])  # Bob was not verified
    with pytest.raises(errors.StaffVerificationRequired):
        propose_cancel(shop, KIM, "112-0000001", ["A1"])  # Kim verified nobody
    assert proposal_id(propose_cancel(shop, SAM, "112-0000003", ["A6"]))  # any of Ana's orders


def test_a_verification_expires(shop: Store, clock: FixedClock) -> None:
    verify(shop, SAM, "112-0000001", ANA.email)
    clock.advance(hours=2, seconds=1)
    with pytest.raises(errors.StaffVerificationRequired):
        propose_cancel(shop, SAM, "112-0000001", ["A1"])


def test_a_staff_cancellation_records_the_phone_channel_and_for_whom(shop: Store) -> None:
    verify(shop, SAM, "112-0000001", ANA.email)
    outcome = cancel(shop, SAM, "112-0000001", ["A1"])
    assert outcome.done == ("A1",)
    assert outcome.email_to == ANA.email
    [c] = rows(shop, "cancellations")
    assert (c["channel"], c["actor_kind"], c["actor_email"], c["on_behalf_of"]) == (
        "phone", "staff", SAM.email, ANA.email
    )
    [mail] = rows(shop, "emails")
    assert mail["to"] == ANA.email
    [audit] = rows(shop, "audit_log", action="confirm_cancel")
    assert (audit["actor_email"], audit["on_behalf_of"]) == (SAM.email, ANA.email)


def test_a_customer_cancellation_records_the_chat_channel(shop: Store) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"])
    [c] = rows(shop, "cancellations")
    assert (c["channel"], c["actor_email"], c["on_behalf_of"]) == ("chat", ANA.email, ANA.email)


def test_staff_seller_requests_and_refusal_flags_record_the_staff_member(shop: Store) -> None:
    verify(shop, SAM, "112-0000004", ANA.email)
    for kind, item in [(ProposalKind.SELLER_REQUEST, "A9"), (ProposalKind.REFUSAL, "A8")]:
        result = services.propose(shop.uow(), SAM, kind, "112-0000004", [item],
                                  "no_longer_needed")
        services.confirm(shop.uow(), SAM, proposal_id(result))
    [request] = rows(shop, "seller_requests")
    [flag] = rows(shop, "refusal_flags")
    assert (request["actor_kind"], request["actor_email"]) == ("staff", SAM.email)
    assert (flag["actor_kind"], flag["actor_email"]) == ("staff", SAM.email)
    audits = rows(shop, "audit_log", actor_email=SAM.email)
    confirms = [a for a in audits if a["action"].startswith("confirm_")]
    assert len(confirms) == 2
    assert {a["on_behalf_of"] for a in confirms} == {ANA.email}


def test_staff_lists_need_a_named_customer(shop: Store) -> None:
    with pytest.raises(errors.StaffVerificationRequired):
        services.recent_orders(shop.uow(), SAM)
    with pytest.raises(errors.StaffVerificationRequired):
        services.check_cancelled(shop.uow(), SAM)
    listed = services.recent_orders(shop.uow(), SAM, customer_email=BOB.email)
    assert {v.order.id for v in listed} == {"112-0000009", "112-0000010"}


def test_staff_cannot_confirm_a_proposal_after_the_verification_lapsed(
    shop: Store, clock: FixedClock
) -> None:
    verify(shop, SAM, "112-0000001", ANA.email)
    clock.advance(hours=1, minutes=55)
    pid = proposal_id(propose_cancel(shop, SAM, "112-0000001", ["A1"]))
    clock.advance(minutes=10)
    before = business_snapshot(shop)
    with pytest.raises(errors.StaffVerificationRequired):
        services.confirm(shop.uow(), SAM, pid)
    assert business_snapshot(shop) == before


def test_another_staff_member_cannot_confirm_a_colleagues_proposal(shop: Store) -> None:
    verify(shop, SAM, "112-0000001", ANA.email)
    verify(shop, KIM, "112-0000001", ANA.email)
    pid = proposal_id(propose_cancel(shop, SAM, "112-0000001", ["A1"]))
    before = business_snapshot(shop)
    for other in (KIM, ANA, Actor("customer", SAM.email)):
        with pytest.raises(errors.ProposalNotFound):
            services.confirm(shop.uow(), other, pid)
    assert business_snapshot(shop) == before
