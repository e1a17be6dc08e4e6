"""Attacks on another user's conversation: feedback on her messages (create, overwrite,
move, delete), her order cards (update, delete, take over by id), her messages (taken over
by reusing their ids), her thread over REST and the socket. Each is refused and her rows
stay exactly as they were; her own feedback and staff's still work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import socketio

from tests.security.conftest import (
    ANA,
    BOB,
    SAM,
    App,
    assert_refused,
    raw_connect,
    unchanged,
)
from tests.support import rows
from tests.ui.protocol import ChatClient


@dataclass
class Anas:
    """Ana's conversation: a thread with her messages, an order card and her feedback."""

    chat: ChatClient
    thread_id: str
    reply_id: str  # an assistant message of hers
    feedback_id: str
    element: dict[str, Any]

    def targets(self) -> tuple[tuple[str, dict[str, Any]], ...]:
        return (("chat_feedbacks", {"thread_id": self.thread_id}),
                ("chat_steps", {"thread_id": self.thread_id}),
                ("chat_elements", {"thread_id": self.thread_id}),
                ("chat_threads", {"id": self.thread_id}))


@pytest.fixture
async def anas(app: App) -> Anas:
    chat = await app.client(ANA)
    await chat.send("Show me order 112-0000001")
    thread_id = chat.thread_id()
    assert thread_id is not None
    await chat.until(lambda: any(r["type"] == "assistant_message" for r in
                                 rows(app.store, "chat_steps", thread_id=thread_id)))
    reply = next(r for r in rows(app.store, "chat_steps", thread_id=thread_id)
                 if r["type"] == "assistant_message")
    given = await chat.http.put("/feedback", json={
        "sessionId": chat.session_id, "feedback": {"forId": reply["id"], "value": 1,
                                                   "comment": "helpful"}})
    assert given.status_code == 200, given.text
    await chat.until(lambda: bool(rows(app.store, "chat_elements", thread_id=thread_id)))
    element = chat.elements("OrderCard")[-1]
    return Anas(chat, thread_id, reply["id"], given.json()["feedbackId"], element)


def feedback(for_id: str, session_id: str, **extra: Any) -> dict[str, Any]:
    return {"sessionId": session_id, "feedback": {"forId": for_id, "value": 0,
                                                  "comment": "Bob was here", **extra}}


async def test_another_user_cannot_add_feedback_to_her_message(app: App, anas: Anas) -> None:
    bob = await app.client(BOB)
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.put("/feedback", json=feedback(
            anas.reply_id, bob.session_id)), 404)


async def test_another_user_cannot_overwrite_her_feedback_by_its_id(
    app: App, anas: Anas,
) -> None:
    bob = await app.client(BOB)
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.put("/feedback", json=feedback(
            anas.reply_id, bob.session_id, id=anas.feedback_id)), 404)


async def test_another_user_cannot_move_her_feedback_onto_his_own_message(
    app: App, anas: Anas,
) -> None:
    bob = await app.client(BOB)
    await bob.send("Show me order 112-0000009")
    bobs = bob.thread_id()
    await bob.until(lambda: bool(rows(app.store, "chat_steps", thread_id=bobs)))
    own = rows(app.store, "chat_steps", thread_id=bobs)[0]["id"]
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.put("/feedback", json=feedback(
            own, bob.session_id, id=anas.feedback_id)), 404)


async def test_another_user_cannot_delete_her_feedback(app: App, anas: Anas) -> None:
    bob = await app.client(BOB)
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.request("DELETE", "/feedback", json={
            "feedbackId": anas.feedback_id}), 404)


async def test_feedback_naming_a_thread_its_message_is_not_in_is_refused(
    app: App, anas: Anas,
) -> None:
    bob = await app.client(BOB)
    await bob.send("Show me order 112-0000010")
    bobs = bob.thread_id()
    await bob.until(lambda: bool(rows(app.store, "chat_steps", thread_id=bobs)))
    own = rows(app.store, "chat_steps", thread_id=bobs)[0]["id"]
    with unchanged(app, *anas.targets(), ("chat_feedbacks", {"for_id": own})):
        assert_refused(await bob.http.put("/feedback", json=feedback(
            own, bob.session_id, threadId=anas.thread_id)), 400)


