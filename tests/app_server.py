"""The real app in a subprocess (`rescind serve`, as `make run` starts it) on a free port,
with its own SQLite file seeded with the demo world: what the protocol and browser tests
talk to.

The model is the product's default, the offline dialogue engine, forced explicitly so a
developer's OPENAI_* variables never leak into a test run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from store.db import Store, open_store
from store.seed import demo_world, load_world

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-only-secret-" + "s" * 48
START_TIMEOUT_S = 60.0


@dataclass
class AppServer:
    url: str
    database_url: str
    log: Path

    def store(self) -> Store:
        """A second connection to the app's database, for assertions."""
        return open_store(self.database_url, migrate=False)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(database_url: str) -> None:
    store = open_store(database_url)
    load_world(store.uow(), demo_world(datetime.now(UTC)), passwords=True)
    store.engine.dispose()


def app_root(directory: Path) -> Path:
    """A private Chainlit app root: Chainlit deletes `<root>/.files` when it stops, which
    would pull the session files from under any other server sharing the repository's root
    (a parallel test worker, a developer's `make run`)."""
    root = directory / "app"
    root.mkdir()
    shutil.copytree(ROOT / ".chainlit", root / ".chainlit")
    (root / "public").symlink_to(ROOT / "public")
    (root / "chainlit.md").symlink_to(ROOT / "chainlit.md")
    return root


@contextmanager
def running_app(directory: Path, database_url: str | None = None,
                **env: str) -> Iterator[AppServer]:
    """The app on `database_url` (default: a SQLite file in `directory`), demo world loaded;
    `env` is added to (and may override) the app's environment."""
    database_url = database_url or f"sqlite:///{directory / 'rescind.db'}"
    seed(database_url)
    port = free_port()
    log = directory / "chainlit.log"
    root = app_root(directory)
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("OPENAI_", "RESCIND_", "CHAINLIT_", "DATABASE_URL"))}
    environment.update(DATABASE_URL=database_url, CHAINLIT_AUTH_SECRET=SECRET,
                       CHAINLIT_APP_ROOT=str(root), RESCIND_PROVIDER="offline",
                       # The app's mailer delivers here, never into the repository's var/.
                       RESCIND_MAILDIR=str(directory / "mail"),
                       PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    environment.update(env)  # a test may point the app at another model (a local fake)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=root, env=environment, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AppServer(f"http://127.0.0.1:{port}", database_url, log)
    try:
        wait_until_up(server, process)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we started, nothing else
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until_up(server: AppServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/auth/config", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the app did not start in {START_TIMEOUT_S}s:\n{server.log_tail()}")
