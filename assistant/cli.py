"""`rescind`: the chat app and everything around it, in one command.

    rescind serve [--host H] [--port P]   the chat app in the browser (http://127.0.0.1:8000)
    rescind chat --as EMAIL               the assistant in the terminal
    rescind seed [--reset | --if-empty]   the demo world
    rescind explain ORDER_ID              per item of an order: can it be cancelled, and why
    rescind migrate                       the database schema to the latest revision
    rescind evals run|check PATH...       scripted dialogs (also installed as `rescind-evals`)

Each subcommand is the `main(argv, prog)` of the module that owns it, imported only when it
runs (`rescind --help` stays fast): adding one is one line in `COMMANDS`. Settings come from
the environment and `.env` (`.env.example` lists them); each command checks them first.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version


@dataclass(frozen=True)
class Command:
    target: str  # "module:function"; the function takes (argv, prog) and returns an exit code
    help: str
    select: tuple[str, ...] = ()  # the target parser's own subcommand, if it has several


COMMANDS: dict[str, Command] = {
    "serve": Command("assistant.serve:main", "the chat app in the browser"),
    "chat": Command("assistant.terminal:main", "chat in the terminal as a customer or staff",
                    ("chat",)),
    "seed": Command("store.__main__:main", "load the demo world (--reset rebuilds the database)",
                    ("seed",)),
    "explain": Command("store.__main__:main", "per item of an order: can it be cancelled, why",
                       ("explain",)),
    "migrate": Command("store.__main__:main", "bring the database schema to the latest revision",
                       ("migrate",)),
    "evals": Command("evals.cli:main", "run or check scripted dialogs"),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="rescind", description="Rescind: a chat assistant that cancels shop orders by the "
        "rules in docs/policy.md. Settings: the environment or .env (see .env.example).",
        epilog="`rescind COMMAND --help` tells more about each command.")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub.add_parser(name, help=command.help, add_help=False)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        parser().parse_args(args)  # prints help or the version, or says what is wrong
        return 2
    name, rest = args[0], args[1:]
    command = COMMANDS[name]
    module, function = command.target.split(":")
    run = getattr(importlib.import_module(module), function)
    # The target's parser names itself after us: `rescind seed --help` says `rescind seed`.
    prog = "rescind" if command.select else f"rescind {name}"
    return int(run([*command.select, *rest], prog=prog))


def _version() -> str:
    try:
        return version("rescind")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"
