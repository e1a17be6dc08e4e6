"""Agent overhead per turn, model calls per flow, and the prompt prefix's token count.

    python -m benchmarks.agent_bench [--customers 200] [--warmup 20] [--stream]

Overhead is everything a turn costs but the model's own time: the loop, memory, tool calls
through the core, SQLite, rendering. It is measured twice on a migrated SQLite file:

- with an instant model that replays a fixed script (a tool-calling LLM's answers), so the
  turns have the shape of an OpenAI model's; its own time (inside `_generate`) is subtracted;
- with the offline engine (the dialogue manager: no model, so all of its time counts).

Each simulated customer has their own orders, so every dialog does real work (nothing is
"already cancelled"). With --stream, every turn has a token sink, as in the terminal chat:
the agent then asks LangGraph for the "messages" stream too, which runs each node on a
worker thread (the web UI sends without one). Targets (issue 3): p50 < 5 ms, p99 < 25 ms.
Not a test: it prints.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from assistant.agent import Agent
from assistant.agent.prompt_budget import TOKEN_BUDGET, prefix_tokens
from assistant.config import ModelConfig
from assistant.conversation import Conversation, StoredThreads
from assistant.conversation.factory import engine_for
from assistant.reply import Reply
from store.db import Store, open_store
from store.domain.model import Actor
from store.seed import load_world

P50_TARGET_MS, P99_TARGET_MS = 5.0, 25.0
# (kind of turn, flow it counts for or "", what the user says, the model's answers)
Turn = tuple[str, str, str, list[AIMessage]]


# --- a model that answers instantly from a script -------------------------------------------
class InstantModel(BaseChatModel):
    """Answers with the next queued message; records its own time to subtract it."""

    queue: list[AIMessage] = []  # noqa: RUF012 (pydantic copies field defaults)
    own_time_s: float = 0.0
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "instant-script"

    def bind_tools(self, tools: Any, **kwargs: Any) -> InstantModel:  # type: ignore[override,unused-ignore]
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        started = time.perf_counter()
        self.calls += 1
        message = self.queue.pop(0)
        self.own_time_s += time.perf_counter() - started
        return ChatResult(generations=[ChatGeneration(message=message)])


def _call(name: str, n: int, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"call_{name}_{n}"}])


# --- the world: one customer per dialog -----------------------------------------------------
def bench_world(customers: int, now: datetime) -> dict[str, Any]:
    def ago(**delta: float) -> str:
        return (now - timedelta(**delta)).isoformat()

    world: dict[str, Any] = {"now": now.isoformat(), "customers": [], "staff": [],
                             "orders": []}
    for i in range(customers):
        email = f"c{i}@bench.example"
        world["customers"].append({"email": email, "name": f"Customer {i}", "postcode": "10115"})
        world["orders"] += [
            {"id": _order(i, 0), "customer": email, "placed_at": ago(days=1), "items": [
                _item(i, 0, "Wireless headphones", "59.99"), _item(i, 1, "USB-C cable", "9.99")]},
            {"id": _order(i, 1), "customer": email, "placed_at": ago(days=2), "items": [
                _item(i, 2, "Running shoes", "89.00", "processing"),
                _item(i, 3, "Board game", "39.90", "pending"),
                _item(i, 4, "Sports socks", "12.00")]},
        ]
    return world


def _order(customer: int, n: int) -> str:
    return f"500-{customer * 2 + n:07d}"


def _item(customer: int, n: int, title: str, price: str,
          status: str = "unshipped") -> dict[str, Any]:
    return {"id": f"I{customer}x{n}", "title": title, "price": price, "qty": 1,
            "status": status}


def dialog(i: int) -> list[Turn]:
    """A customer's conversation, with the answers a tool-calling LLM gives at each turn."""
    whole, partial, game = _order(i, 0), _order(i, 1), f"I{i}x3"
    return [
        ("chit-chat", "", "hi there", [AIMessage("Hello! How can I help with your orders?")]),
        ("lookup", "", f"what's in order {whole}?", [
            _call("lookup_order", 1, order_id=whole),
            AIMessage("It has wireless headphones and a USB-C cable, both not shipped yet.")]),
        ("propose", "cancel order N with its reason -> proposal",
         f"cancel order {whole}, I ordered it by mistake", [
            _call("cancel_items", 2, order_id=whole, item_ids=["all"],
                  reason="ordered_by_mistake")]),
        ("confirm", "confirm by typing yes", "yes", []),
        ("propose", "cancel an item named by title -> proposal",
         f"cancel the board game from {partial}, found a better price", [
            _call("lookup_order", 3, order_id=partial),
            _call("cancel_items", 4, order_id=partial, item_ids=[game],
                  reason="found_better_price")]),
        ("confirm", "confirm by the button", "[Confirm]", []),
        ("check", "", "did it go through?", [
            _call("check_cancelled", 5), AIMessage("Yes: both cancellations are recorded.")]),
    ]


