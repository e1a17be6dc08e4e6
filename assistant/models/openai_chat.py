"""The OpenAI client the LLM providers use: ChatOpenAI with two fixes for compatible servers.

Imported only when an LLM provider is chosen, so the offline default starts without it.
"""

from __future__ import annotations

import json
from typing import Any, Self

from langchain_core.language_models import LanguageModelInput
from langchain_core.outputs import ChatResult
from langchain_openai import ChatOpenAI
from openai import NOT_GIVEN, Stream
from openai._base_client import make_request_options
from pydantic import model_validator


class RescindChatOpenAI(ChatOpenAI):
    """ChatOpenAI whose requests never carry ``"content": null``.

    LangChain sends an assistant message that only calls tools with null content; OpenAI
    accepts that, llama.cpp's server rejects it. An empty string is valid everywhere.
    """

    # Retries the agent's turn makes itself, within its deadline, for a client made with
    # `max_retries=0` (`assistant.agent.retries`); 0 for a client that retries on its own.
    turn_retries: int = 0

    def _get_request_payload(
        self, input_: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        for message in payload.get("messages", ()):
            if message.get("content") is None:
                message["content"] = ""
        return payload

    @model_validator(mode="after")
    def _send_payloads_as_built(self) -> Self:
        if self.client is not None and not isinstance(self.client, _AsBuilt):
            self.client = _AsBuilt(self.client)
        return self

    def _create_chat_result(
        self, response: Any, generation_info: dict[str, Any] | None = None
    ) -> ChatResult:
        return super()._create_chat_result(_arguments_as_objects(response), generation_info)


class _AsBuilt:
    """The chat-completions resource, whose `create` sends LangChain's payload as it is and
    gives the answer back as JSON.

    The client's `create` first walks the whole payload against its typed parameters to
    apply aliases and encode dates and files, none of which a chat payload holds (plain JSON
    built by LangChain). That walk was 7% of a serving process's CPU under load (py-spy, 200
    chats, issue 11); the body on the wire is the same (tests/agent/test_openai_as_built.py).
    Everything else (`with_raw_response`, retries, streaming) is the client's own."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create(self, *, extra_headers: Any = None, extra_query: Any = None,
               extra_body: Any = None, timeout: Any = NOT_GIVEN, **params: Any) -> Any:
        # The answer as plain JSON too (`object`: the client's own "no type" cast), which
        # LangChain reads as it reads the typed answer: building a typed object for every
        # streamed chunk, then dumping it back to a dict, was half of the client's CPU.
        return self._inner._post(
            "/chat/completions", body=params, cast_to=object,
            options=make_request_options(extra_headers=extra_headers, extra_query=extra_query,
                                         extra_body=extra_body, timeout=timeout),
            stream=bool(params.get("stream")), stream_cls=Stream[object])


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
