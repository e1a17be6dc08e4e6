"""The request gate: one ASGI middleware in front of Chainlit's server (HTTP and socket).

For every request it
- answers 404 for FastAPI's API docs and schema (unless RESCIND_API_DOCS=on) and for routes
  of features that are switched off (MCP, thread sharing, file upload);
- refuses a state-changing request from a page of another origin (403);
- checks every session token presented (cookie or Bearer): a token whose sign-in session
  has ended or run out gets 401 on the API, and is dropped from page and socket requests
  (which then count as signed out); sign-out ends the session and closes its sockets;
- renews a live token past half its life (the session's own end still bounds it);
- checks the bodies of Chainlit's JSON routes (security/routes.py) and caps every other body;
- adds security headers to every response, and turns an unexpected exception into a 4xx
  with a plain message instead of a bare 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from chainlit.auth.cookie import clear_auth_cookie, set_auth_cookie
from chainlit.config import config
from sqlalchemy.exc import DBAPIError
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.ui import ownership
from assistant.ui.security import headers, routes, signin, tokens
from assistant.ui.security.settings import Settings
from store.domain.errors import StoreUnavailable
from store.settings import SecuritySettings

log = logging.getLogger(__name__)

DOCS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
# Routes that accept a request without a live token: signing in and out.
SIGN_IN_OUT = frozenset({"/login", "/auth/header", "/logout", "/auth/config"})
API_PREFIXES = ("/user", "/project/", "/feedback", "/auth/", "/mcp", "/set-session-cookie")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Files the page loads (scripts, styles, icons): served alike to everyone, so no token check.
STATIC_PREFIXES = ("/assets/", "/public/", "/favicon", "/logo", "/avatars/", "/copilot/")
SIGN_IN_BODY_BYTES = 4096  # an e-mail and a password, form-encoded
ENDED = "Your session has ended; please sign in again."
UNEXPECTED = ("That request couldn't be handled. Please try again; if it keeps happening, "
              "reload the page.")

# Chainlit's session cookie (and its chunks, `access_token_0`...), named as Chainlit names it.
AUTH_COOKIE = SecuritySettings.load().auth_cookie.encode()

SocketCloser = Callable[[str], Awaitable[None]]


class Gate:
    def __init__(self, app: ASGIApp, settings: Settings, socket_path: str,
                 close_sockets: SocketCloser) -> None:
        self.app = app
        self.capped = RequestBodyLimitMiddleware(app, settings.max_body_bytes)
        self.settings = settings
        self.socket_path = socket_path
        self.close_sockets = close_sockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            address = (scope.get("client") or ("",))[0] or ""
            token = signin.client_address.set(address)
            try:
                await self._http(scope, receive, headers.adding(send, scope))
            finally:
                signin.client_address.reset(token)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    # --- HTTP ------------------------------------------------------------------------------
    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if refusal := self._switched_off(method, path):
            return await refuse(scope, send, *refusal)
        if method not in SAFE_METHODS and not headers.origin_allowed(scope):
            return await refuse(scope, send, 403, "Requests from other sites are not accepted.")
        if method == "POST" and path == "/login":
            return await self._sign_in(scope, receive, send)
        if method in SAFE_METHODS and path.startswith(STATIC_PREFIXES):
            return await self._safely(self.app, scope, receive, send)  # no account involved
        claims, dead = await self._tokens(scope)
        if dead:
            if is_api(method, path) and path not in SIGN_IN_OUT:
                return await refuse(scope, send, 401, ENDED, clear_cookie=scope)
            send = clearing_cookie(send, scope)
            scope = without_tokens(scope)
        elif claims is not None and path == "/logout" and method == "POST":
            assert claims.session_id is not None
            await tokens.end(claims.session_id, "signed_out")
            await self.close_sockets(claims.session_id)
        elif claims is not None and path not in SIGN_IN_OUT and not path.startswith("/auth/") \
                and tokens.due_for_renewal(claims, self.settings.token_lifetime, _now()):
            send = renewing(send, scope, claims)
        who = claims.identifier if claims is not None and not dead else None
        requester = ownership.requester.set(ownership.Requester(who) if who else None)
        try:
            if routes.guarded(method, path):
                body = await read_body(receive, self.settings.max_body_bytes)
                if body is None:
                    return await refuse(scope, send, 413, "That request is too large.")
                if refusal := await routes.check(method, path, body, who):
                    return await refuse(scope, send, *refusal)
                receive = replaying(body, receive)
            target = self.app if path.startswith(self.socket_path) else self.capped
            await self._safely(target, scope, receive, send)
        finally:
            ownership.requester.reset(requester)

    async def _sign_in(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Throttled password sign-in, answered here (429 with Retry-After, or Chainlit's
        own 401); an accepted account goes on to Chainlit, which issues the token."""
        body = await read_body(receive, SIGN_IN_BODY_BYTES)
        if body is None:
            return await refuse(scope, send, 413, "That request is too large.")
        try:
            form = await Request(scope, replaying(body, _no_receive)).form()
        except Exception:  # whatever a hand-made body breaks in the form parser
            return await refuse(scope, send, 400, "The sign-in form isn't valid.")
        username, password = form.get("username"), form.get("password")
        try:
            outcome = await signin.attempt(username if isinstance(username, str) else "",
                                           password if isinstance(password, str) else "")
        except (StoreUnavailable, DBAPIError):  # the database away: say so, not a 500
            return await refuse(scope, send, 503, StoreUnavailable().message)
        if outcome.retry_after is not None:
            return await refuse(scope, send, 429, signin.too_many(outcome.retry_after),
                               extra={"Retry-After": str(outcome.retry_after)})
        if outcome.user is None:
            return await refuse(scope, send, 401, "credentialssignin")  # Chainlit's own answer
        accepted = signin.accepted.set(outcome.user)
        try:
            await self._safely(self.app, scope, replaying(body, receive), send)
        finally:
            signin.accepted.reset(accepted)

    def _switched_off(self, method: str, path: str) -> tuple[int, str] | None:
        if path in DOCS and not self.settings.api_docs:
            return 404, "Not found."
        if path == "/mcp" and not config.features.mcp.enabled:
            return 404, "MCP servers are switched off."
        sharing = bool(getattr(config.features, "allow_thread_sharing", False))
        if not sharing and (path == "/project/thread/share" or path.startswith("/project/share/")):
            return 404, "Sharing conversations is switched off."
        if method == "POST" and path == "/project/file" \
                and not config.features.spontaneous_file_upload.enabled:
            return 403, "File uploads are switched off."
        return None

    async def _tokens(self, scope: Scope) -> tuple[tokens.Claims | None, bool]:
        """(the claims of the token Chainlit will use, whether any token presented is signed
        by us but names a session that is over). A token we didn't sign is Chainlit's to
        refuse."""
        cookie_token, bearer = tokens.from_headers(scope["headers"])
        chosen: tokens.Claims | None = None
        dead = False
        # A browser often presents the same token as cookie and header: one look-up.
        for token in dict.fromkeys(t for t in (cookie_token, bearer) if t):
            claims = tokens.decode(token)
            if claims is None:
                continue
            if await tokens.live(claims) is None:
                dead = True
            chosen = chosen or claims
        return chosen, dead

    async def _safely(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, tracking)
        except Exception as e:
            if started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if isinstance(e, StoreUnavailable | DBAPIError):
                await reply(send, 503, StoreUnavailable().message)
            else:
                await reply(send, 400, UNEXPECTED)

    # --- socket ------------------------------------------------------------------------------
    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A socket that presents a token of an ended session connects as nobody (Chainlit
        then refuses it); the page's Origin is checked by Socket.IO itself."""
        _, dead = await self._tokens(scope)
        await self.app(without_tokens(scope) if dead else scope, receive, send)


