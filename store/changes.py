"""Which orders changed since they were last looked at: for screens that show an order and
must follow the store (the chat's order cards).

An order's *mark* is a digest of everything its card is drawn from: its items' statuses,
seller requests, refusal flags, cancellations and refunds. Marks are read from the tables,
not bumped by the code that writes them, so every change counts whichever path made it (the
chat, the seller desk or API, staff, the warehouse's world events, another process, a
migration): nothing needs to remember to announce it, and on PostgreSQL every process sees
the changes of every other one. A poll reads the marks of the watched orders in one short
statement, a handful of indexed reads whatever the number of screens.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    String,
    Table,
    any_,
    bindparam,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from store.db import Store
from store.sql.orm import (
    CancellationRow,
    ItemRow,
    RefundRow,
    RefusalFlagRow,
    SellerRequestRow,
)
from store.unit_of_work import UnitOfWork

ITEMS = cast(Table, ItemRow.__table__)
REQUESTS = cast(Table, SellerRequestRow.__table__)
FLAGS = cast(Table, RefusalFlagRow.__table__)
CANCELLATIONS = cast(Table, CancellationRow.__table__)
REFUNDS = cast(Table, RefundRow.__table__)


def marks(uow: UnitOfWork, order_ids: Iterable[str]) -> dict[str, str]:
    """The current mark of each given order (an order that doesn't exist has none)."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    facts: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    with uow.reading():
        connection = uow.repo.connection
        for row in connection.execute(_marks_query(connection.dialect.name), {"ids": ids}):
            facts[row[1]].append((row[0], *row[2:2 + ARITY[row[0]]]))
    return {oid: hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()[:16]
            for oid, rows in facts.items()}


PARTS: list[tuple[str, Table, list[str]]] = [
    ("item", ITEMS, ["id", "status"]),
    ("request", REQUESTS, ["item_id", "status"]),
    ("flag", FLAGS, ["item_id"]),
    ("cancelled", CANCELLATIONS, ["item_id"]),
    ("refund", REFUNDS, ["id"]),
]
ARITY = {kind: len(rest) for kind, _, rest in PARTS}


@functools.cache
def _marks_query(dialect: str) -> CompoundSelect[Any]:
    """One statement, so a poll is one round trip to the server whatever the number of
    tables; columns a kind doesn't have are NULL, and left out of its facts again.

    Built once per dialect: building it per poll cost more CPU (its cache key) than running
    it. On PostgreSQL the ids go as one array (`= ANY`): as a list of parameters, a poll of
    a process's 400 cards was a 2,000-parameter statement that the driver parsed afresh
    every second (it caches only short ones)."""
    width = 2  # the most facts a kind has besides its order id
    ids = (bindparam("ids", type_=ARRAY(String)) if dialect == "postgresql"
           else bindparam("ids", expanding=True))

    def wanted(table: Table) -> ColumnElement[bool]:
        return table.c.order_id == any_(ids) if dialect == "postgresql" \
            else table.c.order_id.in_(ids)

    return union_all(*(
        select(literal(kind, String).label("kind"),
               table.c.order_id.cast(String).label("order_id"),
               *(table.c[c].cast(String).label(f"f{i}") for i, c in enumerate(rest)),
               *(null().cast(String).label(f"f{i}") for i in range(len(rest), width)))
        .where(wanted(table))
        for kind, table, rest in PARTS
    ))


class Watch:
    """The orders each watcher (a chat session) shows, and their marks when last seen.
    `follow` and `leave` may be called from any thread; `poll` from one thread at a time."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._watchers: dict[str, set[str]] = {}
        self._seen: dict[str, str] = {}  # order id -> its mark when last read

    def follow(self, watcher: str, order_ids: Iterable[str]) -> None:
        """Watch these orders too; their marks now are what later polls compare with."""
        wanted = set(order_ids)
        with self._lock:
            new = wanted - self._seen.keys()
        now = marks(self.store.uow(), new) if new else {}
        with self._lock:
            self._watchers.setdefault(watcher, set()).update(wanted)
            for oid in new:
                self._seen.setdefault(oid, now.get(oid, ""))

    def leave(self, watcher: str) -> None:
        with self._lock:
            self._watchers.pop(watcher, None)
            watched = set().union(*self._watchers.values())
            self._seen = {oid: m for oid, m in self._seen.items() if oid in watched}

    @property
    def watched(self) -> set[str]:
        with self._lock:
            return set(self._seen)

    def poll(self) -> dict[str, set[str]]:
        """Watcher -> the orders it shows that changed since the last poll (or `follow`)."""
        with self._lock:
            ids = set(self._seen)
        if not ids:
            return {}
        now = marks(self.store.uow(), ids)
        with self._lock:
            changed = {oid for oid in ids
                       if oid in self._seen and now.get(oid, "") != self._seen[oid]}
            for oid in changed:
                self._seen[oid] = now.get(oid, "")
            return {w: hit for w, orders in self._watchers.items()
                    if (hit := orders & changed)}
