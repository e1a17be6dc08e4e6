"""`python -m assistant ...`: the same as the `rescind` command."""

from assistant.cli import main

raise SystemExit(main())
