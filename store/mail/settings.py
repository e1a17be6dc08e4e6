"""Mail settings from the environment, read when used (tests and the CLI set them late)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAILDIR = ROOT / "var" / "mail"
DEFAULT_SENDER = "Rescind orders <orders@rescind.example>"
DEFAULT_PUBLIC_URL = "http://localhost:8000"


def smtp_url() -> str | None:
    """smtp://[user:password@]host[:port][?starttls=1] or smtps://...; unset: the Maildir."""
    return os.environ.get("RESCIND_SMTP_URL", "").strip() or None


def maildir() -> Path:
    return Path(os.environ.get("RESCIND_MAILDIR", "").strip() or DEFAULT_MAILDIR)


def sender() -> str:
    return os.environ.get("RESCIND_MAIL_FROM", "").strip() or DEFAULT_SENDER


def public_url() -> str:
    """Where the app is reached from a customer's mailbox: the base of the order links."""
    return (os.environ.get("RESCIND_PUBLIC_URL", "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


def interval_seconds() -> float:
    """How often the app's background mailer looks for due messages."""
    try:
        return max(0.2, float(os.environ.get("RESCIND_MAIL_INTERVAL", "5")))
    except ValueError:
        return 5.0
