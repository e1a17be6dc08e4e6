"""P3-P11 through the services, positive and negative, on every backend (see conftest)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store import services
from store.db import Store
from store.domain import errors
from store.domain.model import ProposalKind, Reason
from store.domain.policy import DecisionKind
from tests.support import (
    ANA,
    BOB,
    SAM,
    FixedClock,
    act,
    business_snapshot,
    cancel,
    count,
    proposal_id,
    propose_cancel,
    refunded,
    rows,
    status,
    statuses,
    verify,
)


def decisions(store: Store, order_id: str) -> dict[str, DecisionKind]:
    view = services.lookup_order(store.uow(), ANA, order_id)
    return {d.item_id: d.kind for d in view.decisions}


# --- P3 item states ---------------------------------------------------------------------------


@pytest.mark.parametrize(("order_id", "item"), [("112-0000003", "A6"), ("112-0000003", "A7")])
def test_pending_and_unshipped_items_can_be_cancelled(
    shop: Store, order_id: str, item: str
) -> None:
    assert decisions(shop, order_id)[item] is DecisionKind.CANCEL
    outcome = cancel(shop, ANA, order_id, [item])
    assert outcome.done == (item,) and outcome.failed == ()
    assert status(shop, item) == "cancelled"


@pytest.mark.parametrize(
    ("order_id", "item", "can"),
    [
        ("112-0000003", "A5", DecisionKind.WAIT_THEN_REFUSE),  # processing
        ("112-0000004", "A8", DecisionKind.REFUSE_AT_DOOR),  # shipped
        ("112-0000004", "A10", DecisionKind.RETURN_INSTEAD),  # delivered
        ("112-0000005", "A12", DecisionKind.ALREADY_CANCELLED),
    ],
)
def test_processing_shipped_and_delivered_items_cannot_be_cancelled(
    shop: Store, order_id: str, item: str, can: DecisionKind
) -> None:
    assert decisions(shop, order_id)[item] is can
    before = business_snapshot(shop)
    if can is DecisionKind.ALREADY_CANCELLED:
        result = propose_cancel(shop, ANA, order_id, [item])
        assert result.proposal is None  # P9: nothing to do
    else:
        with pytest.raises(errors.NotActionable) as err:
            propose_cancel(shop, ANA, order_id, [item])
        assert "P3" in err.value.rules or "P10" in err.value.rules
        assert err.value.items == [  # type: ignore[attr-defined]
            {"id": item, "title": err.value.items[0]["title"], "can": can.value}  # type: ignore[attr-defined]
        ]
    assert business_snapshot(shop) == before


def test_a_mixed_explicit_selection_with_an_uncancellable_item_proposes_nothing(
    shop: Store,
) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.NotActionable) as err:
        propose_cancel(shop, ANA, "112-0000003", ["A5", "A6"])
    assert "Running shoes" in err.value.message
    assert business_snapshot(shop) == before
    assert count(shop, "proposals") == 0


# --- P4 partial or whole ------------------------------------------------------------------------


def test_cancelling_some_items_leaves_the_order_partially_cancelled(shop: Store) -> None:
    cancel(shop, ANA, "112-0000002", ["A3"])
    view = services.lookup_order(shop.uow(), ANA, "112-0000002")
    assert view.order.status.value == "partially cancelled"
    assert statuses(shop)["A4"] == "pending"
    cancel(shop, ANA, "112-0000002", ["A4"])
    view = services.lookup_order(shop.uow(), ANA, "112-0000002")
    assert view.order.status.value == "cancelled"
    assert view.as_dict()["refunded"] == "22.49"


@pytest.mark.parametrize("word", ["all", "ALL", "All"])
def test_all_cancels_every_cancellable_item_of_the_order(shop: Store, word: str) -> None:
    result = propose_cancel(shop, ANA, "112-0000002", [word])
    assert result.proposal is not None
    assert [i.id for i in result.proposal.items] == ["A3", "A4"]
    assert result.proposal.proposal.amount == Decimal("22.49")
    outcome = services.confirm(shop.uow(), ANA, result.proposal.id)
    assert outcome.done == ("A3", "A4")
    view = services.lookup_order(shop.uow(), ANA, "112-0000002")
    assert view.order.status.value == "cancelled"


def test_all_leaves_out_items_that_cannot_be_cancelled_and_says_which(shop: Store) -> None:
    result = propose_cancel(shop, ANA, "112-0000003", ["all"])
    assert result.proposal is not None
    assert [i.id for i in result.proposal.items] == ["A6", "A7"]
    assert [(i.id, d.kind) for i, d in result.excluded] == [
        ("A5", DecisionKind.WAIT_THEN_REFUSE)
    ]
    assert result.as_dict()["not_included"][0]["id"] == "A5"
    services.confirm(shop.uow(), ANA, result.proposal.id)
    assert services.lookup_order(shop.uow(), ANA, "112-0000003").order.status.value == (
        "partially cancelled"
    )
    assert status(shop, "A5") == "processing"


def test_all_on_an_order_with_nothing_cancellable_is_refused(shop: Store) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.NotActionable):
        propose_cancel(shop, ANA, "112-0000004", ["all"])
    assert business_snapshot(shop) == before


def test_an_order_with_no_cancelled_items_is_open(shop: Store) -> None:
    assert services.lookup_order(shop.uow(), ANA, "112-0000001").order.status.value == "open"


# --- P5 third-party sellers ---------------------------------------------------------------------


def test_a_third_party_item_can_be_cancelled_within_thirty_minutes(shop: Store) -> None:
    assert decisions(shop, "112-0000002") == {"A3": DecisionKind.CANCEL,
                                              "A4": DecisionKind.CANCEL}
    outcome = cancel(shop, ANA, "112-0000002", ["A3"])
    assert outcome.done == ("A3",)
    assert refunded(shop, "112-0000002") == Decimal("14.50")


def test_the_thirty_minute_window_is_inclusive(shop: Store, clock: FixedClock) -> None:
    clock.advance(minutes=20)  # placed exactly 30 minutes ago
    assert decisions(shop, "112-0000002")["A3"] is DecisionKind.CANCEL
    clock.advance(seconds=1)
    assert decisions(shop, "112-0000002")["A3"] is DecisionKind.REQUEST_SELLER


def test_after_thirty_minutes_a_third_party_item_needs_a_seller_request(
    shop: Store, clock: FixedClock
) -> None:
    clock.advance(minutes=21)
    before = business_snapshot(shop)
    with pytest.raises(errors.NotActionable) as err:
        propose_cancel(shop, ANA, "112-0000002", ["A3"])
    assert "P5" in err.value.rules
    assert business_snapshot(shop) == before
    outcome = act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000002", ["A3"])
    assert outcome.done == ("A3",) and outcome.refund == Decimal("0.00")
    assert outcome.email_to is None
    [req] = rows(shop, "seller_requests")
    assert (req["item_id"], req["status"], req["after_shipment"]) == ("A3", "pending", False)
    assert status(shop, "A3") == "unshipped"
    assert count(shop, "refunds") == 0 and count(shop, "emails") == 0


def test_a_seller_request_is_refused_while_the_item_can_still_be_cancelled(shop: Store) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.NotActionable):
        services.propose(shop.uow(), ANA, ProposalKind.SELLER_REQUEST, "112-0000002", ["A3"],
                         "no_longer_needed")
    with pytest.raises(errors.NotActionable):  # a shop item never goes to a seller
        services.propose(shop.uow(), ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A1"],
                         "no_longer_needed")
    assert business_snapshot(shop) == before


def test_a_processing_third_party_item_inside_the_window_goes_to_the_seller(
    shop: Store, clock: FixedClock
) -> None:
    services.apply_event(shop.uow(), "process", "A3")
    assert decisions(shop, "112-0000002")["A3"] is DecisionKind.REQUEST_SELLER


def test_a_shipped_third_party_item_gets_an_after_shipment_seller_request(shop: Store) -> None:
    view = services.lookup_order(shop.uow(), ANA, "112-0000004")
    [a9] = [d for d in view.decisions if d.item_id == "A9"]
    assert a9.kind is DecisionKind.REQUEST_SELLER and a9.after_shipment
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000004", ["A9"])
    [req] = rows(shop, "seller_requests")
    assert (req["item_id"], req["after_shipment"]) == ("A9", True)


def test_a_delivered_third_party_item_points_to_a_return(shop: Store) -> None:
    assert decisions(shop, "112-0000004")["A11"] is DecisionKind.RETURN_INSTEAD
    with pytest.raises(errors.NotActionable):
        services.propose(shop.uow(), ANA, ProposalKind.SELLER_REQUEST, "112-0000004", ["A11"],
                         "no_longer_needed")


def test_the_seller_approving_cancels_and_refunds_the_item(shop: Store) -> None:
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"])
    result = services.apply_event(shop.uow(), "seller_approves", "A2")
    assert result.applied
    assert status(shop, "A2") == "cancelled"
    assert refunded(shop, "112-0000001") == Decimal("19.98")
    [req] = rows(shop, "seller_requests")
    assert req["status"] == "approved"
    [c] = rows(shop, "cancellations")
    assert (c["item_id"], c["channel"], c["on_behalf_of"]) == ("A2", "seller", ANA.email)
    [mail] = rows(shop, "emails")
    assert (mail["to"], mail["order_id"]) == (ANA.email, "112-0000001")
    # Answering again changes nothing.
    before = business_snapshot(shop)
    assert not services.apply_event(shop.uow(), "seller_approves", "A2").applied
    assert not services.apply_event(shop.uow(), "seller_denies", "A2").applied
    assert business_snapshot(shop) == before


def test_the_seller_denying_leaves_the_item_and_refunds_nothing(shop: Store) -> None:
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"])
    assert services.apply_event(shop.uow(), "seller_denies", "A2").applied
    assert status(shop, "A2") == "unshipped"
    assert [r["status"] for r in rows(shop, "seller_requests")] == ["denied"]
    assert count(shop, "refunds") == 0 and count(shop, "cancellations") == 0
    assert not services.apply_event(shop.uow(), "seller_approves", "A2").applied
    assert status(shop, "A2") == "unshipped"
    view = services.lookup_order(shop.uow(), ANA, "112-0000001")
    [a2] = [d for d in view.decisions if d.item_id == "A2"]
    assert a2.already_done and "denied" in a2.explanation


def test_a_seller_answer_without_a_request_changes_nothing(shop: Store) -> None:
    before = business_snapshot(shop)
    for kind in ("seller_approves", "seller_denies"):
        assert not services.apply_event(shop.uow(), kind, "A2").applied  # type: ignore[arg-type]
    assert business_snapshot(shop) == before


# --- P6 reason ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, ""])
def test_a_cancellation_needs_a_reason(shop: Store, reason: str | None) -> None:
    before = business_snapshot(shop)
    for kind in (ProposalKind.CANCEL, ProposalKind.SELLER_REQUEST):
        with pytest.raises(errors.ReasonRequired) as err:
            services.propose(shop.uow(), ANA, kind, "112-0000001", ["A1"], reason)
        assert err.value.rules == ("P6",)
        assert "ordered by mistake" in err.value.message
    assert business_snapshot(shop) == before
    assert count(shop, "proposals") == 0


@pytest.mark.parametrize("reason", ["because", "No longer needed", "OTHER", "refund me"])
def test_a_reason_outside_the_fixed_list_is_refused(shop: Store, reason: str) -> None:
    before = business_snapshot(shop)
    with pytest.raises(errors.ReasonRequired):
        propose_cancel(shop, ANA, "112-0000001", ["A1"], reason=reason)
    assert business_snapshot(shop) == before


def test_a_refusal_flag_with_a_bogus_reason_is_refused_as_a_domain_error(shop: Store) -> None:
    with pytest.raises(errors.ReasonRequired):
        services.propose(shop.uow(), ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], "bogus")


@pytest.mark.parametrize("reason", list(Reason))
def test_every_listed_reason_is_recorded(shop: Store, reason: Reason) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"], reason=reason.value)
    [c] = rows(shop, "cancellations")
    assert c["reason"] == reason.value


def test_other_records_the_free_text_cleaned(shop: Store) -> None:
    result = services.propose(shop.uow(), ANA, ProposalKind.CANCEL, "112-0000001", ["A1"],
                              "other", "  gift   for a\nfriend  " + "x" * 600)
    services.confirm(shop.uow(), ANA, proposal_id(result))
    [c] = rows(shop, "cancellations")
    assert c["reason"] == "other"
    assert c["reason_text"].startswith("gift for a friend x")
    assert len(c["reason_text"]) == 500


def test_a_refusal_flag_needs_no_reason(shop: Store) -> None:
    outcome = act(shop, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"], reason=None)
    assert outcome.done == ("A8",)


# --- P7 explicit confirmation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "order_id", "items"),
    [
        (ProposalKind.CANCEL, "112-0000003", ["A6", "A7"]),
        (ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"]),
        (ProposalKind.REFUSAL, "112-0000004", ["A8"]),
    ],
)
def test_a_proposal_writes_nothing_until_it_is_confirmed(
    shop: Store, kind: ProposalKind, order_id: str, items: list[str]
) -> None:
    before = business_snapshot(shop)
    result = services.propose(shop.uow(), ANA, kind, order_id, items, "no_longer_needed")
    assert result.proposal is not None
    assert result.as_dict()["proposal"]["needs"].endswith("(P7)")
    assert business_snapshot(shop) == before
    services.confirm(shop.uow(), ANA, result.proposal.id)
    assert business_snapshot(shop) != before


def test_a_discarded_proposal_cannot_be_confirmed(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"], thread_id="t1"))
    assert services.discard(shop.uow(), ANA, "t1") == [pid]
    assert services.discard(shop.uow(), ANA, "t1") == []
    before = business_snapshot(shop)
    with pytest.raises(errors.ProposalClosed):
        services.confirm(shop.uow(), ANA, pid)
    assert business_snapshot(shop) == before


def test_a_new_proposal_replaces_the_pending_one_of_the_same_thread(shop: Store) -> None:
    old = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"], thread_id="t1"))
    other = proposal_id(propose_cancel(shop, ANA, "112-0000003", ["A6"], thread_id="t2"))
    new = proposal_id(propose_cancel(shop, ANA, "112-0000003", ["A7"], thread_id="t1"))
    with pytest.raises(errors.ProposalClosed):
        services.confirm(shop.uow(), ANA, old)
    assert status(shop, "A1") == "unshipped"
    assert services.confirm(shop.uow(), ANA, other).done == ("A6",)
    assert services.confirm(shop.uow(), ANA, new).done == ("A7",)


def test_the_fingerprint_shown_to_the_user_confirms_the_proposal(shop: Store) -> None:
    result = propose_cancel(shop, ANA, "112-0000001", ["A1"])
    assert result.proposal is not None
    shown = result.proposal.as_dict()
    outcome = services.confirm(shop.uow(), ANA, shown["proposal_id"], shown["fingerprint"])
    assert outcome.done == ("A1",)


# --- P8 effects of a cancellation ---------------------------------------------------------------


def test_a_cancellation_refunds_price_times_quantity_and_emails_the_account(shop: Store) -> None:
    outcome = cancel(shop, ANA, "112-0000003", ["A6", "A7"])
    assert outcome.refund == Decimal("75.90")  # 12.00 x 3 + 39.90
    [refund] = rows(shop, "refunds")
    assert (refund["order_id"], Decimal(refund["amount"])) == ("112-0000003", Decimal("75.90"))
    assert sorted(refund["item_ids"]) == ["A6", "A7"]
    assert refund["method"] == "original payment method"
    [mail] = rows(shop, "emails")
    assert (mail["to"], mail["order_id"]) == (ANA.email, "112-0000003")
    assert "75.90" in mail["body"] and "Sports socks x3: €36.00" in mail["body"]


def test_check_cancelled_lists_the_cancelled_order(shop: Store) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"], reason="ordered_by_mistake")
    report = services.check_cancelled(shop.uow(), ANA)
    by_id = {o["order_id"]: o for o in report["orders"]}
    assert set(by_id) == {"112-0000001", "112-0000005"}
    entry = by_id["112-0000001"]
    assert entry["status"] == "partially cancelled"
    assert entry["refunded"] == "59.99"
    assert entry["confirmation_emails"] == 1
    [a1] = [i for i in entry["items"] if i["id"] == "A1"]
    assert a1["status"] == "cancelled"
    assert a1["cancellation"]["reason"] == "ordered_by_mistake"
    assert a1["cancellation"]["channel"] == "chat"
    assert "contact support" in report["if_missing"]
    single = services.check_cancelled(shop.uow(), ANA, "112-0000001")
    assert [o["order_id"] for o in single["orders"]] == ["112-0000001"]


def test_check_cancelled_shows_seller_requests_and_refusal_flags(shop: Store) -> None:
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000004", ["A9"])
    act(shop, ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"])
    report = services.check_cancelled(shop.uow(), ANA, "112-0000004")
    items = {i["id"]: i for i in report["orders"][0]["items"]}
    assert items["A9"]["seller_request"] == "pending"
    assert items["A8"]["refusal_flagged"] is True
    assert report["orders"][0]["refunded"] == "0.00"


def test_a_staff_member_can_check_a_customers_cancellations(shop: Store) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"])
    report = services.check_cancelled(shop.uow(), SAM, customer_email=ANA.email)
    assert {o["order_id"] for o in report["orders"]} == {"112-0000001", "112-0000005"}


# --- P9 idempotent --------------------------------------------------------------------------


def test_confirming_twice_changes_nothing_and_says_already_done(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000003", ["A6", "A7"]))
    first = services.confirm(shop.uow(), ANA, pid)
    before = business_snapshot(shop)
    second = services.confirm(shop.uow(), ANA, pid)
    assert business_snapshot(shop) == before
    assert second.already and not first.already
    assert {**second.as_dict(), "already_confirmed": False} == first.as_dict()
    assert count(shop, "refunds") == 1 and count(shop, "emails") == 1


def test_cancelling_an_already_cancelled_item_again_says_already_done(shop: Store) -> None:
    cancel(shop, ANA, "112-0000001", ["A1"])
    before = business_snapshot(shop)
    result = propose_cancel(shop, ANA, "112-0000001", ["A1"])
    assert result.proposal is None
    assert [(d.item_id, d.rules) for d in result.already_done] == [("A1", ("P9",))]
    assert result.as_dict()["already_done"][0]["id"] == "A1"
    assert business_snapshot(shop) == before


def test_all_on_a_fully_cancelled_order_says_already_done(shop: Store) -> None:
    cancel(shop, ANA, "112-0000002", ["all"])
    before = business_snapshot(shop)
    result = propose_cancel(shop, ANA, "112-0000002", ["all"])
    assert result.proposal is None
    assert {d.item_id for d in result.already_done} == {"A3", "A4"}
    assert business_snapshot(shop) == before


def test_a_mixed_selection_proposes_the_rest_and_reports_the_done_item(shop: Store) -> None:
    cancel(shop, ANA, "112-0000003", ["A6"])
    result = propose_cancel(shop, ANA, "112-0000003", ["A6", "A7"])
    assert result.proposal is not None
    assert [i.id for i in result.proposal.items] == ["A7"]
    assert [d.item_id for d in result.already_done] == ["A6"]
    services.confirm(shop.uow(), ANA, result.proposal.id)
    assert refunded(shop, "112-0000003") == Decimal("75.90")


@pytest.mark.parametrize(
    ("kind", "order_id", "item", "table"),
    [
        (ProposalKind.SELLER_REQUEST, "112-0000001", "A2", "seller_requests"),
        (ProposalKind.REFUSAL, "112-0000004", "A8", "refusal_flags"),
    ],
)
def test_repeating_a_request_or_a_flag_changes_nothing(
    shop: Store, kind: ProposalKind, order_id: str, item: str, table: str
) -> None:
    act(shop, ANA, kind, order_id, [item])
    before = business_snapshot(shop)
    result = services.propose(shop.uow(), ANA, kind, order_id, [item], "no_longer_needed")
    assert result.proposal is None
    [done] = result.already_done
    assert done.item_id == item and "P9" in done.rules and done.already_done
    assert business_snapshot(shop) == before
    assert count(shop, table) == 1


# --- P10 too late: refuse the shipment ----------------------------------------------------------


def test_a_shipped_shop_item_can_be_flagged_for_refusal_without_a_refund(shop: Store) -> None:
    assert decisions(shop, "112-0000004")["A8"] is DecisionKind.REFUSE_AT_DOOR
    result = services.propose(shop.uow(), ANA, ProposalKind.REFUSAL, "112-0000004", ["A8"])
    assert result.proposal is not None
    outcome = services.confirm(shop.uow(), ANA, result.proposal.id)
    assert outcome.done == ("A8",)
    assert outcome.refund == Decimal("0.00")
    assert outcome.email_to is None
    [flag] = rows(shop, "refusal_flags")
    assert (flag["order_id"], flag["item_id"]) == ("112-0000004", "A8")
    assert status(shop, "A8") == "shipped"
    assert count(shop, "refunds") == 0 and count(shop, "emails") == 0
    view = services.lookup_order(shop.uow(), ANA, "112-0000004")
    [a8] = [d for d in view.decisions if d.item_id == "A8"]
    assert a8.already_done and "P9" in a8.rules


@pytest.mark.parametrize(
    ("item", "can"),
    [
        ("A10", DecisionKind.RETURN_INSTEAD),  # delivered shop item
        ("A11", DecisionKind.RETURN_INSTEAD),  # delivered third-party item
        ("A9", DecisionKind.REQUEST_SELLER),  # shipped third-party: the seller's path
    ],
)
def test_only_shipped_shop_items_can_be_flagged_for_refusal(
    shop: Store, item: str, can: DecisionKind
) -> None:
    assert decisions(shop, "112-0000004")[item] is can
    before = business_snapshot(shop)
    with pytest.raises(errors.NotActionable) as err:
        services.propose(shop.uow(), ANA, ProposalKind.REFUSAL, "112-0000004", [item])
    assert err.value.items[0]["can"] == can.value  # type: ignore[attr-defined]
    assert business_snapshot(shop) == before


def test_a_processing_shop_item_cannot_be_flagged_yet(shop: Store) -> None:
    with pytest.raises(errors.NotActionable) as err:
        services.propose(shop.uow(), ANA, ProposalKind.REFUSAL, "112-0000003", ["A5"])
    assert "P10" in err.value.rules


def test_a_delivered_item_points_to_returns(shop: Store) -> None:
    view = services.lookup_order(shop.uow(), ANA, "112-0000004")
    [a10] = [d for d in view.decisions if d.item_id == "A10"]
    assert a10.kind is DecisionKind.RETURN_INSTEAD and a10.rules == ("P10",)
    assert "return" in a10.explanation


# --- P11 race between proposal and confirmation ------------------------------------------------


@pytest.mark.parametrize(
    ("event", "can"),
    [("ship", DecisionKind.REFUSE_AT_DOOR), ("process", DecisionKind.WAIT_THEN_REFUSE)],
)
def test_an_item_that_left_the_cancellable_states_fails_and_the_others_succeed(
    shop: Store, event: str, can: DecisionKind
) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000003", ["A6", "A7"]))
    assert services.apply_event(shop.uow(), event, "A6").applied  # type: ignore[arg-type]
    outcome = services.confirm(shop.uow(), ANA, pid)
    assert outcome.done == ("A7",)
    [failed] = outcome.failed
    assert (failed["id"], failed["can"]) == ("A6", can.value)
    assert "P11" in failed["rules"] and "P10" in failed["rules"]
    assert failed["why"]
    assert outcome.refund == Decimal("39.90")
    assert refunded(shop, "112-0000003") == Decimal("39.90")
    assert status(shop, "A6") != "cancelled" and status(shop, "A7") == "cancelled"
    [mail] = rows(shop, "emails")
    assert "Board game" in mail["body"] and "Sports socks" not in mail["body"]
    # The replay reports the same partial outcome and writes nothing.
    before = business_snapshot(shop)
    again = services.confirm(shop.uow(), ANA, pid)
    assert again.already and again.failed == outcome.failed
    assert business_snapshot(shop) == before


def test_when_every_item_left_the_cancellable_states_nothing_is_written(shop: Store) -> None:
    pid = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    services.apply_event(shop.uow(), "ship", "A1")
    before = business_snapshot(shop)
    outcome = services.confirm(shop.uow(), ANA, pid)
    assert outcome.done == () and [f["id"] for f in outcome.failed] == ["A1"]
    assert outcome.refund == Decimal("0.00") and outcome.email_to is None
    assert business_snapshot(shop) == before


def test_a_third_party_item_whose_window_closed_before_confirmation_fails_with_p5(
    shop: Store, clock: FixedClock
) -> None:
    pid = proposal_id(propose_cancel(shop, BOB, "112-0000010", ["B3"]))  # 20 min old
    clock.advance(minutes=11)  # 31 min old; the proposal (15 min) is still valid
    before = business_snapshot(shop)
    outcome = services.confirm(shop.uow(), BOB, pid)
    assert outcome.done == ()
    [failed] = outcome.failed
    assert failed["can"] == "request_seller"
    assert "P5" in failed["rules"] and "P11" in failed["rules"]
    assert business_snapshot(shop) == before


def test_two_proposals_for_one_item_never_cancel_or_refund_it_twice(shop: Store) -> None:
    verify(shop, SAM, "112-0000001", ANA.email)
    mine = proposal_id(propose_cancel(shop, ANA, "112-0000001", ["A1"]))
    staff = proposal_id(propose_cancel(shop, SAM, "112-0000001", ["A1"]))
    assert services.confirm(shop.uow(), SAM, staff).done == ("A1",)
    second = services.confirm(shop.uow(), ANA, mine)
    assert second.done == ()
    assert [(f["id"], f["can"]) for f in second.failed] == [("A1", "already_cancelled")]
    assert refunded(shop) == Decimal("59.99")
    assert count(shop, "cancellations") == 1 and count(shop, "emails") == 1


def test_a_seller_request_confirmed_after_shipping_is_marked_after_shipment(
    shop: Store,
) -> None:
    pid = proposal_id(services.propose(shop.uow(), ANA, ProposalKind.SELLER_REQUEST,
                                       "112-0000001", ["A2"], "no_longer_needed"))
    services.apply_event(shop.uow(), "ship", "A2")
    assert services.confirm(shop.uow(), ANA, pid).done == ("A2",)
    [req] = rows(shop, "seller_requests")
    assert req["after_shipment"] is True


# --- world events -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "item", "applied", "after"),
    [
        ("process", "A1", True, "processing"),
        ("ship", "A5", True, "shipped"),
        ("deliver", "A8", True, "delivered"),
        ("ship", "A12", False, "cancelled"),  # a cancelled item never moves again
        ("process", "A8", False, "shipped"),
        ("deliver", "A7", False, "pending"),
        ("ship", "A10", False, "delivered"),
    ],
)
def test_world_events_move_items_only_forward(
    shop: Store, event: str, item: str, applied: bool, after: str
) -> None:
    result = services.apply_event(shop.uow(), event, item)  # type: ignore[arg-type]
    assert result.applied is applied
    assert status(shop, item) == after
    assert result.message


@pytest.mark.parametrize(
    ("kind", "order_id", "item", "event", "can"),
    [
        (ProposalKind.REFUSAL, "112-0000004", "A8", "deliver", "return_instead"),
        (ProposalKind.SELLER_REQUEST, "112-0000004", "A9", "deliver", "return_instead"),
    ],
)
def test_a_flag_or_request_for_an_item_delivered_meanwhile_fails_and_writes_nothing(
    shop: Store, kind: ProposalKind, order_id: str, item: str, event: str, can: str
) -> None:
    pid = proposal_id(services.propose(shop.uow(), ANA, kind, order_id, [item],
                                       "no_longer_needed"))
    assert services.apply_event(shop.uow(), event, item).applied  # type: ignore[arg-type]
    before = business_snapshot(shop)
    outcome = services.confirm(shop.uow(), ANA, pid)
    assert outcome.done == ()
    assert [(f["id"], f["can"]) for f in outcome.failed] == [(item, can)]
    assert "P11" in outcome.failed[0]["rules"]
    assert business_snapshot(shop) == before
