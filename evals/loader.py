"""Dialog files -> `Dialog` values, or problems that name the file, the line and what's wrong.

Three layers, each only on what the previous accepted: YAML (with line marks), the contract's
JSON Schema (unknown keys, types, money as quoted decimals, statuses), then the prose rules
(references, unique ids). Across a suite, dialog ids must be unique.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from evals.dialog import Dialog, Expect, Final, Pair, Role, Turn
from evals.rules import parse_time, rule_problems
from evals.schema import schema_problems
from evals.yamlmarks import Marked, YamlProblem, parse
from evals.yamlmarks import Path as KeyPath

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LoadError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files as given, folders searched recursively for *.yaml / *.yml, in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES
                                and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), 0, "no such file or folder"))
    unique = list(dict.fromkeys(files))
    return unique, problems


def load_file(path: str | Path) -> Dialog:
    """One dialog file; raises LoadError listing every problem found."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LoadError([Problem(name, 0, f"can't read the file: {e}")]) from None
    return load_text(text, name)


def load_text(text: str, name: str) -> Dialog:
    try:
        doc = parse(text)
    except YamlProblem as e:
        raise LoadError([Problem(name, e.line, e.message)]) from None
    if not isinstance(doc.data, dict):
        raise LoadError([Problem(name, 1, "a dialog file is a mapping (id:, world:, as:, "
                                          "turns:, ...)")])
    found = schema_problems(doc) or rule_problems(doc)
    if found:
        raise LoadError([Problem(name, p.line, p.message) for p in found])
    return _dialog(doc, name)


def load_suite(paths: Iterable[str | Path]) -> tuple[list[Dialog], list[Problem]]:
    """Every dialog under `paths`, plus every problem (bad files, duplicate ids)."""
    files, problems = discover(paths)
    dialogs: list[Dialog] = []
    for file in files:
        try:
            dialogs.append(load_file(file))
        except LoadError as e:
            problems.extend(e.problems)
    first: dict[str, Dialog] = {}
    for d in dialogs:
        if d.id in first:
            other = first[d.id]
            problems.append(Problem(d.path, d.line, f"dialog id {d.id!r} is already used by "
                                                    f"{other.path}:{other.line}"))
        first.setdefault(d.id, d)
    return dialogs, problems


# --- building the values -------------------------------------------------------------------
def _dialog(doc: Marked, name: str) -> Dialog:
    data: dict[str, Any] = doc.data
    actor = data["as"]
    role: Role = "staff" if "staff" in actor else "customer"
    now = parse_time(data["world"]["now"])
    assert now is not None  # rule_problems checked it
    return Dialog(
        id=data["id"], path=name, line=doc.line(("id",)), title=data.get("title", ""),
        policy=tuple(data.get("policy", [])), tags=tuple(data.get("tags", [])),
        world=data["world"], now=now, role=role, actor=actor[role],
        turns=tuple(_turn(doc, n) for n in range(len(data["turns"]))),
        final=_final(doc) if "final" in data else None,
    )


def _turn(doc: Marked, n: int) -> Turn:
    raw: dict[str, Any] = doc.data["turns"][n]
    line = doc.line(("turns", n))
    expect = _expect(doc, ("turns", n, "expect")) if "expect" in raw else None
    if "event" in raw:
        ((kind, item),) = raw["event"].items()
        return Turn(n + 1, line, "event", event=(kind, item))
    if "click" in raw:
        return Turn(n + 1, line, "click", text=raw["click"], expect=expect)
    return Turn(n + 1, line, "user", text=raw["user"], expect=expect)


def _strings(raw: dict[str, Any], key: str) -> tuple[str, ...] | None:
    return tuple(raw[key]) if key in raw else None


def _expect(doc: Marked, path: KeyPath) -> Expect:
    raw: dict[str, Any] = doc.data["turns"][path[1]]["expect"]
    proposal = raw.get("proposal")
    return Expect(
        line=doc.line(path), lines={k: doc.line((*path, k)) for k in raw},
        calls=_strings(raw, "calls"), not_calls=_strings(raw, "not_calls"),
        calls_exactly=_strings(raw, "calls_exactly"), says=_strings(raw, "says"),
        says_any=_strings(raw, "says_any"), not_says=_strings(raw, "not_says"),
        proposal=None if proposal is None else
        () if proposal == "none" else tuple(proposal["items"]),
        proposal_kind=proposal.get("kind") if isinstance(proposal, dict) else None,
        writes_none=raw.get("writes") == "none", handoff=raw.get("handoff") is True,
    )


def _pairs(raw: dict[str, Any], key: str) -> tuple[Pair, ...] | None:
    if key not in raw:
        return None
    return tuple((p["order"], p["item"]) for p in raw[key])


def _final(doc: Marked) -> Final:
    raw: dict[str, Any] = doc.data["final"] or {}
    return Final(
        line=doc.line(("final",)), lines={k: doc.line(("final", k)) for k in raw},
        items=dict(raw["items"]) if "items" in raw else None,
        refunds={k: Decimal(v) for k, v in raw["refunds"].items()} if "refunds" in raw
        else None,
        emails=tuple((e["to"], e["about"]) for e in raw["emails"]) if "emails" in raw else None,
        seller_requests=_pairs(raw, "seller_requests"), refusals=_pairs(raw, "refusals"),
        handoffs=raw.get("handoffs"), unchanged=raw.get("unchanged") is True,
    )
