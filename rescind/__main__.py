"""`python -m rescind ...`: the same as the `rescind` command."""

from rescind.cli import main

raise SystemExit(main())
