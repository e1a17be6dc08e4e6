"""The eval dialogs against a real small model on this CPU (llama-cpp-python's OpenAI server).

    python -m benchmarks.local_llm_evals --model {qwen2.5-coder-0.5b,qwen2.5-coder-1.5b}
        --mode {agent,guided} --dialogs PATH... [--limit N] [--port P] [--report DIR]

Not a CI step. It builds llama-cpp-python once (minutes), fetches and checks the pinned model
(`llm_models.json`), all into the shared cache (`benchmarks.llm_models.cache_dir`), starts the
server, and runs each dialog through the `openai-compatible` provider with `python -m evals
run`, one process per dialog so that it can print a line per dialog as it goes. PATHs are
dialog files or folders, inside the repository or not; `--limit N` keeps the first N dialog
files sorted by path. The eval run gets RESCIND_MODE=agent|guided (and, in agent mode,
RESCIND_TOOL_MODE=json), the local server, a generous request timeout, no retries, and
RESCIND_MAX_TOKENS (the server caps every request at the same number anyway). Inherited
RESCIND_* variables pass through and are listed; OPENAI_* ones do not.

The last line is `local-llm: MODEL MODE: P/N passed, B breaches, S s/dialog`, S being the mean
of the dialogs' own times (the eval's, without the process start) over the dialogs whose eval
ran; `, C crashed` follows when C eval processes crashed (they count among the N, not in S).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.llm_models import cache_dir, ensure_model, load_pins
from benchmarks.llm_server import (
    MAX_TOKENS,
    N_CTX,
    ensure_server_env,
    free_port,
    parse_server_log,
    running_server,
    server_threads,
    speed_summary,
)

ROOT = Path(__file__).resolve().parent.parent
MODES = ("agent", "guided")
SUFFIXES = (".yaml", ".yml")
REQUEST_TIMEOUT_S = 300  # one model request; a slow CPU with a long prompt needs minutes
TURN_TIMEOUT_S = 1800  # the app's budget for a whole user turn (several requests)
DIALOG_TIMEOUT_S = 3 * 3600  # a stuck eval process, not a slow one


@dataclass
class DialogResult:
    id: str
    path: str
    passed: bool
    seconds: float
    user_turns: int = 0
    breaches: list[str] = field(default_factory=list)
    problem: str = ""
    crashed: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # the eval's entry for the dialog


# --- arguments and selection ------------------------------------------------------------
def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv: Sequence[str] | None = None,
               models: Iterable[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.local_llm_evals",
                                description=(__doc__ or "").split("\n")[0])
    p.add_argument("--model", required=True, choices=sorted(models or load_pins()))
    p.add_argument("--mode", required=True, choices=MODES)
    p.add_argument("--dialogs", required=True, nargs="+", metavar="PATH",
                   help="dialog files or folders (searched recursively), anywhere")
    p.add_argument("--limit", type=_positive, metavar="N",
                   help="only the first N dialog files, sorted by path")
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="results here (default: out/llm-evals/MODEL-MODE in the checkout)")
    return p.parse_args(argv)


def select_dialogs(paths: Iterable[str | Path], limit: int | None = None,
                   cwd: Path | None = None) -> list[Path]:
    """Absolute dialog files under `paths` (relative ones from `cwd`), sorted, at most
    `limit`. A path that doesn't exist stops the run."""
    base = cwd or Path.cwd()
    files: set[Path] = set()
    for raw in paths:
        path = (base / Path(raw).expanduser()).resolve()
        if path.is_dir():
            files.update(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            files.add(path)
        else:
            raise SystemExit(f"no such dialog file or folder: {raw}")
    chosen = sorted(files, key=str)[:limit]
    if not chosen:
        raise SystemExit("no dialog files (*.yaml, *.yml) under the given paths")
    return chosen


def eval_env(base: Mapping[str, str], model: str, mode: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith("OPENAI_")}
    env.update({
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1", "OPENAI_API_KEY": "local",
        "RESCIND_PROVIDER": "openai-compatible", "RESCIND_MODEL": model, "RESCIND_MODE": mode,
        "RESCIND_MODEL_TIMEOUT": str(REQUEST_TIMEOUT_S), "RESCIND_MODEL_RETRIES": "0",
        "RESCIND_TURN_TIMEOUT": str(TURN_TIMEOUT_S), "RESCIND_MAX_TOKENS": str(MAX_TOKENS),
    })
    if mode == "agent":
        env["RESCIND_TOOL_MODE"] = "json"
    return env


# --- running ------------------------------------------------------------------------------
def run_dialog(file: Path, env: Mapping[str, str], report: Path) -> DialogResult:
    command = [sys.executable, "-m", "evals", "run", str(file), "--model", "openai-compatible",
               "--jobs", "1", "--quiet", "--report", str(report)]
    started = time.monotonic()
    try:
        done = subprocess.run(command, env=dict(env), cwd=ROOT, capture_output=True,
                              text=True, timeout=DIALOG_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return DialogResult(file.stem, str(file), False, time.monotonic() - started,
                            problem=f"no result after {DIALOG_TIMEOUT_S} s", crashed=True)
    results = report / "results.json"
    if done.returncode not in (0, 1) or not results.exists():
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        return DialogResult(file.stem, str(file), False, time.monotonic() - started,
                            problem=f"eval exited {done.returncode}: {tail}", crashed=True)
    return dialog_result(json.loads(results.read_text(encoding="utf-8"))["dialogs"][0])


def dialog_result(entry: dict[str, Any]) -> DialogResult:
    """A dialog's entry in the eval's results.json, reduced to what the benchmark prints."""
    runs: list[dict[str, Any]] = entry.get("runs", [])
    breaches = [_breach(b) for r in runs for b in r.get("breaches", [])]
    failed = next((r for r in runs if not r.get("passed")), None)
    return DialogResult(
        id=entry["id"], path=entry.get("path", ""), passed=bool(entry.get("passed_all_runs")),
        seconds=sum(float(r.get("seconds", 0.0)) for r in runs),
        user_turns=sum(1 for r in runs for t in r.get("turns", []) if t.get("kind") == "user"),
        breaches=breaches, problem=first_problem(failed) if failed else "", data=entry,
    )


def first_problem(run: Mapping[str, Any]) -> str:
    if run.get("error"):
        return f"error: {run['error']}"
    if misses := run.get("misses"):
        m = misses[0]
        where = "final" if m.get("turn") is None else f"turn {m['turn']}"
        return (f"{where} (line {m.get('line')}) {m.get('check')}: expected "
                f"{m.get('expected')}; seen {m.get('seen')}")
    breaches = run.get("breaches") or []
    return _breach(breaches[0]) if breaches else "?"


def _breach(b: Mapping[str, Any]) -> str:
    where = "" if b.get("turn") is None else f"turn {b['turn']}: "
    return f"monitor {b.get('monitor')}: {where}{b.get('detail')}"


# --- reporting ----------------------------------------------------------------------------
def last_line(model: str, mode: str, results: Sequence[DialogResult]) -> str:
    """S is the mean over the dialogs that ran: a crashed eval process (a broken checkout,
    a timeout) measured no model, and its few seconds (or hours) would skew the mean. Any
    crash is named at the end; it counts as a dialog that did not pass."""
    passed = sum(r.passed for r in results)
    breaches = sum(len(r.breaches) for r in results)
    ran = [r for r in results if not r.crashed]
    per_dialog = sum(r.seconds for r in ran) / max(len(ran), 1)
    crashed = len(results) - len(ran)
    return (f"local-llm: {model} {mode}: {passed}/{len(results)} passed, {breaches} breaches, "
            f"{per_dialog:.1f} s/dialog" + (f", {crashed} crashed" if crashed else ""))


def seconds_per_turn(results: Sequence[DialogResult]) -> float | None:
    timed = [r for r in results if not r.crashed]
    turns = sum(r.user_turns for r in timed)
    return sum(r.seconds for r in timed) / turns if turns else None


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()} "
            f"(load average now {load}: other work on the cores slows llama.cpp a lot)")


