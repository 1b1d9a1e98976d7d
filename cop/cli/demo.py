"""``python -m cop demo``: write the illustrative demo dataset as CSV files."""

from __future__ import annotations

import argparse
from pathlib import Path

from cop.cli.common import EXIT_OK, add_command
from cop.data import demo


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``demo``."""
    p = add_command(
        subparsers, "demo", cmd_demo, help="generate the illustrative demo dataset (CSV files)"
    )
    p.add_argument("--scale", choices=demo.SCALES, default="small")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", type=Path, required=True)


def cmd_demo(args: argparse.Namespace) -> int:
    tables = demo.generate(args.scale, args.seed)
    demo.write(tables, args.out)
    for name, frame in tables.items():
        print(f"{name}: {len(frame):,} rows")
    return EXIT_OK
