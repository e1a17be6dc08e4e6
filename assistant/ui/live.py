"""Cards that stay true to the store.

A card is a picture of an order at one moment; shown later it would offer a checkbox for an
item that has since been cancelled. So cards are re-rendered from the store: while a chat is
open, every card of an order a confirmation changed (assistant/ui/chat.py) and, pushed by
`CardFeed`, every card of an order the store changed meanwhile from anywhere else (a seller's
answer, staff, the warehouse; store/changes.py tells which); when a thread is opened again
from the history, every card in it (LiveDataLayer.get_thread). The refreshed
props come from the same services and the same rendering as a new card, for the thread's
own user: a customer's cards can only show that customer's orders.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import Any

from chainlit.types import ThreadDict

from assistant.ui import pools, views
from assistant.ui.datalayer import ChatDataLayer
from store import changes, services
from store.accounts import account_role
from store.db import Store
from store.domain.errors import DomainError, StoreUnavailable
from store.domain.model import Actor

log = logging.getLogger(__name__)
POLL_S = 1.0  # how soon a change made elsewhere reaches the cards on screen


def fresh_order(store: Store, actor: Actor, order_id: str) -> dict[str, Any] | None:
    """The order as the store shows it now, or None when the actor may not see it."""
    try:
        # A redraw, not a look-up the user asked for: a customer's own card isn't audited.
        return services.lookup_order(store.uow(), actor, order_id, record=False).as_dict()
    except DomainError:
        return None


def refresh_elements(store: Store, actor: Actor, elements: list[dict[str, Any]]) -> None:
    """Replace, in place, the props of the order and cancelled-orders cards by fresh ones.
    A card whose order can't be read any more keeps its props, with nothing pickable."""
    orders: dict[str, dict[str, Any] | None] = {}
    cancelled: dict[str, Any] | None = None
    for element in elements:
        name, props = element.get("name"), element.get("props")
        if not isinstance(props, dict):
            continue
        if name == "OrderCard":
            order_id = str((props.get("order") or {}).get("order_id") or "")
            if order_id not in orders:
                orders[order_id] = fresh_order(store, actor, order_id) if order_id else None
            order = orders[order_id]
            pickable = bool(props.get("pickable")) and not actor.is_staff
            element["props"] = (views.order_props(order, pickable=pickable, staff=actor.is_staff)
                                if order is not None else {**props, "pickable": False})
        elif name == "CancelledOrders" and not actor.is_staff:
            if cancelled is None:
                cancelled = services.check_cancelled(store.uow(), actor)
            element["props"] = views.cancelled_props(cancelled, staff=False)


def refresh_thread(store: Store, thread: ThreadDict) -> ThreadDict:
    email = thread.get("userIdentifier")
    actor = account_role(store.uow(), email) if email else None
    elements = thread.get("elements")
    if actor is not None and elements:
        try:
            refresh_elements(store, actor, elements)  # type: ignore[arg-type]
        except DomainError as e:  # the thread still opens, with the cards as they were
            log.warning("cards of thread %s not refreshed: %s", thread.get("id"), e.code)
    return thread


class LiveDataLayer(ChatDataLayer):
    """The chat history, with every card re-rendered from the store when a thread is read."""

    def __init__(self, store: Store, max_message_chars: int) -> None:
        super().__init__(store.engine, max_message_chars)
        self.store = store

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        thread = await super().get_thread(thread_id)
        if thread is None:
            return None
        return await pools.history(refresh_thread, self.store, thread)


Wake = Callable[[set[str]], None]


class CardFeed:
    """Per process: one poll of the store for the orders that open chats show as cards, and
    a call to each chat whose orders changed. The chat re-renders its own cards, for its
    own user (chat.ChatSession.on_orders_changed); the feed knows only order ids."""

    def __init__(self, store: Store, interval_s: float | None = POLL_S) -> None:
        """`interval_s` None: no polling of its own (tests call `poll_once`)."""
        self.watch = changes.Watch(store)
        self.interval_s = interval_s
        self._wake: dict[str, Wake] = {}
        self._task: asyncio.Task[None] | None = None

    async def follow(self, watcher: str, order_ids: set[str], wake: Wake) -> None:
        self._wake[watcher] = wake
        await pools.quick(self.watch.follow, watcher, order_ids)
        if self.interval_s is not None and (self._task is None or self._task.done()):
            # Empty context: the feed serves every session, not the one that started it.
            self._task = asyncio.create_task(self._run(), context=contextvars.Context())

    def leave(self, watcher: str) -> None:
        self._wake.pop(watcher, None)
        self.watch.leave(watcher)

    async def _run(self) -> None:
        while self._wake:
            await asyncio.sleep(self.interval_s or POLL_S)
            await self.poll_once()

    async def poll_once(self) -> None:
        try:
            changed = await pools.quick(self.watch.poll)
        except StoreUnavailable:  # the database away for a moment: the next poll catches up
            return
        except Exception:  # the feed must outlive a bad poll
            log.exception("card feed poll failed")
            return
        for watcher, order_ids in changed.items():
            if wake := self._wake.get(watcher):
                wake(order_ids)


_FEEDS: dict[int, CardFeed] = {}


def feed(store: Store) -> CardFeed:
    """The process's feed for this store."""
    if id(store) not in _FEEDS:
        _FEEDS[id(store)] = CardFeed(store)
    return _FEEDS[id(store)]


def stop_feeds() -> None:
    """For tests: forget every feed and its task."""
    for f in _FEEDS.values():
        if f._task is not None:
            f._task.cancel()
    _FEEDS.clear()
