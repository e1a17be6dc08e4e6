"""Answers that change nothing: did it go through (P14), what is in an order and what can be
done with it, the order list, a handoff (P13), returns, refunds, reasons."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assistant.dialogue import wording
from assistant.dialogue.facts import ItemFact, OrderFact
from assistant.dialogue.resolve import resolve
from assistant.dialogue.turn import DialogueTurn
from assistant.render import check_summary, money
from assistant.understanding.commands import Selection


# --- P14: did it go through? -----------------------------------------------------------------
def check(turn: DialogueTurn, sel: Selection, text: str) -> None:
    s = turn.state
    order_id = _order_asked(turn, sel, text)
    result = turn.call("check_cancelled", {"order_id": order_id} if order_id else {})
    if not result.get("ok"):
        turn.say(str(result.get("message") or "I couldn't check that just now."))
        return
    entries = [e for e in result.get("orders", []) if isinstance(e, dict)]
    shown = [OrderFact.from_view(e, s.turn) for e in entries]  # the orders the check shows
    expected = _expected(turn, sel, shown)
    preparing = s.goal if s.goal is not None and s.goal.item_ids else None
    if preparing is not None:  # asked about before it was confirmed: not missing, not done
        expected.get(str(preparing.order_id), set()).difference_update(preparing.item_ids)
    said = check_summary(entries, expected, staff=turn.staff)
    named = [r for r in sel.refs if r.words and not r.weak]
    if named and not s.done and not _found(sel, shown) and (
            "contact support" not in said):
        # "I cancelled the scarf yesterday, did it go through?" - nothing of that name is
        # among the cancellations shown: P14 says where to go (their words aren't repeated).
        said += ("\nI don't see a cancellation of the item you describe. If you expected one, "
                 "please contact support at once" + (" (P14)." if turn.staff else "."))
    turn.say(said)
    if preparing is not None:
        order = s.order(str(preparing.order_id))
        items = [i for i in (order.item(x) for x in preparing.item_ids) if i] if order else []
        turn.say(f"{wording.titles(items) if items else 'That'}: not cancelled yet, nothing "
                 "has been confirmed.")
        if s.awaiting == "reason":
            turn.say(wording.reason_question(turn.staff))
        return  # the request being prepared goes on
    s.goal, s.awaiting = None, None
    if sel.refs and not turn.staff:
        _remember(turn, sel)


def _remember(turn: DialogueTurn, sel: Selection) -> None:
    """The items a check named are what "it" means next ("did the drone go through?" - "no?
    cancel it now then"): resolved now if their order is known, else kept as the user's
    words for the next request (no extra lookup for a check)."""
    s = turn.state
    res = resolve(sel, None, list(s.orders.values()))
    orders = {o.id for i in res.ids if (o := s.order_of_item(i)) is not None}
    if len(orders) == 1:
        s.named, s.mentioned = list(res.ids), []
        s.focus(orders.pop(), list(res.ids))
    else:
        s.mentioned = [list(r.words) for r in sel.refs if r.words and not r.weak]
        s.focus_items = []


def _order_asked(turn: DialogueTurn, sel: Selection, text: str) -> str | None:
    """The order asked about: typed, else the last one confirmed, proposed or discussed; none
    for "my cancelled orders" (every order with a cancellation)."""
    s = turn.state
    typed = [o for o in sel.order_ids if s.order_of_item(o) is None]
    if typed:
        return typed[0]
    if "orders" in text.lower():
        return None
    if sel.refs:
        res = resolve(sel, None, list(s.orders.values()))
        orders = {o.id for i in res.ids if (o := s.order_of_item(i)) is not None}
        if len(orders) == 1:
            return orders.pop()
    if s.done:
        return str(s.done[-1]["order_id"])
    if turn.pending is not None:
        return str(turn.pending.get("order_id"))
    return s.focus_order


def _found(sel: Selection, shown: list[OrderFact]) -> bool:
    """Do the user's words name an item of an order the check shows?"""
    return bool(shown) and bool(resolve(replace(sel, group=None), None, shown).ids)


def _expected(turn: DialogueTurn, sel: Selection, shown: list[OrderFact]
              ) -> dict[str, set[str]]:
    """Items the user expects cancelled: what they confirmed here, and what they name - in
    the orders seen, or in the orders the check shows ("I cancelled the kit on Tuesday, did
    it go through?": its order has another cancellation, not the kit's)."""
    s = turn.state
    out: dict[str, set[str]] = {}
    for done in s.done:
        if done.get("action") == "cancel":
            out.setdefault(str(done["order_id"]), set()).update(
                done.get("expected", done.get("items", [])))
    if sel.refs:
        orders = {o.id: o for o in [*shown, *s.orders.values()]}
        for item_id in resolve(replace(sel, group=None), None, list(orders.values())).ids:
            order = next((o for o in orders.values() if o.item(item_id)), None)
            if order is not None:
                out.setdefault(order.id, set()).add(item_id)
    if turn.pending is not None:  # not confirmed yet: the reminder says so
        out.get(str(turn.pending.get("order_id")), set()).difference_update(
            str(i.get("id")) for i in turn.pending.get("items", []))
    return out


# --- what is in an order, and what can be done ---------------------------------------------
def status(turn: DialogueTurn, sel: Selection) -> bool:
    """What is in an order and what can be done; False when the words named nothing (the
    manager then says it didn't understand)."""
    s = turn.state
    orders = _orders_asked(turn, sel)
    if orders is None:
        return True
    if not orders and sel.refs:
        return False
    if not orders:
        listing(turn)
        return True
    for order in orders:
        res = resolve(sel, order, [order]) if sel.refs else None
        items = [i for x in res.ids if (i := order.item(x))] if res and res.ids else order.items
        turn.say(wording.order_items(order, items, turn.staff))
        s.focus(order.id, [i.id for i in items] if res and res.ids else [])
        if res and res.ids:
            s.named = list(res.ids)
        turn.say(*_next_steps(turn, items))
    return True


def _orders_asked(turn: DialogueTurn, sel: Selection) -> list[OrderFact] | None:
    s = turn.state
    typed = [o for o in sel.order_ids if s.order_of_item(o) is None]
    if typed:
        found = [o for t in typed if (o := turn.fresh(t)) is not None]
        if not found:
            failed = [e.result for e in turn.events if not e.result.get("ok")]
            message = str(failed[-1].get("message")) if failed else "That order was not found."
            turn.say(message if "not found" in message.lower() else f"Not found: {message}")
            return None
        return found
    if sel.latest and not turn.staff:
        turn.listed()
        newest = s.newest()
        return [o] if newest and (o := turn.fresh(newest)) else []
    known = turn.listed() if not turn.staff else list(s.orders.values())
    if sel.refs:
        res = resolve(sel, None, known)
        ids = {o.id for i in res.ids if (o := s.order_of_item(i)) is not None}
        return [o for i in ids if (o := turn.fresh(i)) is not None]
    if s.focus_order and (o := turn.fresh(s.focus_order)) is not None:
        return [o]
    if turn.staff:
        turn.say("Which order? Give me the order number.")
        return None
    return []  # a customer: their list


def _next_steps(turn: DialogueTurn, items: list[ItemFact]) -> list[str]:
    cancellable = [i for i in items if i.can == "cancel"]
    if len(cancellable) > 1:
        turn.state.named = [i.id for i in cancellable]  # "both of those" are these
    if turn.staff:
        if turn.state.verified:
            return ["Tell me what the caller wants to cancel, and why."]
        return ["To act for a caller, verify them first: the order id plus the account e-mail "
                "or the shipping postcode (P2)."]
    turn.state.offered = [i.id for i in cancellable]
    if cancellable:
        return [f"{wording.titles(cancellable)} can still be cancelled: say which, and why "
                f"({wording.REASON_LIST})."]
    return []


def listing(turn: DialogueTurn) -> None:
    if turn.staff:
        # A caller is verified for the order they named; their other orders are looked up by
        # number like any order, never browsed (what a caller proves is one order).
        turn.say("I look up orders by their number: ask the caller for the order number (it "
                 "is in their order confirmation e-mail).")
        return
    orders = turn.listed()
    if not orders:
        turn.say(_failure(turn) or "I couldn't find any orders on the account.")
        return
    turn.say("Recent orders:\n" + wording.list_orders(orders),
             "Which order would you like to look at?")


# --- P13 and the rest -------------------------------------------------------------------------
def handoff(turn: DialogueTurn, why: str, text: str) -> None:
    s = turn.state
    if any(e.name == "hand_off_to_staff" and e.result.get("ok") for e in turn.events):
        return  # one message, one ticket: "a person, please ... I was charged twice"
    who = "Staff member" if turn.staff else "Customer"
    args: dict[str, Any] = {"summary": f"{who} {why}. Last message: {text[:300]}"}
    order = s.goal.order_id if s.goal and s.goal.order_id else s.focus_order
    if order:
        args["order_id"] = order
    result = turn.call("hand_off_to_staff", args)
    if not result.get("ok"):
        turn.say(str(result.get("message") or "I couldn't reach support just now."))
        return
    s.goal, s.awaiting, s.misunderstood = None, None, 0
    turn.say(wording.handoff_done(result.get("ticket"), turn.staff))


def returns(turn: DialogueTurn) -> None:
    s = turn.state
    order = s.order(s.focus_order)
    delivered = [i for i in order.items if i.can == "return_instead"] if order else []
    if delivered:
        turn.say(*wording.not_now(delivered, turn.staff))
        return
    turn.say("Returns aren't handled in this chat. If an item hasn't shipped yet I can cancel "
             "it instead; if you need help with a return, ask for a person.")


def refund(turn: DialogueTurn) -> None:
    p = turn.pending
    if p is not None:
        names = ", ".join(str(i.get("title")) for i in p.get("items", []))
        action = p.get("action")
        amount = money(p.get("refund"), p.get("currency"))
        if action == "cancel":
            who, whose = ("the caller confirms", "their") if turn.staff else ("you confirm", "your")
            turn.say(f"If {who}, {amount} for {names} goes back to {whose} original "
                     "payment method; the refund is issued with the cancellation and a "
                     "confirmation e-mail follows.")
        elif action == "seller_request":
            gets, tells = ("the caller gets", "tells them") if turn.staff else ("you get",
                                                                                "tells you")
            turn.say(f"If the seller approves, {gets} {amount} back for {names}; the "
                     f"seller decides, and an e-mail {tells} their answer.")
        else:
            turn.say(f"Once {names} is back at the returns center "
                     f"{'the caller is' if turn.staff else 'you are'} refunded "
                     f"{amount}, and an e-mail confirms it.")
        return
    s = turn.state
    if s.goal is None and s.focus_order is not None and any(
            d.get("order_id") == s.focus_order for d in s.done):
        # "how much am I getting back?" after a cancellation: the amounts the store shows.
        check(turn, Selection(order_ids=(s.focus_order,)), "")
        return
    turn.say("Cancelled items are refunded to the original payment method when the "
             "cancellation is confirmed; a confirmation e-mail follows. Ask me whether a "
             "cancellation went through to see the refunded amounts.")
    if s.goal is not None and s.awaiting == "reason":
        turn.say(wording.reason_question(turn.staff))  # the request being prepared goes on


def why(turn: DialogueTurn) -> None:
    s = turn.state
    order = s.order(s.focus_order)
    items = [i for x in s.focus_items if order and (i := order.item(x))] if order else []
    if s.awaiting == "reason":
        rule = " (P6)" if turn.staff else ""
        turn.say("Every cancellation records one reason from a fixed list, so the shop knows "
                 f"why{rule}. Options: {wording.REASON_LIST}.")
    elif items:
        turn.say(*(f"{i.title}: {i.why}" for i in items if i.why))
    else:
        turn.say("Tell me the order and the item you're asking about and I'll explain.")


def _failure(turn: DialogueTurn) -> str | None:
    failed = [e.result for e in turn.events if not e.result.get("ok")]
    return str(failed[-1].get("message")) if failed else None
