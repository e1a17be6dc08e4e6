"""The session token Chainlit signs (a JWT in the `access_token` cookie or a Bearer header),
read on our side: which sign-in session it names, and whether that session is still live.

Chainlit puts the user's metadata into the token; our sign-in adds the session id there
(`sid`), so every token names a row of `auth_sessions` that the server can end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import chainlit as cl
import jwt
from chainlit.auth import create_jwt
from chainlit.auth.cookie import get_token_from_cookies
from starlette.requests import cookie_parser

from assistant.ui import pools, runtime
from assistant.ui.datalayer import SESSION_KEY
from store import sessions
from store.settings import live_auth_secret

SECRET_ENV = "CHAINLIT_AUTH_SECRET"
ALGORITHM = "HS256"  # the only one Chainlit signs with; anything else is refused


@dataclass(frozen=True)
class Claims:
    identifier: str
    session_id: str | None
    expires_at: datetime
    display_name: str | None
    metadata: dict[str, Any]


def decode(token: str, *, check_expiry: bool = True) -> Claims | None:
    """The token's claims if Chainlit's secret signed it (and it hasn't run out); None for
    anything else: forged, re-signed, `alg: none`, expired, malformed."""
    secret = live_auth_secret()
    if not secret or not token:
        return None
    try:
        data = jwt.decode(token, secret, algorithms=[ALGORITHM],
                          options={"require": ["exp"], "verify_exp": check_expiry})
    except jwt.PyJWTError:
        return None
    identifier, metadata = data.get("identifier"), data.get("metadata") or {}
    if not isinstance(identifier, str) or not isinstance(metadata, dict):
        return None
    sid = metadata.get(SESSION_KEY)
    name = data.get("display_name")
    return Claims(identifier, sid if isinstance(sid, str) else None,
                  datetime.fromtimestamp(int(data["exp"]), UTC),
                  name if isinstance(name, str) else None, metadata)


def from_headers(headers: Iterable[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """(the cookie's token, the Bearer header's token), as Chainlit would read them."""
    cookie_token = bearer = None
    for name, value in headers:
        if name == b"cookie":
            cookie_token = cookie_token or get_token_from_cookies(
                cookie_parser(value.decode("latin-1")))
        elif name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and rest.strip():
                bearer = rest.strip()
    return cookie_token, bearer


async def live(claims: Claims) -> sessions.LiveSession | None:
    """The sign-in session behind the token, if the server hasn't ended it and it hasn't run
    out, and it belongs to the token's account. A token without one (issued before sessions
    existed) is no longer good."""
    if claims.session_id is None:
        return None
    found = await pools.quick(sessions.live_session, runtime.store().uow(),
                              claims.session_id)
    return found if found is not None and found.email == claims.identifier else None


async def still_signed_in(token: str | None) -> bool:
    """For an open socket: its token may have run out while it was open (renewal happens
    over HTTP), but its session must still be live."""
    claims = decode(token or "", check_expiry=False)
    return claims is not None and await live(claims) is not None


async def end(session_id: str, reason: str) -> bool:
    return await pools.quick(sessions.end_session, runtime.store().uow(), session_id, reason)


def due_for_renewal(claims: Claims, lifetime: timedelta, now: datetime) -> bool:
    """Past half its life: a fresh token goes out with the response."""
    return claims.expires_at - now < lifetime / 2


def renewed(claims: Claims) -> str:
    """The same user and session in a new token with a full lifetime; the session's own end
    still bounds it (checked on every request)."""
    return create_jwt(cl.User(identifier=claims.identifier, display_name=claims.display_name,
                              metadata=claims.metadata))
