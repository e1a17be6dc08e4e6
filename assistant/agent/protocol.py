"""The agent's protocol for small models, in code rather than in the prompt.

Issue 10's measurements with a 1.5B model: every reason came as a label ("no longer
needed") instead of the enum value, 11 of 17 tool calls failed the schema, the corrective
round recovered none and the model read the validator's text out to the user in 9 of them.
So, before the model is asked anything it can get wrong:
- `normalised`: a reason label or a phrase the rules parser reads as a reason becomes the
  enum value (a value that means nothing stays, and fails validation as before), and
  fields the tool doesn't take are dropped (JSON mode's grammar allows none);
- `problems_with`: the tool's schema: required fields and allowed values;
- `correction`: what goes back to the model is an instruction, "Call X again with ...",
  with the tool's typed signature, not a validator's message;
- `promises_action`: a reply that promises an action instead of calling the tool (27 of
  the 76 prose answers measured) gets the corrective round, with `PROMISE_NUDGE`;
- `leaks_protocol`: an answer after a correction that repeats tool or validator words is
  not shown to the user;
- `named_orders`: the order numbers a message names, which the agent looks up in code
  before the first model call (`Agent.run_turn`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ValidationError

from assistant.models.json_protocol import result_dicts, signature
from assistant.understanding.commands import Intent, ItemRef
from assistant.understanding.rules import en
from assistant.understanding.rules.parser import normalise, understand
from assistant.understanding.words import content, similar
from store.domain.model import REASON_LABELS, Reason

log = logging.getLogger(__name__)
MAX_NAMED_ORDERS = 2  # looked up per message; more is a list, for the model to narrow
_LABELS = {label.casefold(): reason.value for reason, label in REASON_LABELS.items()}
# "I'll cancel the oven mitts", "let me request that from the seller": an action promised in
# words, which do nothing. A question ("shall I cancel it?") is not a promise.
_PROMISE = re.compile(
    r"\b(?:i'?ll|i will|i am going to|i'm going to|let me|i can now)\s+(?:now\s+)?"
    r"(?:go ahead and\s+|proceed to\s+)?(?:cancel|request|ask the seller|flag|submit|"
    r"process|send)\b", re.IGNORECASE)
PROMISE_NUDGE = ("You said you would act, but words do nothing and no tool was called. "
                 "Answer again: call the tool now (with the item ids and the reason the "
                 "user gave), or reply with a question if something is missing.")
_INTERNAL = re.compile(r"\bagain with\b|\bargument|\bschema\b|\binvalid\b|field required|"
                       r"not a valid|\bjson\b|\btool\b", re.IGNORECASE)


def normalised(args: dict[str, Any], tool: BaseTool | None) -> dict[str, Any]:
    """The arguments with a reason label as its enum value and without fields the tool
    doesn't have (they would be ignored anyway: the actor comes from the session, never
    from an argument); anything else as it came."""
    fields = _fields(tool)
    if fields is not None and set(args) - fields:
        log.info("dropped arguments %s the tool does not take", sorted(set(args) - fields))
        args = {k: v for k, v in args.items() if k in fields}
    reason = args.get("reason")
    if not isinstance(reason, str):
        return args
    value = reason_value(reason)
    if value is None or value == reason:
        return args
    return {**args, "reason": value}


def reason_value(text: str) -> str | None:
    """"No longer needed", "no-longer-needed", "don't need it" -> "no_longer_needed"."""
    plain = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    if not plain:
        return None
    if plain.replace(" ", "_") in {r.value for r in Reason}:
        return plain.replace(" ", "_")
    if plain in _LABELS:
        return _LABELS[plain]
    norm = normalise(text)
    found, _, _ = en.find_reason(norm)
    return found or en.option_reason(norm)


def problems_with(tool: BaseTool, args: dict[str, Any]) -> list[str]:
    """What a call's arguments need to fit the tool's exact schema, as instructions
    ("reason one of ..."); empty when they fit."""
    schema = tool.tool_call_schema
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        return []
    fixes = []
    try:
        schema.model_validate(args)
    except ValidationError as e:
        for error in e.errors(include_url=False):
            fixes.append(_fix(error))
    return fixes


def correction(tool: BaseTool | None, name: str, fixes: list[str],
               tools: dict[str, BaseTool]) -> str:
    """The note sent back for a call that can't run: what to call, with what."""
    if tool is None:
        return (f"There is no tool {name!r}. Call one of {', '.join(tools)} instead, or "
                'answer the user with "reply".')
    usage = signature(convert_to_openai_tool(tool)["function"]).removeprefix("- ")
    detail = "; ".join(fixes) if fixes else \
        "its arguments as one JSON object (they were not a valid JSON object)"
    return f"Call {tool.name} again with {detail}. Usage: {usage}"


def leaks_protocol(text: str, tool_names: list[str]) -> bool:
    """Words meant for the model (a tool's name, a correction's phrasing) in a reply."""
    low = text.casefold()
    return any(n in low for n in tool_names) or bool(_INTERNAL.search(text))


def promises_action(text: str) -> bool:
    """A reply that says the assistant will act, instead of acting."""
    return "?" not in text and bool(_PROMISE.search(text.replace("\u2019", "'")))


# What the rules parser reads as only asking or talking: no cancellation can be wanted yet.
_READ_ONLY = frozenset({Intent.STATUS, Intent.CHECK, Intent.LIST, Intent.GREET, Intent.THANKS,
                        Intent.HELP, Intent.REASONS, Intent.WHY, Intent.OFFTOPIC,
                        Intent.HANDOFF})


