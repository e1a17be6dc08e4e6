"""Use cases: the only way in. Each takes the acting user, primitives and a unit of work,
and commits explicitly; anything that raises leaves the store as it was.

The actor always comes from the authenticated session. Customers reach only their own
orders (P1); staff read any order, and write only for a caller they verified (P2).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from store import caller_lock
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
from store.domain.policy import Decision, DecisionKind, decide, decide_order

# World events live in store/events.py; callers keep using them as services.apply_event.
from store.events import SYSTEM as SYSTEM
from store.events import EventKind as EventKind
from store.events import EventResult as EventResult
from store.events import apply_event as apply_event
from store.events import returned_parcel as returned_parcel
from store.mail import compose, outbox
from store.telemetry import log_write
from store.unit_of_work import UnitOfWork
from store.views import OrderView, Outcome, ProposalView, ProposeResult, fingerprint

PROPOSAL_TTL = timedelta(minutes=15)
VERIFICATION_TTL = timedelta(hours=2)
ALL = "all"


# --- reading ------------------------------------------------------------------------------
def lookup_order(uow: UnitOfWork, actor: Actor, order_id: str) -> OrderView:
    with uow:
        order, histories = _load_with_history(uow, actor, order_id)
        view = _order_view(uow, order, histories)
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
    with uow:
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


# --- staff ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verification:
    customer_email: str
    customer_name: str
    order_id: str
    method: str


def verify_caller(
    uow: UnitOfWork, actor: Actor, order_id: str, email: str | None = None,
    postcode: str | None = None,
) -> Verification:
    """P2: a caller is verified by the order id plus the account e-mail or postcode."""
    if not actor.is_staff:
        raise errors.NotAllowed("Only support staff verify callers.")
    if not (email or postcode):
        raise errors.VerificationFailed(
            "To verify the caller I need the order id and the account e-mail or the shipping "
            "postcode."
        )
    with uow:
        _check_id(order_id)
        order_id = order_id.strip()
        caller_lock.refuse_if_locked(uow, actor, order_id)
        owner = uow.repo.order_owner(order_id)
        customer = uow.repo.customer(owner) if owner else None
        method = "email" if email else "postcode"
        # Every detail the caller gave must match: a wrong e-mail is not rescued by a
        # right postcode.
        matched = customer is not None and (
            (not email or email.strip().lower() == customer.email.lower())
            and (not postcode or _same_postcode(postcode, customer.postcode))
        )
        if not matched or customer is None:
            uow.repo.audit(uow.now(), actor, "verify_caller", "failed", order_id=order_id,
                           rules=["P2"], detail={"method": method})
            locked = caller_lock.failed(uow, actor, order_id)
            uow.commit()
            raise locked or errors.VerificationFailed(
                "Those details don't match our records for that order, so I can't act on it."
            )
        caller_lock.verified(uow, order_id)
        uow.repo.add_verification(actor.email, customer.email, order_id, method, uow.now())
        uow.repo.audit(uow.now(), actor, "verify_caller", "verified", order_id=order_id,
                       on_behalf_of=customer.email, rules=["P2"], detail={"method": method})
        uow.commit()
        log_write("verify_caller", actor, order_id=order_id, method=method)
        return Verification(customer.email, customer.name, order_id, method)


def hand_off(
    uow: UnitOfWork, actor: Actor, summary: str, order_id: str | None = None,
    thread_id: str | None = None,
) -> int:
    """P13: record a handoff to support staff; returns its ticket number."""
    with uow:
        customer = None if actor.is_staff else actor.email
        owner = uow.repo.order_owner(order_id) if order_id and valid_id(order_id) else None
        if owner is None or (customer is not None and owner != customer):
            order_id = None  # never attach an unknown or another account's order to a ticket
        ticket = uow.repo.add_handoff(actor, customer, order_id, _clean_text(summary) or "",
                                      thread_id, uow.now())
        uow.repo.audit(uow.now(), actor, "handoff", "recorded", order_id=order_id,
                       rules=["P13"], detail={"ticket": ticket})
        uow.commit()
        log_write("handoff", actor, order_id=order_id, ticket=ticket)
        return ticket


# --- helpers ---------------------------------------------------------------------------------
def _check_id(order_id: str) -> None:
    if not isinstance(order_id, str) or not valid_id(order_id.strip()):
        raise errors.MalformedId(
            f"{str(order_id)[:40]!r} doesn't look like an order number "
            "(for example 112-0000001)."
        )


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


def _select(
    order: Order, item_ids: Sequence[str], decisions: dict[str, Decision], kind: ProposalKind
) -> list[Item]:
    if not item_ids:
        raise errors.EmptySelection("Choose at least one item (or all of them).")
    if any(x.lower() == ALL for x in item_ids):
        return [i for i in order.items
                if _fits(decisions[i.id], kind) or _done_already(decisions[i.id], kind)
                or kind is ProposalKind.CANCEL]
    if len(set(item_ids)) != len(item_ids):
        raise errors.DuplicateSelection("The same item was chosen twice.")
    chosen = []
    for item_id in item_ids:
        item = order.item(item_id) if valid_id(item_id) else None
        if item is None:
            raise errors.ItemNotInOrder(f"Order {order.id} has no item {item_id[:40]!r}.")
        chosen.append(item)
    return chosen


def _kept(order: Order, proposed: Sequence[Item]) -> tuple[Item, ...]:
    """What stays in the order if the proposal is confirmed (shown, so a customer can catch
    a misunderstanding before confirming)."""
    ids = {i.id for i in proposed}
    return tuple(i for i in order.items if i.id not in ids and i.status is not
                 ItemStatus.CANCELLED)


def _fits(d: Decision, kind: ProposalKind) -> bool:
    return d.action is kind and not d.already_done


def _done_already(d: Decision, kind: ProposalKind) -> bool:
    if kind is ProposalKind.CANCEL:
        return d.kind is DecisionKind.ALREADY_CANCELLED
    return d.action is kind and d.already_done


_VERB = {
    ProposalKind.CANCEL: "cancelled directly",
    ProposalKind.SELLER_REQUEST: "requested from the seller",
    ProposalKind.REFUSAL: "flagged for refusal at the door",
}


def _not_actionable(
    kind: ProposalKind, excluded: Sequence[tuple[Item, Decision]]
) -> errors.NotActionable:
    detail = " ".join(f"{i.title}: {d.explanation}" for i, d in excluded)
    rules = tuple(sorted({r for _, d in excluded for r in d.rules}, key=lambda r: int(r[1:])))
    err = errors.NotActionable(
        f"Nothing was proposed: not every chosen item can be {_VERB[kind]}. {detail}".strip(),
        rules=rules or ("P3",),
    )
    err.items = [{"id": i.id, "title": i.title, "can": d.kind.value} for i, d in excluded]  # type: ignore[attr-defined]
    return err


def _reason(kind: ProposalKind, reason: Reason | str | None) -> Reason | None:
    if reason is None or reason == "":
        if kind is ProposalKind.REFUSAL:
            return None  # a refusal flag needs no reason; one given must still be valid
        raise errors.ReasonRequired(
            "Please choose a reason: " + ", ".join(r.label.lower() for r in Reason) + "."
        )
    try:
        return Reason(reason)
    except ValueError:
        raise errors.ReasonRequired(
            f"{str(reason)[:40]!r} is not one of the reasons: "
            + ", ".join(r.value for r in Reason) + "."
        ) from None


def _clean_text(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())[:500]
    return cleaned or None


def _same_postcode(given: str, recorded: str | None) -> bool:
    return recorded is not None and _norm_postcode(given) == _norm_postcode(recorded)


def _norm_postcode(value: str) -> str:
    return "".join(value.split()).upper()


def _rules(decisions: Sequence[Decision]) -> list[str]:
    return sorted({r for d in decisions for r in d.rules}, key=lambda r: int(r[1:]))
