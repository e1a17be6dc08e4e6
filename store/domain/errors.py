"""Named domain errors. Each carries a stable code, the rule ids and a message fit for a user;
the edges (tools, CLI, UI) translate them once, nothing else inspects their text."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    rules: tuple[str, ...] = ()

    def __init__(self, message: str, *, rules: tuple[str, ...] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rules is not None:
            self.rules = rules

    def as_dict(self) -> dict[str, object]:
        return {"ok": False, "code": self.code, "rules": list(self.rules), "message": self.message}


class MalformedId(DomainError):
    code = "malformed_id"
    rules = ("P12",)


class OrderNotFound(DomainError):
    """Also raised for another account's order: P1 forbids leaking that it exists."""

    code = "not_found"
    rules = ("P1", "P12")


class ItemNotInOrder(DomainError):
    code = "item_not_found"
    rules = ("P4", "P12")


class EmptySelection(DomainError):
    code = "empty_selection"
    rules = ("P4",)


class DuplicateSelection(DomainError):
    code = "duplicate_selection"
    rules = ("P4",)


class NotActionable(DomainError):
    """The selected items can't take the requested action; the message says what can."""

    code = "not_actionable"


class ReasonRequired(DomainError):
    code = "reason_required"
    rules = ("P6",)


class StaffVerificationRequired(DomainError):
    code = "verification_required"
    rules = ("P2",)


class VerificationFailed(DomainError):
    code = "verification_failed"
    rules = ("P2",)


class NotAllowed(DomainError):
    code = "not_allowed"
    rules = ("P1", "P2")


class ProposalNotFound(DomainError):
    code = "proposal_not_found"
    rules = ("P7",)


class ProposalExpired(DomainError):
    code = "proposal_expired"
    rules = ("P7",)


class ProposalClosed(DomainError):
    """Discarded, or superseded by a newer proposal: confirming it would act on stale intent."""

    code = "proposal_closed"
    rules = ("P7",)


class ProposalTampered(DomainError):
    code = "proposal_tampered"
    rules = ("P7",)


class UnknownAccount(DomainError):
    code = "unknown_account"
    rules = ("P1",)


class InvalidEvent(DomainError):
    code = "invalid_event"


class StoreUnavailable(DomainError):
    code = "store_unavailable"

    def __init__(self, message: str = "The order store is unavailable right now; nothing was "
                 "changed. Please try again in a moment.") -> None:
        super().__init__(message)


# --- the flows beyond the chat: sellers, the returns center, the handoff queue -------------
class RequestNotFound(DomainError):
    """No cancellation request (or no such item, ticket or parcel) to act on."""

    code = "request_not_found"
    rules = ("P5",)


class NotYours(DomainError):
    """A seller answering another seller's request, staff closing a ticket someone else took."""

    code = "not_yours"
    rules = ("P1", "P5")


class Conflict(DomainError):
    """The request or ticket is no longer in a state this answer applies to (already decided
    the other way, shipped meanwhile, taken by someone else)."""

    code = "conflict"


class VerificationLocked(DomainError):
    """Too many failed caller verifications for an order or by a staff member: verification
    is locked for a while and the case has been handed to a supervisor."""

    code = "verification_locked"
    rules = ("P2", "P13")
