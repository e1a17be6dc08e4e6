"""llama-cpp-python's OpenAI server with a hard cap on the tokens generated per request.

    <llama venv>/bin/python benchmarks/llm_serve.py --max-tokens 384 [llama_cpp.server args]

Run by the benchmark with the interpreter of the llama-cpp-python environment (it imports
nothing from the project). The server itself has no such cap: a request without
`max_tokens` generates until the context is full, and llama-cpp-python 0.3.16 ignores
`max_completion_tokens`, which is what current OpenAI clients (langchain-openai among them)
send. So every POST to a `.../completions` route gets `max_tokens = min(asked, cap)`, the
asked value taken from `max_tokens` or `max_completion_tokens`, the cap when neither is a
positive number.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def cap_max_tokens(body: bytes, cap: int) -> bytes:
    """The request body with `max_tokens` at most `cap` (unparseable bodies pass unchanged)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    alternative = data.pop("max_completion_tokens", None)
    asked = data.get("max_tokens")
    if asked is None:
        asked = alternative
    valid = isinstance(asked, int) and not isinstance(asked, bool) and 0 < asked <= cap
    data["max_tokens"] = asked if valid else cap
    return json.dumps(data).encode()


class CapMaxTokens:
    """ASGI middleware applying `cap_max_tokens` to completion requests."""

    def __init__(self, app: App, cap: int) -> None:
        self.app, self.cap = app, cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "POST"
                or not str(scope.get("path", "")).endswith("completions")):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
        body = cap_max_tokens(body, self.cap)
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        first = {"type": "http.request", "body": body, "more_body": False}
        await self.app({**scope, "headers": headers}, _replay([first], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def main() -> None:
    import uvicorn
    from llama_cpp.server.__main__ import Settings  # type: ignore[import-not-found]
    from llama_cpp.server.app import create_app  # type: ignore[import-not-found]
    from llama_cpp.server.cli import (  # type: ignore[import-not-found]
        add_args_from_model,
        parse_model_from_args,
    )
    from llama_cpp.server.settings import (  # type: ignore[import-not-found]
        ModelSettings,
        ServerSettings,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-tokens", type=int, required=True)
    add_args_from_model(parser, Settings)
    args = parser.parse_args()
    server = parse_model_from_args(ServerSettings, args)
    app = create_app(server_settings=server,
                     model_settings=[parse_model_from_args(ModelSettings, args)])
    print(f"llm_serve: max_tokens capped at {args.max_tokens}", file=sys.stderr, flush=True)
    uvicorn.run(CapMaxTokens(app, args.max_tokens), host=server.host, port=server.port)


if __name__ == "__main__":
    main()
