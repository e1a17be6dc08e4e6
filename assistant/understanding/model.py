"""Guided understanding: a language model fills the same `Understanding` the rules fill.

For small local models the tool-calling agent asks too much (when to call what, with which
arguments, then word the reply). Here the model only fills a form, and the deterministic
dialogue manager does the rest. The form is a JSON Schema built for this turn from the
conversation: item ids must be items in context, reasons come from the fixed list (P6), the
intent from a closed set. What the model returns is checked again in code; an order number
counts only if the user typed it, e-mails and postcodes are read from the user's own words,
and anything unusable (garbage, a timeout, a failed request) falls back to the rules.

The rules read first. Given a gap finder (the dialogue manager's, injected by the composition
root), the model is asked only when the rules left something open, and it settles only that:
a phrase that named no item, a tie (one of the tied items, never another), or a message the
rules understood nothing of. What the rules settled stays theirs.

The prompt is a fixed prefix (instructions and examples, the same bytes for every turn and
both roles, so a server's prompt cache keeps it) followed by this turn's context.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.config import ModelConfig
from assistant.models.providers import make_chat
from assistant.understanding.commands import (
    NAMING_INTENTS,
    Command,
    Context,
    Gap,
    Intent,
    ItemRef,
    Selection,
    Understanding,
)
from prompts import load_named

log = logging.getLogger(__name__)
REASONS = ("ordered_by_mistake", "no_longer_needed", "found_better_price", "delivery_too_slow",
           "other")
MAX_REQUESTS = 3
MAX_TOKENS = 256  # a form is short; a runaway generation is cut, not waited for
GapFinder = Callable[[Understanding, Context], Sequence[Gap]]


class ModelUnderstander:
    """`(text, context) -> Understanding` with a model; the rules as the fallback."""


    def __init__(self, config: ModelConfig, fallback: Any,
                 model: BaseChatModel | None = None, gaps: GapFinder | None = None) -> None:
        self.config = config
        self.fallback = fallback
        self.gaps = gaps  # None: the model reads every message and its reading leads
        self.model = model or make_chat(config)
        # One object: the byte-identical prefix a server's prompt cache keeps.
        self.system = SystemMessage(load_named("guided"))

    def __call__(self, text: str, context: Context) -> Understanding:
        rules: Understanding = self.fallback(text, context)
        open_ = list(self.gaps(rules, context)) if self.gaps is not None else None
        if open_ is not None and not open_:
            return rules  # the rules settled everything: no model call, no model error
        try:
            answer = self.model.invoke([self.system, HumanMessage(turn_text(text, context))],
                                       **self._request(context))
            data = json.loads(str(answer.content))
            read = build(data, text, context, rules)
            return read if open_ is None else fill(rules, read, open_)
        except Exception as e:  # garbage, a timeout, a refused request: the rules answer
            log.warning("guided understanding fell back to the rules: %s", type(e).__name__)
            return replace(rules, notes=(*rules.notes, f"model: {type(e).__name__}"))

    def wants_context(self, text: str) -> bool:
        """Should the user's orders be looked up before this message is read? Only when the
        rules' reading could leave something for the model: a lookup is a tool call the
        user sees, and "what's the weather?" needs none."""
        if self.gaps is None:
            return True
        rules: Understanding = self.fallback(text, Context())
        return bool(self.gaps(rules, Context())) or any(
            c.intent in NAMING_INTENTS and any(
                r.words and not r.weak for r in (*c.selection.refs, *c.selection.exclude))
            for c in rules.commands)

    def _request(self, context: Context) -> dict[str, Any]:
        form = schema(context)
        if self.config.provider == "openai":
            fmt: dict[str, Any] = {"type": "json_schema", "json_schema": {
                "name": "understanding", "schema": form, "strict": True}}
            return {"response_format": fmt, "max_tokens": self._max_tokens()}
        # llama.cpp's server (and others) turn a schema into a grammar this way, and read
        # `max_tokens` (the client would send it as `max_completion_tokens`, which
        # llama-cpp-python's server ignores: a runaway form would hold it).
        return {"extra_body": {"response_format": {"type": "json_object", "schema": form},
                               "max_tokens": self._max_tokens()}}

    def _max_tokens(self) -> int:
        return min(self.config.max_tokens or MAX_TOKENS, MAX_TOKENS)


def turn_text(text: str, context: Context) -> str:
    items = "; ".join(f"{i.item_id} {i.title} (order {i.order_id}, {i.status}"
                      + (f", sold by {i.seller}" if i.seller != "shop" else "") + ")"
                      for i in context.items) or "(none yet)"
    lines = [f"ITEMS: {items}"]
    if context.pending_items:
        lines.append(f"PROPOSAL ON SCREEN: {', '.join(context.pending_items)}")
    if context.awaiting:
        lines.append(f"THE ASSISTANT ASKED FOR: {context.awaiting}")
    lines.append(f"MESSAGE: {' '.join(text.split())[:1000]}")
    return "\n".join(lines)


def schema(context: Context) -> dict[str, Any]:
    """The form for this turn: item ids only from the items in context."""
    ids = sorted({i.item_id for i in context.items})
    item = {"enum": ids} if ids else {"type": "string", "maxLength": 0}
    request = {
        "type": "object", "additionalProperties": False,
        "required": ["intent", "order_id", "items", "all_items", "keep"],
        "properties": {
            "intent": {"enum": [i.value for i in Intent]},
            "order_id": {"type": "string", "maxLength": 64},
            "items": {"type": "array", "items": item, "maxItems": 20},
            "all_items": {"type": "boolean"},
            "keep": {"type": "array", "items": item, "maxItems": 20},
        },
    }
    return {
        "type": "object", "additionalProperties": False,
        "required": ["requests", "reason", "reason_text"],
        "properties": {
            "requests": {"type": "array", "items": request, "minItems": 1,
                         "maxItems": MAX_REQUESTS},
            "reason": {"enum": ["", *REASONS]},
            "reason_text": {"type": "string", "maxLength": 200},
        },
    }


def build(data: Any, text: str, context: Context, rules: Understanding) -> Understanding:
    """The model's form, checked: unknown ids, intents and reasons are dropped, order numbers
    must be the user's own, and what the model left empty the rules may fill."""
    if not isinstance(data, dict) or not isinstance(data.get("requests"), list):
        raise ValueError("not a form")
    known = {i.item_id for i in context.items}
    commands: list[Command] = []
    for raw in data["requests"][:MAX_REQUESTS]:
        if not isinstance(raw, dict):
            continue
        try:
            intent = Intent(str(raw.get("intent")))
        except ValueError:
            continue
        items = tuple(i for i in _strings(raw.get("items")) if i in known)
        keep = tuple(i for i in _strings(raw.get("keep")) if i in known)
        order = str(raw.get("order_id") or "").strip()
        typed = (order,) if order and _typed(order, text, context) else ()
        sel = Selection(refs=(ItemRef(ids=items),) if items else (),
                        exclude=(ItemRef(ids=keep),) if keep else (),
                        whole=bool(raw.get("all_items")), order_ids=typed)
        commands.append(Command(intent, sel))
    commands = _with_rules(commands, rules)
    if not commands:
        raise ValueError("an empty form")
    reason = str(data.get("reason") or "")
    reason_value = reason if reason in REASONS else None
    reason_text = str(data.get("reason_text") or "")[:200] or None
    if reason_text and _squash(reason_text) not in _squash(text):
        # Shown back in the proposal: only the user's own words, never the model's (P12).
        reason_text = rules.reason_text or _squash(text)[:200]
    return replace(
        rules, commands=tuple(commands), source="model",
        reason=reason_value or rules.reason,
        reason_text=(reason_text if reason_value == "other" else None) if reason_value
        else rules.reason_text,
    )


