"""One browser chat: its Conversation, the buttons that are still live, and the handlers.

Every handler acts for the actor fixed when the chat started (from the signed-in account)
and delegates the decision to the core: the agent for messages and buttons, the services
for the order-card picker and the cancelled-orders view.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import chainlit as cl
from chainlit.types import ThreadDict
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from assistant.conversation import Conversation
from assistant.reply import Reply, ToolEvent
from assistant.ui import accounts, backoffice, pools, reconnect, runtime, views
from assistant.ui.history_rows import thread_steps
from assistant.ui.payloads import BadPayload, Click, Pick, parse_click, parse_pick
from assistant.ui.security import limits, tokens
from assistant.ui.seller import SellerDesk
from store import handoffs, services
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

    @property
    def pickable(self) -> bool:
        return not self.conversation.actor.is_staff

    # --- handlers ------------------------------------------------------------------------
    async def on_message(self, text: str) -> Reply | None:
        if refusal := limits.refusal_for(text):  # nothing of it reaches the conversation
            reply = Reply(refusal, error="message_too_long")
            await views.say(reply.text)
            return reply
        if await backoffice.command(self.conversation.actor, text):
            return None  # a staff command (the handoff queue, returns), not for the assistant
        arrived = pools.arrived()  # the turn's deadline counts its wait, for the lock too
        async with self.lock, pools.turn_slot(arrived) as admitted:
            if not admitted:  # at once, rather than a turn that starts too late to finish
                reply = Reply(pools.BUSY, error="busy")
            else:
                reply = await pools.turn(arrived, self.conversation.send, text)
            await self.show(reply)
            return reply

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

    async def restore(self) -> None:
        """Show the proposal this thread is still waiting on, with live buttons."""
        async with self.lock:
            reply = await pools.quick(self.conversation.resume)
            if reply is not None:
                await self.show(reply)

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
        for event in reply.tool_events:
            await views.tool_step(event)
        pending = self.conversation.pending
        if self.live and self.live_for != (pending or {}).get("proposal_id"):
            await self._retire_buttons()  # only the latest open proposal keeps its buttons
        actions: list[cl.Action] = []
        if reply.proposal is not None and pending is not None \
                and pending.get("proposal_id") == reply.proposal.get("proposal_id"):
            actions = views.proposal_actions(reply.proposal)
            self.live, self.live_for = actions, reply.proposal["proposal_id"]
        if reply.outcome is not None and reply.outcome.get("done") \
                and reply.outcome.get("action") == "cancel":
            actions.append(views.cancelled_action())
        text = reply.text
        if not self.conversation.actor.is_staff and any(
                e.name == "hand_off_to_staff" and e.result.get("ok") for e in reply.tool_events):
            text += "\n" + handoffs.contact_notice(self.conversation.actor.email)
        await views.say(text, views.cards(reply, pickable=self.pickable), actions)

    async def _retire_buttons(self) -> None:
        for action in self.live:
            await views.withdraw(action)
        self.live, self.live_for = [], None


# --- session lifecycle -----------------------------------------------------------------------
async def start(history: list[BaseMessage] | None = None, *, resumed: bool = False,
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
        await chat.restore()
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
    return await start(history_from(thread), resumed=True)


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