# --- measuring ------------------------------------------------------------------------------
@dataclass
class Results:
    overhead_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    total_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # whole turn, CPU of this thread
    model_calls: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)

    def all_overheads(self) -> list[float]:
        return [v for values in self.overhead_ms.values() for v in values]


def say(conv: Conversation, text: str, stream: bool = False) -> Reply:
    if text == "[Confirm]":
        assert conv.pending is not None
        return conv.click("confirm", conv.pending["proposal_id"], conv.pending["fingerprint"])
    return conv.send(text, on_token=_discard if stream else None)


def _discard(_: str) -> None:
    """A token sink that shows nothing: the cost of streaming without a terminal's."""


def run_scripted(store: Store, customers: range, results: Results | None,
                 stream: bool = False) -> None:
    model = InstantModel()
    agent = Agent(model, "customer")
    for i in customers:
        conv = Conversation(agent, store, Actor("customer", f"c{i}@bench.example"))
        for kind, flow, text, answers in dialog(i):
            model.queue, model.own_time_s, model.calls = list(answers), 0.0, 0
            started, cpu = time.perf_counter(), time.thread_time()
            reply = say(conv, text, stream)
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
            if results is None:
                continue
            if reply.error or model.queue:
                results.failures.append(f"{kind}: {reply.error} {reply.text[:80]}")
            results.overhead_ms[kind].append((elapsed - model.own_time_s) * 1e3)
            results.total_ms.append(elapsed * 1e3)
            results.cpu_ms.append(cpu * 1e3)
            if flow:
                results.model_calls[flow].append(model.calls)


def run_offline(store: Store, customers: range, results: Results | None,
                stream: bool = False) -> bool:
    """The offline engine (the dialogue manager, no model at all): the whole turn is its own
    work, with the thread's state loaded from and saved to the store as in the app."""
    engine = engine_for("customer", ModelConfig())
    threads = StoredThreads(store)
    for i in customers:
        conv = Conversation(engine, store, Actor("customer", f"c{i}@bench.example"),
                            threads=threads)
        for kind, flow, text, _ in dialog(i):
            if text == "[Confirm]" and conv.pending is None:
                continue  # the engine answered differently; nothing to confirm
            started, cpu = time.perf_counter(), time.thread_time()
            reply = say(conv, text, stream)
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
            if results is None:
                continue
            results.overhead_ms[kind].append(elapsed * 1e3)
            results.total_ms.append(elapsed * 1e3)
            results.cpu_ms.append(cpu * 1e3)
            if flow:
                reached = reply.proposal is not None or reply.outcome is not None
                results.model_calls[flow].append(reply.model_calls if reached else -1)
    return True


