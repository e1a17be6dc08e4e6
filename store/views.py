"""What services return: plain values that serialise to compact JSON for tools and UIs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from store.domain.model import Item, Order, Proposal
from store.domain.policy import Decision


def item_view(item: Item, decision: Decision) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "qty": item.qty,
        "price": str(item.unit_price),
        "seller": item.seller or "shop",
        "status": item.status.value,
        "can": decision.kind.value,
        "rules": list(decision.rules),
        "why": decision.explanation,
    }
    if decision.already_done:
        view["already_done"] = True
    return view


@dataclass(frozen=True)
class OrderView:
    order: Order
    decisions: tuple[Decision, ...]
    refunded: Decimal = Decimal("0.00")

    def as_dict(self) -> dict[str, Any]:
        o = self.order
        return {
            "order_id": o.id,
            "placed_at": o.placed_at.isoformat(),
            "status": o.status.value,
            "items": [item_view(i, d) for i, d in zip(o.items, self.decisions, strict=True)],
            "refunded": str(self.refunded),
            "currency": o.currency,
        }


def fingerprint(p: Proposal) -> str:
    """A digest of exactly what the user is shown; a payload that differs is tampered."""
    text = "|".join(
        [p.id, p.kind.value, p.order_id, ",".join(p.item_ids), str(p.amount),
         p.reason.value if p.reason else "", p.reason_text or ""]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    items: tuple[Item, ...]
    kept: tuple[Item, ...] = ()  # the order's other items that are not cancelled: they stay
    currency: str | None = None  # the order's; None: the shop's default

    @property
    def id(self) -> str:
        return self.proposal.id

    def as_dict(self) -> dict[str, Any]:
        p = self.proposal
        return {
            "proposal_id": p.id,
            "action": p.kind.value,
            "order_id": p.order_id,
            "items": [
                {"id": i.id, "title": i.title, "qty": i.qty, "amount": str(i.amount),
                 "seller": i.seller or "shop"}
                for i in self.items
            ],
            "kept": [{"id": i.id, "title": i.title, "qty": i.qty} for i in self.kept],
            "refund": str(p.amount),
            "currency": self.currency,
            "reason": p.reason.value if p.reason else None,
            "reason_text": p.reason_text,
            "expires_at": p.expires_at.isoformat(),
            "fingerprint": fingerprint(p),
            "needs": "the user's explicit confirmation (P7)",
        }


@dataclass(frozen=True)
class ProposeResult:
    """A proposal when something can be done; otherwise what was already done (P9)."""

    proposal: ProposalView | None
    already_done: tuple[Decision, ...] = ()
    excluded: tuple[tuple[Item, Decision], ...] = ()
    titles: dict[str, str] = field(default_factory=dict)  # of the items already done

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": True}
        if self.proposal is not None:
            out["proposal"] = self.proposal.as_dict()
        if self.already_done:
            out["already_done"] = [
                {"id": d.item_id, "title": self.titles.get(d.item_id, d.item_id),
                 "rules": list(d.rules), "why": d.explanation}
                for d in self.already_done
            ]
        if self.excluded:
            out["not_included"] = [item_view(i, d) for i, d in self.excluded]
        return out


@dataclass(frozen=True)
class Outcome:
    """The result of confirming a proposal; stored with it so a replay returns the same."""

    proposal_id: str
    action: str
    order_id: str
    done: tuple[str, ...]
    failed: tuple[dict[str, Any], ...]
    refund: Decimal
    email_to: str | None
    already: bool = False
    titles: dict[str, str] = field(default_factory=dict)
    currency: str | None = None  # the order's; None: the shop's default

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": True,
            "proposal_id": self.proposal_id,
            "action": self.action,
            "order_id": self.order_id,
            "done": list(self.done),
            "failed": list(self.failed),
            "refund": str(self.refund),
            "email_to": self.email_to,
            "already_confirmed": self.already,
            "titles": self.titles,
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, already: bool) -> Outcome:
        return cls(
            proposal_id=str(data["proposal_id"]), action=str(data["action"]),
            order_id=str(data["order_id"]), done=tuple(data["done"]),
            failed=tuple(data["failed"]), refund=Decimal(str(data["refund"])),
            email_to=data.get("email_to"), already=already, titles=dict(data.get("titles", {})),
            currency=data.get("currency"),
        )
