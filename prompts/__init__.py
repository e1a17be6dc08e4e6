"""System prompts live here as files; the loader keeps them byte-stable (prompt caching)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent


@cache
def load_prompt(role: str) -> str:
    name = "staff" if role == "staff" else "customer"
    return (_DIR / f"{name}.md").read_text(encoding="utf-8").strip()


@cache
def load_named(name: str) -> str:
    """Another prompt by its file name (e.g. "guided": the form guided understanding fills)."""
    if not name.isidentifier():
        raise ValueError(f"not a prompt name: {name!r}")
    return (_DIR / f"{name}.md").read_text(encoding="utf-8").strip()