# --- helpers ---------------------------------------------------------------------------------
def is_api(method: str, path: str) -> bool:
    return method not in SAFE_METHODS or path.startswith(API_PREFIXES)


def _now() -> datetime:
    return datetime.now(UTC)


def without_tokens(scope: Scope) -> Scope:
    """The request as if no session token had come with it (other cookies stay)."""
    kept: list[tuple[bytes, bytes]] = []
    for name, value in scope["headers"]:
        if name == b"authorization":
            continue
        if name == b"cookie":
            parts = [p for p in value.split(b";")
                     if not p.strip().split(b"=", 1)[0].startswith(AUTH_COOKIE)]
            if not parts:
                continue
            value = b";".join(parts)
        kept.append((name, value))
    return {**scope, "headers": kept}


async def refuse(scope: Scope, send: Send, status: int, message: str,
                 **options: Any) -> None:
    """Answer a request the gate turns away (and say so in the log)."""
    log.warning("%s %s from %s: %s %s", scope["method"], scope["path"],
                (scope.get("client") or ("?",))[0], status, message)
    await reply(send, status, message, **options)


async def reply(send: Send, status: int, message: str, *,
                clear_cookie: Scope | None = None, extra: dict[str, str] | None = None) -> None:
    response = Response(json.dumps({"detail": message}), status_code=status,
                        media_type="application/json", headers=extra)
    if clear_cookie is not None:
        clear_auth_cookie(Request(clear_cookie), response)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def clearing_cookie(send: Send, scope: Scope) -> Send:
    return _with_cookies(send, lambda response: clear_auth_cookie(Request(scope), response))


def renewing(send: Send, scope: Scope, claims: tokens.Claims) -> Send:
    return _with_cookies(send, lambda response: set_auth_cookie(
        Request(scope), response, tokens.renewed(claims)))


def _with_cookies(send: Send, write: Callable[[Response], Any]) -> Send:
    """Add the Set-Cookie headers `write` puts on a response, unless the app's own response
    already sets the session cookie (sign-in, sign-out)."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            current = list(message.get("headers", []))
            if not any(n == b"set-cookie" and v.startswith(AUTH_COOKIE) for n, v in current):
                scratch = Response()
                write(scratch)
                current += [(n, v) for n, v in scratch.raw_headers if n == b"set-cookie"]
                message = {**message, "headers": current}
        await send(message)

    return sending


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replaying(body: bytes, then: Receive) -> Receive:
    """The body read already, once; then the client's own messages (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await then()

    return receive
