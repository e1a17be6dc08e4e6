"""`rescind evals run PATH... [--model M] [--repeat K] [--tag T] [--policy P] [--jobs N]
[--report DIR] [--junit FILE]` and `rescind evals check PATH...` (validate only); also
installed as `rescind-evals`, and `python -m evals` runs it from a source tree.

Exit codes: 0 all passed, 1 a dialog failed, 2 bad files or usage (nothing was run).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.models.providers import ModelConfig
from evals.dialog import Dialog
from evals.junit import write_junit
from evals.loader import load_suite
from evals.report import write_reports
from evals.suite import run_suite
from evals.summary import summarize
from evals.terminal import render
from store.settings import PROVIDERS
from store.startup import start

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def parser(prog: str = "rescind-evals") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Scripted-dialog evals.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run dialogs and report")
    run.add_argument("paths", nargs="+", metavar="PATH", help="dialog files or folders")
    run.add_argument("--model", choices=PROVIDERS, default="offline",
                     help="model provider (default: offline)")
    run.add_argument("--repeat", type=_positive, default=1, metavar="K",
                     help="run each dialog K times; reports pass^K")
    run.add_argument("--tag", action="append", default=[], metavar="T",
                     help="only dialogs with this tag (repeatable: any of them)")
    run.add_argument("--policy", action="append", default=[], metavar="P",
                     help="only dialogs exercising this rule, e.g. P5 (repeatable)")
    run.add_argument("--jobs", type=_positive, default=1, metavar="N",
                     help="worker processes (default 1)")
    run.add_argument("--report", type=Path, metavar="DIR",
                     help="write results.json and report.html here")
    run.add_argument("--junit", type=Path, metavar="FILE",
                     help="write JUnit XML here: one test case per dialog and run, for CI")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    check = sub.add_parser("check", help="validate dialog files without running them")
    check.add_argument("paths", nargs="+", metavar="PATH")
    return p


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None, prog: str = "rescind-evals") -> int:
    args = parser(prog).parse_args(argv)
    start()
    dialogs, problems = load_suite(args.paths)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in the dialog files; nothing was run.",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "check":
        print(f"{len(dialogs)} dialog(s) OK")
        return EXIT_OK
    return _run(args, dialogs)


def select(dialogs: Sequence[Dialog], tags: Sequence[str], rules: Sequence[str]) -> list[Dialog]:
    return [d for d in dialogs
            if (not tags or set(tags) & set(d.tags)) and (not rules or set(rules) & set(d.policy))]


def _run(args: argparse.Namespace, dialogs: Sequence[Dialog]) -> int:
    chosen = select(dialogs, args.tag, args.policy)
    if not chosen:
        print("No dialog matches the given paths and filters.", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        ModelConfig.from_env(args.model)  # a missing key should stop us before any worker starts
    except ValueError as e:
        print(f"Model configuration: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    started = time.perf_counter()
    runs = run_suite(chosen, provider=args.model, repeat=args.repeat, jobs=args.jobs,
                     progress=not args.quiet)
    summary = summarize(runs, args.repeat, args.model, time.perf_counter() - started)
    print(render(summary))
    if args.report is not None:
        json_path, html_path = write_reports(summary, args.report)
        print(f"Reports: {json_path} {html_path}")
    if args.junit is not None:
        print(f"JUnit XML: {write_junit(summary, args.junit)}")
    return EXIT_OK if summary.passed else EXIT_FAILED
