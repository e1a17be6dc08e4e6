"""Process-wide set-up: the auth secret for local runs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assistant.ui import runtime


def test_a_local_run_gets_an_auth_secret_that_survives_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)
    path = tmp_path / "var" / ".chainlit_secret"
    runtime.ensure_auth_secret(path)
    first = path.read_text().strip()
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.delenv("CHAINLIT_AUTH_SECRET")
    runtime.ensure_auth_secret(path)
    import os

    assert os.environ["CHAINLIT_AUTH_SECRET"] == first


def test_a_configured_auth_secret_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "from-the-deployment")
    runtime.ensure_auth_secret(tmp_path / "secret")
    assert not (tmp_path / "secret").exists()


def test_header_sign_in_is_off_unless_a_header_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(runtime.HEADER_AUTH_ENV, raising=False)
    assert runtime.header_auth_name() is None
    monkeypatch.setenv(runtime.HEADER_AUTH_ENV, " X-Forwarded-Email ")
    assert runtime.header_auth_name() == "X-Forwarded-Email"
