"""Test helpers for mail: read a Maildir, run a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.app_server import free_port


def maildir_messages(path: Path) -> list[EmailMessage]:
    if not path.exists():
        return []
    box = mailbox.Maildir(path, create=False)
    found = [message_from_bytes(bytes(m), policy=policy.default) for m in box]
    return sorted(found, key=lambda m: str(m["Message-ID"]))  # type: ignore[misc]


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    return (text.get_content() if text else "", html.get_content() if html else "")


@dataclass
class Recorder:
    """An aiosmtpd handler keeping every message it accepted (answered 250 for). With
    `drop_first`, it drops the connection on the first DATA without answering: the client
    has sent the whole message but never hears that it was accepted."""

    drop_first: int = 0
    accepted: list[EmailMessage] = field(default_factory=list)
    dropped: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.dropped < self.drop_first:
            self.dropped += 1
            session.peer  # noqa: B018  (the session is alive until we close its transport)
            server.transport.close()
            return "421 closing"  # never reaches the client: the transport is closed
        self.accepted.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@contextmanager
def smtp_server(handler: Recorder) -> Iterator[str]:
    """A real SMTP server on 127.0.0.1; yields its smtp:// URL."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()
