"""Sign-in and the role that follows from the account (never from the browser).

The chat profile a browser asks for is only a label: the role is looked up in the store for
the signed-in e-mail each time a chat starts, and the profile shown is the one it allows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import chainlit as cl

from assistant.ui import pools, runtime
from assistant.ui.security import signin
from store.accounts import account_role
from store.domain.model import Actor

log = logging.getLogger(__name__)

PROFILES = {"customer": "Customer assistant", "staff": "Support desk",
            "seller": "Seller desk"}
_DESCRIPTIONS = {
    "customer": "Cancel items of your orders, check where an order is and whether a "
    "cancellation went through.",
    "staff": "Look up any order and whether it can be cancelled; act for a caller once you "
    "have verified them. Work the handoff queue and record returned parcels.",
    "seller": "Answer your customers' cancellation requests: approve or deny each one.",
}
_STARTERS = {
    "customer": [
        ("Cancel an order", "I want to cancel an order.", "/public/icons/cancel.svg"),
        ("Where is my order?", "Where is my order? Show me my recent orders.",
         "/public/icons/package.svg"),
        ("Did my cancellation go through?", "Did my cancellation go through?",
         "/public/icons/check.svg"),
    ],
    "staff": [
        ("Is this order cancellable?", "Is an order cancellable? I'll give you the number.",
         "/public/icons/search.svg"),
        # Worded as the dialogue understands it: it asks for the order and the e-mail or
        # postcode (a bare "verify a caller" was read as off-topic).
        ("Verify a caller", "A caller is on the phone and wants to cancel an order; "
         "I need to verify them first.",
         "/public/icons/phone.svg"),
        ("Open handoffs", "/handoffs", "/public/icons/check.svg"),
        ("Returns center", "/returns", "/public/icons/package.svg"),
    ],
    "seller": [
        ("Pending requests", "Show my pending requests", "/public/icons/package.svg"),
    ],
}


async def password_user(email: str, password: str) -> cl.User | None:
    """Throttled, opening a server-side session (assistant/ui/security/signin.py)."""
    return await signin.password_user(email, password)


async def header_user(headers: Mapping[str, str], header: str) -> cl.User | None:
    """Behind an SSO proxy: the proxy vouches for the e-mail, the store decides the role."""
    return await signin.header_user(headers.get(header) or "")


async def actor_of(user: cl.User | None) -> Actor | None:
    """The acting user for a chat: the account behind the signed-in identity, as it is now."""
    if user is None:
        return None
    return await pools.quick(account_role, runtime.store().uow(), user.identifier)


def profile_for(actor: Actor) -> cl.ChatProfile:
    return cl.ChatProfile(
        name=PROFILES[actor.kind],
        markdown_description=_DESCRIPTIONS[actor.kind] + (
            "" if actor.is_seller else f"\n\n{runtime.model_notice()}"),
        icon="/public/logo.svg",
        default=True,
    )


def starters_for(actor: Actor) -> list[cl.Starter]:
    return [cl.Starter(label=label, message=message, icon=icon)
            for label, message, icon in _STARTERS[actor.kind]]


def settle_profile(actor: Actor, claimed: str | None) -> str:
    """The profile this account allows. A browser can claim any profile name (Chainlit passes
    it through unchecked); a different claim is logged and overridden."""
    allowed = PROFILES[actor.kind]
    if claimed and claimed != allowed:
        log.warning("%s claimed chat profile %r; using %r", actor, claimed[:60], allowed)
    return allowed
