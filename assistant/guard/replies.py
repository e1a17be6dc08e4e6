"""The reply guard (P12): a model's own words never state something the store contradicts.

The model can't change anything (only the user's confirmation does), but a weak or misled
model can still *say* "your drone has been cancelled". Before a model-written reply is shown,
its claims are read the way the evals' monitor reads them (`assistant.claims`) and checked
against the store; a reply that contradicts it is replaced by what the store says. The store
is asked only when the text makes a claim, so most turns cost no query.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, ToolMessage

from assistant.guard.claims import read_claims
from store import services
from store.db import Store
from store.domain.model import Actor
from store.services import ItemFact

RECENT_ORDERS = 20
# "has been cancelled", "I've cancelled", "is now cancelled", "cancellation is complete":
# a statement that something was done, whichever item it is about.
_DONE = re.compile(
    r"\b(?:has|have) been cancel{1,2}ed\b|\b(?:i|we)(?:'ve| have)?\s+(?:just\s+|now\s+)?"
    r"cancel{1,2}ed\b|\bsuccessfully cancel{1,2}ed\b|\b(?:is|are|was|were) (?:now )?"
    r"cancel{1,2}ed\b|\bcancel{1,2}ation (?:is|was|has been) (?:complete|successful|done|"
    r"processed|confirmed)\b|\brefund(?:ed)? (?:has been|was) (?:issued|sent|processed)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|never|cannot|can't|couldn't|isn't|wasn't|hasn't|haven't)\b",
                      re.IGNORECASE)
CORRECTION = "Let me stick to what the order system says: {facts}. Nothing has been changed."
UNVERIFIED = ("I can't confirm that: nothing has been cancelled or changed in this "
              "conversation yet. Tell me the order number and what you'd like to do.")


def check(
    text: str, store: Store, actor: Actor, seen: Iterable[BaseMessage],
    acting_for: str | None = None,
) -> str | None:
    """A replacement for `text` if it contradicts the store, else None."""
    order_ids = orders_in(seen)
    claims_done = any(_DONE.search(c) and not _NEGATED.search(c) for c in _sentences(text))
    titles = titles_in(seen)
    if not claims_done and not _claims_anything(text, titles):
        return None
    facts, emails = services.item_facts(
        store.uow(), actor, order_ids, own_recent=RECENT_ORDERS if claims_done else 0
    )
    if acting_for and claims_done:
        facts += services.item_facts(store.uow(), Actor("customer", acting_for), [],
                                     own_recent=RECENT_ORDERS)[0]
    problems = contradictions(text, facts, emails)
    if problems:
        return CORRECTION.format(facts="; ".join(problems))
    if claims_done and not read_claims(text, {f.title for f in facts}).cancelled:
        return UNVERIFIED  # "it has been cancelled", naming nothing the store has cancelled
    return None


def contradictions(text: str, facts: Sequence[ItemFact], emails: int) -> list[str]:
    by_title = {f.title: f for f in facts}
    claims = read_claims(text, by_title)
    problems = [f"{t} is {by_title[t].status}" for t in sorted(claims.cancelled)
                if by_title[t].status != "cancelled"]
    problems += [f"{t} is {by_title[t].status}" for t, state in sorted(claims.states)
                 if by_title[t].status != state and f"{t} is {by_title[t].status}" not in problems]
    problems += [f"{t} is cancelled" for t in sorted(claims.not_cancelled)
                 if by_title[t].status == "cancelled"]
    if claims.email_sent and emails == 0:
        problems.append("no confirmation e-mail has been sent")
    if claims.request_sent and not any(f.seller_request for f in facts):
        problems.append("no request has been sent to a seller")
    if claims.refusal_flagged and not any(f.refusal_flagged for f in facts):
        problems.append("no refusal has been flagged")
    return problems


def orders_in(messages: Iterable[BaseMessage]) -> list[str]:
    found: list[str] = []
    for data in _tool_results(messages):
        for order in [data, *(data.get("orders") or [])]:
            if isinstance(order, dict) and isinstance(order.get("order_id"), str):
                found.append(order["order_id"])
    return list(dict.fromkeys(found))


def titles_in(messages: Iterable[BaseMessage]) -> set[str]:
    titles: set[str] = set()
    for data in _tool_results(messages):
        for order in [data, *(data.get("orders") or [])]:
            for item in (order.get("items") or []) if isinstance(order, dict) else []:
                if isinstance(item, dict) and isinstance(item.get("title"), str):
                    titles.add(item["title"])
    return titles


def _claims_anything(text: str, titles: set[str]) -> bool:
    claims = read_claims(text, titles)
    return bool(claims.cancelled or claims.not_cancelled or claims.states or claims.email_sent
                or claims.request_sent or claims.refusal_flagged)


def _tool_results(messages: Iterable[BaseMessage]) -> Iterable[dict[str, Any]]:
    for m in messages:
        if isinstance(m, ToolMessage) and isinstance(m.content, str):
            try:
                data = json.loads(m.content)
            except ValueError:
                continue
            if isinstance(data, dict):
                yield data


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
