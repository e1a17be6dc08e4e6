"""The web surface's defences, installed on Chainlit's server from the app module.

`install()` puts the request gate in front of every HTTP request and socket (gate.py), sets
the token lifetime, Socket.IO's packet cap and allowed page origins; sign-in goes through
signin.py; messages are held to the size limit at the chat's edge (limits.py).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def install() -> None:
    """Once per process (Chainlit may load the app module again on a reload)."""
    from chainlit.config import config
    from chainlit.server import SOCKET_IO_PATH, app, sio

    from assistant.ui.security import headers, settings
    from assistant.ui.security.gate import Gate

    if getattr(app.state, "rescind_gate", False):
        return
    current = settings.current()
    # Chainlit signs tokens, and sets the cookie's max-age, with this lifetime.
    config.project.user_session_timeout = int(current.token_lifetime.total_seconds())
    sio.eio.max_http_buffer_size = current.socket_max_bytes
    sio.eio.cors_allowed_origins = headers.socket_origin_allowed
    app.add_middleware(Gate, settings=current, socket_path=SOCKET_IO_PATH,
                       close_sockets=close_sockets)
    app.state.rescind_gate = True


async def close_sockets(session_id: str) -> None:
    """Disconnect every socket opened with a token of this (now ended) sign-in session."""
    from chainlit.server import sio
    from chainlit.session import ws_sessions_id

    from assistant.ui.security import tokens

    for session in list(ws_sessions_id.values()):
        claims = tokens.decode(session.token or "", check_expiry=False)
        if claims is not None and claims.session_id == session_id:
            log.info("closing socket %s: its sign-in session has ended", session.socket_id)
            await sio.disconnect(session.socket_id)