async def test_feedback_on_a_message_that_does_not_exist_is_a_404_not_a_success(
    app: App, anas: Anas,
) -> None:
    with unchanged(app, *anas.targets(), ("chat_feedbacks", {})):
        assert_refused(await anas.chat.http.put("/feedback", json=feedback(
            str(uuid.uuid4()), anas.chat.session_id)), 404)


async def test_she_can_change_and_delete_her_own_feedback_and_staff_can_tidy_it(
    app: App, anas: Anas,
) -> None:
    changed = await anas.chat.http.put("/feedback", json=feedback(
        anas.reply_id, anas.chat.session_id, id=anas.feedback_id))
    assert changed.status_code == 200
    assert rows(app.store, "chat_feedbacks", id=anas.feedback_id)[0]["value"] == 0
    sam = await app.client(SAM, connect=False)
    deleted = await sam.http.request("DELETE", "/feedback", json={"feedbackId": anas.feedback_id})
    assert deleted.status_code == 200 and not rows(app.store, "chat_feedbacks",
                                                   id=anas.feedback_id)


def element_body(session_id: str, element: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"sessionId": session_id, "element": {**element, **changes}}


async def test_another_user_cannot_write_a_card_into_her_thread(app: App, anas: Anas) -> None:
    bob = await app.client(BOB)
    forged = {"id": str(uuid.uuid4()), "type": "custom", "name": "OrderCard",
              "display": "inline", "props": {"order": {"order_id": "pwned"}},
              "threadId": anas.thread_id, "forId": anas.reply_id}
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.put("/project/element", json={
            "sessionId": bob.session_id, "element": forged}), 403)


async def test_another_user_cannot_take_her_card_over_by_its_id(app: App, anas: Anas) -> None:
    bob = await app.client(BOB)
    await bob.send("Show me order 112-0000009")
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.put("/project/element", json=element_body(
            bob.session_id, anas.element, threadId=bob.thread_id(),
            props={"order": {"order_id": "pwned"}})), 403)


async def test_another_user_cannot_delete_her_card(app: App, anas: Anas) -> None:
    bob = await app.client(BOB)
    with unchanged(app, *anas.targets()):
        assert_refused(await bob.http.request("DELETE", "/project/element", json=element_body(
            bob.session_id, anas.element, threadId=bob.thread_id())), 403)


async def test_only_the_apps_own_cards_can_be_written(app: App, anas: Anas) -> None:
    with unchanged(app, *anas.targets()):
        assert_refused(await anas.chat.http.put("/project/element", json=element_body(
            anas.chat.session_id, anas.element, type="text")), 400)


async def test_a_message_reusing_her_message_id_does_not_take_it_over(
    app: App, anas: Anas,
) -> None:
    bob = await app.client(BOB)
    with unchanged(app, *anas.targets()):
        ended = bob.count("task_end")
        await bob.sio.emit("client_message", {"fileReferences": [], "message": {
            "id": anas.reply_id, "threadId": "", "name": "User", "type": "user_message",
            "output": "Bob's words in Ana's thread",
            "createdAt": datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z"}})
        await bob.until(lambda: bob.count("task_end") > ended)
        await bob.until(lambda: bool(bob.messages()))


async def test_another_user_can_neither_read_nor_resume_her_thread(
    app: App, anas: Anas,
) -> None:
    bob = await app.client(BOB, connect=False)
    with unchanged(app, *anas.targets()):
        for response in (await bob.http.get(f"/project/thread/{anas.thread_id}"),
                         await bob.http.put("/project/thread", json={
                             "threadId": anas.thread_id, "name": "mine now"}),
                         await bob.http.request("DELETE", "/project/thread", json={
                             "threadId": anas.thread_id})):
            assert_refused(response, 401, 403, 404)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await raw_connect(app, bob.token, thread_id=anas.thread_id)
