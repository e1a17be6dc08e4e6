"""The commands as an operator configures them, in subprocesses: spans reach an OTLP collector
named by OTEL_EXPORTER_OTLP_ENDPOINT (one on this machine), JSON logs are JSON lines, and
LangSmith's variables with its tracing off send nothing and break nothing."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.app_server import seed
from tests.support import RESCIND

CANCEL = "cancel the headphones from order 112-0000001, I no longer need them\nyes\n"


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver on 127.0.0.1 that keeps what it is sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.received: list[tuple[str, ExportTraceServiceRequest]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.received.append((self.path, request))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rescind.db'}"
    seed(url)
    return url


def rescind(database: str, *args: str, stdin: str = "", **env: str,
            ) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "RESCIND_", "OTEL_", "LANGSMITH_", "LANGCHAIN_"))}
    return subprocess.run([RESCIND, *args], input=stdin, text=True, capture_output=True,
                          timeout=120, check=False,
                          env={**base, "DATABASE_URL": database, "RESCIND_ENV_FILE": "",
                               "RESCIND_PROVIDER": "offline", **env})


def test_spans_reach_the_otlp_collector_the_endpoint_names(
    collector: Collector, database: str,
) -> None:
    result = rescind(database, "chat", "--as", "ana@example.com", "--no-stream",
                     stdin=CANCEL, OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
                     OTEL_SERVICE_NAME="rescind-test")

    assert result.returncode == 0, result.stderr
    assert collector.received, "no spans arrived before the command ended"
    assert {path for path, _ in collector.received} == {"/v1/traces"}
    names: list[str] = []
    services: set[str] = set()
    for _, request in collector.received:
        for resource_spans in request.resource_spans:
            services |= {a.value.string_value for a in resource_spans.resource.attributes
                         if a.key == "service.name"}
            names += [s.name for scope in resource_spans.scope_spans for s in scope.spans]
    assert services == {"rescind-test"}
    assert names.count("rescind.turn") == 2
    assert {"execute_tool lookup_order", "execute_tool cancel_items",
            "rescind.store.transaction"} <= set(names)


def test_a_terminal_chat_logs_json_lines_and_langsmith_with_tracing_off_sends_nothing(
    database: str,
) -> None:
    with socket.socket() as listener:  # an endpoint that would notice any connection
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"

        result = rescind(database, "chat", "--as", "ana@example.com", "--no-stream",
                         stdin=CANCEL, RESCIND_LOG_FORMAT="json", RESCIND_LOG_LEVEL="INFO",
                         LANGSMITH_TRACING="false", LANGSMITH_API_KEY="lsv2_pt_test",
                         LANGSMITH_ENDPOINT=endpoint, LANGSMITH_PROJECT="rescind-test")

        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert result.returncode == 0, result.stderr
    assert "Cancelled: Wireless headphones" in result.stdout
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    turns = [r for r in lines if r.get("event") == "turn"]
    assert [t["outcome"] for t in turns] == ["proposed", "confirmed"]
    assert [r["action"] for r in lines if r.get("event") == "write"] == [
        "propose_cancel", "confirm_cancel"]
    assert "ana@example.com" not in result.stderr
