"""``python -m cop brief``: a meeting brief as Markdown, Word or PDF from the command line.

Exit codes: 0 written; 2 invalid input (bad date, unknown theme or municipality code,
unknown format), with a message on stderr that says what to change. The brief is Dutch
unless ``--lang en`` is given (before or after ``brief``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cop.cli.common import EXIT_INVALID, EXIT_OK, add_command
from cop.data import storage
from cop.meetings import briefs, render

DESCRIPTION = (
    "Write the brief for a CoP meeting (agenda proposal, open help questions, spotlight "
    "practices, what changed since the previous meeting)."
)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``brief``."""
    parser = add_command(
        subparsers,
        "brief",
        cmd_brief,
        help="write a meeting brief (Markdown, Word or PDF)",
        description=DESCRIPTION,
        default_lang="nl",
    )
    parser.add_argument("--date", required=True, help="meeting date, YYYY-MM-DD")
    parser.add_argument(
        "--themes",
        help="comma-separated theme codes or labels (default: the stored meeting's themes, "
        "else all themes)",
    )
    parser.add_argument(
        "--invite", help="comma-separated municipality codes (default: every partner)"
    )
    parser.add_argument(
        "--format", choices=render.FORMATS, help="md, docx or pdf (default: from --out)"
    )
    parser.add_argument(
        "--event",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add frontrunners for Biodiversiteit en Gemeenten (default: when the stored "
        "meeting's title names the event)",
    )
    parser.add_argument(
        "--no-charts", action="store_true", help="tables instead of chart images (no browser)"
    )
    parser.add_argument("--out", type=Path, required=True, help="file to write")


def cmd_brief(args: argparse.Namespace) -> int:
    fmt = args.format or args.out.suffix.lstrip(".").lower() or "md"
    if fmt not in render.FORMATS:
        print(
            f"error: cannot tell the format from '{args.out.name}'; use --format md|docx|pdf",
            file=sys.stderr,
        )
        return EXIT_INVALID
    started = time.perf_counter()
    engine = storage.make_engine()
    storage.init_db(engine)
    frames = [storage.read_table(engine, name) for name in briefs.BRIEF_TABLES]
    try:
        date = briefs.parse_date(args.date)
        themes = briefs.resolve_themes(_split(args.themes))
        invitees = briefs.resolve_invitees(_split(args.invite), frames[0])
    except briefs.BriefInputError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_INVALID
    brief = briefs.build_brief(
        *frames,
        date=date,
        themes=themes,
        invitees=invitees,
        yearly_event=args.event,
        lang=args.lang,
        demo=bool(storage.demo_tables(engine)),
    )
    data = render.render(brief, fmt, charts_on=not args.no_charts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    seconds = time.perf_counter() - started
    print(f"{args.out} ({fmt}, {len(data):,} bytes, {seconds:.1f} s)")
    return EXIT_OK
