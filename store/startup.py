"""What every entry point does first: read `.env`, check the settings, set logs and tracing.

`rescind serve|chat|seed|explain|migrate|evals`, the `python -m` forms and the Chainlit app
all start here, so a bad value stops each of them the same way, before any work: one line
per variable and exit code 2.
"""

from __future__ import annotations

import sys

from store.settings import ConfigError, Settings, export_env_file, load_settings
from store.telemetry import configure_logging, configure_tracing

EXIT_BAD_SETTINGS = 2


def start(default_log_level: str = "WARNING") -> Settings:
    """The checked settings; logs at `default_log_level` unless RESCIND_LOG_LEVEL says."""
    export_env_file()
    try:
        settings = load_settings()
    except ConfigError as e:
        problems = "\n".join(f"  {line}" for line in str(e).splitlines())
        print(f"rescind: these settings can't work (from the environment or .env):\n"
              f"{problems}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None
    configure_logging(settings.logs, default_log_level)
    configure_tracing(settings.tracing)
    return settings
