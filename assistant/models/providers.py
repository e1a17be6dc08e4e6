"""Model providers behind one small interface: `make_model(ModelConfig) -> BaseChatModel`.

- ``offline`` (default when nothing is configured): no model at all; the dialogue
  manager answers (see `assistant.conversation.factory`).
- ``openai``: OPENAI_API_KEY (+ RESCIND_MODEL to override the default model).
- ``openai-compatible``: OPENAI_BASE_URL + RESCIND_MODEL (Ollama, vLLM, llama.cpp's server).

The variables are documented in `assistant.config`. ``tool_mode="json"``
(``RESCIND_TOOL_MODE=json``) asks an OpenAI-compatible server for schema-constrained JSON
instead of native tool calls (small local models on llama.cpp: see `assistant.json_tools`).
Both LLM providers speak the Chat Completions API through `ChatOpenAI`
(`assistant.openai_chat`), with a per-request timeout and retries (the openai client
retries 429, 5xx and timeouts with backoff, honouring Retry-After).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel

from assistant.config import DEFAULT_OPENAI_MODEL, ConfigError, ModelConfig, Provider

if TYPE_CHECKING:
    from assistant.models.openai_chat import RescindChatOpenAI

__all__ = ["DEFAULT_OPENAI_MODEL", "ConfigError", "ModelConfig", "Provider", "make_chat",
           "make_model"]


def make_model(config: ModelConfig) -> BaseChatModel:
    config.check()
    if config.provider == "offline":
        raise ConfigError("the offline provider has no chat model: it is the dialogue manager "
                          "with the rules understander (assistant.conversation.factory)")
    chat = _chat_openai(config)
    if config.tool_mode == "json":
        from assistant.models.json_tools import JsonToolModel

        return JsonToolModel(inner=chat)
    return chat


def make_chat(config: ModelConfig) -> BaseChatModel:
    """The plain chat client (no tool protocol): for guided understanding's forms."""
    config.check()
    if config.provider == "offline":
        raise ConfigError("the offline provider has no chat model")
    return _chat_openai(config)


def _chat_openai(config: ModelConfig) -> RescindChatOpenAI:
    from assistant.models.openai_chat import RescindChatOpenAI  # only LLM providers pay its import

    extra: dict[str, Any] = {}
    if (effort := config.effective_reasoning_effort) is not None:
        extra["reasoning_effort"] = effort
    if config.max_tokens is not None:  # a runaway generation can't hold a local server
        extra["max_tokens"] = config.max_tokens
    return RescindChatOpenAI(
        model=config.model_name,
        base_url=config.base_url,
        # Local servers ignore the key, but the client refuses to start without one.
        api_key=config.api_key or "not-needed",
        timeout=config.timeout_s,
        max_retries=config.max_retries,
        temperature=config.temperature,
        # Chat Completions is what every OpenAI-compatible server implements.
        use_responses_api=False,
        **extra,
    )
