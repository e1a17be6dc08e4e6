"""The conversation memory sent to a model: repaired so any chat API accepts it, and bounded."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage


# --- memory -----------------------------------------------------------------------------------
def repair_history(messages: Iterable[BaseMessage]) -> list[BaseMessage]:
    """The memory made valid for any chat API.

    Every tool call keeps only if its result follows it (a turn stopped by a limit, or a
    history from elsewhere, may lack them), results without their call go, system messages
    go (the system prompt is the agent's own fixed prefix), and empty assistant messages go.
    """
    source = list(messages)
    out: list[BaseMessage] = []
    i = 0
    while i < len(source):
        message = source[i]
        i += 1
        if isinstance(message, AIMessage):
            results: list[ToolMessage] = []
            while i < len(source) and isinstance(source[i], ToolMessage):
                results.append(source[i])  # type: ignore[arg-type]
                i += 1
            out.extend(_answered(message, results))
        elif isinstance(message, HumanMessage):
            out.append(message)
    return out


def _answered(message: AIMessage, results: list[ToolMessage]) -> list[BaseMessage]:
    by_id = {r.tool_call_id: r for r in results}
    calls = [c for c in message.tool_calls if c["id"] in by_id]
    text = text_of(message.content)
    if not calls and not text:
        return []
    if len(calls) != len(message.tool_calls) or message.invalid_tool_calls:
        message = AIMessage(text, tool_calls=calls)
    return [message, *(by_id[c["id"] or ""] for c in calls)]


def trim_history(messages: list[BaseMessage], turns: int, chars: int) -> list[BaseMessage]:
    """The last `turns` turns (a turn starts at a user message) within `chars` characters.

    Cutting only at a user message keeps each tool call with its result.
    """
    starts = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    starts = starts[-turns:] if turns else []
    if not starts:
        return []
    sizes = [_size(m) for m in messages]
    total = sum(sizes[starts[0]:])
    while len(starts) > 1 and total > chars:
        total -= sum(sizes[starts[0]:starts[1]])
        starts.pop(0)
    if total > chars:  # even the latest turn alone is too big: forget everything
        return []
    return messages[starts[0]:]


def _size(message: BaseMessage) -> int:
    size = len(message.content) if isinstance(message.content, str) else len(str(message.content))
    if isinstance(message, AIMessage) and message.tool_calls:
        size += sum(len(json.dumps(c["args"])) + len(c["name"]) for c in message.tool_calls)
    return size


def lean(message: BaseMessage) -> BaseMessage:
    """What memory needs of a model's message: its words and calls, not provider metadata."""
    if isinstance(message, AIMessage):
        return AIMessage(text_of(message.content), tool_calls=message.tool_calls)
    return message




def raw_text(content: str | list[str | dict[str, Any]]) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def text_of(content: str | list[str | dict[str, Any]]) -> str:
    return raw_text(content).strip()
