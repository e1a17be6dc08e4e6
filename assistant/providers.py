"""Model providers behind one small interface: `make_model(ModelConfig) -> BaseChatModel`.

- ``offline`` (default when nothing is configured): the deterministic dialogue model.
- ``openai``: OPENAI_API_KEY (+ RESCIND_MODEL to override the default model).
- ``openai-compatible``: OPENAI_BASE_URL + RESCIND_MODEL (Ollama, vLLM, llama.cpp's server).

The variables are documented in `assistant.config`. Both LLM providers speak the Chat
Completions API through `ChatOpenAI`, with a per-request timeout and retries (the openai
client retries 429, 5xx and timeouts with backoff, honouring Retry-After).
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.outputs import ChatResult
from langchain_openai import ChatOpenAI

from assistant.config import DEFAULT_OPENAI_MODEL, ConfigError, ModelConfig, Provider

__all__ = ["DEFAULT_OPENAI_MODEL", "ConfigError", "ModelConfig", "Provider", "RescindChatOpenAI",
           "make_model"]


class RescindChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose requests never carry ``"content": null``.

    LangChain sends an assistant message that only calls tools with null content; OpenAI
    accepts that, llama.cpp's server rejects it. An empty string is valid everywhere.
    """

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        for message in payload.get("messages", ()):
            if message.get("content") is None:
                message["content"] = ""
        return payload

    def _create_chat_result(
        self, response: Any, generation_info: dict[str, Any] | None = None
    ) -> ChatResult:
        return super()._create_chat_result(_arguments_as_objects(response), generation_info)


def _arguments_as_objects(response: Any) -> Any:
    """Tool arguments must be a JSON object. LangChain fails the whole answer on any other
    JSON value ("a string", [1]); made unparseable, such a call becomes an invalid tool call
    that the agent sends back to the model for correction (streamed answers already do so)."""
    data = response.model_dump(warnings=False) if hasattr(response, "model_dump") else response
    if not isinstance(data, dict):
        return response
    changed = False
    for choice in data.get("choices") or ():
        for tool_call in ((choice or {}).get("message") or {}).get("tool_calls") or ():
            function = tool_call.get("function") or {}
            if not _is_json_object_or_broken(function.get("arguments")):
                function["arguments"] = "(not a JSON object) " + str(function["arguments"])
                changed = True
    return data if changed else response


def _is_json_object_or_broken(arguments: Any) -> bool:
    if not isinstance(arguments, str) or not arguments.strip():
        return True
    try:
        return isinstance(json.loads(arguments, strict=False), dict)
    except ValueError:
        return True  # broken JSON is already reported as an invalid tool call


def make_model(config: ModelConfig) -> BaseChatModel:
    config.check()
    if config.provider == "offline":
        from assistant.offline import OfflineChatModel  # type: ignore[attr-defined,import-not-found,unused-ignore]

        model: BaseChatModel = OfflineChatModel()
        return model
    return _chat_openai(config)


def _chat_openai(config: ModelConfig) -> RescindChatOpenAI:
    extra: dict[str, Any] = {}
    if (effort := config.effective_reasoning_effort) is not None:
        extra["reasoning_effort"] = effort
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
