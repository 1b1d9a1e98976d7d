"""``python -m cop user ...``: manage sign-in accounts from the command line.

Examples::

    python -m cop user add anna --role member --municipality GM0344
    printf '%s\\n' "$PASSWORD" | python -m cop user add bot --role coordinator --password-stdin
    python -m cop user list
    python -m cop user passwd anna
    python -m cop user unlock anna
    python -m cop user remove anna

Exit codes: 0 success, 2 invalid input (unknown account, weak password, ...; nothing
changed), 1 an unexpected failure. Passwords are read with ``getpass`` (not echoed, not
in the shell history) or, for scripts, as one line from standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from cop.access import accounts
from cop.core import i18n
from cop.data import storage

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise accounts.AuthError("auth.password_mismatch")
    return first


def _cmd_add(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    password = _read_password(args)
    user = accounts.add_user(engine, args.username, password, args.role, args.municipality)
    where = f" ({user.municipality_code})" if user.municipality_code else ""
    print(f"Added {user.username}: {user.role}{where}")
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    users = accounts.list_users(engine)
    if users.empty:
        print("No accounts yet. Add one with: python -m cop user add NAME --role member")
        return EXIT_OK
    print(users.to_string(index=False))
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cop user", description="Manage accounts.")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, default="en")
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("add", help="create an account")
    p.add_argument("username")
    p.add_argument("--role", choices=accounts.ACCOUNT_ROLES, required=True)
    p.add_argument("--municipality", metavar="GM0000", help="municipality code of the person")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=_cmd_add)
    p = sub.add_parser("list", help="list accounts (never the passwords)")
    p.set_defaults(func=_cmd_list)
    p = sub.add_parser("remove", help="delete an account")
    p.add_argument("username")
    p.set_defaults(func=_cmd_remove)
    p = sub.add_parser("passwd", help="set a new password (also lifts a lock)")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=_cmd_passwd)
    p = sub.add_parser("unlock", help="lift a lock after too many failed sign-ins")
    p.add_argument("username")
    p.set_defaults(func=_cmd_unlock)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except accounts.AuthError as exc:
        print(i18n.t(exc.key, args.lang, **exc.params), file=sys.stderr)
        return EXIT_INVALID