def may_want_a_change(text: str) -> bool:
    """Whether the user's message could be asking for a change: anything the rules don't
    read as only a question, a greeting or thanks ("I don't want the lamp anymore", "the
    cable too", a bare "yes", a reason, something they can't read at all all count)."""
    commands = understand(text).commands
    return not commands or any(c.intent not in _READ_ONLY for c in commands)


def kept_items(text: str, items: dict[str, str]) -> list[str]:
    """Of `items` (id -> title), those the user's message says to keep, as the rules parser
    reads it: "everything but the USB hub", "all except item 3", "keep the headphones and
    cancel only the case" (an item that the message also names to cancel is not kept)."""
    commands = understand(text).commands
    keep = [r for c in commands for r in c.selection.exclude] + \
        [r for c in commands if c.intent is Intent.KEEP for r in c.selection.refs]
    cancel = [r for c in commands if c.intent is not Intent.KEEP for r in c.selection.refs]

    return [i for i, title in items.items()
            if any(_named(r, i, title) for r in keep)
            and not any(_named(r, i, title) for r in cancel)]


def unasked_items(text: str, called: Sequence[str], order: dict[str, str],
                  earlier: set[str]) -> dict[str, str]:
    """Of the items a write call holds (`called`, ids of `order`: id -> title), those the
    user's message didn't ask for, when it names particular items ("cancel the headphones"):
    the 1.5B model often proposed every item of the order. Nothing when the message asks for
    the whole order, a group ("both", "them"), a position ("the first one"), or when the
    rules match none of the call's items (then it is their reading that is in doubt).
    `earlier` (items of the conversation's earlier proposals) stay allowed unless the
    message says "only" or "just"."""
    commands = [c for c in understand(text).commands if c.intent in _NAMING]
    sels = [c.selection for c in commands]
    refs = [r for sel in sels for r in sel.refs if not r.weak]
    if not refs or any(sel.whole or sel.group or sel.latest for sel in sels) or \
            any(r.every or r.ordinal is not None for r in refs):
        return {}
    asked = {i for i, title in order.items() if any(_named(r, i, title) for r in refs)}
    if not asked & set(called):
        return {}
    allowed = asked if any(sel.only for sel in sels) else asked | earlier
    return {i: order[i] for i in called if i in order and i not in allowed}


def unasked_note(name: str, extra: dict[str, str]) -> str:
    titles = ", ".join(f"{t} ({i})" for i, t in extra.items())
    return (f"The user did not ask to cancel {titles}. Call {name} again with only the "
            'item_ids of the items the user named, or answer with "reply" to ask.')


_NAMING = frozenset({Intent.CANCEL, Intent.SELLER_REQUEST, Intent.REFUSAL, Intent.SELECT})


def _named(ref: ItemRef, item_id: str, title: str) -> bool:
    words = content(title)
    return item_id in ref.ids or (bool(ref.words) and all(
        any(similar(w, t) for t in words) for w in ref.words))


def titles_seen(messages: Sequence[BaseMessage]) -> dict[str, str]:
    """Item id -> title, from the conversation's tool results."""
    return {i: t for items in orders_seen(messages).values() for i, t in items.items()}


def orders_seen(messages: Sequence[BaseMessage]) -> dict[str, dict[str, str]]:
    """Order id -> its items (id -> title), from the conversation's tool results."""
    seen: dict[str, dict[str, str]] = {}
    for data in result_dicts(messages):
        items = data.get("items")
        if isinstance(data.get("order_id"), str) and isinstance(items, list):
            seen.setdefault(data["order_id"], {}).update(
                {i["id"]: i["title"] for i in items if isinstance(i, dict)
                 and isinstance(i.get("id"), str) and isinstance(i.get("title"), str)})
    return seen


def kept_note(name: str, kept: dict[str, str]) -> str:
    """The correction for a write call that holds items the user said to keep."""
    titles = ", ".join(f"{t} ({i})" for i, t in kept.items())
    return (f"The user said to keep {titles}. Call {name} again with item_ids that leave "
            f"{'it' if len(kept) == 1 else 'them'} out (only what the user asked to cancel), "
            'or answer with "reply" to ask which items.')


def names_items(text: str) -> bool:
    """Whether the message points at items by their words ("the scarf")."""
    return any(r.words and not r.weak for c in understand(text).commands
               for r in c.selection.refs)


def caller_details(text: str) -> dict[str, str]:
    """Staff: the caller's e-mail or postcode as the rules parser reads the message (P2)."""
    read = understand(text)
    if read.emails:
        return {"email": read.emails[0]}
    return {"postcode": read.postcode} if read.postcode else {}


def asks_only_whether_cancelled(text: str) -> bool:
    """The rules parser reads the message as nothing but "did it get cancelled?" (P14)."""
    commands = understand(text).commands
    return bool(commands) and all(c.intent is Intent.CHECK for c in commands)


def named_orders(text: str) -> list[str]:
    """Order numbers in the user's own words, as the rules parser reads them: shaped like
    one, or said right after "order" (not e-mails, dates, prices or item ids like "A1")."""
    found = [t.text for t in en.find_ids(en.EMAIL.sub(" ", text)) if t.strong]
    return found[:MAX_NAMED_ORDERS]


def _fields(tool: BaseTool | None) -> set[str] | None:
    schema = tool.tool_call_schema if tool is not None else None
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return set(schema.model_fields)
    return None


def _fix(error: Any) -> str:
    loc = tuple(error.get("loc", ()))
    field = ".".join(str(p) for p in loc) or "arguments"
    if error.get("type") == "missing":
        return f"{field} (required)"
    if loc and loc[0] == "reason":
        values = ", ".join(repr(r.value) for r in Reason)
        return f"reason one of {values} (or without reason, and ask the user)"
    wanted = str(error.get("msg", "a valid value")).removeprefix("Input should be ")
    return f"{field} as {wanted}"
