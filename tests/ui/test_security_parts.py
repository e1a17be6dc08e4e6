"""The request gate's parts on their own: settings from the environment, page origins, token
reading, what a dead token leaves of a request, and the message limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from assistant.ui.security import headers, limits, settings, tokens
from assistant.ui.security.gate import without_tokens
from assistant.ui.security.settings import SettingError, Settings

SECRET = "test-secret-" + "x" * 40  # tests/ui/conftest.py sets it for the process


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", SECRET)
    for name in ("RESCIND_MAX_MESSAGE_CHARS", "RESCIND_TOKEN_MINUTES", "RESCIND_SESSION_HOURS",
                 "RESCIND_API_DOCS"):
        monkeypatch.delenv(name, raising=False)
    settings.current.cache_clear()
    yield
    settings.current.cache_clear()  # no test's environment outlives it


def test_the_defaults_are_an_hour_long_token_a_working_day_session_and_4000_characters() -> None:
    found = Settings.from_env()
    assert found.token_lifetime == timedelta(hours=1)
    assert found.session_lifetime == timedelta(hours=12)
    assert found.max_message_chars == 4000 and not found.api_docs
    assert found.socket_max_bytes >= 4 * 1024 * 1024 > 12 * found.max_message_chars


@pytest.mark.parametrize(("name", "value", "said"), [
    ("RESCIND_MAX_MESSAGE_CHARS", "lots", "whole number"),
    ("RESCIND_MAX_MESSAGE_CHARS", "5000", "at most 4000"),
    ("RESCIND_MAX_MESSAGE_CHARS", "0", "at least 1"),
    ("RESCIND_TOKEN_MINUTES", "900", "can't be longer than RESCIND_SESSION_HOURS"),
    ("RESCIND_API_DOCS", "maybe", "on or off"),
])
def test_a_bad_setting_stops_the_app_with_a_message_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, said: str,
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError, match=said) as raised:
        Settings.from_env()
    assert name in str(raised.value)


def test_a_configured_message_limit_is_what_the_chat_enforces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RESCIND_MAX_MESSAGE_CHARS", "10")
    assert limits.refusal_for("x" * 10) is None
    refusal = limits.refusal_for("x" * 11)
    assert refusal is not None and "11 characters" in refusal and "at most 10" in refusal


@pytest.mark.parametrize(("origin", "host", "allowed"), [
    (None, "shop.example", True),  # not a page's request
    ("https://shop.example", "shop.example", True),
    ("http://localhost:8000", "localhost:8000", True),
    ("https://evil.example", "shop.example", False),
    ("https://shop.example.evil.example", "shop.example", False),
    ("null", "shop.example", False),
    ("ftp://shop.example", "shop.example", False),
])
def test_only_the_apps_own_page_is_an_allowed_origin(
    origin: str | None, host: str, allowed: bool,
) -> None:
    assert headers.allowed(origin, host) is allowed


def token(**claims: object) -> str:
    body = {"identifier": "ana@example.com", "display_name": None,
            "metadata": {"sid": "s1"}, "exp": datetime.now(UTC) + timedelta(minutes=5),
            **claims}
    return str(jwt.encode(body, SECRET, algorithm="HS256"))


def test_a_token_is_read_only_when_our_secret_signed_it_with_hs256() -> None:
    good = tokens.decode(token())
    assert good is not None and good.identifier == "ana@example.com" and good.session_id == "s1"
    claims = {"identifier": "ana@example.com", "metadata": {"sid": "s1"},
              "exp": datetime.now(UTC) + timedelta(minutes=5)}
    assert tokens.decode(jwt.encode(claims, None, algorithm="none")) is None  # type: ignore[arg-type]
    assert tokens.decode(jwt.encode(claims, "another-key" * 4, algorithm="HS256")) is None
    assert tokens.decode(jwt.encode(claims, SECRET, algorithm="HS512")) is None
    assert tokens.decode("not.a.token") is None and tokens.decode("") is None


def test_an_expired_token_is_dead_for_requests_but_still_names_an_open_sockets_session() -> None:
    old = token(exp=datetime.now(UTC) - timedelta(minutes=1))
    assert tokens.decode(old) is None
    kept = tokens.decode(old, check_expiry=False)
    assert kept is not None and kept.session_id == "s1"
    endless = {"identifier": "ana@example.com", "metadata": {"sid": "s1"}}
    assert tokens.decode(jwt.encode(endless, SECRET, algorithm="HS256")) is None


def test_a_token_is_due_for_renewal_past_half_its_life() -> None:
    claims = tokens.decode(token(exp=datetime.now(UTC) + timedelta(minutes=29)))
    assert claims is not None
    assert tokens.due_for_renewal(claims, timedelta(hours=1), datetime.now(UTC))
    assert not tokens.due_for_renewal(claims, timedelta(minutes=50), datetime.now(UTC))


def test_a_dead_token_is_taken_out_of_a_request_and_nothing_else() -> None:
    scope = {"type": "http", "headers": [
        (b"cookie", b"theme=dark; access_token=abc; access_token_0=x; lang=en"),
        (b"authorization", b"Bearer abc"), (b"accept", b"*/*")]}
    stripped = without_tokens(scope)
    assert stripped["headers"] == [(b"cookie", b"theme=dark; lang=en"), (b"accept", b"*/*")]
    assert scope["headers"][0][1].startswith(b"theme")  # the original is left alone
    assert tokens.from_headers(stripped["headers"]) == (None, None)
    assert tokens.from_headers(scope["headers"]) == ("abc", "abc")
