"""The spec lives in the repository: docs/policy.md (rules P1-P14) and docs/dialog-format.md
(the evaluators' contract, with its JSON Schema shipped once in the evals package)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from evals.loader import load_text
from evals.schema import SCHEMA_FILE

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "docs" / "policy.md"
FORMAT = ROOT / "docs" / "dialog-format.md"
RULE = re.compile(r"\bP(1[0-4]|[1-9])\b")


def _tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [ROOT / name for name in out.stdout.decode().split("\0") if name]


def _schema() -> dict[str, object]:
    data: dict[str, object] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return data


def test_nothing_in_the_repository_points_at_a_path_outside_it() -> None:
    # Split so that this line, in a tracked file, does not match itself.
    outside = re.compile(r"\.\./shared|/" + "work/")
    offenders = []
    for path in _tracked_files():
        if path.suffix in {".png", ".svg", ".ico", ".db"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n, line in
                      enumerate(text.splitlines(), 1) if outside.search(line)]
    assert offenders == []


def test_the_policy_states_every_rule_from_p1_to_p14_once() -> None:
    headings = re.findall(r"^- \*\*(P\d+) ", POLICY.read_text(encoding="utf-8"), re.M)
    assert headings == [f"P{n}" for n in range(1, 15)]


def test_every_rule_id_the_code_cites_exists_in_the_policy() -> None:
    stated = set(re.findall(r"^- \*\*(P\d+) ", POLICY.read_text(encoding="utf-8"), re.M))
    cited: set[str] = set()
    for path in _tracked_files():
        if path.suffix == ".py":
            cited |= {m.group(0) for m in RULE.finditer(path.read_text(encoding="utf-8"))}
    assert cited and cited <= stated


def test_the_policy_says_which_typed_messages_are_consent() -> None:
    text = " ".join(POLICY.read_text(encoding="utf-8").split())
    assert "A typed message is consent only when it is a plain affirmative" in text
    assert "no question mark, no negation, no condition or hedge" in text


def test_the_example_in_the_dialog_format_loads_unchanged() -> None:
    text = FORMAT.read_text(encoding="utf-8")
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert load_text(example, "example.yaml").id == "partial-cancel-headphones"


def test_the_dialog_format_names_the_same_turn_checks_and_final_keys_as_the_schema() -> None:
    text = FORMAT.read_text(encoding="utf-8")
    schema = _schema()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    expect_keys = set(defs["expect"]["properties"])
    final_keys = set(schema["properties"]["final"]["properties"])  # type: ignore[index]
    said_expect = text.split("Per-turn `expect` keys:", 1)[1].split("`final` keys:", 1)[0]
    said_final = text.split("`final` keys:", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`(\w+)", said_expect))
    assert expect_keys <= named
    assert final_keys <= set(re.findall(r"`(\w+)", said_final))


def test_the_dialog_format_and_the_schema_know_the_same_world_events() -> None:
    text = " ".join(FORMAT.read_text(encoding="utf-8").split())
    turns = _schema()["properties"]["turns"]["items"]["oneOf"]  # type: ignore[index]
    events = set(turns[2]["properties"]["event"]["properties"])
    said = text.split("`event:` with one of", 1)[1].split("naming an item id", 1)[0]
    assert events == set(re.findall(r"`(\w+)`", said))


def test_the_proposal_check_takes_an_optional_kind_in_both() -> None:
    text = FORMAT.read_text(encoding="utf-8")
    proposal = _schema()["$defs"]["expect"]["properties"]["proposal"]  # type: ignore[index]
    kinds = proposal["oneOf"][1]["properties"]["kind"]["enum"]
    assert kinds == ["cancel", "seller_request", "refusal"]
    assert "kind: cancel | seller_request | refusal" in text
