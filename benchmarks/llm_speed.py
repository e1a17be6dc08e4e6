"""How fast a local model serves the app's requests on this CPU: prompt evaluation and
generation in tokens/s, and one customer request cold vs. with its prefix in the KV cache.

    python -m benchmarks.llm_speed --model {qwen2.5-coder-0.5b,qwen2.5-coder-1.5b} [--repeat 3]

The requests are the app's own (the `openai-compatible` provider in JSON tool mode, the
customer system prompt and tools) mid-dialog: a look-up, its result, a reply, a second
message, a second look-up and its result. "Cold" evaluates the whole prompt (its system
prompt starts with a fresh marker, so nothing matches a cached state); "cached" is the next
request of the same loop after the one that ended with the customer's message: only the
model's tool call and its result are new. Then a staff
request, and the customer request again: with `RESCIND_LLM_RAM_CACHE=1` the RAM cache
restores its state (without it, the shared prefix is evaluated again). Generation speed
comes from a plain completion forced to 128 tokens. The numbers are the server's own
(llama.cpp's timings in its log) plus the request's wall time. Not a test: it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.messages import ToolMessage as Tool

from assistant.config import ModelConfig
from assistant.models.providers import make_model
from benchmarks.llm_models import cache_dir, ensure_model, load_pins
from benchmarks.llm_server import (
    RequestTiming,
    ensure_server_env,
    free_port,
    parse_server_log,
    running_server,
)
from benchmarks.local_llm_evals import REQUEST_TIMEOUT_S, machine
from prompts import load_prompt
from tools.order_tools import tools_for

ITEM = {"qty": 1, "seller": "shop", "status": "unshipped", "can": "cancel", "rules": ["P3"],
        "why": "It is unshipped and has not entered the shipping process, so it can be "
               "cancelled now."}
ORDER = {"ok": True, "order_id": "112-0000107", "placed_at": "2026-09-08T16:00:00+00:00",
         "status": "open", "refunded": "0.00", "items": [
             {"id": "J1", "title": "Mechanical keyboard", "price": "119.00", **ITEM},
             {"id": "J2", "title": "Keycap set", "price": "35.00", **ITEM}]}
ORDERS = {"ok": True, "orders": [
    {"order_id": "112-0000107", "placed_at": "2026-09-08T16:00:00+00:00", "status": "open",
     "items": 2}, {"order_id": "112-0000093", "placed_at": "2026-08-30T09:12:00+00:00",
                   "status": "delivered", "items": 1}]}


def _call(name: str, args: dict[str, str], n: int) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{n}"}])


def conversation() -> list[BaseMessage]:
    """A customer dialog in its second turn, waiting for the model after a look-up."""
    return [
        HumanMessage("Hi! Which orders do I have at the moment?"),
        _call("lookup_order", {}, 1), Tool(json.dumps(ORDERS), tool_call_id="call_1"),
        AIMessage("You have two orders: 112-0000107 (open, 2 items) and 112-0000093 "
                  "(delivered, 1 item)."),
        HumanMessage("Order 112-0000107, cancel the keycap set please, found a better price."),
        _call("lookup_order", {"order_id": "112-0000107"}, 2),
        Tool(json.dumps(ORDER), tool_call_id="call_2"),
    ]


class Probe:
    """Sends the app's requests and reads each one's timings from the server log."""

    def __init__(self, port: int, alias: str, log: Path) -> None:
        os.environ["RESCIND_TOOL_MODE"] = "json"  # the provider reads it when building
        config = ModelConfig(provider="openai-compatible", model=alias,
                             base_url=f"http://127.0.0.1:{port}/v1", api_key="local",
                             timeout_s=REQUEST_TIMEOUT_S, max_retries=0)
        self.models = {role: make_model(config).bind_tools(list(tools_for(role)))
                       for role in ("customer", "staff")}
        self.port, self.log = port, log

    def timed(self, send: Callable[[], object]) -> tuple[float, RequestTiming]:
        before = len(self._timings())
        started = time.perf_counter()
        send()
        seconds = time.perf_counter() - started
        for _ in range(50):  # the log line may trail the response by a moment
            timings = self._timings()
            if len(timings) > before:
                return seconds, timings[-1]
            time.sleep(0.1)
        raise SystemExit(f"no timings for the request in {self.log}")

    def chat(self, role: str, marker: str, messages: list[BaseMessage],
             ) -> tuple[float, RequestTiming]:
        system = SystemMessage(f"{marker}{load_prompt(role)}")
        return self.timed(lambda: self.models[role].invoke([system, *messages]))

    def complete(self, prompt: str, tokens: int) -> tuple[float, RequestTiming]:
        body = {"prompt": prompt, "max_tokens": tokens, "min_tokens": tokens,
                "temperature": 0}
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/completions",
                                         json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        return self.timed(lambda: urllib.request.urlopen(request, timeout=600).read())

    def _timings(self) -> list[RequestTiming]:
        return parse_server_log(self.log.read_text(errors="replace"))


def describe(label: str, seconds: float, t: RequestTiming) -> str:
    """The request's wall time, split into llama.cpp's prompt and generation times and the
    rest (token sampling, with the JSON grammar for the app's requests; the prompt cache's
    look-up, restore and save; HTTP)."""
    rate = f"{t.evaluated / t.prompt_ms * 1000:.0f} tok/s" if t.prompt_ms else "-"
    other = seconds - (t.prompt_ms + t.generate_ms) / 1000
    return (f"{label}: {seconds:.2f} s; prompt {t.prompt_tokens} tokens, {t.evaluated} "
            f"evaluated in {t.prompt_ms / 1000:.2f} s ({rate}), {t.generated} generated in "
            f"{t.generate_ms / 1000:.2f} s, other {other:.2f} s")


def measure(probe: Probe, repeat: int) -> None:
    probe.chat("customer", "", [HumanMessage("Hello")])  # warm-up: pages the weights in
    colds, cacheds = [], []
    for n in range(repeat):
        # A marker ahead of the system prompt: a prefix no cached state has.
        cold = probe.chat("customer", f"[cold {n}]\n", conversation())
        probe.chat("customer", f"[warm {n}]\n", conversation()[:-2])  # the loop's previous
        cached = probe.chat("customer", f"[warm {n}]\n", conversation())
        print(describe(f"cold   #{n + 1}", *cold))
        print(describe(f"cached #{n + 1}", *cached), flush=True)
        colds.append(cold)
        cacheds.append(cached)
    print(describe("staff request (other prefix)", *probe.chat("staff", "", [
        HumanMessage("Customer carol@example.com asks to cancel order 112-0000093.")])))
    print(describe("customer again after it (RAM cache restore)",
                   *probe.chat("customer", "[warm 0]\n", conversation())))
    generation = probe.complete("def fibonacci(n):", 128)
    print(describe("plain completion, 128 tokens", *generation))
    pp = [t.evaluated / t.prompt_ms * 1000 for _, t in colds]
    print()
    print(f"prompt eval: {statistics.median(pp):.1f} tok/s (median of {repeat} cold "
          f"requests of {colds[0][1].prompt_tokens} tokens)")
    t = generation[1]
    print(f"generation: {t.generated / t.generate_ms * 1000:.1f} tok/s ({t.generated} tokens)")
    cold_s, cached_s = [s for s, _ in colds], [s for s, _ in cacheds]
    print(f"request cold: {statistics.median(cold_s):.2f} s (best {min(cold_s):.2f}), with "
          f"the prefix cached: {statistics.median(cached_s):.2f} s (best {min(cached_s):.2f}); "
          f"medians, {cacheds[0][1].prompt_tokens - cacheds[0][1].evaluated} of "
          f"{cacheds[0][1].prompt_tokens} prompt tokens from the cache")


def main() -> int:
    pins = load_pins()
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--model", required=True, choices=sorted(pins))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    cache, pin = cache_dir(), pins[args.model]
    python, model = ensure_server_env(cache), ensure_model(pin, cache)
    port = args.port or free_port()
    print(f"model: {pin.key} ({model}, sha256 verified)")
    print("load average at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    with running_server(python, model, pin.key, port, cache) as log:
        print(f"server log: {log}", flush=True)
        measure(Probe(port, pin.key, log), max(args.repeat, 1))
    print(f"machine: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
