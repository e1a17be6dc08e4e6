"""Staff caller verification (P2) can't be guessed: a few failed tries per order, a few more
per staff member across orders, then verification locks for a while and a supervisor is
handed the case (P13). Everything is audited. Runs inside verify_caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from store import throttle
from store.domain import errors
from store.domain.model import Actor
from store.unit_of_work import UnitOfWork

ORDER_RULE = throttle.Rule("verify_order", limit=3, window=timedelta(minutes=30),
                           lockout=timedelta(minutes=30))
STAFF_RULE = throttle.Rule("verify_staff", limit=10, window=timedelta(minutes=30),
                           lockout=timedelta(minutes=30))


def _keys(actor: Actor, order_id: str) -> list[throttle.Key]:
    return [(ORDER_RULE, order_id), (STAFF_RULE, actor.email)]


def refuse_if_locked(uow: UnitOfWork, actor: Actor, order_id: str) -> None:
    """Before any detail is compared: a locked order or staff member gets no answer at all
    (not even for the right details), and the attempt is audited."""
    lock = throttle.lock_in_force(uow.repo.connection, uow.now(), _keys(actor, order_id))
    if lock is None:
        return
    uow.repo.audit(uow.now(), actor, "verify_caller", "locked", order_id=order_id,
                   rules=["P2"], detail={"scope": lock.scope, "until": lock.until.isoformat()})
    uow.commit()
    raise _locked(lock, uow.now())


def failed(uow: UnitOfWork, actor: Actor, order_id: str) -> errors.VerificationLocked | None:
    """Count a failed verification; when it trips a lock, hand the case off and return the
    error to raise instead of a plain mismatch. The caller commits."""
    locks = throttle.record_failure(uow.repo.connection, uow.now(), _keys(actor, order_id))
    if not locks:
        return None
    ticket = _hand_off(uow, actor, order_id, locks)
    return _locked(locks[0], uow.now(), ticket)


def verified(uow: UnitOfWork, order_id: str) -> None:
    """A right answer clears the order's count (a mistyped postcode, then the right one); the
    staff member's count runs out with its window."""
    throttle.clear(uow.repo.connection, (ORDER_RULE, order_id))


def _hand_off(uow: UnitOfWork, actor: Actor, order_id: str,
              locks: Sequence[throttle.Lock]) -> int:
    what = " and ".join(f"order {order_id}" if lock.scope == ORDER_RULE.scope
                        else f"staff member {actor.email}" for lock in locks)
    summary = (f"Caller verification locked for {what} after repeated failed attempts "
               f"(the last by {actor.email}); please review.")
    ticket = uow.repo.add_handoff(actor, None, order_id, summary, None, uow.now())
    uow.repo.audit(uow.now(), actor, "verify_caller", "locked", order_id=order_id,
                   rules=["P2", "P13"],
                   detail={"ticket": ticket, "scopes": [lock.scope for lock in locks],
                           "until": max(lock.until for lock in locks).isoformat()})
    return ticket


def _locked(lock: throttle.Lock, now: datetime,
            ticket: int | None = None) -> errors.VerificationLocked:
    minutes = -(-lock.retry_after(now) // 60)
    whose = "this order" if lock.scope == ORDER_RULE.scope else "your verifications"
    handed = (f" I've handed the case to a supervisor (ticket {ticket})." if ticket is not None
              else " A supervisor has been asked to review it.")
    return errors.VerificationLocked(
        f"Too many failed verification attempts: caller verification for {whose} is locked "
        f"for {minutes} more minute{'s' if minutes != 1 else ''}.{handed}")
