"""Backup and restore of every stored table: one consistent snapshot, one replacing transaction.

Which tables
    Every table of the schema (:data:`cop.data.migrations.METADATA`) except
    ``schema_version``, found generically: a table another change adds there (a change
    history, answers, photos with their bytes) is backed up and restored without touching
    this module. ``schema_version`` describes the shape of the database, not its data: a
    restore keeps the shape of the database it restores into (migrated first).

Why a file of our own and not ``pg_dump``/a copy of the SQLite file
    One format for both engines (a backup of the embedded SQLite database restores into
    PostgreSQL when a CoP moves to a shared server, and back), and a file the restore can
    check completely before anything is committed. ``pg_dump`` stays the tool for a DBA
    (``docs/deployment.md``).

The file
    gzip-compressed UTF-8 JSON lines. Line 1 is the header: format name, format version,
    when, from which engine, the migrations applied, and per table its columns (name and
    kind) and row count. Then per table a ``{"table": name}`` line, one JSON array per row
    (datetimes as ISO text, bytes as base64), and ``{"end": name, "rows": n}``. The last
    line holds the SHA-256 of every byte before it (uncompressed). A file that is not
    gzip, has another format or version, names a table or column this database does not
    have, is cut off, or has one byte changed is refused with a message that says which;
    the restore then rolls back and nothing changes.

Consistency
    :func:`backup` reads every table in ONE read transaction: ``REPEATABLE READ, READ
    ONLY`` on PostgreSQL, a deferred ``BEGIN`` on SQLite (WAL: the snapshot of the first
    read). The app keeps running and writing meanwhile; the backup is the state of one
    moment. :func:`restore` runs in ONE :func:`cop.data.transactions.locked` transaction
    holding the schema lock and every table lock: writers wait, readers keep seeing the old
    data until the commit, and a restore that fails or is killed halfway leaves the
    previous data as it was (a transaction that never commits is rolled back by the
    database). It streams the file (a million monitoring rows need not fit in memory), so
    the checks of the rows happen inside that transaction; the header is checked before.

Examples
--------
>>> decode_value("bytes", encode_value("bytes", b"\\x00\\xff"))
b'\\x00\\xff'
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import gzip
import hashlib
import io
import json
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.data.bulk import advance_sequence
from cop.data.migrations import (
    DATA_TOKEN,
    DATABASE_KEY,
    META,
    METADATA,
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLE_VERSION_PREFIX,
    new_data_token,
    new_database_key,
)
from cop.data.transactions import SCHEMA_LOCK, locked

FORMAT = "cop-dashboard-backup"
FORMAT_VERSION = 1
# One row (a photo in base64 included) may be at most this long; a longer line is refused
# rather than read into memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
INSERT_BATCH = 2_000
READ_BATCH = 5_000

Progress = Callable[[str, int], None]


class BackupError(ValueError):
    """A backup file that cannot be restored; ``key``/``params`` form the message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(f"{key} {params}")
        self.key = key
        self.params = params


@dataclass(frozen=True)
class TableInfo:
    """One table of a backup: its columns as ``(name, kind)`` and its number of rows."""

    name: str
    columns: tuple[tuple[str, str], ...]
    rows: int


@dataclass
class Header:
    """What the first line of a backup says."""

    created_at: str
    database: str
    migrations: list[int]
    tables: list[TableInfo] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)


# ---------------------------------------------------------------- tables and values


def backup_tables() -> list[sa.Table]:
    """Every data table of the schema, in dependency order (``schema_version`` left out)."""
    return [t for t in METADATA.sorted_tables if t.name != SCHEMA_VERSION.name]


def column_kind(column: sa.Column) -> str:
    """How a column's values travel in the file: text, int, float, bool, datetime, date, bytes."""
    kind = column.type
    for cls, name in (
        (sa.Boolean, "bool"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.LargeBinary, "bytes"),
        (sa.Integer, "int"),
        (sa.Float, "float"),
        (sa.Numeric, "float"),
        (sa.String, "text"),
    ):
        if isinstance(kind, cls):
            return name
    raise TypeError(f"{column.table.name}.{column.name}: no backup format for {kind!r}")


def encode_value(kind: str, value: object) -> object:
    """A stored value as JSON can hold it."""
    if value is None:
        return None
    if kind in ("datetime", "date"):
        return value.isoformat()  # type: ignore[attr-defined]
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")  # type: ignore[arg-type]
    if kind == "bool":
        return bool(value)
    return value


