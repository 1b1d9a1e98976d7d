"""``python -m cop``: the command line for coordinators and scripts.

One argparse tree: ``python -m cop [--lang nl|en] COMMAND ...``. Exit codes: 0 success,
2 invalid input (a report on stderr names file, row, column and problem; nothing stored
changed; argparse usage errors also exit 2), 1 an unexpected failure.

Adding a command
----------------
Write one module ``cop/cli/<name>.py`` with a function ``register(subparsers)`` that calls
:func:`cop.cli.common.add_command` (which gives the command the global options and its
handler) and adds the command's own arguments, plus the handler
``cmd_<name>(args) -> int`` that returns the exit code (``args.lang`` is already resolved).
Then add the module to :data:`COMMANDS` below; its place there is its place in ``--help``.
A command with sub-actions (``user add``, ``user list``) calls ``add_command`` once more
per action on its own subparsers (see :mod:`cop.cli.user`).
"""

from __future__ import annotations

import argparse
import sys

from cop.cli import brief, demo, tables, trend, user
from cop.cli.common import add_global_options, resolve_lang

# Modules with register(subparsers), in the order of ``python -m cop --help``.
COMMANDS = (tables, demo, trend, brief, user)


def build_parser() -> argparse.ArgumentParser:
    """The whole tree: global options, then one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="python -m cop",
        description="The command line of the Biodiversity CoP dashboard.",
        epilog="Exit codes: 0 success, 2 invalid input, 1 unexpected failure. "
        "Global options go before or after the command.",
    )
    add_global_options(parser, root=True)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; usage errors raise ``SystemExit(2)`` as argparse does."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    args.lang = resolve_lang(args)
    return int(args.func(args))
