"""The chat history layer on every backend: round trips, the sidebar list, and ownership."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from unittest.mock import AsyncMock, Mock

import chainlit as cl
import pytest
from chainlit.context import ChainlitContext, context_var
from chainlit.session import WebsocketSession
from chainlit.step import StepDict
from chainlit.types import Feedback, Pagination, ThreadFilter
from chainlit.user import PersistedUser
from sqlalchemy import inspect

from assistant.ui import ownership
from assistant.ui.datalayer import ChatDataLayer
from store.db import Store, open_store
from tests.support import rows


@pytest.fixture
def layer(store: Store) -> ChatDataLayer:
    return ChatDataLayer(store.engine)


@contextmanager
def acting_as(user: PersistedUser | None, thread_id: str) -> Iterator[None]:
    """Chainlit's context for a browser session of `user` whose own thread is `thread_id`."""
    session = Mock(spec=WebsocketSession)
    session.user, session.thread_id, session.id = user, thread_id, str(uuid.uuid4())
    session.has_first_interaction = True
    session.emit = AsyncMock()
    token = context_var.set(ChainlitContext(session))
    try:
        yield
    finally:
        context_var.reset(token)


def step(thread_id: str, kind: str, output: str, at: str, **extra: Any) -> StepDict:
    return cast(StepDict, {
        "id": str(uuid.uuid4()), "threadId": thread_id, "name": kind, "type": kind,
        "output": output, "input": "", "createdAt": at, "metadata": {}, "showInput": "json",
        "isError": False, "streaming": False, **extra,
    })


async def persisted(layer: ChatDataLayer, email: str) -> PersistedUser:
    user = await layer.create_user(cl.User(identifier=email, metadata={"role": "customer"}))
    assert user is not None
    return user


async def test_users_threads_steps_and_elements_round_trip(layer: ChatDataLayer) -> None:
    ana = await persisted(layer, "ana@example.com")
    assert (await layer.get_user("ana@example.com")) == ana
    assert await layer.create_user(cl.User(identifier="ana@example.com")) is not None
    assert (await layer.get_user("ana@example.com")).id == ana.id  # type: ignore[union-attr]
    thread_id = str(uuid.uuid4())
    with acting_as(ana, thread_id):
        await layer.update_thread(thread_id, name="Cancel my order", user_id=ana.id,
                                  tags=["Customer assistant"])
        asked = step(thread_id, "user_message", "Where is order 112-0000001?",
                     "2026-11-26T10:00:00.000001Z")
        tool = step(thread_id, "tool", '{"ok": true}', "2026-11-26T10:00:01Z",
                    parentId=asked["id"], autoCollapse=True, showInput=False)
        await layer.create_step(asked)
        await layer.create_step(tool)
        await layer.update_step({**tool, "output": '{"ok": true, "orders": []}'})
        element = cl.CustomElement(name="OrderCard", props={"order": {"order_id": "1"}},
                                   thread_id=thread_id, for_id=asked["id"])
        await layer.create_element(element)
    thread = await layer.get_thread(thread_id)
    assert thread is not None
    assert thread["userIdentifier"] == "ana@example.com" and thread["userId"] == ana.id
    assert thread["name"] == "Cancel my order" and thread["tags"] == ["Customer assistant"]
    assert [s["type"] for s in thread["steps"]] == ["user_message", "tool"]
    assert thread["steps"][1]["output"] == '{"ok": true, "orders": []}'
    assert thread["steps"][1]["autoCollapse"] is True
    assert thread["steps"][1]["showInput"] is False
    assert thread["steps"][0]["createdAt"] == "2026-11-26T10:00:00.000001Z"
    assert [(e["name"], e["props"]) for e in thread["elements"] or []] == \
        [("OrderCard", {"order": {"order_id": "1"}})]
    assert await layer.get_element(thread_id, element.id) is not None
    assert await layer.get_thread_author(thread_id) == "ana@example.com"
    assert await layer.get_thread_author("no-such-thread") == ""

    feedback_id = await layer.upsert_feedback(Feedback(forId=tool["id"], value=1))
    thread = await layer.get_thread(thread_id)
    assert thread is not None and thread["steps"][1]["feedback"]["value"] == 1  # type: ignore[index]
    assert await layer.delete_feedback(feedback_id)

    with acting_as(ana, thread_id):
        await layer.delete_step(tool["id"])
        await layer.delete_element(element.id)
    thread = await layer.get_thread(thread_id)
    assert thread is not None and len(thread["steps"]) == 1 and not thread["elements"]
    await layer.delete_thread(thread_id)
    assert await layer.get_thread(thread_id) is None


