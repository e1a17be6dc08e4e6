"""The llama-cpp-python server for the local-model benchmarks: its environment (built once
into the shared cache), starting and stopping it, and what its log says about speed.

The build targets AVX2/FMA/F16C explicitly: the native build crashes on this machine's CPU
(AMX). The server runs with threads = cores and a hard cap on tokens per request
(`llm_serve.py`). llama-cpp-python keeps the KV cache of the previous request and evaluates
only what follows the common prefix ("prefix-match hit" in the log); every dialog's prompt
starts with the same system prefix, so that is what carries from one request to the next.

Its RAM prompt cache (a saved state per request, restored for the longest shared prefix,
e.g. the customer prompt after a staff dialog) is off unless `RESCIND_LLM_RAM_CACHE=1`: the
server's memory grew far past the cache's 2 GiB cap (12.5 GB after 11 minutes of the agent
suite; a second server was killed by the kernel at 13.5 GB), and saving each request's state
cost time on every request.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.llm_models import cache_lock

LLAMA_CPP_PYTHON = "0.3.16"
CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
N_CTX = 8192
MAX_TOKENS = 384  # the server's hard cap per request, and what the app is asked to send
RAM_CACHE_BYTES = 2 << 30
SERVE = Path(__file__).with_name("llm_serve.py")


def ensure_server_env(cache: Path) -> Path:
    """The python of a venv with llama-cpp-python[server] built for this CPU family."""
    venv = cache / f"venv-llama-cpp-python-{LLAMA_CPP_PYTHON}"
    python, stamp = venv / "bin" / "python", venv / ".built-with"
    spec = f"llama-cpp-python[server]=={LLAMA_CPP_PYTHON} CMAKE_ARGS={CMAKE_ARGS}"
    with cache_lock(cache, "venv"):
        if stamp.exists() and stamp.read_text() == spec and _imports_server(python):
            return python
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        print(f"building llama-cpp-python {LLAMA_CPP_PYTHON} into {venv} (about 10 minutes "
              f"on 2 cores)...", flush=True)
        env = {**isolated_env(), "CMAKE_ARGS": CMAKE_ARGS,
               "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
        # No wheel cache: pip's cache key ignores CMAKE_ARGS, so it could hand back a build
        # for another CPU family.
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-cache-dir",
                        f"llama-cpp-python[server]=={LLAMA_CPP_PYTHON}"], check=True, env=env)
        if not _imports_server(python):
            raise SystemExit(f"llama-cpp-python was built in {venv} but does not import")
        stamp.write_text(spec)
    return python


def _imports_server(python: Path) -> bool:
    probe = [str(python), "-c", "import llama_cpp.server.app"]
    return python.exists() and subprocess.run(probe, capture_output=True,
                                              env=isolated_env()).returncode == 0


def isolated_env() -> dict[str, str]:
    """The environment for the server's own venv: nothing of the project's interpreter."""
    drop = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def server_threads(env: Mapping[str, str] | None = None) -> int:
    """Threads = cores, unless RESCIND_LLM_THREADS says otherwise: when other work holds
    the cores, llama.cpp's threads wait for each other at every layer, and one thread
    is then much faster than two."""
    raw = (os.environ if env is None else env).get("RESCIND_LLM_THREADS", "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise SystemExit(f"RESCIND_LLM_THREADS must be a whole number >= 1, got {raw!r}")
        return int(raw)
    return os.cpu_count() or 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(python: Path, model: Path, alias: str, port: int,
                   threads: int) -> list[str]:
    return [
        str(python), str(SERVE), "--max-tokens", str(MAX_TOKENS),
        "--model", str(model), "--model_alias", alias, "--host", "127.0.0.1",
        "--port", str(port), "--n_ctx", str(N_CTX), "--n_threads", str(threads),
        "--n_threads_batch", str(threads),
        *(["--cache", "true", "--cache_type", "ram", "--cache_size", str(RAM_CACHE_BYTES)]
          if os.environ.get("RESCIND_LLM_RAM_CACHE") == "1" else ["--cache", "false"]),
        # The default (True) keeps logits of every prompt token: an n_ctx x vocabulary array
        # (5 GB at 8192 x 151,936) and the output layer computed for each prompt token.
        # Only logprobs need it, and the app asks for none.
        "--logits_all", "false",
    ]


@contextmanager
def running_server(python: Path, model: Path, alias: str, port: int, cache: Path,
                   ) -> Iterator[Path]:
    """A server on 127.0.0.1:`port` for the block's duration; yields its log file.

    One at a time per cache (they would share the 2 cores): a second one waits."""
    logs = cache / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"server-{alias}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    command = server_command(python, model, alias, port, server_threads())
    with cache_lock(cache, "server"), open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                  env=isolated_env(), preexec_fn=_die_with_parent)
        # A SIGTERM (e.g. `timeout`) must still stop the server: it becomes SystemExit.
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            _wait_until_up(server, port, log)
            yield log
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # uvicorn waits for the request in flight
                server.kill()
                server.wait()
            signal.signal(signal.SIGTERM, previous)


def _die_with_parent() -> None:
    """In the server's process: be killed if the benchmark dies without stopping it."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _wait_until_up(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the model server exited ({server.returncode}); see {log}:\n"
                             + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2).close()
            return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"the model server did not answer within 180 s; see {log}")


# --- what the server's log says ----------------------------------------------------------
@dataclass(frozen=True)
class RequestTiming:
    prompt_tokens: int  # the whole prompt
    evaluated: int  # prompt tokens actually evaluated (the rest came from the KV cache)
    prompt_ms: float
    generated: int
    generate_ms: float


_PREFIX = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens")
_PROMPT = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"^\S*\s+eval time =\s*([\d.]+) ms /\s*(\d+) runs")


def parse_server_log(text: str) -> list[RequestTiming]:
    """One entry per completed request, from llama.cpp's performance lines (verbose mode)."""
    timings: list[RequestTiming] = []
    prefix = 0
    prompt: tuple[float, int] | None = None
    for line in text.splitlines():
        if m := _PREFIX.search(line):
            prefix = int(m.group(1))
        elif m := _PROMPT.search(line):
            prompt = (float(m.group(1)), int(m.group(2)))
        elif (m := _EVAL.search(line)) and prompt is not None:
            ms, evaluated = prompt
            timings.append(RequestTiming(prefix + evaluated, evaluated, ms, int(m.group(2)),
                                         float(m.group(1))))
            prefix, prompt = 0, None
    return timings


def speed_summary(timings: list[RequestTiming]) -> str:
    if not timings:
        return "server: no request timings in the log"
    evaluated = sum(t.evaluated for t in timings)
    prompt_s = sum(t.prompt_ms for t in timings) / 1000
    generated = sum(t.generated for t in timings)
    generate_s = sum(t.generate_ms for t in timings) / 1000
    whole = sum(t.prompt_tokens for t in timings)
    return (f"server: {len(timings)} requests, prompt {whole} tokens of which "
            f"{whole - evaluated} from the KV cache, largest prompt "
            f"{max(t.prompt_tokens for t in timings)} of n_ctx {N_CTX}; prompt eval "
            f"{evaluated / max(prompt_s, 1e-9):.1f} tok/s, generation "
            f"{generated / max(generate_s, 1e-9):.1f} tok/s, "
            f"{max(t.generated for t in timings)} tokens at most per request "
            f"(cap {MAX_TOKENS})")
