"""Chainlit's server started the way `chainlit run` starts it, without two costs of its CLI.

Importing `chainlit.cli` applies `nest_asyncio` to the whole process, for re-entrant event
loops this app never uses: it swaps asyncio's C tasks and futures for the pure-Python ones
and runs the loop's scheduling in Python. Under 200 chats the event loop (sockets, HTTP,
Chainlit's emits) was a third of the process's CPU, and all of it ran on that slower path
(py-spy, issue 11). The CLI also compresses every websocket frame (per-message deflate):
CPU on both ends for chat messages of a few hundred bytes. Here it is off unless
`UVICORN_WS_PER_MESSAGE_DEFLATE` turns it on (`store.settings.WebSettings`). TLS, a root
path and the websocket library are left to their defaults: `make serve` puts a proxy in
front, which is where TLS ends.

The steps are the CLI's own (`chainlit/cli/__init__.py`, `run_chainlit`): the same config,
module loading, secret check, `chainlit.md` and LangChain cache set-up, then uvicorn.

One change: each process keeps its sessions' files in a folder of its own. Chainlit keeps
them under `APP_ROOT/.files` and deletes that folder when its server stops, so with
`make serve` one process stopping took every other process's files away and their next
order card failed ("No such file or directory").
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import uvicorn


def _files_of_this_process() -> None:
    """Before `chainlit.server` is imported: it takes the folder by value."""
    import chainlit.config

    own = Path(chainlit.config.FILES_DIRECTORY) / f"process-{os.getpid()}"
    own.mkdir(parents=True, exist_ok=True)
    chainlit.config.FILES_DIRECTORY = own


def run(target: str, host: str, port: int, *, watch: bool = False,
        compress: bool = False) -> None:
    from chainlit.auth import ensure_jwt_secret
    from chainlit.cache import init_lc_cache
    from chainlit.config import config, load_module
    from chainlit.markdown import init_markdown

    config.run.headless = True
    config.run.watch = watch
    config.run.host, config.run.port = host, port
    _files_of_this_process()
    from chainlit.server import app

    config.run.module_name = target
    load_module(target)
    ensure_jwt_secret()  # type: ignore[no-untyped-call]
    if not (config.code.on_chat_start or config.code.on_message):
        raise RuntimeError(f"{target} defines no Chainlit handlers")
    init_markdown(config.root)
    init_lc_cache()  # type: ignore[no-untyped-call]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="error",
                                           ws_per_message_deflate=compress))
    asyncio.run(server.serve())
