"""`rescind serve`: the chat app (Chainlit) on the configured database and model.

The settings are checked and the database migrated before Chainlit starts, so a bad value
or an unreachable database is one clear line, not a stack trace in the first request.
Chainlit's own files (`.chainlit/`, `public/`, `chainlit.md`) are read from the project's
folder when it has them (a clone, an editable install), else from the current directory;
`CHAINLIT_APP_ROOT` names another.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

from store.db import open_failure, open_store
from store.startup import start

PROJECT = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None, prog: str = "rescind serve") -> int:
    p = argparse.ArgumentParser(prog=prog, description="The chat app in the browser.")
    p.add_argument("--host", help="address to listen on (default: CHAINLIT_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: CHAINLIT_PORT or 8000)")
    p.add_argument("--watch", action="store_true",
                   help="restart when a source file changes (development)")
    args = p.parse_args(argv)
    settings = start(default_log_level="INFO")
    try:
        # to head (under an advisory lock on PostgreSQL), unless the launcher already has
        open_store(migrate=settings.serving.migrate).engine.dispose()
    except Exception as e:
        print(f"rescind serve: {open_failure(e)}", file=sys.stderr)
        return 1
    if (PROJECT / ".chainlit").is_dir():
        os.environ.setdefault("CHAINLIT_APP_ROOT", str(PROJECT))
    spec = find_spec("assistant.ui.app")
    assert spec is not None and spec.origin is not None
    from assistant.ui.server import run  # imports Chainlit, which reads CHAINLIT_APP_ROOT

    run(spec.origin, args.host or settings.web.host, args.port or settings.web.port,
        watch=args.watch, compress=settings.web.ws_compression)
    return 0
