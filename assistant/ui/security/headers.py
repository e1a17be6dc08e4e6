"""Security headers for every response, and which page origins may call the API or open a
socket: the app's own, plus any listed in `.chainlit/config.toml`'s `allow_origins`.

The Content-Security-Policy is as tight as Chainlit's front end allows: its index page has
two inline scripts (allowed by their sha256, computed from the page this server renders),
and custom elements (our order cards) are compiled in the browser with `new Function`,
which needs 'unsafe-eval'. Styles may be inline (the UI library injects them); fonts and
KaTeX's stylesheet come from the CDNs Chainlit's page links to.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from urllib.parse import urlsplit

from chainlit.config import config
from starlette.datastructures import Headers
from starlette.types import Message, Scope, Send

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@functools.cache
def content_security_policy() -> str:
    from chainlit.server import get_html_template  # the page Chainlit serves, as served

    page = str(get_html_template(""))  # type: ignore[no-untyped-call]
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page))
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'unsafe-eval' {hashes}",
        "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com https://cdn.jsdelivr.net",
        "font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    found = [
        ("content-security-policy", content_security_policy()),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ]
    if scope.get("scheme") == "https":
        found.append(("strict-transport-security", "max-age=31536000"))
    path = scope.get("path", "")
    if path.startswith(("/user", "/project/", "/auth/", "/login", "/logout", "/feedback")):
        found.append(("cache-control", "no-store"))  # account data stays out of caches
    return [(name.encode(), value.encode()) for name, value in found]


def adding(send: Send, scope: Scope) -> Send:
    """`send`, with the security headers added to the response unless it sets them itself."""
    extra = security_headers(scope)

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            current = list(message.get("headers", []))
            present = {name.lower() for name, _ in current}
            current += [(n, v) for n, v in extra if n not in present]
            message = {**message, "headers": current}
        await send(message)

    return sending


def allowed(origin: str | None, host: str | None) -> bool:
    """A page at `origin` may call this server at `host`: it is the server's own page, or
    one of the configured origins."""
    if not origin:
        return True  # not sent by a browser page (or a same-origin GET)
    configured = config.project.allow_origins
    if origin in configured or "*" in configured:
        return True
    netloc = urlsplit(origin).netloc.lower()
    return bool(host) and netloc == (host or "").lower() and \
        urlsplit(origin).scheme in ("http", "https")


def origin_allowed(scope: Scope) -> bool:
    found = Headers(scope=scope)
    return allowed(found.get("origin"), found.get("host"))


def socket_origin_allowed(origin: str | None, request: dict[str, str]) -> bool:
    """For Socket.IO's `cors_allowed_origins` (which checks the Origin of every socket); the
    request's WSGI-style mapping holds the Host header."""
    return allowed(origin, request.get("HTTP_HOST"))
