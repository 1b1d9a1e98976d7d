"""The stored shape of the data: SQL tables and the numbered migrations that build them.

Schema versioning uses a small explicit ``schema_version`` table with ordered, idempotent
migrations (:data:`MIGRATIONS`) instead of Alembic: the app creates and upgrades its own
embedded database at start-up without a separate tool, the few tables are declared once in
:mod:`cop.data.schema`, and a migration is a plain Python function that is tested on both
engines like any other code. Migrations run inside :func:`cop.data.transactions.locked`
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so two processes starting
at once upgrade the database once, and a failing migration leaves it as it was.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.data.schema import TABLES, TableSpec
from cop.data.transactions import SCHEMA_LOCK, locked

METADATA = sa.MetaData()

_SQL_TYPES = {
    "str": sa.Text,
    "int": sa.BigInteger,
    "float": sa.Float,
    "bool": sa.Boolean,
    "date": sa.DateTime,
    "bytes": sa.LargeBinary,  # BLOB on SQLite, BYTEA on PostgreSQL
}

# The id the database assigns: on SQLite an ``INTEGER PRIMARY KEY AUTOINCREMENT`` (the rowid;
# AUTOINCREMENT so that the id of a deleted row is never handed out again, which a change
# history would confuse), on PostgreSQL a ``BIGSERIAL`` (a sequence).
_ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _sql_table(spec: TableSpec) -> sa.Table:
    columns = []
    for f in spec.fields:
        if spec.database_ids and f.name == "id":
            columns.append(sa.Column("id", _ID_TYPE, primary_key=True, autoincrement=True))
            continue
        columns.append(
            sa.Column(
                f.name,
                _SQL_TYPES[f.kind](),
                primary_key=f.name in spec.key,
                nullable=f.nullable or (f.name not in spec.key and not f.required),
            )
        )
    indexes = []
    if "municipality_code" in spec.columns and spec.key != ("municipality_code",):
        indexes.append(sa.Index(f"ix_{spec.name}_municipality", "municipality_code"))
    for f in spec.fields:  # a practice's photos are looked up by the practice
        if f.references and f.name not in spec.key:
            indexes.append(sa.Index(f"ix_{spec.name}_{f.name}", f.name))
    options = {"sqlite_autoincrement": True} if spec.database_ids else {}
    return sa.Table(spec.name, METADATA, *columns, *indexes, **options)


SQL_TABLES: dict[str, sa.Table] = {name: _sql_table(spec) for name, spec in TABLES.items()}
#: ``meta`` key prefix of a table's version: the ``data_version`` of its last change
#: (:func:`cop.data.writes.table_versions`).
TABLE_VERSION_PREFIX = "version:"
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
    # Where notifications for this account go (coordinators: new join requests and
    # submissions; members: answers to their municipality's questions). Migration 25.
    sa.Column("email", sa.String(254)),
)


# The change history (issue 12), written by :mod:`cop.data.history` in the transaction of
# every write. ``changes``: one row per row a write added, changed or removed. ``row_key`` is
# the row's key as a JSON list; ``before``/``after`` are JSON objects of the non-key columns
# (every column of an added or removed row, only the changed cells of a changed row);
# ``reverts`` is the change an undo reverted. The one index serves "the history of this
# record" and "was it changed since"; a batch's rows are found by their id range, which
# ``change_batches`` keeps (no second index to maintain on a million-row import).
CHANGES = sa.Table(
    "changes",
    METADATA,
    sa.Column("id", _ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.String(32), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("table_name", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(6), nullable=False),
    sa.Column("row_key", sa.Text, nullable=False),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("reverts", sa.BigInteger),
    sa.Index("ix_changes_record", "table_name", "row_key", "id"),
    sqlite_autoincrement=True,
)
# One row per write that changed something: who, when, from what, the tables and
# municipalities it touched, how many rows, and the id range of its ``changes``. The Data
# page lists these as "imports and edits", and freshness reads them, without reading the
# (possibly millions of) changes.
CHANGE_BATCHES = sa.Table(
    "change_batches",
    METADATA,
    sa.Column("batch_id", sa.String(32), primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("tables", sa.Text, nullable=False),
    sa.Column("municipalities", sa.Text),
    sa.Column("added", sa.BigInteger, nullable=False),
    sa.Column("changed", sa.BigInteger, nullable=False),
    sa.Column("removed", sa.BigInteger, nullable=False),
    sa.Column("first_change", sa.BigInteger),
    sa.Column("last_change", sa.BigInteger),
    sa.Column("reverts_batch", sa.String(32)),
    sa.Column("reverts_change", sa.BigInteger),
    sa.Index("ix_change_batches_at", "at"),
)


def _create_core_tables(conn: Connection) -> None:
    METADATA.create_all(conn, tables=[*SQL_TABLES.values(), META])


def _create_users(conn: Connection) -> None:
    USERS.create(conn, checkfirst=True)


def _users_email(conn: Connection) -> None:
    """Give accounts an optional e-mail address (idempotent: a fresh ``users`` has it)."""
    if "email" not in {c["name"] for c in sa.inspect(conn).get_columns(USERS.name)}:
        conn.execute(sa.text("ALTER TABLE users ADD COLUMN email VARCHAR(254)"))


def _create_answers(conn: Connection) -> None:
    SQL_TABLES["answers"].create(conn, checkfirst=True)


def _create_join_requests(conn: Connection) -> None:
    SQL_TABLES["join_requests"].create(conn, checkfirst=True)


def _create_resource_usage(conn: Connection) -> None:
    SQL_TABLES["resource_usage"].create(conn, checkfirst=True)


def _create_history(conn: Connection) -> None:
    CHANGES.create(conn, checkfirst=True)
    CHANGE_BATCHES.create(conn, checkfirst=True)


def _ids_from_the_database(conn: Connection) -> None:
    """Let the database number new rows of every table keyed by ``id``.

    Before this, help questions and meetings got ``max(id) + 1`` computed in Python, so two
    posted at once got the same id and one was lost. SQLite tables created with a ``BIGINT``
    key are rebuilt with an ``INTEGER PRIMARY KEY AUTOINCREMENT`` (only that exact type is
    the rowid); on PostgreSQL the key gets a sequence if it has none (tables created by
    migration 1 already have one, ``BIGSERIAL``, but nothing ever advanced it past the ids
    imported explicitly), and the sequence is set to ``max(id)`` so the next assigned id
    is free. Idempotent: an already upgraded table is left alone.
    """
    for name, spec in TABLES.items():
        if not spec.database_ids or not sa.inspect(conn).has_table(name):
            continue
        if conn.dialect.name == "sqlite":
            created = conn.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": name},
            ).scalar_one()
            if "AUTOINCREMENT" not in created.upper():
                _rebuild_sqlite_table(conn, SQL_TABLES[name])
        elif conn.dialect.name == "postgresql":
            sequence = sequence_name(conn, name)
            if sequence is None:
                sequence = f"{name}_id_seq"
                conn.exec_driver_sql(f'CREATE SEQUENCE "{sequence}" OWNED BY "{name}".id')
                conn.exec_driver_sql(
                    f'ALTER TABLE "{name}" ALTER COLUMN id SET DEFAULT nextval(\'"{sequence}"\')'
                )
            highest = conn.execute(sa.select(sa.func.max(SQL_TABLES[name].c.id))).scalar()
            if highest is not None:
                conn.execute(
                    sa.text("SELECT setval(CAST(:sequence AS regclass), :highest)"),
                    {"sequence": sequence, "highest": int(highest)},
                )


def _rebuild_sqlite_table(conn: Connection, table: sa.Table) -> None:
    """Recreate ``table`` in its declared shape and copy every row (SQLite cannot alter a key)."""
    old = f"{table.name}_before_v4"
    conn.exec_driver_sql(f'ALTER TABLE "{table.name}" RENAME TO "{old}"')
    for index in table.indexes:
        conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{index.name}"')
    table.create(conn)
    # Only the columns the old table has: later migrations add the others.
    existing = {c["name"] for c in sa.inspect(conn).get_columns(old)}
    columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name in existing)
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{old}"')
    conn.exec_driver_sql(f'DROP TABLE "{old}"')


#: Columns issue 13 added to ``measures``: funding and the review of shared practices.
MEASURE_COLUMNS_V20: tuple[str, ...] = (
    "funding",
    "review_state",
    "submitted_by",
    "submitted_at",
    "review_message",
)


def _measure_review_columns(conn: Connection) -> None:
    """Add funding and the review columns to ``measures``; every stored practice is published.

    Idempotent: a column that is there (a database created after this change gets them
    from migration 1) is left alone.
    """
    table = SQL_TABLES["measures"]
    present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
    for name in MEASURE_COLUMNS_V20:
        if name in present:
            continue
        sql_type = table.c[name].type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{name}" {sql_type}')
    conn.execute(
        table.update().where(table.c.review_state.is_(None)).values(review_state="published")
    )


def _create_photos(conn: Connection) -> None:
    SQL_TABLES["photos"].create(conn, checkfirst=True)


#: ``meta`` key of a random secret per database: results kept on disk across a restart
#: are signed with it (:class:`cop.data.caches.ResultStore`), so a file someone else
#: wrote is never read.
DATABASE_KEY = "database_key"
#: ``meta`` key of a random token every write renews: results kept on disk are named with
#: it, so they are found only for the very data they came from, even when a database
#: file is replaced by an older copy whose counters then run on with other data.
DATA_TOKEN = "data_token"


def new_database_key() -> str:
    return secrets.token_hex(32)


def new_data_token() -> str:
    return secrets.token_hex(16)


def _database_key(conn: Connection) -> None:
    """The database's secret and data token, and a version stamp on every table: the
    tables hold the data of the current ``data_version``, so caches of a database from
    before stamps survive a write to another table from now on."""
    version = conn.execute(sa.select(META.c.value).where(META.c.key == "data_version")).scalar()
    token = new_data_token()
    wanted = {DATABASE_KEY: new_database_key(), DATA_TOKEN: token}
    wanted |= {TABLE_VERSION_PREFIX + name: f"{version or 0}:{token}" for name in TABLES}
    present = set(conn.execute(sa.select(META.c.key)).scalars())
    for key, value in wanted.items():
        if key not in present:
            conn.execute(META.insert().values(key=key, value=value))


def sequence_name(conn: Connection, table: str) -> str | None:
    """The PostgreSQL sequence that numbers ``table.id``, or ``None``."""
    return conn.execute(
        sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
    ).scalar()


# (version, description, function). Append only; never edit a released migration.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "core tables of the CoP data model", _create_core_tables),
    (2, "users: sign-in accounts with hashed passwords and lockout state", _create_users),
    (3, "resource_usage: which practices used which toolbox resource", _create_resource_usage),
    (
        4,
        "ids assigned by the database (autoincrement key, sequences set past max id)",
        _ids_from_the_database,
    ),
    # 5-9 are left free; 10-19 history (issue 12), 20-29 issue 13.
    (10, "changes and change_batches: the history of every write (undo)", _create_history),
    (20, "measures: funding and the review of shared practices", _measure_review_columns),
    (21, "photos: pictures of practices, stored in the database", _create_photos),
    (25, "users.email: where an account's notifications go", _users_email),
    (26, "answers: answers to help questions, by a municipality or an expert", _create_answers),
    (27, "join_requests: requests to join the CoP (personal data)", _create_join_requests),
    # 30-39: issue 15
    (
        30,
        "meta: database_key and data_token (results kept on disk), a version per table",
        _database_key,
    ),
]


def _applied(conn: Connection) -> set[int]:
    if not sa.inspect(conn).has_table(SCHEMA_VERSION.name):
        return set()
    return {row[0] for row in conn.execute(sa.select(SCHEMA_VERSION.c.version))}


def migrate(engine: Engine) -> int:
    """Apply the migrations not yet applied; return the schema version afterwards.

    An up-to-date database is only read (no write lock, so starting a page or a command
    never waits for a long import); otherwise the upgrade runs in one locked transaction
    that looks again at what is applied, because another process may just have done it.
    """
    with engine.connect() as conn:
        pending = [m for m in MIGRATIONS if m[0] not in _applied(conn)]
    if pending:
        with locked(engine, exclusive=[SCHEMA_LOCK]) as conn:
            SCHEMA_VERSION.create(conn, checkfirst=True)
            done = _applied(conn)
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
        if not sa.inspect(conn).has_table(SCHEMA_VERSION.name):
            return 0
        return int(conn.execute(sa.select(sa.func.max(SCHEMA_VERSION.c.version))).scalar() or 0)
