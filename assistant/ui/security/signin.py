"""Sign-in for Chainlit's callbacks: throttled password sign-in and SSO-header sign-in, each
opening a server-side session whose id goes into the token.

A locked account or address gets 429 with Retry-After from the gate (Chainlit's login page
looks its message up by the status text: `auth.login.errors."too many requests"` in
.chainlit/translations); a wrong password and an unknown account get the same 401 after the
same work.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

import chainlit as cl

from assistant.ui import pools, runtime
from assistant.ui.datalayer import SESSION_KEY
from assistant.ui.security import settings
from store import sessions
from store.accounts import account_role
from store.domain.model import Actor

MAX_EMAIL, MAX_PASSWORD = 254, 200

# The client address of the HTTP request being served (set by the request gate).
client_address: ContextVar[str] = ContextVar("rescind_client_address", default="")
# The account the gate has just signed in on POST /login, for Chainlit's callback to hand on.
accepted: ContextVar[cl.User | None] = ContextVar("rescind_accepted_user", default=None)


@dataclass(frozen=True)
class Attempt:
    """A sign-in's answer: the user, or a lock to wait out (`retry_after` seconds), or
    neither (wrong password or unknown account: the same answer)."""

    user: cl.User | None = None
    retry_after: int | None = None


async def attempt(email: str, password: str) -> Attempt:
    if not email or not password or len(email) > MAX_EMAIL or len(password) > MAX_PASSWORD:
        return Attempt()
    result = await pools.auth(  # Argon2: CPU work, in its own pool
        sessions.sign_in, runtime.store().uow(), email, password, client_address.get(),
        settings.current().session_lifetime)
    if result.locked is not None:
        return Attempt(retry_after=result.retry_after)
    if result.actor is None or result.session_id is None:
        return Attempt()
    return Attempt(user_for(result.actor, "credentials", result.session_id))


async def password_user(email: str, password: str) -> cl.User | None:
    """Chainlit's password callback. On POST /login the gate has signed in already (a
    callback can't answer 429, the gate can); called any other way, it signs in here."""
    user = accepted.get()
    if user is not None and user.identifier == email.strip().lower():
        return user
    return (await attempt(email, password)).user


async def header_user(email: str) -> cl.User | None:
    """Behind an SSO proxy: the proxy vouches for the e-mail, the store decides the role."""
    email = email.strip()
    if not email or len(email) > MAX_EMAIL:
        return None
    store = runtime.store()
    actor = await pools.quick(account_role, store.uow(), email)
    if actor is None:
        return None
    session_id = await pools.quick(
        sessions.open_session, store.uow(), actor.email, "header", client_address.get(),
        settings.current().session_lifetime)
    return user_for(actor, "header", session_id)


def too_many(retry_after: int) -> str:
    minutes = -(-retry_after // 60)
    return (f"Too many sign-in attempts. Please wait {minutes} minute"
            f"{'s' if minutes != 1 else ''} before trying again.")


def user_for(actor: Actor, provider: str, session_id: str) -> cl.User:
    # The metadata is informational (shown, persisted) except the session id, which the
    # token carries and the server checks; every decision re-reads the store.
    return cl.User(identifier=actor.email,
                   metadata={"role": actor.kind, "provider": provider, SESSION_KEY: session_id})
