"""A local OpenAI-compatible server that answers from a script, for tests of the real client.

It speaks just enough of ``POST /v1/chat/completions``: JSON answers, streamed answers
(server-sent events with tool-call deltas), and faults (any status, garbage bodies, stalls).
It binds to 127.0.0.1 on a free port and records every request body, so a test can check
what the client sent. Like the real servers it refuses (400) a conversation that OpenAI
rejects (a tool call without its result, a result without its call) or that llama.cpp's
server rejects (``"content": null``), before using up a scripted step.

    with FakeOpenAI() as server:
        server.push(call("lookup_order", {"order_id": "112-0000001"}), say("Here it is."))
        model = make_model(ModelConfig("openai-compatible", "m", server.url))
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal


@dataclass(frozen=True)
class Step:
    """One scripted answer."""

    kind: Literal["answer", "status", "raw", "stall"]
    content: str | None = None
    calls: tuple[tuple[str, str], ...] = ()  # (tool name, arguments as sent: JSON text)
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    pace_s: float = 0.0  # streamed: a pause before each word, as a model that takes its time


def say(text: str, pace_s: float = 0.0) -> Step:
    return Step("answer", content=text, pace_s=pace_s)


def call(name: str, args: dict[str, Any] | str, *more: tuple[str, dict[str, Any] | str],
         text: str | None = None) -> Step:
    """Tool calls; `args` as a dict (sent as JSON) or as the raw text to send."""
    pairs = [(name, args), *more]
    return Step("answer", content=text, calls=tuple(
        (n, a if isinstance(a, str) else json.dumps(a)) for n, a in pairs))


def fail(status: int, message: str = "scripted failure", **headers: str) -> Step:
    body = json.dumps({"error": {"message": message, "type": "server_error", "code": None}})
    # Retries in tests should not sleep: the openai client honours retry-after-ms.
    hdrs = {"retry-after-ms": "1", **{k.replace("_", "-"): v for k, v in headers.items()}}
    return Step("status", status=status, body=body.encode(), headers=tuple(hdrs.items()))


def garbage(body: bytes = b"<html>upstream exploded</html>", status: int = 200,
            content_type: str = "application/json") -> Step:
    return Step("raw", status=status, body=body, headers=(("content-type", content_type),))


def stall(seconds: float) -> Step:
    """Answer nothing for `seconds` (longer than the client's timeout), then close."""
    return Step("stall", delay_s=seconds)


@dataclass
class Request:
    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.body.get("tools", [])]


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Step] = deque()
        self.requests: list[Request] = []
        self.unscripted = 0  # requests that found the script empty
        self.rejected: list[str] = []  # why requests were refused as invalid
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def push(self, *steps: Step) -> FakeOpenAI:
        with self._lock:
            self.script.extend(steps)
        return self

    def next_step(self, request: Request) -> Step | None:
        with self._lock:
            self.requests.append(request)
            if self.script:
                return self.script.popleft()
            self.unscripted += 1
            return None

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _handler_for(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests assert on `requests`."""

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"unparsed": raw.decode(errors="replace")}
            request = Request(self.path, body, {k.lower(): v for k, v in self.headers.items()})
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, b'{"error":{"message":"not found"}}')
                return
            problem = invalid_conversation(request.messages)
            if problem is not None:
                with server._lock:
                    server.requests.append(request)
                    server.rejected.append(problem)
                error = {"error": {"message": problem, "type": "invalid_request_error"}}
                self._send(400, json.dumps(error).encode())
                return
            step = server.next_step(request)
            # A client that gave up (a timeout test) leaves nothing to do.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(step, body)

        def _answer(self, step: Step | None, body: dict[str, Any]) -> None:
            if step is None:
                self._send(500, b'{"error":{"message":"fake server: script exhausted"}}')
            elif step.kind == "stall":
                server.wait(step.delay_s)
                self.close_connection = True
            elif step.kind in ("status", "raw"):
                self._send(step.status, step.body, dict(step.headers))
            elif body.get("stream"):
                self._stream(step, body)
            else:
                payload = json.dumps(_completion(step, body.get("model", "?"))).encode()
                self._send(200, payload)

        def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None,
                  ) -> None:
            self.send_response(status)
            headers = {"content-type": "application/json", **(headers or {})}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _stream(self, step: Step, body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            for chunk in _chunks(step, body.get("model", "?"), usage):
                if step.pace_s and chunk.get("choices") and \
                        chunk["choices"][0]["delta"].get("content"):
                    time.sleep(step.pace_s)
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def invalid_conversation(messages: list[dict[str, Any]]) -> str | None:
    """Why OpenAI or llama.cpp would refuse these messages, or None."""
    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        if "content" in message and message["content"] is None:
            return f"messages[{i}]: content must not be null"
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in open_calls:
                return f"messages[{i}]: a 'tool' message must answer a preceding tool call"
            open_calls.discard(message["tool_call_id"])
            continue
        if open_calls:
            return (f"messages[{i}]: an assistant message with 'tool_calls' must be followed "
                    f"by tool messages for each tool_call_id; missing {sorted(open_calls)}")
        if role == "assistant":
            open_calls = {c["id"] for c in message.get("tool_calls") or []}
    if open_calls:
        return f"the conversation ends with unanswered tool calls {sorted(open_calls)}"
    return None


_USAGE = {"prompt_tokens": 900, "completion_tokens": 20, "total_tokens": 920}


def _tool_calls(step: Step) -> list[dict[str, Any]]:
    return [{"id": f"call_{i}_{time.monotonic_ns() % 10**9}", "type": "function",
             "function": {"name": name, "arguments": args}}
            for i, (name, args) in enumerate(step.calls)]


def _completion(step: Step, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.content}
    if step.calls:
        message["tool_calls"] = _tool_calls(step)
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
        "model": model, "usage": _USAGE,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if step.calls else "stop"}],
    }


def _chunks(step: Step, model: str, usage: bool) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    for word in _pieces(step.content or ""):
        yield chunk({"content": word})
    for index, tool_call in enumerate(_tool_calls(step)):
        function = tool_call["function"]
        yield chunk({"tool_calls": [{"index": index, "id": tool_call["id"], "type": "function",
                                     "function": {"name": function["name"], "arguments": ""}}]})
        args = function["arguments"]
        for part in (args[: len(args) // 2], args[len(args) // 2:]):  # split mid-JSON
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": part}}]})
    yield chunk({}, "tool_calls" if step.calls else "stop")
    if usage:
        yield {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
               "created": int(time.time()), "model": model, "choices": [], "usage": _USAGE}


def _pieces(text: str) -> list[str]:
    """Word-sized deltas that keep their spaces, as real servers send them."""
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words) if w or i == 0] if text else []
