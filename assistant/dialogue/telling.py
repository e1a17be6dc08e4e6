"""What the manager tells about items before anything is proposed: why they can't be
cancelled here, and what cancelling them would do (the amount, or the cause that sends them
to their seller), in the store's terms."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from assistant import render
from assistant.dialogue import wording
from assistant.dialogue.facts import ItemFact, OrderFact
from assistant.dialogue.state import Goal
from assistant.dialogue.turn import DialogueTurn


def explain(turn: DialogueTurn, order: OrderFact, items: Sequence[ItemFact]) -> None:
    done = [i for i in items if i.can == "already_cancelled"]
    rest = [i for i in items if i.can != "already_cancelled"]
    if done:
        turn.say(f"{wording.titles(done)} (order {order.id}) is already cancelled; nothing "
                 "more to do (P9)." if turn.staff else
                 f"{wording.titles(done)} (order {order.id}) is already cancelled, so there is "
                 "nothing more to do.")
    if rest:
        turn.say(f"I can't cancel {wording.titles(rest)} (order {order.id}) directly.",
                 *wording.not_now(rest, turn.staff))


def intro(order: OrderFact, chosen: Sequence[ItemFact], action: str, staff: bool) -> str:
    names = wording.titles(chosen)
    if action == "seller_request":
        seller = chosen[0].seller
        return (f"Only the seller, {seller}, can cancel {names} now ({_why_seller(chosen)}); I "
                "can send the seller a cancellation request, and they decide.")
    total = sum((_amount(i) for i in chosen), Decimal(0))
    back = (f" If {'the caller confirms' if staff else 'you confirm'}, "
            f"{render.money(total, order.currency or None)} goes back to the original "
            "payment method."
            if total else "")
    return f"I can cancel {names} (order {order.id}).{back}"


def _amount(item: ItemFact) -> Decimal:
    """What the item's cancellation refunds (price × quantity); 0 when unknown."""
    try:
        return Decimal(item.price) * item.qty
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _why_seller(chosen: Sequence[ItemFact]) -> str:
    """The cause the store shows, never both as a guess: a shipped item is not "past its
    window", an unshipped one has not "shipped" (P12)."""
    one = len(chosen) == 1
    shipped = [i for i in chosen if i.status in ("shipped", "delivered")]
    if len(shipped) == len(chosen):
        return "it has shipped" if one else "they have shipped"
    if not shipped:
        return "its 30-minute window has passed" if one else "their 30-minute window has passed"
    return (f"{wording.titles(shipped)} shipped; the 30-minute window of the rest has passed")


def all_kept(turn: DialogueTurn, base: Goal, kept: list[str]) -> None:
    """Everything being prepared is to stay ("bowls stay", when only the bowls were on
    screen): nothing is left to confirm, so the proposal is withdrawn, never left to a "yes"."""
    s = turn.state
    if turn.pending is not None:
        turn.discard = True
    s.goal, s.awaiting = None, None
    order = s.order(str(base.order_id)) if base.order_id else None
    items = [i for i in (order.item(k) for k in kept) if i is not None] if order else []
    what = wording.titles(items) if items else "Those items"
    turn.say(f"All right: {what} stay{'s' if len(items) == 1 else ''} in the order; nothing is "
             "waiting for confirmation and nothing has been changed.")
