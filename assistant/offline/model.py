"""`OfflineChatModel`: the default model when no LLM provider is configured."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from assistant.offline.facts import content_text
from assistant.offline.planner import Call, Say, plan
from assistant.offline.state import Role, fold

_PIECES = re.compile(r"\S+\s*|\s+")


class OfflineChatModel(BaseChatModel):
    """A deterministic dialogue model for Rescind: NOT an LLM, no network, no weights.

    It reads the whole message list (system prompt, user messages, its own earlier tool
    calls and the tools' JSON results), rebuilds the dialogue state from it, understands the
    latest user message with a small rule-based NLU, and answers with exactly one AIMessage:
    either one tool call (the same tools an LLM would call, through the same agent loop) or a
    short text reply built only from tool results. Same messages in, same message out.
    The role comes from the bound tools: the staff agent is the one with `verify_caller`.
    """

    tool_names: tuple[str, ...] = ()

    @property
    def _llm_type(self) -> str:
        return "rescind-offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        names = tuple(_tool_name(t) for t in tools)
        if names == self.tool_names:
            return self
        return self.model_copy(update={"tool_names": names})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.respond(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self.respond(messages)
        if message.tool_calls:
            chunks = [tool_call_chunk(name=c["name"], args=_json(c["args"]), id=c["id"],
                                      index=i) for i, c in enumerate(message.tool_calls)]
            yield ChatGenerationChunk(message=AIMessageChunk(
                content="", tool_call_chunks=chunks, chunk_position="last"))
            return
        pieces = _PIECES.findall(content_text(message)) or [""]
        for i, piece in enumerate(pieces):
            chunk = ChatGenerationChunk(message=AIMessageChunk(
                content=piece, chunk_position="last" if i == len(pieces) - 1 else None))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next message of the assistant: one tool call, or text."""
        step = plan(fold(messages, self._role(messages)))
        if isinstance(step, Call) and (not self.tool_names or step.name in self.tool_names):
            call_id = _call_id(messages, step)
            return AIMessage(content=step.note, tool_calls=[
                {"name": step.name, "args": step.args, "id": call_id, "type": "tool_call"}])
        text = step.text if isinstance(step, Say) else (
            "Sorry, I can't do that here. Nothing was changed.")
        return AIMessage(content=text)

    def _role(self, messages: Sequence[BaseMessage]) -> Role:
        if self.tool_names:
            return "staff" if "verify_caller" in self.tool_names else "customer"
        system = next((content_text(m) for m in messages if isinstance(m, SystemMessage)), "")
        return "staff" if "support staff" in system else "customer"


def _tool_name(tool: dict[str, Any] | type | Callable[..., Any] | BaseTool) -> str:
    if isinstance(tool, BaseTool):
        return tool.name
    if isinstance(tool, dict):
        function = tool.get("function")
        if isinstance(function, dict) and "name" in function:
            return str(function["name"])  # OpenAI's {"type": "function", ...} form
        if "name" in tool:
            return str(tool["name"])
    return str(convert_to_openai_tool(tool)["function"]["name"])


def _json(args: dict[str, Any]) -> str:
    return json.dumps(args, ensure_ascii=False)


def _call_id(messages: Sequence[BaseMessage], step: Call) -> str:
    """Deterministic, yet unique in practice: memory is trimmed, so a count alone repeats."""
    seed = "|".join([str(len(messages)), step.name, _json(step.args),
                     *(content_text(m)[:200] for m in messages[-4:])])
    return "call_" + hashlib.blake2b(seed.encode(), digest_size=8).hexdigest()
