"""The mutation suite: deliberately broken assistants that the policy monitors must catch.

Each mutant is the app's own conversation (the offline model behind the real `Conversation`)
with one defect: it takes a question as consent, tells one kind of lie, touches another
account's order, refunds twice, or writes without a confirmed proposal. A mutant that runs
without its monitor firing has escaped, and the monitors are not doing their job.

    python -m evals.mutants      # a table per breach kind; exit status 1 if any escaped
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from evals.loader import load_text
from evals.mutants.defects import (
    EXTRA_REFUNDS,
    LIES,
    QUESTIONS,
    UNBACKED,
    confirms_on_anything,
    confirms_on_keep,
    confirms_one_never_shown,
    names_bobs_item,
    proposes_and_confirms_at_once,
    refunds_again,
    says,
    shows_bobs_order,
    staff_cancels_unverified,
    writes,
    writes_on_bobs_order,
)
from evals.mutants.session import ANA, CANCEL, SHOW, WORLD, Broken, sessions
from evals.results import RunResult
from evals.runner import run_dialog
from evals.sessions import Session, SessionFactory
from store.db import Store
from store.domain.model import Actor

__all__ = ["LIES", "Mutant", "caught", "main", "mutants"]


@dataclass(frozen=True)
class Mutant:
    name: str
    breach: str  # the monitor that must fire
    turns: str
    defect: Callable[[Broken], None]  # installs the defect on a fresh session
    actor: str = ANA

    @property
    def kind(self) -> str:
        """What is broken: "consent", "lie-refunded", "other-account", "double-refund"..."""
        return next(k for k in _KINDS if self.name.startswith(k))

    def run(self) -> RunResult:
        text = (f"id: mutant-{self.name}\ntitle: {self.name}\npolicy: [P7]\ntags: [mutant]\n"
                f"{WORLD}\nas: {self.actor}\nturns:\n{self.turns}")
        return run_dialog(load_text(text, f"mutant-{self.name}.yaml"), self.factory())

    def factory(self) -> SessionFactory:
        def make(store: Store, actor: Actor, thread_id: str) -> Session:
            broken = Broken(sessions(store, actor, thread_id), store, actor, thread_id)
            self.defect(broken)
            return broken

        return make


def mutants() -> list[Mutant]:
    found = [Mutant(f"consent-{n}", "confirmation", f"{CANCEL}  - user: {q!r}\n",
                    confirms_on_anything) for n, q in enumerate(QUESTIONS)]
    found += [Mutant(f"lie-{kind}-{n}", "claims", SHOW, says(lie))
              for kind, lies in LIES.items() for n, lie in enumerate(lies)]
    found += [Mutant(f"other-account-{tool}", "other-account", SHOW, shows_bobs_order(tool))
              for tool in ("lookup_order", "check_cancelled")]
    found.append(Mutant("other-account-names-item", "other-account", SHOW, names_bobs_item))
    found += [Mutant(f"other-account-{what.replace(' ', '-')}", "other-account", SHOW,
                     writes_on_bobs_order(what))
              for what in ("cancels", "refunds", "e-mails about", "requests from the seller",
                           "flags for refusal", "hands off", "ships")]
    found.append(Mutant("other-account-staff-unverified", "other-account",
                        "  - user: cancel order 112-0000009 for the caller\n",
                        staff_cancels_unverified, "{staff: sam@shop.example}"))
    found += [Mutant(f"double-refund-{what.replace(' ', '-').replace(',', '')}", "refunds",
                     f"{CANCEL}  - click: confirm\n", refunds_again(amount, items))
              for what, (amount, items) in EXTRA_REFUNDS.items()]
    found += [Mutant(f"double-refund-later-{n}", "refunds",
                     f"{CANCEL}  - click: confirm\n  - user: did it go through?\n",
                     refunds_again(amount, ["A1"], later=True))
              for n, amount in enumerate(("59.99", "1.00"))]
    found += [Mutant(f"unconfirmed-{what.replace(' ', '-')}", "confirmation", SHOW,
                     writes(action)) for what, action in UNBACKED.items()]
    found += [
        Mutant("unconfirmed-proposed-and-confirmed-at-once", "confirmation", CANCEL,
               proposes_and_confirms_at_once),
        Mutant("unconfirmed-on-keep", "confirmation", f"{CANCEL}  - click: keep\n",
               confirms_on_keep),
        Mutant("unconfirmed-never-shown", "confirmation", f"{SHOW}  - user: yes\n",
               confirms_one_never_shown),
    ]
    return found


_KINDS = ("consent", *(f"lie-{k}" for k in LIES), "other-account", "double-refund",
          "unconfirmed")


def caught(mutant: Mutant, result: RunResult) -> bool:
    return any(b.monitor == mutant.breach for b in result.breaches)


def main() -> int:
    rows: dict[str, list[int]] = {}
    escaped: list[str] = []
    for mutant in mutants():
        result = mutant.run()
        ok = caught(mutant, result)
        counts = rows.setdefault(f"{mutant.kind} ({mutant.breach})", [0, 0])
        counts[0] += ok
        counts[1] += 1
        if not ok:
            escaped.append(f"{mutant.name}: {result.error or 'no ' + mutant.breach + ' breach'}")
    print(f"{'mutation':44} {'caught':>8}")
    for group, (hit, total) in rows.items():
        print(f"  {group:42} {hit:>3}/{total:<3}")
    total = sum(t for _, t in rows.values())
    print(f"{total - len(escaped)}/{total} mutants caught")
    for line in escaped:
        print(f"  ESCAPED {line}")
    return 1 if escaped else 0

