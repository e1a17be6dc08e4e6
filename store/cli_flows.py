"""`python -m store mail|seller ...`: the mailer for cron, and seller accounts and keys."""

from __future__ import annotations

import argparse
import getpass
import sys
import time

from store import sellers
from store.accounts import hash_password
from store.db import Store
from store.domain.errors import DomainError
from store.mail import settings, transport
from store.mail.mailer import Mailer


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    mail = sub.add_parser("mail", help="deliver the e-mail outbox (SMTP or var/mail Maildir)")
    mail.add_argument("--watch", action="store_true",
                      help="keep delivering every RESCIND_MAIL_INTERVAL seconds")
    seller = sub.add_parser("seller", help="seller accounts and their API keys")
    what = seller.add_subparsers(dest="seller_command", required=True)
    add = what.add_parser("add", help="a seller account answering for seller names")
    add.add_argument("email")
    add.add_argument("--name", required=True, help="the account's display name")
    add.add_argument("--sells", action="append", required=True, metavar="SELLER_NAME",
                     help="a seller name as it appears on items (repeatable)")
    add.add_argument("--password", action="store_true", help="ask for a sign-in password")
    key = what.add_parser("key", help="issue an API key (printed once)")
    key.add_argument("email")


def run(store: Store, args: argparse.Namespace) -> int:
    if args.command == "mail":
        return _mail(store, watch=args.watch)
    try:
        if args.seller_command == "add":
            pw = hash_password(getpass.getpass("password: ")) if args.password else None
            account = sellers.add_account(store.uow(), args.email, args.name, args.sells, pw)
            print(f"seller {account.email} answers for: {', '.join(account.names)}")
            return 0
        print(sellers.issue_key(store.uow(), args.email.strip().lower()))
        return 0
    except DomainError as e:
        print(e.message, file=sys.stderr)
        return 2


def _mail(store: Store, *, watch: bool) -> int:
    mailer = Mailer(store, transport.from_env())
    while True:
        report = mailer.deliver_due()
        if report.sent or report.failed or not watch:
            print(report)
        for error in report.errors:
            print(f"  {error}", file=sys.stderr)
        if not watch:
            # Non-zero only when something is still waiting: cron's mail to the operator.
            return 1 if report.failed else 0
        time.sleep(settings.interval_seconds())
