"""Model providers behind one small interface: `make_model(ModelConfig) -> BaseChatModel`.

- offline (default when nothing is configured): a deterministic dialogue model, no network.
- openai: OPENAI_API_KEY (+ RESCIND_MODEL to override the default model).
- openai-compatible: OPENAI_BASE_URL + RESCIND_MODEL (Ollama, vLLM, llama.cpp's server).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from langchain_core.language_models import BaseChatModel

Provider = Literal["offline", "openai", "openai-compatible"]
DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"


@dataclass(frozen=True)
class ModelConfig:
    provider: Provider = "offline"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 2
    temperature: float = 0.0

    @classmethod
    def from_env(cls, provider: str | None = None) -> ModelConfig:
        env = os.environ
        chosen = provider or env.get("RESCIND_PROVIDER") or (
            "openai-compatible" if env.get("OPENAI_BASE_URL")
            else "openai" if env.get("OPENAI_API_KEY") else "offline"
        )
        if chosen not in ("offline", "openai", "openai-compatible"):
            raise ValueError(f"unknown provider {chosen!r}: offline, openai, openai-compatible")
        return cls(
            provider=chosen,  # type: ignore[arg-type]
            model=env.get("RESCIND_MODEL") or None,
            base_url=env.get("OPENAI_BASE_URL") or None,
            api_key=env.get("OPENAI_API_KEY") or None,
            timeout_s=float(env.get("RESCIND_MODEL_TIMEOUT", "30")),
            max_retries=int(env.get("RESCIND_MODEL_RETRIES", "2")),
        )

    @property
    def is_llm(self) -> bool:
        return self.provider != "offline"


def make_model(config: ModelConfig) -> BaseChatModel:
    if config.provider == "offline":
        from assistant.offline import OfflineChatModel

        return OfflineChatModel()
    from langchain_openai import ChatOpenAI

    if config.provider == "openai-compatible" and not (config.base_url and config.model):
        raise ValueError("openai-compatible needs OPENAI_BASE_URL and RESCIND_MODEL")
    return ChatOpenAI(
        model=config.model or DEFAULT_OPENAI_MODEL,
        base_url=config.base_url if config.provider == "openai-compatible" else None,
        api_key=config.api_key or "not-needed",  # type: ignore[arg-type]
        timeout=config.timeout_s,
        max_retries=config.max_retries,
        temperature=config.temperature,
        streaming=False,
    )
