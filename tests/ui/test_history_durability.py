"""Chat history survives a database that drops: writes made while it is unreachable wait,
are retried, and land in the order sent once it is back; nothing is dropped silently."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import chainlit as cl
import pytest
from sqlalchemy import Engine, event, exc

from assistant.ui.datalayer import ChatDataLayer
from assistant.ui.history_writes import OrderedRetries, transient
from store.db import Store
from tests.support import rows
from tests.ui.test_datalayer import acting_as, persisted, step


class Outage:
    """While `down`, every statement on the engine fails as a dropped connection does."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = False
        self.refused = 0
        event.listen(engine, "before_cursor_execute", self._check)

    def _check(self, *args: Any) -> None:
        if self.down:
            self.refused += 1
            raise exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the "
                                                                       "connection"))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._check)


@pytest.fixture
def outage(shared_store: Store) -> Iterator[Outage]:
    o = Outage(shared_store.engine)
    yield o
    o.close()


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def test_history_written_while_the_database_is_down_lands_in_order_once_it_is_back(
    shared_store: Store, outage: Outage,
) -> None:
    layer = ChatDataLayer(shared_store.engine)
    layer.retries = OrderedRetries(first_delay_s=0.01, max_delay_s=0.05)
    ana = await persisted(layer, "ana@example.com")
    thread = str(uuid.uuid4())
    with acting_as(ana, thread):
        await layer.update_thread(thread, name="t", user_id=ana.id)
        said = step(thread, "user_message", "cancel the headphones", "2026-01-01T10:00:00Z")
        answer = step(thread, "assistant_message", "", "2026-01-01T10:00:01Z")
        outage.down = True
        writes = [asyncio.create_task(w) for w in (
            layer.create_step(said), layer.create_step(answer),
            layer.update_step({**answer, "output": "Here is the proposal."}),  # type: ignore[typeddict-item]
        )]
        await until(lambda: layer.retries.retried >= 5)
        assert not any(w.done() for w in writes)  # waiting, not dropped
        outage.down = False
        await asyncio.gather(*writes)

    kept = {r["id"]: r for r in rows(shared_store, "chat_steps", thread_id=thread)}
    assert kept[said["id"]]["output"] == "cancel the headphones"
    assert kept[answer["id"]]["output"] == "Here is the proposal."  # the update came last
    assert layer.retries.lost == 0


async def test_writes_of_other_threads_are_not_held_behind_a_failing_one() -> None:
    retries = OrderedRetries(first_delay_s=0.01, max_delay_s=0.01)
    failing = True
    done: list[str] = []

    async def flaky() -> str:
        if failing:
            raise exc.OperationalError("INSERT", {}, ConnectionError("gone"))
        done.append("a")
        return "a"

    async def fine() -> str:
        done.append("b")
        return "b"

    stuck = asyncio.create_task(retries.run("thread-a", flaky, "a step"))
    assert await retries.run("thread-b", fine, "a step") == "b"
    assert done == ["b"] and not stuck.done()
    failing = False
    assert await stuck == "a"
    assert done == ["b", "a"]


async def test_an_error_retrying_cannot_cure_is_logged_and_counted_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    retries = OrderedRetries(first_delay_s=0.01)
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bug")

    assert await retries.run("t", broken, "create_step") is None
    assert calls == 1 and retries.lost == 1
    assert "create_step failed" in caplog.text
    assert not transient(ValueError()) and transient(exc.TimeoutError())


async def test_concurrent_first_sign_ins_of_one_user_make_one_row_and_no_error(
    shared_store: Store,
) -> None:
    layers = [ChatDataLayer(shared_store.engine) for _ in range(8)]  # as on 8 processes
    users = await asyncio.gather(*(
        layer.create_user(cl.User(identifier="new@example.com", metadata={"role": "customer"}))
        for layer in layers))
    assert {u.id for u in users if u is not None} == {rows(shared_store, "chat_users")[0]["id"]}
    assert len(rows(shared_store, "chat_users")) == 1
    assert sum(layer.retries.lost for layer in layers) == 0
