"""The words and schemas of JSON tool mode (`json_tools`): what a small model is shown.

The system message is `prompts/tool_protocol.md` (the answer format, rules and examples),
then one typed signature per tool, then the role's own prompt. Customer and staff tools are
the same list up to the staff's extra `verify_caller`, so the two roles' system messages
are the same bytes up to there: a server's prompt cache keeps that prefix across a role
switch (`assistant.agent.prompt_budget.shared_prefix_tokens` counts it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from prompts import load_named

REPLY = "reply"
TOOL_RESULT = "[tool result]"
_MAX_ITEM_IDS = 200  # ids offered to the grammar; beyond that any string (a huge account)
_MAX_ORDER_IDS = 60
# What a user may type as an order number: a token with a digit in it (prices and dates
# pass too, harmlessly: looked up, they are not found). Narrower shapes would lock out an
# order number the rules parser doesn't know.
_ID_TOKEN = re.compile(r"(?<![\w-])[A-Za-z0-9][A-Za-z0-9_.\-]{2,62}[A-Za-z0-9]")


def instructions(tools: Sequence[dict[str, Any]], role_prompt: str) -> str:
    """The whole system message: the shared part first, the role's own part last."""
    shown: set[str] = set()  # an argument's note once: "order_id: Order number, ..."
    lines = [load_named("tool_protocol"), *(signature(t, shown) for t in tools)]
    return "\n".join(lines) + "\n\n" + role_prompt.strip()


def signature(tool: dict[str, Any], shown: set[str] | None = None) -> str:
    """`- cancel_items(order_id: string, reason?: "a" | "b", ...): what it does`, with each
    argument's note after the description (unless in `shown`, the notes given already)."""
    shown = set() if shown is None else shown
    params = tool.get("parameters") or {}
    required = set(params.get("required") or ())
    args, notes = [], []
    for name, spec in (params.get("properties") or {}).items():
        args.append(f"{name}{'' if name in required else '?'}: {_type_of(spec)}")
        note = f"{name}: {_description(spec)}"
        if _description(spec) and note not in shown:
            shown.add(note)
            notes.append(note)
    description = " ".join(str(tool.get("description", "")).split())
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"- {tool['name']}({', '.join(args)}): {description}{extra}"


