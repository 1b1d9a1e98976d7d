"""``python -m cop backup`` and ``restore``: the whole database to one file and back.

Examples::

    python -m cop backup --out cop-2026-11-30.backup
    python -m cop restore cop-2026-11-30.backup          # asks before replacing anything
    python -m cop restore cop-2026-11-30.backup --yes    # scripts: no question

``backup`` works while the app runs (one read transaction: the state of one moment).
``restore`` replaces ALL data (every table, the accounts included) in one transaction, so
it first says what the file holds and asks; without a terminal it needs ``--yes``. A file
that is not a backup, is cut off or damaged is refused with one line and exit code 2, and
nothing changes. See :mod:`cop.data.backup` for the format.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from cop.cli.common import EXIT_INVALID, EXIT_OK, Handler, add_command
from cop.core import i18n
from cop.data import backup as backups
from cop.data import storage


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``backup`` and ``restore``."""
    p = add_command(
        subparsers,
        "backup",
        _reporting(cmd_backup),
        help="write every table to one file (a consistent snapshot, also while the app runs)",
    )
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p = add_command(
        subparsers,
        "restore",
        _reporting(cmd_restore),
        help="replace ALL data with a backup file, in one transaction (asks first)",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")


def _reporting(handler: Handler) -> Handler:
    """Run a command; a :class:`backups.BackupError` becomes its message and exit code 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except backups.BackupError as exc:
            print(f"error: {i18n.t(exc.key, args.lang, **exc.params)}", file=sys.stderr)
            if exc.key not in ("backup.not_confirmed", "backup.needs_yes"):
                print(i18n.t("backup.nothing_changed", args.lang), file=sys.stderr)
            return EXIT_INVALID

    return run


def _progress(lang: str):
    def show(table: str, rows: int) -> None:
        count = i18n.format_number(rows, 0, lang)
        print("  " + i18n.t("backup.table_rows", lang, table=table, rows=count), flush=True)

    return show


def cmd_backup(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    header = backups.backup(engine, args.out, progress=_progress(args.lang))
    total = i18n.format_number(header.total_rows, 0, args.lang)
    tables = len(header.tables)
    print(i18n.t("backup.written", args.lang, file=args.out, tables=tables, rows=total))
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    target = engine.url.render_as_string(hide_password=True)

    def confirm(header: backups.Header) -> bool:
        summary = i18n.t(
            "backup.about",
            args.lang,
            file=args.file,
            created=header.created_at,
            database=header.database,
            tables=len(header.tables),
            rows=i18n.format_number(header.total_rows, 0, args.lang),
            target=target,
        )
        print(summary, flush=True)
        return args.yes or _confirmed(args.lang)

    header = backups.restore(engine, args.file, progress=_progress(args.lang), confirm=confirm)
    total = i18n.format_number(header.total_rows, 0, args.lang)
    print(i18n.t("backup.restored", args.lang, rows=total, target=target))
    return EXIT_OK


def _confirmed(lang: str) -> bool:
    """Ask on the terminal; refuse without one (a script must say ``--yes``)."""
    if not sys.stdin.isatty():
        raise backups.BackupError("backup.needs_yes")
    try:
        answer = input(i18n.t("backup.question", lang) + " ")
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes", "j", "ja")
