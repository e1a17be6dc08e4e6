"""What a turn leaves behind: a JSON (or text) record per turn and per write, OpenTelemetry
spans around turns, model requests, tool calls and store transactions, and LangSmith run
metadata; with nothing configured, nothing is sent anywhere."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.tracers.context import collect_runs
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from assistant.agent import Agent
from assistant.config import ModelConfig
from assistant.conversation import Conversation
from assistant.conversation.factory import engine_for
from store import services, telemetry
from store.db import Store, memory_store
from store.domain.errors import OrderNotFound
from store.seed import load_world
from store.settings import LogSettings, TracingSettings
from tests.fakes.chat_models import ScriptedChatModel, calls, tool_call
from tests.support import ANA, NOW, standard_world

CANCEL = "cancel the headphones from order 112-0000001, I no longer need them"


@pytest.fixture
def shop() -> Iterator[Store]:
    store = memory_store(lambda: NOW)
    load_world(store.uow(), standard_world())
    yield store
    store.engine.dispose()


@pytest.fixture
def chat(shop: Store) -> Conversation:
    return Conversation(engine_for("customer", ModelConfig()), shop, ANA)


@pytest.fixture
def agent_chat(shop: Store) -> Conversation:
    """The tool-calling agent on a scripted model: a turn that calls the model and tools."""
    model = ScriptedChatModel(script=[
        calls(tool_call("lookup_order", order_id="112-0000001")),
        calls(tool_call("cancel_items", order_id="112-0000001", item_ids=["A1"],
                        reason="no_longer_needed")),
        AIMessage("Shall I cancel the headphones? Reply yes to confirm."),
    ])
    return Conversation(Agent(model, "customer"), shop, ANA)


@pytest.fixture
def spans(shop: Store) -> Iterator[InMemorySpanExporter]:
    """Spans from here on: the shop's world is loaded before, and not recorded."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    telemetry.use_tracer_provider(provider)
    yield exporter
    telemetry.use_tracer_provider(None)


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Whatever a test configures, the root logger is as it was afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    telemetry.configure_logging(LogSettings.load({}), "WARNING")
    root.handlers[:] = handlers


def capture_logs(monkeypatch: pytest.MonkeyPatch, **env: str) -> io.StringIO:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    telemetry.configure_logging(LogSettings.load({"RESCIND_LOG_LEVEL": "INFO", **env}))
    return stream


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def by_name(finished: tuple[ReadableSpan, ...], prefix: str) -> list[ReadableSpan]:
    return [s for s in finished if s.name.startswith(prefix)]


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


# --- spans -----------------------------------------------------------------------------------
def test_a_turn_is_one_span_around_its_model_requests_tool_calls_and_transactions(
    spans: InMemorySpanExporter, chat: Conversation,
) -> None:
    reply = chat.send(CANCEL)
    assert reply.proposal is not None

    finished = spans.get_finished_spans()
    (turn,) = by_name(finished, "rescind.turn")
    assert turn.parent is None
    tools = by_name(finished, "execute_tool ")
    assert [t.name for t in tools] == ["execute_tool lookup_order", "execute_tool cancel_items"]
    assert by_name(finished, "chat ") == [] and reply.model_calls == 0  # no model offline
    assert all(parent_id(s) == span_id(turn) for s in tools)
    transactions = by_name(finished, "rescind.store.transaction")
    assert transactions and {parent_id(t) for t in transactions} <= {span_id(t) for t in tools}

    attributes = dict(turn.attributes or {})
    assert attributes["rescind.outcome"] == "proposed"
    assert attributes["rescind.proposal_id"] == reply.proposal["proposal_id"]
    assert attributes["gen_ai.conversation.id"] == chat.thread_id
    assert attributes["rescind.actor"] == telemetry.hash_actor(ANA)
    assert dict(tools[1].attributes or {})["rescind.proposal_id"] == \
        reply.proposal["proposal_id"]
    everything = json.dumps([dict(s.attributes or {}) for s in finished], default=str)
    assert ANA.email not in everything


def test_a_confirmation_commits_durably_inside_its_turn(
    spans: InMemorySpanExporter, chat: Conversation,
) -> None:
    chat.send(CANCEL)
    spans.clear()

    reply = chat.send("yes")

    assert reply.outcome is not None
    finished = spans.get_finished_spans()
    (turn,) = by_name(finished, "rescind.turn")
    assert dict(turn.attributes or {})["rescind.outcome"] == "confirmed"
    committed = [s for s in by_name(finished, "rescind.store.transaction")
                 if dict(s.attributes or {}).get("rescind.committed") == "durable"]
    assert len(committed) == 1 and parent_id(committed[0]) == span_id(turn)


def test_a_transaction_that_raises_is_an_error_span(
    spans: InMemorySpanExporter, shop: Store,
) -> None:
    with pytest.raises(OrderNotFound):
        services.lookup_order(shop.uow(), ANA, "999-9999999")

    (transaction,) = spans.get_finished_spans()
    assert transaction.status.status_code is StatusCode.ERROR
    assert [e.name for e in transaction.events] == ["exception"]
    assert dict(transaction.attributes or {})["db.system.name"] == "sqlite"


def test_with_no_exporter_configured_no_provider_is_installed(chat: Conversation) -> None:
    assert telemetry.configure_tracing(TracingSettings.load({})) is False
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert chat.send(CANCEL).proposal is not None


