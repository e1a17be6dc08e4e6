"""One typed settings object: read from the environment and `.env`, every bad value named at
start, and `.env.example` in step with what the code reads."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values

from assistant.config import Limits, ModelConfig
from store import startup
from store.settings import (
    ENV_FILE_VARIABLE,
    ConfigError,
    ModelSettings,
    TracingSettings,
    export_env_file,
    load_settings,
    variables,
)
from tests.support import RESCIND

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
# Reads of the environment in source: os.environ.get("X"), os.getenv("X"), os.environ["X"].
READS = re.compile(r"""(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
                   r"""|environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\](?!\s*=[^=])""")
# Read by the code but set by other tools, not by whoever runs Rescind.
NOT_OURS = {"PYTEST_XDIST_WORKER", "DATA_GYM_CACHE_DIR"}
LANGSMITH = {"LANGSMITH_TRACING", "LANGSMITH_API_KEY", "LANGSMITH_PROJECT",
             "LANGSMITH_ENDPOINT"}


def _python_sources() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z", "*.py"], cwd=ROOT, capture_output=True,
                         check=True)
    return [ROOT / name for name in out.stdout.decode().split("\0") if name]


def _reads(path: Path) -> set[str]:
    return {a or b for a, b in READS.findall(path.read_text(encoding="utf-8"))}


def test_env_example_lists_every_setting_with_its_real_default() -> None:
    listed = dotenv_values(EXAMPLE)
    assert set(variables()) <= set(listed)
    assert set(listed) - set(variables()) == LANGSMITH
    # Copied to .env unchanged, the example changes nothing.
    example = {k: v or "" for k, v in listed.items() if k in variables()}
    assert load_settings(example) == load_settings({})


def test_every_variable_the_code_reads_is_documented_in_env_example() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    read = set().union(*(_reads(p) for p in _python_sources())) - NOT_OURS
    assert "TIKTOKEN_CACHE_DIR" in read and "RESCIND_TEST_PG" in read  # the scan sees reads
    assert sorted(name for name in read if name not in text) == []
    assert ENV_FILE_VARIABLE in text


def test_the_app_reads_the_environment_only_through_its_settings() -> None:
    app = ("assistant/", "tools/", "store/", "evals/", "prompts/")
    # tiktoken's own lookup of its cache, mirrored to prime it offline.
    allowed = {("assistant/agent/prompt_budget.py", name)
               for name in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    # The signing secret is set by this process at start, so settings read it live.
    allowed.add(("store/settings.py", "CHAINLIT_AUTH_SECRET"))
    reads = {(str(p.relative_to(ROOT)), name) for p in _python_sources()
             if str(p.relative_to(ROOT)).startswith(app) for name in _reads(p)}
    assert reads - allowed == set()


def test_every_bad_value_is_named_in_one_message_without_echoing_secrets() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"RESCIND_MAX_MODEL_CALLS": "0", "RESCIND_MODEL_TIMEOUT": "soon",
                       "CHAINLIT_PORT": "99999", "RESCIND_LOG_FORMAT": "xml",
                       "DATABASE_URL": "mysql://root:hunter2@db/shop",
                       "OTEL_TRACES_EXPORTER": "zipkin"})
    lines = str(raised.value).splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted([
        "RESCIND_MAX_MODEL_CALLS", "RESCIND_MODEL_TIMEOUT", "CHAINLIT_PORT",
        "RESCIND_LOG_FORMAT", "DATABASE_URL", "OTEL_TRACES_EXPORTER"])
    assert "RESCIND_MAX_MODEL_CALLS must be at least 1, got '0'" in lines
    assert "CHAINLIT_PORT must be at most 65535, got '99999'" in lines
    assert "hunter2" not in str(raised.value)


def test_an_empty_or_blank_value_means_the_default() -> None:
    settings = load_settings({"RESCIND_MAX_TOOL_CALLS": "", "RESCIND_MODEL": "   ",
                              "RESCIND_PROVIDER": " OpenAI ", "OPENAI_API_KEY": "sk-x"})
    assert settings.limits.tool_calls == 6 and settings.model.model is None
    assert settings.model.provider == "openai"
    assert "sk-x" not in repr(settings)


