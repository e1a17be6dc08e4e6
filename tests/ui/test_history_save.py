"""A saved step is one statement (ownership check, thread and row together), and a burst of
saves of one message waiting behind another write lands as one row with the final text,
with nothing lost when the database drops in the middle of it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event

from assistant.ui.datalayer import STEPS, ChatDataLayer
from assistant.ui.history_access import Writer
from assistant.ui.history_save import save_row
from assistant.ui.history_writes import OrderedRetries
from store.db import Store
from tests.support import rows
from tests.ui.test_datalayer import acting_as, persisted, step
from tests.ui.test_history_durability import Outage, until

AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


class Statements:
    """The SQL statements sent on the engine while it is attached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sent.append(statement)

    def writing(self, table: str) -> list[str]:
        return [s for s in self.sent if f"INSERT INTO {table}" in s]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def statements(store: Store) -> Iterator[Statements]:
    s = Statements(store.engine)
    yield s
    s.close()


def save(store: Store, step_id: str, thread_id: str, who: Writer | None,
         output: str = "hello") -> bool:
    values = {"thread_id": thread_id, "name": "user_message", "type": "user_message",
              "output": output, "metadata": {}, "created_at": AT}
    with store.engine.begin() as conn:
        return save_row(conn, STEPS, step_id, values, AT, who)


def test_a_step_and_its_new_thread_are_saved_by_one_statement_on_postgresql(
    store: Store, statements: Statements,
) -> None:
    ana: Writer = (None, "ana@example.com", "t-ana")  # not persisted: the thread has no owner
    assert save(store, "s1", "t-ana", ana)
    expected = 1 if store.engine.dialect.name == "postgresql" else 2
    assert len([s for s in statements.sent if "chat_" in s]) == expected
    assert [r["output"] for r in rows(store, "chat_steps", thread_id="t-ana")] == ["hello"]
    assert rows(store, "chat_threads")[0]["user_identifier"] is None


async def test_the_combined_statement_refuses_a_write_to_someone_elses_thread(
    store: Store,
) -> None:
    layer = ChatDataLayer(store.engine)
    ana_user = await persisted(layer, "ana@example.com")
    eve_user = await persisted(layer, "eve@example.com")
    ana: Writer = (ana_user.id, ana_user.identifier, "anas")
    eve: Writer = (eve_user.id, eve_user.identifier, "eves")
    assert save(store, "a1", "anas", ana, "mine")
    before = rows(store, "chat_threads", id="anas")

    assert not save(store, "e1", "anas", eve, "injected")  # a new row in her thread
    assert not save(store, "a1", "anas", eve, "rewritten")  # her row, by its id
    assert not save(store, "a1", "eves", eve, "taken over")  # her row's id, in Eve's thread
    assert not save(store, "e2", "nobodys", eve)  # a thread that is not her session's own
    assert not save(store, "e3", "anas", (None, None, "x"))  # a session with no user
    assert save(store, "a2", "anas", None, "server")  # no session (the server): allowed

    assert {r["id"]: r["output"] for r in rows(store, "chat_steps")} == \
        {"a1": "mine", "a2": "server"}
    assert rows(store, "chat_threads", id="anas")[0]["user_identifier"] == "ana@example.com"
    assert rows(store, "chat_threads", id="anas")[0]["updated_at"] == before[0]["updated_at"]
    # Eve's own thread was made (it is hers to make), with nothing of Ana's in it.
    assert [r["id"] for r in rows(store, "chat_threads")] == ["anas", "eves"]


