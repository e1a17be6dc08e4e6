"""Use cases: the only way in. Each takes the acting user, primitives and a unit of work,
and commits explicitly; anything that raises leaves the store as it was.

The actor always comes from the authenticated session. Customers reach only their own
orders (P1); staff read any order, and write only for a caller they verified (P2).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from store.choosing import ALL as ALL
from store.choosing import done_already as _done_already
from store.choosing import fits as _fits
from store.choosing import kept as _kept
from store.choosing import not_actionable as _not_actionable
from store.choosing import reason_for as _reason
from store.choosing import rules as _rules
from store.choosing import select as _select
from store.domain import errors
from store.domain.model import (
    Actor,
    Channel,
    Item,
    ItemHistory,
    ItemStatus,
    Order,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Reason,
    money,
    valid_id,
)
from store.domain.policy import decide, decide_order

# World events live in store/events.py; callers keep using them as services.apply_event.
from store.events import SYSTEM as SYSTEM
from store.events import EventKind as EventKind
from store.events import EventResult as EventResult
from store.events import apply_event as apply_event
from store.events import returned_parcel as returned_parcel
from store.inputs import check_id as _check_id
from store.inputs import clean_text as _clean_text
from store.mail import compose, outbox

# Staff use cases live in store/staff.py; callers keep using them as services.verify_caller.
from store.staff import VERIFICATION_TTL as VERIFICATION_TTL
from store.staff import Verification as Verification
from store.staff import hand_off as hand_off
from store.staff import verify_caller as verify_caller
from store.telemetry import log_write
from store.unit_of_work import UnitOfWork
from store.views import OrderView, Outcome, ProposalView, ProposeResult, fingerprint

PROPOSAL_TTL = timedelta(minutes=15)


# --- reading ------------------------------------------------------------------------------
def lookup_order(uow: UnitOfWork, actor: Actor, order_id: str, *,
                 record: bool = True) -> OrderView:
    """`record=False` for a customer's screen redrawing their own order (an order card): a
    read with no audit row and no transaction. Staff reads are always recorded, with the
    customer they were for."""
    quiet = not record and not actor.is_staff
    with uow.reading() if quiet else uow:
        order, histories = _load_with_history(uow, actor, order_id)
        view = _order_view(uow, order, histories)
        if quiet:
            return view
        uow.repo.audit(
            uow.now(), actor, "lookup", "shown", order_id=order.id,
            on_behalf_of=order.customer_email if actor.is_staff else None,
            rules=_rules(view.decisions),
        )
        uow.commit(durable=False)
        return view


def recent_orders(
    uow: UnitOfWork, actor: Actor, limit: int = 5, customer_email: str | None = None
) -> list[OrderView]:
    """The customer's own latest orders; staff name the (verified) customer."""
    limit = max(1, min(limit, 20))
    with uow:
        owner = _list_owner(uow, actor, customer_email)
        views = [_order_view(uow, o) for o in uow.repo.recent_orders(owner, limit)]
        uow.repo.audit(uow.now(), actor, "list_orders", "shown", on_behalf_of=owner)
        uow.commit(durable=False)
        return views


def check_cancelled(
    uow: UnitOfWork, actor: Actor, order_id: str | None = None,
    customer_email: str | None = None,
) -> dict[str, Any]:
    """P14: what is recorded as cancelled, straight from the store (the cancelled view, P8)."""
    with uow:
        if order_id is not None:
            order = _load(uow, actor, order_id)
            order_ids = [order.id]
            owner = order.customer_email
        else:
            owner = _list_owner(uow, actor, customer_email)
            order_ids = uow.repo.orders_with_cancellations(owner)
        refunds = uow.repo.refunded(order_ids)
        details = uow.repo.cancellation_details(order_ids)
        orders = [o for o in (uow.repo.order(i) for i in order_ids) if o is not None]
        result = {
            "ok": True,
            "orders": [_cancelled_entry(uow, o, refunds, details) for o in orders],
            "if_missing": "If a cancellation you expect is not listed, contact support at "
            "once (P14).",
        }
        uow.repo.audit(uow.now(), actor, "check_cancelled", "shown", order_id=order_id,
                       on_behalf_of=owner)
        uow.commit(durable=False)
        return result


