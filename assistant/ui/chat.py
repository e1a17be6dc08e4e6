"""One browser chat: its Conversation, the buttons that are still live, and the handlers.

Every handler acts for the actor fixed when the chat started (from the signed-in account)
and delegates the decision to the core: the agent for messages and buttons, the services
for the order-card picker and the cancelled-orders view.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import uuid
from typing import Any, Literal

import chainlit as cl
from chainlit.types import ThreadDict
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from assistant.conversation import Conversation
from assistant.reply import Reply, ToolEvent
from assistant.ui import (
    accounts,
    backoffice,
    live,
    pools,
    reconnect,
    runtime,
    streaming,
    views,
    wording,
)
from assistant.ui.history_rows import thread_steps
from assistant.ui.payloads import BadPayload, Click, Pick, parse_click, parse_pick
from assistant.ui.security import limits, tokens
from assistant.ui.seller import SellerDesk
from store import facts, handoffs, services
from store.domain.errors import DomainError, StoreUnavailable

log = logging.getLogger(__name__)
SESSION_KEY = "rescind_chat"
HISTORY_LIMIT = 40  # messages carried into a resumed conversation
STALE = "That button is no longer active; nothing was changed."
CLOSED = "closed"
NO_ACCOUNT = "I can't find your account any more, so I can't help with orders here."
SIGNED_OUT = "You have been signed out, so I can't go on here. Please sign in again."


class ChatSession:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.lock = asyncio.Lock()  # one turn at a time, even if a client sends two at once
        self.live: list[cl.Action] = []  # the Confirm / Keep buttons on screen
        self.live_for: str | None = None  # ... and the proposal they belong to
        self.cards: dict[str, list[cl.CustomElement]] = {}  # order id -> its cards on screen
        self.streams = runtime.model_config().is_llm  # a model's turn can take seconds
        self.key = str(uuid.uuid4())  # this chat, for the card feed
        # Made in the session's context: re-renders pushed by the card feed run in it.
        self._context = contextvars.copy_context()
        self._pushes: set[asyncio.Task[None]] = set()

    @property
    def pickable(self) -> bool:
        return not self.conversation.actor.is_staff

    # --- handlers ------------------------------------------------------------------------
    async def on_message(self, text: str, working: streaming.Working | None = None,
                         arrived: float | None = None) -> Reply | None:
        """`working`: the step line, when the caller showed it already (`on_message` below);
        it goes once the reply is on the page."""
        working = working or streaming.Working()
        try:
            if refusal := limits.refusal_for(text):  # nothing of it reaches the conversation
                reply = Reply(refusal, error="message_too_long")
                await working.clear()
                await views.say(reply.text)
                return reply
            if await backoffice.command(self.conversation.actor, text):
                return None  # a staff command (the handoff queue, returns), not the assistant's
            # The turn's deadline counts its wait, for the lock and the sign-in check too.
            arrived = pools.arrived() if arrived is None else arrived
            async with self.lock, pools.turn_slot(arrived) as admitted:
                if not admitted:  # at once, rather than a turn that starts too late to finish
                    reply = Reply(pools.BUSY, error="busy")
                elif self.streams:
                    return await self._streamed(text, arrived, working)
                else:
                    reply = await pools.turn(arrived, self.conversation.send, text)
                await working.clear()
                await self.show(reply)
                return reply
        finally:
            await working.clear()

    async def _streamed(self, text: str, arrived: float, working: streaming.Working) -> Reply:
        """A step line at once, then the sentences the reply guard released, as they come;
        the reply itself is then shown as always (assistant/ui/streaming.py), and only then
        do the preview and the step line go: removed first, they left the page a moment with
        neither the preview nor the reply (a browser test caught that moment)."""
        stream = streaming.GuardedStream(self.conversation, text, asyncio.get_running_loop(),
                                         working)
        await stream.start()
        try:
            reply = await pools.turn(arrived, self.conversation.send, text, stream.token)
            await self.show(reply)
            return reply
        finally:
            await stream.finish()

    async def on_click(self, action: Literal["confirm", "keep"], payload: Any) -> Reply:
        try:
            click: Click | None = parse_click(payload)
        except BadPayload:
            click = None
        async with self.lock:
            if click is None:
                reply = Reply(STALE, error="stale_button")
            else:
                reply = await pools.quick(self.conversation.click, action,
                                                click.proposal_id, click.fingerprint)
            await self.show(reply)
            return reply

    async def adopt(self, elements: list[dict[str, Any]]) -> None:
        """The order cards of a thread opened from the history (already re-rendered from the
        store by LiveDataLayer): followed like the cards this chat sends itself."""
        adopted = [cl.CustomElement(id=str(e["id"]), name="OrderCard", display="inline",
                                    props=e["props"], for_id=e.get("forId"))
                   for e in elements if e.get("name") == "OrderCard"
                   and isinstance(e.get("props"), dict) and e.get("id")]
        if adopted:
            async with self.lock:
                await self._refresh_cards(Reply(""), adopted)

    async def restore(self, last_message_id: str | None = None) -> None:
        """Show the proposal this thread is still waiting on, with live buttons, and give
        back the buttons Chainlit doesn't keep with a thread: "Cancelled orders" when this
        thread confirmed a cancellation (as the store records it), under its last message."""
        async with self.lock:
            reply = await pools.quick(self.conversation.resume)
            if reply is not None:
                await self.show(reply)
            if last_message_id is None:
                return
            if await pools.quick(self._cancelled_here):
                await views.attach(views.cancelled_action(), last_message_id)

    def _cancelled_here(self) -> bool:
        conv = self.conversation
        outcomes = facts.reply_facts(conv.store.uow(), conv.actor, [],
                                     thread_id=conv.thread_id, own_recent=0).outcomes
        return any(o.kind == "cancel" and o.done for o in outcomes)

    async def on_pick(self, payload: Any) -> dict[str, Any]:
        """The order card's "Cancel selected items": a proposal from the core, for this
        user and this chat, with everything re-checked."""
        async with self.lock:
            try:
                reply = await pools.quick(self._propose, parse_pick(payload))
            except BadPayload:
                reply = Reply("That selection isn't valid; nothing was changed.",
                              error="bad_payload")
            await self.show(reply)
        return {"ok": reply.proposal is not None, "message": reply.text.split("\n")[0]}

    async def on_show_cancelled(self) -> Reply:
        async with self.lock:
            reply = await pools.quick(self._cancelled)
            await self.show(reply)
            return reply

    # --- core calls (worker thread) ----------------------------------------------------
    def _propose(self, pick: Pick) -> Reply:
        return self.conversation.pick(pick.order_id, list(pick.item_ids), pick.reason,
                                      pick.reason_text)

    def _cancelled(self) -> Reply:
        conv = self.conversation
        try:
            result = services.check_cancelled(conv.store.uow(), conv.actor,
                                              customer_email=conv.context.acting_for)
        except DomainError as e:
            return Reply(e.message, error=e.code)
        orders = result.get("orders", [])
        text = (f"Cancelled orders on the account: {len(orders)}." if orders else
                "There are no cancelled items on the account.") + " " + result["if_missing"]
        return Reply(text, tool_events=[ToolEvent("check_cancelled", {}, result)])

    # --- rendering -----------------------------------------------------------------------
    async def show(self, reply: Reply) -> None:
        staff = self.conversation.actor.is_staff
        for event in reply.tool_events:
            await views.tool_step(event, staff=staff)
        pending = self.conversation.pending
        if self.live and self.live_for != (pending or {}).get("proposal_id"):
            await self._retire_buttons()  # only the latest open proposal keeps its buttons
        actions: list[cl.Action] = []
        if reply.proposal is not None and pending is not None \
                and pending.get("proposal_id") == reply.proposal.get("proposal_id"):
            actions = views.proposal_actions(reply.proposal, staff=staff)
            self.live, self.live_for = actions, reply.proposal["proposal_id"]
        if reply.outcome is not None and reply.outcome.get("done") \
                and reply.outcome.get("action") == "cancel":
            actions.append(views.cancelled_action())
        text = reply.text
        if not staff:  # a shop's words: no rule ids, items by their titles
            text = wording.for_customer(text, wording.titles_in(reply))
        if not staff and any(
                e.name == "hand_off_to_staff" and e.result.get("ok") for e in reply.tool_events):
            text += "\n" + handoffs.contact_notice(self.conversation.actor.email)
        cards = views.cards(reply, pickable=self.pickable, staff=staff)
        if cards and self.live_for is not None and actions:
            # The cards first, then the question with its buttons: Confirm / Keep right under
            # the words they answer, not below a tall card.
            await views.say("", cards)
            shown, cards = cards, []
        else:
            shown = cards
        await views.say(text, cards, actions)
        await self._refresh_cards(reply, shown)

    async def _refresh_cards(self, reply: Reply, new: list[cl.Element]) -> None:
        """Older cards of an order this turn changed or looked up again are re-rendered from
        the store, so no card offers a checkbox for an item that is no longer cancellable."""
        fresh = {str(o.get("order_id")): o for o in reply.orders}
        outcome = reply.outcome or {}
        changed = str(outcome.get("order_id")) if outcome.get("done") else None
        if changed and changed in self.cards:
            conv = self.conversation
            found = await pools.quick(live.fresh_order, conv.store, conv.actor, changed)
            if found is not None:
                fresh[changed] = found
        for order_id, order in fresh.items():
            await self._redraw(order_id, order, keep=new)
        shown = [e for e in new if isinstance(e, cl.CustomElement) and e.name == "OrderCard"]
        for element in shown:
            order_id = str(element.props.get("order", {}).get("order_id"))
            self.cards.setdefault(order_id, []).append(element)
        if shown:  # from now on, a change made anywhere else is pushed to these cards too
            conv = self.conversation
            await live.feed(conv.store).follow(self.key, set(self.cards),
                                               self.on_orders_changed)

    async def _redraw(self, order_id: str, order: dict[str, Any],
                      keep: list[cl.Element] | None = None) -> None:
        staff = self.conversation.actor.is_staff
        props = views.order_props(order, pickable=self.pickable, staff=staff)
        for card in self.cards.get(order_id, []):
            # A card that already shows this is left alone: a click's own re-render and the
            # feed's push of the same change would otherwise each send and store it again.
            if not any(card is n for n in keep or []) and card.props != props:
                card.props = props
                card.content = json.dumps(card.props)
                await card.update()  # type: ignore[no-untyped-call]

    def on_orders_changed(self, order_ids: set[str]) -> None:
        """The card feed: these orders changed in the store (anywhere). Called on the event
        loop; the cards are re-rendered in this chat's own session."""
        task = asyncio.create_task(self._pushed(order_ids), context=self._context)
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)

    async def _pushed(self, order_ids: set[str]) -> None:
        conv = self.conversation
        try:
            async with self.lock:  # not in the middle of a turn's own rendering
                for order_id in sorted(order_ids & self.cards.keys()):
                    order = await pools.quick(live.fresh_order, conv.store, conv.actor,
                                              order_id)
                    if order is not None:  # no longer readable: left as it was
                        await self._redraw(order_id, order)
        except Exception:  # the page went away: stop following
            log.exception("cards of chat %s not refreshed; no longer followed", self.key)
            self.end()

    def end(self) -> None:
        live.feed(self.conversation.store).leave(self.key)

    async def _retire_buttons(self) -> None:
        for action in self.live:
            await views.withdraw(action)
        self.live, self.live_for = [], None


