"""The mailer: delivers the outbox, each row exactly once, never losing one.

For each due row (not sent, not claimed, its backoff over): claim it with a lease in its
own short transaction (so a second mailer, the app's background task and a cron run, skips
it), deliver it outside any transaction, then mark it sent, only if it is still unsent. A
failure records the error and the next attempt time (exponential backoff, capped); the row
stays and is tried again, forever. A crash between delivering and marking leaves a claim
that expires; the retry carries the same Message-ID (and the Maildir recognises its file).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select, update

from store.db import Store
from store.domain.model import utc
from store.mail import compose, settings
from store.mail.transport import DeliveryError, Transport
from store.sql.orm import EmailRow

log = logging.getLogger(__name__)
EMAILS = cast(Table, EmailRow.__table__)
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)


def message_id(row_id: int, created_at: datetime, domain: str) -> str:
    """Stable per outbox row: the same message keeps the same id on every attempt."""
    return f"<rescind.{row_id}.{utc(created_at):%Y%m%d%H%M%S}@{domain}>"


def maildir_key(row_id: int, created_at: datetime) -> str:
    return f"rescind-{row_id}-{utc(created_at):%Y%m%d%H%M%S}"


def backoff(attempts: int) -> timedelta:
    delay: timedelta = FIRST_RETRY * (2 ** min(max(0, attempts - 1), 20))
    return min(delay, MAX_RETRY)


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed"


class Mailer:
    def __init__(self, store: Store, transport: Transport, *, sender: str | None = None,
                 batch: int = 50) -> None:
        self.store = store
        self.transport = transport
        self.sender = sender or settings.sender()
        self.batch = batch

    def now(self) -> datetime:
        return utc(self.store.clock())

    # --- one pass ---------------------------------------------------------------------------
    def deliver_due(self) -> Report:
        """Deliver every row that is due now; returns what happened."""
        report = Report()
        for row_id in self._due():
            row = self._claim(row_id)
            if row is None:
                continue  # sent or claimed by another mailer meanwhile
            try:
                self.transport.deliver(self.compose(row), maildir_key(row["id"],
                                                                      row["created_at"]))
            except DeliveryError as e:
                self._failed(row, str(e))
                report.failed += 1
                report.errors.append(f"#{row['id']} to {row['to']}: {e}")
                log.warning("mail #%s to %s not delivered (attempt %s): %s", row["id"],
                            row["to"], row["attempts"], e)
                continue
            self._sent(row)
            report.sent += 1
        return report

    def compose(self, row: dict[str, Any]) -> EmailMessage:
        msg = EmailMessage()
        domain = self.sender.rsplit("@", 1)[-1].strip(" >") or "rescind.example"
        msg["Message-ID"] = message_id(row["id"], row["created_at"], domain)
        msg["Date"] = format_datetime(utc(row["created_at"]))
        msg["From"] = self.sender
        msg["To"] = row["to"]
        msg["Subject"] = row["subject"]
        if row["order_id"]:
            msg["X-Rescind-Order"] = row["order_id"]
        msg.set_content(row["body"])
        if row.get("kind") in compose.KINDS and isinstance(row.get("data"), dict):
            msg.add_alternative(compose.render(row["kind"], row["data"]).html, subtype="html")
        return msg

    # --- the row's life ---------------------------------------------------------------------
    def _due(self) -> list[int]:
        now = self.now()
        query = (
            select(EMAILS.c.id)
            .where(
                EMAILS.c.sent_at.is_(None),
                or_(EMAILS.c.next_attempt_at.is_(None), EMAILS.c.next_attempt_at <= now),
                or_(EMAILS.c.claimed_until.is_(None), EMAILS.c.claimed_until <= now),
            )
            .order_by(EMAILS.c.id)
            .limit(self.batch)
        )
        with self.store.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def _claim(self, row_id: int) -> dict[str, Any] | None:
        now = self.now()
        claim = (
            update(EMAILS)
            .where(
                EMAILS.c.id == row_id, EMAILS.c.sent_at.is_(None),
                or_(EMAILS.c.claimed_until.is_(None), EMAILS.c.claimed_until <= now),
            )
            .values(claimed_until=now + LEASE, attempts=EMAILS.c.attempts + 1)
        )
        with self.store.engine.begin() as conn:
            if conn.execute(claim).rowcount != 1:
                return None
            row = conn.execute(select(EMAILS).where(EMAILS.c.id == row_id)).first()
        return dict(row._mapping) if row is not None else None

    def _sent(self, row: dict[str, Any]) -> None:
        domain = self.sender.rsplit("@", 1)[-1].strip(" >") or "rescind.example"
        mark = (
            update(EMAILS)
            .where(and_(EMAILS.c.id == row["id"], EMAILS.c.sent_at.is_(None)))
            .values(sent_at=self.now(), claimed_until=None, last_error=None,
                    next_attempt_at=None,
                    message_id=message_id(row["id"], row["created_at"], domain))
        )
        with self.store.engine.begin() as conn:
            conn.execute(mark)

    def _failed(self, row: dict[str, Any], error: str) -> None:
        retry_at = self.now() + backoff(int(row["attempts"]))
        with self.store.engine.begin() as conn:
            conn.execute(
                update(EMAILS)
                .where(EMAILS.c.id == row["id"], EMAILS.c.sent_at.is_(None))
                .values(claimed_until=None, next_attempt_at=retry_at, last_error=error[:500])
            )


async def run_forever(
    mailer: Mailer, interval: float, stop: asyncio.Event,
    on_error: Callable[[BaseException], None] | None = None,
) -> None:
    """The app's background task: a pass every `interval` seconds until `stop` is set.
    Passes run in a worker thread (the store and smtplib are blocking)."""
    while not stop.is_set():
        try:
            await asyncio.to_thread(mailer.deliver_due)
        except Exception as e:  # a database hiccup must not end the task; the next pass retries
            log.exception("mailer pass failed")
            if on_error is not None:
                on_error(e)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
