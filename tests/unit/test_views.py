"""What services hand to the edges: fingerprints bind a proposal's exact content (P7) and
outcomes survive the round trip through the database (P9 replays)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from store.domain.model import Actor, Proposal, ProposalKind, Reason
from store.views import Outcome, fingerprint

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
BASE = Proposal(
    id="p_1", kind=ProposalKind.CANCEL, actor=Actor("customer", "ana@example.com"),
    customer_email="ana@example.com", order_id="112-0000001", item_ids=("A1",),
    amount=Decimal("59.99"), reason=Reason.NO_LONGER_NEEDED, reason_text=None,
    created_at=NOW, expires_at=NOW + timedelta(minutes=15),
)


@pytest.mark.parametrize(
    "change",
    [
        {"id": "p_2"},
        {"kind": ProposalKind.REFUSAL},
        {"order_id": "112-0000002"},
        {"item_ids": ("A1", "A2")},
        {"amount": Decimal("59.98")},
        {"reason": Reason.OTHER},
        {"reason_text": "changed my mind"},
    ],
)
def test_any_change_to_what_was_shown_changes_the_fingerprint(change: dict[str, object]) -> None:
    assert fingerprint(dataclasses.replace(BASE, **change)) != fingerprint(BASE)  # type: ignore[arg-type]


def test_the_fingerprint_ignores_what_the_user_was_not_shown() -> None:
    later = dataclasses.replace(BASE, created_at=NOW + timedelta(seconds=5), thread_id="t9")
    assert fingerprint(later) == fingerprint(BASE)
    assert len(fingerprint(BASE)) == 16


def test_an_outcome_survives_its_json_round_trip() -> None:
    outcome = Outcome(
        proposal_id="p_1", action="cancel", order_id="112-0000001", done=("A1",),
        failed=({"id": "A2", "can": "refuse_at_door", "rules": ["P3", "P10", "P11"]},),
        refund=Decimal("59.99"), email_to="ana@example.com", titles={"A1": "Headphones"},
    )
    again = Outcome.from_dict(outcome.as_dict(), already=True)
    assert again.already and not outcome.already
    assert dataclasses.replace(again, already=False) == outcome
