"""The demo logins are served for the sign-in page in demo mode only, and the Readme every
signed-in user can open never lists them."""

from __future__ import annotations

import asyncio
import json

import pytest

from assistant.ui import api
from tests.app_server import ROOT


def test_a_real_deployment_answers_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESCIND_DEMO", "0")
    assert asyncio.run(api.demo_logins()).status_code == 404


def test_demo_mode_lists_the_demo_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESCIND_DEMO", "1")
    answer = asyncio.run(api.demo_logins())
    assert answer.status_code == 200
    body = json.loads(bytes(answer.body))
    assert {"email": "sam@shop.example", "role": "support staff"} in body["logins"]


def test_the_readme_shown_in_the_chat_names_no_account_or_password() -> None:
    readme = (ROOT / "chainlit.md").read_text()
    assert "@example.com" not in readme and "@shop.example" not in readme
    assert "password" not in readme.lower()