def test_a_dot_env_file_is_read_and_the_environment_wins_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    env_file = tmp_path / "rescind.env"
    env_file.write_text("RESCIND_MAX_MODEL_CALLS=3\nRESCIND_MODEL=from-the-file\n"
                        "OPENAI_BASE_URL=http://127.0.0.1:11434/v1\n")
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(env_file))
    for name in ("RESCIND_MAX_MODEL_CALLS", "OPENAI_BASE_URL", "RESCIND_PROVIDER",
                 "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RESCIND_MODEL", "from-the-environment")

    assert Limits.from_env().model_calls == 3
    config = ModelConfig.from_env()
    assert config.provider == "openai-compatible"
    assert config.model == "from-the-environment"


def test_dot_env_is_read_from_the_current_directory_unless_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / ".env").write_text("RESCIND_HISTORY_TURNS=2\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RESCIND_HISTORY_TURNS", raising=False)
    monkeypatch.delenv(ENV_FILE_VARIABLE)
    assert Limits.from_env().history_turns == 2
    monkeypatch.setenv(ENV_FILE_VARIABLE, "")
    assert Limits.from_env().history_turns == 8


def test_exporting_dot_env_hands_its_values_to_libraries_without_overriding_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    env_file = tmp_path / "rescind.env"
    env_file.write_text("LANGSMITH_PROJECT=from-the-file\nOTEL_SERVICE_NAME=from-the-file\n")
    monkeypatch.setenv(ENV_FILE_VARIABLE, str(env_file))
    monkeypatch.setenv("LANGSMITH_PROJECT", "placeholder")
    monkeypatch.delenv("LANGSMITH_PROJECT")  # restored (unset) after the test
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-the-environment")

    export_env_file()

    assert os.environ["LANGSMITH_PROJECT"] == "from-the-file"
    assert os.environ["OTEL_SERVICE_NAME"] == "from-the-environment"


def test_the_model_section_reads_the_tool_mode_into_the_model_config() -> None:
    assert ModelSettings.load({"RESCIND_TOOL_MODE": "JSON"}).tool_mode == "json"
    with pytest.raises(ConfigError, match="RESCIND_TOOL_MODE must be one of"):
        ModelSettings.load({"RESCIND_TOOL_MODE": "xml"})
    config = ModelConfig.from_env(env={"OPENAI_BASE_URL": "http://127.0.0.1:1/v1",
                                       "RESCIND_MODEL": "m", "RESCIND_TOOL_MODE": "json"})
    assert config.tool_mode == "json"


def test_spans_are_exported_only_when_something_says_where() -> None:
    assert TracingSettings.load({}).exporters == []
    assert TracingSettings.load({"OTEL_TRACES_EXPORTER": "none"}).exporters == []
    assert TracingSettings.load({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
                                ).exporters == ["otlp"]
    assert TracingSettings.load({"OTEL_TRACES_EXPORTER": "Console, otlp"}
                                ).exporters == ["console", "otlp"]


def test_start_stops_with_exit_code_2_and_a_line_per_bad_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RESCIND_HISTORY_CHARS", "lots")
    monkeypatch.setenv("RESCIND_HEADER_AUTH", "X Forwarded Email")
    with pytest.raises(SystemExit) as stopped:
        startup.start()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "RESCIND_HISTORY_CHARS must be a whole number, got 'lots'" in err
    assert "RESCIND_HEADER_AUTH must be an HTTP header name" in err


def test_a_command_with_a_bad_setting_stops_before_touching_the_database(
    tmp_path: Path,
) -> None:
    db = tmp_path / "rescind.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "RESCIND_MAX_TOOL_CALLS": "-1"}
    result = subprocess.run([RESCIND, "explain", "112-0000001"], env=env, text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "RESCIND_MAX_TOOL_CALLS must be at least 0, got '-1'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()
