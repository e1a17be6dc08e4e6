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

DEFAULT_MAX_TOKENS = 512  # a tool call or a short reply; a local model's runaway is cut there
DEFAULT_MAX_TOKENS_OPENAI = 4096

__all__ = ["DEFAULT_MAX_TOKENS", "DEFAULT_MAX_TOKENS_OPENAI", "DEFAULT_OPENAI_MODEL",
           "ConfigError", "ModelConfig", "Provider", "make_chat", "make_model", "max_tokens"]


def make_model(config: ModelConfig) -> BaseChatModel:
    config.check()
    if config.provider == "offline":
        raise ConfigError("the offline provider has no chat model: it is the dialogue manager "
                          "with the rules understander (assistant.conversation.factory)")
    # The agent's turn retries within its deadline (`assistant.agent.retries`), not the client.
    chat = _chat_openai(config, turn_retries=True)
    if config.tool_mode == "json":
        from assistant.models.json_tools import JsonToolModel

        return JsonToolModel(inner=chat, max_tokens=max_tokens(config))
    return chat


def max_tokens(config: ModelConfig) -> int:
    """The cap on generated tokens per request: `RESCIND_MAX_TOKENS`, else a default that
    leaves a reasoning model room to think (OpenAI counts its reasoning in the cap)."""
    if config.max_tokens is not None:
        return config.max_tokens
    return DEFAULT_MAX_TOKENS_OPENAI if config.provider == "openai" else DEFAULT_MAX_TOKENS


def make_chat(config: ModelConfig) -> BaseChatModel:
    """The plain chat client (no tool protocol): for guided understanding's forms."""
    config.check()
    if config.provider == "offline":
        raise ConfigError("the offline provider has no chat model")
    return _chat_openai(config)


def _chat_openai(config: ModelConfig, turn_retries: bool = False) -> RescindChatOpenAI:
    from assistant.models.openai_chat import RescindChatOpenAI  # only LLM providers pay its import

    extra: dict[str, Any] = {}
    if (effort := config.effective_reasoning_effort) is not None:
        extra["reasoning_effort"] = effort
    # Every request carries a token cap: a runaway generation can't hold a local server.
    # OpenAI reads `max_completion_tokens` (what the client sends for `max_tokens`);
    # llama-cpp-python's server ignores that and reads `max_tokens`, sent in the body.
    if config.provider == "openai":
        extra["max_tokens"] = max_tokens(config)
    else:
        extra["extra_body"] = {"max_tokens": max_tokens(config)}
    return RescindChatOpenAI(
        model=config.model_name,
        base_url=config.base_url,
        # Local servers ignore the key, but the client refuses to start without one.
        api_key=config.api_key or "not-needed",
        timeout=config.timeout_s,
        max_retries=0 if turn_retries else config.max_retries,
        turn_retries=config.max_retries if turn_retries else 0,
        temperature=config.temperature,
        # Chat Completions is what every OpenAI-compatible server implements.
        use_responses_api=False,
        **extra,
    )