# --- reporting ------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(title: str, results: Results) -> bool:
    overall = results.all_overheads()
    p50, p99 = pct(overall, 0.50), pct(overall, 0.99)
    ok = p50 < P50_TARGET_MS and p99 < P99_TARGET_MS
    print(f"\n{title}")
    print(f"  {'turn kind':<12}{'turns':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, values in results.overhead_ms.items():
        print(f"  {kind:<12}{len(values):>7}{pct(values, .5):>9.2f}{pct(values, .9):>9.2f}"
              f"{pct(values, .99):>9.2f}{max(values):>9.2f}")
    print(f"  {'all turns':<12}{len(overall):>7}{p50:>9.2f}{pct(overall, .9):>9.2f}"
          f"{p99:>9.2f}{max(overall):>9.2f}   targets p50 < {P50_TARGET_MS:g}, "
          f"p99 < {P99_TARGET_MS:g}: {'met' if ok else 'NOT MET'}")
    print(f"  whole turns incl. the model: p50 {pct(results.total_ms, .5):.2f} ms, "
          f"p99 {pct(results.total_ms, .99):.2f} ms wall; CPU p50 "
          f"{pct(results.cpu_ms, .5):.2f} ms, p99 {pct(results.cpu_ms, .99):.2f} ms "
          "(CPU time ignores waits for a busy machine's other processes)")
    print("  model calls per flow (mean, max; misses = the flow did not happen):")
    for flow, counts in results.model_calls.items():
        done = [c for c in counts if c >= 0]
        shown = (f"{statistics.mean(done):.2f}, max {max(done)}" if done else "-") + (
            f"; misses {len(counts) - len(done)}" if len(done) < len(counts) else "")
        print(f"    {flow:<46}{shown}")
    if results.failures:
        print(f"  {len(results.failures)} turns failed, e.g. {results.failures[0]}")
    return ok


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or "?")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    versions = ", ".join(f"{p} {_version(p)}" for p in
                         ("langchain-core", "langchain", "sqlalchemy", "tiktoken"))
    return (f"machine: {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
            f"load {' '.join(f'{x:.2f}' for x in load)}\n"
            f"python {sys.version.split()[0]} ({platform.python_implementation()}); {versions}")


def _read(path: str) -> Iterator[str]:
    try:
        yield from Path(path).read_text().splitlines()
    except OSError:
        return


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.agent_bench")
    parser.add_argument("--customers", type=int, default=200, help="dialogs per model")
    parser.add_argument("--warmup", type=int, default=20, help="dialogs run before timing")
    parser.add_argument("--stream", action="store_true",
                        help="send every turn with a token sink (the terminal chat's path)")
    args = parser.parse_args(argv)
    how = "streamed turns" if args.stream else "turns"
    print(machine())
    for role in ("customer", "staff"):
        counted = prefix_tokens(role)
        print(f"prompt prefix ({role}): {counted['total']} tokens o200k_base (system "
              f"{counted['system']} + tool schemas {counted['tools']}; budget {TOKEN_BUDGET})")
    total = 2 * (args.warmup + args.customers)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")  # migrated, like the app's
        load_world(store.uow(), bench_world(total, datetime.now(UTC)))
        print(f"store: SQLite file, {total} customers, {2 * total} orders")
        warm, timed = range(args.warmup), range(args.warmup, args.warmup + args.customers)
        run_scripted(store, warm, None, args.stream)
        scripted = Results()
        run_scripted(store, timed, scripted, args.stream)
        ok = report(f"instant scripted model (tool-calling LLM answers), {args.customers} "
                    f"dialogs of 7 {how}: agent overhead per turn", scripted)
        shift = args.warmup + args.customers
        offline = Results()
        if run_offline(store, range(shift, shift + args.warmup), None, args.stream):
            run_offline(store, range(shift + args.warmup, shift + args.warmup + args.customers),
                        offline, args.stream)
            report(f"offline engine, {args.customers} dialogs of {how}: the whole turn "
                   "(dialogue manager, tools, store, state load/save)", offline)
        else:
            print("\noffline engine: failed to run, skipped")
        store.engine.dispose()
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
