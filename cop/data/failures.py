"""What went wrong, in words a person can act on: failures the app and the CLI expect.

A stopped PostgreSQL server, a read-only data directory, a missing file or a folder given
as a file are not bugs: they are the state of the machine or a typo, and the person needs
one clear sentence, not a traceback with host names, paths and SQL. :func:`describe` turns
such an exception into a :class:`Failure` with a catalog key; everything else is
``kind="bug"``, whose details belong in the server log (the page's error boundary in
:mod:`cop.ui`) or on the terminal only when asked for (``python -m cop --debug``).

Examples
--------
>>> describe(FileNotFoundError(2, "No such file or directory", "x.csv")).key
'failure.file_missing'
>>> describe(ZeroDivisionError()).kind
'bug'
"""

from __future__ import annotations

import errno
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa

from cop.core import i18n
from cop.core.text import plain

# SQLSTATE classes of a server that is not there (08: connection exception; 57P01-03:
# shut down, crashed, starting up) and of a read-only transaction or standby (25006).
_UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")
_READ_ONLY_STATES = ("25006",)
_SQLITE_UNREACHABLE = frozenset({"SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_IOERR"})
_SQLITE_READ_ONLY = frozenset(
    {"SQLITE_READONLY", "SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_DBMOVED", "SQLITE_PERM"}
)
_SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})

#: Kinds a person can do something about (the CLI exits 2 for these, the app shows a notice).
EXPECTED = frozenset(
    {"unreachable", "read_only", "busy", "file_missing", "file_is_directory", "file_denied",
     "file_other", "database_url"}
)  # fmt: skip


@dataclass(frozen=True)
class Failure:
    """An exception as a person should hear about it.

    ``kind`` is one of :data:`EXPECTED` or ``"database"`` (another database error) or
    ``"bug"``; ``key``/``params`` form the message (:meth:`message`).
    """

    kind: str
    key: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> bool:
        return self.kind in EXPECTED

    @property
    def about_database(self) -> bool:
        return self.kind in ("unreachable", "read_only", "busy", "database")

    def message(self, lang: str | None = None, **extra: object) -> str:
        """The one sentence for a person; control characters in names shown escaped."""
        return plain(i18n.t(self.key, lang, **self.params, **extra))


def reference_id() -> str:
    """A short id that ties a message on the screen to its details in the server log."""
    return secrets.token_hex(4)


def describe(exc: BaseException) -> Failure:
    """The :class:`Failure` an exception stands for (``kind="bug"`` when none fits)."""
    if isinstance(exc, sa.exc.ArgumentError | sa.exc.NoSuchModuleError):
        return Failure("database_url", "failure.database_url")
    if isinstance(exc, sa.exc.DBAPIError):
        return _database_failure(exc)
    if isinstance(exc, OSError):
        return _file_failure(exc)
    return Failure("bug", "failure.bug", {"kind": type(exc).__name__})


def _database_failure(exc: sa.exc.DBAPIError) -> Failure:
    orig = exc.orig
    state = str(getattr(orig, "sqlstate", None) or "")
    sqlite_name = str(getattr(orig, "sqlite_errorname", None) or "")
    text = str(orig).lower()
    if (
        sqlite_name in _SQLITE_READ_ONLY
        or state.startswith(_READ_ONLY_STATES)
        or "readonly" in text
    ):
        return Failure("read_only", "failure.read_only")
    if sqlite_name in _SQLITE_BUSY:
        return Failure("busy", "failure.busy")
    if (
        exc.connection_invalidated
        or isinstance(exc, sa.exc.InterfaceError)
        or sqlite_name in _SQLITE_UNREACHABLE
        or state.startswith(_UNREACHABLE_STATES)
        or (isinstance(exc, sa.exc.OperationalError) and not state and not sqlite_name)
    ):
        return Failure("unreachable", "failure.unreachable")
    return Failure("database", "failure.database", {"kind": type(orig).__name__})


def _file_failure(exc: OSError) -> Failure:
    name = str(exc.filename) if exc.filename is not None else "?"
    if isinstance(exc, FileNotFoundError):
        return Failure("file_missing", "failure.file_missing", {"file": name})
    if isinstance(exc, IsADirectoryError | NotADirectoryError):
        return Failure("file_is_directory", "failure.file_is_directory", {"file": name})
    if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
        return Failure("file_denied", "failure.file_denied", {"file": name})
    if exc.filename is not None:
        reason = exc.strerror or type(exc).__name__
        return Failure("file_other", "failure.file_other", {"file": name, "reason": reason})
    return Failure("bug", "failure.bug", {"kind": type(exc).__name__})