# --- logs ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("root_logging")
def test_json_logs_have_a_record_per_turn_and_per_write_with_the_proposal_id(
    agent_chat: Conversation, monkeypatch: pytest.MonkeyPatch,
) -> None:
    chat = agent_chat
    stream = capture_logs(monkeypatch, RESCIND_LOG_FORMAT="json")

    proposed = chat.send(CANCEL)
    chat.send("yes")

    assert proposed.proposal is not None
    proposal_id = proposed.proposal["proposal_id"]
    lines = records(stream)
    turns = [r for r in lines if r.get("event") == "turn"]
    writes = [r for r in lines if r.get("event") == "write"]
    first, second = turns
    assert first["thread_id"] == chat.thread_id
    assert first["actor"] == telemetry.hash_actor(ANA) and first["role"] == "customer"
    assert [t["name"] for t in first["tools"]] == ["lookup_order", "cancel_items"]
    assert first["tools"][1]["proposal_id"] == proposal_id
    assert first["model_calls"] == len(first["model_call_s"]) == proposed.model_calls >= 1
    assert first["latency_s"] >= first["model_s"] >= 0
    assert (first["outcome"], first["proposal_id"]) == ("proposed", proposal_id)
    assert (second["outcome"], second["proposal_id"], second["tools"]) == \
        ("confirmed", proposal_id, [])
    assert [(w["action"], w["proposal_id"], w["items"]) for w in writes] == [
        ("propose_cancel", proposal_id, ["A1"]), ("confirm_cancel", proposal_id, ["A1"])]
    assert all(r["level"] == "INFO" and r["time"].endswith("+00:00") for r in turns + writes)
    assert ANA.email not in stream.getvalue()


@pytest.mark.usefixtures("root_logging")
def test_buttons_and_order_card_picks_are_turns_too(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = capture_logs(monkeypatch, RESCIND_LOG_FORMAT="json")

    picked = chat.pick("112-0000001", ["A1"], "no_longer_needed")
    chat.click("keep")

    assert picked.proposal is not None
    lines = records(stream)
    assert [(r["kind"], r["outcome"]) for r in lines if r.get("event") == "turn"] == [
        ("pick", "proposed"), ("keep", "answered")]
    assert [(r["action"], r["proposal_id"]) for r in lines if r.get("event") == "write"] == [
        ("propose_cancel", picked.proposal["proposal_id"]),
        ("discard", picked.proposal["proposal_id"])]


@pytest.mark.usefixtures("root_logging")
def test_text_logs_say_the_same_in_one_line_per_turn(
    chat: Conversation, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = capture_logs(monkeypatch)
    chat.send(CANCEL)
    (turn,) = [line for line in stream.getvalue().splitlines() if "rescind.turn" in line]
    assert f"message turn in thread {chat.thread_id} by {telemetry.hash_actor(ANA)}: " \
           "proposed in" in turn
    assert "tools: lookup_order, cancel_items" in turn


@pytest.mark.usefixtures("root_logging")
def test_actor_digests_are_stable_keyed_by_the_log_key_and_never_the_address() -> None:
    telemetry.configure_logging(LogSettings.load({}))
    plain = telemetry.hash_actor(ANA)
    telemetry.configure_logging(LogSettings.load({"RESCIND_LOG_KEY": "k1"}))
    keyed = telemetry.hash_actor(ANA)
    assert telemetry.hash_actor(ANA) == keyed != plain
    assert keyed.startswith("customer:") and "ana" not in keyed


@pytest.mark.usefixtures("root_logging")
def test_configuring_logs_twice_leaves_one_handler_of_ours_and_other_handlers_alone() -> None:
    root = logging.getLogger()
    console = logging.StreamHandler(sys.stdout)  # what Chainlit's basicConfig installs
    kept = logging.NullHandler()
    root.addHandler(console)
    root.addHandler(kept)

    telemetry.configure_logging(LogSettings.load({}), "INFO")
    telemetry.configure_logging(LogSettings.load({"RESCIND_LOG_FORMAT": "json"}), "INFO")

    ours = [h for h in root.handlers if h.get_name() == telemetry.HANDLER_NAME]
    assert len(ours) == 1 and console not in root.handlers and kept in root.handlers
    assert root.level <= logging.INFO


# --- LangSmith -------------------------------------------------------------------------------
def test_langchain_runs_carry_the_thread_and_the_hashed_actor(agent_chat: Conversation) -> None:
    """What LangSmith groups a trace by, when its tracing is on (LANGSMITH_TRACING)."""
    chat = agent_chat
    with collect_runs() as collected:
        chat.send(CANCEL)
    (run,) = [r for r in collected.traced_runs if r.name == "rescind customer turn"]
    metadata = (run.extra or {}).get("metadata", {})
    assert metadata["thread_id"] == chat.thread_id
    assert metadata["actor"] == telemetry.hash_actor(ANA)
    assert run.parent_run_id is None


@pytest.mark.usefixtures("root_logging")
def test_a_turn_that_crashes_still_leaves_a_record_and_an_error_span(
    spans: InMemorySpanExporter, chat: Conversation, monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = capture_logs(monkeypatch, RESCIND_LOG_FORMAT="json")

    def broken(*_: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(chat, "_click", broken)
    with pytest.raises(KeyError):
        chat.click("confirm")

    (record,) = [r for r in records(stream) if r.get("event") == "turn"]
    assert (record["kind"], record["outcome"], record["error"], record["level"]) == \
        ("confirm", "crashed", "KeyError", "ERROR")
    assert "KeyError: 'a bug'" in record["exc_info"]
    (turn,) = by_name(spans.get_finished_spans(), "rescind.turn")
    assert turn.status.status_code is StatusCode.ERROR