def fill(rules: Understanding, read: Understanding, open_: Sequence[Gap]) -> Understanding:
    """The rules' reading with only its gaps filled from the model's."""
    if any(g.command < 0 for g in open_):
        return read  # the rules understood nothing: the model's checked reading
    commands = list(rules.commands)
    filled = False
    for gap in open_:
        command = commands[gap.command]
        picks = _picks(read, command.intent, kept=gap.exclude)
        if gap.candidates:  # a tie: one of the tied items, else the manager asks
            picks = tuple(i for i in picks if i in gap.candidates)
            if len(picks) != 1:
                continue
        if not picks:
            continue
        sel = command.selection
        refs = list(sel.exclude if gap.exclude else sel.refs)
        refs[gap.ref] = ItemRef(ids=picks)
        sel = replace(sel, exclude=tuple(refs)) if gap.exclude else replace(sel, refs=tuple(refs))
        commands[gap.command] = Command(command.intent, sel)
        filled = True
    reason = rules.reason or read.reason
    return replace(rules, commands=tuple(commands), reason=reason,
                   reason_text=rules.reason_text if rules.reason else read.reason_text,
                   source="model" if filled or reason != rules.reason else "rules")


def _picks(read: Understanding, intent: Intent, *, kept: bool) -> tuple[str, ...]:
    """The item ids the model chose for requests like this one (or said to keep)."""
    same = [c for c in read.commands if c.intent is intent] or list(read.commands)
    refs = [r for c in same for r in (c.selection.exclude if kept else c.selection.refs)]
    return tuple(dict.fromkeys(i for r in refs for i in r.ids))


def _with_rules(commands: list[Command], rules: Understanding) -> list[Command]:
    """A request the model left without items borrows what the rules read ("the navy
    blanket" the model couldn't place); a form of nothing but "unknown" is the rules'."""
    if all(c.intent is Intent.UNKNOWN for c in commands):
        return list(rules.commands)
    out = []
    for command in commands:
        sel = command.selection
        if not (sel.refs or sel.whole or sel.exclude) and rules.commands:
            said = next((c.selection for c in rules.commands if c.intent is command.intent),
                        rules.commands[0].selection)
            sel = replace(said, order_ids=sel.order_ids or said.order_ids)
        out.append(Command(command.intent, sel))
    return out


def _typed(order: str, text: str, context: Context) -> bool:
    """An order number counts if the user typed it or it was seen in this conversation."""
    return order.lower() in text.lower() or order in context.orders


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
