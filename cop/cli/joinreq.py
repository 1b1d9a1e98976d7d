"""``python -m cop join-requests ...``: requests to join the CoP, for coordinators at a terminal.

Examples::

    python -m cop join-requests list
    python -m cop join-requests list --status new --status contacted
    python -m cop join-requests set 4 joined

Whoever runs these has the database credentials (like ``export``), so the list shows the
requests in full, e-mail addresses included. ``set ... joined`` makes the municipality a
partner with the current year, as the join page does. Exit codes: 0 success, 2 invalid
input (unknown request, unknown status; nothing changed), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse

import pandas as pd

from cop.cli.common import EXIT_INVALID, EXIT_OK, add_command, resolve_lang
from cop.community import joining
from cop.core import vocab
from cop.core.text import plain
from cop.data import storage

EMPTY = "–"
COLUMNS = ("id", "created_at", "status", "municipality", "name", "role", "email", "message")


def _cmd_list(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    requests = joining.list_requests(engine, args.status or ())
    if requests.empty:
        print(
            "no requests to join"
            + (f" with status {', '.join(args.status)}" if args.status else "")
        )
        return EXIT_OK
    names = storage.read_table(engine, "municipalities").set_index("code")["name"]
    shown = requests.assign(
        municipality=requests["municipality_code"].map(names).fillna(requests["municipality_code"]),
        created_at=requests["created_at"].dt.strftime("%Y-%m-%d %H:%M"),
        message=requests["message"].str.replace(r"\s+", " ", regex=True).str.slice(0, 60),
    )
    table = pd.DataFrame(shown, columns=list(COLUMNS)).astype("string").fillna(EMPTY)
    table = table.map(plain)  # a typed control character is shown escaped, never run
    print(table.to_string(index=False))
    return EXIT_OK


def _cmd_set(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    report = joining.set_status(engine, args.id, args.status, role="coordinator", actor="cli")
    lang = resolve_lang(args)
    if not report.ok:
        for message in report.messages(lang, 20):
            print(message)
        return EXIT_INVALID
    print(f"request {args.id}: {args.status}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``join-requests list`` and ``join-requests set``."""
    parser = add_command(subparsers, "join-requests", None, help="requests to join the CoP")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(sub, "list", _cmd_list, help="list the requests, newest first")
    p.add_argument(
        "--status",
        action="append",
        choices=vocab.JOIN_STATUSES,
        help="only this status (repeatable)",
    )
    p = add_command(
        sub, "set", _cmd_set, help="give a request a new status ('joined' makes a partner)"
    )
    p.add_argument("id", type=int)
    p.add_argument("status", choices=vocab.JOIN_STATUSES)
