"""Tool calling for servers whose native tool calls don't work with small models.

llama.cpp's server returns no `tool_calls` with a model's own chat template, and with
`chatml-function-calling` it can then no longer answer in text. What works best is asking
for one JSON object constrained by a schema (`response_format` `json_object` + `schema`):
`{"action": "<tool name>" | "reply", "args": {...}, "text": "..."}`. This wrapper does that
and turns the answer back into an ordinary `AIMessage` with `tool_calls`, so the agent loop,
tools and guard run exactly as with a native tool-calling model.
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

REPLY = "reply"


class JsonToolModel(BaseChatModel):
    """Wraps a chat model (e.g. ChatOpenAI on llama.cpp) with JSON-schema tool calling."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    tools: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "json-tools"

    def bind_tools(self, tools: Sequence[Any], **_: Any) -> JsonToolModel:  # type: ignore[override]
        specs = [convert_to_openai_tool(t)["function"] for t in tools]
        return JsonToolModel(inner=self.inner, tools=specs)

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        prompt = [*self._instructions(messages), *_flatten(messages)]
        answer = self.inner.invoke(
            prompt, stop=stop,
            extra_body={"response_format": {"type": "json_object", "schema": self.answer_schema()}},
        )
        message = self.parse(str(answer.content))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def answer_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "action": {"enum": [REPLY, *(t["name"] for t in self.tools)]},
                "args": {"type": "object"},
                "text": {"type": "string"},
            },
            "required": ["action"],
        }

    def _instructions(self, messages: list[BaseMessage]) -> list[BaseMessage]:
        system = "\n".join(str(m.content) for m in messages if isinstance(m, SystemMessage))
        lines = [
            f"- {t['name']}({', '.join(t.get('parameters', {}).get('properties', {}))}): "
            f"{' '.join(str(t.get('description', '')).split())}"
            for t in self.tools
        ]
        return [SystemMessage(
            f"{system}\n\nAnswer with ONE JSON object. To call a tool: "
            '{"action": "<tool>", "args": {...}}. To answer the user: '
            '{"action": "reply", "text": "..."}.\nTools:\n' + "\n".join(lines)
        )]

    def parse(self, raw: str) -> AIMessage:
        """Garbage in becomes a polite text answer, never an invented tool call."""
        try:
            data = json.loads(raw)
        except ValueError:
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
    """The conversation as plain user/assistant text: no tool roles, no null content."""
    out: list[BaseMessage] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            continue
        if isinstance(m, ToolMessage):
            out.append(HumanMessage(f"[tool result] {m.content}"))
        elif isinstance(m, AIMessage) and m.tool_calls:
            call = m.tool_calls[0]
            out.append(AIMessage(json.dumps({"action": call["name"], "args": call["args"]})))
        elif isinstance(m, AIMessage):
            out.append(AIMessage(str(m.content) or " "))
        else:
            out.append(HumanMessage(str(m.content)))
    return out
