"""Running one dialog: a fresh in-memory store on a fixed clock at `world.now`, the world
loaded, then each turn through the app's own conversation (messages and button clicks) or
the store's event service, the mailer's delivery into the dialog's own Maildir, a snapshot
after each, then checks and monitors."""

from __future__ import annotations

import json
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

from evals.checks import final_misses, turn_misses
from evals.dialog import Dialog, Turn
from evals.monitors import Step, monitor
from evals.results import RunResult, ToolCall, TurnRecord
from evals.sessions import Click, ReplyLike, Session, SessionFactory
from evals.state import changes, snapshot
from store import services
from store.db import Store, memory_store
from store.domain.model import Actor
from store.mail.mailer import Mailer
from store.mail.transport import MaildirTransport
from store.seed import load_world


class _Clock:
    """The store's clock, fixed at `world.now` for the whole dialog."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def run_dialog(dialog: Dialog, sessions: SessionFactory, run: int = 1) -> RunResult:
    result = RunResult(dialog.id, dialog.path, dialog.title, dialog.policy, dialog.tags, run)
    started = time.perf_counter()
    store = memory_store(_Clock(dialog.now))
    mail = tempfile.TemporaryDirectory(prefix="rescind-eval-mail-")
    try:
        _run(dialog, sessions, store, result, Path(mail.name))
    except Exception as e:  # a crash is a failed run, reported with where it happened
        result.error = f"{type(e).__name__}: {e}"
        result.turns.append(TurnRecord(0, dialog.line, "error", "", note=_trace(e)))
    finally:
        store.engine.dispose()
        mail.cleanup()
        result.seconds = time.perf_counter() - started
    return result


def _run(
    dialog: Dialog, sessions: SessionFactory, store: Store, result: RunResult, maildir: Path,
) -> None:
    load_world(store.uow(), dialog.world)
    # The app's mailer, after every turn, into the dialog's own mailbox: `final: emails`
    # checks what was sent, and each turn's snapshot already shows its e-mails as sent.
    mailer = Mailer(store, MaildirTransport(maildir))
    initial = state = snapshot(store.engine, maildir)
    session = sessions(store, Actor(dialog.role, dialog.actor), f"eval-{dialog.id}-{result.run}")
    steps: list[Step] = []
    shown: dict[str, Any] | None = None  # the latest proposal, whose buttons a click presses
    for turn in dialog.turns:
        record = TurnRecord(turn.index, turn.line, turn.kind, turn.describe())
        result.turns.append(record)
        try:
            _play(turn, session, store, record, shown)
        except Exception as e:
            result.error = f"turn {turn.index} (line {turn.line}): {type(e).__name__}: {e}"
            record.note = _trace(e)
        mailer.deliver_due()
        after = snapshot(store.engine, maildir)
        record.changes = changes(state, after)
        steps.append(Step(turn, record, state, after))
        if turn.expect is not None:
            result.misses.extend(turn_misses(turn.expect, record, state, after, dialog))
        state = after
        shown = record.proposal or shown
        if result.error:
            break
    if dialog.final is not None and result.error is None:
        result.misses.extend(final_misses(dialog.final, initial, state))
    result.breaches.extend(monitor(dialog, steps))


def _play(
    turn: Turn, session: Session, store: Store, record: TurnRecord,
    shown: dict[str, Any] | None,
) -> None:
    if turn.kind == "event":
        assert turn.event is not None
        kind, item = turn.event
        record.note = services.apply_event(store.uow(), kind, item).message
        return
    if turn.kind == "click":
        # The buttons belong to the latest proposal shown; the conversation decides whether
        # they are still live, exactly as for a click in the UI.
        action: Click = "confirm" if turn.text == "confirm" else "keep"
        reply: ReplyLike = session.click(
            action, (shown or {}).get("proposal_id"), (shown or {}).get("fingerprint"))
    else:
        reply = session.send(turn.text)
    _record(reply, record)


def _record(reply: ReplyLike, record: TurnRecord) -> None:
    record.reply = reply.text or ""
    record.tool_calls = [ToolCall(e.name, _plain(e.args), _plain(e.result))
                         for e in reply.tool_events]
    record.proposal = _plain(reply.proposal) if reply.proposal else None
    record.outcome = _plain(reply.outcome) if reply.outcome else None


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe and picklable (tool args may hold enums, results decimals)."""
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


def _trace(e: BaseException) -> str:
    return "".join(traceback.format_exception(e)[-6:])