async def test_a_streamed_messages_updates_queued_behind_a_write_end_as_one_row_with_the_final_text(
    store: Store, statements: Statements,
) -> None:
    layer = ChatDataLayer(store.engine)
    layer.retries = OrderedRetries(first_delay_s=0.01, max_delay_s=0.02)
    ana = await persisted(layer, "ana@example.com")
    thread = str(uuid.uuid4())
    outage = Outage(store.engine)  # holds the thread's first write while the burst arrives
    try:
        with acting_as(ana, thread):
            outage.down = True
            first = asyncio.create_task(layer.update_thread(thread, name="t", user_id=ana.id))
            await until(lambda: layer.retries.retried >= 1)
            reply = step(thread, "assistant_message", "", "2026-11-26T10:00:01Z")
            burst = [asyncio.create_task(layer.create_step(reply))]
            text = ""
            for word in ["Your", " order", " is", " on", " its", " way", "."]:
                text += word
                burst.append(asyncio.create_task(
                    layer.update_step({**reply, "output": text})))  # type: ignore[typeddict-item]
            await asyncio.sleep(0)
            statements.sent.clear()
            outage.down = False
            await asyncio.gather(first, *burst)
    finally:
        outage.close()

    assert len(statements.writing("chat_steps")) == 1
    assert layer.retries.joined == 7
    assert [r["output"] for r in rows(store, "chat_steps", thread_id=thread)] == \
        ["Your order is on its way."]
    assert rows(store, "chat_threads", id=thread)[0]["name"] == "t"


async def test_a_database_outage_in_the_middle_of_a_burst_loses_nothing(
    shared_store: Store,
) -> None:
    layer = ChatDataLayer(shared_store.engine)
    layer.retries = OrderedRetries(first_delay_s=0.01, max_delay_s=0.05)
    ana = await persisted(layer, "ana@example.com")
    thread = str(uuid.uuid4())
    outage = Outage(shared_store.engine)
    try:
        with acting_as(ana, thread):
            await layer.update_thread(thread, name="t", user_id=ana.id)
            said = step(thread, "user_message", "cancel the lamp", "2026-11-26T10:00:00Z")
            reply = step(thread, "assistant_message", "", "2026-11-26T10:00:01Z")
            writes = [asyncio.create_task(layer.create_step(said)),
                      asyncio.create_task(layer.create_step(reply))]
            for text in ["Which", "Which lamp"]:
                writes.append(asyncio.create_task(
                    layer.update_step({**reply, "output": text})))  # type: ignore[typeddict-item]
            await asyncio.sleep(0)
            outage.down = True  # the burst goes on while the database is away
            for text in ["Which lamp:", "Which lamp: the brass one?"]:
                writes.append(asyncio.create_task(
                    layer.update_step({**reply, "output": text})))  # type: ignore[typeddict-item]
            card = step(thread, "tool", '{"ok": true}', "2026-11-26T10:00:02Z")
            writes.append(asyncio.create_task(layer.create_step(card)))
            await until(lambda: layer.retries.retried >= 3)
            assert not all(w.done() for w in writes)  # waiting, not dropped
            outage.down = False
            await asyncio.gather(*writes)
    finally:
        outage.close()

    kept = {r["id"]: r["output"] for r in rows(shared_store, "chat_steps", thread_id=thread)}
    assert kept == {said["id"]: "cancel the lamp", reply["id"]: "Which lamp: the brass one?",
                    card["id"]: '{"ok": true}'}
    assert layer.retries.lost == 0


async def test_saves_of_one_row_by_two_sessions_never_join() -> None:
    retries = OrderedRetries()
    ran: list[dict[str, Any]] = []
    gate = asyncio.Event()

    async def held() -> None:
        await gate.wait()

    async def attempt(values: dict[str, Any]) -> None:
        ran.append(dict(values))

    first = asyncio.create_task(retries.run("t", held, "update_thread"))
    saves = [asyncio.create_task(retries.run_joining("t", ("steps", "s1", who), {"by": who},
                                                     attempt, "update_step"))
             for who in ("ana", "eve", "eve", "ana")]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, *saves)
    assert ran == [{"by": "ana"}, {"by": "eve"}, {"by": "ana"}]  # in order, eve's two as one
    assert retries.joined == 1
