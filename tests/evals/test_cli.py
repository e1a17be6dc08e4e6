"""The command line: exit codes, the terminal summary, report files, filters, --repeat and
--jobs. The agent is a scripted model (patched in), so no provider is reached."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.agent import Agent
from assistant.conversation import Conversation
from evals import cli, suite
from evals.sessions import Session
from store.db import Store
from store.domain.model import Actor
from tests.evals.fakes import WORLD, ScriptedModel, say

PASSING = f"""id: ships-fine
title: The warehouse ships an item
policy: [P3]
tags: [events]
{WORLD}
as: {{customer: ana@example.com}}
turns:
  - event: {{ship: A1}}
  - user: hello
    expect: {{writes: none}}
final:
  items: {{A1: shipped}}
"""
FAILING = PASSING.replace("id: ships-fine", "id: wrong-state").replace(
    "policy: [P3]", "policy: [P3, P10]").replace("tags: [events]", "tags: [events, wrong]").replace(
    "items: {A1: shipped}", "items: {A1: delivered}")


class FakeSessions:
    """Stands in for AgentSessions: the real Conversation over a model that just greets."""

    def __init__(self, provider: str = "offline") -> None:
        self.provider = provider

    def agent(self, role: str) -> Agent:
        return Agent(ScriptedModel(script=[say("Hello!")]), "staff" if role == "staff" else
                     "customer")

    def warm(self) -> None:
        """Nothing to build ahead: each conversation gets its own scripted agent."""

    def __call__(self, store: Store, actor: Actor, thread_id: str) -> Session:
        return Conversation(self.agent(actor.kind), store, actor, thread_id)


@pytest.fixture(autouse=True)
def fake_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suite, "AgentSessions", FakeSessions)


@pytest.fixture
def suite_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "dialogs"
    (folder / "nested").mkdir(parents=True)
    (folder / "pass.yaml").write_text(PASSING)
    (folder / "nested" / "fail.yml").write_text(FAILING)
    return folder


def test_all_passing_exits_zero_and_writes_json_and_html_reports(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = cli.main(["run", str(suite_dir / "pass.yaml"), "--report", str(out), "--quiet"])
    assert code == cli.EXIT_OK
    data = json.loads((out / "results.json").read_text())
    assert data["passed"] is True and data["overall"]["dialogs"] == 1
    assert data["dialogs"][0]["runs"][0]["turns"][1]["reply"] == "Hello!"
    html = (out / "report.html").read_text()
    assert html.startswith("<!doctype html>") and "ships-fine" in html and "<script" not in html
    assert "PASS  ships-fine" in capsys.readouterr().out


def test_a_failure_exits_one_and_names_file_line_expected_and_seen(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["run", str(suite_dir), "--report", str(tmp_path / "r"), "--quiet"])
    assert code == cli.EXIT_FAILED
    out = capsys.readouterr().out
    assert "FAIL  wrong-state" in out and "PASS  ships-fine" in out
    assert f"{suite_dir / 'nested' / 'fail.yml'}:" in out
    assert "items: expected {'A1': 'delivered'}; seen {'A1': 'shipped'}" in out
    assert "P10" in out and "1/2 dialogs passed" in out
    html = (tmp_path / "r" / "report.html").read_text()
    assert "miss first" in html and "first unmet expectation" in html


def test_bad_dialog_files_exit_two_and_run_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(PASSING.replace("  - user: hello", "  - usr: hello"))
    line = PASSING.splitlines().index("  - user: hello") + 1
    assert cli.main(["run", str(bad)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{bad}:{line}: unknown key 'usr'" in err and "nothing was run" in err


def ran(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(["run", *args, "--quiet"])
    return code, capsys.readouterr().out


def test_tag_and_policy_filters_choose_dialogs_and_an_empty_choice_exits_two(
    suite_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = ran(capsys, str(suite_dir), "--policy", "P10")
    assert code == 1 and "wrong-state" in out and "ships-fine" not in out
    code, out = ran(capsys, str(suite_dir), "--tag", "nope", "--tag", "events", "--policy", "P3")
    assert code == 1 and "wrong-state" in out and "ships-fine" in out
    code, _ = ran(capsys, str(suite_dir), "--tag", "wrong", "--policy", "P4")
    assert code == cli.EXIT_BAD_INPUT


def test_repeat_reports_pass_to_the_k(suite_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(suite_dir / "pass.yaml"), "--repeat", "3", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "PASS 3/3  ships-fine" in out and "pass^3 = 100.0%" in out


def test_jobs_run_dialogs_in_worker_processes_with_the_same_verdicts(
    suite_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["run", str(suite_dir), "--jobs", "2", "--repeat", "2", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "PASS 2/2  ships-fine" in out and "FAIL 0/2  wrong-state" in out


def test_check_validates_without_running(suite_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(suite_dir)]) == 0
    assert "2 dialog(s) OK" in capsys.readouterr().out


def test_the_module_entry_point_exits_two_on_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(PASSING.replace('price: "59.99"', "price: 59.99"))
    done = subprocess.run([sys.executable, "-m", "evals", "run", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "money must be a quoted decimal string" in done.stderr


def test_usage_errors_exit_two() -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["run", "x.yaml", "--repeat", "0"])
    assert caught.value.code == 2


def test_a_model_provider_without_its_settings_exits_two(
    suite_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert cli.main(["run", str(suite_dir), "--model", "openai", "--quiet"]) == 2
    assert "OPENAI_API_KEY" in capsys.readouterr().err
