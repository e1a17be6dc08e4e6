"""Simulated users for `benchmarks/load.py`: HTTP sign-in, the Socket.IO protocol Chainlit's
web UI speaks, and the buttons as POST /project/action, through the proxy.

Each user signs in, opens a chat and, per order of theirs, asks to cancel an item, then
presses Confirm on the proposal. A user whose socket drops (a process killed under it)
reconnects with the same session id through the proxy, which sends it to a live process;
a proposal shown again there is confirmed, a message that was lost is sent again. While
the model fails or hangs, half the users talk (and must get a clear answer within the
turn deadline) and half use the order card's picker and Confirm, which need no model.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import socketio

PASSWORD = "rescind"


@dataclass
class Stats:
    arrival_login: list[float] = field(default_factory=list)  # the sign-ins of the ramp
    login: list[float] = field(default_factory=list)  # sign-ins while the chats run
    turn: list[float] = field(default_factory=list)
    click: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)  # answers without a proposal
    confirmed: int = 0
    told_cancelled: set[str] = field(default_factory=set)  # item titles the users were told
    sent: int = 0  # user messages that got an answer
    arrived: int = 0  # users whose chat is open (or failed to open)
    reconnects: int = 0
    recovered: int = 0  # proposals confirmed after a reconnect
    done_before_drop: int = 0  # confirmed, then the answer lost with a killed process
    clear_failures: int = 0  # turns answered with a clear "couldn't" message
    first_confirm_at: float | None = None
    last_confirm_at: float | None = None

    def done(self) -> None:
        now = time.monotonic()
        self.confirmed += 1
        self.first_confirm_at = self.first_confirm_at or now
        self.last_confirm_at = now


@dataclass(frozen=True)
class Task:
    order_id: str
    item_id: str
    title: str


class Disconnected(Exception):
    pass


class User:
    def __init__(self, base: str, email: str, stats: Stats, turn_wait_s: float) -> None:
        self.base, self.email, self.stats = base, email, stats
        self.turn_wait_s = turn_wait_s
        self.http = httpx.AsyncClient(base_url=base, timeout=60)
        self.sio: socketio.AsyncClient | None = None
        self.session_id = str(uuid.uuid4())
        self.events: list[tuple[str, Any]] = []
        self.dropped = False
        # Set on every event and drop: a waiting user wakes when something arrives rather
        # than polling every 20 ms, which cost ~2 s of CPU per 200-user run on the cores
        # the app under test shares.
        self.changed = asyncio.Event()

    # --- HTTP ------------------------------------------------------------------------------
    async def login(self, probe: bool = False) -> bool:
        started = time.monotonic()
        r = await self.http.post("/login", data={"username": self.email,
                                                 "password": PASSWORD})
        (self.stats.login if probe else self.stats.arrival_login).append(
            time.monotonic() - started)
        if r.status_code != 200:
            self.stats.errors[f"login {r.status_code}"] += 1
        return r.status_code == 200

    async def action(self, name: str, payload: Any) -> httpx.Response:
        body = {"sessionId": self.session_id,
                "action": {"name": name, "payload": payload, "id": str(uuid.uuid4())}}
        return await self.http.post("/project/action", json=body)

    # --- socket ----------------------------------------------------------------------------
    async def connect(self) -> None:
        # Through the proxy first: after a failover it answers with the live process's
        # cookie, so the socket and the buttons' HTTP requests reach the same process.
        await self.http.get("/auth/config")
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("*", self._record)
        sio.on("disconnect", self._dropped)
        mark = len(self.events)
        self.dropped = False
        await sio.connect(self.base, socketio_path="/ws/socket.io", transports=["websocket"],
                          headers={"Cookie": cookie}, wait_timeout=30,
                          auth={"sessionId": self.session_id, "clientType": "webapp",
                                "userEnv": "{}", "chatProfile": "", "threadId": ""})
        self.sio = sio
        await sio.emit("connection_successful")
        await self._until(lambda: self._started(mark), 60)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))
        self.changed.set()

    async def _dropped(self, *args: Any) -> None:
        self.dropped = True
        self.changed.set()

    def _started(self, mark: int) -> bool:
        seen = False
        for event, data in self.events[mark:]:
            if event == "update_message" and data.get("name") == "on_chat_start":
                seen = True
            elif seen and event == "task_end":
                return True
        return False

    async def _until(self, condition: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.dropped:
                raise Disconnected
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.changed.clear()  # no await since `condition()`: nothing can slip past
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def send(self, text: str) -> list[str]:
        """A message; the assistant's messages in answer, once its turn has ended."""
        assert self.sio is not None
        mark = len(self.events)
        started = time.monotonic()
        message = {"id": str(uuid.uuid4()), "threadId": "", "name": "User",
                   "type": "user_message", "output": text,
                   "createdAt": datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z"}
        await self.sio.emit("client_message", {"message": message, "fileReferences": []})
        await self._until(lambda: any(e == "task_end" for e, _ in self.events[mark:]),
                          self.turn_wait_s)
        self.stats.turn.append(time.monotonic() - started)
        self.stats.sent += 1
        return [str(d.get("output")) for e, d in self.events[mark:]
                if e == "new_message" and d.get("type") == "assistant_message"]

    def live_confirm(self, since: int = 0) -> dict[str, Any] | None:
        """The Confirm button shown since event `since` and not withdrawn."""
        gone = {d["id"] for e, d in self.events if e == "remove_action"}
        live = [d for e, d in self.events[since:]
                if e == "action" and d.get("name") == "confirm" and d["id"] not in gone]
        return dict(live[-1]["payload"]) if live else None

    async def confirm(self, payload: dict[str, Any], task: Task) -> bool:
        mark = len(self.events)
        started = time.monotonic()
        r = await self.action("confirm", payload)
        self.stats.click.append(time.monotonic() - started)
        if r.status_code != 200:
            self.stats.errors[f"confirm {r.status_code}"] += 1
            return False
        await self._until(lambda: any(e == "new_message" for e, _ in self.events[mark:]), 30)
        said = [str(d.get("output")) for e, d in self.events[mark:] if e == "new_message"]
        if any(f"Cancelled: {task.title}" in s for s in said):
            self.stats.told_cancelled.add(task.item_id)
            self.stats.done()
            return True
        self.stats.errors["confirm not done"] += 1
        return False

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()
        await self.http.aclose()


async def sign_in_probes(base: str, emails: list[str], stats: Stats, stop: asyncio.Event,
                         every_s: float = 0.25) -> None:
    """Sign-ins while the chats run (each a fresh browser): what a newcomer waits."""
    i = 0
    while not stop.is_set():
        probe = User(base, emails[i % len(emails)], stats, 30)
        try:
            await probe.login(probe=True)
        except httpx.HTTPError:
            stats.errors["sign-in probe failed"] += 1
        finally:
            await probe.close()
        i += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every_s)


