"""Choosing the model from the environment, and the agent cache the UI, CLI and evals share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from assistant.agent import Agent, factory
from assistant.config import DEFAULT_OPENAI_MODEL, ConfigError, Limits, ModelConfig
from assistant.models.openai_chat import RescindChatOpenAI
from assistant.models.providers import make_chat, make_model
from tests.fakes.network import loopback_only  # noqa: F401

pytestmark = pytest.mark.usefixtures("loopback_only")


@pytest.mark.parametrize(("env", "provider"), [
    ({}, "offline"),
    ({"OPENAI_API_KEY": "sk-test"}, "openai"),
    ({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "RESCIND_MODEL": "qwen3:4b"},
     "openai-compatible"),
    ({"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
      "RESCIND_MODEL": "llama"}, "openai-compatible"),
    ({"OPENAI_API_KEY": "sk-test", "RESCIND_PROVIDER": "offline"}, "offline"),
    ({"RESCIND_PROVIDER": "OpenAI", "OPENAI_API_KEY": "sk-test"}, "openai"),
    ({"OPENAI_API_KEY": "  "}, "offline"),
])
def test_the_provider_is_chosen_from_the_environment(env: dict[str, str], provider: str) -> None:
    assert ModelConfig.from_env(env=env).provider == provider


def test_an_explicit_provider_beats_the_environment() -> None:
    env = {"OPENAI_API_KEY": "sk-test"}
    assert ModelConfig.from_env("offline", env=env).provider == "offline"


@pytest.mark.parametrize(("env", "needs"), [
    ({"RESCIND_PROVIDER": "gemini"}, "unknown provider"),
    ({"RESCIND_PROVIDER": "openai"}, "OPENAI_API_KEY"),
    ({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}, "RESCIND_MODEL"),
    ({"RESCIND_MODEL_TIMEOUT": "soon"}, "RESCIND_MODEL_TIMEOUT must be a number"),
    ({"RESCIND_MODEL_RETRIES": "-1"}, "RESCIND_MODEL_RETRIES must be at least 0"),
    ({"RESCIND_MODEL_RETRIES": "1.5"}, "whole number"),
    ({"RESCIND_REASONING_EFFORT": "extreme"}, "RESCIND_REASONING_EFFORT"),
])
def test_a_setting_that_cannot_work_fails_early_and_says_what_to_set(
    env: dict[str, str], needs: str,
) -> None:
    with pytest.raises(ConfigError, match=needs):
        ModelConfig.from_env(env=env)


def test_the_openai_provider_uses_a_current_small_model_unless_told_otherwise() -> None:
    config = ModelConfig.from_env(env={"OPENAI_API_KEY": "sk-test"})
    assert config.model_name == DEFAULT_OPENAI_MODEL == "gpt-5.4-mini"
    assert config.effective_reasoning_effort == "low"
    custom = ModelConfig.from_env(env={"OPENAI_API_KEY": "sk-test",
                                       "RESCIND_MODEL": "gpt-4.1-mini"})
    assert custom.model_name == "gpt-4.1-mini" and custom.effective_reasoning_effort is None


def test_the_openai_client_gets_the_timeout_and_key_and_the_turn_makes_the_retries() -> None:
    env = {"OPENAI_API_KEY": "sk-secret", "RESCIND_MODEL_TIMEOUT": "7.5",
           "RESCIND_MODEL_RETRIES": "3"}
    model = make_model(ModelConfig.from_env(env=env))
    assert isinstance(model, RescindChatOpenAI)
    assert model.request_timeout == 7.5
    assert model.max_retries == 0 and model.turn_retries == 3  # within the turn's deadline
    assert make_chat(ModelConfig.from_env(env=env)).max_retries == 3  # not a turn: its own
    assert model.model_name == DEFAULT_OPENAI_MODEL and model.reasoning_effort == "low"
    assert isinstance(model.openai_api_key, SecretStr)
    assert model.openai_api_key.get_secret_value() == "sk-secret"
    assert model.use_responses_api is False


def test_an_openai_compatible_server_gets_its_address_and_no_reasoning_option() -> None:
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "RESCIND_MODEL": "qwen3:4b"}
    model = make_model(ModelConfig.from_env(env=env))
    assert isinstance(model, RescindChatOpenAI)
    assert model.openai_api_base == "http://127.0.0.1:11434/v1"
    assert model.model_name == "qwen3:4b" and model.reasoning_effort is None
    assert model.temperature == 0.0


def test_the_api_key_never_shows_in_a_repr() -> None:
    config = ModelConfig.from_env(env={"OPENAI_API_KEY": "sk-very-secret"})
    assert "sk-very-secret" not in repr(config)
    assert "sk-very-secret" not in repr(make_model(config))


def test_limits_come_from_the_environment() -> None:
    limits = Limits.from_env({"RESCIND_MAX_MODEL_CALLS": "3", "RESCIND_MAX_TOOL_CALLS": "5",
                              "RESCIND_TURN_TIMEOUT": "12.5", "RESCIND_HISTORY_TURNS": "4",
                              "RESCIND_HISTORY_CHARS": "9000"})
    assert limits == Limits(model_calls=3, tool_calls=5, turn_timeout_s=12.5,
                            history_turns=4, history_chars=9000)
    assert Limits.from_env({}) == Limits()
    with pytest.raises(ConfigError, match="RESCIND_MAX_MODEL_CALLS"):
        Limits.from_env({"RESCIND_MAX_MODEL_CALLS": "0"})


@pytest.fixture
def fresh_agents() -> Iterator[None]:
    factory.clear_agents()
    yield
    factory.clear_agents()


@pytest.mark.usefixtures("fresh_agents")
def test_get_agent_builds_one_agent_per_role_and_configuration() -> None:
    config = ModelConfig("openai-compatible", "m", "http://127.0.0.1:9/v1")
    customer = factory.get_agent("customer", config)
    assert isinstance(customer, Agent) and customer.role == "customer"
    assert factory.get_agent("customer", config) is customer
    assert factory.get_agent("staff", config) is not customer
    other = ModelConfig("openai-compatible", "other", "http://127.0.0.1:9/v1")
    assert factory.get_agent("customer", other) is not customer
    assert factory.get_agent("customer", config, Limits(model_calls=2)) is not customer


@pytest.mark.usefixtures("fresh_agents")
def test_get_agent_reads_the_environment_when_given_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("RESCIND_MODEL", "local-model")
    monkeypatch.setenv("RESCIND_MAX_MODEL_CALLS", "3")
    agent = factory.get_agent("staff")
    assert isinstance(agent.model, RescindChatOpenAI)
    assert agent.model.model_name == "local-model" and agent.limits.model_calls == 3
    assert "verify_caller" in agent.tools_by_name
    with pytest.raises(ValueError, match="unknown role"):
        factory.get_agent("admin")  # type: ignore[arg-type]
