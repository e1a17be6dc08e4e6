"""`python -m evals run PATH...`: the same as `rescind evals` (see evals/cli.py)."""

from evals.cli import main

raise SystemExit(main(prog="python -m evals"))
