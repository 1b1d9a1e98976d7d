"""``init``, ``validate``, ``import`` and ``export``: the stored tables from the command line.

An invalid file gives a report on stderr that names file, row (as the spreadsheet shows
it), column and problem, and exit code 2; nothing stored changes. ``validate measures``
also warns about measures outside their own municipality (see :mod:`cop.geo.pointcheck`
for why this is a warning that keeps exit code 0).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from cop.cli.common import EXIT_INVALID, EXIT_OK, add_command, cli_actor
from cop.core import i18n
from cop.core.text import plain
from cop.data import storage
from cop.data.exports import ExportTooLarge, write_tables
from cop.data.preview import ImportPreview
from cop.data.schema import TABLE_ORDER
from cop.data.validation import ValidationReport, validate_file
from cop.geo import boundaries, pointcheck

REPORT_LIMIT = 200


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``init``, ``validate``, ``import`` and ``export``."""
    p = add_command(
        subparsers, "init", cmd_init, help="create the database and load the seed data if empty"
    )
    p.add_argument("--seed-dir", type=Path, default=None)
    p.add_argument("--reload", action="store_true", help="replace all data with the seed data")
    p = add_command(subparsers, "validate", cmd_validate, help="check a file without storing it")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file", type=Path)
    p = add_command(
        subparsers,
        "import",
        cmd_import,
        help="validate and store a file: rows are added or updated by key",
    )
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file", type=Path)
    p.add_argument(
        "--replace",
        action="store_true",
        help="also remove the stored rows the file leaves out",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show what the import would add, change and remove; store nothing",
    )
    p = add_command(
        subparsers,
        "export",
        cmd_export,
        help="write all tables as CSV files or one Excel workbook",
    )
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument(
        "--include-unpublished",
        action="store_true",
        help="also practices and photos waiting for review, with the review columns "
        "(a full backup); without it only what is published",
    )


def _print_report(report: ValidationReport, lang: str) -> None:
    stream = sys.stdout if report.ok else sys.stderr
    whole_file = [issue for issue in report.issues if issue.row is None and issue.column is None]
    if len(report.issues) == 1 and whole_file:  # the file itself (missing, a folder): one line
        print(f"error: {report.messages(lang)[0]}", file=stream)
        return
    print(report.summary(lang), file=stream)
    for line in report.messages(lang, REPORT_LIMIT):
        print(f"  {report.source}: {line}", file=stream)
    if len(report.issues) > REPORT_LIMIT:
        print(f"  … (+{len(report.issues) - REPORT_LIMIT})", file=stream)


def cmd_init(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    loaded = storage.init_db(engine, args.seed_dir, reload=args.reload)
    counts = storage.table_counts(engine)
    state = "loaded" if loaded else "already filled; use --reload to start again"
    print(f"Database {engine.url.render_as_string(hide_password=True)}: {state}")
    for table, count in counts.items():
        print(f"  {table}: {count:,}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.migrate(engine)
    codes = storage.known_codes(engine) if args.table != "municipalities" else None
    report = validate_file(args.file, args.table, known_codes=codes)
    _print_report(report, args.lang)
    if args.table == "measures" and report.ok and report.frame is not None:
        _warn_measure_locations(report, args.lang)
    return EXIT_OK if report.ok else EXIT_INVALID


def _warn_measure_locations(report: ValidationReport, lang: str) -> None:
    """Print the measures outside their own municipality (warnings; exit code unchanged)."""
    result = boundaries.load_boundaries()
    if not result.ok:
        reason = "; ".join(result.errors[-1:]) or result.source
        print(i18n.t("datacheck.cli_unchecked", lang, reason=reason))
        return
    flagged = pointcheck.outside_rows(report.frame, result.gdf)
    if flagged.empty:
        print(i18n.t("datacheck.cli_none", lang, year=result.year))
        return
    tolerance = int(boundaries.OUTSIDE_TOLERANCE_M)
    summary = i18n.t(
        "datacheck.cli_summary", lang, count=len(flagged), tolerance=tolerance, year=result.year
    )
    print(summary)
    nowhere = i18n.t("datacheck.cli_nowhere", lang)
    for item in flagged.head(REPORT_LIMIT).itertuples():
        falls_in = (
            plain(f"{item.falls_in_name} ({item.falls_in_code})")
            if pd.notna(item.falls_in_code)
            else nowhere
        )
        line = i18n.t(
            "datacheck.cli_row",
            lang,
            file=report.source,
            row=item.row,
            id=item.id,
            title=plain(item.title),  # a cell's terminal escapes are shown, never run
            code=item.municipality_code,
            falls_in=falls_in,
            distance=i18n.format_number(item.distance_m, 0, lang),
        )
        print("  " + line)
    if len(flagged) > REPORT_LIMIT:
        print(f"  … (+{len(flagged) - REPORT_LIMIT})")


def cmd_import(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    report = storage.import_file(
        engine,
        args.table,
        args.file,
        replace=args.replace,
        actor=cli_actor(),
        dry_run=args.dry_run,
    )
    if args.dry_run and report.ok:
        for line in ImportPreview.from_report(report).lines(args.lang, REPORT_LIMIT):
            print(line)
        print(i18n.t("preview.dry_run", args.lang))
        return EXIT_OK
    _print_report(report, args.lang)
    if report.ok and report.resolved:
        preview = ImportPreview.from_report(report)
        for line in preview.section_lines(args.lang, REPORT_LIMIT, only="resolved"):
            print(line)
    return EXIT_OK if report.ok else EXIT_INVALID


def cmd_export(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    everything = args.include_unpublished
    tables = {
        name: storage.read_table(engine, name, unpublished=everything, blobs=True)
        for name in TABLE_ORDER
    }
    try:
        paths = write_tables(tables, args.out, args.format)
    except ExportTooLarge as exc:
        print(f"{exc}. Use --format csv.", file=sys.stderr)
        return EXIT_INVALID
    for path in paths:
        print(path)
    return EXIT_OK
