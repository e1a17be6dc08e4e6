"""Scripted chat models: the agent loop without a provider.

`ScriptedChatModel` answers each call with the next step of its script: an `AIMessage`
(text and/or tool calls), an exception to raise, or a function of the messages it was sent.
It records what it was sent, how often it was called and how long its own work took, and it
streams like a real client: text in word-sized chunks, tool calls as `tool_call_chunks`
with the arguments split mid-JSON, so the streaming path is exercised for real.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolCallChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

Step = AIMessage | BaseException | Callable[[list[BaseMessage]], AIMessage]


def tool_call(name: str, call_id: str = "", **args: Any) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id or f"c_{name}_{time.monotonic_ns()}"}


def calls(*tool_calls: dict[str, Any], text: str = "") -> AIMessage:
    return AIMessage(text, tool_calls=list(tool_calls))


class ScriptExhausted(AssertionError):
    """The agent asked the model more often than the test expected."""


class ScriptedChatModel(BaseChatModel):
    script: list[Any]
    repeat_last: bool = False  # keep answering with the last step (a model stuck in a loop)
    delay_s: float = 0.0  # simulated thinking time, counted as the model's own time

    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _own_time: float = PrivateAttr(default=0.0)
    _bound_tools: list[Any] = PrivateAttr(default_factory=list)
    _position: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def received(self) -> list[list[BaseMessage]]:
        """The messages of each call, in order."""
        return self._calls

    @property
    def call_count(self) -> int:
        return len(self._calls)

    @property
    def own_time_s(self) -> float:
        return self._own_time

    @property
    def bound_tool_names(self) -> list[str]:
        return [getattr(t, "name", "?") for t in self._bound_tools]

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override,unused-ignore]
        self._bound_tools = list(tools)
        return self

    def reset(self, script: list[Any]) -> None:
        self.script = script
        self._position = 0

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        started = time.perf_counter()
        self._calls.append(list(messages))
        if self._position >= len(self.script):
            if not (self.repeat_last and self.script):
                raise ScriptExhausted(f"model call {len(self._calls)}: the script is empty")
            step = self.script[-1]
        else:
            step = self.script[self._position]
            self._position += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        try:
            if isinstance(step, BaseException):
                raise step
            answer: AIMessage = step(messages) if callable(step) else step
            return answer.model_copy(deep=True)
        finally:
            self._own_time += time.perf_counter() - started

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(
        self, messages: list[BaseMessage], stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in stream_chunks(self._next(messages)):
            yield ChatGenerationChunk(message=chunk)


class UnstreamedChatModel(ScriptedChatModel):
    """A scripted model without streaming (like the JSON tool mode's): LangChain answers a
    stream request with the whole message at once."""

    _stream = BaseChatModel._stream  # type: ignore[assignment]


def stream_chunks(message: AIMessage) -> Iterator[AIMessageChunk]:
    """A message as a provider streams it: words, then each tool call in two halves."""
    text = message.content if isinstance(message.content, str) else ""
    for i, word in enumerate(text.split(" ") if text else []):
        yield AIMessageChunk(content=word if i == 0 else " " + word)
    for index, tool in enumerate(message.tool_calls):
        args = json.dumps(tool["args"])
        yield AIMessageChunk(content="", tool_call_chunks=[ToolCallChunk(
            name=tool["name"], args=args[: len(args) // 2], id=tool["id"], index=index)])
        yield AIMessageChunk(content="", tool_call_chunks=[ToolCallChunk(
            name=None, args=args[len(args) // 2:], id=None, index=index)])
    for index, bad in enumerate(message.invalid_tool_calls, start=len(message.tool_calls)):
        yield AIMessageChunk(content="", tool_call_chunks=[ToolCallChunk(
            name=bad["name"], args=bad["args"], id=bad["id"], index=index)])


def conversation_problem(messages: Sequence[BaseMessage]) -> str | None:
    """Why a chat API would refuse this message list (a tool call without its result right
    after it, a result without its call), or None."""
    from langchain_core.messages import ToolMessage

    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        if isinstance(message, ToolMessage):
            if message.tool_call_id not in open_calls:
                return f"[{i}] a tool result without its call"
            open_calls.discard(message.tool_call_id)
            continue
        if open_calls:
            return f"[{i}] tool calls {sorted(open_calls)} have no result"
        if isinstance(message, AIMessage):
            if message.invalid_tool_calls:
                return f"[{i}] invalid tool calls kept"
            open_calls = {c["id"] or "" for c in message.tool_calls}
    return f"tool calls {sorted(open_calls)} have no result" if open_calls else None
