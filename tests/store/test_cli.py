"""`rescind seed|explain` as a user runs it, against a temporary SQLite file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support import RESCIND

ROOT = Path(__file__).resolve().parents[2]


def run_store(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("RESCIND_STAFF", None)
    return subprocess.run(
        [RESCIND, *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "rescind.db"
    seeded = run_store(db, "seed")
    assert seeded.returncode == 0, seeded.stderr
    assert "demo world loaded" in seeded.stdout and "ana@example.com" in seeded.stdout
    return db


def test_seed_refuses_to_seed_twice_unless_told(seeded_db: Path) -> None:
    again = run_store(seeded_db, "seed")
    assert again.returncode == 1 and "--reset" in again.stderr
    assert run_store(seeded_db, "seed", "--if-empty").returncode == 0


def test_explain_prints_a_decision_with_rule_ids_for_every_item(seeded_db: Path) -> None:
    result = run_store(seeded_db, "explain", "112-0000001")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Order 112-0000001 (open)")
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.startswith("  A")}
    assert set(lines) == {"A1", "A2"}
    assert "Wireless headphones" in lines["A1"]
    assert "-> cancel [P3]" in lines["A1"]
    assert "Cable Co" in lines["A2"] and "-> request_seller [P5]" in lines["A2"]
    assert "can be cancelled now" in out and "30-minute window has passed" in out


def test_explain_covers_shipped_and_delivered_items(seeded_db: Path) -> None:
    shipped = run_store(seeded_db, "explain", "112-0000005")
    assert shipped.returncode == 0
    assert "-> refuse_at_door [P3, P10]" in shipped.stdout
    assert "-> request_seller [P5]" in shipped.stdout
    delivered = run_store(seeded_db, "explain", "112-0000006")
    assert "-> return_instead [P10]" in delivered.stdout
    assert "-> return_instead [P5, P10]" in delivered.stdout


@pytest.mark.parametrize(
    ("order_id", "words", "code"),
    [
        ("112 0000001!", "doesn't look like an order number", "malformed_id"),
        ("'; DROP TABLE items; --", "doesn't look like an order number", "malformed_id"),
        ("999-9999999", "couldn't find order 999-9999999", "not_found"),
    ],
)
def test_explain_exits_2_with_a_clear_message_for_a_bad_order_id(
    seeded_db: Path, order_id: str, words: str, code: str
) -> None:
    result = run_store(seeded_db, "explain", order_id)
    assert result.returncode == 2
    assert result.stdout == ""
    assert words in result.stderr and code in result.stderr
    assert "Traceback" not in result.stderr
