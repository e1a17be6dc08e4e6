"""The SQL repository: reads rows into domain values and writes explicit changes.

Statements go through Core-style `select`/`insert`/`update` on the mapped classes rather
than the ORM identity map: the hot paths (propose, confirm) stay a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from store.domain.model import (
    Actor,
    Customer,
    Item,
    ItemHistory,
    ItemStatus,
    Order,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Reason,
    RequestStatus,
    SellerRequest,
    StaffMember,
    money,
    utc,
)
from store.sql.orm import (
    AuditRow,
    CancellationRow,
    CustomerRow,
    EmailRow,
    HandoffRow,
    ItemRow,
    OrderRow,
    ProposalRow,
    RefundRow,
    RefusalFlagRow,
    SellerRequestRow,
    StaffRow,
    VerificationRow,
)


class SqlRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- accounts -------------------------------------------------------------------------
    def customer(self, email: str) -> Customer | None:
        row = self.session.get(CustomerRow, email)
        return Customer(row.email, row.name, row.postcode) if row else None

    def staff(self, email: str) -> StaffMember | None:
        row = self.session.get(StaffRow, email)
        return StaffMember(row.email, row.name) if row else None

    def password_hash(self, kind: str, email: str) -> str | None:
        model = StaffRow if kind == "staff" else CustomerRow
        return self.session.scalar(select(model.password_hash).where(model.email == email))

    # --- orders ---------------------------------------------------------------------------
    def order(self, order_id: str, *, lock: bool = False) -> Order | None:
        head = self.session.execute(
            select(OrderRow.id, OrderRow.customer_email, OrderRow.placed_at).where(
                OrderRow.id == order_id
            )
        ).first()
        if head is None:
            return None
        query = select(ItemRow).where(ItemRow.order_id == order_id).order_by(ItemRow.position)
        if lock:
            query = query.with_for_update()
        items = tuple(_item(r) for r in self.session.scalars(query))
        return Order(head.id, head.customer_email, utc(head.placed_at), items)

    def order_owner(self, order_id: str) -> str | None:
        return self.session.scalar(
            select(OrderRow.customer_email).where(OrderRow.id == order_id)
        )

    def recent_orders(self, customer_email: str, limit: int) -> list[Order]:
        ids = self.session.scalars(
            select(OrderRow.id)
            .where(OrderRow.customer_email == customer_email)
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(limit)
        ).all()
        return [o for o in (self.order(i) for i in ids) if o is not None]

    def histories(self, order_id: str) -> dict[str, ItemHistory]:
        requests = {
            r.item_id: SellerRequest(
                r.order_id, r.item_id, RequestStatus(r.status), r.after_shipment
            )
            for r in self.session.scalars(
                select(SellerRequestRow).where(SellerRequestRow.order_id == order_id)
            )
        }
        flagged = set(
            self.session.scalars(
                select(RefusalFlagRow.item_id).where(RefusalFlagRow.order_id == order_id)
            )
        )
        return {
            item_id: ItemHistory(requests.get(item_id), item_id in flagged)
            for item_id in set(requests) | flagged
        }

    def item(self, item_id: str) -> Item | None:
        row = self.session.get(ItemRow, item_id)
        return _item(row) if row else None

    def set_item_status(self, item_ids: Iterable[str], status: ItemStatus) -> None:
        self.session.execute(
            update(ItemRow).where(ItemRow.id.in_(list(item_ids))).values(status=status.value)
        )

    # --- proposals ------------------------------------------------------------------------
    def add_proposal(self, p: Proposal) -> None:
        self.session.execute(
            insert(ProposalRow).values(
                id=p.id,
                kind=p.kind.value,
                actor_kind=p.actor.kind,
                actor_email=p.actor.email,
                customer_email=p.customer_email,
                order_id=p.order_id,
                item_ids=list(p.item_ids),
                amount=p.amount,
                reason=p.reason.value if p.reason else None,
                reason_text=p.reason_text,
                created_at=p.created_at,
                expires_at=p.expires_at,
                status=p.status.value,
                thread_id=p.thread_id,
            )
        )

    def proposal(self, proposal_id: str, *, lock: bool = False) -> Proposal | None:
        query = select(ProposalRow).where(ProposalRow.id == proposal_id)
        if lock:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        return _proposal(row) if row else None

    def close_proposal(
        self, proposal_id: str, status: ProposalStatus, outcome: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        self.session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == proposal_id)
            .values(status=status.value, outcome=outcome, confirmed_at=at)
        )

    def discard_pending(self, actor: Actor, thread_id: str | None, at: datetime) -> list[str]:
        query = select(ProposalRow.id).where(
            ProposalRow.actor_email == actor.email,
            ProposalRow.actor_kind == actor.kind,
            ProposalRow.status == ProposalStatus.PENDING.value,
        )
        if thread_id is not None:
            query = query.where(ProposalRow.thread_id == thread_id)
        ids = list(self.session.scalars(query))
        if ids:
            self.session.execute(
                update(ProposalRow)
                .where(ProposalRow.id.in_(ids))
                .values(status=ProposalStatus.DISCARDED.value, confirmed_at=at)
            )
        return ids

    # --- effects --------------------------------------------------------------------------
    def add_cancellations(
        self, order_id: str, item_ids: Sequence[str], reason: Reason, reason_text: str | None,
        actor: Actor, on_behalf_of: str, channel: str, proposal_id: str | None, at: datetime,
    ) -> None:
        self.session.execute(
            insert(CancellationRow),
            [
                dict(
                    order_id=order_id, item_id=i, reason=reason.value, reason_text=reason_text,
                    actor_kind=actor.kind, actor_email=actor.email, on_behalf_of=on_behalf_of,
                    channel=channel, proposal_id=proposal_id, created_at=at,
                )
                for i in item_ids
            ],
        )

    def add_refund(
        self, order_id: str, amount: Decimal, item_ids: Sequence[str], source: str, at: datetime
    ) -> None:
        self.session.execute(
            insert(RefundRow).values(
                order_id=order_id, amount=amount, item_ids=list(item_ids),
                method="original payment method", source=source, created_at=at,
            )
        )

    def add_seller_requests(
        self, order_id: str, requests: Sequence[tuple[str, bool]], reason: Reason,
        reason_text: str | None, actor: Actor, proposal_id: str | None, at: datetime,
    ) -> None:
        self.session.execute(
            insert(SellerRequestRow),
            [
                dict(
                    order_id=order_id, item_id=item_id, status=RequestStatus.PENDING.value,
                    after_shipment=after, reason=reason.value, reason_text=reason_text,
                    actor_kind=actor.kind, actor_email=actor.email, proposal_id=proposal_id,
                    created_at=at,
                )
                for item_id, after in requests
            ],
        )

    def seller_request(self, item_id: str, *, lock: bool = False) -> SellerRequest | None:
        query = select(SellerRequestRow).where(SellerRequestRow.item_id == item_id)
        if lock:
            query = query.with_for_update()
        r = self.session.scalars(query).first()
        if r is None:
            return None
        return SellerRequest(r.order_id, r.item_id, RequestStatus(r.status), r.after_shipment)

    def set_request_status(self, item_id: str, status: RequestStatus, at: datetime) -> None:
        self.session.execute(
            update(SellerRequestRow)
            .where(SellerRequestRow.item_id == item_id)
            .values(status=status.value, decided_at=at)
        )

    def add_refusals(
        self, order_id: str, item_ids: Sequence[str], actor: Actor, proposal_id: str | None,
        at: datetime,
    ) -> None:
        self.session.execute(
            insert(RefusalFlagRow),
            [
                dict(
                    order_id=order_id, item_id=i, actor_kind=actor.kind, actor_email=actor.email,
                    proposal_id=proposal_id, created_at=at,
                )
                for i in item_ids
            ],
        )

    def add_email(self, to: str, order_id: str, subject: str, body: str, at: datetime) -> None:
        self.session.execute(
            insert(EmailRow).values(
                to=to, order_id=order_id, subject=subject, body=body, created_at=at
            )
        )

    def add_handoff(
        self, actor: Actor, customer_email: str | None, order_id: str | None, summary: str,
        thread_id: str | None, at: datetime,
    ) -> int:
        result = self.session.execute(
            insert(HandoffRow)
            .values(
                actor_kind=actor.kind, actor_email=actor.email, customer_email=customer_email,
                order_id=order_id, summary=summary, thread_id=thread_id, created_at=at,
            )
            .returning(HandoffRow.id)
        )
        return int(result.scalar_one())

    def add_verification(
        self, staff_email: str, customer_email: str, order_id: str, method: str, at: datetime
    ) -> None:
        self.session.execute(
            insert(VerificationRow).values(
                staff_email=staff_email, customer_email=customer_email, order_id=order_id,
                method=method, created_at=at,
            )
        )

    def verified_since(self, staff_email: str, customer_email: str, since: datetime) -> bool:
        found = self.session.scalar(
            select(func.count())
            .select_from(VerificationRow)
            .where(
                VerificationRow.staff_email == staff_email,
                VerificationRow.customer_email == customer_email,
                VerificationRow.created_at >= since,
            )
        )
        return bool(found)

    def audit(
        self, at: datetime, actor: Actor, action: str, outcome: str, *,
        on_behalf_of: str | None = None, order_id: str | None = None,
        item_ids: Sequence[str] | None = None, rules: Sequence[str] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.session.execute(
            insert(AuditRow).values(
                at=at, actor_kind=actor.kind, actor_email=actor.email,
                on_behalf_of=on_behalf_of, action=action, order_id=order_id,
                item_ids=list(item_ids) if item_ids is not None else None, outcome=outcome,
                rules=list(rules) if rules is not None else None, detail=detail,
            )
        )

    # --- views ----------------------------------------------------------------------------
    def refunded(self, order_ids: Iterable[str]) -> dict[str, Decimal]:
        rows = self.session.execute(
            select(RefundRow.order_id, func.sum(RefundRow.amount))
            .where(RefundRow.order_id.in_(list(order_ids)))
            .group_by(RefundRow.order_id)
        )
        return {oid: money(total) for oid, total in rows}

    def cancellation_details(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = self.session.scalars(
            select(CancellationRow).where(CancellationRow.order_id.in_(list(order_ids)))
        )
        return {
            r.item_id: {
                "reason": r.reason, "channel": r.channel, "at": utc(r.created_at).isoformat(),
                "by": f"{r.actor_kind}:{r.actor_email}",
            }
            for r in rows
        }

    def orders_with_cancellations(self, customer_email: str) -> list[str]:
        return list(
            self.session.scalars(
                select(OrderRow.id)
                .join(ItemRow, ItemRow.order_id == OrderRow.id)
                .where(
                    OrderRow.customer_email == customer_email,
                    ItemRow.status == ItemStatus.CANCELLED.value,
                )
                .group_by(OrderRow.id, OrderRow.placed_at)
                .order_by(OrderRow.placed_at.desc())
            )
        )

    def emails_about(self, order_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count()).select_from(EmailRow).where(EmailRow.order_id == order_id)
            )
            or 0
        )


def _item(r: ItemRow) -> Item:
    return Item(
        id=r.id, order_id=r.order_id, title=r.title, qty=r.qty, unit_price=money(r.unit_price),
        status=ItemStatus(r.status), seller=r.seller,
    )


def _proposal(r: ProposalRow) -> Proposal:
    return Proposal(
        id=r.id, kind=ProposalKind(r.kind), actor=Actor(r.actor_kind, r.actor_email),  # type: ignore[arg-type]
        customer_email=r.customer_email, order_id=r.order_id, item_ids=tuple(r.item_ids),
        amount=money(r.amount), reason=Reason(r.reason) if r.reason else None,
        reason_text=r.reason_text, created_at=utc(r.created_at), expires_at=utc(r.expires_at),
        status=ProposalStatus(r.status), thread_id=r.thread_id, outcome=r.outcome,
    )


class SeedWriter:
    """Inserts a world as given (demo data, a dialog's `world:`); not a business path."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def customer(self, c: Customer, password_hash: str | None = None) -> None:
        self.session.add(CustomerRow(email=c.email, name=c.name, postcode=c.postcode,
                                     password_hash=password_hash))

    def staff(self, s: StaffMember, password_hash: str | None = None) -> None:
        self.session.add(StaffRow(email=s.email, name=s.name, password_hash=password_hash))

    def order(self, o: Order) -> None:
        self.session.add(OrderRow(id=o.id, customer_email=o.customer_email,
                                  placed_at=o.placed_at))
        self.session.flush()
        self.session.add_all(
            ItemRow(id=i.id, order_id=o.id, position=n, title=i.title, qty=i.qty,
                    unit_price=i.unit_price, seller=i.seller, status=i.status.value)
            for n, i in enumerate(o.items)
        )
        self.session.flush()
