"""Database access: SQLite by default, PostgreSQL through ``DATABASE_URL``; same code.

Schema versioning uses a small explicit ``schema_version`` table with ordered, idempotent
migrations (:data:`MIGRATIONS`) instead of Alembic: the app creates and upgrades its own
embedded database at start-up without a separate tool, the few tables are declared once in
:mod:`cop.data.schema`, and a migration is a plain Python function that is tested on both
engines like any other code.

Every write happens in one transaction after validation, so a bad file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.core.config import SHIPPED_DATA_DIR, get_settings
from cop.data.schema import (
    TABLE_ORDER,
    TABLES,
    TableSpec,
    coerce_types,
    referenced_tables,
    referencing_fields,
)
from cop.data.validation import Issue, ValidationReport, validate_file, validate_frame

METADATA = sa.MetaData()
INSERT_CHUNK = 20_000

_SQL_TYPES = {
    "str": sa.Text,
    "int": sa.BigInteger,
    "float": sa.Float,
    "bool": sa.Boolean,
    "date": sa.DateTime,
}


def _sql_table(spec: TableSpec) -> sa.Table:
    columns = [
        sa.Column(
            f.name,
            _SQL_TYPES[f.kind](),
            primary_key=f.name in spec.key,
            nullable=f.nullable or (f.name not in spec.key and not f.required),
        )
        for f in spec.fields
    ]
    indexes = []
    if "municipality_code" in spec.columns and spec.key != ("municipality_code",):
        indexes.append(sa.Index(f"ix_{spec.name}_municipality", "municipality_code"))
    return sa.Table(spec.name, METADATA, *columns, *indexes)


SQL_TABLES: dict[str, sa.Table] = {name: _sql_table(spec) for name, spec in TABLES.items()}
META = sa.Table(
    "meta", METADATA, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text)
)
SCHEMA_VERSION = sa.Table(
    "schema_version",
    METADATA,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.Text),
    sa.Column("applied_at", sa.DateTime),
)


def _create_core_tables(conn: Connection) -> None:
    METADATA.create_all(conn, tables=[*SQL_TABLES.values(), META])


# Sign-in accounts (cop.access.accounts). Not a data table: never imported, exported or shown.
USERS = sa.Table(
    "users",
    METADATA,
    sa.Column("username", sa.String(120), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("municipality_code", sa.String(6)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_failed_at", sa.DateTime),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("last_sign_in_at", sa.DateTime),
)


def _create_users(conn: Connection) -> None:
    USERS.create(conn, checkfirst=True)


def _create_resource_usage(conn: Connection) -> None:
    SQL_TABLES["resource_usage"].create(conn, checkfirst=True)


# (version, description, function). Append only; never edit a released migration.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "core tables of the CoP data model", _create_core_tables),
    (2, "users: sign-in accounts with hashed passwords and lockout state", _create_users),
    (3, "resource_usage: which practices used which toolbox resource", _create_resource_usage),
]


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default from settings); creates the SQLite folder if needed."""
    url = url or get_settings().database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))


def migrate(engine: Engine) -> int:
    """Apply the migrations not yet applied; return the schema version afterwards."""
    with engine.begin() as conn:
        SCHEMA_VERSION.create(conn, checkfirst=True)
        done = {row[0] for row in conn.execute(sa.select(SCHEMA_VERSION.c.version))}
        for version, description, apply in MIGRATIONS:
            if version in done:
                continue
            apply(conn)
            conn.execute(
                SCHEMA_VERSION.insert().values(
                    version=version, description=description, applied_at=dt.datetime.now()
                )
            )
    return current_version(engine)


def current_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(SCHEMA_VERSION.c.version))).scalar() or 0)


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(SQL_TABLES["municipalities"]))
        return not count.scalar()


def init_db(engine: Engine, seed_dir: Path | None = None, *, reload: bool = False) -> bool:
    """Create/upgrade the schema and, when empty (or ``reload``), fill it from CSV files.

    Returns ``True`` when data was loaded. The seed files are validated like any import;
    a broken seed raises :class:`ImportFailed` and leaves the database untouched.
    """
    migrate(engine)
    if not reload and not is_empty(engine):
        return False
    seed_dir = Path(seed_dir or get_settings().seed_dir)
    frames: dict[str, pd.DataFrame] = {}
    known: set[str] | None = None
    for table in TABLE_ORDER:
        path = seed_dir / f"{table}.csv"
        if not path.exists():
            continue
        ids = {ref: _frame_ids(frames.get(ref)) for ref in referenced_tables(table)}
        report = validate_file(path, table, known_codes=known, known_ids=ids or None)
        if not report.ok:
            raise ImportFailed(report)
        frames[table] = report.frame
        if table == "municipalities":
            known = set(report.frame["code"])
    demo = seed_dir.resolve() == SHIPPED_DATA_DIR.resolve() or (seed_dir / "DEMO").exists()
    with engine.begin() as conn:
        for table in reversed(TABLE_ORDER):
            conn.execute(SQL_TABLES[table].delete())
        for table, frame in frames.items():
            _insert(conn, table, frame)
        _set_meta(conn, "demo_tables", json.dumps(sorted(frames) if demo else []))
        _bump_version(conn)
    return True