async def test_the_sidebar_lists_only_the_users_threads_newest_first_with_search(
    layer: ChatDataLayer,
) -> None:
    ana = await persisted(layer, "ana@example.com")
    bob = await persisted(layer, "bob@example.com")
    made: list[str] = []
    for n, (user, text) in enumerate([(ana, "kettle"), (bob, "kettle"), (ana, "headphones"),
                                      (ana, "lamp")]):
        thread_id = f"t{n}"
        with acting_as(user, thread_id):
            await layer.update_thread(thread_id, name=text, user_id=user.id)
            await layer.create_step(step(thread_id, "user_message", f"about the {text}",
                                         f"2026-11-26T10:0{n}:00Z"))
        made.append(thread_id)
    page = await layer.list_threads(Pagination(first=2), ThreadFilter(userId=ana.id))
    assert [t["id"] for t in page.data] == ["t3", "t2"]
    assert page.pageInfo.hasNextPage
    rest = await layer.list_threads(Pagination(first=2, cursor="t2"),
                                    ThreadFilter(userId=ana.id))
    assert [t["id"] for t in rest.data] == ["t0"] and not rest.pageInfo.hasNextPage
    found = await layer.list_threads(Pagination(first=10),
                                     ThreadFilter(userId=ana.id, search="HEADPHONES"))
    assert [t["id"] for t in found.data] == ["t2"]
    with pytest.raises(ValueError):
        await layer.list_threads(Pagination(first=10), ThreadFilter())


async def test_a_session_cannot_write_into_another_users_thread(layer: ChatDataLayer) -> None:
    ana = await persisted(layer, "ana@example.com")
    eve = await persisted(layer, "eve@example.com")
    with acting_as(ana, "anas"):
        await layer.update_thread("anas", name="mine", user_id=ana.id)
        await layer.create_step(step("anas", "user_message", "hello", "2026-11-26T10:00:00Z"))
    thread = await layer.get_thread("anas")
    assert thread is not None
    ana_step = thread["steps"][0]
    # Eve's session names Ana's thread: a custom element update, a step, a deletion.
    with acting_as(eve, "eves"):
        await layer.create_element(cl.CustomElement(name="OrderCard", props={"x": 1},
                                                    thread_id="anas"))
        await layer.create_step(step("anas", "assistant_message", "injected",
                                     "2026-11-26T10:01:00Z"))
        await layer.update_step({**ana_step, "output": "rewritten"})
        await layer.delete_step(ana_step["id"])
        await layer.update_thread("anas", user_id=eve.id, name="stolen")
        await layer.update_thread("anas", metadata={"x": 1})
        # A thread id nobody owns yet is not Eve's either, unless it is her session's own.
        await layer.create_step(step("fresh", "user_message", "x", "2026-11-26T10:02:00Z"))
    thread = await layer.get_thread("anas")
    assert thread is not None
    assert thread["userIdentifier"] == "ana@example.com" and thread["name"] == "mine"
    assert [s["output"] for s in thread["steps"]] == ["hello"]
    assert not thread["elements"] and thread["metadata"] == {}
    assert await layer.get_thread("fresh") is None


async def test_a_step_racing_ahead_of_the_thread_creates_it_owned_by_the_session_user(
    layer: ChatDataLayer,
) -> None:
    ana = await persisted(layer, "ana@example.com")
    with acting_as(ana, "t1"):
        await layer.create_step(step("t1", "user_message", "hi", "2026-11-26T10:00:00Z"))
        await layer.update_thread("t1", name="hi", user_id=ana.id)
    thread = await layer.get_thread("t1")
    assert thread is not None and thread["userIdentifier"] == "ana@example.com"
    assert thread["name"] == "hi"


