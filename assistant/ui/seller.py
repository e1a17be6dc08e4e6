"""A seller's chat: no assistant, only their pending cancellation requests and the buttons
to answer them (two-phase, through the core). Whatever a seller types shows the list again.
"""

from __future__ import annotations

from typing import Any

from assistant.ui import backoffice, views
from store.domain.model import Actor

NOT_HERE = "That isn't available on the seller desk; nothing was changed."


class SellerDesk:
    """The session object of a signed-in seller (the chat's other sessions are ChatSession)."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor

    async def on_message(self, text: str) -> None:
        await backoffice.show_requests(self.actor)

    # The customer chat's buttons mean nothing here (a forged action gets a plain refusal).
    async def on_click(self, action: str, payload: Any) -> None:
        await views.say(NOT_HERE)

    async def on_pick(self, payload: Any) -> dict[str, Any]:
        await views.say(NOT_HERE)
        return {"ok": False, "message": NOT_HERE}

    async def on_show_cancelled(self) -> None:
        await views.say(NOT_HERE)
