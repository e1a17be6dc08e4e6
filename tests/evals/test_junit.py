"""`evals run --junit FILE`: JUnit XML that CI systems read, checked by parsing it (with the
standard library and with junitparser): one test case per dialog and run, the first unmet
expectation as the failure message, a crash as an error."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from junitparser import Error, Failure, JUnitXml

from evals import cli, suite
from store.db import Store
from store.domain.model import Actor
from tests.evals.test_cli import FAILING, PASSING, FakeSessions


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


def run(*args: str) -> int:
    return cli.main(["run", *args, "--quiet"])


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_each_dialog_is_a_test_case_and_a_failure_carries_the_first_unmet_expectation(
    suite_dir: Path, tmp_path: Path,
) -> None:
    junit = tmp_path / "ci" / "junit.xml"
    assert run(str(suite_dir), "--junit", str(junit)) == cli.EXIT_FAILED

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    (testsuite,) = root.findall("testsuite")
    assert (testsuite.get("tests"), testsuite.get("failures"), testsuite.get("errors")) == \
        ("2", "1", "0")
    names = [p.get("name") for p in testsuite.iter("property")]
    assert names == ["model", "repeat"]
    assert next(iter(testsuite)).tag == "properties"  # before the cases, as the schema wants
    cases = {c.get("name"): c for c in testsuite.findall("testcase")}
    assert set(cases) == {"ships-fine", "wrong-state"}
    assert cases["ships-fine"].find("failure") is None
    failure = cases["wrong-state"].find("failure")
    assert failure is not None
    final = line_of(FAILING, "items: {A1: delivered}")
    assert failure.get("message") == f"final (line {final}) items: expected " \
                                     "{'A1': 'delivered'}; seen {'A1': 'shipped'}"
    assert failure.get("type") == "unmet expectation"
    assert "fail.yml" in (failure.text or "")
    event = line_of(FAILING, "- event: {ship: A1}")
    assert f"turn 1 (line {event}) event ship A1\n" in (
        cases["wrong-state"].findtext("system-out") or "")
    assert cases["wrong-state"].get("classname", "").endswith("dialogs.nested")
    assert float(cases["ships-fine"].get("time", "-1")) >= 0


def test_with_repeat_each_run_is_its_own_test_case(suite_dir: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    run(str(suite_dir), "--repeat", "2", "--junit", str(junit))

    xml = JUnitXml.fromfile(str(junit))
    cases = [case for testsuite in xml for case in testsuite]
    assert sorted(case.name for case in cases) == [
        "ships-fine [run 1/2]", "ships-fine [run 2/2]",
        "wrong-state [run 1/2]", "wrong-state [run 2/2]"]
    failed = [case.name for case in cases if any(isinstance(r, Failure) for r in case.result)]
    assert sorted(failed) == ["wrong-state [run 1/2]", "wrong-state [run 2/2]"]
    assert xml.tests == 4 and xml.failures == 2


class CrashingSessions(FakeSessions):
    def __call__(self, store: Store, actor: Actor, thread_id: str) -> object:  # type: ignore[override]
        raise RuntimeError("the session could not start")


def test_a_run_that_crashed_is_an_error_not_a_failure(
    suite_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(suite, "AgentSessions", CrashingSessions)
    junit = tmp_path / "junit.xml"
    run(str(suite_dir / "pass.yaml"), "--junit", str(junit))

    (case,) = [case for testsuite in JUnitXml.fromfile(str(junit)) for case in testsuite]
    (error,) = case.result
    assert isinstance(error, Error)
    assert error.message == "RuntimeError: the session could not start"
    assert "Traceback" in (error.text or "") or "RuntimeError" in (error.text or "")


def test_a_passing_suite_writes_junit_with_no_failures_and_exits_zero(
    suite_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    junit = tmp_path / "junit.xml"
    assert run(str(suite_dir / "pass.yaml"), "--junit", str(junit)) == cli.EXIT_OK
    assert f"JUnit XML: {junit}" in capsys.readouterr().out
    xml = JUnitXml.fromfile(str(junit))
    assert (xml.tests, xml.failures, xml.errors) == (1, 0, 0)
