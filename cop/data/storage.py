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

from cop.core import vocab
from cop.core.config import get_settings
from cop.data.migrations import (
    DATABASE_KEY,
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
    stamp_version,
    store,
    table_stamps,
    table_versions,
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
    "cache_identity",
    "current_version",
    "data_version",
    "data_versions",
    "demo_tables",
    "import_file",
    "import_frame_report",
    "init_db",
    "is_empty",
    "known_codes",
    "known_ids",
    "make_engine",
    "migrate",
    "published_conditions",
    "read_photo",
    "read_table",
    "stamp_version",
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
    engine: Engine,
    table: str,
    *,
    municipality_codes: Iterable[str] | None = None,
    unpublished: bool = False,
    blobs: bool = False,
) -> pd.DataFrame:
    """A whole table (optionally for some municipalities), typed as declared.

    By default this is the **published view**: rows waiting for a coordinator's review
    (a shared practice, a photo; :attr:`TableSpec.reviewed`) and rows pointing to such a
    row (a photo or toolbox link of an unpublished practice) are left out, and so are the
    review's own columns (:attr:`TableSpec.internal`). Every page, download, brief and
    export reads this view, so a submission reaches nobody before it is published.
    ``unpublished=True`` gives every row with every column: the review queue, a member's
    own submissions and a full backup (``export --include-unpublished``).

    Pictures (bytes columns) are read only with ``blobs=True``: a page reads one photo at
    a time (:func:`read_photo`), never all of them.
    """
    spec = TABLES[table]
    sql_table = SQL_TABLES[table]
    wanted = [c for c in spec.columns if blobs or c not in spec.blob_columns]
    query = sa.select(*[sql_table.c[c] for c in wanted])
    if municipality_codes is not None and "municipality_code" in sql_table.c:
        query = query.where(sql_table.c.municipality_code.in_(list(municipality_codes)))
    if not unpublished:
        query = query.where(*published_conditions(table))
    key = [sql_table.c[c] for c in spec.key]
    with engine.connect() as conn:
        frame = pd.read_sql(query.order_by(*key), conn)
    frame = coerce_types(frame, table)
    if not blobs:
        frame = frame.drop(columns=spec.blob_columns)
    if not unpublished:
        frame = frame.drop(columns=[c for c in spec.columns if c in spec.internal])
    return frame


def published_conditions(table: str) -> list[sa.ColumnElement[bool]]:
    """SQL conditions that keep the published rows of ``table`` (none for most tables).

    A row is published when its ``review_state`` is ``published`` (or empty: a row
    written before reviews existed), and every reviewed row it points to is published too
    (a photo of a practice under review is not shown, whatever its own state).
    """
    sql_table = SQL_TABLES[table]
    conditions = []
    if TABLES[table].reviewed:
        conditions.append(_is_published(sql_table))
    for f in TABLES[table].fields:
        if f.references and TABLES[f.references].reviewed:
            target = SQL_TABLES[f.references]
            shown = sa.select(target.c.id).where(_is_published(target))
            conditions.append(sql_table.c[f.name].in_(shown))
    return conditions


def _is_published(sql_table: sa.Table) -> sa.ColumnElement[bool]:
    state = sql_table.c.review_state
    return sa.or_(state.is_(None), state == vocab.PUBLISHED)


def read_photo(engine: Engine, photo_id: int, *, unpublished: bool = False) -> dict | None:
    """One photo with its picture (``data``), or ``None`` when there is none to show.

    Without ``unpublished`` only a published photo of a published practice is found.
    """
    photos = SQL_TABLES["photos"]
    query = sa.select(photos).where(photos.c.id == int(photo_id))
    if not unpublished:
        query = query.where(*published_conditions("photos"))
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return None
    found = dict(row)
    found["data"] = bytes(found["data"])
    return found


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


def data_versions(engine: Engine) -> tuple[int, dict[str, int]]:
    """``data_version`` and the version of each table stamped since (see
    :func:`cop.data.writes.table_versions`): caches of a table key on its own version."""
    with engine.connect() as conn:
        return table_versions(conn)


def cache_identity(engine: Engine, tables: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """This database's random secret and the stamps of ``tables`` (``meta``): results kept
    on disk are signed with the one and named with the others (see
    :func:`cop.data.writes.table_stamps`); an empty secret before the migration that
    creates it (nothing is kept then)."""
    with engine.connect() as conn:
        _, stamps = table_stamps(conn)
        return str(get_meta(conn, DATABASE_KEY) or ""), tuple(stamps[t] for t in tables)


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
