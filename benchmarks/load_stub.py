"""A local stand-in for an OpenAI-compatible model, for `benchmarks/load.py`.

Each request waits `--latency` seconds, then answers as a capable model would for the
benchmark's messages ("cancel item ITEM of order ORDER, I no longer need it"): the first
call of a turn looks the order up, the second proposes cancelling the item (a write tool:
the proposal is the turn's answer). So a turn is two model calls, as in the issue's
measurements. A request with `"stream": true` (the UI streams every model turn) is answered
as server-sent events, chunk by chunk, as OpenAI does. Fault modes: `500` answers every
request with HTTP 500; `hang` never answers (the app's own timeouts must end the turn).

    python -m benchmarks.load_stub --port 8300 --latency 1.0 --fault none
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import uuid
from typing import Any

from aiohttp import web

ORDER = re.compile(r"\b\d{3}-\d{7}\b")
ITEM = re.compile(r"\bitem (\S+) of order\b")


def answer(messages: list[dict[str, Any]]) -> dict[str, Any]:
    last = messages[-1] if messages else {}
    users = [m for m in messages if m.get("role") == "user"]
    said = str(users[-1].get("content") if users else "")
    order, item = ORDER.search(said), ITEM.search(said)
    if order is None or item is None:
        return {"role": "assistant", "content": "Which order and item do you mean?"}
    if last.get("role") == "tool":
        call = ("cancel_items", {"order_id": order.group(0), "item_ids": [item.group(1)],
                                 "reason": "no_longer_needed"})
    else:
        call = ("lookup_order", {"order_id": order.group(0)})
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": f"call_{uuid.uuid4().hex[:12]}", "type": "function",
        "function": {"name": call[0], "arguments": json.dumps(call[1])}}]}


USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}


def finish(message: dict[str, Any]) -> str:
    return "tool_calls" if message.get("tool_calls") else "stop"


def chunks(message: dict[str, Any], model: str, usage: bool) -> list[dict[str, Any]]:
    """The answer as OpenAI streams it: the role first, then the text a few words at a time
    or each tool call's name and arguments, then the finish reason, then (when asked for
    with `stream_options.include_usage`) the usage with no choices."""
    head = {"id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion.chunk",
            "created": 0, "model": model}

    def chunk(delta: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}

    out = [chunk({"role": "assistant", "content": ""})]
    words = re.findall(r"\S+\s*", message.get("content") or "")
    out += [chunk({"content": "".join(words[i:i + 3])}) for i in range(0, len(words), 3)]
    for index, call in enumerate(message.get("tool_calls") or ()):
        out.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                          "function": {"name": call["function"]["name"],
                                                       "arguments": ""}}]}))
        out.append(chunk({"tool_calls": [{"index": index, "function": {
            "arguments": call["function"]["arguments"]}}]}))
    out.append(chunk({}, finish(message)))
    if usage:
        out.append({**head, "choices": [], "usage": USAGE})
    return out


async def streamed(request: web.Request, message: dict[str, Any],
                   body: dict[str, Any]) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
    usage = bool((body.get("stream_options") or {}).get("include_usage"))
    try:
        await response.prepare(request)
        for data in chunks(message, str(body.get("model", "stub")), usage):
            await response.write(f"data: {json.dumps(data)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
    except ConnectionResetError:
        # The client gave up (its own timeout) while the stub waited: nobody to answer, as
        # with any server; not a stub error worth a traceback in the run's log.
        pass
    return response


def app(latency_s: float, fault: str) -> web.Application:
    async def completions(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if fault == "hang":
            await asyncio.Event().wait()  # until the client gives up and disconnects
        await asyncio.sleep(latency_s)
        if fault == "500":
            return web.json_response({"error": {"message": "stub failure"}}, status=500)
        message = answer(body.get("messages") or [])
        if body.get("stream"):
            return await streamed(request, message, body)
        return web.json_response({
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
            "created": 0, "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish(message)}],
            "usage": USAGE,
        })

    application = web.Application()
    application.router.add_post("/v1/chat/completions", completions)
    return application


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.load_stub")
    p.add_argument("--port", type=int, default=8300)
    p.add_argument("--latency", type=float, default=1.0)
    p.add_argument("--fault", choices=["none", "500", "hang"], default="none")
    args = p.parse_args()
    web.run_app(app(args.latency, args.fault), host="127.0.0.1", port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
