"""The local-model benchmark's own logic, without a server or a model: its arguments, which
dialogs it runs, the environment it gives the eval run, and what it prints last."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from benchmarks.llm_serve import cap_max_tokens
from benchmarks.llm_server import MAX_TOKENS, parse_server_log, server_threads
from benchmarks.local_llm_evals import (
    ROOT,
    DialogResult,
    dialog_result,
    eval_env,
    last_line,
    parse_args,
    seconds_per_turn,
    select_dialogs,
)
from evals.cli import main as evals_main

MODELS = ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
A_DIALOG = ROOT / "evals" / "dialogs" / "customer"


def _result(passed: bool, seconds: float, turns: int = 2, breaches: int = 0) -> DialogResult:
    return DialogResult("d", "d.yaml", passed, seconds, turns, ["monitor m: x"] * breaches)


def test_the_last_line_gives_passes_breaches_and_seconds_per_dialog_with_one_decimal() -> None:
    results = [_result(True, 30.0), _result(False, 32.4, breaches=1), _result(True, 31.25)]
    assert last_line("qwen2.5-coder-1.5b", "agent", results) == (
        "local-llm: qwen2.5-coder-1.5b agent: 2/3 passed, 1 breaches, 31.2 s/dialog")


def test_the_last_line_of_a_run_without_dialogs_divides_by_nothing() -> None:
    assert last_line("m", "guided", []) == (
        "local-llm: m guided: 0/0 passed, 0 breaches, 0.0 s/dialog")


def test_the_last_line_names_crashed_dialogs_and_leaves_their_seconds_out_of_the_mean() -> None:
    crashed = DialogResult("c", "c.yaml", False, 3.0, crashed=True)
    results = [_result(True, 30.0), _result(False, 40.0), crashed, crashed]
    assert last_line("m", "guided", results) == (
        "local-llm: m guided: 1/4 passed, 0 breaches, 35.0 s/dialog, 2 crashed")
    assert last_line("m", "guided", [crashed]) == (
        "local-llm: m guided: 0/1 passed, 0 breaches, 0.0 s/dialog, 1 crashed")


def test_seconds_per_turn_counts_the_user_messages_of_the_dialogs_that_ran() -> None:
    crashed = DialogResult("c", "c.yaml", False, 99.0, crashed=True)
    assert seconds_per_turn([_result(True, 30.0, turns=3), _result(True, 10.0, turns=1),
                             crashed]) == 10.0
    assert seconds_per_turn([crashed]) is None


def test_the_arguments_are_model_mode_dialogs_and_an_optional_limit() -> None:
    args = parse_args(["--model", "qwen2.5-coder-1.5b", "--mode", "guided",
                       "--dialogs", "/a", "b.yaml", "--limit", "8"])
    assert (args.model, args.mode, args.dialogs, args.limit) == (
        "qwen2.5-coder-1.5b", "guided", ["/a", "b.yaml"], 8)
    assert (args.port, args.report) == (0, None)


@pytest.mark.parametrize("argv", [
    ["--mode", "agent", "--dialogs", "x"],  # no model
    ["--model", "qwen2.5-coder-7b", "--mode", "agent", "--dialogs", "x"],  # not pinned
    ["--model", "qwen2.5-coder-0.5b", "--mode", "chat", "--dialogs", "x"],
    ["--model", "qwen2.5-coder-0.5b", "--mode", "agent"],  # no dialogs
    ["--model", "qwen2.5-coder-0.5b", "--mode", "agent", "--dialogs", "x", "--limit", "0"],
])
def test_bad_arguments_stop_with_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_args(argv, MODELS)
    assert stop.value.code == 2


def test_limit_keeps_the_first_dialog_files_sorted_by_path_across_all_given_paths(
    tmp_path: Path,
) -> None:
    for name in ["b/2.yaml", "b/1.yml", "a/z.yaml", "c.yaml", "a/notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    chosen = select_dialogs([tmp_path / "c.yaml", tmp_path / "b", tmp_path / "a"], limit=3)
    assert [p.relative_to(tmp_path).as_posix() for p in chosen] == ["a/z.yaml", "b/1.yml",
                                                                     "b/2.yaml"]
    everything = select_dialogs([tmp_path, tmp_path / "c.yaml"])  # each file once
    assert [p.name for p in everything] == ["z.yaml", "1.yml", "2.yaml", "c.yaml"]


def test_dialogs_outside_the_repository_are_accepted_absolute_or_relative(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "suite"
    outside.mkdir()
    source = sorted(A_DIALOG.glob("*.yaml"))[0]
    shutil.copy(source, outside / source.name)
    assert select_dialogs([outside]) == [outside / source.name]
    assert select_dialogs(["suite"], cwd=tmp_path) == [outside / source.name]
    assert not str(outside).startswith(str(ROOT))
    assert evals_main(["check", str(outside / source.name)]) == 0  # the eval CLI takes it too


def test_a_dialog_path_that_does_not_exist_stops_the_run(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no such dialog file or folder"):
        select_dialogs([tmp_path / "nothing"])


def test_the_eval_run_gets_the_mode_the_local_server_and_no_inherited_openai_settings() -> None:
    base = {"PATH": "/bin", "OPENAI_API_KEY": "sk-real", "OPENAI_BASE_URL": "https://x",
            "RESCIND_HISTORY_TURNS": "4", "RESCIND_TOOL_MODE": "native"}
    agent = eval_env(base, "qwen2.5-coder-0.5b", "agent", 8123)
    assert agent["OPENAI_BASE_URL"] == "http://127.0.0.1:8123/v1"
    assert agent["OPENAI_API_KEY"] == "local"
    assert (agent["RESCIND_MODE"], agent["RESCIND_TOOL_MODE"]) == ("agent", "json")
    assert agent["RESCIND_MODEL"] == "qwen2.5-coder-0.5b"
    assert agent["RESCIND_MODEL_RETRIES"] == "0"
    assert float(agent["RESCIND_MODEL_TIMEOUT"]) >= 120
    assert agent["RESCIND_MAX_TOKENS"] == str(MAX_TOKENS)
    assert (agent["PATH"], agent["RESCIND_HISTORY_TURNS"]) == ("/bin", "4")
    guided = eval_env({"PATH": "/bin"}, "qwen2.5-coder-0.5b", "guided", 8123)
    assert guided["RESCIND_MODE"] == "guided" and "RESCIND_TOOL_MODE" not in guided


def test_a_dialog_result_is_read_from_the_evals_results_json_entry() -> None:
    entry = {"id": "x", "path": "/s/x.yaml", "passed_all_runs": False, "runs": [{
        "passed": False, "seconds": 12.5, "error": None, "turns": [
            {"kind": "user"}, {"kind": "click"}, {"kind": "user"}, {"kind": "event"}],
        "misses": [{"turn": 2, "line": 30, "check": "calls", "expected": "[a]", "seen": "[]"}],
        "breaches": [{"monitor": "writes", "turn": 1, "detail": "wrote without a click"}],
    }]}
    result = dialog_result(json.loads(json.dumps(entry)))
    assert (result.id, result.passed, result.seconds, result.user_turns) == ("x", False, 12.5, 2)
    assert result.problem == "turn 2 (line 30) calls: expected [a]; seen []"
    assert result.breaches == ["monitor writes: turn 1: wrote without a click"]


@pytest.mark.parametrize(("request_body", "sent"), [
    ({}, MAX_TOKENS),
    ({"max_tokens": 100}, 100),
    ({"max_tokens": 5000}, MAX_TOKENS),
    ({"max_tokens": -1}, MAX_TOKENS),
    ({"max_tokens": None}, MAX_TOKENS),
    ({"max_completion_tokens": 50}, 50),  # what langchain-openai sends
    ({"max_completion_tokens": 9999}, MAX_TOKENS),
])
def test_the_server_caps_the_tokens_of_every_request(request_body: dict[str, object],
                                                     sent: int) -> None:
    body = json.loads(cap_max_tokens(json.dumps({"messages": [], **request_body}).encode(),
                                     MAX_TOKENS))
    assert body["max_tokens"] == sent and "max_completion_tokens" not in body


def test_a_body_that_is_not_json_reaches_the_server_unchanged() -> None:
    assert cap_max_tokens(b"not json", 10) == b"not json"


def test_the_server_log_gives_each_requests_cached_and_evaluated_prompt_tokens() -> None:
    log = "\n".join([
        "Llama._create_completion: cache miss",
        "llama_perf_context_print: prompt eval time =    1000.00 ms /   700 tokens (...)",
        "llama_perf_context_print:        eval time =     500.00 ms /    20 runs   (...)",
        "Llama.generate: 690 prefix-match hit, remaining 30 prompt tokens to eval",
        "llama_perf_context_print: prompt eval time =     100.00 ms /    30 tokens (...)",
        "llama_perf_context_print:        eval time =     250.00 ms /    10 runs   (...)",
    ])
    first, second = parse_server_log(log)
    assert (first.prompt_tokens, first.evaluated, first.generated) == (700, 700, 20)
    assert (second.prompt_tokens, second.evaluated, second.generate_ms) == (720, 30, 250.0)


def test_the_server_uses_a_thread_per_core_unless_told_otherwise() -> None:
    assert server_threads({}) == (os.cpu_count() or 2)
    assert server_threads({"RESCIND_LLM_THREADS": "1"}) == 1
    with pytest.raises(SystemExit, match="RESCIND_LLM_THREADS"):
        server_threads({"RESCIND_LLM_THREADS": "0"})
