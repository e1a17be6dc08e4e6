"""Staff use cases: verifying a caller (P2) and recording a handoff (P13). Reached through
`store.services`, like every use case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from store import caller_lock
from store.domain import errors
from store.domain.model import Actor, valid_id
from store.inputs import check_id, clean_text
from store.telemetry import log_write
from store.unit_of_work import UnitOfWork

VERIFICATION_TTL = timedelta(hours=2)


@dataclass(frozen=True)
class Verification:
    customer_email: str
    customer_name: str
    order_id: str
    method: str


def verify_caller(
    uow: UnitOfWork, actor: Actor, order_id: str, email: str | None = None,
    postcode: str | None = None,
) -> Verification:
    """P2: a caller is verified by the order id plus the account e-mail or postcode."""
    if not actor.is_staff:
        raise errors.NotAllowed("Only support staff verify callers.")
    if not (email or postcode):
        raise errors.VerificationFailed(
            "To verify the caller I need the order id and the account e-mail or the shipping "
            "postcode."
        )
    with uow:
        check_id(order_id)
        order_id = order_id.strip()
        caller_lock.refuse_if_locked(uow, actor, order_id)
        owner = uow.repo.order_owner(order_id)
        customer = uow.repo.customer(owner) if owner else None
        method = "email" if email else "postcode"
        # Every detail the caller gave must match: a wrong e-mail is not rescued by a
        # right postcode.
        matched = customer is not None and (
            (not email or email.strip().lower() == customer.email.lower())
            and (not postcode or _same_postcode(postcode, customer.postcode))
        )
        if not matched or customer is None:
            uow.repo.audit(uow.now(), actor, "verify_caller", "failed", order_id=order_id,
                           rules=["P2"], detail={"method": method})
            locked = caller_lock.failed(uow, actor, order_id)
            uow.commit()
            raise locked or errors.VerificationFailed(
                "Those details don't match our records for that order, so I can't act on it."
            )
        caller_lock.verified(uow, order_id)
        uow.repo.add_verification(actor.email, customer.email, order_id, method, uow.now())
        uow.repo.audit(uow.now(), actor, "verify_caller", "verified", order_id=order_id,
                       on_behalf_of=customer.email, rules=["P2"], detail={"method": method})
        uow.commit()
        log_write("verify_caller", actor, order_id=order_id, method=method)
        return Verification(customer.email, customer.name, order_id, method)


def hand_off(
    uow: UnitOfWork, actor: Actor, summary: str, order_id: str | None = None,
    thread_id: str | None = None,
) -> int:
    """P13: record a handoff to support staff; returns its ticket number."""
    with uow:
        customer = None if actor.is_staff else actor.email
        owner = uow.repo.order_owner(order_id) if order_id and valid_id(order_id) else None
        if owner is None or (customer is not None and owner != customer):
            order_id = None  # never attach an unknown or another account's order to a ticket
        ticket = uow.repo.add_handoff(actor, customer, order_id, clean_text(summary) or "",
                                      thread_id, uow.now())
        uow.repo.audit(uow.now(), actor, "handoff", "recorded", order_id=order_id,
                       rules=["P13"], detail={"ticket": ticket})
        uow.commit()
        log_write("handoff", actor, order_id=order_id, ticket=ticket)
        return ticket


def _same_postcode(given: str, recorded: str | None) -> bool:
    return recorded is not None and _norm_postcode(given) == _norm_postcode(recorded)


def _norm_postcode(value: str) -> str:
    return "".join(value.split()).upper()
