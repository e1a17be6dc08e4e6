"""A small shop for agent tests: the standard world (tests.support) in a private SQLite."""

from __future__ import annotations

from store.db import Store, memory_store
from store.seed import load_world
from tests.support import FixedClock, standard_world


def make_shop(clock: FixedClock | None = None) -> Store:
    store = memory_store(clock or FixedClock())
    load_world(store.uow(), standard_world())
    return store
