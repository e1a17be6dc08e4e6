"""Two-phase back-office decisions (P7), like a customer's proposals: a seller's Approve or
Deny, a staff member's "this refused parcel is back", are first shown with their effect
and written only when the same person confirms that exact decision.

A decision is bound to its actor, expires, and replaces the actor's earlier pending one;
confirming runs the core use case in the same transaction, re-checking everything, and
stores the outcome so a second confirmation returns it instead of acting twice (P9).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update

from store import amounts, returns, sellers
from store.domain import errors
from store.domain.model import Actor, ItemStatus, ProposalStatus, utc, valid_id
from store.sql.flows_orm import DecisionRow
from store.unit_of_work import UnitOfWork

DECISIONS = cast(Table, DecisionRow.__table__)
TTL = timedelta(minutes=15)
APPROVE, DENY, RETURN = "seller_approve", "seller_deny", "return"
KINDS = (APPROVE, DENY, RETURN)


@dataclass(frozen=True)
class Pending:
    """What the actor is asked to confirm, in words, with the facts behind them."""

    id: str
    kind: str
    item_id: str
    order_id: str
    title: str
    amount: str
    question: str

    def as_dict(self) -> dict[str, Any]:
        return {"decision_id": self.id, "kind": self.kind, "item_id": self.item_id,
                "order_id": self.order_id, "title": self.title, "amount": self.amount,
                "question": self.question}


def propose(uow: UnitOfWork, actor: Actor, kind: str, item_id: str) -> Pending:
    """Check that the decision applies now and record it as pending; nothing else changes."""
    if kind not in KINDS:
        raise errors.InvalidEvent(f"Unknown decision {kind!r}.")
    with uow:
        pending = _describe(uow, actor, kind, item_id)
        now = uow.now()
        conn = uow.repo.connection
        conn.execute(update(DECISIONS).where(
            DECISIONS.c.actor_kind == actor.kind, DECISIONS.c.actor_email == actor.email,
            DECISIONS.c.status == ProposalStatus.PENDING.value,
        ).values(status=ProposalStatus.DISCARDED.value))
        decision_id = "d_" + secrets.token_urlsafe(12)
        conn.execute(insert(DECISIONS).values(
            id=decision_id, kind=kind, actor_kind=actor.kind, actor_email=actor.email,
            item_id=pending.item_id, status=ProposalStatus.PENDING.value, created_at=now,
            expires_at=now + TTL, outcome=None))
        uow.repo.audit(now, actor, f"propose_{kind}", "proposed", order_id=pending.order_id,
                       item_ids=[pending.item_id], rules=["P7"],
                       detail={"decision_id": decision_id})
        uow.commit(durable=False)
        return Pending(decision_id, kind, pending.item_id, pending.order_id, pending.title,
                       pending.amount, pending.question)


def _describe(uow: UnitOfWork, actor: Actor, kind: str, item_id: str) -> Pending:
    if kind == RETURN:
        if not actor.is_staff:
            raise errors.NotAllowed("Only support staff record returns.")
        item = uow.repo.item(item_id) if isinstance(item_id, str) and valid_id(item_id) \
            else None
        if item is None:
            raise errors.RequestNotFound(f"There is no item {str(item_id)[:40]!r}.")
        history = uow.repo.histories(item.order_id).get(item.id)
        if history is None or not history.refusal_flagged:
            raise errors.NotActionable(f"{item.title} ({item.id}) was never flagged for "
                                       "refusal; a return of it is not refunded this way.",
                                       rules=("P10",))
        if item.status is not ItemStatus.SHIPPED:
            raise errors.NotActionable(f"{item.title} ({item.id}) is {item.status.value}; "
                                       "only a refused shipped parcel is recorded here.",
                                       rules=("P10", "P9"))
        order = uow.repo.order(item.order_id)
        refund = amounts.money(item.amount, order.currency if order else None)
        return Pending("", kind, item.id, item.order_id, item.title, str(item.amount),
                       f"Record {item.title} ({item.id}, order {item.order_id}) as back at "
                       f"the returns center? The customer is refunded {refund}.")
    request = sellers.request_for(uow, actor, item_id)
    if request.status != "pending":
        raise errors.Conflict(f"The request for {request.title} was already "
                              f"{request.status}.")
    if kind == APPROVE:
        question = (f"Approve cancelling {request.title} x{request.qty} (order "
                    f"{request.order_id})? The customer is refunded "
                    f"{amounts.money(request.amount, request.currency)}.")
    else:
        question = (f"Deny cancelling {request.title} x{request.qty} (order "
                    f"{request.order_id})? The item stays on the order.")
    return Pending("", kind, request.item_id, request.order_id, request.title,
                   request.amount, question)


def confirm(uow: UnitOfWork, actor: Actor, decision_id: str) -> dict[str, Any]:
    """Carry out the actor's own pending decision; a replay returns the first outcome."""
    if not isinstance(decision_id, str) or not valid_id(decision_id):
        raise errors.ProposalNotFound("That confirmation is not valid.")
    with uow:
        query = select(DECISIONS).where(DECISIONS.c.id == decision_id)
        if uow.repo.row_locks:
            query = query.with_for_update()
        row = uow.repo.connection.execute(query).first()
        if row is None or (row.actor_kind, row.actor_email) != (actor.kind, actor.email):
            raise errors.ProposalNotFound("There is no such decision waiting for you.")
        if row.status == ProposalStatus.CONFIRMED.value and row.outcome is not None:
            return {**row.outcome, "already_confirmed": True}
        if row.status == ProposalStatus.DISCARDED.value:
            raise errors.ProposalClosed("That decision was withdrawn or replaced; nothing "
                                        "was changed.")
        now = uow.now()
        if now >= utc(row.expires_at):
            raise errors.ProposalExpired("That decision has expired; nothing was changed.")
        if row.kind == RETURN:
            outcome = returns.record_in(uow, actor, row.item_id).as_dict()
        else:
            outcome = sellers.answer_in(uow, actor, row.item_id,
                                        approve=row.kind == APPROVE).as_dict()
        outcome["kind"] = row.kind
        uow.repo.connection.execute(update(DECISIONS).where(DECISIONS.c.id == decision_id)
                                    .values(status=ProposalStatus.CONFIRMED.value,
                                            outcome=outcome))
        uow.commit()
        return {**outcome, "already_confirmed": False}


def discard(uow: UnitOfWork, actor: Actor, decision_id: str) -> bool:
    """The actor pressed Keep: the decision can no longer be confirmed."""
    with uow:
        changed = uow.repo.connection.execute(update(DECISIONS).where(
            DECISIONS.c.id == decision_id, DECISIONS.c.actor_kind == actor.kind,
            DECISIONS.c.actor_email == actor.email,
            DECISIONS.c.status == ProposalStatus.PENDING.value,
        ).values(status=ProposalStatus.DISCARDED.value)).rowcount
        uow.commit(durable=False)
        return bool(changed)
