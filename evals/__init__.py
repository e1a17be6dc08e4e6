"""Scripted-dialog evals (docs/dialog-format.md): loader, runner, checks, monitors, reports."""