def decode_value(kind: str, value: object) -> object:
    """The stored value of a JSON value; ``ValueError`` when it does not fit the kind."""
    if value is None:
        return None
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "datetime" and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if kind == "bytes" and isinstance(value, str):
        return base64.b64decode(value.encode("ascii"), validate=True)
    raise ValueError(f"{value!r} is not a {kind}")


# ---------------------------------------------------------------- backup


def backup(
    engine: Engine,
    out: Path,
    *,
    tables: Sequence[sa.Table] | None = None,
    progress: Progress | None = None,
) -> Header:
    """Write every table to ``out`` as one consistent snapshot; return what was written.

    The file is written next to ``out`` and renamed into place when complete (a failed
    backup never leaves a file that looks finished), readable by its owner only: it holds
    personal data and the password hashes of the accounts. ``progress(table, rows)`` is
    called after each table.
    """
    tables = list(tables or backup_tables())
    out = Path(out)
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(out))
    if not out.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(out.parent))
    partial = out.with_name(f".{out.name}.partial")
    with _snapshot(engine) as conn:
        header = Header(
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            database=conn.dialect.name,
            migrations=_applied(conn),
        )
        for table in tables:
            count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            columns = tuple((c.name, column_kind(c)) for c in table.columns)
            header.tables.append(TableInfo(table.name, columns, int(count)))
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as stream,
            ):
                writer = _HashingWriter(stream)
                writer.line(_header_json(header))
                for table, info in zip(tables, header.tables, strict=True):
                    written = _write_table(conn, table, info, writer)
                    if progress is not None:
                        progress(table.name, written)
                trailer = {"end_of_backup": True, "sha256": writer.digest.hexdigest()}
                stream.write(_dumps(trailer))
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return header


class _snapshot:
    """A connection in one read-only transaction that sees one moment of the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self.transaction = conn.begin()
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        else:
            conn = self.engine.connect()
            self.transaction = conn.begin()
            # pysqlite begins a transaction only before a write; this makes every read
            # below part of one (in WAL mode: one snapshot, taken at the first read).
            conn.exec_driver_sql("BEGIN")
        self.conn = conn
        return conn

    def __exit__(self, *exc: object) -> None:
        try:
            self.transaction.rollback()  # nothing was written; end the read transaction
        finally:
            self.conn.close()


def _applied(conn: Connection) -> list[int]:
    if not sa.inspect(conn).has_table(SCHEMA_VERSION.name):
        return []
    return sorted(int(v) for v in conn.execute(sa.select(SCHEMA_VERSION.c.version)).scalars())


def _header_json(header: Header) -> dict[str, object]:
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": header.created_at,
        "database": header.database,
        "migrations": header.migrations,
        "tables": [
            {"name": t.name, "columns": [list(c) for c in t.columns], "rows": t.rows}
            for t in header.tables
        ],
    }


def _write_table(conn: Connection, table: sa.Table, info: TableInfo, writer: _HashingWriter) -> int:
    kinds = [kind for _, kind in info.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(stream_results=True, yield_per=READ_BATCH).execute(
        sa.select(table).order_by(*order)
    )
    writer.line({"table": table.name})
    written = 0
    for row in result:
        writer.line([encode_value(k, v) for k, v in zip(kinds, row, strict=True)])
        written += 1
    writer.line({"end": table.name, "rows": written})
    return written


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class _HashingWriter:
    """Writes JSON lines and keeps the SHA-256 of everything written."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def line(self, value: object) -> None:
        data = _dumps(value)
        self.digest.update(data)
        self.stream.write(data)


# ---------------------------------------------------------------- reading a backup


