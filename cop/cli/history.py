"""``python -m cop history`` and ``python -m cop undo``: the change history from a terminal.

Examples::

    python -m cop history                         # the 50 newest changes
    python -m cop history --table measures --limit 20
    python -m cop history --table measures --key 17   # one record
    python -m cop history --batches               # imports and edits, one line each
    python -m cop history --batch 1a96b4b4        # every change of one import
    python -m cop undo 1234                       # undo one change
    python -m cop undo --batch 1a96b4b4           # undo a whole import or edit

An undo is a change like any other (it is in the history and can be undone); it refuses,
naming the record and the later change, when the record was changed again since. Exit
codes: 0 done, 2 refused or not found (nothing changed), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from cop.cli.common import EXIT_INVALID, EXIT_OK, add_command, cli_actor
from cop.core import i18n
from cop.core.text import plain
from cop.data import history, storage, undo
from cop.data.schema import TABLE_ORDER, TABLES

DEFAULT_LIMIT = 50


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``history`` and ``undo``."""
    p = add_command(
        subparsers,
        "history",
        cmd_history,
        help="show the change history: who changed which record when, from what to what",
    )
    p.add_argument("--table", choices=TABLE_ORDER, help="only this table")
    p.add_argument(
        "--key",
        help="only this record of --table: its key, parts separated by commas (17; GM0344,2024,policy)",
    )
    p.add_argument(
        "--batch", help="only the changes of this import or edit (its id or first characters)"
    )
    p.add_argument("--batches", action="store_true", help="list imports and edits, one line each")
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"at most N lines (default {DEFAULT_LIMIT})",
    )
    p = add_command(
        subparsers,
        "undo",
        cmd_undo,
        help="undo one change, or with --batch a whole import or edit (itself a recorded change)",
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("change", nargs="?", type=int, help="the number of the change")
    target.add_argument("--batch", help="the id (or its first characters) of an import or edit")


def cmd_history(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    lang = args.lang
    if args.key is not None and args.table is None:
        print(i18n.t("history.cli_key_needs_table", lang), file=sys.stderr)
        return EXIT_INVALID
    if args.batches:
        frame = history.batches_frame(history.batches(engine, limit=args.limit), lang)
        _print(frame, lang)
        return EXIT_OK
    batch_id = None
    if args.batch is not None:
        batch_id = history.resolve_batch(engine, args.batch)
        if batch_id is None:
            print(i18n.t("history.cli_no_batch", lang, batch=args.batch), file=sys.stderr)
            return EXIT_INVALID
    try:
        key = None if args.key is None else _parse_key(args.table, args.key)
    except ValueError:
        key_names = ", ".join(TABLES[args.table].key)
        print(i18n.t("history.cli_bad_key", lang, table=args.table, key=key_names), file=sys.stderr)
        return EXIT_INVALID
    found = history.changes(engine, table=args.table, key=key, batch_id=batch_id, limit=args.limit)
    _print(history.changes_frame(found, lang, history.current_rows(engine, found)), lang)
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    if args.batch is not None:
        batch_id = history.resolve_batch(engine, args.batch)
        if batch_id is None:
            print(i18n.t("history.cli_no_batch", args.lang, batch=args.batch), file=sys.stderr)
            return EXIT_INVALID
        result = undo.undo_batch(engine, batch_id, actor=cli_actor())
    else:
        result = undo.undo_change(engine, args.change, actor=cli_actor())
    print(plain(result.message(args.lang)), file=None if result.ok else sys.stderr)
    return EXIT_OK if result.ok else EXIT_INVALID


def _parse_key(table: str, text: str) -> tuple[object, ...]:
    """``17`` or ``GM0344,2024,policy`` as the key tuple of ``table`` (numbers as numbers)."""
    spec = TABLES[table]
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != len(spec.key):
        raise ValueError(f"{table} is keyed by {', '.join(spec.key)}: give {len(spec.key)} values")
    values: list[object] = []
    for name, part in zip(spec.key, parts, strict=True):
        values.append(int(part) if spec.field(name).kind == "int" else part)
    return tuple(values)


def _print(frame: pd.DataFrame, lang: str) -> None:
    """One line per row, columns separated by two spaces; times in UTC to the minute."""
    if frame.empty:
        print(i18n.t("history.cli_none", lang))
        return
    headers = [i18n.t(f"history.col_{c}", lang) for c in frame.columns]
    lines = [headers]
    for row in frame.itertuples(index=False):
        lines.append([_text(v) for v in row])
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    for line in lines:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return plain(str(value))