# --- session lifecycle -----------------------------------------------------------------------
async def start(history: list[BaseMessage] | None = None, *, resumed: bool = False,
                last_message_id: str | None = None, cards: list[dict[str, Any]] | None = None,
                ) -> ChatSession | SellerDesk | None:
    """Build the chat for the signed-in account. The role is the account's, whatever chat
    profile the browser claimed; the session's profile is corrected to match. A session
    that another process served continues its thread (`reconnect`); a resumed or
    continued thread shows its waiting proposal again."""
    actor = await accounts.actor_of(views.session_get("user"))
    if actor is None:
        await views.say(NO_ACCOUNT)
        return None
    session = cl.context.session
    session.chat_profile = accounts.settle_profile(actor, session.chat_profile)
    if actor.is_seller:
        desk = SellerDesk(actor)
        views.session_set(SESSION_KEY, desk)
        await backoffice.show_requests(actor)
        return desk
    engine = runtime.store().engine
    if resumed:
        await pools.quick(reconnect.move, engine, session.id, session.thread_id, actor.email)
    else:
        thread_id = await pools.quick(reconnect.settle, engine, session.id,
                                      session.thread_id, actor.email)
        resumed, session.thread_id = thread_id != session.thread_id, thread_id
    conversation = Conversation(runtime.engine_for(actor.kind), runtime.store(), actor,
                                thread_id=session.thread_id, threads=runtime.threads(),
                                history=history)
    chat = ChatSession(conversation)
    views.session_set(SESSION_KEY, chat)
    if resumed:
        await chat.adopt(cards or [])
        await chat.restore(last_message_id)
    return chat


