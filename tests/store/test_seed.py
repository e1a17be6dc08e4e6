"""Loading a dialog's `world:` (dialog-format.md): exactly as written, or a WorldError that
names the offending entry and leaves the store empty."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from store import services
from store.db import Store
from store.seed import WorldError, demo_world, load_world
from tests.support import ANA, business_snapshot, rows, standard_world


def test_a_world_loads_exactly_as_written(store: Store) -> None:
    load_world(store.uow(), standard_world())
    items = {r["id"]: r for r in rows(store, "items")}
    assert len(items) == 17
    a2 = items["A2"]
    assert (a2["order_id"], a2["qty"], Decimal(a2["unit_price"]), a2["seller"], a2["status"]) == (
        "112-0000001", 2, Decimal("9.99"), "Cable Co", "unshipped"
    )
    assert items["A1"]["seller"] is None
    view = services.lookup_order(store.uow(), ANA, "112-0000001")
    assert view.order.placed_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert [i.id for i in view.order.items] == ["A1", "A2"]  # the world's item order
    assert {r["email"]: r["postcode"] for r in rows(store, "customers")} == {
        "ana@example.com": "10115", "bob@example.com": "SW1A 1AA"
    }


def test_the_demo_world_loads_with_sign_in_passwords(store: Store) -> None:
    load_world(store.uow(), demo_world(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
               passwords=True)
    assert len(rows(store, "orders")) == 20
    assert all(r["password_hash"].startswith("$argon2id$") for r in rows(store, "staff"))


def _broken(change: str) -> dict[str, Any]:
    world = copy.deepcopy(standard_world())
    first = world["orders"][0]
    item = first["items"][0]
    if change == "status":
        item["status"] = "shipd"
    elif change == "qty":
        item["qty"] = "two"
    elif change == "zero qty":
        item["qty"] = 0
    elif change == "price":
        item["price"] = "1,00"
    elif change == "placed_at":
        first["placed_at"] = "yesterday"
    elif change == "customer":
        first["customer"] = "nobody@example.com"
    elif change == "duplicate order":
        world["orders"].append(copy.deepcopy(first))
    elif change == "duplicate item":
        world["orders"][1]["items"][0]["id"] = "A1"
    return world


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("status", "order 112-0000001 item A1: unknown status 'shipd'"),
        ("qty", "order 112-0000001 item A1: qty"),
        ("zero qty", "order 112-0000001 item A1: qty"),
        ("price", "order 112-0000001 item A1: bad price '1,00'"),
        ("placed_at", "order 112-0000001: placed_at is not an ISO date-time"),
        ("customer", "order 112-0000001: unknown customer"),
        ("duplicate order", "order 112-0000001: the order id is used twice"),
        ("duplicate item", "order 112-0000002 item A1: the item id is used twice"),
    ],
)
def test_a_broken_world_names_the_entry_and_loads_nothing(
    store: Store, change: str, words: str
) -> None:
    empty = business_snapshot(store)
    with pytest.raises(WorldError) as err:
        load_world(store.uow(), _broken(change))
    assert words in str(err.value)
    assert business_snapshot(store) == empty
    assert rows(store, "customers") == []