def test_migration_0002_creates_the_chat_tables(tmp_path: Any) -> None:
    from alembic import command

    from store.db import alembic_config

    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    tables = set(inspect(store.engine).get_table_names())
    assert {"chat_users", "chat_threads", "chat_steps", "chat_elements",
            "chat_feedbacks"} <= tables
    command.downgrade(alembic_config(store.engine), "0001")
    assert not any(t.startswith("chat_") for t in inspect(store.engine).get_table_names())
    assert rows(store, "customers") == []
    store.engine.dispose()


@contextmanager
def requested_by(email: str) -> Iterator[None]:
    """An HTTP request of `email` (the request gate sets this for the signed-in user)."""
    token = ownership.requester.set(ownership.Requester(email))
    try:
        yield
    finally:
        ownership.requester.reset(token)


async def anas_thread(layer: ChatDataLayer) -> tuple[str, StepDict]:
    ana = await persisted(layer, "ana@example.com")
    with acting_as(ana, "anas"):
        await layer.update_thread("anas", name="mine", user_id=ana.id)
        said = step("anas", "assistant_message", "Order 112-0000001 ...", "2026-11-26T10:00:00Z")
        await layer.create_step(said)
    return "anas", said


async def test_feedback_over_http_is_taken_only_from_the_threads_owner_or_staff(
    layer: ChatDataLayer, store: Store,
) -> None:
    from store.seed import load_world
    from tests.support import standard_world

    load_world(store.uow(), standard_world())  # Sam and Kim are staff
    _, said = await anas_thread(layer)
    with requested_by("bob@example.com"):
        await layer.upsert_feedback(Feedback(forId=said["id"], value=0, comment="Bob"))
    assert rows(store, "chat_feedbacks") == []
    with requested_by("ana@example.com"):
        mine = await layer.upsert_feedback(Feedback(forId=said["id"], value=1, threadId="x"))
    assert [(r["value"], r["thread_id"]) for r in rows(store, "chat_feedbacks")] == \
        [(1, "anas")]  # the thread is the message's, not the one the request named
    with requested_by("bob@example.com"):
        assert not await layer.delete_feedback(mine)
        await layer.upsert_feedback(Feedback(forId=said["id"], value=0, id=mine))
    assert rows(store, "chat_feedbacks")[0]["value"] == 1
    with requested_by("sam@shop.example"):
        assert await layer.delete_feedback(mine)


async def test_a_message_id_from_another_thread_never_moves_that_message(
    layer: ChatDataLayer,
) -> None:
    _, said = await anas_thread(layer)
    card = cl.CustomElement(name="OrderCard", props={"order": "hers"}, thread_id="anas")
    with acting_as(await layer.get_user("ana@example.com"), "anas"):
        await layer.create_element(card)
    eve = await persisted(layer, "eve@example.com")
    with acting_as(eve, "eves"):
        await layer.create_step({**said, "threadId": "eves", "output": "taken over"})
        await layer.create_element(cl.CustomElement(id=card.id, name="OrderCard",
                                                    props={"order": "eve's"},
                                                    thread_id="eves"))
    thread = await layer.get_thread("anas")
    assert thread is not None and [s["output"] for s in thread["steps"]] == [said["output"]]
    assert [e["props"] for e in thread["elements"] or []] == [{"order": "hers"}]
    eves = await layer.get_thread("eves")
    assert eves is None or (not eves["steps"] and not eves["elements"])


async def test_an_over_long_user_message_is_kept_as_a_marker_and_the_session_id_not_at_all(
    store: Store,
) -> None:
    layer = ChatDataLayer(store.engine, max_message_chars=100)
    ana = await layer.create_user(cl.User(identifier="ana@example.com",
                                          metadata={"role": "customer", "sid": "secret"}))
    assert ana is not None and ana.metadata == {"role": "customer"}
    with acting_as(ana, "t"):
        await layer.create_step(step("t", "user_message", "x" * 101, "2026-11-26T10:00:00Z"))
        await layer.create_step(step("t", "user_message", "y" * 100, "2026-11-26T10:00:01Z"))
    outputs = [r["output"] for r in rows(store, "chat_steps")]
    assert sorted(outputs) == sorted(["[A message of 101 characters was not kept: the limit is "
                                      "100.]", "y" * 100])
