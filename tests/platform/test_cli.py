"""The `rescind` and `rescind-evals` commands that `pip install` puts on the PATH: every
subcommand answers --help under its own name, and `rescind serve` starts the app."""

from __future__ import annotations

import importlib
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

from assistant import cli
from tests.app_server import SECRET, AppServer, app_root, free_port, seed, wait_until_up
from tests.support import RESCIND, RESCIND_EVALS

ROOT = Path(__file__).resolve().parents[2]


def test_pip_install_puts_rescind_and_rescind_evals_on_the_path() -> None:
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")
               if e.name.startswith("rescind")}
    assert scripts == {"rescind": "assistant.cli:main", "rescind-evals": "evals.cli:main"}
    assert Path(RESCIND).is_file() and Path(RESCIND_EVALS).is_file()


def test_the_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name in ("serve", "chat", "seed", "explain", "migrate", "evals"):
        assert name in cli.COMMANDS
        assert f"    {name} " in out


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_each_subcommand_answers_help_under_its_own_name(
    name: str, capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([name, "--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: rescind {name} ")


def test_every_subcommand_is_a_main_that_takes_its_arguments_and_program_name() -> None:
    """The one-line contract of COMMANDS: `module:function(argv, prog) -> exit code`."""
    for command in cli.COMMANDS.values():
        module, function = command.target.split(":")
        parameters = inspect.signature(getattr(importlib.import_module(module), function))
        assert list(parameters.parameters)[:2] == ["argv", "prog"], command.target


def test_an_unknown_subcommand_is_refused_with_the_list_of_known_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["sede"])
    assert done.value.code == 2
    assert "invalid choice: 'sede'" in capsys.readouterr().err


def test_the_commands_run_as_installed() -> None:
    version = subprocess.run([RESCIND, "--version"], capture_output=True, text=True,
                             timeout=60, check=False)
    assert version.returncode == 0 and version.stdout.startswith("rescind 0.")
    module = subprocess.run([sys.executable, "-m", "assistant", "--version"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert module.stdout == version.stdout
    checked = subprocess.run([RESCIND_EVALS, "check", "evals/dialogs"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip().endswith("dialog(s) OK")
    same = subprocess.run([RESCIND, "evals", "check", "evals/dialogs"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert same.stdout == checked.stdout


# --- rescind serve ---------------------------------------------------------------------------
def _env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "RESCIND_", "CHAINLIT_", "DATABASE_URL"))}
    return {**keep, "RESCIND_PROVIDER": "offline", "RESCIND_ENV_FILE": "", **extra}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    database_url = f"sqlite:///{tmp_path / 'rescind.db'}"
    seed(database_url)
    port = free_port()
    log = tmp_path / "serve.log"
    env = _env(DATABASE_URL=database_url, CHAINLIT_AUTH_SECRET=SECRET,
               CHAINLIT_APP_ROOT=str(app_root(tmp_path)), CHAINLIT_PORT=str(port))
    with log.open("w") as out:
        process = subprocess.Popen([RESCIND, "serve"], cwd=tmp_path, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we started, nothing else
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_rescind_serve_starts_the_app_on_the_configured_port(
    served: tuple[str, Path],
) -> None:
    url, log = served
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{url}/auth/config", timeout=1)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        assert response.status_code == 200
        assert response.json()["requireLogin"] is True
        login = httpx.post(f"{url}/login", data={"username": "ana@example.com",
                                                  "password": "rescind"}, timeout=10)
        assert login.status_code == 200, login.text
        return
    pytest.fail(f"rescind serve did not answer in 60 s:\n{log.read_text()[-3000:]}")


def test_rescind_serve_says_plainly_when_the_database_is_unreachable(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = _env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/rescind")
    result = subprocess.run([RESCIND, "serve", "--port", str(free_port())], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert f"the database at 127.0.0.1:{port}/rescind could not be opened" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_process_that_stops_leaves_the_session_files_of_the_others_on_the_same_root(
    tmp_path: Path,
) -> None:
    """`make serve` runs K processes on one app root; Chainlit deletes its files folder when
    it stops, which took the other processes' session files (their order cards) with it."""
    database_url = f"sqlite:///{tmp_path / 'rescind.db'}"
    seed(database_url)
    root = app_root(tmp_path)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name in ("first", "second"):
            port, log = free_port(), tmp_path / f"{name}.log"
            env = _env(DATABASE_URL=database_url, CHAINLIT_AUTH_SECRET=SECRET,
                       CHAINLIT_APP_ROOT=str(root))
            with log.open("w") as out:
                processes.append(subprocess.Popen(
                    [RESCIND, "serve", "--port", str(port)], cwd=tmp_path, env=env,
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
            wait_until_up(AppServer(f"http://127.0.0.1:{port}", database_url, log),
                          processes[-1])
        first, second = processes
        files = root / ".files"
        assert (files / f"process-{first.pid}").is_dir()
        os.killpg(first.pid, signal.SIGTERM)  # a graceful stop: Chainlit's clean-up runs
        first.wait(timeout=20)
        assert not (files / f"process-{first.pid}").exists()
        assert (files / f"process-{second.pid}").is_dir()
        assert second.poll() is None
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
