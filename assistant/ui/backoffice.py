"""The back office in the chat app: a seller's pending requests, the staff handoff queue and
the returns center. Thin like the rest of the UI: every button names a thing, the core
decides (store.sellers, store.handoffs, store.returns) and every write is two-phase
(store.decisions): a first click shows the effect, Confirm carries it out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import chainlit as cl

from assistant.render import money
from assistant.ui import notices, pools, runtime, views
from assistant.ui.payloads import MAX_ID, BadPayload
from store import decisions, handoffs, returns, sellers
from store.domain.errors import DomainError
from store.domain.model import Actor

log = logging.getLogger(__name__)
# Staff asking for the queue in their own words ("any open handoffs?", "show me the handoff
# queue") get the queue: the assistant, asked, would only record a new handoff.
QUEUE_REQUEST = re.compile(
    r"^/(handoffs|queue)$|\bhand-?offs?\s+(queue|list)\b"
    r"|\b(open|pending|waiting|show|list|any|see)\b.*\bhand-?offs\b")
RETURNS_REQUEST = re.compile(r"^/returns$|\breturns? cent(er|re)\b|\bexpected returns\b")
NOTE_TIMEOUT_S = 600
STALE = "That button is no longer active; nothing was changed."
LIVE_KEY = "rescind_decision_buttons"  # the Confirm / Cancel of the decision on screen


async def _core(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """A core call in a worker thread (the store is synchronous)."""
    return await pools.quick(fn, runtime.store().uow(), *args, **kw)


def _field(payload: Any, key: str) -> str:
    value = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(value, str | int) or len(str(value)) > MAX_ID or str(value) == "":
        raise BadPayload(key)
    return str(value)


async def _guarded(action: Callable[[], Awaitable[None]]) -> None:
    """Domain refusals are shown as said by the core; malformed payloads as stale buttons."""
    try:
        await action()
    except BadPayload:
        await views.say(STALE)
    except DomainError as e:
        await views.say(e.message)


# --- sellers ---------------------------------------------------------------------------------
async def show_requests(actor: Actor) -> None:
    async def run() -> None:
        account = await _core(sellers.account, actor)
        pending = await _core(sellers.pending_requests, actor)
        names = ", ".join(account.names) or "no seller names yet"
        if not pending:
            await views.say(f"No cancellation requests are waiting for you ({names}).")
            return
        await views.say(f"{len(pending)} cancellation request(s) waiting for your answer "
                        f"({names}). Approving cancels and refunds the item; denying keeps "
                        "it on the order. The customer is e-mailed either way.")
        for r in pending:
            await views.say(request_text(r), actions=request_actions(r.item_id))

    await _guarded(run)


def request_text(r: sellers.RequestView) -> str:
    when = r.requested_at[:16].replace("T", " ")
    timing = "after shipment" if r.after_shipment else "before shipment"
    reason = r.reason.replace("_", " ") + (f" ({r.reason_text})" if r.reason_text else "")
    amount = money(r.amount, r.currency)
    return (f"**{r.title}** x{r.qty} · item {r.item_id} · order {r.order_id} · {amount}\n"
            f"Asked {when} UTC, {timing}; the item is {r.item_status}. Reason: {reason}.")


def request_actions(item_id: str) -> list[cl.Action]:
    payload = {"item_id": item_id}
    return [cl.Action(name="seller_approve", payload=payload, label="Approve", icon="check"),
            cl.Action(name="seller_deny", payload=payload, label="Deny", icon="x")]


# --- two phases ------------------------------------------------------------------------------
async def propose(actor: Actor, kind: str, payload: Any) -> None:
    async def run() -> None:
        pending = await _core(decisions.propose, actor, kind, _field(payload, "item_id"))
        ids = {"decision_id": pending.id}
        verb = {"seller_approve": "Confirm approval", "seller_deny": "Confirm denial",
                "return": "Confirm return"}[kind]
        buttons = [
            views.role_action(views.PRIMARY, "decision_confirm", ids, verb, "check"),
            views.role_action(views.SECONDARY, "decision_keep", ids, "Cancel", "undo-2"),
        ]
        await _retire_buttons()  # a new decision replaces the one on screen (and in the core)
        views.session_set(LIVE_KEY, buttons)
        await views.say(pending.question, actions=buttons)

    await _guarded(run)


async def settle(actor: Actor, confirm: bool, payload: Any) -> None:
    async def run() -> None:
        decision_id = _field(payload, "decision_id")
        await _retire_buttons(decision_id)
        if not confirm:
            await _core(decisions.discard, actor, decision_id)
            await views.say("All right, nothing was changed.")
            return
        outcome = await _core(decisions.confirm, actor, decision_id)
        text = str(outcome.get("message", "Done."))
        if outcome.get("already_confirmed"):
            text = "That was already done: " + text
        await views.say(text)

    await _guarded(run)


async def _retire_buttons(decision_id: str | None = None) -> None:
    """Take the decision's buttons off the screen: all of them, or only if they belong to
    `decision_id` (a stale or forged click leaves the live ones alone)."""
    live: list[cl.Action] = views.session_get(LIVE_KEY) or []
    if decision_id is not None and not any(
            a.payload.get("decision_id") == decision_id for a in live):
        return
    for action in live:
        await views.withdraw(action)
    views.session_set(LIVE_KEY, [])


# --- the handoff queue -----------------------------------------------------------------------
async def show_queue(actor: Actor) -> None:
    async def run() -> None:
        queue = await _core(handoffs.open_queue, actor)
        if not queue:
            await views.say("No open handoffs: nobody is waiting for a person.")
            return
        await views.say(f"{len(queue)} open handoff(s), oldest first.")
        for h in queue:
            await views.say(handoff_text(h, actor), actions=handoff_actions(h, actor))

    await _guarded(run)


def handoff_text(h: handoffs.Handoff, actor: Actor) -> str:
    who = f"{h.customer_name} <{h.customer_email}>" if h.customer_email else "a staff member"
    when = h.created_at[:16].replace("T", " ")
    order = f" · order {h.order_id}" if h.order_id else ""
    state = ("taken by you" if h.taken_by == actor.email else
             f"taken by {h.taken_by}" if h.taken_by else "waiting")
    link = (f"\n[Transcript](/staff/handoffs/{h.ticket}/transcript)" if h.thread_id else "")
    return f"**#{h.ticket}** {who}{order} · {when} UTC · {state}\nReason: {h.reason}{link}"


def handoff_actions(h: handoffs.Handoff, actor: Actor) -> list[cl.Action]:
    payload = {"ticket": h.ticket}
    if h.taken_by is None:
        return [cl.Action(name="handoff_take", payload=payload, label="Take", icon="hand")]
    if h.taken_by == actor.email:
        return [cl.Action(name="handoff_close", payload=payload, label="Close with a note",
                          icon="check")]
    return []


async def take(actor: Actor, payload: Any) -> None:
    async def run() -> None:
        ticket = int(_field(payload, "ticket")) if _field(payload, "ticket").isdigit() else -1
        h = await _core(handoffs.take, actor, ticket)
        await views.say(f"You have handoff #{h.ticket}. " + (
            f"Reply to {h.customer_email}; close it with a note when done."
            if h.customer_email else "Close it with a note when done."),
            actions=handoff_actions(h, actor))
        if h.thread_id:
            staff = await _core(_staff_name, actor)
            await notices.post_to_thread(
                h.thread_id, f"{staff} from our support team has taken your request "
                f"(#{h.ticket}) and will reply by e-mail to {h.customer_email}.")

    await _guarded(run)


def _staff_name(uow: Any, actor: Actor) -> str:
    with uow:
        member = uow.repo.staff(actor.email)
        return member.name if member else "Someone"


async def close(actor: Actor, payload: Any) -> None:
    async def run() -> None:
        ticket = int(_field(payload, "ticket")) if _field(payload, "ticket").isdigit() else -1
        h = await _core(handoffs.get, actor, ticket)
        if h.taken_by != actor.email or h.closed:
            await views.say(f"Handoff #{ticket} isn't yours to close.")
            return
        answer = await cl.AskUserMessage(  # type: ignore[no-untyped-call]
            content=f"Write the note for #{ticket}: it is e-mailed to the customer and shown "
                    "in their conversation.", timeout=NOTE_TIMEOUT_S).send()
        note = str((answer or {}).get("output") or "").strip()
        if not note:
            await views.say(f"No note, so #{ticket} stays open.")
            return
        closed = await _core(handoffs.close, actor, ticket, note)
        await views.say(f"Closed #{closed.ticket}; the note was e-mailed to "
                        f"{closed.customer_email or 'nobody (no customer)'}.")
        if closed.thread_id:
            await notices.post_to_thread(closed.thread_id,
                                         f"Support closed your request #{ticket}: {note}")

    await _guarded(run)


# --- the returns center ----------------------------------------------------------------------
async def show_returns(actor: Actor) -> None:
    async def run() -> None:
        parcels = await _core(returns.expected, actor)
        if not parcels:
            await views.say("No refused parcels are expected back.")
            return
        await views.say(f"{len(parcels)} refused parcel(s) expected back. Record one when it "
                        "arrives: the customer is refunded once and e-mailed (P10).")
        for p in parcels:
            await views.say(
                f"**{p.title}** · item {p.item_id} · order {p.order_id} · "
                f"{money(p.amount, p.currency)} · "
                f"{p.customer_email}",
                actions=[cl.Action(name="return_record", payload={"item_id": p.item_id},
                                   label="Parcel is back", icon="package")])

    await _guarded(run)


async def command(actor: Actor, text: str) -> bool:
    """Staff commands handled without the assistant (asking the model for the queue would
    only get a new handoff); True when the text was one."""
    said = " ".join(text.lower().split())
    if not actor.is_staff or len(said) > 200:
        return False
    if QUEUE_REQUEST.search(said):
        await show_queue(actor)
        return True
    if RETURNS_REQUEST.search(said):
        await show_returns(actor)
        return True
    return False
