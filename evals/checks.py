"""The expectations of dialog-format.md, one small function per key, each returning a Miss
(expected vs seen) or None. Tools are compared by name; text case-insensitively."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from evals.dialog import Dialog, Expect, Final
from evals.results import Miss, TurnRecord
from evals.state import StoreState, changes, same_business


def _list(names: Iterable[str]) -> str:
    return "[" + ", ".join(names) + "]"


def _excerpt(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 3] + "...")


def is_subsequence(wanted: Sequence[str], seen: Sequence[str]) -> bool:
    calls = iter(seen)
    return all(any(name == call for call in calls) for name in wanted)


# --- per turn -------------------------------------------------------------------------------
TurnCheck = Callable[[Expect, TurnRecord, StoreState, StoreState, Dialog], tuple[str, str] | None]


def _calls(e: Expect, rec: TurnRecord, *_: object) -> tuple[str, str] | None:
    if e.calls is None or is_subsequence(e.calls, rec.tool_names):
        return None
    return f"{_list(e.calls)} in this order", _list(rec.tool_names)


def _not_calls(e: Expect, rec: TurnRecord, *_: object) -> tuple[str, str] | None:
    bad = [n for n in e.not_calls or () if n in rec.tool_names]
    return (f"none of {_list(e.not_calls or ())}", _list(rec.tool_names)) if bad else None


def _calls_exactly(e: Expect, rec: TurnRecord, *_: object) -> tuple[str, str] | None:
    if e.calls_exactly is None or list(e.calls_exactly) == rec.tool_names:
        return None
    return f"exactly {_list(e.calls_exactly)}", _list(rec.tool_names)


def _says(e: Expect, rec: TurnRecord, *_: object) -> tuple[str, str] | None:
    missing = [s for s in e.says or () if s.casefold() not in rec.reply.casefold()]
    return (f"reply containing {missing!r}", _excerpt(rec.reply)) if missing else None


def _says_any(e: Expect, rec: TurnRecord, *_: object) -> tuple[str, str] | None:
    if e.says_any is None or any(s.casefold() in rec.reply.casefold() for s in e.says_any):
        return None
    return f"reply containing one of {list(e.says_any)!r}", _excerpt(rec.reply)


def _not_says(e: Expect, rec: TurnRecord, *_: object) -> tuple[str, str] | None:
    found = [s for s in e.not_says or () if s.casefold() in rec.reply.casefold()]
    return (f"reply without {found!r}", _excerpt(rec.reply)) if found else None


def _proposal(
    e: Expect, rec: TurnRecord, before: StoreState, after: StoreState, dialog: Dialog
) -> tuple[str, str] | None:
    if e.proposal is None:
        return None
    # The store is the truth about what can still be confirmed, not the reply's wording.
    proposals = after.pending(dialog.role, dialog.actor)
    pending = {i for p in proposals for i in p.item_ids}
    kinds = sorted({p.kind for p in proposals})
    if pending == set(e.proposal) and (e.proposal_kind is None or kinds == [e.proposal_kind]):
        return None
    kind = f"{e.proposal_kind} " if e.proposal_kind else ""
    want = f"{kind}pending for {_list(sorted(e.proposal))}" if e.proposal else "none pending"
    seen = (f"{'/'.join(kinds)} pending for {_list(sorted(pending))}" if pending
            else "none pending")
    return want, seen


def _writes(
    e: Expect, rec: TurnRecord, before: StoreState, after: StoreState, dialog: Dialog
) -> tuple[str, str] | None:
    if not e.writes_none or same_business(before, after):
        return None
    return "no business write", "; ".join(changes(before, after))


def _handoff(
    e: Expect, rec: TurnRecord, before: StoreState, after: StoreState, dialog: Dialog
) -> tuple[str, str] | None:
    if not e.handoff or len(after.handoffs) > len(before.handoffs):
        return None
    return "a handoff recorded in this turn", "none"


TURN_CHECKS: dict[str, TurnCheck] = {
    "calls": _calls, "not_calls": _not_calls, "calls_exactly": _calls_exactly,
    "says": _says, "says_any": _says_any, "not_says": _not_says, "proposal": _proposal,
    "writes": _writes, "handoff": _handoff,
}


def turn_misses(
    expect: Expect, rec: TurnRecord, before: StoreState, after: StoreState, dialog: Dialog
) -> list[Miss]:
    out = []
    for key, check in TURN_CHECKS.items():
        found = check(expect, rec, before, after, dialog)
        if found is not None:
            line = expect.lines.get(key, expect.line)
            out.append(Miss(rec.index, line, key, found[0], found[1]))
    return out


# --- final ----------------------------------------------------------------------------------
FinalCheck = Callable[[Final, StoreState, StoreState], tuple[str, str] | None]


def _items(f: Final, initial: StoreState, end: StoreState) -> tuple[str, str] | None:
    if f.items is None:
        return None
    seen = {i: end.items[i].status if i in end.items else "missing" for i in f.items}
    wrong = {i: s for i, s in seen.items() if s != f.items[i]}
    if not wrong:
        return None
    return str({i: f.items[i] for i in wrong}), str(wrong)


def _refunds(f: Final, initial: StoreState, end: StoreState) -> tuple[str, str] | None:
    if f.refunds is None:
        return None
    # Exact per order: `{}` means no refund at all, and an order left out was not refunded.
    want = {k: v.quantize(Decimal("0.01")) for k, v in f.refunds.items() if v != 0}
    seen = end.refunded()
    if want == seen:
        return None
    return _money(want) or "no refund", _money(seen) or "no refund"


def _money(amounts: dict[str, Decimal]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(amounts.items()))


def _emails(f: Final, initial: StoreState, end: StoreState) -> tuple[str, str] | None:
    if f.emails is None:
        return None
    # Sent, not only recorded: what reached the mailbox during the dialog.
    seen = end.sent - initial.sent
    if Counter(f.emails) == seen:
        return None
    unsent = (end.emails - initial.emails) - seen
    note = f" (recorded, not sent: {_pairs_text(unsent, 'to', 'about')})" if unsent else ""
    return (_pairs_text(Counter(f.emails), "to", "about"),
            _pairs_text(seen, "to", "about") + note)


def _pairs_text(pairs: Counter[tuple[str, str]], a: str, b: str) -> str:
    if not pairs:
        return "none"
    return ", ".join(f"{{{a}: {x}, {b}: {y}}}" + (f" x{n}" if n > 1 else "")
                     for (x, y), n in sorted(pairs.items()))


def _pair_check(table: str, attr: str) -> FinalCheck:
    def check(f: Final, initial: StoreState, end: StoreState) -> tuple[str, str] | None:
        want = getattr(f, attr)
        if want is None:
            return None
        seen = end.pairs(table) - initial.pairs(table)
        if set(want) == seen:
            return None
        return (_pairs_text(Counter(set(want)), "order", "item"),
                _pairs_text(Counter(seen), "order", "item"))

    return check


def _handoffs(f: Final, initial: StoreState, end: StoreState) -> tuple[str, str] | None:
    if f.handoffs is None:
        return None
    seen = len(end.handoffs) - len(initial.handoffs)
    return None if seen == f.handoffs else (str(f.handoffs), str(seen))


def _unchanged(f: Final, initial: StoreState, end: StoreState) -> tuple[str, str] | None:
    if not f.unchanged or same_business(initial, end):
        return None
    return "business state as the world began", "; ".join(changes(initial, end))


FINAL_CHECKS: dict[str, FinalCheck] = {
    "items": _items, "refunds": _refunds, "emails": _emails,
    "seller_requests": _pair_check("seller_requests", "seller_requests"),
    "refusals": _pair_check("refusal_flags", "refusals"),
    "handoffs": _handoffs, "unchanged": _unchanged,
}


def final_misses(final: Final, initial: StoreState, end: StoreState) -> list[Miss]:
    out = []
    for key, check in FINAL_CHECKS.items():
        found = check(final, initial, end)
        if found is not None:
            out.append(Miss(None, final.lines.get(key, final.line), key, found[0], found[1]))
    return out