async def resume(thread: ThreadDict) -> ChatSession | SellerDesk | None:
    """Reopen a thread from the history sidebar. Chainlit has already checked the author; a
    thread of another account is refused here too, before anything of it is used."""
    user = views.session_get("user")
    if user is None or thread.get("userIdentifier") != user.identifier:
        log.warning("refused to resume thread %s for %s", thread.get("id"), user)
        views.session_set(SESSION_KEY, CLOSED)  # and no fresh chat on that thread id either
        await views.say("That conversation isn't available.")
        return None
    said = thread_steps(thread, ("assistant_message",))
    return await start(history_from(thread), resumed=True,
                       last_message_id=str(said[-1]["id"]) if said else None,
                       cards=list(thread.get("elements") or []))  # type: ignore[arg-type]


async def on_message(text: str) -> None:
    """A message from the page. With a model, the step line goes out first of all, before
    the sign-in check, the turn's lock and its admission: under load those can take longer
    than the 300 ms in which the page should show that something is happening."""
    arrived = pools.arrived()
    early = views.session_get(SESSION_KEY)
    working = streaming.Working()
    if isinstance(early, ChatSession) and early.streams and limits.refusal_for(text) is None:
        await working.show()
    try:
        session = await current()
        if isinstance(session, ChatSession):
            await session.on_message(text, working, arrived)
        elif session is not None:
            await working.clear()
            await session.on_message(text)
    finally:
        await working.clear()


