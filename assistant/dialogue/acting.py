"""From "cancel the X" to one proposal: which order, which items, which action, why.

The action the user names is a wish, the core's decision per item is the fact: an item that
can be cancelled is proposed for cancelling; one that only its seller can cancel gets a
seller-request proposal (P5); a shipped shop item a refusal proposal (P10); everything else
is explained. A proposal is always for one order and one action; more waits in the queue
and is proposed once this one is answered. Nothing is ever written here: the core writes
only when the user confirms (P7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from assistant import render
from assistant.dialogue import telling, wording
from assistant.dialogue.facts import TOOL_FOR, ItemFact, OrderFact, placed_when
from assistant.dialogue.resolve import Resolution, resolve
from assistant.dialogue.state import DialogueState, Goal
from assistant.dialogue.turn import DialogueTurn
from assistant.understanding.commands import Intent, ItemRef, Selection
from assistant.understanding.rules import en

ACTION_OF = {Intent.CANCEL: "cancel", Intent.SELLER_REQUEST: "seller_request",
             Intent.REFUSAL: "refusal"}
_NEEDS_REASON = ("cancel", "seller_request")


def act(turn: DialogueTurn, intent: Intent, sel: Selection, reason: tuple[str, str | None] | None
        ) -> None:
    """A request to change items (or to amend the one being prepared)."""
    s = turn.state
    base = _base(turn)
    action = ACTION_OF.get(intent) or (base.action if base else "cancel")
    explicit = intent in (Intent.SELLER_REQUEST, Intent.REFUSAL) or bool(base and base.explicit
                                                                          and action != "cancel")
    if turn.staff and not s.verified and intent is not Intent.KEEP:
        # P2: nothing for a caller before they are verified; not even a lookup is needed.
        s.goal = Goal(action=action, explicit=explicit, selection=_as_dict(sel),
                      order_id=sel.order_ids[0] if sel.order_ids else None,
                      reason=reason[0] if reason else None,
                      reason_text=reason[1] if reason else None)
        s.awaiting = "details"
        where = f" on order {sel.order_ids[0]}" if sel.order_ids else ""
        turn.say(f"Before I change anything{where} I need to verify the caller: the order id "
                 "plus their account e-mail or the shipping postcode (P2).")
        return
    if base is not None and base.unknown_order and not sel.order_ids and not resolve(
            replace(sel, group=None, whole=False), None, _known(turn, None, listing=True)).ids:
        # "just do it" after "not found": never the request carried to other orders (P1).
        turn.say(f"I couldn't find order {base.unknown_order} on your account, so there's "
                 "nothing I can do with it. If there's an order of yours, tell me its number.")
        return
    said_before = base.pending_selection() if base is not None and base.selection else None
    if said_before is not None and not (sel.refs or sel.whole or sel.group):
        # "Which order?" - "the one in 1002": the items said before, in that order.
        sel = replace(said_before, order_ids=sel.order_ids or said_before.order_ids,
                      latest=sel.latest or said_before.latest)
        base = replace(base, selection=None) if base is not None else None
    if base is not None and base.item_ids and sel.empty:
        # "Please send the seller a request then": about what is being discussed.
        sel = replace(sel, order_ids=(str(base.order_id),),
                      refs=tuple(ItemRef(ids=(i,)) for i in base.item_ids))
    if sel.group == "them" and s.mentioned and not s.focus_items and (
            sel.additive or not any(not r.weak for r in sel.refs)):
        # "did the drone go through?" ... "cancel it now then": the drone.
        sel = replace(sel, refs=sel.refs + tuple(ItemRef(words=tuple(w)) for w in s.mentioned))
    s.mentioned = []
    amending = base is not None and (sel.additive or intent is Intent.KEEP or (
        sel.exclude and not (sel.refs or sel.whole or sel.group)))
    found, target, typed_items = _target(turn, sel, base if amending or not sel.refs else None)
    if not found:  # said why; a corrected order number picks the request up again
        s.goal = Goal(action=action, explicit=explicit, selection=_as_dict(
            replace(sel, order_ids=())), reason=reason[0] if reason else None,
            reason_text=reason[1] if reason else None,
            unknown_order=sel.order_ids[0] if sel.order_ids else None)
        s.awaiting = "order"
        return
    if typed_items:
        sel = replace(sel, refs=(*sel.refs, ItemRef(ids=tuple(typed_items))), whole=False)
    prefer = s.order(base.order_id) if base is not None and base.order_id else None
    known = _known(turn, target, listing=False)
    res = resolve(sel, target, known, focus=s.focus_items, named=s.named, prefer=prefer)
    if not turn.staff and target is None and (res.unmatched or res.ambiguous or not res.ids) \
            and s.recent is None:
        known = _known(turn, target, listing=True)  # the words may name items of other orders
        res = resolve(sel, target, known, focus=s.focus_items, named=s.named, prefer=prefer)
    if res.named:
        s.named = list(res.ids)
    s.kept = [k for k in s.kept if k not in res.ids] + [
        x for x in res.excluded if x not in s.kept]
    ids = _combined(res, base, sel, bool(amending))
    goal = Goal(action=action, explicit=explicit, reason=base.reason if base else None,
                reason_text=base.reason_text if base else None)
    if reason:
        goal.reason, goal.reason_text = reason
    elif goal.reason is None and s.last_reason and (
            sel.additive or (ids and set(ids) <= set(s.last_items))):
        # "... too", or the same items again after Keep: the reason they already gave.
        goal.reason, goal.reason_text = s.last_reason, s.last_reason_text
    if res.ambiguous:
        _ask_which(turn, goal, sel, res, known)
        return
    if not ids and amending and base is not None and base.item_ids and res.excluded and not (
            sel.refs or sel.whole or sel.group):
        telling.all_kept(turn, base, res.excluded)
        return
    if not ids:
        _nothing_named(turn, goal, sel, res, target, known)
        return
    goals = [replace(goal, order_id=o, item_ids=i) for o, i in _by_order(turn, ids)]
    if turn.proposal is not None:  # this message already made one: the rest waits
        shown = {str(i.get("id")) for i in turn.proposal.get("items", [])}
        goals = [replace(g, item_ids=[i for i in g.item_ids if i not in shown]) for g in goals]
        s.queue += [g for g in goals if g.item_ids and g not in s.queue]
    else:
        # An order whose items can't be changed is explained and the next one taken up;
        # what is left waits until the user has answered the proposal (one on screen).
        s.queue = [g for g in s.queue if g.order_id not in {x.order_id for x in goals}]
        take(turn, goals)
    if s.queue and turn.proposal is not None:
        later = ", ".join(dict.fromkeys(str(g.order_id) for g in s.queue))
        turn.say(f"One order at a time: I'll prepare order {later} once you've answered "
                 "this one.")


def take(turn: DialogueTurn, goals: list[Goal]) -> None:
    """Advance goals in turn until one makes a proposal; the rest are queued."""
    s = turn.state
    waiting = list(goals)
    while waiting and turn.proposal is None and not turn.failed:
        s.awaiting = None
        advance(turn, waiting.pop(0))
        if s.awaiting is not None:
            break  # asked for the reason or the caller's details: the rest waits
    s.queue = waiting + [g for g in s.queue if g not in waiting]


def resume(turn: DialogueTurn, goal: Goal) -> None:
    """Carry on with a request that waited (for the reason, the caller's details, the
    order): resolved items go ahead, a request said before its order was known is read
    again."""
    said = goal.pending_selection()
    if goal.item_ids or said is None:
        advance(turn, goal)
        return
    turn.state.goal = replace(goal, selection=None) if goal.item_ids else None
    intent = {"seller_request": Intent.SELLER_REQUEST, "refusal": Intent.REFUSAL}.get(
        goal.action, Intent.CANCEL)
    reason = (goal.reason, goal.reason_text) if goal.reason else None
    act(turn, intent, replace(said, order_ids=said.order_ids or (
        (goal.order_id,) if goal.order_id else ())), reason)


def queue(turn: DialogueTurn, intent: Intent, sel: Selection,
          reason: tuple[str, str | None] | None) -> None:
    """A second change asked for in a message that already made a proposal: prepared after
    the user answers the first (one proposal on screen, P7)."""
    act(turn, intent, sel, reason)


def advance(turn: DialogueTurn, goal: Goal) -> None:
    """Take a goal with its order and items as far as it goes: a proposal, a question for the
    reason, or why not."""
    s = turn.state
    assert goal.order_id is not None
    order = turn.fresh(goal.order_id)
    if order is None:
        turn.say(_failure(turn) or f"Order {goal.order_id} was not found.")
        s.goal, s.awaiting = None, None
        return
    if turn.staff and not _verified_for(turn, order):
        s.goal, s.awaiting = replace(goal, order_id=order.id), "details"
        turn.say(f"Before I change anything on order {order.id} I need to verify the caller: "
                 "their account e-mail or the shipping postcode (P2).")
        return
    items = [i for i in (order.item(x) for x in goal.item_ids) if i is not None]
    _remember_reason(s, goal, [i.id for i in items])
    action, chosen = _choose(goal, items)
    s.focus(order.id, [i.id for i in items])
    if action is None:
        s.goal, s.awaiting = None, None
        telling.explain(turn, order, items)
        return
    if action in _NEEDS_REASON and not goal.reason:
        s.goal, s.awaiting = replace(goal, order_id=order.id, item_ids=[i.id for i in items]), \
            "reason"
        turn.say(telling.intro(order, chosen, action, turn.staff),
                 *wording.not_now([i for i in items if i not in chosen], turn.staff),
                 wording.reason_question(turn.staff))
        return
    _propose(turn, order, goal, action, chosen, [i for i in items if i not in chosen])


def _propose(turn: DialogueTurn, order: OrderFact, goal: Goal, action: str,
             chosen: list[ItemFact], others: list[ItemFact]) -> None:
    s = turn.state
    args: dict[str, Any] = {"order_id": order.id, "item_ids": [i.id for i in chosen]}
    if action in _NEEDS_REASON:
        args["reason"] = goal.reason
        if goal.reason == en.OTHER and goal.reason_text:
            args["reason_text"] = goal.reason_text
    result = turn.call(TOOL_FOR[action], args)
    s.goal, s.awaiting, s.choices = None, None, []
    _remember_reason(s, goal, [i.id for i in (*chosen, *others)])
    if result.get("ok") and "proposal" in result:
        # Asked to cancel, offered another way: say why first, from the core's decision.
        instead = [f"{i.title}: {i.why}" for i in chosen if i.why] if action != goal.action else []
        turn.note = "\n".join([*instead, *wording.not_now(others, turn.staff)])
        turn.say(render.write_result_text(result, staff=turn.staff))
        s.focus(order.id, [i.id for i in chosen])
    else:
        turn.say(render.write_result_text(result, staff=turn.staff))


def _remember_reason(s: DialogueState, goal: Goal, item_ids: list[str]) -> None:
    """"The mat too": the reason given applies to more. It stays with every item it was
    given for ("cancel everything ... the cables first ... now the speaker"), whichever part
    is taken up first."""
    if not goal.reason:
        return
    same = (goal.reason, goal.reason_text) == (s.last_reason, s.last_reason_text)
    s.last_reason, s.last_reason_text = goal.reason, goal.reason_text
    s.last_items = list(dict.fromkeys([*(s.last_items if same else []), *item_ids]))


def _choose(goal: Goal, items: Sequence[ItemFact]) -> tuple[str | None, list[ItemFact]]:
    """The action to propose and its items. A named action is honoured where the core
    allows it, else the one that fits (a seller's item still in its window is cancelled)."""
    order = (goal.action, "cancel", "seller_request", "refusal") if goal.explicit else (
        "cancel", "seller_request", "refusal")
    for action in dict.fromkeys(order):
        able = [i for i in items if i.able(action)]
        if able:
            return action, able
    if goal.explicit or goal.action != "cancel":
        # Asked again for a request or flag that exists: the core answers "already" (P9).
        done = [i for i in items if i.already_done and i.can in ("request_seller",
                                                                 "refuse_at_door")]
        if done:
            kind = "seller_request" if done[0].can == "request_seller" else "refusal"
            return kind, [i for i in done if i.can == done[0].can]
    return None, []


# --- which order, which items ----------------------------------------------------------------
def _base(turn: DialogueTurn) -> Goal | None:
    """What is being prepared: the goal in progress, else the proposal on screen."""
    s = turn.state
    if s.goal is not None:
        return s.goal
    p = turn.pending
    if p is None:
        return None
    return Goal(action=str(p.get("action")), explicit=p.get("action") != "cancel",
                order_id=str(p.get("order_id")),
                item_ids=[str(i.get("id")) for i in p.get("items", [])],
                reason=p.get("reason"), reason_text=p.get("reason_text"))


def _target(turn: DialogueTurn, sel: Selection, base: Goal | None
            ) -> tuple[bool, OrderFact | None, list[str]]:
    """The order the user is talking about: one they typed, "my last order", the one being
    prepared; None when they didn't say (items are then searched in every order). Also the
    typed ids that turned out to be items ("cancel sku-9 from order ORD-7"). False first
    when an order they typed doesn't exist for them (and that was said)."""
    s = turn.state
    order: OrderFact | None = None
    items: list[str] = []
    for typed in sel.order_ids:
        if s.order_of_item(typed) is not None or (
                order is not None and order.item(typed) is not None):
            items.append(typed)
            continue
        if order is not None:
            continue
        order = turn.fresh(typed)
        if order is None and not turn.staff:
            owner = next((o for o in turn.listed() if o.item(typed)), None)
            if owner is not None:  # an item id shaped like an order number
                items.append(typed)
                continue
        if order is None:
            turn.say(_failure(turn) or f"Order {typed} was not found.")
            return False, None, []
    for other in [o for o in sel.order_ids if o not in items and order is not None
                  and o.lower() != order.id.lower()]:
        # A second order in the same request: say now if it isn't theirs (P1).
        if turn.fresh(other) is None:
            turn.say(_failure(turn) or f"Order {other} was not found.")
    if order is not None:
        return True, order, items
    if items:
        return True, None, items
    if sel.latest and not turn.staff:
        turn.listed()
        newest = s.newest()
        return True, turn.fresh(newest) if newest else None, []
    if sel.when and not turn.staff:
        then = placed_when(turn.listed(), sel.when, turn.ctx.store.clock())
        if len(then) == 1:  # "my order from this morning"
            return True, turn.fresh(then[0].id), []
    if base is not None and base.order_id:
        return True, s.order(base.order_id), []
    if sel.whole or sel.group in ("rest", "both") or any(r.ordinal for r in sel.refs) or (
            turn.staff and s.focus_order):
        # Staff talk about the order of the call ("he wants the kettle cancelled").
        return True, turn.fresh(s.focus_order) if s.focus_order else None, []
    return True, None, []


def _known(turn: DialogueTurn, target: OrderFact | None, *, listing: bool) -> list[OrderFact]:
    """Every order the user's words may point into: those seen, and (`listing`) all of the
    customer's recent orders."""
    s = turn.state
    orders = list(s.orders.values())
    if not turn.staff and (listing or target is None):
        listed = turn.listed()
        orders = listed + [o for o in orders if o.id not in {x.id for x in listed}]
    if isinstance(target, OrderFact):
        orders = [target] + [o for o in orders if o.id != target.id]
    return orders


def _combined(res: Resolution, base: Goal | None, sel: Selection, amending: bool) -> list[str]:
    if not amending or base is None:
        return res.ids
    if sel.only:
        return res.ids
    if not (sel.refs or sel.whole or sel.group or sel.additive):
        # "the bowls stay": only fewer items, never the rest of the order instead.
        return [i for i in base.item_ids if i not in res.excluded]
    ids = [*base.item_ids, *res.ids] if sel.additive or res.ids else list(base.item_ids)
    return [i for i in dict.fromkeys(ids) if i not in res.excluded]


def _by_order(turn: DialogueTurn, ids: list[str]) -> list[tuple[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for item_id in ids:
        order = turn.state.order_of_item(item_id)
        if order is not None:
            groups.setdefault(order.id, []).append(item_id)
    return list(groups.items())


def _ask_which(turn: DialogueTurn, goal: Goal, sel: Selection, res: Resolution,
               known: list[OrderFact]) -> None:
    s = turn.state
    group = res.ambiguous[0]
    items = [i for i in (_item(known, x) for x in group) if i is not None]
    s.goal = replace(goal, item_ids=list(res.ids), selection=_as_dict(sel))
    s.awaiting, s.choices = "items", list(group)
    turn.say(wording.ambiguous(items, turn.staff))


def _nothing_named(turn: DialogueTurn, goal: Goal, sel: Selection, res: Resolution,
                   target: OrderFact | None, known: list[OrderFact]) -> None:
    s = turn.state
    s.goal = replace(goal, order_id=target.id if target else None,
                     selection=None if target else _as_dict(sel))
    s.awaiting = "items" if target or known else "order"
    if res.unmatched:
        turn.say(wording.not_found_words([target] if target else known, turn.staff))
    elif target is not None:
        turn.say(wording.which_items(target, turn.staff))
    elif turn.staff:
        s.awaiting = "order"
        turn.say("Which order? Give me the order number.")
    elif len(known) > 1:
        turn.say(wording.which_order(known))
    elif known:
        turn.say(wording.which_items(known[0], False))
    else:
        turn.say(_failure(turn) or "I couldn't find any orders on your account.")


def _verified_for(turn: DialogueTurn, order: OrderFact) -> bool:
    """A caller was verified in this call. Which customer an order belongs to is the core's
    business: it refuses a change for anyone else (P2)."""
    return bool(turn.state.verified) and turn.ctx.acting_for is not None


def _failure(turn: DialogueTurn) -> str | None:
    failed = [e for e in turn.events if not e.result.get("ok")]
    if not failed:
        return None
    result = failed[-1].result
    message = str(result.get("message") or "That didn't work; nothing was changed.")
    if result.get("code") == "not_found" and "not found" not in message.lower():
        message = f"Not found: {message}"
    return message


def _item(orders: Sequence[OrderFact], item_id: str) -> ItemFact | None:
    return next((i for o in orders if (i := o.item(item_id)) is not None), None)


def _as_dict(sel: Selection) -> dict[str, Any]:
    from dataclasses import asdict
    return asdict(sel)
