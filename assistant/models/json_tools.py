"""Tool calling for servers whose native tool calls don't work with small models.

llama.cpp's server returns no `tool_calls` with a model's own chat template, and with
`chatml-function-calling` it can then no longer answer in text. What works best is asking
for one JSON object constrained by a schema (`response_format` `json_object` + `schema`):
`{"action": "<tool name>" | "reply", "args": {...}, "text": "..."}`. This wrapper does that
and turns the answer back into an ordinary `AIMessage` with `tool_calls`, so the agent loop,
tools and guard run exactly as with a native tool-calling model.

What a small model needs to call tools well (issue 10's probes: first-step correctness
went from 10/43 to 35/43 with the first two):
- typed signatures with the allowed values (`reason?: "ordered_by_mistake" | ...`), not
  only parameter names (`json_protocol.signature`);
- a few short examples, in a prompt prefix that is the same bytes for both roles, so the
  server's prompt cache keeps it across a role switch (`json_protocol.instructions`);
- one exact schema per tool: its required fields and nothing else, so the grammar can't
  produce a call that fails validation (`json_protocol.answer_schema`);
- `max_tokens` on every request: a runaway generation would hold a local server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from assistant.models.json_protocol import (
    REPLY,
    TOOL_RESULT,
    answer_schema,
    instructions,
    item_ids_seen,
    order_ids_seen,
    parrots_examples,
    tools_now,
)

__all__ = ["REPLY", "JsonToolModel"]


class JsonToolModel(BaseChatModel):
    """Wraps a chat model (e.g. ChatOpenAI on llama.cpp) with JSON-schema tool calling."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    tools: list[dict[str, Any]] = Field(default_factory=list)
    max_tokens: int | None = None  # sent with every request (in `extra_body`, see below)
    # The tools the grammar lets the model call now (None: all). The prompt shows every
    # signature whatever this is, so that its prefix stays cached.
    callable_tools: frozenset[str] | None = None
    # The next request's timeout (`TurnBudget`: the time the turn has left), handed to the
    # inner client with it.
    timeout: float | None = None

    @property
    def _llm_type(self) -> str:
        return "json-tools"

    def bind_tools(self, tools: Sequence[Any], *, callable_tools: Sequence[str] | None = None,  # type: ignore[override]
                   **kwargs: Any) -> JsonToolModel:
        specs = [convert_to_openai_tool(t)["function"] for t in tools]
        return JsonToolModel(inner=self.inner, tools=specs, max_tokens=self.max_tokens,
                             callable_tools=None if callable_tools is None
                             else frozenset(callable_tools),
                             timeout=kwargs.get("timeout"))

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        conversation = _flatten(messages)
        prompt = [*self._instructions(messages), *conversation]
        timeout = kwargs.get("timeout", self.timeout)  # bind() when toolless, or bind_tools
        bounds = {} if timeout is None else {"timeout": timeout}
        answer = self.inner.invoke(prompt, stop=stop, extra_body=self.request_body(messages),
                                   **bounds)
        message = self.parse(str(answer.content))
        if not message.tool_calls and parrots_examples(str(message.content), conversation):
            message = AIMessage("")  # no answer: the agent says so in fixed words
        return ChatResult(generations=[ChatGeneration(message=message)])

    def request_body(self, messages: Sequence[BaseMessage] = ()) -> dict[str, Any]:
        """What goes into `extra_body`. A per-call `extra_body` replaces the client's own, so
        the client's `max_tokens` is carried over; llama-cpp-python's server reads
        `max_tokens` and ignores `max_completion_tokens`, which the client would send."""
        body = dict(getattr(self.inner, "extra_body", None) or {})
        tools = [t for t in self.tools
                 if self.callable_tools is None or t["name"] in self.callable_tools]
        schema = answer_schema(tools_now(tools, messages), item_ids_seen(messages),
                               order_ids_seen(messages))
        body["response_format"] = {"type": "json_object", "schema": schema}
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        return body

    def answer_schema(self, item_ids: Sequence[str] = ()) -> dict[str, Any]:
        return answer_schema(self.tools, item_ids)

    def _instructions(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        system = "\n".join(str(m.content) for m in messages if isinstance(m, SystemMessage))
        return [SystemMessage(instructions(self.tools, system))]

    def parse(self, raw: str) -> AIMessage:
        """Garbage in becomes a polite text answer, never an invented tool call. Broken
        JSON (a generation cut at `max_tokens`) becomes no answer at all, which the agent
        reports in fixed words: a half call is not for the user's eyes."""
        try:
            data = json.loads(raw)
        except ValueError:
            if raw.lstrip().startswith(("{", "[")):
                return AIMessage("")
            return AIMessage(raw.strip() or "Sorry, I didn't get that.")
        if not isinstance(data, dict):
            return AIMessage(str(data))
        action = data.get("action")
        names = {t["name"] for t in self.tools}
        if action in names:
            args = data.get("args") if isinstance(data.get("args"), dict) else {}
            return AIMessage("", tool_calls=[{
                "name": str(action), "args": args, "id": "call_" + uuid.uuid4().hex[:12],
            }])
        text = data.get("text") or data.get("reply") or ""
        return AIMessage(str(text).strip() or "Sorry, I didn't get that.")


def _flatten(messages: list[BaseMessage]) -> list[BaseMessage]:
    """The conversation as plain user/assistant text: no tool roles, no null content. A call
    reads as the JSON answer that made it, a result as in the prompt's examples."""
    out: list[BaseMessage] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            continue
        if isinstance(m, ToolMessage):
            out.append(HumanMessage(f"{TOOL_RESULT} {m.content}"))
        elif isinstance(m, AIMessage) and m.tool_calls:
            call = m.tool_calls[0]
            out.append(AIMessage(json.dumps({"action": call["name"], "args": call["args"]})))
        elif isinstance(m, AIMessage):
            out.append(AIMessage(str(m.content) or " "))
        else:
            out.append(HumanMessage(str(m.content)))
    return out
