"""The effects of a decision and the records around it: cancellations, refunds, seller
requests, refusal flags, emails, handoffs, caller verifications and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update

from store.domain.model import Actor, Reason, RequestStatus, SellerRequest
from store.sql.orm import (
    AuditRow,
    CancellationRow,
    EmailRow,
    HandoffRow,
    SellerRequestRow,
    VerificationRow,
    table,
)
from store.sql.repo_base import RepositoryBase
from store.sql.repo_tables import FLAGS, REFUNDS, REQUESTS

# Built once: a confirmation's writes go through these, batched (see `RepositoryBase`),
# and the batch's compiled-SQL cache is keyed by the statement object.
_REQUEST = select(REQUESTS).where(REQUESTS.c.item_id == bindparam("iid"))
_INSERT_CANCELLATION = insert(table(CancellationRow))
_INSERT_REFUND = insert(REFUNDS)
_INSERT_REQUEST = insert(REQUESTS)
_INSERT_FLAG = insert(FLAGS)
_INSERT_EMAIL = insert(table(EmailRow))
_INSERT_AUDIT = insert(table(AuditRow))


class EffectRows(RepositoryBase):
    def add_cancellations(
        self, order_id: str, item_ids: Sequence[str], reason: Reason, reason_text: str | None,
        actor: Actor, on_behalf_of: str, channel: str, proposal_id: str | None, at: datetime,
    ) -> None:
        self._write(
            _INSERT_CANCELLATION,
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
        self._write(_INSERT_REFUND, dict(
            order_id=order_id, amount=amount, item_ids=list(item_ids),
            method="original payment method", source=source, created_at=at,
        ))

    def add_seller_requests(
        self, order_id: str, requests: Sequence[tuple[str, bool]], reason: Reason,
        reason_text: str | None, actor: Actor, proposal_id: str | None, at: datetime,
    ) -> None:
        self._write(
            _INSERT_REQUEST,
            [
                dict(
                    order_id=order_id, item_id=item_id, status=RequestStatus.PENDING.value,
                    after_shipment=after, reason=reason.value, reason_text=reason_text,
                    actor_kind=actor.kind, actor_email=actor.email, proposal_id=proposal_id,
                    created_at=at, decided_at=None,
                )
                for item_id, after in requests
            ],
        )

    def seller_request(self, item_id: str, *, lock: bool = False) -> SellerRequest | None:
        query = _REQUEST.with_for_update() if lock else _REQUEST
        r = self._run(query, {"iid": item_id}).first()
        if r is None:
            return None
        return SellerRequest(r.order_id, r.item_id, RequestStatus(r.status), r.after_shipment)

    def set_request_status(self, item_id: str, status: RequestStatus, at: datetime) -> None:
        self._run(
            update(SellerRequestRow)
            .where(SellerRequestRow.item_id == item_id)
            .values(status=status.value, decided_at=at)
        )

    def add_refusals(
        self, order_id: str, item_ids: Sequence[str], actor: Actor, proposal_id: str | None,
        at: datetime,
    ) -> None:
        self._write(
            _INSERT_FLAG,
            [
                dict(
                    order_id=order_id, item_id=i, actor_kind=actor.kind, actor_email=actor.email,
                    proposal_id=proposal_id, created_at=at,
                )
                for i in item_ids
            ],
        )

    def add_email(
        self, to: str, order_id: str, subject: str, body: str, at: datetime, *,
        kind: str | None = None, data: dict[str, Any] | None = None,
    ) -> None:
        self._write(_INSERT_EMAIL, dict(to=to, order_id=order_id, subject=subject, body=body,
                                      created_at=at, sent_at=None, kind=kind, data=data))

    def add_handoff(
        self, actor: Actor, customer_email: str | None, order_id: str | None, summary: str,
        thread_id: str | None, at: datetime,
    ) -> int:
        result = self._run(
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
        self._run(
            insert(VerificationRow).values(
                staff_email=staff_email, customer_email=customer_email, order_id=order_id,
                method=method, created_at=at,
            )
        )

    def verified_since(self, staff_email: str, customer_email: str, since: datetime) -> bool:
        found = self._scalar(
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
        self._write(_INSERT_AUDIT, dict(
            at=at, actor_kind=actor.kind, actor_email=actor.email,
            on_behalf_of=on_behalf_of, action=action, order_id=order_id,
            item_ids=list(item_ids) if item_ids is not None else None, outcome=outcome,
            rules=list(rules) if rules is not None else None, detail=detail,
        ))
