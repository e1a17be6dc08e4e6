"""`rescind chat --as EMAIL` in a subprocess, stdin scripted, on a seeded SQLite
store (DATABASE_URL), with the model served by the local scripted OpenAI-compatible server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.db import open_store
from tests.fakes.openai_server import FakeOpenAI, call, fail, say
from tests.support import RESCIND, rows

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli-seed") / "seeded.db"
    result = subprocess.run([RESCIND, "seed"], cwd=ROOT, text=True,
                            capture_output=True, timeout=120,
                            env={**_base_env(), "DATABASE_URL": f"sqlite:///{path}"})
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def cli_db(seeded_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "rescind.db"
    shutil.copyfile(seeded_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def cli_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _base_env() -> dict[str, str]:
    """The parent's environment without any model configuration of the developer's."""
    drop = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "RESCIND_PROVIDER", "RESCIND_MODEL"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def run_chat(db: str, stdin: str, *args: str, server: FakeOpenAI | None = None,
             ) -> subprocess.CompletedProcess[str]:
    env = {**_base_env(), "DATABASE_URL": db, "RESCIND_MODEL_RETRIES": "0"}
    if server is not None:
        env |= {"OPENAI_BASE_URL": server.url, "RESCIND_MODEL": "test-model"}
    return subprocess.run([RESCIND, "chat", *args], cwd=ROOT,
                          input=stdin, text=True, capture_output=True, timeout=120, env=env)


def item_status(db: str, item_id: str) -> str:
    store = open_store(db, migrate=False)
    try:
        return str(next(r["status"] for r in rows(store, "items") if r["id"] == item_id))
    finally:
        store.engine.dispose()


def test_a_customer_cancels_and_confirms_with_a_typed_yes(cli_db: str,
                                                         cli_server: FakeOpenAI) -> None:
    cli_server.push(call("cancel_items", {"order_id": "112-0000007", "item_ids": ["all"],
                                          "reason": "ordered_by_mistake"}))
    result = run_chat(cli_db, "cancel order 112-0000007, I ordered it by mistake\nyes\n",
                      "--as", "ana@example.com", "--provider", "openai-compatible",
                      server=cli_server)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "signed in as ana@example.com (customer)" in out
    assert "I can cancel these items of order 112-0000007:" in out
    assert "type yes to confirm / no to keep" in out
    assert "Cancelled: Water bottle" in out
    assert item_status(cli_db, "A13") == "cancelled"
    assert len(cli_server.requests) == 1  # the confirmation asked no model


def test_slash_keep_and_slash_confirm_work_like_the_buttons(cli_db: str,
                                                           cli_server: FakeOpenAI) -> None:
    cancel = call("cancel_items", {"order_id": "112-0000001", "item_ids": ["A1"],
                                   "reason": "no_longer_needed"})
    cli_server.push(cancel, cancel)
    script = ("cancel the headphones of 112-0000001, no longer needed\n/keep\n"
              "cancel them after all, no longer needed\n/confirm\n/quit\n")
    result = run_chat(cli_db, script, "--as", "ana@example.com", server=cli_server)
    assert result.returncode == 0, result.stderr
    assert "I haven't changed anything" in result.stdout
    assert "Cancelled: Wireless headphones" in result.stdout
    assert item_status(cli_db, "A1") == "cancelled"


def test_a_staff_account_chats_as_staff(cli_db: str, cli_server: FakeOpenAI) -> None:
    cli_server.push(say("Which order is the caller asking about?"))
    result = run_chat(cli_db, "hello\n", "--as", "SAM@shop.example", "--no-stream",
                      server=cli_server)
    assert result.returncode == 0, result.stderr
    assert "(staff)" in result.stdout
    assert "Which order is the caller asking about?" in result.stdout
    assert "verify_caller" in cli_server.requests[0].tool_names


def test_an_unknown_email_is_refused_with_a_clear_error(cli_db: str) -> None:
    result = run_chat(cli_db, "hello\n", "--as", "mallory@example.com")
    assert result.returncode == 2
    assert "no customer or staff account has the e-mail 'mallory@example.com'" in result.stderr
    assert "rescind seed" in result.stderr


def test_a_model_that_cannot_start_is_a_clear_error(cli_db: str) -> None:
    result = run_chat(cli_db, "", "--as", "ana@example.com", "--provider", "openai")
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr


def test_a_failing_model_leaves_a_clear_message_and_the_chat_goes_on(
    cli_db: str, cli_server: FakeOpenAI,
) -> None:
    cli_server.push(fail(500, "upstream down"), say("Hello again!"))
    result = run_chat(cli_db, "hi\nhi again\n", "--as", "bob@example.com", server=cli_server)
    assert result.returncode == 0
    assert "Nothing was changed" in result.stdout and "[model_http_500]" in result.stdout
    assert "Hello again!" in result.stdout


def test_the_default_offline_model_answers_without_any_configuration(cli_db: str) -> None:
    result = run_chat(cli_db, "hello\n", "--as", "ana@example.com")
    assert result.returncode == 0, result.stderr
    assert "model offline/offline" in result.stdout
    assert result.stdout.count("rescind> ") == 1
