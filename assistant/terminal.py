"""`rescind chat --as EMAIL` (or `python -m assistant chat ...`): the assistant in a
terminal, for staff and evaluators.

The role comes from the store: an e-mail in the staff table chats as staff, one among the
customers as that customer; any other e-mail is refused. The store is the one the app uses
(DATABASE_URL, or the SQLite file; `rescind seed` loads the demo world), the model the one
configured by the settings (`assistant.config`) unless --provider / --model say otherwise.

A proposal is confirmed by typing yes (or /confirm) and kept by typing no (or /keep), the
same deterministic step as the app's buttons: the model is not asked.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from assistant.config import PROVIDERS, ConfigError, ModelConfig
from store.accounts import account_role
from store.db import open_store, where
from store.domain.errors import DomainError
from store.startup import start

if TYPE_CHECKING:
    from assistant.conversation import Conversation
    from assistant.reply import Reply

PROMPT = "you> "
SPEAKER = "rescind> "
HELP = ("Type your message. After a proposal: yes or /confirm to confirm, no or /keep to "
        "keep everything as it is. /quit (or end of input) leaves.")
CONFIRM_HINT = "  (type yes to confirm / no to keep, or /confirm, /keep)"


def main(argv: Sequence[str] | None = None, prog: str = "python -m assistant") -> int:
    parser = argparse.ArgumentParser(prog=prog)
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="chat with the assistant as a customer or staff member")
    chat.add_argument("--as", dest="email", required=True, metavar="EMAIL",
                      help="the account to act as; its role comes from the store")
    chat.add_argument("--provider", choices=PROVIDERS, help="override RESCIND_PROVIDER")
    chat.add_argument("--model", help="override RESCIND_MODEL")
    chat.add_argument("--no-stream", action="store_true", help="print whole replies only")
    args = parser.parse_args(argv)
    start()
    return run_chat(args.email, args.provider, args.model, stream=not args.no_stream)


def run_chat(
    email: str, provider: str | None = None, model: str | None = None, *, stream: bool = True,
    stdin: TextIO | None = None, out: TextIO | None = None, err: TextIO | None = None,
) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    conversation = _start(email, provider, model, out, err)
    if conversation is None:
        return 2
    while True:
        out.write(PROMPT)
        out.flush()
        line = stdin.readline()
        if not line:  # end of input
            out.write("\n")
            return 0
        text = line.strip()
        if text in ("/quit", "/exit"):
            return 0
        if text == "/help":
            out.write(HELP + "\n")
            continue
        _show(_answer(conversation, text, stream, out), out)


def _start(
    email: str, provider: str | None, model: str | None, out: TextIO, err: TextIO
) -> Conversation | None:
    try:
        store = open_store()
        actor = account_role(store.uow(), email)
    except DomainError as e:
        err.write(f"error: the store at {where()} is not available: {e.message}\n")
        return None
    if actor is None:
        err.write(f"error: no customer or staff account has the e-mail {email!r} in the store "
                  f"at {where()}. Load the demo world with: rescind seed\n")
        return None
    if actor.is_seller:
        err.write(f"error: {email} is a seller account; sellers answer their requests in the "
                  "app's seller desk or through the seller API, not in this chat\n")
        return None
    # The agent's imports are heavy: only once the account is known to exist.
    from assistant.conversation import Conversation, StoredThreads
    from assistant.conversation.factory import engine_for

    try:
        config = ModelConfig.from_env(provider)
        if model:
            config = replace(config, model=model)
        engine = engine_for(actor.kind, config)
    except (ConfigError, ImportError) as e:
        err.write(f"error: cannot start the model: {e}\n")
        return None
    out.write(f"Rescind: signed in as {actor.email} ({actor.kind}); model "
              f"{config.provider}/{config.model_name}. /help for help, /quit to leave.\n")
    return Conversation(engine, store, actor, threads=StoredThreads(store))


def _answer(conversation: Conversation, text: str, stream: bool, out: TextIO) -> Reply:
    out.write(SPEAKER)
    out.flush()
    if text in ("/confirm", "/keep"):
        return conversation.click("confirm" if text == "/confirm" else "keep")
    if not stream:
        return conversation.send(text)
    printed: list[str] = []

    def token(piece: str) -> None:
        printed.append(piece)
        out.write(piece)
        out.flush()

    reply = conversation.send(text, on_token=token)
    if printed and not reply.streamed:
        out.write("\n" + SPEAKER)  # the model's preface was streamed; the final words follow
    return reply


def _show(reply: Reply, out: TextIO) -> None:
    if not reply.streamed:
        out.write(reply.text)
    out.write("\n")
    if reply.proposal is not None:
        out.write(CONFIRM_HINT + "\n")
    if reply.error is not None:
        out.write(f"  [{reply.error}]\n")
    out.flush()



if __name__ == "__main__":
    raise SystemExit(main())
