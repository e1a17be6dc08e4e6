"""Where messages go: SMTP (stdlib smtplib) when RESCIND_SMTP_URL is set, otherwise a local
Maildir (var/mail by default) that `make run` needs nothing for and any mail client reads.

A transport either delivers the message or raises DeliveryError; the mailer keeps the row
and tries again later. Each message carries a key derived from its outbox row: the Maildir
uses it as the file name, so a retry after a crash finds the file and does not write it
twice; over SMTP the stable Message-ID lets the receiving side recognise a repeat.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from store.mail import settings

SMTP_TIMEOUT_S = 20.0


class DeliveryError(Exception):
    """The message was not accepted; nothing is lost, the mailer retries later."""


class Transport(Protocol):
    def deliver(self, message: EmailMessage, key: str) -> None: ...


class MaildirTransport:
    """Delivery into a Maildir: written under tmp/, then renamed into new/ (atomic), under a
    name derived from the outbox row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        for sub in ("tmp", "new", "cur"):
            (path / sub).mkdir(parents=True, exist_ok=True)

    def delivered(self, key: str) -> bool:
        if (self.path / "new" / key).exists():
            return True
        # A mail client moves read messages to cur/ as "<name>:2,<flags>".
        return any(p.name.split(":", 1)[0] == key for p in (self.path / "cur").iterdir())

    def deliver(self, message: EmailMessage, key: str) -> None:
        if self.delivered(key):
            return  # delivered before a crash stopped the row from being marked sent
        tmp = self.path / "tmp" / f"{key}.{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                f.write(message.as_bytes())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path / "new" / key)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise DeliveryError(f"maildir {self.path}: {e}") from e


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False  # implicit TLS (smtps://)
    starttls: bool = False
    timeout: float = SMTP_TIMEOUT_S

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("RESCIND_SMTP_URL must look like smtp://user:pass@host:587?starttls=1"
                             " or smtps://host:465")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname, port=parts.port or (465 if tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls, starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        )

    def deliver(self, message: EmailMessage, key: str) -> None:
        try:
            client: smtplib.SMTP
            if self.tls:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                refused = client.send_message(message)
            finally:
                _close(client)
        except (smtplib.SMTPException, OSError) as e:  # OSError covers timeouts
            raise DeliveryError(f"smtp {self.host}:{self.port}: {type(e).__name__}: {e}") from e
        if refused:
            raise DeliveryError(f"smtp {self.host}:{self.port} refused {sorted(refused)}")


def _close(client: smtplib.SMTP) -> None:
    """QUIT after the server accepted the message is a courtesy: if the connection drops now,
    the message was still delivered and must not be retried."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def from_env() -> Transport:
    url = settings.smtp_url()
    if url:
        return SmtpTransport.from_url(url)
    return MaildirTransport(settings.maildir())
