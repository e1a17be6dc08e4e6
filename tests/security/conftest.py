"""The security suite's harness: the real app in a subprocess (one per test worker), attacked
over HTTP and Socket.IO the way an outsider would, and a probe that a refused attack left
the database as it was.

Sign-in attacks come "from" addresses of the documentation ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24) through X-Forwarded-For, as a trusted proxy on 127.0.0.1
would set it (uvicorn's default): each test throttles its own addresses and accounts, so
the tests don't lock each other out.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import socketio

from store.db import Store
from store.seed import load_world
from tests.app_server import SECRET, AppServer, running_app
from tests.support import business_snapshot, rows
from tests.ui.protocol import ChatClient

ANA, BOB, CLEO, SAM = "ana@example.com", "bob@example.com", "cleo@example.com", \
    "sam@shop.example"
PASSWORD = "rescind"
# Accounts that only the sign-in attacks use (each test its own), with the demo password.
TARGETS = [f"target{n}@example.com" for n in range(1, 9)]
_RANGES = ("192.0.2", "198.51.100", "203.0.113")
_addresses = itertools.count()


def address() -> str:
    """A client address no other test of this worker uses."""
    n = next(_addresses)
    return f"{_RANGES[n // 254 % 3]}.{n % 254 + 1}"


@dataclass
class App:
    server: AppServer
    store: Store
    clients: list[ChatClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    async def client(self, email: str | None = None, *, connect: bool = True) -> ChatClient:
        """A browser of `email` (signed in from an address of its own), socket connected."""
        chat = ChatClient(self.server)
        self.clients.append(chat)
        if email is not None:
            response = await login(chat.http, email, via=address())
            assert response.status_code == 200, response.text
            if connect:
                await chat.connect()
        return chat


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, Store]]:
    with running_app(tmp_path_factory.mktemp("security")) as app:
        store = app.store()
        load_world(store.uow(), {"customers": [
            {"email": e, "name": e.split("@")[0].title()} for e in TARGETS]}, passwords=True)
        yield app, store
        store.engine.dispose()


@pytest.fixture
async def app(server: tuple[AppServer, Store]) -> AsyncIterator[App]:
    found = App(*server)
    yield found
    for chat in found.clients:
        await chat.close()


# --- HTTP -----------------------------------------------------------------------------------
async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD, *,
                via: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": via} if via else {}
    return await http.post("/login", data={"username": email, "password": password},
                           headers=headers)


def bare(app: App, token: str | None = None, **headers: str) -> httpx.AsyncClient:
    """An HTTP client holding nothing but (optionally) a session token as its cookie."""
    cookies = {"access_token": token} if token else {}
    return httpx.AsyncClient(base_url=app.url, timeout=30, cookies=cookies, headers=headers)


def mint(identifier: str, *, sid: str | None = None, key: str = SECRET,
         expires_in: timedelta = timedelta(hours=1), algorithm: str = "HS256") -> str:
    """A token as Chainlit shapes them, signed as told: what a forger (or an old version of
    the app) would present."""
    now = datetime.now(UTC)
    metadata: dict[str, Any] = {"role": "customer", "provider": "credentials"}
    if sid is not None:
        metadata["sid"] = sid
    claims = {"identifier": identifier, "display_name": None, "metadata": metadata,
              "exp": now + expires_in, "iat": now}
    return str(jwt.encode(claims, key if algorithm != "none" else None,  # type: ignore[arg-type]
                          algorithm=algorithm))


def sid_of(token: str) -> str:
    return str(jwt.decode(token, SECRET, algorithms=["HS256"])["metadata"]["sid"])


# --- Socket.IO ------------------------------------------------------------------------------
async def raw_connect(app: App, token: str | None, *, origin: str | None = None,
                      thread_id: str = "") -> socketio.AsyncClient:
    """Open a socket as the web UI does; raises socketio's ConnectionError when refused."""
    sio = socketio.AsyncClient(reconnection=False)
    headers = {"Cookie": f"access_token={token}"} if token else {}
    if origin:
        headers["Origin"] = origin
    try:
        await sio.connect(app.url, socketio_path="/ws/socket.io", transports=["websocket"],
                          headers=headers, wait_timeout=10,
                          auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp",
                                "userEnv": "{}", "chatProfile": "", "threadId": thread_id})
    except BaseException:
        await sio.disconnect()
        raise
    return sio


# --- the probe ------------------------------------------------------------------------------
# The outbox's delivery bookkeeping: the background mailer's, not a request's, to change.
DELIVERY = frozenset({"sent_at", "message_id", "attempts", "claimed_until", "next_attempt_at",
                      "last_error"})

@contextmanager
def unchanged(app: App, *targets: tuple[str, dict[str, Any]],
              but: tuple[str, ...] = ()) -> Iterator[None]:
    """Every business table (`but` those the test checks itself), and each targeted row set
    (table, column filters), is exactly as before the block."""
    def business() -> dict[str, Any]:
        out = {k: v for k, v in business_snapshot(app.store).items() if k not in but}
        if "emails" in out:  # the mailer may deliver a mail queued before the block meanwhile
            out["emails"] = [{k: v for k, v in r.items() if k not in DELIVERY}
                             for r in rows(app.store, "emails")]
        return out

    def targeted() -> list[Any]:
        return [rows(app.store, t, **w) for t, w in targets]

    # The turn before the block may still be saving its chat history (Chainlit writes steps
    # and the thread's updated_at after the reply): start from rows that have settled.
    settled, deadline = targeted(), time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.2)
        again = targeted()
        if again == settled:
            break
        settled = again
    before = business(), settled
    yield
    after = business(), [rows(app.store, t, **w) for t, w in targets]
    assert after[0] == before[0], "a business table changed"
    for (table, where), old, new in zip(targets, before[1], after[1], strict=True):
        assert new == old, f"{table} {where} changed"


def assert_refused(response: httpx.Response, *statuses: int) -> None:
    """A 4xx from the list, with a plain message: never a 500, never a false success."""
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert "success" not in response.text
    detail = response.json().get("detail")
    assert detail, response.text
