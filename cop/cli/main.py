"""``python -m cop``: the command line for coordinators and scripts.

Exit codes: 0 success, 2 invalid input (a report on stderr names file, row, column and
problem; nothing stored changed), 1 an unexpected failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from cop.core import i18n
from cop.core.config import get_settings
from cop.data import storage
from cop.data.exports import ExportTooLarge, write_tables
from cop.data.schema import TABLE_ORDER
from cop.data.validation import ValidationReport, validate_file

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
REPORT_LIMIT = 200


def _print_report(report: ValidationReport, lang: str) -> None:
    stream = sys.stdout if report.ok else sys.stderr
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
    extra_ok = all(check(args, report) for check in EXTRA_VALIDATE_CHECKS)
    return EXIT_OK if report.ok and extra_ok else EXIT_INVALID


# Further checks on a valid file (e.g. geometry); each prints its findings, returns ok.
EXTRA_VALIDATE_CHECKS: list[Callable[[argparse.Namespace, ValidationReport], bool]] = []


def _measure_locations(args: argparse.Namespace, report: ValidationReport) -> bool:
    """Warn about measures outside their own municipality (issue 3; exit code unchanged)."""
    from cop.geo.pointcheck import check_measure_locations

    return check_measure_locations(args, report)


EXTRA_VALIDATE_CHECKS.append(_measure_locations)


def cmd_import(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    report = storage.import_file(engine, args.table, args.file, replace=args.replace)
    _print_report(report, args.lang)
    return EXIT_OK if report.ok else EXIT_INVALID


def cmd_export(args: argparse.Namespace) -> int:
    engine = storage.make_engine()
    storage.init_db(engine)
    tables = {name: storage.read_table(engine, name) for name in TABLE_ORDER}
    try:
        paths = write_tables(tables, args.out, args.format)
    except ExportTooLarge as exc:
        print(f"{exc}. Use --format csv.", file=sys.stderr)
        return EXIT_INVALID
    for path in paths:
        print(path)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cop", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lang", choices=i18n.LANGUAGES, default="en", help="language of reports (default en)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create the database and load the seed data if empty")
    p.add_argument("--seed-dir", type=Path, default=None)
    p.add_argument("--reload", action="store_true", help="replace all data with the seed data")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("validate", help="check a file without storing it")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("import", help="validate and store a file (upsert by key)")
    p.add_argument("table", choices=TABLE_ORDER)
    p.add_argument("file", type=Path)
    p.add_argument("--replace", action="store_true", help="replace the whole table")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("export", help="write all tables as CSV files or one Excel workbook")
    p.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_export)
    return parser


# Subcommands with their own argument parsing: name -> main(argv) -> exit code.
def _demo(argv: list[str]) -> int:
    from cop.data import demo

    return demo.main(argv)


def _trend(argv: list[str]) -> int:
    from cop.monitoring.trim import trend_cli

    return trend_cli(argv)


def _user(argv: list[str]) -> int:
    from cop.cli.user import main as user_main

    return user_main(argv)


def _brief(argv: list[str]) -> int:
    from cop.cli.brief import main as brief_main

    return brief_main(argv)


PASS_THROUGH: dict[str, Callable[[list[str]], int]] = {
    "demo": _demo,
    "trend": _trend,
    "user": _user,
    "brief": _brief,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASS_THROUGH:
        return PASS_THROUGH[argv[0]](argv[1:])
    parser = build_parser()
    for name in PASS_THROUGH:
        parser._subparsers._group_actions[0].add_parser(name, help=f"see: python -m cop {name} -h")  # type: ignore[union-attr]
    args = parser.parse_args(argv)
    get_settings()
    return int(args.func(args))
