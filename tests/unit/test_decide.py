"""The policy as pure functions: `decide` for every state, seller kind and time, no store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.domain.model import (
    CANCELLABLE_STATES,
    REASON_LABELS,
    Actor,
    Item,
    ItemHistory,
    ItemStatus,
    Order,
    OrderStatus,
    ProposalKind,
    Reason,
    RequestStatus,
    SellerRequest,
    money,
    utc,
    valid_id,
)
from store.domain.policy import DecisionKind, decide, decide_order, within_window

PLACED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def item(status: ItemStatus, seller: str | None = None, qty: int = 1,
         price: str = "10.00", iid: str = "I1") -> Item:
    return Item(iid, "O1", f"Thing {iid}", qty, Decimal(price), status, seller)


def at(minutes: float) -> datetime:
    return PLACED + timedelta(minutes=minutes)


# --- P3: shop items ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ItemStatus.PENDING, ItemStatus.UNSHIPPED])
def test_a_pending_or_unshipped_shop_item_can_be_cancelled_at_any_time(
    status: ItemStatus,
) -> None:
    for minutes in (0, 29, 31, 60 * 24 * 30):
        d = decide(item(status), PLACED, at(minutes))
        assert d.kind is DecisionKind.CANCEL and d.cancellable
        assert d.rules == ("P3",) and d.action is ProposalKind.CANCEL
        assert status.value in d.explanation


def test_a_processing_shop_item_cannot_be_cancelled_and_waits_to_be_refused() -> None:
    d = decide(item(ItemStatus.PROCESSING), PLACED, at(1))
    assert d.kind is DecisionKind.WAIT_THEN_REFUSE and not d.cancellable
    assert d.rules == ("P3", "P10") and d.action is None


def test_a_shipped_shop_item_can_be_refused_at_the_door() -> None:
    d = decide(item(ItemStatus.SHIPPED), PLACED, at(1))
    assert d.kind is DecisionKind.REFUSE_AT_DOOR and d.action is ProposalKind.REFUSAL
    assert d.rules == ("P3", "P10") and not d.already_done
    assert "refuse the package" in d.explanation


def test_a_shipped_shop_item_already_flagged_says_so() -> None:
    d = decide(item(ItemStatus.SHIPPED), PLACED, at(1), ItemHistory(refusal_flagged=True))
    assert d.kind is DecisionKind.REFUSE_AT_DOOR and d.already_done
    assert "P9" in d.rules and "already" in d.explanation


@pytest.mark.parametrize("seller", [None, "Seller Co"])
def test_a_delivered_item_can_only_be_returned(seller: str | None) -> None:
    d = decide(item(ItemStatus.DELIVERED, seller), PLACED, at(1))
    assert d.kind is DecisionKind.RETURN_INSTEAD and d.action is None
    assert "P10" in d.rules and "return" in d.explanation


@pytest.mark.parametrize("seller", [None, "Seller Co"])
def test_a_cancelled_item_is_already_cancelled(seller: str | None) -> None:
    d = decide(item(ItemStatus.CANCELLED, seller), PLACED, at(1))
    assert d.kind is DecisionKind.ALREADY_CANCELLED and d.rules == ("P9",)
    assert d.action is None


# --- P5: third-party items ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [ItemStatus.PENDING, ItemStatus.UNSHIPPED])
@pytest.mark.parametrize("minutes", [0, 10, 29.99, 30])
def test_a_third_party_item_can_be_cancelled_in_the_first_thirty_minutes(
    status: ItemStatus, minutes: float
) -> None:
    d = decide(item(status, "Seller Co"), PLACED, at(minutes))
    assert d.kind is DecisionKind.CANCEL and d.rules == ("P3", "P5")
    assert "Seller Co" in d.explanation


@pytest.mark.parametrize("status", [ItemStatus.PENDING, ItemStatus.UNSHIPPED])
@pytest.mark.parametrize("minutes", [30 + 1 / 60_000, 31, 60 * 24])
def test_after_thirty_minutes_a_third_party_item_goes_to_the_seller(
    status: ItemStatus, minutes: float
) -> None:
    d = decide(item(status, "Seller Co"), PLACED, at(minutes))
    assert d.kind is DecisionKind.REQUEST_SELLER and d.action is ProposalKind.SELLER_REQUEST
    assert d.rules == ("P5",) and not d.after_shipment and not d.already_done
    assert "window has passed" in d.explanation


def test_a_processing_third_party_item_goes_to_the_seller_even_inside_the_window() -> None:
    d = decide(item(ItemStatus.PROCESSING, "Seller Co"), PLACED, at(5))
    assert d.kind is DecisionKind.REQUEST_SELLER and not d.after_shipment
    assert "shipping process" in d.explanation


def test_a_shipped_third_party_item_gets_an_after_shipment_request() -> None:
    d = decide(item(ItemStatus.SHIPPED, "Seller Co"), PLACED, at(5))
    assert d.kind is DecisionKind.REQUEST_SELLER and d.after_shipment
    assert d.action is ProposalKind.SELLER_REQUEST


@pytest.mark.parametrize(
    ("status", "words"),
    [(RequestStatus.PENDING, "awaiting"), (RequestStatus.APPROVED, "approved"),
     (RequestStatus.DENIED, "denied")],
)
def test_an_existing_seller_request_is_reported_not_repeated(
    status: RequestStatus, words: str
) -> None:
    history = ItemHistory(SellerRequest("O1", "I1", status, after_shipment=True))
    d = decide(item(ItemStatus.SHIPPED, "Seller Co"), PLACED, at(90), history)
    assert d.kind is DecisionKind.REQUEST_SELLER and d.already_done
    assert d.rules == ("P5", "P9") and d.after_shipment and words in d.explanation


def test_the_window_is_measured_in_utc_whatever_the_offsets() -> None:
    tokyo = timezone(timedelta(hours=9))
    placed = datetime(2026, 11, 26, 18, 0, tzinfo=tokyo)  # 09:00 UTC
    assert within_window(placed, at(30))
    assert not within_window(placed, at(31))
    naive = datetime(2026, 11, 26, 9, 0)  # naive values from a database are UTC
    assert within_window(naive, at(30)) and not within_window(naive, at(30.5))


# --- properties over every combination ---------------------------------------------------------

statuses = st.sampled_from(list(ItemStatus))
sellers = st.one_of(st.none(), st.just("Seller Co"))
minutes = st.floats(min_value=-5, max_value=60 * 24 * 10, allow_nan=False)
histories = st.one_of(
    st.none(),
    st.builds(ItemHistory, st.one_of(st.none(), st.builds(
        SellerRequest, st.just("O1"), st.just("I1"), st.sampled_from(list(RequestStatus)),
        st.booleans())), st.booleans()),
)


@given(status=statuses, seller=sellers, after=minutes, history=histories)
def test_only_cancellable_states_ever_allow_a_direct_cancellation(
    status: ItemStatus, seller: str | None, after: float, history: ItemHistory | None
) -> None:
    d = decide(item(status, seller), PLACED, at(after), history)
    if d.cancellable:
        assert status in CANCELLABLE_STATES
        assert seller is None or after <= 30
    elif status in CANCELLABLE_STATES and (seller is None or after <= 30):
        raise AssertionError(f"{status} by {seller} at {after} min should be cancellable")
    assert d.rules and all(r.startswith("P") for r in d.rules)
    assert d.explanation
    if d.already_done:
        assert "P9" in d.rules
    if d.after_shipment:
        assert seller is not None


@given(status=statuses, after=minutes)
def test_shop_items_never_go_to_a_seller(status: ItemStatus, after: float) -> None:
    d = decide(item(status), PLACED, at(after))
    assert d.kind is not DecisionKind.REQUEST_SELLER


@given(status=statuses, after=minutes)
def test_third_party_items_are_never_flagged_for_refusal(status: ItemStatus, after: float) -> None:
    d = decide(item(status, "Seller Co"), PLACED, at(after))
    assert d.kind not in (DecisionKind.REFUSE_AT_DOOR, DecisionKind.WAIT_THEN_REFUSE)


# --- orders, money, ids, reasons -----------------------------------------------------------------


def order(*states: ItemStatus) -> Order:
    items = tuple(item(s, iid=f"I{n}") for n, s in enumerate(states))
    return Order("O1", "ana@example.com", PLACED, items)


def test_order_status_follows_its_items() -> None:
    assert order(ItemStatus.UNSHIPPED, ItemStatus.SHIPPED).status is OrderStatus.OPEN
    assert order(ItemStatus.CANCELLED, ItemStatus.SHIPPED).status is (
        OrderStatus.PARTIALLY_CANCELLED
    )
    assert order(ItemStatus.CANCELLED, ItemStatus.CANCELLED).status is OrderStatus.CANCELLED
    assert OrderStatus.PARTIALLY_CANCELLED.value == "partially cancelled"


def test_decide_order_gives_one_decision_per_item_in_order() -> None:
    o = order(ItemStatus.PENDING, ItemStatus.DELIVERED, ItemStatus.CANCELLED)
    kinds = [d.kind for d in decide_order(o, at(1))]
    assert kinds == [DecisionKind.CANCEL, DecisionKind.RETURN_INSTEAD,
                     DecisionKind.ALREADY_CANCELLED]
    assert [d.item_id for d in decide_order(o, at(1))] == ["I0", "I1", "I2"]


@given(price=st.decimals(min_value=0, max_value=10_000, places=2), qty=st.integers(1, 1000))
def test_an_items_amount_is_price_times_quantity_in_cents(price: Decimal, qty: int) -> None:
    amount = item(ItemStatus.PENDING, qty=qty, price=str(price)).amount
    assert amount == price * qty
    assert amount.as_tuple().exponent == -2


def test_money_rounds_to_cents() -> None:
    assert money("9.999") == Decimal("10.00")
    assert str(money(3)) == "3.00"


@pytest.mark.parametrize("value", ["112-0000001", "A1", "p_abc-DEF_123", "a.b", "x" * 64])
def test_well_formed_ids(value: str) -> None:
    assert valid_id(value)


@pytest.mark.parametrize(
    "value",
    ["", " ", "-a", ".a", "_a", "a b", "a/b", "a;b", "x" * 65, "A1\n", "\nA1", "é", "a\x00"],
)
def test_malformed_ids(value: str) -> None:
    assert not valid_id(value)


def test_the_fixed_reason_list() -> None:
    assert [r.value for r in Reason] == [
        "ordered_by_mistake", "no_longer_needed", "found_better_price", "delivery_too_slow",
        "other",
    ]
    assert set(REASON_LABELS) == set(Reason)
    assert Reason.OTHER.label == "Other"


def test_utc_treats_naive_values_as_utc() -> None:
    naive = datetime(2026, 1, 1, 12, 0)
    assert utc(naive) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    paris = datetime(2026, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert utc(paris) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_an_actor_is_staff_only_by_kind() -> None:
    assert Actor("staff", "sam@shop.example").is_staff
    assert not Actor("customer", "sam@shop.example").is_staff
    assert str(Actor("customer", "ana@example.com")) == "customer:ana@example.com"
