"""What happened, and how long it took: structured logs and OpenTelemetry spans.

Logs go to stderr, as plain text or, with `RESCIND_LOG_FORMAT=json`, one JSON object a line
(python-json-logger). Two event loggers carry the records an operator queries:

- `rescind.turn`: one record per turn (a message, a button, an order-card pick) with the
  thread, the hashed actor, the tool calls, the model calls and their latency, the outcome;
- `rescind.write`: one record per write the store commits, with its proposal id.

Actors are logged as `kind:digest` (a BLAKE2b digest of the e-mail, keyed by
`RESCIND_LOG_KEY` when set, so nobody holding the logs can confirm a guessed address).

Spans (the OpenTelemetry API; a no-op until a provider is set): `rescind.turn` around each
turn, `chat <model>` around each model request, `execute_tool <name>` around each tool call
and `rescind.store.transaction` around each store transaction. `configure_tracing` installs
the SDK when `OTEL_TRACES_EXPORTER` or an OTLP endpoint says where spans go; a provider set
by someone else (`opentelemetry-instrument`) is left alone. In JSON logs each record made
inside a span carries its `trace_id` and `span_id`.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, Span, Status, StatusCode, Tracer, TracerProvider

from store.settings import LogSettings, TracingSettings

HANDLER_NAME = "rescind"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_turns = logging.getLogger("rescind.turn")
_writes = logging.getLogger("rescind.write")
_tracer: Tracer = trace.get_tracer("rescind")
_own_provider = False  # use_tracer_provider was given one
_actor_key = b""


class ActorLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def email(self) -> str: ...


class ToolEventLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def result(self) -> dict[str, Any]: ...


class ReplyLike(Protocol):
    """What a turn gives back (`assistant.reply.Reply`), as far as the log needs it."""

    @property
    def tool_events(self) -> Sequence[ToolEventLike]: ...
    @property
    def proposal(self) -> dict[str, Any] | None: ...
    @property
    def outcome(self) -> dict[str, Any] | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def model_calls(self) -> int: ...
    @property
    def model_time_s(self) -> float: ...
    @property
    def model_call_s(self) -> Sequence[float]: ...
    @property
    def corrected(self) -> bool: ...


# --- logs ------------------------------------------------------------------------------------
def configure_logging(settings: LogSettings, default_level: str = "WARNING") -> None:
    """Our handler on the root logger, in place of any console handler already there (so
    Chainlit's own set-up does not print each record twice). Other handlers (pytest's, a
    file an operator added) stay."""
    global _actor_key
    _actor_key = hashlib.sha256(settings.actor_key.get_secret_value().encode()).digest() \
        if settings.actor_key else b""
    level = logging.getLevelNamesMapping()[settings.level or default_level]
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setLevel(level)
    if settings.format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(
            "%(levelname)s %(name)s %(message)s", timestamp="time",  # ISO 8601, UTC
            rename_fields={"levelname": "level", "name": "logger"},
        ))
        handler.addFilter(_with_trace_ids)
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == HANDLER_NAME or _is_console(old):
            root.removeHandler(old)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def _is_console(handler: logging.Handler) -> bool:
    consoles = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    return type(handler) is logging.StreamHandler and handler.stream in consoles


def _with_trace_ids(record: logging.LogRecord) -> bool:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        record.trace_id = f"{context.trace_id:032x}"
        record.span_id = f"{context.span_id:016x}"
    return True


def hash_actor(actor: ActorLike) -> str:
    """`customer:1f0c…`: the role stays readable, the e-mail does not."""
    digest = hashlib.blake2b(actor.email.strip().lower().encode(), key=_actor_key,
                             digest_size=8).hexdigest()
    return f"{actor.kind}:{digest}"


def log_write(
    action: str, actor: ActorLike, *, proposal_id: str | None = None,
    order_id: str | None = None, items: Sequence[str] = (), **details: Any,
) -> None:
    """One write the store committed (call after the commit)."""
    if proposal_id:
        trace.get_current_span().set_attribute("rescind.proposal_id", proposal_id)
    if not _writes.isEnabledFor(logging.INFO):
        return
    _writes.info(
        "%s by %s: proposal %s, order %s, items %s", action, hash_actor(actor),
        proposal_id or "-", order_id or "-", ",".join(items) or "-",
        extra={"event": "write", "action": action, "actor": hash_actor(actor),
               "proposal_id": proposal_id, "order_id": order_id, "items": list(items),
               **details},
    )


# --- turns -----------------------------------------------------------------------------------
@dataclass
class TurnTrace:
    """One turn in progress: its span and what the log record needs besides the reply."""

    kind: str  # message | confirm | keep | pick
    thread_id: str
    actor: str  # hashed
    role: str
    span: Span
    started: float


@contextmanager
def turn_span(kind: str, thread_id: str, actor: ActorLike) -> Iterator[TurnTrace]:
    """The span around one turn; `log_turn` inside it closes the record."""
    hashed = hash_actor(actor)
    attributes = {"rescind.turn.kind": kind, "gen_ai.conversation.id": thread_id,
                  "rescind.actor": hashed, "rescind.role": actor.kind}
    with _tracer.start_as_current_span("rescind.turn", attributes=attributes) as span:
        turn = TurnTrace(kind, thread_id, hashed, actor.kind, span, time.perf_counter())
        try:
            yield turn
        except Exception as e:  # a bug of ours: the turn still leaves its record
            _turns.exception(
                "%s turn in thread %s by %s crashed after %.3f s", kind, thread_id, hashed,
                time.perf_counter() - turn.started,
                extra={"event": "turn", "kind": kind, "thread_id": thread_id, "actor": hashed,
                       "role": actor.kind, "outcome": "crashed", "error": type(e).__name__})
            raise


def log_turn(turn: TurnTrace, reply: ReplyLike) -> None:
    """The turn's record: thread, hashed actor, tool calls, model calls and their latency,
    outcome. Also set on the turn's span."""
    latency = time.perf_counter() - turn.started
    calls = [round(s, 4) for s in reply.model_call_s]
    tools = [_tool_record(e) for e in reply.tool_events]
    outcome = turn_outcome(reply)
    proposal_id = (reply.proposal or {}).get("proposal_id") or \
        (reply.outcome or {}).get("proposal_id")
    turn.span.set_attributes({
        "rescind.outcome": outcome, "rescind.model_calls": reply.model_calls,
        "rescind.tools": [t["name"] for t in tools],
        **({"rescind.proposal_id": proposal_id} if proposal_id else {}),
        **({"error.type": reply.error} if reply.error else {}),
    })
    if reply.error:
        turn.span.set_status(Status(StatusCode.ERROR, reply.error))
    if not _turns.isEnabledFor(logging.INFO):
        return
    _turns.info(
        "%s turn in thread %s by %s: %s in %.3f s; %d model call(s), %.3f s; tools: %s",
        turn.kind, turn.thread_id, turn.actor, outcome, latency, reply.model_calls,
        reply.model_time_s, ", ".join(t["name"] for t in tools) or "none",
        extra={"event": "turn", "kind": turn.kind, "thread_id": turn.thread_id,
               "actor": turn.actor, "role": turn.role, "outcome": outcome,
               "error": reply.error, "proposal_id": proposal_id, "tools": tools,
               "model_calls": reply.model_calls, "model_call_s": calls,
               "model_s": round(reply.model_time_s, 4), "latency_s": round(latency, 4),
               "corrected": reply.corrected},
    )


