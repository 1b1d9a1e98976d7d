"""``python -m cop``: the command line for coordinators and scripts.

One argparse tree: ``python -m cop [--lang nl|en] [--debug] COMMAND ...``. Exit codes: 0
success, 2 invalid input (a report on stderr names file, row, column and problem; nothing
stored changed; argparse usage errors also exit 2), 1 an unexpected failure.

Errors are messages: :func:`main` is the one place that turns an exception into an exit
code. What a person can fix (a missing file, a folder given as a file, a file without
permission, a database that is unreachable, read-only or busy, a bad ``DATABASE_URL``;
see :mod:`cop.data.failures`) is one line on stderr and exit code 2. Anything else is a
bug: one line naming it and exit code 1; its traceback only with ``--debug`` or
``COP_DEBUG=1``. Ctrl-C ends with exit code 130 and no traceback.

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

from cop.cli import backup, brief, demo, history, joinreq, submissions, tables, trend, user
from cop.cli.common import EXIT_FAILED, EXIT_INVALID, add_global_options, resolve_lang
from cop.core import config
from cop.core.text import plain
from cop.data import failures
from cop.data.validation import ValidationReport

EXIT_INTERRUPTED = 130

# Modules with register(subparsers), in the order of ``python -m cop --help``.
COMMANDS = (tables, history, backup, demo, trend, brief, user, submissions, joinreq)


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
    debug = bool(getattr(args, "debug", False)) or config.debug_enabled()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        report = getattr(exc, "report", None)  # storage.ImportFailed: a broken seed file
        if isinstance(report, ValidationReport):
            print(report.summary(args.lang), file=sys.stderr)
            for line in report.messages(args.lang, 20):
                print(f"  {report.source}: {line}", file=sys.stderr)
            return EXIT_INVALID
        failure = failures.describe(exc)
        if failure.expected:
            print(f"error: {failure.message(args.lang)}", file=sys.stderr)
            return EXIT_INVALID
        if debug:
            raise
        detail = plain(str(exc).splitlines()[0] if str(exc) else "-")[:200]
        message = failures.Failure("bug", "failure.cli_bug", {"kind": type(exc).__name__})
        print(f"error: {message.message(args.lang, detail=detail)}", file=sys.stderr)
        return EXIT_FAILED