async def current() -> ChatSession | SellerDesk | None:
    """The chat of this browser session, while its sign-in is live: a socket opened before a
    sign-out or a password change elsewhere gets no further turns."""
    try:
        signed_in = await tokens.still_signed_in(cl.context.session.token)
    except StoreUnavailable as e:  # the database away for a moment: say so, keep the chat
        await views.say(e.message)
        return None
    if not signed_in:
        views.session_set(SESSION_KEY, CLOSED)
        await views.say(SIGNED_OUT)
        return None
    chat = views.session_get(SESSION_KEY)
    if isinstance(chat, ChatSession | SellerDesk):
        return chat
    if chat == CLOSED:
        await views.say("This chat is closed; start a new chat.")
        return None
    return await start()  # a message can race ahead of on_chat_start


def history_from(thread: ThreadDict) -> list[BaseMessage]:
    messages: list[BaseMessage] = []
    for step in thread_steps(thread, ("user_message", "assistant_message")):
        text = str(step.get("output") or "")
        if text:
            messages.append(HumanMessage(text) if step.get("type") == "user_message"
                            else AIMessage(text))
    return messages[-HISTORY_LIMIT:]



def end() -> None:
    """The page closed: its cards are no longer followed."""
    chat = views.session_get(SESSION_KEY)
    if isinstance(chat, ChatSession):
        chat.end()
