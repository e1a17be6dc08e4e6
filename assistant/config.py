"""The agent layer's settings: which model answers (`ModelConfig`) and per-turn budgets
(`Limits`), built from the `model` and `limits` sections of `store.settings`, where every
variable is defined, typed and checked (`.env.example` lists them).

Model provider (first match wins):

- ``RESCIND_PROVIDER``: ``offline`` | ``openai`` | ``openai-compatible``. Overrides the
  automatic choice below.
- ``OPENAI_BASE_URL`` set: ``openai-compatible`` (Ollama, vLLM, llama.cpp's server, ...);
  needs ``RESCIND_MODEL`` too, since such servers have no default model.
- ``OPENAI_API_KEY`` set: ``openai``.
- nothing set: ``offline``, the dialogue manager with the rules understander (no network,
  no weights).

``RESCIND_MODE`` (LLM providers): ``agent``, the tool-calling agent (capable models), or
``guided``, the rules read every message and the model only fills what they left open in the
dialogue manager's form (recommended for small local models).

``RESCIND_REASONING_EFFORT`` is sent only when set, except for OpenAI's gpt-5 reasoning
models, which get ``low`` by default: a chat turn should not wait for long reasoning.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from store.settings import (
    MODES,
    PROVIDERS,
    REASONING_EFFORTS,
    ConfigError,
    LimitSettings,
    Mode,
    ModelSettings,
    Provider,
)

__all__ = ["DEFAULT_OPENAI_MODEL", "MODES", "PROVIDERS", "REASONING_EFFORTS", "TURN_ARRIVED",
           "ConfigError", "Limits", "Mode", "ModelConfig", "Provider", "answer_reserve",
           "choose_provider", "turn_deadline"]

DEFAULT_OPENAI_MODEL = "gpt-5.4-mini"

# When the message being answered arrived (time.monotonic()), set by the app as the message's
# socket event is read and around a turn it may have queued: the turn's deadline counts from
# arrival, so time spent waiting for a free slot is time spent (a user never waits longer
# than RESCIND_TURN_TIMEOUT).
TURN_ARRIVED: ContextVar[float | None] = ContextVar("rescind_turn_arrived", default=None)


def turn_deadline(timeout_s: float) -> float:
    """The time.monotonic() by which this turn's work must end: `timeout_s` after the
    message arrived, less `answer_reserve(timeout_s)`, the time kept for telling the user."""
    arrived = TURN_ARRIVED.get()
    return (time.monotonic() if arrived is None else arrived) + timeout_s \
        - answer_reserve(timeout_s)


def answer_reserve(timeout_s: float) -> float:
    """Time kept at the end of a turn for writing and sending its answer: a model request
    that ran to the very deadline left the user told after it (issue 11: 100 hanging turns
    ending together were told 0.7 s late). A tenth of the turn, at most a second."""
    return min(1.0, 0.1 * timeout_s)


def choose_provider(settings: ModelSettings, requested: str | None = None) -> Provider:
    chosen = (requested or "").strip().lower() or settings.provider or (
        "openai-compatible" if settings.base_url
        else "openai" if settings.api_key is not None
        else "offline"
    )
    if chosen not in PROVIDERS:
        raise ConfigError(f"unknown provider {chosen!r}; choose one of {', '.join(PROVIDERS)}")
    return chosen  # type: ignore[return-value]


@dataclass(frozen=True)
class ModelConfig:
    """Which model to talk to and how patiently. Frozen and hashable: the agent cache key."""

    provider: Provider = "offline"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never in logs or reprs
    timeout_s: float = 20.0
    max_retries: int = 2
    temperature: float = 0.0
    reasoning_effort: str | None = None
    tool_mode: Literal["native", "json"] = "native"
    mode: Mode = "agent"  # LLM providers: the tool-calling agent, or guided understanding
    max_tokens: int | None = None  # per request: a small local model can run away without it

    @classmethod
    def from_env(
        cls, provider: str | None = None, env: Mapping[str, str] | None = None
    ) -> ModelConfig:
        """From the environment and `.env` (or `env` alone); `provider` overrides the choice."""
        settings = ModelSettings.load(env)
        config = cls(
            provider=choose_provider(settings, provider),
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            reasoning_effort=settings.reasoning_effort,
            tool_mode=settings.tool_mode,
            mode=settings.mode,
            max_tokens=settings.max_tokens,
        )
        config.check()
        return config

    def check(self) -> None:
        """Fail early, with the variable to set, rather than at the first user message."""
        if self.provider == "openai-compatible" and not (self.base_url and self.model):
            raise ConfigError("the openai-compatible provider needs OPENAI_BASE_URL (e.g. "
                              "http://127.0.0.1:11434/v1) and RESCIND_MODEL")
        if self.provider == "openai" and not self.api_key:
            raise ConfigError("the openai provider needs OPENAI_API_KEY")

    @property
    def is_llm(self) -> bool:
        return self.provider != "offline"

    @property
    def model_name(self) -> str:
        if self.provider == "offline":
            return "offline"
        return self.model or DEFAULT_OPENAI_MODEL

    @property
    def effective_reasoning_effort(self) -> str | None:
        if self.reasoning_effort is not None or self.provider != "openai":
            return self.reasoning_effort
        name = self.model_name
        reasoning = bool(re.match(r"gpt-5|o\d", name)) and "chat" not in name
        return "low" if reasoning else None


@dataclass(frozen=True)
class Limits:
    """Per-turn budgets. A turn that hits one stops with a clear message and writes nothing."""

    model_calls: int = 4
    tool_calls: int = 6
    turn_timeout_s: float = 60.0
    history_turns: int = 8
    history_chars: int = 16_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """From the environment and `.env` (or `env` alone)."""
        return cls(**LimitSettings.load(env).model_dump())
