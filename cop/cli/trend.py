"""``python -m cop trend FILE.csv``: a TRIM trend of one site × year count table, as JSON.

Exit codes: 0 trend estimated; 2 unusable input or no trend (message on stderr; when the
data were readable but no trend can be estimated, stdout still gets the JSON with
``ok: false`` and the ``reason``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from cop.cli.common import EXIT_INVALID, EXIT_OK, add_command
from cop.monitoring.trim import REASONS, TrimInputError, fit_trim

DESCRIPTION = (
    "TRIM model-3 indices, overall slope and trend class of a site × year count table "
    "(CSV, comma or semicolon separated; empty count = not counted)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``trend``."""
    p = add_command(
        subparsers,
        "trend",
        cmd_trend,
        help="TRIM indices and trend class of a site × year count table, as JSON",
        description=DESCRIPTION,
    )
    p.add_argument("file", type=Path)
    p.add_argument("--site", default="site")
    p.add_argument("--year", default="year")
    p.add_argument("--count", default="count")
    p.add_argument("--base-year", type=int, default=None)
    p.add_argument("--no-overdispersion", action="store_true")
    p.add_argument("--no-serial-correlation", action="store_true")


def read_table(path: Path) -> pd.DataFrame:
    """A CSV file separated by commas or semicolons (whichever the header has more of)."""
    with path.open(encoding="utf-8-sig") as fh:
        head = fh.readline()
    sep = ";" if head.count(";") > head.count(",") else ","
    return pd.read_csv(path, sep=sep, encoding="utf-8-sig")


def cmd_trend(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"error: file not found: {args.file}", file=sys.stderr)
        return EXIT_INVALID
    try:
        table = read_table(args.file)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.file} as CSV: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        result = fit_trim(
            table,
            site=args.site,
            year=args.year,
            count=args.count,
            base_year=args.base_year,
            overdispersion=not args.no_overdispersion,
            serial_correlation=not args.no_serial_correlation,
        )
    except TrimInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(json.dumps(result.to_json_dict(), indent=2))
    if not result.ok:
        detail = REASONS.get(result.reason or "", "")
        print(f"error: no trend can be estimated: {result.reason} ({detail})", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def trend_cli(argv: list[str]) -> int:
    """``python -m cop trend ARGV`` as a function: usage errors become exit code 2.

    For scripts and tests that want the exit code rather than ``SystemExit``.
    """
    from cop.cli.main import main  # the one parser tree; main imports this module

    try:
        return main(["trend", *argv])
    except SystemExit as exc:  # argparse already printed the usage and the problem
        return int(exc.code or 0)
