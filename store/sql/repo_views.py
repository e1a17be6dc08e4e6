"""Read-only views over what was done: refunds, cancellations and emails per order, and
what a reply may claim (P12) about them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, select

from store.domain.model import Actor, ItemStatus, Proposal, ProposalStatus, money, utc
from store.sql.orm import CancellationRow, EmailRow, ItemRow, OrderRow
from store.sql.repo_base import RepositoryBase
from store.sql.repo_tables import PROPOSALS, REFUNDS, proposal_from_row


class ViewReads(RepositoryBase):
    def refunded(self, order_ids: Iterable[str]) -> dict[str, Decimal]:
        rows = self._run(
            select(REFUNDS.c.order_id, func.sum(REFUNDS.c.amount))
            .where(REFUNDS.c.order_id.in_(bindparam("oids", expanding=True)))
            .group_by(REFUNDS.c.order_id),
            {"oids": list(order_ids)},
        )
        return {oid: money(total) for oid, total in rows}

    def cancellation_details(self, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = self._run(
            select(CancellationRow).where(CancellationRow.order_id.in_(list(order_ids)))
        )
        return {
            r.item_id: {
                "reason": r.reason, "reason_text": r.reason_text, "channel": r.channel,
                "at": utc(r.created_at).isoformat(),
                "by": f"{r.actor_kind}:{r.actor_email}",
            }
            for r in rows
        }

    def orders_with_cancellations(self, customer_email: str) -> list[str]:
        return list(
            self._run(
                select(OrderRow.id)
                .join(ItemRow, ItemRow.order_id == OrderRow.id)
                .where(
                    OrderRow.customer_email == customer_email,
                    ItemRow.status == ItemStatus.CANCELLED.value,
                )
                .group_by(OrderRow.id, OrderRow.placed_at)
                .order_by(OrderRow.placed_at.desc())
            ).scalars()
        )

    def emails_about(self, order_id: str) -> int:
        return int(
            self._scalar(
                select(func.count()).select_from(EmailRow).where(EmailRow.order_id == order_id)
            )
            or 0
        )

    # --- what a reply may claim (P12): read-only -----------------------------------------
    def refunds_of(self, order_ids: Sequence[str]) -> list[tuple[str, Decimal, list[str]]]:
        """Each refund of these orders: (order id, amount, the item ids it covers)."""
        rows = self._run(
            select(REFUNDS.c.order_id, REFUNDS.c.amount, REFUNDS.c.item_ids)
            .where(REFUNDS.c.order_id.in_(bindparam("oids", expanding=True)))
            .order_by(REFUNDS.c.id),
            {"oids": list(order_ids)},
        )
        return [(r.order_id, money(r.amount), list(r.item_ids or [])) for r in rows]

    def email_counts(self, order_ids: Sequence[str]) -> dict[str, int]:
        rows = self._run(
            select(EmailRow.order_id, func.count())
            .where(EmailRow.order_id.in_(bindparam("oids", expanding=True)))
            .group_by(EmailRow.order_id),
            {"oids": list(order_ids)},
        )
        return {oid: int(n) for oid, n in rows}

    def confirmed_in_thread(self, actor: Actor, thread_id: str) -> list[Proposal]:
        """The proposals this actor confirmed in this chat thread, oldest first."""
        rows = self._run(
            select(PROPOSALS).where(
                PROPOSALS.c.thread_id == thread_id,
                PROPOSALS.c.actor_kind == actor.kind,
                PROPOSALS.c.actor_email == actor.email,
                PROPOSALS.c.status == ProposalStatus.CONFIRMED.value,
            ).order_by(PROPOSALS.c.confirmed_at)
        )
        return [proposal_from_row(r) for r in rows]