def _cancelled_entry(
    uow: UnitOfWork, order: Order, refunds: dict[str, Decimal], details: dict[str, Any]
) -> dict[str, Any]:
    histories = uow.repo.histories(order.id)
    items = []
    for i in order.items:
        entry: dict[str, Any] = {"id": i.id, "title": i.title, "status": i.status.value}
        if i.id in details:
            entry["cancellation"] = details[i.id]
        h = histories.get(i.id)
        if h and h.seller_request:
            entry["seller_request"] = h.seller_request.status.value
        if h and h.refusal_flagged:
            entry["refusal_flagged"] = True
        items.append(entry)
    return {
        "order_id": order.id,
        "status": order.status.value,
        "refunded": str(refunds.get(order.id, Decimal("0.00"))),
        "currency": order.currency,
        "confirmation_emails": uow.repo.emails_about(order.id),
        "items": items,
    }


# --- proposing (no business write) --------------------------------------------------------
def propose(
    uow: UnitOfWork,
    actor: Actor,
    kind: ProposalKind,
    order_id: str,
    item_ids: Sequence[str],
    reason: Reason | str | None = None,
    reason_text: str | None = None,
    thread_id: str | None = None,
) -> ProposeResult:
    """Build the exact change to show the user. Writes only the pending proposal itself,
    which replaces any earlier pending one of the same actor and thread."""
    reason_value = _reason(kind, reason)
    if isinstance(item_ids, str):  # one id given bare, not a list of its characters
        item_ids = [item_ids]
    with uow:
        order, histories = _load_with_history(uow, actor, order_id)
        _require_verified(uow, actor, order.customer_email)
        decisions = {i.id: decide(i, order.placed_at, uow.now(), histories.get(i.id))
                     for i in order.items}
        chosen = _select(order, item_ids, decisions, kind)
        ready = [i for i in chosen if _fits(decisions[i.id], kind)]
        done = tuple(decisions[i.id] for i in chosen if _done_already(decisions[i.id], kind))
        excluded = tuple(
            (i, decisions[i.id]) for i in chosen
            if not _fits(decisions[i.id], kind) and not _done_already(decisions[i.id], kind)
        )
        explicit = [x for x in item_ids if x.lower() != ALL]
        if excluded and explicit:
            raise _not_actionable(kind, excluded)
        if not ready:
            if done:
                uow.repo.audit(uow.now(), actor, f"propose_{kind.value}", "already_done",
                               order_id=order.id, item_ids=[d.item_id for d in done],
                               rules=["P9"])
                uow.commit(durable=False)
                return ProposeResult(None, done, excluded, {i.id: i.title for i in chosen})
            raise _not_actionable(kind, excluded)
        now = uow.now()
        proposal = Proposal(
            id="p_" + secrets.token_urlsafe(12), kind=kind, actor=actor,
            customer_email=order.customer_email, order_id=order.id,
            item_ids=tuple(i.id for i in ready),
            amount=money(sum((i.amount for i in ready), Decimal(0))),
            reason=reason_value, reason_text=_clean_text(reason_text),
            created_at=now, expires_at=now + PROPOSAL_TTL, thread_id=thread_id,
        )
        uow.repo.discard_pending(actor, thread_id, now)
        with uow.repo.batched():
            uow.repo.add_proposal(proposal)
            uow.repo.audit(now, actor, f"propose_{kind.value}", "proposed", order_id=order.id,
                           item_ids=proposal.item_ids, rules=["P7"],
                           on_behalf_of=order.customer_email if actor.is_staff else None,
                           detail={"proposal_id": proposal.id, "amount": str(proposal.amount)})
        uow.commit(durable=False)
        log_write(f"propose_{kind.value}", actor, proposal_id=proposal.id, order_id=order.id,
                  items=proposal.item_ids, amount=str(proposal.amount))
        view = ProposalView(proposal, tuple(ready), _kept(order, ready), order.currency)
        return ProposeResult(view, done, excluded, {i.id: i.title for i in chosen})


