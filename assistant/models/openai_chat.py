"""The OpenAI client the LLM providers use: ChatOpenAI with two fixes for compatible servers.

Imported only when an LLM provider is chosen, so the offline default starts without it.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.outputs import ChatResult
from langchain_openai import ChatOpenAI


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
