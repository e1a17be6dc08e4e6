"""The fixed prefix of every request: small, and the same bytes for every user and turn."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from assistant.agent.prompt_budget import (
    TOKEN_BUDGET,
    count_tokens,
    encoding,
    json_mode_prefix,
    prefix_text,
    prefix_tokens,
    shared_prefix_tokens,
    tool_schemas,
)
from prompts import load_prompt
from tests.fakes.network import loopback_only  # noqa: F401
from tools.order_tools import tools_for

pytestmark = pytest.mark.usefixtures("loopback_only")  # tiktoken must not download anything


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_the_system_prompt_and_tool_schemas_fit_in_the_token_budget(role: str) -> None:
    counted = prefix_tokens(role)
    assert counted["total"] == counted["system"] + counted["tools"]
    assert counted["total"] <= TOKEN_BUDGET == 1_500
    assert prefix_tokens(role, "cl100k_base")["total"] <= TOKEN_BUDGET


def test_tokens_are_counted_with_the_official_o200k_vocabulary() -> None:
    enc = encoding("o200k_base")
    assert enc.name == "o200k_base" and enc.n_vocab == 200_019
    assert enc.encode("hello world") == [24912, 2375]
    assert count_tokens("Cancel order 112-0000001, please.") < 15


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_the_prefix_depends_on_the_role_alone(role: str) -> None:
    first = prefix_text(role)
    tool_schemas.cache_clear()
    load_prompt.cache_clear()
    assert prefix_text(role) == first
    assert hashlib.sha256(first.encode()).hexdigest() == \
        hashlib.sha256(prefix_text(role).encode()).hexdigest()


@pytest.mark.parametrize("role", ["customer", "staff"])
def test_the_prefix_holds_no_user_data(role: str) -> None:
    text = prefix_text(role)
    assert not re.search(r"[\w.]+@[\w.]+\.\w+", text)  # no e-mail address
    assert not re.search(r"\b20\d\d-\d\d-\d\d", text)  # no date
    assert "{" not in load_prompt(role)  # no template slot to fill per user


def test_the_prompts_cite_the_policy_rules_they_explain() -> None:
    customer, staff = load_prompt("customer"), load_prompt("staff")
    for rule in ("P1", "P3", "P5", "P6", "P7", "P10", "P12", "P13", "P14"):
        assert rule in customer
    for rule in ("P2", "P5", "P6", "P7", "P12"):
        assert rule in staff


def test_the_prompts_name_only_tools_that_exist() -> None:
    for role in ("customer", "staff"):
        named = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", load_prompt(role)))
        assert named <= {t.name for t in tools_for(role)}, named


def test_tool_descriptions_are_single_lines() -> None:
    for schema in tool_schemas("staff"):
        description = schema["function"]["description"]
        assert "\n" not in description and "  " not in description
    json.dumps(tool_schemas("staff"))  # plain JSON, as sent


def test_customer_and_staff_share_most_of_the_json_mode_prefix() -> None:
    # A role switch on a local server re-evaluates only what follows the shared tokens:
    # the protocol, the examples and the common tools' signatures come before anything
    # either role has of its own (it was about 10 tokens before).
    counted = shared_prefix_tokens()
    assert counted["shared"] >= 900
    assert counted["shared"] >= 0.65 * max(counted["customer"], counted["staff"])
    assert shared_prefix_tokens("cl100k_base")["shared"] >= 900


def test_the_json_mode_prefix_names_only_tools_that_exist_and_holds_no_user_data() -> None:
    for role in ("customer", "staff"):
        text = json_mode_prefix(role)
        called = set(re.findall(r'"action": "(\w+)"', text)) - {"reply"}
        assert called <= {t.name for t in tools_for(role)}, called
        assert not re.search(r"[\w.]+@[\w.]+\.\w+", text)
        assert not re.search(r"\b20\d\d-\d\d-\d\d", text)
