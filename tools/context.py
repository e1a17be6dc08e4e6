"""What the tools know about the conversation, injected by the agent, never by the model."""

from __future__ import annotations

from dataclasses import dataclass

from store.db import Store
from store.domain.model import Actor


@dataclass
class ToolContext:
    actor: Actor  # from the authenticated session (P1, P2)
    store: Store
    thread_id: str
    # Staff only: the caller they verified (P2). Set on the server by `verify_caller`.
    acting_for: str | None = None