def summary_lines(results: Sequence[DialogResult], wall_s: float, server: str) -> list[str]:
    lines = [""]
    failed = [r for r in results if not r.passed]
    lines.append(f"failures ({len(failed)}):")
    lines += [f"  {r.id}: {r.problem[:240]}" for r in failed]
    breaches = [(r.id, b) for r in results for b in r.breaches]
    lines.append(f"breaches ({len(breaches)}):")
    lines += [f"  {dialog}: {b[:240]}" for dialog, b in breaches]
    per_turn = seconds_per_turn(results)
    turns = sum(r.user_turns for r in results)
    lines.append(f"time: {wall_s:.0f} s wall in all; {turns} user messages, "
                 + (f"{per_turn:.1f} s per turn on average" if per_turn else "no timed turns"))
    lines.append(server)
    lines.append(f"machine: {machine()}")
    return lines


def write_report(report: Path, header: Mapping[str, Any],
                 results: Sequence[DialogResult]) -> Path:
    path = report / "results.json"
    data = {**header, "dialogs": [r.data or {"id": r.id, "path": r.path, "passed_all_runs":
                                             False, "error": r.problem} for r in results]}
    path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    pins = load_pins()
    args = parse_args(argv, pins)
    files = select_dialogs(args.dialogs, args.limit)
    report: Path = (args.report or ROOT / "out" / "llm-evals" / f"{args.model}-{args.mode}")
    report = report.resolve()
    cache, pin = cache_dir(), pins[args.model]
    python, model = ensure_server_env(cache), ensure_model(pin, cache)
    port = args.port or free_port()
    env = eval_env(os.environ, pin.key, args.mode, port)
    print(f"model: {pin.key} ({model}, sha256 verified)")
    ram = "RAM prompt cache" if os.environ.get("RESCIND_LLM_RAM_CACHE") == "1" else \
        "no RAM prompt cache"
    print(f"server: 127.0.0.1:{port}, n_ctx {N_CTX}, {server_threads()} threads, {ram}, at "
          f"most {MAX_TOKENS} tokens per request")
    print("eval environment: " + " ".join(f"{k}={v}" for k, v in sorted(env.items())
                                           if k.startswith("RESCIND_")))
    print(f"dialogs: {len(files)}; reports under {report}")
    print("load average at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()),
          flush=True)
    shutil.rmtree(report / "dialogs", ignore_errors=True)  # no stale result may be read
    results: list[DialogResult] = []
    started = time.monotonic()
    with running_server(python, model, pin.key, port, cache) as log:
        print(f"server log: {log}", flush=True)
        for n, file in enumerate(files, 1):
            result = run_dialog(file, env, report / "dialogs" / f"{n:03d}-{file.stem}")
            results.append(result)
            verdict = "pass" if result.passed else "FAIL"
            print(f"[{n}/{len(files)}] {result.id}: {verdict} {result.seconds:.1f} s", flush=True)
        server = speed_summary(parse_server_log(log.read_text(errors="replace")))
    wall = time.monotonic() - started
    header = {"model": pin.key, "gguf_sha256": pin.sha256, "mode": args.mode,
              "machine": machine(), "server": server, "wall_seconds": round(wall, 1),
              "seconds_per_turn": seconds_per_turn(results), "last_line": ""}
    for line in summary_lines(results, wall, server):
        print(line)
    final = last_line(pin.key, args.mode, results)
    header["last_line"] = final
    print(f"report: {write_report(report, header, results)}")
    print(final)
    return 2 if any(r.crashed for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
