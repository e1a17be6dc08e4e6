"""Cards stay true to the store: a confirmation re-renders the cards of its order already on
screen, and a thread opened again gets every card re-rendered from the store, whatever
changed meanwhile and wherever it was changed."""

from __future__ import annotations

from typing import Any

import chainlit as cl

import assistant.ui.app as app_module
from assistant.ui import live
from assistant.ui.live import LiveDataLayer
from store import services
from store.domain.model import ProposalKind, Reason
from tests.support import ANA
from tests.ui.conftest import App, BrowserFactory, settle
from tests.ui.test_handlers import pick, proposal_payload, say


def items_of(card: Any) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in card["props"]["order"]["items"]}


async def test_confirming_re_renders_the_cards_of_that_order_already_on_screen(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        [first] = b.elements("OrderCard")
        assert items_of(first)["A1"]["can"] == "cancel"
        await pick(["A1"])
        await app_module.on_confirm(cl.Action(name="confirm",
                                              payload=proposal_payload(b.live_actions())))
        again = [e for e in b.elements("OrderCard") if e["id"] == first["id"]]
        assert len(again) >= 2  # sent, then sent again with the store's state
        a1 = items_of(again[-1])["A1"]
        assert a1["status"] == "cancelled" and a1["can"] == "already_cancelled"


async def test_a_card_the_click_already_re_rendered_is_not_sent_again_by_the_feed(
    app: App, browser: BrowserFactory,
) -> None:
    """The click re-renders its order's card; the feed then sees the same change in the
    store and finds the card already showing it: nothing more is sent (or stored)."""
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        feed = live.feed(app.store)
        await pick(["A1"])
        await app_module.on_confirm(cl.Action(name="confirm",
                                              payload=proposal_payload(b.live_actions())))
        [*_, clicked] = b.elements("OrderCard")
        assert items_of(clicked)["A1"]["status"] == "cancelled"
        b.clear()
        await feed.poll_once()
        await settle()
        assert b.elements("OrderCard") == []
        services.apply_event(app.store.uow(), "ship", "A2")  # a real change still goes out
        await feed.poll_once()
        await settle()
        [pushed] = b.elements("OrderCard")
        assert items_of(pushed)["A2"]["status"] == "shipped"


async def test_a_thread_opened_again_shows_its_cards_as_the_store_has_them_now(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        thread_id = b.session.thread_id
    await settle()
    # Cancelled elsewhere (another tab, staff on the phone) after the card was shown.
    proposed = services.propose(app.store.uow(), ANA, ProposalKind.CANCEL, "112-0000001",
                                ["A1"], reason=Reason.NO_LONGER_NEEDED)
    assert proposed.proposal is not None
    services.confirm(app.store.uow(), ANA, proposed.proposal.id)

    stored = await app.layer.get_thread(thread_id)  # the plain history: the old picture
    assert stored is not None
    elements: Any = stored["elements"]
    assert items_of(elements[0])["A1"]["can"] == "cancel"

    live = LiveDataLayer(app.store, 4000)
    thread = await live.get_thread(thread_id)
    assert thread is not None
    cards: list[Any] = [e for e in thread["elements"] or [] if e["name"] == "OrderCard"]
    [card] = cards
    a1 = items_of(card)["A1"]
    assert a1["status"] == "cancelled" and a1["can"] == "already_cancelled"
    assert a1["price"] == "€59.99"
    assert card["props"]["pickable"] is True


async def test_a_change_made_elsewhere_is_pushed_to_the_open_chats_cards_of_that_order(
    app: App, browser: BrowserFactory,
) -> None:
    """No action in the chat: the card feed sees the store change and the chat re-renders
    its card of that order from the store, for its own user, with no live checkbox."""
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        [card] = b.elements("OrderCard")
        assert items_of(card)["A1"]["can"] == "cancel"
        feed = live.feed(app.store)
        await feed.poll_once()
        await settle()
        assert len(b.elements("OrderCard")) == 1  # nothing changed: nothing sent

        b.clear()
        services.apply_event(app.store.uow(), "ship", "A1")  # the warehouse ships it
        await feed.poll_once()
        await settle()
        [pushed] = b.elements("OrderCard")
        assert pushed["id"] == card["id"]  # the same card, re-rendered in place
        a1 = items_of(pushed)["A1"]
        assert a1["status"] == "shipped" and a1["can"] != "cancel"
        assert a1["price"] == "€59.99"

        b.clear()
        services.apply_event(app.store.uow(), "ship", "A6")  # an order this chat doesn't show
        await feed.poll_once()
        await settle()
        assert b.elements("OrderCard") == []


async def test_a_closed_chat_is_no_longer_followed(app: App, browser: BrowserFactory) -> None:
    async with browser(ANA.email):
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        feed = live.feed(app.store)
        assert feed.watch.watched == {"112-0000001"}
        await app_module.on_chat_end()
        assert feed.watch.watched == set()


async def test_the_cards_of_a_thread_opened_again_are_followed_too(
    app: App, browser: BrowserFactory,
) -> None:
    async with browser(ANA.email) as b:
        await app_module.on_chat_start()
        await say("Where is order 112-0000001?")
        [card] = b.elements("OrderCard")
        thread_id = b.session.thread_id
    await settle()
    thread = await LiveDataLayer(app.store, 4000).get_thread(thread_id)
    assert thread is not None
    async with browser(ANA.email, thread_id=thread_id) as again:
        await app_module.on_chat_resume(thread)
        services.apply_event(app.store.uow(), "ship", "A1")
        await live.feed(app.store).poll_once()
        await settle()
        [pushed] = again.elements("OrderCard")
        assert pushed["id"] == card["id"] and pushed["forId"] == card["forId"]
        assert items_of(pushed)["A1"]["status"] == "shipped"
