"""A Chainlit client without a browser: HTTP sign-in, then the socket.io protocol the web UI
speaks (chainlit/socket.py), and actions over POST /project/action as the UI sends them."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import socketio

from tests.app_server import AppServer


class ChatClient:
    def __init__(self, server: AppServer) -> None:
        self.server = server
        self.http = httpx.AsyncClient(base_url=server.url, timeout=30)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.session_id = str(uuid.uuid4())
        self.events: list[tuple[str, Any]] = []
        self.sio.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))

    # --- HTTP ------------------------------------------------------------------------------
    async def login(self, email: str, password: str = "rescind") -> httpx.Response:
        return await self.http.post("/login", data={"username": email, "password": password})

    async def header_login(self, headers: dict[str, str]) -> httpx.Response:
        return await self.http.post("/auth/header", headers=headers)

    @property
    def token(self) -> str | None:
        return self.http.cookies.get("access_token")

    async def action(self, name: str, payload: Any,
                     session_id: str | None = None) -> httpx.Response:
        body = {"sessionId": session_id or self.session_id,
                "action": {"name": name, "payload": payload, "id": str(uuid.uuid4())}}
        return await self.http.post("/project/action", json=body)

    # --- socket ----------------------------------------------------------------------------
    async def connect(self, chat_profile: str | None = None, thread_id: str | None = None,
                      ) -> None:
        await self.sio.connect(
            self.server.url, socketio_path="/ws/socket.io", transports=["websocket"],
            headers={"Cookie": f"access_token={self.token}"},
            auth={"sessionId": self.session_id, "clientType": "webapp", "userEnv": "{}",
                  "chatProfile": chat_profile or "", "threadId": thread_id or ""},
            wait_timeout=10,
        )
        await self.sio.emit("connection_successful")
        # on_chat_start runs as a task of its own: wait for its end, so that a turn's wait
        # for "task_end" can't mistake the start's for its own.
        await self.until(self._started)

    def _started(self) -> bool:
        if any(event in ("resume_thread", "resume_thread_error") for event, _ in self.events):
            return True  # a resumed thread: on_chat_resume has run
        seen = False
        for event, data in self.events:
            if event == "update_message" and data.get("name") in ("on_chat_start",
                                                                  "on_chat_resume"):
                seen = True
            elif seen and event == "task_end":
                return True
        return False

    async def send(self, text: str) -> None:
        """A user message, as the web UI sends it; returns once the turn has ended."""
        ended = self.count("task_end")
        message = {"id": str(uuid.uuid4()), "threadId": "", "name": "User",
                   "type": "user_message", "output": text,
                   "createdAt": datetime.now(UTC).replace(tzinfo=None).isoformat() + "Z"}
        await self.sio.emit("client_message", {"message": message, "fileReferences": []})
        await self.until(lambda: self.count("task_end") > ended)

    async def until(self, condition: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events so far: {self.names()}\n"
                                     f"{self.server.log_tail()}")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.http.aclose()

    # --- what arrived ----------------------------------------------------------------------
    def count(self, name: str) -> int:
        return sum(1 for event, _ in self.events if event == name)

    def names(self) -> list[str]:
        return [event for event, _ in self.events]

    def payloads(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    def messages(self) -> list[str]:
        return [str(m.get("output")) for m in self.payloads("new_message")
                if m.get("type") == "assistant_message"]

    def steps(self) -> list[dict[str, Any]]:
        final: dict[str, dict[str, Any]] = {}
        for event, data in self.events:
            if event in ("new_message", "update_message") and data.get("type") == "tool":
                final[data["id"]] = {**final.get(data["id"], {}), **data}
        return list(final.values())

    def elements(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.payloads("element") if e.get("name") == name]

    def live_actions(self, name: str) -> list[dict[str, Any]]:
        gone = {a["id"] for a in self.payloads("remove_action")}
        return [a for a in self.payloads("action") if a["name"] == name and a["id"] not in gone]

    def thread_id(self) -> str | None:
        for data in self.payloads("first_interaction"):
            return str(data["thread_id"])
        return None


def dump(data: Any) -> str:
    return json.dumps(data, default=str)
