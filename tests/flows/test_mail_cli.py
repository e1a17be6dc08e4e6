"""`python -m store mail`, as cron runs it: delivers what is due, once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from store.db import open_store
from store.seed import load_world
from tests.flows.mailboxes import maildir_messages
from tests.support import ANA, cancel, rows, standard_world

ROOT = Path(__file__).resolve().parents[2]


def test_the_mail_command_delivers_the_outbox_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rescind.db'}"
    store = open_store(url)
    load_world(store.uow(), standard_world())
    cancel(store, ANA, "112-0000001", ["A1"])
    env = {**os.environ, "DATABASE_URL": url, "RESCIND_MAILDIR": str(tmp_path / "mail")}
    env.pop("RESCIND_SMTP_URL", None)

    def mail() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "store", "mail"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    first = mail()
    assert first.returncode == 0 and "1 sent, 0 failed" in first.stdout, first.stderr
    assert mail().stdout.strip() == "0 sent, 0 failed"
    [message] = maildir_messages(tmp_path / "mail")
    assert message["To"] == ANA.email
    assert rows(store, "emails")[0]["sent_at"] is not None
    store.engine.dispose()


def test_the_mail_command_exits_non_zero_while_a_message_is_waiting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'rescind.db'}"
    store = open_store(url)
    load_world(store.uow(), standard_world())
    cancel(store, ANA, "112-0000001", ["A1"])
    env = {**os.environ, "DATABASE_URL": url, "RESCIND_SMTP_URL": "smtp://127.0.0.1:9"}
    result = subprocess.run([sys.executable, "-m", "store", "mail"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "0 sent, 1 failed" in result.stdout
    assert "127.0.0.1:9" in result.stderr
    assert rows(store, "emails")[0]["sent_at"] is None  # kept for the next run
    store.engine.dispose()
