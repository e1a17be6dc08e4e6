"""The mutants' world and their session: the app's own conversation (the offline model behind
the real `Conversation`) with hooks where a defect breaks it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evals.sessions import AgentSessions, Click, ReplyLike, Session
from store import services
from store.db import Store
from store.domain.model import Actor

WORLD = """
world:
  now: "2026-11-26T10:00:00Z"
  customers:
    - {email: ana@example.com, name: Ana Lima, postcode: "10115"}
    - {email: bob@example.com, name: Bob Stone, postcode: "SW1A 1AA"}
  staff:
    - {email: sam@shop.example, name: Sam Rivera}
  orders:
    - id: "112-0000001"
      customer: ana@example.com
      placed_at: "2026-11-25T10:00:00Z"
      items:
        - {id: A1, title: Wireless headphones, price: "59.99", qty: 1, status: unshipped}
        - {id: A2, title: USB-C cable, price: "9.99", qty: 2, status: unshipped, seller: Cable Co}
    - id: "112-0000009"
      customer: bob@example.com
      placed_at: "2026-11-25T10:00:00Z"
      items:
        - {id: B1, title: Espresso machine, price: "329.00", qty: 1, status: unshipped}
"""
ANA = "{customer: ana@example.com}"
SHOW = "  - user: show me order 112-0000001\n"
CANCEL = "  - user: cancel the headphones in 112-0000001, no longer needed\n"
BOB_ORDER = "112-0000009"


@dataclass
class Reply:
    text: str
    tool_events: list[Any] = field(default_factory=list)
    proposal: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None


@dataclass
class Event:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


class Broken:
    """The real conversation, and the hooks a defect sets: a reply given instead of the real
    one, a change to the real reply, what a click does, and a side effect after each message."""

    def __init__(self, real: Any, store: Store, actor: Actor, thread_id: str) -> None:
        self.real, self.store, self.actor, self.thread_id = real, store, actor, thread_id
        self.instead: Callable[[str], ReplyLike | None] = lambda text: None
        self.on_send: Callable[[str, ReplyLike], ReplyLike] = lambda text, reply: reply
        self.on_click: Callable[[Click, Callable[[], ReplyLike]], ReplyLike] = \
            lambda action, real: real()
        self.after: Callable[[], None] = lambda: None

    def send(self, text: str) -> ReplyLike:
        reply = self.instead(text) or self.on_send(text, self.real.send(text))
        self.after()
        return reply

    def click(self, action: Click, proposal_id: str | None = None,
              fingerprint: str | None = None) -> ReplyLike:
        return self.on_click(action, lambda: self.real.click(action, proposal_id, fingerprint))

    def pending(self) -> str | None:
        """The proposal on screen, as the real conversation holds it."""
        shown = getattr(self.real, "pending", None)
        return str(shown["proposal_id"]) if shown else None

    def confirm(self, proposal_id: str) -> Reply:
        # The real conversation sees at its next turn that the proposal is no longer open.
        outcome = services.confirm(self.store.uow(), self.actor, proposal_id).as_dict()
        return Reply("Done.", outcome=outcome)

    def write(self, action: Callable[[Any, Any], object]) -> None:
        """A write straight to the tables, past every rule of the core."""
        with self.store.uow() as uow:
            action(uow.repo, uow.now())
            uow.commit()


_sessions: AgentSessions | None = None


def sessions(store: Store, actor: Actor, thread_id: str) -> Session:
    """The app's own conversation, its agents compiled once per process."""
    global _sessions
    if _sessions is None:
        _sessions = AgentSessions("offline")
    return _sessions(store, actor, thread_id)
