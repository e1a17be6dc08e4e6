"""World events: the warehouse processes, ships and delivers; a seller answers a request; a
refused parcel comes back. Used by the simulation, the evals' world events, tests and the back
office; each runs in one transaction and says why when it doesn't apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from store import amounts, sellers
from store.domain import errors
from store.domain.model import Actor, Channel, Item, ItemStatus, Reason, valid_id
from store.mail import compose, outbox
from store.telemetry import log_write
from store.unit_of_work import UnitOfWork

EventKind = Literal["process", "ship", "deliver", "seller_approves", "seller_denies", "returned"]


@dataclass(frozen=True)
class EventResult:
    applied: bool
    message: str
    code: str = "done"  # or why nothing was applied: already, not_flagged, conflict, ...


_MOVES: dict[str, tuple[frozenset[ItemStatus], ItemStatus]] = {
    "process": (frozenset({ItemStatus.PENDING, ItemStatus.UNSHIPPED}), ItemStatus.PROCESSING),
    "ship": (frozenset({ItemStatus.PENDING, ItemStatus.UNSHIPPED, ItemStatus.PROCESSING}),
             ItemStatus.SHIPPED),
    "deliver": (frozenset({ItemStatus.UNSHIPPED, ItemStatus.PROCESSING, ItemStatus.SHIPPED}),
                ItemStatus.DELIVERED),
}
SYSTEM = Actor("staff", "system@rescind")


def apply_event(uow: UnitOfWork, kind: EventKind, item_id: str) -> EventResult:
    """Move the world: the warehouse processes/ships/delivers, a seller answers a request.
    An event that makes no sense for the item's state changes nothing and says why."""
    with uow:
        if not valid_id(item_id):
            raise errors.MalformedId(f"{item_id!r} is not a valid item id.")
        item = uow.repo.item(item_id)
        if item is None:
            raise errors.InvalidEvent(f"No item {item_id}.")
        if kind in _MOVES:
            result = _move(uow, item, kind)
        elif kind in ("seller_approves", "seller_denies"):
            result = _seller_answers(uow, item, approve=kind == "seller_approves")
        elif kind == "returned":
            result = returned_parcel(uow, item)
        else:
            raise errors.InvalidEvent(f"Unknown event {kind!r}.")
        uow.repo.audit(uow.now(), SYSTEM, f"event_{kind}",
                       "applied" if result.applied else "ignored", order_id=item.order_id,
                       item_ids=[item.id], detail={"message": result.message})
        uow.commit()
        log_write(f"event_{kind}", SYSTEM, order_id=item.order_id, items=[item.id],
                  applied=result.applied)
        return result


def _move(uow: UnitOfWork, item: Item, kind: str) -> EventResult:
    sources, target = _MOVES[kind]
    # Lock the row so a concurrent confirmation sees either before or after, never between.
    current = uow.repo.order(item.order_id, lock=True)
    fresh = current.item(item.id) if current else None
    if fresh is None or fresh.status not in sources:
        status = fresh.status.value if fresh else "missing"
        return EventResult(False, f"{item.id} is {status}; '{kind}' does not apply.")
    uow.repo.set_item_status([item.id], target)
    return EventResult(True, f"{item.id} is now {target.value}.")


def _seller_answers(uow: UnitOfWork, item: Item, *, approve: bool) -> EventResult:
    """The world's seller answers: the same core use case as the seller view and API."""
    answer = sellers.settle(uow, item, approve=approve, decided_by=f"event:{item.seller}")
    return EventResult(answer.applied, answer.message, answer.code)


def returned_parcel(uow: UnitOfWork, item: Item) -> EventResult:
    """P10: a parcel the customer refused is back at the returns center. Only a flagged
    refusal is refunded this way, once (P9): the item's sale is undone, so it is cancelled,
    refunded and the customer e-mailed. Runs in the caller's transaction: the world event
    here, a staff member's recorded return in store/returns.py."""
    order = uow.repo.order(item.order_id, lock=True)
    assert order is not None
    fresh = order.item(item.id)
    history = uow.repo.histories(order.id).get(item.id)
    if fresh is None or history is None or not history.refusal_flagged:
        return EventResult(False, f"{item.id} was never flagged for refusal; a return of it "
                                  "is not refunded this way.", "not_flagged")
    if fresh.status is ItemStatus.CANCELLED:
        return EventResult(False, f"{item.id} is already back and refunded.", "already")
    if fresh.status is not ItemStatus.SHIPPED:
        return EventResult(False, f"{item.id} is {fresh.status.value}; only a shipped parcel "
                                  "can come back refused.", "conflict")
    now = uow.now()
    uow.repo.set_item_status([item.id], ItemStatus.CANCELLED)
    uow.repo.add_cancellations(order.id, [item.id], Reason.OTHER,
                               "refused at the door and returned", SYSTEM,
                               order.customer_email, Channel.RETURNS.value, None, now)
    uow.repo.add_refund(order.id, fresh.amount, [item.id], f"return:{item.id}", now)
    outbox.items_refunded(uow, compose.RETURN_REFUNDED, order, [fresh], fresh.amount, now)
    return EventResult(True, f"{item.id} is back at the returns center; refunded "
                             f"{amounts.money(fresh.amount, order.currency)}.")
