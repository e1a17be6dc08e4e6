"""Which items a proposal of a kind may hold, what stays in the order, and the reason it
records: the checks `services.propose` makes before anything is written."""

from __future__ import annotations

from collections.abc import Sequence

from store.domain import errors
from store.domain.model import Item, ItemStatus, Order, ProposalKind, Reason, valid_id
from store.domain.policy import Decision, DecisionKind

ALL = "all"


def select(
    order: Order, item_ids: Sequence[str], decisions: dict[str, Decision], kind: ProposalKind
) -> list[Item]:
    if not item_ids:
        raise errors.EmptySelection("Choose at least one item (or all of them).")
    if any(x.lower() == ALL for x in item_ids):
        return [i for i in order.items
                if fits(decisions[i.id], kind) or done_already(decisions[i.id], kind)
                or kind is ProposalKind.CANCEL]
    if len(set(item_ids)) != len(item_ids):
        raise errors.DuplicateSelection("The same item was chosen twice.")
    chosen = []
    for item_id in item_ids:
        item = order.item(item_id) if valid_id(item_id) else None
        if item is None:
            raise errors.ItemNotInOrder(f"Order {order.id} has no item {item_id[:40]!r}.")
        chosen.append(item)
    return chosen


def kept(order: Order, proposed: Sequence[Item]) -> tuple[Item, ...]:
    """What stays in the order if the proposal is confirmed (shown, so a customer can catch
    a misunderstanding before confirming)."""
    ids = {i.id for i in proposed}
    return tuple(i for i in order.items if i.id not in ids and i.status is not
                 ItemStatus.CANCELLED)


def fits(d: Decision, kind: ProposalKind) -> bool:
    return d.action is kind and not d.already_done


def done_already(d: Decision, kind: ProposalKind) -> bool:
    if kind is ProposalKind.CANCEL:
        return d.kind is DecisionKind.ALREADY_CANCELLED
    return d.action is kind and d.already_done


_VERB = {
    ProposalKind.CANCEL: "cancelled directly",
    ProposalKind.SELLER_REQUEST: "requested from the seller",
    ProposalKind.REFUSAL: "flagged for refusal at the door",
}


def not_actionable(
    kind: ProposalKind, excluded: Sequence[tuple[Item, Decision]]
) -> errors.NotActionable:
    detail = " ".join(f"{i.title}: {d.explanation}" for i, d in excluded)
    rules = tuple(sorted({r for _, d in excluded for r in d.rules}, key=lambda r: int(r[1:])))
    err = errors.NotActionable(
        f"Nothing was proposed: not every chosen item can be {_VERB[kind]}. {detail}".strip(),
        rules=rules or ("P3",),
    )
    err.items = [{"id": i.id, "title": i.title, "can": d.kind.value} for i, d in excluded]  # type: ignore[attr-defined]
    return err


def reason_for(kind: ProposalKind, reason: Reason | str | None) -> Reason | None:
    if reason is None or reason == "":
        if kind is ProposalKind.REFUSAL:
            return None  # a refusal flag needs no reason; one given must still be valid
        raise errors.ReasonRequired(
            "Please choose a reason: " + ", ".join(r.label.lower() for r in Reason) + "."
        )
    try:
        return Reason(reason)
    except ValueError:
        raise errors.ReasonRequired(
            f"{str(reason)[:40]!r} is not one of the reasons: "
            + ", ".join(r.value for r in Reason) + "."
        ) from None


def rules(decisions: Sequence[Decision]) -> list[str]:
    return sorted({r for d in decisions for r in d.rules}, key=lambda r: int(r[1:]))
