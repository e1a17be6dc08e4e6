"""Mail settings (the `mail` section of `store.settings`), read when used: tests and the
CLI set them late."""

from __future__ import annotations

from pathlib import Path

from store.settings import MailSettings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAILDIR = ROOT / "var" / "mail"


def smtp_url() -> str | None:
    """smtp://[user:password@]host[:port][?starttls=1] or smtps://...; unset: the Maildir."""
    url = MailSettings.load().smtp_url
    return url.get_secret_value() if url is not None else None


def maildir() -> Path:
    configured = MailSettings.load().maildir
    return Path(configured) if configured else DEFAULT_MAILDIR


def sender() -> str:
    return MailSettings.load().sender


def public_url() -> str:
    """Where the app is reached from a customer's mailbox: the base of the order links."""
    return MailSettings.load().public_url.rstrip("/")


def interval_seconds() -> float:
    """How often the app's background mailer looks for due messages."""
    return MailSettings.load().interval_s
