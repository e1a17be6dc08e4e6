"""`rescind seed|explain|migrate|mail|seller|set-password` (or `python -m store ...`):
the store without chat."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from store import cli_flows, services, sessions
from store.db import Store, open_failure, open_store, rebuild
from store.domain.errors import DomainError
from store.domain.model import Actor
from store.seed import DEMO_LOGINS, DEMO_PASSWORD, demo_world, load_world
from store.settings import CliSettings
from store.sql.orm import CustomerRow
from store.startup import start


def main(argv: Sequence[str] | None = None, prog: str = "python -m store") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="The store without chat.")
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed", help="build the demo world (customers, staff, ~20 orders)")
    seed.add_argument("--reset", action="store_true",
                      help="drop every table (chat history included) and rebuild the schema first")
    seed.add_argument("--if-empty", action="store_true", help="do nothing if customers exist")
    explain = sub.add_parser("explain", help="per item: can it be cancelled, and why")
    explain.add_argument("order_id")
    sub.add_parser("migrate", help="apply Alembic migrations (DATABASE_URL or SQLite file)")
    cli_flows.add_parsers(sub)
    set_password = sub.add_parser(
        "set-password", help="set an account's password (read from standard input) and end "
        "every session it has")
    set_password.add_argument("email")
    args = parser.parse_args(argv)
    start()
    try:
        # A reset must not begin by migrating: the database it is asked to repair may be
        # one no migration can run on (tables left without Alembic's record of them).
        store = open_store(migrate=not (args.command == "seed" and args.reset))
    except Exception as e:  # any driver's or Alembic's error: said plainly, exit 1
        print(f"error: {open_failure(e)}", file=sys.stderr)
        return 1
    if args.command == "migrate":
        print("schema is at the latest revision")
        return 0
    if args.command in ("mail", "seller"):
        return cli_flows.run(store, args)
    if args.command == "set-password":
        return _set_password(store, args.email)
    if args.command == "seed":
        return _seed(store, reset_first=args.reset, if_empty=args.if_empty)
    return _explain(store, args.order_id)


def _seed(store: Store, *, reset_first: bool, if_empty: bool) -> int:
    uow = store.uow()
    if reset_first:
        rebuild(store.engine)
    with uow:
        first = uow.repo.connection.execute(select(CustomerRow.email).limit(1)).first()
        has_data = first is not None
    if has_data:
        if if_empty:
            return 0
        print("the store already has data; use --reset to rebuild it", file=sys.stderr)
        return 1
    load_world(uow, demo_world(datetime.now(UTC)), passwords=True)
    print(f"demo world loaded. Sign in with (password for all: {DEMO_PASSWORD!r}):")
    for email, role in DEMO_LOGINS:
        print(f"  {email:<20} {role}")
    return 0


def _set_password(store: Store, email: str) -> int:
    password = (getpass.getpass("new password: ") if sys.stdin.isatty()
                else sys.stdin.readline().rstrip("\r\n"))
    try:
        ended = sessions.change_password(store.uow(), email, password)
    except sessions.PasswordRejected as e:
        print(e, file=sys.stderr)
        return 2
    print(f"password changed for {email}; {ended} session(s) ended")
    return 0


def _explain(store: Store, order_id: str) -> int:
    actor = Actor("staff", CliSettings.load().staff)
    try:
        view = services.lookup_order(store.uow(), actor, order_id)
    except DomainError as e:
        print(f"{e.message} [{e.code}; {', '.join(e.rules)}]", file=sys.stderr)
        return 2
    data = view.as_dict()
    print(f"Order {data['order_id']} ({data['status']}), placed {data['placed_at']}, "
          f"refunded {data['refunded']}")
    for i in data["items"]:
        print(f"  {i['id']:<8} {i['title'][:32]:<32} x{i['qty']:<3} {i['price']:>9}  "
              f"{i['seller'][:14]:<14} {i['status']:<10} -> {i['can']} "
              f"[{', '.join(i['rules'])}]")
        print(f"           {i['why']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
