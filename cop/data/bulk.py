"""Batched statements per database: the upsert, delete and insert that :mod:`cop.data.writes` runs.

SQLite gets one ``executemany`` of plain tuples per statement (SQLAlchemy's per-row
parameter processing costs three times as much on a million rows). PostgreSQL gets more
than :data:`STAGE_ABOVE` rows by ``COPY`` into a temporary table and then one
``INSERT ... SELECT ... ON CONFLICT (key) DO UPDATE`` (or ``DELETE ... USING``), because
``executemany`` there is several times slower on big batches; fewer rows (a form, a small
file) go through one ``executemany``, which needs no temporary table. Both use the
database's own conflict handling on the table key.

Rows travel as plain tuples in the table's column order (:func:`db_rows`), the same form
:func:`select_rows` reads them back in, so the write path compares stored and new rows with
``==``.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from cop.data.changes import records
from cop.data.migrations import SQL_TABLES
from cop.data.schema import TABLES

# SQLite's own storage format for SQLAlchemy DateTime columns (what it reads back).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
# PostgreSQL: more rows than this go through COPY into a temporary table; fewer (a form, a
# small file) through one executemany, which needs no temporary table.
STAGE_ABOVE = 1_000


def select_rows(
    conn: Connection, name: str, where: Sequence[sa.ColumnElement]
) -> list[tuple[object, ...]]:
    """Rows of ``name`` (matching ``where``) as plain tuples in the table's column order,
    in the form :func:`db_rows` gives (dates as SQLite's stored text), so the two compare.

    Fetched straight from the DBAPI cursor: SQLAlchemy's per-row result processing would
    cost more than the rest of a million-row import. SQLite hands back dates as the text it
    stores and booleans as 0/1 (equal to ``False``/``True``); PostgreSQL's datetimes are
    written as that same text.
    """
    spec = TABLES[name]
    result = conn.execute(sa.select(SQL_TABLES[name]).where(*where))
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    dates = [i for i, f in enumerate(spec.fields) if f.kind == "date"]
    if not dates or conn.dialect.name == "sqlite":
        return [tuple(row) for row in rows]
    fixed = []
    for row in rows:
        values = list(row)
        for i in dates:
            if isinstance(values[i], dt.datetime):
                values[i] = values[i].strftime(SQLITE_DATETIME)
        fixed.append(tuple(values))
    return fixed


def key_of(table: str) -> Callable[[tuple[object, ...]], tuple[object, ...]]:
    """A function that takes the key out of a row tuple of ``table``."""
    spec = TABLES[table]
    at = [spec.columns.index(c) for c in spec.key]
    if len(at) == 1:
        return lambda row: (row[at[0]],)
    return operator.itemgetter(*at)


def dialect_insert(conn: Connection, table: sa.Table):
    """``INSERT`` with the database's own ``ON CONFLICT`` clause (SQLite or PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"writes support SQLite and PostgreSQL, not {conn.dialect.name}")


def db_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[object]]:
    """Columns as lists of DBAPI values: ``None`` for empty cells, dates in SQLite's stored
    format (PostgreSQL's ``COPY`` reads the same text)."""
    values = []
    for column in columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            series = series.dt.strftime(SQLITE_DATETIME).where(series.notna(), None)
        values.append(series.astype(object).where(series.notna(), None).tolist())
    return values


def db_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[object, ...]]:
    """Rows as DBAPI tuples in ``columns`` order (see :func:`db_columns`)."""
    return list(zip(*db_columns(frame, columns), strict=True))


