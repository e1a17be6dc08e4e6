"""`python -m evals run PATH...` (see evals/cli.py)."""

from evals.cli import main

raise SystemExit(main())