def turn_outcome(reply: ReplyLike) -> str:
    if reply.error:
        return "error"
    if reply.outcome is not None:
        return "confirmed"
    return "proposed" if reply.proposal is not None else "answered"


def _tool_record(event: ToolEventLike) -> dict[str, Any]:
    result = event.result
    record: dict[str, Any] = {"name": event.name, "ok": bool(result.get("ok"))}
    if code := result.get("code"):
        record["code"] = code
    if proposal := result.get("proposal"):
        record["proposal_id"] = proposal.get("proposal_id")
    return record


# --- spans -----------------------------------------------------------------------------------
@contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Span]:
    """A span around a block, current inside it; an exception is recorded on it."""
    if not tracing():  # the API's no-op span still costs a context switch: skip it
        yield INVALID_SPAN
        return
    with _tracer.start_as_current_span(name, attributes=dict(attributes or {})) as current:
        yield current


def tracing() -> bool:
    """Whether spans go anywhere: a provider was set, here or by `opentelemetry-instrument`."""
    return _own_provider or not isinstance(trace.get_tracer_provider(),
                                           trace.ProxyTracerProvider)


def annotate(**attributes: Any) -> None:
    """Attributes on the current span (`rescind.<name>`), when there is one."""
    current = trace.get_current_span()
    if current.is_recording():
        current.set_attributes({f"rescind.{k}": v for k, v in attributes.items()
                                if v is not None})


def start_span(name: str, attributes: Mapping[str, Any] | None = None) -> Span:
    """A span the caller ends with `end_span` (a transaction opened in `__enter__`)."""
    return _tracer.start_span(name, attributes=dict(attributes or {}))


def end_span(started: Span, error: BaseException | None = None) -> None:
    if error is not None and started.is_recording():
        started.record_exception(error)
        started.set_status(Status(StatusCode.ERROR, type(error).__name__))
    started.end()


def use_tracer_provider(provider: TracerProvider | None) -> None:
    """Send Rescind's spans to `provider` (None: the global one again). `configure_tracing`
    sets the global provider; this is for a provider of one's own, e.g. a test's."""
    global _tracer, _own_provider
    _own_provider = provider is not None
    _tracer = provider.get_tracer("rescind") if provider is not None \
        else trace.get_tracer("rescind")


def configure_tracing(settings: TracingSettings) -> bool:
    """Install the OpenTelemetry SDK when an exporter is configured; True if this did it."""
    exporters = settings.exporters
    if not exporters or not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    provider = SdkTracerProvider(resource=Resource.create({"service.name":
                                                           settings.service_name}))
    for name in exporters:
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # The exporter reads its endpoint, headers and timeout from OTEL_* itself.
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    return True
