"""``python -m cop trend FILE.csv``: a TRIM trend of one site × year count table, as JSON.

The model and its options are TRIM's (see ``docs/monitoring.md``): ``--model 1|2|3``,
model 2's ``--changepoints`` (years, ``all`` or ``auto`` for TRIM's stepwise selection),
``--covariates``, ``--weights``, ``--overall-changepoints`` and ``--vcov``. Every year in
the output is a real year.

Exit codes: 0 trend estimated; 2 unusable input or no trend (one line on stderr; when the
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
    "TRIM indices, overall slope and trend class of a site × year count table "
    "(CSV, comma or semicolon separated; empty count = not counted), with TRIM's models "
    "1, 2 (linear trends between changepoints) and 3 (an effect per year, the default), "
    "covariates, site weights and the Wald tests, as JSON."
)


class UsageError(ValueError):
    """A command-line value that cannot be used (reported as one line, exit code 2)."""


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
    p.add_argument(
        "--model",
        type=int,
        choices=(1, 2, 3),
        default=None,
        help="TRIM model: 1 no time effect, 2 linear trend(s), 3 effect per year "
        "(default 3; 2 when --changepoints is given)",
    )
    p.add_argument(
        "--changepoints",
        default=None,
        metavar="YEARS|all|auto",
        help="model 2: years where the slope may change (comma separated), all of "
        "them, or auto (TRIM's stepwise selection); default one slope from the first year",
    )
    p.add_argument(
        "--covariates",
        default=None,
        metavar="COL[,COL]",
        help="categorical site columns whose classes get their own trends (Wald tests)",
    )
    p.add_argument("--weights", default=None, metavar="COL", help="column of site weights")
    p.add_argument(
        "--overall-changepoints",
        default=None,
        metavar="YEARS",
        help="years that split the overall slope into intervals (comma separated)",
    )
    p.add_argument(
        "--vcov",
        action="store_true",
        help="add the covariance matrices of the model and imputed time totals",
    )


def read_table(path: Path) -> pd.DataFrame:
    """A CSV file separated by commas or semicolons (whichever the header has more of)."""
    with path.open(encoding="utf-8-sig") as fh:
        head = fh.readline()
    sep = ";" if head.count(";") > head.count(",") else ","
    return pd.read_csv(path, sep=sep, encoding="utf-8-sig")


def years_list(text: str, option: str) -> list[int]:
    """``"1990, 2000"`` as ``[1990, 2000]``.

    Raises
    ------
    UsageError
        When an item is not a whole year.
    """
    items = [item.strip() for item in text.split(",") if item.strip()]
    try:
        years = [int(item) for item in items]
    except ValueError as exc:
        raise UsageError(f"{option} takes comma-separated years, got {text!r}") from exc
    if not years:
        raise UsageError(f"{option} takes comma-separated years, got {text!r}")
    return years


def model_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`fit_trim` for the model options on the command line."""
    changepoints: list[int] | str | None = None
    if args.changepoints is not None:
        word = args.changepoints.strip().lower()
        changepoints = (
            word if word in ("all", "auto") else years_list(args.changepoints, "--changepoints")
        )
    model = args.model if args.model is not None else (2 if changepoints is not None else 3)
    covariates = []
    if args.covariates is not None:
        covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    overall = None
    if args.overall_changepoints is not None:
        overall = years_list(args.overall_changepoints, "--overall-changepoints")
    return {
        "model": model,
        "changepoints": changepoints,
        "covariates": covariates,
        "weights": args.weights,
        "overall_changepoints": overall,
    }


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
            **model_options(args),
        )
    except (TrimInputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(json.dumps(result.to_json_dict(vcov=args.vcov), indent=2))
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
