"""A scripted chat model for the UI tests: no network, no offline engine, fixed answers.

It calls the read tools the way any model would for the requests the UI tests make, so the
tests exercise the real agent loop, tools and store while staying independent of how the
product's dialogue engine phrases things.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

ORDER_ID = re.compile(r"\b\d{3}-\d{7}\b")


class ScriptedModel(BaseChatModel):
    """Order number in the message: look it up. "went through" / "cancelled": check the
    cancelled view. "recent" / "where": list recent orders. After a tool result: a short
    sentence. Anything else: a fixed reply."""

    @property
    def _llm_type(self) -> str:
        return "scripted-test-model"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._answer(messages))])

    def _answer(self, messages: list[BaseMessage]) -> AIMessage:
        last = messages[-1]
        if isinstance(last, ToolMessage):
            return AIMessage("Here is what the order system says.")
        text = str(last.content).lower() if isinstance(last, HumanMessage) else ""
        if "a person" in text or "human" in text:
            return _call("hand_off_to_staff", {"summary": "asked for a person"})
        if "go through" in text or "went through" in text or "cancelled orders" in text:
            return _call("check_cancelled", {})
        if match := ORDER_ID.search(text):
            return _call("lookup_order", {"order_id": match.group(0)})
        if "recent" in text or "where" in text:
            return _call("lookup_order", {})
        return AIMessage("I can look up an order or cancel items; which order is it?")


def _call(name: str, args: dict[str, Any]) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": uuid.uuid4().hex,
                                      "type": "tool_call"}])
