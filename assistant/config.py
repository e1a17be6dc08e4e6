"""Settings of the agent layer, read from the environment.

Model provider (first match wins):

- ``RESCIND_PROVIDER``: ``offline`` | ``openai`` | ``openai-compatible``. Overrides the
  automatic choice below.
- ``OPENAI_BASE_URL`` set: ``openai-compatible`` (Ollama, vLLM, llama.cpp's server, ...);
  needs ``RESCIND_MODEL`` too, since such servers have no default model.
- ``OPENAI_API_KEY`` set: ``openai``.
- nothing set: ``offline``, the deterministic dialogue model (no network, no weights).

Other variables:

- ``RESCIND_MODEL``: model name (``openai`` default: ``gpt-5.4-mini``).
- ``OPENAI_API_KEY``: the key (``openai``); optional for ``openai-compatible``.
- ``RESCIND_REASONING_EFFORT``: ``none`` | ``minimal`` | ``low`` | ``medium`` | ``high``.
  Sent only when set, except for OpenAI's gpt-5 reasoning models, which get ``low`` by
  default: a chat turn should not wait for long reasoning.
- ``RESCIND_MODEL_TIMEOUT``: seconds per model request (default 20).
- ``RESCIND_MODEL_RETRIES``: retries of a failed request: 429, 5xx, timeouts (default 2).
- ``RESCIND_TURN_TIMEOUT``: seconds one user turn may take in all (default 60).
- ``RESCIND_MAX_MODEL_CALLS``: model calls per user turn (default 4).
- ``RESCIND_MAX_TOOL_CALLS``: tool calls per user turn (default 6).
- ``RESCIND_HISTORY_TURNS``: past turns sent to the model (default 8).
- ``RESCIND_HISTORY_CHARS``: at most this many characters of past turns (default 16000).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

Provider = Literal["offline", "openai", "openai-compatible"]
Mode = Literal["agent", "guided"]
MODES: tuple[str, ...] = ("agent", "guided")
PROVIDERS: tuple[str, ...] = get_args(Provider)
DEFAULT_OPENAI_MODEL = "gpt-5.4-mini"
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high")


class ConfigError(ValueError):
    """A setting that can't work; the message names the variable and what it needs."""


def _number(env: Mapping[str, str], name: str, default: float, *, low: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < low:
        raise ConfigError(f"{name} must be at least {low:g}, got {raw!r}")
    return value


def _count(env: Mapping[str, str], name: str, default: int, *, low: int) -> int:
    value = _number(env, name, default, low=low)
    if value != int(value):
        raise ConfigError(f"{name} must be a whole number, got {value:g}")
    return int(value)


def choose_provider(env: Mapping[str, str], requested: str | None = None) -> Provider:
    chosen = (requested or env.get("RESCIND_PROVIDER", "")).strip().lower() or (
        "openai-compatible" if env.get("OPENAI_BASE_URL", "").strip()
        else "openai" if env.get("OPENAI_API_KEY", "").strip()
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
    mode: Mode = "agent"  # LLM providers: the tool-calling agent, or guided understanding
    max_tokens: int | None = None  # per request; small local models can run away without it

    @classmethod
    def from_env(
        cls, provider: str | None = None, env: Mapping[str, str] | None = None
    ) -> ModelConfig:
        env = os.environ if env is None else env
        chosen = choose_provider(env, provider)
        effort = env.get("RESCIND_REASONING_EFFORT", "").strip().lower() or None
        if effort is not None and effort not in REASONING_EFFORTS:
            raise ConfigError(f"RESCIND_REASONING_EFFORT must be one of "
                              f"{', '.join(REASONING_EFFORTS)}, got {effort!r}")
        mode = env.get("RESCIND_MODE", "").strip().lower() or "agent"
        if mode not in MODES:
            raise ConfigError(f"RESCIND_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        max_tokens = env.get("RESCIND_MAX_TOKENS", "").strip()
        config = cls(
            provider=chosen, mode=mode,  # type: ignore[arg-type]
            max_tokens=_count(env, "RESCIND_MAX_TOKENS", 0, low=1) if max_tokens else None,
            model=env.get("RESCIND_MODEL", "").strip() or None,
            base_url=env.get("OPENAI_BASE_URL", "").strip() or None,
            api_key=env.get("OPENAI_API_KEY", "").strip() or None,
            timeout_s=_number(env, "RESCIND_MODEL_TIMEOUT", 20.0, low=0.05),
            max_retries=_count(env, "RESCIND_MODEL_RETRIES", 2, low=0),
            reasoning_effort=effort,
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
        env = os.environ if env is None else env
        return cls(
            model_calls=_count(env, "RESCIND_MAX_MODEL_CALLS", 4, low=1),
            tool_calls=_count(env, "RESCIND_MAX_TOOL_CALLS", 6, low=0),
            turn_timeout_s=_number(env, "RESCIND_TURN_TIMEOUT", 60.0, low=0.05),
            history_turns=_count(env, "RESCIND_HISTORY_TURNS", 8, low=0),
            history_chars=_count(env, "RESCIND_HISTORY_CHARS", 16_000, low=0),
        )
