"""The mutation suite (evals/mutants.py): every deliberately broken assistant is caught by the
monitor for its breach, at least ten variants per kind; the real assistant on the real suite
raises no breach, and its reply guard never changes one of the offline model's replies there
(they are built from tool results, so they are true)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.loader import load_suite
from evals.mutants import LIES, Mutant, caught, mutants
from evals.runner import run_dialog
from evals.sessions import AgentSessions, Click, Session
from store.db import Store
from store.domain.model import Actor

MUTANTS = mutants()
SUITE = Path(__file__).resolve().parents[2] / "evals" / "dialogs"


def test_there_are_at_least_ten_variants_of_each_breach_and_of_each_kind_of_lie() -> None:
    per_monitor = Counter(m.breach for m in MUTANTS)
    assert set(per_monitor) == {"confirmation", "claims", "other-account", "refunds"}
    assert min(per_monitor.values()) >= 10
    assert sum(m.name.startswith("consent-") for m in MUTANTS) >= 10
    assert sum(m.name.startswith("unconfirmed-") for m in MUTANTS) >= 10
    for kind in LIES:
        assert sum(m.name.startswith(f"lie-{kind}-") for m in MUTANTS) >= 10


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_every_mutant_is_caught_by_its_monitor(mutant: Mutant) -> None:
    result = mutant.run()
    assert result.error is None, result.error
    assert caught(mutant, result), [b.describe() for b in result.breaches]


class _Spy:
    """The real conversation, noting every reply its guard changed."""

    def __init__(self, real: Any, changed: list[str]) -> None:
        self.real, self.changed = real, changed

    def send(self, text: str) -> Any:
        reply = self.real.send(text)
        if reply.corrected:
            self.changed.append(f"{text!r} -> {reply.text!r}")
        return reply

    def click(self, action: Click, proposal_id: str | None = None,
              fingerprint: str | None = None) -> Any:
        return self.real.click(action, proposal_id, fingerprint)


def test_the_real_suite_raises_no_breach_and_the_guard_changes_no_true_reply() -> None:
    dialogs, problems = load_suite([SUITE])
    assert problems == [] and len(dialogs) >= 90
    sessions = AgentSessions("offline")
    changed: list[str] = []

    def spy(store: Store, actor: Actor, thread_id: str) -> Session:
        return _Spy(sessions(store, actor, thread_id), changed)

    breaches = [f"{d.id}: {b.describe()}" for d in dialogs
                for b in run_dialog(d, spy).breaches]
    assert breaches == []
    assert changed == []
