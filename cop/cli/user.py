"""``python -m cop user ...``: manage sign-in accounts from the command line.

Examples::

    python -m cop user add anna --role member --municipality GM0344
    printf '%s\\n' "$PASSWORD" | python -m cop user add bot --role coordinator --password-stdin
    python -m cop user list
    python -m cop user passwd anna
    python -m cop user unlock anna
    python -m cop user email anna anna@gemeente.nl
    python -m cop user remove anna

Exit codes: 0 success, 2 invalid input (unknown account, weak password, ...; nothing
changed), 1 an unexpected failure. Passwords are read with ``getpass`` (not echoed, not
in the shell history) or, with ``--password-stdin``, as one line from standard input. When
standard input is not a terminal (a script, a pipe, CI) ``--password-stdin`` is required:
without it the command says so in one line and exits 2.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import sys

import pandas as pd

from cop.access import accounts
from cop.cli.common import EXIT_INVALID, EXIT_OK, Handler, add_command
from cop.core import i18n
from cop.data import storage

PASSWORD_STDIN_HELP = "read the password as one line from standard input (for scripts)"
TIME_COLUMNS = ("created_at", "last_failed_at", "locked_until", "last_sign_in_at")
EMPTY = "–"


def _read_password(args: argparse.Namespace) -> str:
    """The new password: one line of stdin, or asked twice on the terminal (not echoed).

    Without a terminal ``getpass`` would fall back to reading stdin (echoed, with a
    warning) and end in ``EOFError``; refuse clearly instead and point to the flag.
    """
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise accounts.AuthError("auth.password_not_entered")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise accounts.AuthError("auth.password_no_terminal")
    try:
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Repeat password: ")
    except EOFError:  # Ctrl-D at the prompt
        raise accounts.AuthError("auth.password_not_entered") from None
    if first != second:
        raise accounts.AuthError("auth.password_mismatch")
    return first


def _cmd_add(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    password = _read_password(args)
    user = accounts.add_user(
        engine, args.username, password, args.role, args.municipality, email=args.email
    )
    where = f" ({user.municipality_code})" if user.municipality_code else ""
    print(f"Added {user.username}: {user.role}{where}")
    return EXIT_OK


def users_table(users: pd.DataFrame) -> pd.DataFrame:
    """Accounts as ``user list`` prints them: "–" for empty cells, times in UTC to the minute.

    The database stores naive UTC times (``accounts.utcnow``); the time columns' headers
    say so, because the machine that prints them may be in another time zone.
    """
    shown = users.copy()
    for column in TIME_COLUMNS:
        if column in shown:
            times = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d %H:%M")
            shown[column] = times
    shown = shown.astype(object).where(shown.notna(), EMPTY)
    return shown.rename(columns={c: f"{c} (UTC)" for c in TIME_COLUMNS})


def _cmd_list(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    users = accounts.list_users(engine)
    if users.empty:
        print("No accounts yet. Add one with: python -m cop user add NAME --role member")
        return EXIT_OK
    print(users_table(users).to_string(index=False))
    return EXIT_OK


def _cmd_remove(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    if not accounts.remove_user(engine, args.username):
        raise accounts.AuthError(
            "auth.user_unknown", username=accounts.normalise_username(args.username)
        )
    print(f"Removed {accounts.normalise_username(args.username)}")
    return EXIT_OK


def _cmd_passwd(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    if accounts.get_user(engine, args.username) is None:
        raise accounts.AuthError(
            "auth.user_unknown", username=accounts.normalise_username(args.username)
        )
    accounts.set_password(engine, args.username, _read_password(args))
    print(f"Password of {accounts.normalise_username(args.username)} changed")
    return EXIT_OK


def _cmd_unlock(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    accounts.unlock_user(engine, args.username)
    print(f"Unlocked {accounts.normalise_username(args.username)}")
    return EXIT_OK


def _cmd_email(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    accounts.set_email(engine, args.username, args.address)
    name = accounts.normalise_username(args.username)
    print(f"E-mail of {name}: {args.address.strip() or EMPTY}")
    return EXIT_OK


def _reporting(handler: Handler) -> Handler:
    """Run an action; an :class:`accounts.AuthError` becomes its message and exit code 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except accounts.AuthError as exc:
            print(i18n.t(exc.key, args.lang, **exc.params), file=sys.stderr)
            return EXIT_INVALID

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``user`` and its actions (global options work after each action, too)."""
    parser = add_command(subparsers, "user", None, help="manage sign-in accounts")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(sub, "add", _reporting(_cmd_add), help="create an account")
    p.add_argument("username")
    p.add_argument("--role", choices=accounts.ACCOUNT_ROLES, required=True)
    p.add_argument("--municipality", metavar="GM0000", help="municipality code of the person")
    p.add_argument("--email", metavar="ADDRESS", help="where this account's notifications go")
    p.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_HELP)
    add_command(sub, "list", _reporting(_cmd_list), help="list accounts (never the passwords)")
    p = add_command(sub, "remove", _reporting(_cmd_remove), help="delete an account")
    p.add_argument("username")
    p = add_command(
        sub, "passwd", _reporting(_cmd_passwd), help="set a new password (also lifts a lock)"
    )
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_HELP)
    p = add_command(
        sub, "email", _reporting(_cmd_email), help="set the e-mail address for notifications"
    )
    p.add_argument("username")
    p.add_argument("address", help="the address; an empty string '' removes it")
    p = add_command(
        sub, "unlock", _reporting(_cmd_unlock), help="lift a lock after too many failed sign-ins"
    )
    p.add_argument("username")