def discard(uow: UnitOfWork, actor: Actor, thread_id: str | None = None) -> list[str]:
    """The user said no, or changed their mind: pending proposals can no longer be confirmed."""
    with uow:
        ids = uow.repo.discard_pending(actor, thread_id, uow.now())
        if ids:
            uow.repo.audit(uow.now(), actor, "discard", "discarded", detail={"proposals": ids})
        uow.commit(durable=False)
        for proposal_id in ids:
            log_write("discard", actor, proposal_id=proposal_id)
        return ids


def pending_proposal(uow: UnitOfWork, actor: Actor, proposal_id: str) -> ProposalView | None:
    """The proposal as the server holds it, if it belongs to the actor and is still open."""
    with uow.reading():
        p = uow.repo.proposal(proposal_id)
        if (p is None or p.actor != actor or p.status is not ProposalStatus.PENDING
                or p.expired(uow.now())):
            return None
        order = uow.repo.order(p.order_id)
        if order is None:
            return None
        items = tuple(i for i in order.items if i.id in p.item_ids)
        return ProposalView(p, items, _kept(order, items), order.currency)


# --- the only write path -------------------------------------------------------------------
def confirm(
    uow: UnitOfWork, actor: Actor, proposal_id: str, expected_fingerprint: str | None = None
) -> Outcome:
    """Carry out a proposal the user explicitly confirmed (P7). Every item is re-checked
    inside the transaction (P11); a replay returns the first outcome (P9)."""
    if not isinstance(proposal_id, str) or not valid_id(proposal_id):
        raise errors.ProposalNotFound("That confirmation is not valid.")
    with uow:
        p = uow.repo.lock_proposal(proposal_id)
        if p is None or p.actor != actor:
            raise errors.ProposalNotFound(
                "There is no such proposal waiting for your confirmation."
            )
        if expected_fingerprint is not None and expected_fingerprint != fingerprint(p):
            raise errors.ProposalTampered(
                "That confirmation does not match what was proposed; nothing was changed."
            )
        if p.status is ProposalStatus.CONFIRMED and p.outcome is not None:
            return Outcome.from_dict(p.outcome, already=True)
        if p.status is ProposalStatus.DISCARDED:
            raise errors.ProposalClosed(
                "That proposal was withdrawn or replaced; nothing was changed."
            )
        now = uow.now()
        if p.expired(now):
            raise errors.ProposalExpired(
                "That proposal has expired; nothing was changed. Ask me again to see the "
                "current state."
            )
        _require_verified(uow, actor, p.customer_email)
        with uow.repo.batched():  # every read is done; the effects go in one round trip
            outcome = _carry_out(uow, p, now)
            uow.repo.close_proposal(p.id, ProposalStatus.CONFIRMED, outcome.as_dict(), now)
            uow.repo.audit(
                now, actor, f"confirm_{p.kind.value}", "partial" if outcome.failed else "done",
                order_id=p.order_id, item_ids=outcome.done, rules=["P7", "P11"],
                on_behalf_of=p.customer_email if actor.is_staff else None,
                detail={"proposal_id": p.id, "failed": list(outcome.failed),
                        "refund": str(outcome.refund)},
            )
        uow.commit()
        log_write(f"confirm_{p.kind.value}", actor, proposal_id=p.id, order_id=p.order_id,
                  items=outcome.done, failed=[f["id"] for f in outcome.failed],
                  refund=str(outcome.refund))
        return outcome


