"""Chainlit's JSON routes, checked before Chainlit sees them.

Chainlit's handlers trust their bodies more than a public endpoint may: a malformed action
is a 500, an element write into another user's thread answers `success: true` while the data
layer drops it, feedback names any message by id. Here every such body is parsed strictly,
its sessions and rows are looked up for the signed-in user, and anything wrong gets a 4xx
with a plain message; a body that passes goes on to Chainlit unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from chainlit.session import WebsocketSession
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import Connection

from assistant.ui import ownership, pools, runtime

Refusal = tuple[int, str]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]

NOT_JSON = "The request body isn't valid JSON."
NO_CHAT = "That chat isn't open any more; reload the page to start a new one."
NOT_YOUR_CHAT = "That chat belongs to another sign-in."
NOT_YOURS = "That conversation isn't yours."
NO_MESSAGE = "There's no such message in your conversations."
NO_FEEDBACK = "There's no such feedback in your conversations."


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _Action(BaseModel):
    # Chainlit builds `Action(**action)`: an unknown key would be a TypeError there.
    model_config = ConfigDict(strict=True, extra="forbid")
    name: Id
    payload: dict[str, Any]
    label: str = Field("", max_length=200)
    tooltip: str = Field("", max_length=500)
    icon: str | None = Field(None, max_length=64)
    forId: str | None = Field(None, max_length=64)
    id: Id | None = None  # a custom element's callAction sends none


class _ActionRequest(_Body):
    action: _Action
    sessionId: Id


class _Element(_Body):
    id: Id
    type: Literal["custom"]
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    display: Literal["inline", "side", "page"]
    props: dict[str, Any] | None = None
    forId: str | None = Field(None, max_length=64)
    threadId: str | None = Field(None, max_length=64)


class _ElementRequest(_Body):
    element: dict[str, Any]
    sessionId: Id


class _Feedback(_Body):
    forId: Id
    value: Literal[0, 1]
    threadId: Id | None = None
    id: Id | None = None
    comment: str | None = Field(None, max_length=2000)


class _FeedbackRequest(_Body):
    feedback: _Feedback
    sessionId: Id


class _FeedbackDelete(_Body):
    feedbackId: Id


class _SessionCookie(_Body):
    session_id: Id


class _Pagination(_Body):
    first: int = Field(ge=1, le=100)
    cursor: Id | None = None


class _ThreadFilter(_Body):
    feedback: Literal[0, 1] | None = None
    search: str | None = Field(None, max_length=200)


class _ThreadsRequest(_Body):
    pagination: _Pagination
    filter: _ThreadFilter


class _Rename(_Body):
    threadId: Id
    name: Annotated[str, StringConstraints(max_length=255)]


class _Thread(_Body):
    threadId: Id


class Invalid(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.refusal = (status, message)


def _parse(body: bytes, model: type[M]) -> M:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Invalid(400, NOT_JSON) from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        what = str(first["msg"]).split(" or instance of ")[0]  # not our class names
        raise Invalid(400, f"The request isn't valid ({where}: {what}); "
                           "nothing was changed.") from None


async def _db(fn: Callable[[Connection], T]) -> T:
    def run() -> T:
        with runtime.store().engine.connect() as conn:
            return fn(conn)

    return await pools.quick(run)


def _own_session(session_id: str, who: str) -> WebsocketSession:
    session: WebsocketSession | None = WebsocketSession.get_by_id(session_id)
    if session is None:
        raise Invalid(404, NO_CHAT)
    if session.user is None or session.user.identifier != who:
        raise Invalid(403, NOT_YOUR_CHAT)
    return session


# --- the guards --------------------------------------------------------------------------------
async def _action(body: bytes, who: str) -> None:
    request = _parse(body, _ActionRequest)
    _own_session(request.sessionId, who)


async def _element(body: bytes, who: str) -> None:
    request = _parse(body, _ElementRequest)
    session = _own_session(request.sessionId, who)
    if request.element.get("type") != "custom":
        raise Invalid(400, "Only the app's own cards can be changed; nothing was changed.")
    element = _parse(json.dumps(request.element).encode(), _Element)
    target = element.threadId or None

    def check(conn: Connection) -> None:
        if target and target != session.thread_id and \
                ownership.thread_owner(conn, target) != who:
            raise Invalid(403, NOT_YOURS)
        stored, thread = ownership.element_thread(conn, element.id)
        if stored and thread != session.thread_id and \
                (thread is None or ownership.thread_owner(conn, thread) != who):
            raise Invalid(403, NOT_YOURS)  # another conversation's card, named by its id
        if stored and target and thread != target:
            raise Invalid(403, NOT_YOURS)

    await _db(check)


async def _feedback(body: bytes, who: str) -> None:
    feedback = _parse(body, _FeedbackRequest).feedback

    def check(conn: Connection) -> None:
        thread = ownership.step_thread(conn, feedback.forId)
        if thread is None or not ownership.may_touch(conn, who, thread):
            raise Invalid(404, NO_MESSAGE)
        if feedback.threadId is not None and feedback.threadId != thread:
            raise Invalid(400, "That message isn't part of that conversation; nothing was "
                               "changed.")
        if feedback.id is not None:
            existing = ownership.feedback_target(conn, feedback.id)
            if existing is not None and existing[0] != feedback.forId:
                raise Invalid(404, NO_FEEDBACK)

    await _db(check)


async def _feedback_delete(body: bytes, who: str) -> None:
    feedback_id = _parse(body, _FeedbackDelete).feedbackId

    def check(conn: Connection) -> None:
        target = ownership.feedback_target(conn, feedback_id)
        if target is None or not ownership.may_touch(conn, who, target[1]):
            raise Invalid(404, NO_FEEDBACK)

    await _db(check)


def _shape(model: type[BaseModel]) -> Callable[[bytes, str], Awaitable[None]]:
    async def check(body: bytes, who: str) -> None:
        _parse(body, model)

    return check


GUARDS: dict[tuple[str, str], Callable[[bytes, str], Awaitable[None]]] = {
    ("POST", "/project/action"): _action,
    ("PUT", "/project/element"): _element,
    ("DELETE", "/project/element"): _element,
    ("PUT", "/feedback"): _feedback,
    ("DELETE", "/feedback"): _feedback_delete,
    ("POST", "/set-session-cookie"): _shape(_SessionCookie),
    ("POST", "/project/threads"): _shape(_ThreadsRequest),
    ("PUT", "/project/thread"): _shape(_Rename),
    ("DELETE", "/project/thread"): _shape(_Thread),
}


def guarded(method: str, path: str) -> bool:
    return (method, path) in GUARDS


async def check(method: str, path: str, body: bytes, who: str | None) -> Refusal | None:
    """None if Chainlit may handle the request; else the status and message to answer."""
    if who is None:
        return 401, "Please sign in first."
    try:
        await GUARDS[(method, path)](body, who)
    except Invalid as e:
        return e.refusal
    return None