class BackupReader:
    """Reads a backup file line by line, checking each line and the final checksum.

    Usable on anything that can be read once from start to end (a file, a pipe).
    """

    def __init__(self, source: Path | IO[bytes]) -> None:
        self._own = not hasattr(source, "read")
        self._raw: IO[bytes] = open(source, "rb") if self._own else source  # type: ignore[arg-type]  # noqa: SIM115
        magic = self._raw.read(2)
        if magic != b"\x1f\x8b":
            self.close()
            raise BackupError("backup.not_a_backup")
        self._stream = gzip.GzipFile(fileobj=_Prefixed(magic, self._raw), mode="rb")
        self.digest = hashlib.sha256()
        self.line_number = 0

    def close(self) -> None:
        if self._own:
            self._raw.close()

    def __enter__(self) -> BackupReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def next_line(self, *, hashed: bool = True) -> object:
        """The next line as JSON; a cut-off, damaged or oversized file raises BackupError."""
        try:
            data = self._stream.readline(MAX_LINE_BYTES + 1)
        except EOFError as exc:  # the compressed stream stops before its end marker
            raise BackupError("backup.truncated", line=self.line_number + 1) from exc
        except (zlib.error, gzip.BadGzipFile, OSError) as exc:
            raise BackupError("backup.damaged", line=self.line_number + 1) from exc
        self.line_number += 1
        if not data:
            raise BackupError("backup.truncated", line=self.line_number)
        if len(data) > MAX_LINE_BYTES:
            raise BackupError("backup.line_too_long", line=self.line_number)
        if not data.endswith(b"\n"):
            raise BackupError("backup.truncated", line=self.line_number)
        if hashed:
            self.digest.update(data)
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackupError("backup.bad_line", line=self.line_number) from exc

    def at_end(self) -> bool:
        """Whether nothing follows (after the last line of a backup)."""
        try:
            return self._stream.read(1) == b""
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError):
            return False

    def header(self, known: Sequence[sa.Table]) -> Header:
        """Read and check the first line against the tables of this database."""
        try:
            first = self.next_line()
        except BackupError as exc:
            raise BackupError("backup.not_a_backup") from exc
        if not isinstance(first, dict) or first.get("format") != FORMAT:
            raise BackupError("backup.not_a_backup")
        if first.get("version") != FORMAT_VERSION:
            raise BackupError(
                "backup.format_version", version=str(first.get("version")), known=FORMAT_VERSION
            )
        try:
            header = Header(
                created_at=str(first["created_at"]),
                database=str(first["database"]),
                migrations=[int(v) for v in first["migrations"]],
                tables=[
                    TableInfo(
                        str(t["name"]),
                        tuple((str(name), str(kind)) for name, kind in t["columns"]),
                        int(t["rows"]),
                    )
                    for t in first["tables"]
                ],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError("backup.bad_line", line=1) from exc
        newer = sorted(set(header.migrations) - {version for version, _, _ in MIGRATIONS})
        if newer:
            raise BackupError("backup.newer", versions=", ".join(map(str, newer)))
        _check_tables(header, {t.name: t for t in known})
        return header


def _check_tables(header: Header, known: dict[str, sa.Table]) -> None:
    """Every table and column of the backup exists here with the same kind of values."""
    seen: set[str] = set()
    for info in header.tables:
        if info.name not in known or info.name in seen:
            raise BackupError("backup.unknown_table", table=info.name)
        seen.add(info.name)
        table = known[info.name]
        names = [name for name, _ in info.columns]
        if len(set(names)) != len(names):
            raise BackupError("backup.unknown_column", table=info.name, column=names[0])
        for name, kind in info.columns:
            if name not in table.c or column_kind(table.c[name]) != kind:
                raise BackupError("backup.unknown_column", table=info.name, column=name)


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read put back in front (the gzip magic)."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self.prefix, self.rest = prefix, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        if self.prefix:
            n = min(len(buffer), len(self.prefix))
            buffer[:n], self.prefix = self.prefix[:n], self.prefix[n:]
            return n
        # read1: what is there now (a pipe is not read until it is closed)
        reading = getattr(self.rest, "read1", self.rest.read)
        data = reading(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_header(source: Path, *, tables: Sequence[sa.Table] | None = None) -> Header:
    """The checked header of a backup file (for the confirmation question)."""
    with BackupReader(source) as reader:
        return reader.header(list(tables or backup_tables()))


# ---------------------------------------------------------------- restore


def restore(
    engine: Engine,
    source: Path | IO[bytes],
    *,
    tables: Sequence[sa.Table] | None = None,
    progress: Progress | None = None,
    confirm: Callable[[Header], bool] | None = None,
) -> Header:
    """Replace the contents of every table with the backup, in one transaction.

    Tables of this database that the backup does not have (added by a later version) end
    up empty, like everything else the backup did not hold. ``data_version`` ends higher
    than both the current one and the backup's, so every cache of every app process sees
    new data. ``confirm(header)`` is asked after the header was checked and before anything
    is touched (``False``: :class:`BackupError` ``backup.not_confirmed``); the file is read
    once, so ``source`` may be a pipe. ``progress(table, rows)`` is called after each
    table, before the commit.
    A file that turns out to be damaged, cut off or not to fit raises :class:`BackupError`
    and nothing is changed.
    """
    known = list(tables or backup_tables())
    by_name = {t.name: t for t in known}
    with BackupReader(source) as reader:
        header = reader.header(known)
        if confirm is not None and not confirm(header):
            raise BackupError("backup.not_confirmed")
        lock_names = [SCHEMA_LOCK, *by_name]
        with locked(engine, exclusive=lock_names) as conn:
            version_before = _data_version(conn)
            for table in reversed(known):
                conn.execute(table.delete())
            for info in header.tables:
                rows = _restore_table(conn, reader, by_name[info.name], info)
                if progress is not None:
                    progress(info.name, rows)
            _check_trailer(reader)
            _after_restore(conn, known, version_before)
    return header


def _restore_table(conn: Connection, reader: BackupReader, table: sa.Table, info: TableInfo) -> int:
    start = reader.next_line()
    if start != {"table": info.name}:
        raise BackupError("backup.bad_line", line=reader.line_number)
    names = [name for name, _ in info.columns]
    kinds = [kind for _, kind in info.columns]
    batch: list[dict[str, object]] = []
    count = 0
    while True:
        line = reader.next_line()
        if isinstance(line, dict):
            if line != {"end": info.name, "rows": count} or count != info.rows:
                raise BackupError("backup.count", table=info.name)
            break
        if not isinstance(line, list) or len(line) != len(names):
            raise BackupError("backup.bad_row", table=info.name, line=reader.line_number)
        try:
            values = [decode_value(k, v) for k, v in zip(kinds, line, strict=True)]
        except (ValueError, TypeError) as exc:
            raise BackupError("backup.bad_row", table=info.name, line=reader.line_number) from exc
        batch.append(dict(zip(names, values, strict=True)))
        count += 1
        if len(batch) >= INSERT_BATCH:
            _insert(conn, table, batch, reader.line_number)
            batch = []
    _insert(conn, table, batch, reader.line_number)
    return count


def _insert(conn: Connection, table: sa.Table, rows: list[dict[str, object]], line: int) -> None:
    if not rows:
        return
    try:
        conn.execute(table.insert(), rows)
    except (sa.exc.IntegrityError, sa.exc.DataError) as exc:
        # A row the database refuses (a duplicate key, an empty required cell): the file
        # does not fit, whatever its checksum says.
        raise BackupError("backup.rejected", table=table.name, line=line) from exc


def _check_trailer(reader: BackupReader) -> None:
    expected = reader.digest.hexdigest()
    trailer = reader.next_line(hashed=False)
    if not isinstance(trailer, dict) or trailer.get("end_of_backup") is not True:
        raise BackupError("backup.bad_line", line=reader.line_number)
    if trailer.get("sha256") != expected:
        raise BackupError("backup.checksum")
    if not reader.at_end():
        raise BackupError("backup.bad_line", line=reader.line_number)


def _data_version(conn: Connection) -> int:
    value = conn.execute(sa.select(META.c.value).where(META.c.key == "data_version")).scalar()
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _after_restore(conn: Connection, tables: Sequence[sa.Table], version_before: int) -> None:
    """Move id sequences past the restored ids and make ``data_version`` new."""
    for table in tables:
        if "id" in table.c and conn.dialect.name == "postgresql":
            highest = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
            if highest is not None:
                advance_sequence(conn, table.name, int(highest))
    version = max(version_before, _data_version(conn)) + 1
    conn.execute(META.delete().where(META.c.key == "data_version"))
    # every table changed: without a stamp a table's version is data_version (writes.py)
    conn.execute(META.delete().where(META.c.key.startswith(TABLE_VERSION_PREFIX)))
    # a new identity: results cached on disk for the backed-up database are not this one's
    for key, value in ((DATABASE_KEY, new_database_key()), (DATA_TOKEN, new_data_token())):
        conn.execute(META.delete().where(META.c.key == key))
        conn.execute(META.insert().values(key=key, value=value))
    conn.execute(META.insert().values(key="data_version", value=str(version)))