class ImportFailed(RuntimeError):
    """A file did not validate; ``report`` says where and why."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.summary("en") + "\n" + "\n".join(report.messages("en", 20)))
        self.report = report


def _insert(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    spec = TABLES[table]
    data = frame[spec.columns]
    records = data.astype(object).where(data.notna(), None)
    for column, kind in ((f.name, f.kind) for f in spec.fields):
        if kind == "date":
            records[column] = [
                None if v is None else pd.Timestamp(v).to_pydatetime() for v in records[column]
            ]
    rows = records.to_dict("records")
    for start in range(0, len(rows), INSERT_CHUNK):
        conn.execute(SQL_TABLES[table].insert(), rows[start : start + INSERT_CHUNK])


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


def import_frame_report(
    engine: Engine, table: str, report: ValidationReport, *, replace: bool = False
) -> ValidationReport:
    """Store a validated frame: ``replace`` swaps the table, otherwise rows are upserted.

    The combined table is validated again (uniqueness, references) before anything is
    written, and everything happens in a single transaction.
    """
    if not report.ok or report.frame is None:
        return report
    incoming = report.frame
    codes = known_codes(engine) if table != "municipalities" else None
    ids = known_ids(engine, referenced_tables(table))
    if replace:
        combined = incoming
    else:
        existing = read_table(engine, table)
        key = list(TABLES[table].key)
        combined = pd.concat([existing, incoming], ignore_index=True)
        combined = combined.drop_duplicates(subset=key, keep="last").reset_index(drop=True)
    if not replace or ids:
        check = validate_frame(
            combined, table, known_codes=codes, source=report.source, known_ids=ids or None
        )
        if not check.ok:
            return ValidationReport(table, report.source, check.issues)
    if table == "municipalities":
        problems = _removed_codes_in_use(engine, set(combined["code"]))
        if problems:
            return ValidationReport(table, report.source, problems)
    with engine.begin() as conn:
        conn.execute(SQL_TABLES[table].delete())
        _insert(conn, table, combined)
        _drop_dangling_links(conn, table)
        if replace:
            demo = set(_demo_tables(conn)) - {table}
            _set_meta(conn, "demo_tables", json.dumps(sorted(demo)))
        _bump_version(conn)
    report.frame = incoming
    return report


def known_ids(engine: Engine, tables: Iterable[str]) -> dict[str, set[int]]:
    """The ids stored in each of ``tables`` (for columns declared with ``references``)."""
    found: dict[str, set[int]] = {}
    with engine.connect() as conn:
        for name in tables:
            column = SQL_TABLES[name].c.id
            found[name] = {int(v) for v in conn.execute(sa.select(column)).scalars()}
    return found


def _frame_ids(frame: pd.DataFrame | None) -> set[int]:
    return set() if frame is None else {int(v) for v in frame["id"].dropna()}


def _drop_dangling_links(conn: Connection, table: str) -> None:
    """Delete link rows (``resource_usage``) that point to ids ``table`` no longer has.

    A link table only says "this practice used that resource"; when a coordinator removes
    the resource or the practice, the link has nothing left to say, so it goes with it
    (as ``ON DELETE CASCADE`` would) instead of blocking the edit.
    """
    target = SQL_TABLES[table]
    for link_table, column in referencing_fields(table):
        link = SQL_TABLES[link_table]
        still_there = sa.exists().where(target.c.id == link.c[column])
        conn.execute(link.delete().where(~still_there))


def import_file(
    engine: Engine,
    table: str,
    source: str | Path | bytes,
    *,
    replace: bool = False,
    filename: str | None = None,
) -> ValidationReport:
    """Validate and, only when the whole file is valid, store it."""
    codes = known_codes(engine) if table != "municipalities" else None
    ids = known_ids(engine, referenced_tables(table))
    report = validate_file(
        source, table, known_codes=codes, filename=filename, known_ids=ids or None
    )
    return import_frame_report(engine, table, report, replace=replace)


def _removed_codes_in_use(engine: Engine, remaining: set[str]) -> list[Issue]:
    issues = []
    with engine.connect() as conn:
        for table, sql_table in SQL_TABLES.items():
            for column in ("municipality_code", "host_code"):
                if column not in sql_table.c:
                    continue
                used = set(conn.execute(sa.select(sql_table.c[column]).distinct()).scalars())
                for code in sorted(used - remaining - {None}):
                    issues.append(
                        Issue(None, "code", "err.referenced", params={"code": code, "table": table})
                    )
    return issues


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(META.delete().where(META.c.key == key))
    conn.execute(META.insert().values(key=key, value=value))


def _get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(META.c.value).where(META.c.key == key)).scalar()


def _bump_version(conn: Connection) -> None:
    version = int(_get_meta(conn, "data_version") or 0) + 1
    _set_meta(conn, "data_version", str(version))


def _demo_tables(conn: Connection) -> list[str]:
    return json.loads(_get_meta(conn, "demo_tables") or "[]")


def data_version(engine: Engine) -> int:
    """A counter that changes on every write; caches key on it."""
    with engine.connect() as conn:
        return int(_get_meta(conn, "data_version") or 0)


def demo_tables(engine: Engine) -> list[str]:
    """Tables still holding illustrative demo data (the notice shows while any do)."""
    with engine.connect() as conn:
        return _demo_tables(conn)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
            for name, t in SQL_TABLES.items()
        }
