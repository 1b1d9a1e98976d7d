"""The change history: who changed which row of which table when, from what to what.

:func:`cop.data.writes.write` calls :func:`record` inside its own transaction, after it has
written the rows and before it commits, so a change and its history row are stored
together or not at all, whatever path wrote them (an import, the table editor, a form, a
self-assessment, the command line, an undo). One row of the ``changes`` table per row
added, changed or removed:

* ``row_key``: the row's key as a JSON list (``[17]``, ``["GM0344", 2024, "policy"]``);
* ``before``/``after``: JSON objects of the non-key columns. An added row has only
  ``after`` (every column), a removed row only ``before`` (every column, so an undo can put
  it back), a changed row only the cells that changed, old and new: an import that changes
  one count in each of a million monitoring rows stores a million small objects
  (``{"count": 12}``), not two million whole rows;
* ``batch_id``, ``at``, ``actor``, ``source``: one write, when (UTC), who, from what;
* ``reverts``: the change an undo reverted (:mod:`cop.data.undo`).

A write also adds one row to ``change_batches``: who, when, from what, the tables and the
municipalities it touched, the counts and the id range of its changes. The Data page lists
these as "imports and edits", and freshness (:mod:`cop.data.freshness`) reads them, without
reading millions of changes.

Why JSON text and not a column per data column: one ``changes`` table serves every table,
today's and the ones added later (issue 13's answers and submissions), without a
migration per table; SQLite and PostgreSQL store and return it alike; and the values are
the plain values the write path already compares (:mod:`cop.data.bulk`), so recording
costs one ``json.dumps`` per row and one bulk insert (``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.core import i18n
from cop.data.bulk import SQLITE_DATETIME, STAGE_ABOVE, copy_rows, select_rows
from cop.data.changes import TableChanges, WriteOutcome
from cop.data.migrations import CHANGE_BATCHES, CHANGES, SQL_TABLES
from cop.data.schema import TABLES

__all__ = [
    "Change",
    "batch_changes",
    "batches",
    "changes",
    "key_text",
    "last_change_id",
    "latest_change",
    "record",
    "record_changes",
]

COLUMNS = (
    "batch_id",
    "at",
    "actor",
    "source",
    "table_name",
    "kind",
    "row_key",
    "before",
    "after",
    "reverts",
)


def key_text(key: Sequence[object]) -> str:
    """A row key as the ``row_key`` text the history stores and is searched by.

    >>> key_text((17,)), key_text(("GM0344", 2024, "policy"))
    ('[17]', '["GM0344",2024,"policy"]')
    """
    return json.dumps(list(key), separators=(",", ":"), ensure_ascii=False)


#: How a binary cell (a photo) is kept in the history's JSON, so that an undo can put the
#: very bytes back: ``{"$base64": "..."}``.
BYTES_TAG = "$base64"


def _bytes_to_json(value: object) -> object:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {BYTES_TAG: base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _json_to_bytes(obj: dict[str, object]) -> object:
    if len(obj) == 1 and BYTES_TAG in obj:
        return base64.b64decode(str(obj[BYTES_TAG]))
    return obj


def loads(text: str) -> object:
    """The history's JSON back as values (binary cells as ``bytes``).

    >>> loads(_encode({"data": b"\\x89PNG", "n": 1}))
    {'data': b'\\x89PNG', 'n': 1}
    """
    return json.loads(text, object_hook=_json_to_bytes)


def _dumps(values: dict[str, object]) -> str:
    return _encode(values)


# ---------------------------------------------------------------- writing

_encode = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False, default=_bytes_to_json
).encode


class _TableShape:
    """Where the key, the municipality and the yes/no columns sit in a row tuple, and the
    fastest way to turn a row into the history's JSON (this runs once per row of a
    million-row import, so it avoids a Python call per cell)."""

    def __init__(self, table: str) -> None:
        spec = TABLES[table]
        self.columns = spec.columns
        key_at = [spec.columns.index(c) for c in spec.key]
        self.other_at = [i for i in range(len(spec.columns)) if i not in key_at]
        self.other_names = [spec.columns[i] for i in self.other_at]
        self._key = itemgetter(*key_at) if len(key_at) > 1 else None
        self._key_at = key_at[0]
        self._others = itemgetter(*self.other_at) if len(self.other_at) > 1 else None
        self.bools = {spec.columns.index(f.name) for f in spec.fields if f.kind == "bool"}
        if table == "municipalities":
            self.town_at: int | None = spec.columns.index("code")
        else:
            towns = [spec.columns.index(f.name) for f in spec.fields if f.municipality]
            self.town_at = towns[0] if towns else None

    def key(self, row: tuple[object, ...]) -> str:
        if self._key is None:
            return _encode([row[self._key_at]])
        return _encode(list(self._key(row)))

    def whole(self, row: tuple[object, ...]) -> str:
        if self._others is None:
            values = [row[i] for i in self.other_at]
        else:
            values = list(self._others(row))
        if self.bools:  # SQLite hands back yes/no as 0/1; the history keeps booleans
            values = [
                bool(v) if i in self.bools and v is not None else v
                for i, v in zip(self.other_at, values, strict=True)
            ]
        return _encode(dict(zip(self.other_names, values, strict=True)))

    def cells(self, row: tuple[object, ...], at: list[int]) -> str:
        bools = self.bools
        return _encode(
            {
                self.columns[i]: bool(row[i]) if i in bools and row[i] is not None else row[i]
                for i in at
            }
        )


def _table_rows(
    changes: TableChanges, head: tuple[object, ...], reverts: Mapping[tuple[str, str], int]
) -> tuple[list[tuple[object, ...]], set[object]]:
    """The ``changes`` rows of one table (inserts, updates, deletes) and the municipality
    codes of the rows they are about."""
    shape = _TableShape(changes.table)
    name = changes.table
    rows: list[tuple[object, ...]] = []
    add = rows.append
    key, whole = shape.key, shape.whole
    for row in changes.inserted_rows:
        add((*head, name, "insert", key(row), None, whole(row), None))
    other_at = shape.other_at
    for old, new in zip(changes.before_rows, changes.after_rows, strict=True):
        at = [i for i in other_at if old[i] != new[i]]
        add((*head, name, "update", key(new), shape.cells(old, at), shape.cells(new, at), None))
    for row in changes.deleted_rows:
        add((*head, name, "delete", key(row), whole(row), None, None))
    if reverts:
        rows = [(*r[:-1], reverts.get((name, r[6]))) for r in rows]
    towns: set[object] = set()
    if shape.town_at is not None:
        at = shape.town_at
        for group in (changes.inserted_rows, changes.after_rows, changes.deleted_rows):
            towns.update(row[at] for row in group)
        towns.discard(None)
    return rows, towns


def record(
    conn: Connection,
    outcome: WriteOutcome,
    *,
    rows: bool = True,
    reverts: Mapping[tuple[str, str], int] | None = None,
    reverts_batch: str | None = None,
) -> int:
    """Store the history of ``outcome`` in the write's transaction; return the rows stored.

    ``rows=False`` stores only the batch (who, when, from what, counts): the first load
    of an empty database, whose every row is "added" and is in the table as it was added.
    ``reverts`` maps ``(table, row_key)`` to the change an undo reverts there;
    ``reverts_batch`` names the batch a whole-batch undo reverts.
    """
    if not any(c.changed for c in outcome.tables.values()):
        return 0
    at = outcome.at.strftime(SQLITE_DATETIME)
    head = (outcome.batch_id, at, outcome.actor, outcome.source)
    stored: list[tuple[object, ...]] = []
    towns: dict[str, list[object]] = {}
    for name, table_changes in outcome.tables.items():
        table_rows, codes = _table_rows(table_changes, head, reverts or {})
        if rows:
            stored.extend(table_rows)
        if codes:
            towns[name] = sorted(codes, key=str)
    first, last = record_changes(conn, stored) if stored else (None, None)
    counts = outcome.counts()
    single = None
    if reverts and not reverts_batch and len(set(reverts.values())) == 1:
        single = next(iter(reverts.values()))
    conn.execute(
        CHANGE_BATCHES.insert().values(
            batch_id=outcome.batch_id,
            at=outcome.at,
            actor=outcome.actor,
            source=outcome.source,
            tables=",".join(name for name, c in outcome.tables.items() if c.changed),
            municipalities=_encode(towns) if towns else None,
            added=counts["added"],
            changed=counts["changed"],
            removed=counts["removed"],
            first_change=first,
            last_change=last,
            reverts_batch=reverts_batch,
            reverts_change=single,
        )
    )
    return len(stored)


def record_changes(conn: Connection, rows: list[tuple[object, ...]]) -> tuple[int, int]:
    """Insert ``changes`` rows (tuples in :data:`COLUMNS` order) in one batch; return the
    first and last id they got.

    SQLite: one ``executemany`` of plain tuples (SQLAlchemy's per-row parameter handling
    would cost more than the rest); the write lock makes the ids one run, ending at
    ``max(id)``. PostgreSQL: the ids are taken from the sequence first (writers of other
    tables may take ids in between), then a big batch goes in by ``COPY``.
    """
    if conn.dialect.name == "sqlite":
        names = ", ".join(COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        conn.exec_driver_sql(f"INSERT INTO changes ({names}) VALUES ({marks})", rows)
        last = int(conn.execute(sa.select(sa.func.max(CHANGES.c.id))).scalar_one())
        return last - len(rows) + 1, last
    ids = list(
        conn.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('changes', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).scalars()
    )
    numbered = [(i, *row) for i, row in zip(ids, rows, strict=True)]
    columns = ("id", *COLUMNS)
    if len(rows) > STAGE_ABOVE:
        copy_rows(conn, CHANGES.name, columns, numbered)
    else:
        names = ", ".join(columns)
        marks = ", ".join(f"%({c})s" for c in columns)
        conn.exec_driver_sql(
            f"INSERT INTO changes ({names}) VALUES ({marks})",
            [dict(zip(columns, row, strict=True)) for row in numbered],
        )
    return min(ids), max(ids)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Change:
    """One stored change, its JSON parsed."""

    id: int
    batch_id: str
    at: dt.datetime
    actor: str
    source: str
    table: str
    kind: str
    key: tuple[object, ...]
    before: dict[str, object] | None
    after: dict[str, object] | None
    reverts: int | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Change:
        before, after = row["before"], row["after"]
        return cls(
            id=int(row["id"]),
            batch_id=str(row["batch_id"]),
            at=_datetime(row["at"]),
            actor=str(row["actor"]),
            source=str(row["source"]),
            table=str(row["table_name"]),
            kind=str(row["kind"]),
            key=tuple(json.loads(str(row["row_key"]))),
            before=None if before is None else loads(str(before)),
            after=None if after is None else loads(str(after)),
            reverts=None if row["reverts"] is None else int(row["reverts"]),
        )

    @property
    def key_values(self) -> dict[str, object]:
        return dict(zip(TABLES[self.table].key, self.key, strict=True))

    def cells(self) -> list[tuple[str, object, object]]:
        """``(column, old, new)`` per column this change touched (key columns left out)."""
        names = list(self.after or self.before or {})
        return [
            (name, (self.before or {}).get(name), (self.after or {}).get(name)) for name in names
        ]


def _datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return pd.Timestamp(str(value)).to_pydatetime()


def _select(where: Iterable[sa.ColumnElement], limit: int | None, *, newest_first: bool = True):
    order = CHANGES.c.id.desc() if newest_first else CHANGES.c.id
    query = sa.select(CHANGES).where(*where).order_by(order)
    return query if limit is None else query.limit(limit)


def changes(
    engine_or_conn: Engine | Connection,
    *,
    table: str | None = None,
    key: Sequence[object] | None = None,
    batch_id: str | None = None,
    limit: int | None = 50,
    newest_first: bool = True,
) -> list[Change]:
    """Stored changes, newest first: all, or of one table, one record or one batch."""
    where: list[sa.ColumnElement] = []
    if table is not None:
        where.append(CHANGES.c.table_name == table)
    if key is not None:
        if table is None:
            raise ValueError("a key needs its table")
        where.append(CHANGES.c.row_key == key_text(key))
    if batch_id is not None:
        found = batch(engine_or_conn, batch_id)
        if found is None or found["first_change"] is None:
            return []
        where += [
            CHANGES.c.id.between(found["first_change"], found["last_change"]),
            CHANGES.c.batch_id == batch_id,
        ]
    query = _select(where, limit, newest_first=newest_first)
    return [Change.from_row(row) for row in _rows(engine_or_conn, query)]


def batch_changes(engine_or_conn: Engine | Connection, batch_id: str) -> list[Change]:
    """Every change of one batch, in the order they were made."""
    return changes(engine_or_conn, batch_id=batch_id, limit=None, newest_first=False)


def change(engine_or_conn: Engine | Connection, change_id: int) -> Change | None:
    found = _rows(engine_or_conn, sa.select(CHANGES).where(CHANGES.c.id == int(change_id)))
    return Change.from_row(found[0]) if found else None


def batches(engine_or_conn: Engine | Connection, *, limit: int = 50) -> pd.DataFrame:
    """The newest writes (one row each): when, who, from what, tables and counts."""
    query = sa.select(CHANGE_BATCHES).order_by(CHANGE_BATCHES.c.at.desc()).limit(limit)
    rows = _rows(engine_or_conn, query)
    columns = [c.name for c in CHANGE_BATCHES.columns]
    return pd.DataFrame([dict(r) for r in rows], columns=columns)


def batch(engine_or_conn: Engine | Connection, batch_id: str) -> dict[str, object] | None:
    query = sa.select(CHANGE_BATCHES).where(CHANGE_BATCHES.c.batch_id == batch_id)
    rows = _rows(engine_or_conn, query)
    return dict(rows[0]) if rows else None


def changed_records(
    engine_or_conn: Engine | Connection, table: str, *, limit: int = 500
) -> list[Change]:
    """The newest change of each record of ``table`` that has a history, newest first (at
    most ``limit`` records): what a "history of one record" picker offers."""
    newest = (
        sa.select(sa.func.max(CHANGES.c.id).label("id"))
        .where(CHANGES.c.table_name == table)
        .group_by(CHANGES.c.row_key)
        .subquery()
    )
    query = (
        sa.select(CHANGES)
        .join(newest, CHANGES.c.id == newest.c.id)
        .order_by(CHANGES.c.id.desc())
        .limit(limit)
    )
    return [Change.from_row(row) for row in _rows(engine_or_conn, query)]


def latest_change(conn: Connection, table: str, key: Sequence[object]) -> Change | None:
    """The newest change of one record (who changed it last, and when)."""
    found = changes(conn, table=table, key=key, limit=1)
    return found[0] if found else None


def last_change_id(conn: Connection) -> int:
    """The id of the newest change (0 when there is none): a mark to compare against."""
    return int(conn.execute(sa.select(sa.func.max(CHANGES.c.id))).scalar() or 0)


LOOKUP_CHUNK = 500


def current_rows(
    engine_or_conn: Engine | Connection, found: Iterable[Change]
) -> dict[tuple[str, str], dict[str, object]]:
    """The rows the changes are about as stored now, ``{(table, row_key): {column: value}}``
    (records removed since are absent): what an undo starts from, and the names a list
    of changes shows next to the keys."""
    if not isinstance(engine_or_conn, Connection):
        with engine_or_conn.connect() as conn:
            return current_rows(conn, found)
    conn = engine_or_conn
    wanted: dict[str, dict[str, tuple[object, ...]]] = {}
    for change in found:
        wanted.setdefault(change.table, {})[key_text(change.key)] = change.key
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for table, by_text in wanted.items():
        spec = TABLES[table]
        sql = SQL_TABLES[table]
        columns = [sql.c[c] for c in spec.key]
        target = columns[0] if len(columns) == 1 else sa.tuple_(*columns)
        keys = list(by_text.values())
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            values = [k[0] for k in chunk] if len(columns) == 1 else [tuple(k) for k in chunk]
            for row in select_rows(conn, table, [target.in_(values)]):
                named = dict(zip(spec.columns, row, strict=True))
                rows[(table, key_text([named[c] for c in spec.key]))] = named
    return rows


def _rows(engine_or_conn: Engine | Connection, query: sa.Select) -> list[Mapping[str, object]]:
    if isinstance(engine_or_conn, Connection):
        return list(engine_or_conn.execute(query).mappings())
    with engine_or_conn.connect() as conn:
        return list(conn.execute(query).mappings())


# ---------------------------------------------------------------- words


def record_label(
    table: str,
    key: Sequence[object],
    values: dict[str, object] | None,
    lang: str | None = None,
) -> str:
    """A record as people recognise it: its table, key and title or name.

    >>> record_label("measures", (17,), {"title": "Geveltuinen"}, "en")
    "Measures (practices) 17 'Geveltuinen'"
    """
    shown = " / ".join(str(part) for part in key)
    name = i18n.label("table", table, lang)
    for column in ("title", "name", "question"):
        if values and values.get(column):
            return f"{name} {shown} '{_short(values[column])}'"
    return f"{name} {shown}"


def describe_cells(
    kind: str, cells: list[tuple[str, object, object]], lang: str | None, limit: int = 4
) -> str:
    """What a change did, in words: "status: planned → realised", "added", "removed"."""
    if kind == "insert":
        return i18n.t("history.kind_insert", lang)
    if kind == "delete":
        return i18n.t("history.kind_delete", lang)
    shown = [f"{name}: {_cell(old)} → {_cell(new)}" for name, old, new in cells[:limit]]
    if len(cells) > limit:
        shown.append(f"(+{len(cells) - limit})")
    return ", ".join(shown)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{_short(value)}'"
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    return json.dumps(value)


def _short(value: object, limit: int = 50) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_batch(batch_id: str) -> str:
    """The first 8 characters of a batch id: what people see and may type."""
    return batch_id[:8]


def changes_frame(
    found: Sequence[Change],
    lang: str | None = None,
    current: Mapping[tuple[str, str], Mapping[str, object]] | None = None,
) -> pd.DataFrame:
    """Changes as a table people read (the Data page, ``python -m cop history``): number,
    time, who, from what, record, what changed, and the batch. ``current``
    (:func:`current_rows`) names records whose change holds no name (an update of a phone
    number)."""
    current = current or {}

    def values(c: Change) -> dict[str, object]:
        now = current.get((c.table, key_text(c.key))) or {}
        return {**(c.before or {}), **now, **(c.after or {})}

    return pd.DataFrame(
        {
            "change": [c.id for c in found],
            "at": [c.at for c in found],
            "actor": [c.actor for c in found],
            "source": [c.source for c in found],
            "record": [record_label(c.table, c.key, values(c), lang) for c in found],
            "what": [describe_cells(c.kind, c.cells(), lang) for c in found],
            "batch": [short_batch(c.batch_id) for c in found],
            "undoes": pd.array([c.reverts for c in found], dtype="Int64"),
        }
    )


def batches_frame(found: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """:func:`batches` as a table people read: batch, time, who, from what, tables, counts
    and what it undid."""
    undoes = [
        short_batch(str(b)) if isinstance(b, str) and b else (str(int(c)) if pd.notna(c) else None)
        for b, c in zip(found["reverts_batch"], found["reverts_change"], strict=True)
    ]
    return pd.DataFrame(
        {
            "batch": [short_batch(str(b)) for b in found["batch_id"]],
            "at": found["at"].to_numpy(),
            "actor": found["actor"].to_numpy(),
            "source": found["source"].to_numpy(),
            "tables": [
                ", ".join(i18n.label("table", t, lang) for t in str(names).split(",") if t)
                for names in found["tables"]
            ],
            "added": found["added"].astype("Int64").to_numpy(),
            "changed": found["changed"].astype("Int64").to_numpy(),
            "removed": found["removed"].astype("Int64").to_numpy(),
            "undoes": undoes,
        }
    )


def batch_labels(found: pd.DataFrame) -> dict[str, str]:
    """Batch id -> "1a96b4b4 · 2026-11-30 15:20 · anna · leden.csv" (a picker's options)."""
    return {
        str(b): f"{short_batch(str(b))} · {pd.Timestamp(at):%Y-%m-%d %H:%M} · {who} · {src}"
        for b, at, who, src in zip(
            found["batch_id"], found["at"], found["actor"], found["source"], strict=True
        )
    }


def record_choices(
    engine_or_conn: Engine | Connection, table: str, lang: str | None, *, limit: int = 500
) -> dict[str, str]:
    """``row_key`` text -> the record as people recognise it, for every record of ``table``
    with a history (newest change first): a "history of one record" picker's options."""
    changed = changed_records(engine_or_conn, table, limit=limit)
    now = current_rows(engine_or_conn, changed)
    choices = {}
    for c in changed:
        text = key_text(c.key)
        values = {**(c.before or {}), **now.get((table, text), {}), **(c.after or {})}
        choices[text] = record_label(table, c.key, values, lang)
    return choices


def resolve_batch(engine_or_conn: Engine | Connection, text: str) -> str | None:
    """The full batch id for ``text``: the id itself or a prefix of it that only one batch
    has (people copy the 8 characters the history shows). ``None`` when none or several."""
    text = text.strip().lower()
    if not text:
        return None
    query = (
        sa.select(CHANGE_BATCHES.c.batch_id)
        .where(CHANGE_BATCHES.c.batch_id.startswith(text, autoescape=True))
        .limit(2)
    )
    if isinstance(engine_or_conn, Connection):
        found = list(engine_or_conn.execute(query).scalars())
    else:
        with engine_or_conn.connect() as conn:
            found = list(conn.execute(query).scalars())
    return found[0] if len(found) == 1 else None