def request_for(task: Task) -> str:
    return f"Please cancel item {task.item_id} of order {task.order_id}, I no longer need it"


# --- scenarios ---------------------------------------------------------------------------------
async def arrive(user: User, go: asyncio.Event) -> bool:
    """Sign in and open the chat, then wait until every user has: the chats run at once."""
    try:
        return await _open_chat(user)
    finally:
        user.stats.arrived += 1
        await go.wait()


async def _open_chat(user: User) -> bool:
    try:
        ok = await user.login()
        if ok:
            await user.connect()
    except (TimeoutError, Disconnected, httpx.HTTPError,
            socketio.exceptions.ConnectionError) as e:
        user.stats.errors[f"could not open a chat ({type(e).__name__})"] += 1
        ok = False
    return ok


async def cancel_by_chat(user: User, tasks: list[Task], go: asyncio.Event) -> None:
    """Per task: ask, then Confirm the proposal. Reconnect and go on if dropped."""
    if not await arrive(user, go):
        return
    for task in tasks:
        give_up = time.monotonic() + 60  # a user tries again for a minute, then leaves
        while time.monotonic() < give_up:
            try:
                if user.sio is None or user.dropped:
                    if user.sio is not None:
                        user.stats.reconnects += 1
                    mark = len(user.events)
                    await user.connect()
                    shown = user.live_confirm(mark)  # a proposal shown again on resume
                    if shown is not None and await user.confirm(shown, task):
                        user.stats.recovered += 1
                        break
                mark = len(user.events)
                await user.send(request_for(task))
                payload = user.live_confirm(mark)
                if payload is None:  # e.g. the database was away: said so; try again
                    said = [str(d.get("output")) for e, d in user.events[mark:]
                            if e in ("new_message", "update_message")
                            and d.get("type") != "user_message" and d.get("output")]
                    last = said[-1] if said else "(nothing)"
                    if task.title in last and "already cancelled" in last:
                        # Its Confirm landed just before the process died, and the answer
                        # was lost with it: done, as the store says (the invariants check it).
                        user.stats.done_before_drop += 1
                        break
                    user.stats.answers[last[:70]] += 1
                    await asyncio.sleep(1.0)
                    continue
                if await user.confirm(payload, task):
                    break
                # The click failed (counted as an error): as a person would, reconnect and
                # look again; the proposal is shown again, or the item is cancelled already.
                user.dropped = True
                await asyncio.sleep(1.0)
            except (Disconnected, httpx.HTTPError, socketio.exceptions.ConnectionError):
                user.dropped = True
                await asyncio.sleep(1.0)
            except TimeoutError:
                user.stats.errors["turn timed out"] += 1
                user.dropped = True
        else:
            user.stats.errors["no proposal within a minute"] += 1


async def talk_while_model_fails(user: User, tasks: list[Task], go: asyncio.Event) -> None:
    """Ask, and expect a clear answer (no proposal) within the turn deadline."""
    if not await arrive(user, go):
        return
    try:
        for task in tasks[:1]:
            mark = len(user.events)
            said = await user.send(request_for(task))
            if said and user.live_confirm(mark) is None:
                user.stats.clear_failures += 1
            else:
                user.stats.errors["unclear answer"] += 1
    except (TimeoutError, Disconnected, httpx.HTTPError):
        user.stats.errors["no answer in time"] += 1


async def pick_and_confirm(user: User, tasks: list[Task], go: asyncio.Event) -> None:
    """The order card's picker and Confirm: no model involved."""
    if not await arrive(user, go):
        return
    try:
        await asyncio.sleep(0.5)  # the talkers' turns are already stuck in the model
        for task in tasks:
            mark = len(user.events)
            r = await user.action("pick_items", {"order_id": task.order_id,
                                                 "item_ids": [task.item_id],
                                                 "reason": "no_longer_needed",
                                                 "reason_text": None})
            payload = user.live_confirm(mark) if r.status_code == 200 else None
            if payload is None:
                await asyncio.sleep(0.2)  # the buttons arrive over the socket
                payload = user.live_confirm(mark)
            if payload is None:
                user.stats.errors[f"pick {r.status_code}"] += 1
                continue
            await user.confirm(payload, task)
    except (TimeoutError, Disconnected, httpx.HTTPError):
        user.stats.errors["picker failed"] += 1
