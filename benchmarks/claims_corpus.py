"""The claim corpus (tests/guard/claims_corpus.yaml): sentences a model might write, each with
the store it is judged against. Used by the corpus tests and `benchmarks.claims_bench`.

A world is the corpus's shop loaded into a fresh in-memory store, then moved by its `thread`
through the real services (proposals confirmed in one chat thread, store events), and the
conversation so far: the user's message this turn and a `lookup_order` call and result for
each order in `seen`, exactly as the agent would have them in its memory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from evals.state import StoreState, snapshot
from store import services
from store.db import Store, memory_store
from store.domain.model import Actor, ProposalKind, Reason
from store.seed import load_world, parse_time

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "guard" / "claims_corpus.yaml"
THREAD = "corpus-thread"
Label = Literal["lie", "truth", "neutral"]
LABELS: tuple[Label, ...] = ("lie", "truth", "neutral")


@dataclass(frozen=True)
class Case:
    world: str
    label: Label
    say: str
    user: str = ""

    @property
    def name(self) -> str:
        return f"{self.world}/{self.label}: {self.say[:60]}"


@dataclass(frozen=True)
class WorldSpec:
    name: str
    actor: Actor
    acting_for: str | None
    thread: tuple[dict[str, Any], ...]
    seen: tuple[str, ...]


@dataclass
class World:
    """A world built and ready: its store, who is signed in, and the chat so far."""

    spec: WorldSpec
    store: Store
    initial: StoreState  # the tables before the thread moved anything
    lookups: list[dict[str, Any]] = field(default_factory=list)  # this turn's tool results

    @property
    def actor(self) -> Actor:
        return self.spec.actor

    def messages(self, user: str) -> list[BaseMessage]:
        """The conversation as the agent keeps it: the user's message, then the lookups."""
        out: list[BaseMessage] = [HumanMessage(user or "what about my orders?")]
        for result in self.lookups:
            call_id = f"call_{uuid.uuid4().hex[:8]}"
            out.append(AIMessage("", tool_calls=[{"name": "lookup_order", "id": call_id,
                                                  "args": {"order_id": result["order_id"]}}]))
            out.append(ToolMessage(json.dumps(result), tool_call_id=call_id))
        return out


@dataclass(frozen=True)
class Corpus:
    shop: dict[str, Any]
    worlds: dict[str, WorldSpec]
    cases: tuple[Case, ...]

    def of(self, label: Label) -> list[Case]:
        return [c for c in self.cases if c.label == label]


def load(path: Path = CORPUS) -> Corpus:
    data = yaml.safe_load(path.read_text())
    worlds = {name: _spec(name, spec or {}) for name, spec in data["worlds"].items()}
    cases: list[Case] = []
    for world, labelled in data["cases"].items():
        if world not in worlds:
            raise ValueError(f"{path}: cases for unknown world {world!r}")
        for label, entries in labelled.items():
            if label not in LABELS:
                raise ValueError(f"{path}: {world}: unknown label {label!r}")
            for entry in entries:
                if isinstance(entry, str):
                    cases.append(Case(world, label, entry))
                else:
                    cases.append(Case(world, label, str(entry["say"]), str(entry.get("user", ""))))
    return Corpus(data["shop"], worlds, tuple(cases))


def _spec(name: str, spec: dict[str, Any]) -> WorldSpec:
    who = spec.get("as") or {"customer": "ana@example.com"}
    ((kind, email),) = who.items()
    return WorldSpec(name, Actor(kind, email), spec.get("acting_for"),
                     tuple(spec.get("thread") or ()), tuple(spec.get("seen") or ()))


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(corpus: Corpus, spec: WorldSpec) -> World:
    store = memory_store(_Clock(parse_time(corpus.shop["now"])))
    load_world(store.uow(), corpus.shop)
    initial = snapshot(store.engine)
    for step in spec.thread:
        _play(store, spec.actor, step)
    world = World(spec, store, initial)
    for order_id in spec.seen:
        view = services.lookup_order(store.uow(), spec.actor, order_id).as_dict()
        world.lookups.append({"ok": True, **view})
    return world


def _play(store: Store, actor: Actor, step: dict[str, Any]) -> None:
    if "verify" in step:
        services.verify_caller(store.uow(), actor, step["verify"], email=step.get("email"))
    elif "confirm" in step:
        made = services.propose(store.uow(), actor, ProposalKind(step["confirm"]),
                                step["order"], list(step["items"]), Reason.NO_LONGER_NEEDED,
                                thread_id=THREAD)
        assert made.proposal is not None, step
        services.confirm(store.uow(), actor, made.proposal.id)
    elif "event" in step:
        result = services.apply_event(store.uow(), step["event"], step["item"])
        assert result.applied, (step, result.message)
    else:
        raise ValueError(f"unknown thread step {step!r}")


def worlds(corpus: Corpus) -> Iterator[tuple[World, list[Case]]]:
    """Each world built once, with its cases."""
    for name, spec in corpus.worlds.items():
        cases = [c for c in corpus.cases if c.world == name]
        if cases:
            world = build(corpus, spec)
            try:
                yield world, cases
            finally:
                world.store.engine.dispose()