def _carry_out(uow: UnitOfWork, p: Proposal, now: datetime) -> Outcome:
    found = uow.repo.order_with_history(p.order_id)  # items locked with the proposal
    assert found is not None  # orders are never deleted
    order, histories = found
    ok: list[Item] = []
    failed: list[dict[str, Any]] = []
    for item_id in p.item_ids:
        item = order.item(item_id)
        assert item is not None
        d = decide(item, order.placed_at, now, histories.get(item_id))
        if _fits(d, p.kind):
            ok.append(item)
        else:
            failed.append({"id": item.id, "title": item.title, "status": item.status.value,
                           "can": d.kind.value, "rules": [*d.rules, "P11"],
                           "why": d.explanation})
    refund = money(sum((i.amount for i in ok), Decimal(0))) if p.kind is ProposalKind.CANCEL \
        else Decimal("0.00")
    email_to = None
    if ok:
        email_to = _apply(uow, p, order, ok, refund, now)
    return Outcome(
        proposal_id=p.id, action=p.kind.value, order_id=p.order_id,
        done=tuple(i.id for i in ok), failed=tuple(failed), refund=refund, email_to=email_to,
        titles={i.id: i.title for i in order.items if i.id in p.item_ids},
        currency=order.currency,
    )


def _apply(
    uow: UnitOfWork, p: Proposal, order: Order, ok: list[Item], refund: Decimal,
    now: datetime,
) -> str | None:
    ids = [i.id for i in ok]
    repo = uow.repo
    if p.kind is ProposalKind.CANCEL:
        assert p.reason is not None
        channel = Channel.PHONE if p.actor.is_staff else Channel.CHAT
        repo.set_item_status(ids, ItemStatus.CANCELLED)
        repo.add_cancellations(order.id, ids, p.reason, p.reason_text, p.actor,
                               order.customer_email, channel.value, p.id, now)
        repo.add_refund(order.id, refund, ids, f"proposal:{p.id}", now)
        _email_cancellation(uow, order, ok, refund, now)
        return order.customer_email
    if p.kind is ProposalKind.SELLER_REQUEST:
        assert p.reason is not None
        after_shipment = [(i.id, i.status is ItemStatus.SHIPPED) for i in ok]
        repo.add_seller_requests(order.id, after_shipment, p.reason, p.reason_text, p.actor,
                                 p.id, now)
        return None
    repo.add_refusals(order.id, ids, p.actor, p.id, now)
    return None


def _email_cancellation(
    uow: UnitOfWork, order: Order, items: Sequence[Item], refund: Decimal, now: datetime
) -> None:
    outbox.items_refunded(uow, compose.CANCELLED, order, items, refund, now)


# --- helpers ---------------------------------------------------------------------------------
def _load(uow: UnitOfWork, actor: Actor, order_id: str) -> Order:
    return _load_with_history(uow, actor, order_id)[0]


def _load_with_history(
    uow: UnitOfWork, actor: Actor, order_id: str
) -> tuple[Order, dict[str, ItemHistory]]:
    _check_id(order_id)
    found = uow.repo.order_with_history(order_id.strip())
    if found is None or (not actor.is_staff and found[0].customer_email != actor.email):
        where = "" if actor.is_staff else " on your account"
        raise errors.OrderNotFound(
            f"Not found: I couldn't find order {order_id.strip()}{where}."
        )
    return found


def _list_owner(uow: UnitOfWork, actor: Actor, customer_email: str | None) -> str:
    if not actor.is_staff:
        return actor.email  # a customer's request for someone else's list is ignored (P1)
    if not customer_email:
        raise errors.StaffVerificationRequired(
            "Tell me which customer: verify the caller with an order id and their e-mail or "
            "postcode first."
        )
    return customer_email


def _require_verified(uow: UnitOfWork, actor: Actor, customer_email: str) -> None:
    if not actor.is_staff:
        if actor.email != customer_email:
            raise errors.OrderNotFound("I couldn't find that order on your account.")
        return
    since = uow.now() - VERIFICATION_TTL
    if not uow.repo.verified_since(actor.email, customer_email, since):
        raise errors.StaffVerificationRequired(
            "Staff can change an order only for a verified caller: check the order id plus "
            "the account e-mail or shipping postcode first (P2)."
        )


def _order_view(
    uow: UnitOfWork, order: Order, histories: dict[str, ItemHistory] | None = None
) -> OrderView:
    if histories is None:
        histories = uow.repo.histories(order.id)
    decisions = decide_order(order, uow.now(), histories)
    refunded = uow.repo.refunded([order.id]).get(order.id, Decimal("0.00"))
    return OrderView(order, decisions, refunded)
