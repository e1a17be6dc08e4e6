"""Proposals: recorded, read, locked for confirmation, closed, and discarded when replaced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from store.domain.model import Actor, Proposal, ProposalStatus
from store.sql.repo_base import RepositoryBase
from store.sql.repo_tables import ITEMS, PROPOSALS, proposal_from_row

# Built once, like the order statements: propose and confirm are the hot paths.
_PROPOSAL = select(PROPOSALS).where(PROPOSALS.c.id == bindparam("pid"))
# Confirming locks the proposal and its order's items in one round trip (PostgreSQL).
_PROPOSAL_AND_ITEMS_LOCKED = (
    select(PROPOSALS)
    .join(ITEMS, ITEMS.c.order_id == PROPOSALS.c.order_id)
    .where(PROPOSALS.c.id == bindparam("pid"))
    .with_for_update(of=[PROPOSALS, ITEMS])
)
_DISCARD_ALL = (
    update(PROPOSALS)
    .where(
        PROPOSALS.c.actor_email == bindparam("email"),
        PROPOSALS.c.actor_kind == bindparam("akind"),
        PROPOSALS.c.status == ProposalStatus.PENDING.value,
    )
    .values(status=ProposalStatus.DISCARDED.value, confirmed_at=bindparam("at"))
    .returning(PROPOSALS.c.id)
)
# Proposing replaces the pending proposal of the same thread: built once, like the others.
_DISCARD_IN_THREAD = _DISCARD_ALL.where(PROPOSALS.c.thread_id == bindparam("tid"))
_INSERT_PROPOSAL = insert(PROPOSALS)
_CLOSE_PROPOSAL = (
    update(PROPOSALS)
    .where(PROPOSALS.c.id == bindparam("pid"))
    .values(status=bindparam("st"), outcome=bindparam("out"), confirmed_at=bindparam("at"))
)


class ProposalRows(RepositoryBase):
    def add_proposal(self, p: Proposal) -> None:
        self._write(
            _INSERT_PROPOSAL,
            dict(
                id=p.id, kind=p.kind.value, actor_kind=p.actor.kind, actor_email=p.actor.email,
                customer_email=p.customer_email, order_id=p.order_id,
                item_ids=list(p.item_ids), amount=p.amount,
                reason=p.reason.value if p.reason else None, reason_text=p.reason_text,
                created_at=p.created_at, expires_at=p.expires_at, status=p.status.value,
                thread_id=p.thread_id, outcome=None, confirmed_at=None,
            ),
        )

    def proposal(self, proposal_id: str) -> Proposal | None:
        row = self._run(_PROPOSAL, {"pid": proposal_id}).first()
        return proposal_from_row(row) if row else None

    def lock_proposal(self, proposal_id: str) -> Proposal | None:
        """The proposal, with it and its order's item rows locked until the transaction ends,
        so that its confirmation, a second confirmation and warehouse events serialise."""
        query = _PROPOSAL_AND_ITEMS_LOCKED if self.row_locks else _PROPOSAL
        row = self._run(query, {"pid": proposal_id}).first()
        return proposal_from_row(row) if row else None

    def close_proposal(
        self, proposal_id: str, status: ProposalStatus, outcome: dict[str, Any] | None,
        at: datetime,
    ) -> None:
        self._write(_CLOSE_PROPOSAL, {"pid": proposal_id, "st": status.value, "out": outcome,
                                    "at": at})

    def discard_pending(self, actor: Actor, thread_id: str | None, at: datetime) -> list[str]:
        params: dict[str, Any] = {"email": actor.email, "akind": actor.kind, "at": at}
        if thread_id is None:
            return list(self._run(_DISCARD_ALL, params).scalars())
        return list(self._run(_DISCARD_IN_THREAD, {**params, "tid": thread_id}).scalars())
