"""Where the rules' reading of a message leaves something open that a model may settle.

In guided mode the rules read every message first; a model is asked only about what they
left open: a message the rules understood nothing of, an item phrase that names no item in
context, or a phrase that ties between items (the model may pick one of the tied items, never
another). Whatever the rules did settle stays theirs: a small model reads ordinary wording
worse than the rules do, and typed ids, consent and exclusions the rules found are never the
model's to change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.dialogue.facts import ItemFact
from assistant.dialogue.resolve import best_items
from assistant.understanding.commands import (
    NAMING_INTENTS,
    Context,
    Gap,
    Intent,
    ItemRef,
    Selection,
    Understanding,
)

# Code or an attack ("order #$%-abc'; DROP TABLE orders;--"), not a description of an item:
# nothing in it is for a model to guess at.
_GARBLED = re.compile(r";\s*--|'\s*;|[#$%&*]{2,}|<\s*/?\s*script|\{\{|\$\{")


def gaps(u: Understanding, context: Context) -> list[Gap]:
    """What a model may fill in `u`; empty when the rules' reading is complete."""
    if _GARBLED.search(u.text):
        return []
    if not u.commands and (u.reason or u.option or u.emails or u.postcode):
        # "oh the reason - just dont need them anymore": an answer the rules read in full;
        # a model reading it as a new request once put a kept item back in the proposal.
        return []
    if not u.commands or all(c.intent is Intent.UNKNOWN for c in u.commands):
        return [Gap(command=-1)]
    out: list[Gap] = []
    known = {o.lower() for o in context.orders} | {i.order_id.lower() for i in context.items}
    # "look up order 112-0000802 and cancel the sewing machine": a phrase that names nothing
    # of the user's is about the order they typed that isn't theirs - not for a model to place.
    elsewhere = context.awaiting == "order" or any(o.lower() not in known for o in u.order_ids)
    for n, command in enumerate(u.commands):
        # A status question with a stray word ("did it go thru?") is about what is in
        # focus, not a gap.
        if command.intent not in NAMING_INTENTS:
            continue
        items = _scope(command.selection, context)
        if not items:
            continue  # nothing in context to point at: a model could not point either
        for kept, refs in ((False, command.selection.refs), (True, command.selection.exclude)):
            for k, ref in enumerate(refs):
                open_ = _open(ref, items)
                if open_ == () and elsewhere:
                    continue  # "it's the mountain bike" about an order not found: not ours
                if open_ is not None:
                    out.append(Gap(command=n, ref=k, exclude=kept, candidates=open_))
    return out


def _open(ref: ItemRef, items: Sequence[ItemFact]) -> tuple[str, ...] | None:
    """None if the phrase names one item (or is not a phrase); the tied ids, or () when it
    names nothing."""
    if ref.ids or ref.ordinal is not None or ref.weak or not ref.words:
        return None
    ids, tie = best_items(ref.words, items, every=ref.every)
    if ids and not tie:
        return None
    titles = {i.title.lower() for i in items if i.id in ids}
    if tie and len(titles) == 1:
        return None  # the same title in two orders: nothing in the words can tell; ask
    return tuple(ids)


def _scope(sel: Selection, context: Context) -> list[ItemFact]:
    """The items the phrase is searched in: the order the user typed, else all in context.
    An order typed that isn't in context (another account's, a malformed one) leaves nothing
    to point at: its items are never swapped for the user's own."""
    orders = {i.order_id.lower() for i in context.items}
    typed = {o.lower() for o in sel.order_ids} | {
        i.lower() for ref in sel.refs for i in ref.ids if i.lower() in orders}
    items = [ItemFact(id=i.item_id, title=i.title, status=i.status, seller=i.seller)
             for i in context.items if not typed or i.order_id.lower() in typed]
    return items
