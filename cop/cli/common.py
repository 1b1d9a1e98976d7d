"""What every command shares: exit codes and the global options.

The global options (``--lang``, ``--debug``) belong to the root parser, so they work before the
command (``python -m cop --lang nl trend FILE``), and are repeated on every command's parser
by :func:`add_command`, so they also work after it (``python -m cop trend FILE --lang nl``).
On a command's parser their default is ``argparse.SUPPRESS``: an option given before the
command is not overwritten by the command's own default.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable

from cop.core import i18n

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
DEFAULT_LANG = "en"

Handler = Callable[[argparse.Namespace], int]


def add_global_options(parser: argparse.ArgumentParser, *, root: bool) -> None:
    """Add ``--lang`` and ``--debug``: real defaults on the root, suppressed elsewhere."""
    parser.add_argument(
        "--lang",
        choices=i18n.LANGUAGES,
        default=None if root else argparse.SUPPRESS,
        help=f"language of messages and reports (default {DEFAULT_LANG}; brief: nl)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if root else argparse.SUPPRESS,
        help="show the traceback of an unexpected failure (also COP_DEBUG=1)",
    )


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Handler | None,
    *,
    help: str,
    description: str | None = None,
    default_lang: str = DEFAULT_LANG,
) -> argparse.ArgumentParser:
    """A command's parser with the global options; ``handler(args)`` returns the exit code.

    ``handler`` is ``None`` for a command whose actions are sub-commands with their own
    handlers (``user add``, ``user list``). ``default_lang`` is the language when ``--lang`` is given nowhere (``brief`` writes
    Dutch by default, because its readers are Dutch municipalities).
    """
    parser = subparsers.add_parser(name, help=help, description=description or help)
    add_global_options(parser, root=False)
    parser.set_defaults(default_lang=default_lang)
    if handler is not None:
        parser.set_defaults(func=handler)
    return parser


def resolve_lang(args: argparse.Namespace) -> str:
    """The language asked for anywhere on the command line, else the command's default."""
    return getattr(args, "lang", None) or getattr(args, "default_lang", DEFAULT_LANG)


def cli_actor() -> str:
    """Who writes from the command line, as the change history names them: ``cli:<user>``.

    The operating-system account running the command (``cli:deploy``); ``cli`` alone when
    it cannot be found (a container without a passwd entry).
    """
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