def upsert(
    conn: Connection, table: sa.Table, rows: list[tuple[object, ...]], *, all_new: bool = False
) -> None:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` for ``rows`` (tuples in column order).

    ``all_new``: the caller has seen, under its table lock, that none of the keys is
    stored (a first load); PostgreSQL then copies a big batch straight into the table,
    which halves the time of ``init`` (a key that is there after all still fails loudly
    on the primary key, it is never overwritten).
    """
    if not rows:
        return
    spec = TABLES[table.name]
    columns = spec.columns
    staged = conn.dialect.name == "postgresql" and len(rows) > STAGE_ABOVE
    if staged and all_new:
        copy_rows(conn, table.name, columns, rows)
        return
    if staged:
        stage = stage_rows(conn, table, columns, rows)
        statement = postgresql.insert(table).from_select(
            columns, sa.select(*[stage.c[c] for c in columns])
        )
    else:
        statement = dialect_insert(conn, table)
    others = [c for c in columns if c not in spec.key]
    if others:
        statement = statement.on_conflict_do_update(
            index_elements=list(spec.key), set_={c: statement.excluded[c] for c in others}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(spec.key))
    if staged:
        conn.execute(statement)
        stage.drop(conn)
        return
    _executemany(conn, statement.compile(dialect=conn.dialect, column_keys=columns), columns, rows)


def delete_keys(
    conn: Connection, table: sa.Table, keys: list[tuple[object, ...]], *, whole: bool
) -> None:
    """Delete the rows with ``keys`` (tuples in key order); ``whole``: every row."""
    if whole:
        conn.execute(table.delete())
        return
    columns = list(TABLES[table.name].key)
    if conn.dialect.name == "postgresql" and len(keys) > STAGE_ABOVE:
        stage = stage_rows(conn, table, columns, keys)
        match = [table.c[c] == stage.c[c] for c in columns]
        conn.execute(table.delete().where(*match))
        stage.drop(conn)
        return
    statement = table.delete().where(*[table.c[c] == sa.bindparam(c) for c in columns])
    _executemany(conn, statement.compile(dialect=conn.dialect), columns, keys)


def _executemany(
    conn: Connection, compiled: sa.engine.Compiled, columns: list[str], rows: list[tuple]
) -> None:
    """One DBAPI ``executemany`` of a compiled statement, rows given as tuples of ``columns``.

    SQLite's paramstyle is positional (``?``, in ``compiled.positiontup`` order);
    psycopg's is named (``%(name)s``), so there the tuples become dicts.
    """
    if compiled.positiontup is not None:
        order = [columns.index(name) for name in compiled.positiontup]
        if order != list(range(len(columns))):
            rows = [tuple(row[i] for i in order) for row in rows]
        conn.exec_driver_sql(str(compiled), rows)
    else:
        conn.exec_driver_sql(str(compiled), [dict(zip(columns, row, strict=True)) for row in rows])


def stage_rows(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: list[tuple[object, ...]]
) -> sa.Table:
    """A PostgreSQL temporary table with ``rows``, filled by ``COPY`` (the fast bulk path)."""
    stage = sa.Table(
        f"cop_stage_{table.name}",
        sa.MetaData(),
        *[sa.Column(c, table.c[c].type) for c in columns],
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    stage.create(conn)
    copy_rows(conn, stage.name, columns, rows)
    return stage


def copy_rows(
    conn: Connection, name: str, columns: Sequence[str], rows: list[tuple[object, ...]]
) -> None:
    """PostgreSQL ``COPY name (columns) FROM STDIN`` of ``rows``, in this transaction."""
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.driver_connection.cursor()
    with cursor, cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def advance_sequence(conn: Connection, name: str, highest: int) -> None:
    """After explicit ids, move the PostgreSQL sequence past them (SQLite's AUTOINCREMENT
    does this itself), so an id the database assigns later is never taken."""
    if conn.dialect.name != "postgresql":
        return
    conn.execute(
        sa.text(
            "SELECT setval(seq, :highest) FROM "
            "(SELECT CAST(pg_get_serial_sequence(:table, 'id') AS regclass) AS seq) AS s "
            "WHERE seq IS NOT NULL AND :highest > COALESCE(pg_sequence_last_value(seq), 0)"
        ),
        {"table": name, "highest": highest},
    )


def insert_fresh(conn: Connection, table: sa.Table, rows: pd.DataFrame) -> list[int]:
    """Insert rows without an id; the database numbers them. Returns the ids in order."""
    if rows.empty:
        return []
    ids = []
    columns = [c for c in TABLES[table.name].columns if c != "id"]
    statement = sa.insert(table).returning(table.c.id)
    for _, values in records(rows[columns]):
        ids.append(int(conn.execute(statement, values).scalar_one()))
    return ids