def answer_schema(tools: Sequence[dict[str, Any]], item_ids: Sequence[str] = (),
                  order_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """One exact branch per tool (its required fields, nothing else) and one for a reply.
    With `item_ids` (those in the conversation's tool results) an item id must be one of
    them or "all": a title can't pass for an id. With `order_ids` (`order_ids_seen`) an
    order number must be one the conversation holds: a small model copied the examples'
    made-up order numbers and looked them up; a tool that needs one is not offered while
    there is none."""
    reply = _object({"action": {"enum": [REPLY]},
                     # No maxLength: llama.cpp unrolls it into one grammar rule per
                     # character; the request's max_tokens bounds the reply instead.
                     "text": {"type": "string"}},
                    ["action", "text"])
    branches = [_object({"action": {"enum": [t["name"]]},
                         "args": args},
                        ["action", "args"]) for t in tools
                if (args := exact_arguments(t.get("parameters") or {}, item_ids, order_ids))]
    return {"oneOf": [*branches, reply]}


def exact_arguments(params: dict[str, Any], item_ids: Sequence[str] = (),
                    order_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """A tool's JSON schema without notes, nulls or room for extra fields; empty when the
    tool needs an order number and `order_ids` holds none."""
    properties = {name: _plain(spec) for name, spec in (params.get("properties") or {}).items()}
    required = list(params.get("required") or ())
    if item_ids and "item_ids" in properties and len(item_ids) <= _MAX_ITEM_IDS:
        properties["item_ids"] = {**properties["item_ids"],
                                  "items": {"enum": ["all", *item_ids]}}
    if order_ids is not None and "order_id" in properties and len(order_ids) <= _MAX_ORDER_IDS:
        if order_ids:
            properties["order_id"] = {"type": "string", "enum": list(order_ids)}
        elif "order_id" in required:
            return {}
        else:  # left out, as an optional argument may be: e.g. the account's orders
            del properties["order_id"]
    return _object(properties, required)


def order_ids_seen(messages: Iterable[BaseMessage]) -> list[str]:
    """Order numbers the conversation holds: in tool calls already made (the look-up by
    code included), in tool results, and what the user typed that could be one."""
    seen: dict[str, None] = {}
    for m in messages:
        if isinstance(m, HumanMessage):
            for token in _ID_TOKEN.findall(str(m.content)):
                if any(c.isdigit() for c in token):
                    seen.setdefault(token)
        elif isinstance(m, AIMessage):
            for call in m.tool_calls:
                if isinstance(value := call["args"].get("order_id"), str) and value:
                    seen.setdefault(value)
    for data in result_dicts(messages):
        if isinstance(value := data.get("order_id"), str) and value:
            seen.setdefault(value)
    return list(seen)


def tools_now(tools: Sequence[dict[str, Any]],
              messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """The tools the model may call next: not `lookup_order` right after a look-up's result
    (a small model copies the examples' "look up, then act" and looks the same order up
    again and again; the result is already there)."""
    last = messages[-1] if messages else None
    if isinstance(last, ToolMessage) and last.name == "lookup_order":
        return [t for t in tools if t["name"] != "lookup_order"]
    return list(tools)


@cache
def example_names() -> frozenset[str]:
    """Order ids, titles and sellers of the prompt's made-up examples."""
    names: set[str] = set()
    for line in load_named("tool_protocol").splitlines():
        if line.startswith(f"{TOOL_RESULT} "):
            data = json.loads(line.removeprefix(f"{TOOL_RESULT} "))
            names.add(str(data.get("order_id", "")))
            for item in data.get("items", ()):
                names.update(str(item.get(k, "")) for k in ("title", "seller"))
    return frozenset(n.casefold() for n in names if n)


def parrots_examples(text: str, messages: Sequence[BaseMessage]) -> bool:
    """A reply about the examples' made-up orders (a small model copies them): a name of
    theirs that the conversation itself never mentioned."""
    low = text.casefold()
    said = " ".join(str(m.content) for m in messages).casefold()
    return any(_mentions(low, name) and not _mentions(said, name) for name in example_names())


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def item_ids_seen(messages: Iterable[BaseMessage]) -> list[str]:
    """Item ids in the tool results of the conversation, in the order first seen."""
    seen: dict[str, None] = {}
    for data in result_dicts(messages):
        items = data.get("items")
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                seen.setdefault(item["id"])
    return list(seen)


def result_dicts(messages: Iterable[BaseMessage]) -> Iterator[dict[str, Any]]:
    """Every JSON object in the conversation's tool results, nested ones included, in order."""
    def walk(data: Any) -> Iterator[dict[str, Any]]:
        if isinstance(data, dict):
            yield data
            for value in data.values():
                yield from walk(value)
        elif isinstance(data, list):
            for value in data:
                yield from walk(value)

    for m in messages:
        if isinstance(m, ToolMessage):
            try:
                yield from walk(json.loads(str(m.content)))
            except ValueError:
                continue


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


def _non_null(spec: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, null]` (pydantic's optional) as X: an optional argument is left out."""
    options = [o for o in spec.get("anyOf", ()) if o.get("type") != "null"]
    return {**options[0], **{k: v for k, v in spec.items() if k not in ("anyOf",)}} \
        if len(options) == 1 else spec


def _plain(spec: dict[str, Any]) -> dict[str, Any]:
    spec = _non_null(spec)
    keep = ("type", "enum", "minItems", "maxItems", "minLength", "maxLength")
    out = {k: spec[k] for k in keep if k in spec}
    if "items" in spec:
        out["items"] = _plain(spec["items"])
    return out


def _type_of(spec: dict[str, Any]) -> str:
    spec = _non_null(spec)
    if "enum" in spec:
        return " | ".join(json.dumps(v) for v in spec["enum"])
    if spec.get("type") == "array":
        return f"{_type_of(spec.get('items') or {})}[]"
    return str(spec.get("type", "any"))


def _description(spec: dict[str, Any]) -> str:
    """The argument's own note (pydantic puts an enum class's docstring on the inner type)."""
    note = spec.get("description")
    if not note:
        inner = _non_null(spec)
        note = inner.get("description") if "enum" not in inner else None
    return " ".join(str(note).split()) if note else ""
