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
    prefix_text,
    prefix_tokens,
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
