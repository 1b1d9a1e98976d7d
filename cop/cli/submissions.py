"""``python -m cop submissions ...``: the review of shared practices from a terminal.

Examples::

    python -m cop submissions list
    python -m cop submissions list --all
    python -m cop submissions publish 812
    python -m cop submissions request-changes 812 --message "Graag de kosten erbij."
    python -m cop submissions reject 812 --reason "Dit is geen maatregel voor biodiversiteit."

The terminal acts as a coordinator (whoever runs it has the database credentials); the
action is recorded in the change log under ``--actor`` (default ``cli``). Exit codes: 0
done, 2 nothing changed (unknown id, missing reason), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from cop.cli.common import EXIT_INVALID, EXIT_OK, add_command
from cop.community import submissions
from cop.core import i18n
from cop.core.text import plain
from cop.data import storage

LIST_COLUMNS = ("id", "review_state", "municipality_code", "title", "submitted_by", "submitted_at")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``submissions list|publish|request-changes|reject``."""
    parser = add_command(subparsers, "submissions", None, help="review practices shared by members")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(actions, "list", cmd_list, help="practices waiting for review")
    p.add_argument(
        "--all", action="store_true", help="every submission, also published and rejected ones"
    )
    p = add_command(actions, "publish", cmd_publish, help="publish a practice")
    p.add_argument("id", type=int)
    p.add_argument("--actor", default="cli")
    p = add_command(
        actions, "request-changes", cmd_request_changes, help="ask the member for changes"
    )
    p.add_argument("id", type=int)
    p.add_argument("--message", required=True, help="what should change (the member reads it)")
    p.add_argument("--actor", default="cli")
    p = add_command(actions, "reject", cmd_reject, help="reject a practice, with a reason")
    p.add_argument("id", type=int)
    p.add_argument("--reason", required=True, help="why (the member reads it)")
    p.add_argument("--actor", default="cli")


def submissions_table(measures: pd.DataFrame, everything: bool) -> pd.DataFrame:
    """The rows ``list`` prints: the queue, or every practice someone submitted."""
    if everything:
        rows = measures[measures["submitted_by"].notna()].sort_values("id")
    else:
        rows = submissions.review_queue(measures)
    rows = rows[list(LIST_COLUMNS)].reset_index(drop=True)
    rows["submitted_at"] = rows["submitted_at"].dt.date
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    rows = submissions_table(submissions.all_practices(engine), args.all)
    if rows.empty:
        print(i18n.t("share.queue_empty", args.lang))
        return EXIT_OK
    shown = rows.astype(object).where(rows.notna(), "–").map(plain)
    print(shown.to_string(index=False))
    return EXIT_OK


def _review(args: argparse.Namespace, action: str, message: str | None) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    result = submissions.review(
        engine, args.id, action, role="coordinator", actor=args.actor, message=message
    )
    text = plain(i18n.t(result.key, args.lang, **result.params))
    if not result.ok:
        print(f"error: {text}", file=sys.stderr)
        return EXIT_INVALID
    print(text)
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    return _review(args, "publish", None)


def cmd_request_changes(args: argparse.Namespace) -> int:
    return _review(args, "request_changes", args.message)


def cmd_reject(args: argparse.Namespace) -> int:
    return _review(args, "reject", args.reason)
