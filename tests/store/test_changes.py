"""store/changes.py: which watched orders changed, whichever path changed them."""

from __future__ import annotations

from store import changes, services
from store.db import Store
from store.domain.model import ProposalKind
from tests.support import ANA, act, cancel


def test_a_poll_reports_a_watched_order_once_after_any_change_and_nothing_else(
    shop: Store,
) -> None:
    watch = changes.Watch(shop)
    watch.follow("chat-1", {"112-0000001"})
    watch.follow("chat-2", {"112-0000003"})
    assert watch.poll() == {}  # nothing changed since the cards were shown

    services.apply_event(shop.uow(), "ship", "A1")  # the warehouse, not the chat
    assert watch.poll() == {"chat-1": {"112-0000001"}}
    assert watch.poll() == {}  # reported once

    services.apply_event(shop.uow(), "deliver", "A9")  # an order nobody watches
    assert watch.poll() == {}
    cancel(shop, ANA, "112-0000003", ["A6"])
    assert watch.poll() == {"chat-2": {"112-0000003"}}


def test_a_watcher_that_left_is_told_nothing_and_its_orders_are_no_longer_read(
    shop: Store,
) -> None:
    watch = changes.Watch(shop)
    watch.follow("chat-1", {"112-0000001"})
    watch.follow("chat-2", {"112-0000001", "112-0000003"})
    watch.leave("chat-2")
    assert watch.watched == {"112-0000001"}
    services.apply_event(shop.uow(), "ship", "A1")
    assert watch.poll() == {"chat-1": {"112-0000001"}}


def test_the_mark_follows_seller_requests_and_refunds_not_only_item_statuses(
    shop: Store,
) -> None:
    before = changes.marks(shop.uow(), ["112-0000001"])
    act(shop, ANA, ProposalKind.SELLER_REQUEST, "112-0000001", ["A2"])  # statuses unchanged
    after = changes.marks(shop.uow(), ["112-0000001"])
    assert before.keys() == after.keys() == {"112-0000001"}
    assert before != after
