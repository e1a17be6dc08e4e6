"""The cancellation policy (docs/policy.md) as pure functions with an injected clock.

`decide` answers, for one item, what can be done about it and why, with rule ids. Services
call it when they show an order, when they build a proposal, and again inside the write
transaction when the user confirms, so a change of state in between is caught (P11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from store.domain.model import (
    CANCELLABLE_STATES,
    THIRD_PARTY_WINDOW_MINUTES,
    Item,
    ItemHistory,
    ItemStatus,
    Order,
    ProposalKind,
    RequestStatus,
    utc,
)

WINDOW = timedelta(minutes=THIRD_PARTY_WINDOW_MINUTES)


class DecisionKind(StrEnum):
    CANCEL = "cancel"  # cancel directly (P3, P5 inside the window)
    REQUEST_SELLER = "request_seller"  # ask the third-party seller (P5)
    REFUSE_AT_DOOR = "refuse_at_door"  # shipped by the shop: refuse the package (P10)
    WAIT_THEN_REFUSE = "wait_then_refuse"  # shop item being processed: refuse it when it comes
    RETURN_INSTEAD = "return_instead"  # delivered: only a return is possible (P10)
    ALREADY_CANCELLED = "already_cancelled"  # P9


# Which proposal kind carries out each actionable decision.
ACTION_FOR: dict[DecisionKind, ProposalKind] = {
    DecisionKind.CANCEL: ProposalKind.CANCEL,
    DecisionKind.REQUEST_SELLER: ProposalKind.SELLER_REQUEST,
    DecisionKind.REFUSE_AT_DOOR: ProposalKind.REFUSAL,
}


@dataclass(frozen=True, slots=True)
class Decision:
    item_id: str
    kind: DecisionKind
    rules: tuple[str, ...]
    explanation: str
    already_done: bool = False  # the request or flag this decision calls for exists (P9)
    after_shipment: bool = False  # a seller request made after the item shipped (P5)

    @property
    def action(self) -> ProposalKind | None:
        return ACTION_FOR.get(self.kind)

    @property
    def cancellable(self) -> bool:
        return self.kind is DecisionKind.CANCEL


def within_window(placed_at: datetime, now: datetime) -> bool:
    """P5: the buyer may cancel a third-party item in the first 30 minutes (inclusive)."""
    return utc(now) - utc(placed_at) <= WINDOW


def decide(
    item: Item, placed_at: datetime, now: datetime, history: ItemHistory | None = None
) -> Decision:
    history = history or ItemHistory()
    if item.status is ItemStatus.CANCELLED:
        return Decision(
            item.id, DecisionKind.ALREADY_CANCELLED, ("P9",), "This item is already cancelled."
        )
    if item.third_party:
        return _decide_third_party(item, placed_at, now, history)
    return _decide_shop(item, history)


def decide_order(
    order: Order, now: datetime, histories: dict[str, ItemHistory] | None = None
) -> tuple[Decision, ...]:
    histories = histories or {}
    return tuple(decide(i, order.placed_at, now, histories.get(i.id)) for i in order.items)


def _decide_shop(item: Item, history: ItemHistory) -> Decision:
    if item.status in CANCELLABLE_STATES:
        return Decision(
            item.id,
            DecisionKind.CANCEL,
            ("P3",),
            f"It is {item.status.value} and has not entered the shipping process, "
            "so it can be cancelled now.",
        )
    if item.status is ItemStatus.PROCESSING:
        return Decision(
            item.id,
            DecisionKind.WAIT_THEN_REFUSE,
            ("P3", "P10"),
            "It has entered the processing and shipping system, so it can no longer be "
            "cancelled. Once it ships you can refuse the package at the door and be refunded "
            "when it is back.",
        )
    if item.status is ItemStatus.SHIPPED:
        done = history.refusal_flagged
        return Decision(
            item.id,
            DecisionKind.REFUSE_AT_DOOR,
            ("P3", "P10", "P9") if done else ("P3", "P10"),
            "It has shipped, so it can't be cancelled. "
            + (
                "The returns center already expects it back: refuse the package at the door "
                "and you will be refunded once it is returned."
                if done
                else "You can refuse the package at the door; we tell the returns center to "
                "expect it and refund you once it is back."
            ),
            already_done=done,
        )
    return Decision(
        item.id,
        DecisionKind.RETURN_INSTEAD,
        ("P10",),
        "It has been delivered, so it can't be cancelled or refused; you can return it instead.",
    )


def _decide_third_party(
    item: Item, placed_at: datetime, now: datetime, history: ItemHistory
) -> Decision:
    seller = item.seller or "the seller"
    if item.status in CANCELLABLE_STATES and within_window(placed_at, now):
        return Decision(
            item.id,
            DecisionKind.CANCEL,
            ("P3", "P5"),
            f"It is sold by {seller} and the order is less than "
            f"{THIRD_PARTY_WINDOW_MINUTES} minutes old, so it can be cancelled now.",
        )
    if item.status is ItemStatus.DELIVERED:
        return Decision(
            item.id,
            DecisionKind.RETURN_INSTEAD,
            ("P5", "P10"),
            f"It has been delivered, so it can't be cancelled; contact {seller} "
            "about a return.",
        )
    shipped = item.status is ItemStatus.SHIPPED
    request = history.seller_request
    if request is not None:
        return Decision(
            item.id,
            DecisionKind.REQUEST_SELLER,
            ("P5", "P9"),
            _existing_request_text(seller, request.status),
            already_done=True,
            after_shipment=request.after_shipment,
        )
    if shipped:
        why = "It has already shipped"
    elif item.status in CANCELLABLE_STATES:
        why = (f"It is sold by {seller} and the {THIRD_PARTY_WINDOW_MINUTES}-minute window "
               "has passed")
    else:
        why = f"It is sold by {seller} and has entered the shipping process"
    return Decision(
        item.id,
        DecisionKind.REQUEST_SELLER,
        ("P5",),
        f"{why}, so only {seller} can cancel it. We can send {seller} a cancellation "
        "request; they approve or deny it.",
        after_shipment=shipped,
    )


def _existing_request_text(seller: str, status: RequestStatus) -> str:
    if status is RequestStatus.PENDING:
        return f"A cancellation request was already sent to {seller}; it is awaiting their answer."
    if status is RequestStatus.APPROVED:
        return f"{seller} approved the cancellation request."
    return f"{seller} denied the cancellation request."
