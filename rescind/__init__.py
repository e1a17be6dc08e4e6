"""What every layer shares, and the command line over all of them.

- `rescind.settings`: one typed settings object, read from the environment and `.env`.
- `rescind.telemetry`: structured logs, and OpenTelemetry spans when an exporter is set.
- `rescind.startup`: what each entry point does first (settings checked, logs and tracing set).
- `rescind.cli`: the `rescind` command (serve, chat, seed, explain, migrate, evals).

The first three sit below the store and import nothing of the project; the CLI sits above
the evals and imports everything (`.importlinter`).
"""
