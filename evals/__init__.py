"""Scripted-dialog evals (../shared/dialog-format.md): loader, runner, checks, monitors, reports."""
