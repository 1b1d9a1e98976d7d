"""Database engines and reads: SQLite by default, PostgreSQL through ``DATABASE_URL``; same code.

The stored tables and their migrations live in :mod:`cop.data.migrations`, the one write
path in :mod:`cop.data.writes`; both are re-exported here, so callers keep writing
``storage.init_db``, ``storage.import_file`` and ``storage.SQL_TABLES``.

SQLite connections of every engine made here run in WAL mode with a busy timeout
(:func:`make_engine`): a reader keeps reading the last committed state while an import of a
million rows is being written (in the old rollback-journal mode it got "database is
locked" after 5 s), and a second writer waits for the first instead of failing.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cop.core.config import get_settings
from cop.data.migrations import (
    META,
    MIGRATIONS,
    SCHEMA_VERSION,
    SQL_TABLES,
    USERS,
    current_version,
    migrate,
)
from cop.data.schema import TABLES, coerce_types
from cop.data.validation import validate_frame
from cop.data.writes import (
    ImportFailed,
    TableChanges,
    TableWrite,
    WriteOutcome,
    WriteReport,
    get_meta,
    import_file,
    import_frame_report,
    init_db,
    is_empty,
    store,
    write,
)

__all__ = [
    "META",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SQLITE_BUSY_TIMEOUT_MS",
    "SQL_TABLES",
    "TABLES",
    "USERS",
    "ImportFailed",
    "TableChanges",
    "TableWrite",
    "WriteOutcome",
    "WriteReport",
    "current_version",
    "data_version",
    "demo_tables",
    "import_file",
    "import_frame_report",
    "init_db",
    "is_empty",
    "known_codes",
    "known_ids",
    "make_engine",
    "migrate",
    "read_table",
    "store",
    "table_counts",
    "validate_frame",
    "write",
]

LOG = logging.getLogger(__name__)

# How long a connection waits for a lock before "database is locked": long enough for a
# writer to wait out an import of a million rows.
SQLITE_BUSY_TIMEOUT_MS = 120_000


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default from settings); creates the SQLite folder if needed.

    Every SQLite connection gets a busy timeout and WAL mode (see the module docstring).
    A database file in a folder this process may not write is opened read-only and
    immutable, because WAL needs to create its ``-shm`` file next to the database even to
    read; reading then works as before and a write fails with "readonly database".
    """
    url = url or get_settings().database_url
    if not url.startswith("sqlite"):
        return sa.create_engine(url, future=True, pool_pre_ping=True)
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    on_disk = path is not None and str(path) not in ("", ":memory:") and "?" not in str(path)
    if on_disk and path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and not _writable(path.parent):
            url = f"sqlite:///file:{path.resolve()}?mode=ro&immutable=1&uri=true"
    engine = sa.create_engine(url, future=True)
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """Busy timeout and WAL on a new SQLite connection (WAL persists in the file)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            # A read-only file keeps the journal mode it has; reading works either way.
            LOG.info("SQLite journal mode left as it is: %s", exc)
    finally:
        cursor.close()


def read_table(
    engine: Engine, table: str, *, municipality_codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """A whole table (optionally for some municipalities), typed as declared."""
    sql_table = SQL_TABLES[table]
    query = sa.select(sql_table)
    if municipality_codes is not None and "municipality_code" in sql_table.c:
        query = query.where(sql_table.c.municipality_code.in_(list(municipality_codes)))
    key = [sql_table.c[c] for c in TABLES[table].key]
    with engine.connect() as conn:
        frame = pd.read_sql(query.order_by(*key), conn)
    return coerce_types(frame, table)


def known_codes(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(SQL_TABLES["municipalities"].c.code)).scalars())


def known_ids(engine: Engine, tables: Iterable[str]) -> dict[str, set[int]]:
    """The ids stored in each of ``tables`` (for columns declared with ``references``)."""
    found: dict[str, set[int]] = {}
    with engine.connect() as conn:
        for name in tables:
            column = SQL_TABLES[name].c.id
            found[name] = {int(v) for v in conn.execute(sa.select(column)).scalars()}
    return found


def data_version(engine: Engine) -> int:
    """A counter that changes on every write; caches key on it."""
    with engine.connect() as conn:
        return int(get_meta(conn, "data_version") or 0)


def demo_tables(engine: Engine) -> list[str]:
    """Tables still holding illustrative demo data (the notice shows while any do)."""
    with engine.connect() as conn:
        return json.loads(get_meta(conn, "demo_tables") or "[]")


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
            for name, t in SQL_TABLES.items()
        }
