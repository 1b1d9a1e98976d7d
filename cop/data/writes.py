"""The one write path: imports, table edits and forms store only the rows they change.

Every write of data (``import``, ``init``, the Data page's upload and table editor, a help
question, a meeting record, a self-assessment, toolbox links) goes through :func:`write`.
Inside one :func:`cop.data.transactions.locked` transaction it

1. reads the stored rows it compares against (and holds the lock that keeps them so);
2. works out per row whether it is an *insert*, an *update* (with the old values, read in
   this transaction), a *delete* or *unchanged*;
3. writes only inserts and updates, with the database's own conflict handling
   (``INSERT ... ON CONFLICT (key) DO UPDATE``, batched as :mod:`cop.data.bulk` explains),
   and deletes only the rows ``--replace`` leaves out or an editor removed;
4. lets the database number rows that come without an ``id`` and returns those ids;
5. removes link rows (``resource_usage``) that point to removed ids, as
   ``ON DELETE CASCADE`` would;
6. checks references against the state *inside* the transaction (municipality codes and ids
   a row points to; a municipality still used elsewhere is not removed);
7. records every row it added, changed or removed in the ``changes`` table
   (:func:`cop.data.history.record`), in the same transaction, so no change is ever
   stored without its history (who, when, table, key, before and after, batch);
8. bumps ``data_version`` with one atomic upsert, never a read-then-write, and stamps each
   changed table with that new version (``version:<table>``), so a cache of a table the
   write did not touch stays valid: a posted answer does not recompute a million-row
   monitoring table's trends.

A refused or dry-run write is rolled back: nothing changes. The result, a
:class:`WriteOutcome`, names the ``actor`` and ``source`` and carries a ``batch_id`` and the
per-row changes per table (:class:`TableChanges`: rows added, old and new values of changed
rows, rows removed). That is what a change history needs (who, when, which table and key,
before/after, which batch) and what an import preview shows; ``dry_run=True`` computes it
without storing anything. A ``precondition`` runs first inside the transaction and may call
the write off (an optimistic "nobody changed this since I loaded it" check fits there).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.core import i18n, vocab
from cop.core.config import SHIPPED_DATA_DIR, get_settings
from cop.data import history, locking, names
from cop.data.bulk import (
    advance_sequence,
    db_columns,
    db_rows,
    delete_keys,
    dialect_insert,
    insert_fresh,
    key_of,
    select_rows,
    upsert,
)
from cop.data.changes import RowChange, TableChanges, WriteOutcome, plain, row_number
from cop.data.migrations import (
    DATA_TOKEN,
    META,
    SQL_TABLES,
    TABLE_VERSION_PREFIX,
    migrate,
    new_data_token,
)
from cop.data.schema import (
    TABLE_ORDER,
    TABLES,
    TableSpec,
    coerce_types,
    empty_frame,
    referenced_tables,
    referencing_fields,
)
from cop.data.transactions import locked
from cop.data.validation import Issue, ValidationReport, validate_file

__all__ = [
    "ImportFailed",
    "RowChange",
    "TableChanges",
    "TableWrite",
    "WriteOutcome",
    "WriteReport",
    "import_file",
    "import_frame_report",
    "init_db",
    "store",
    "write",
]

Mode = Literal["upsert", "replace"]

# A write naming up to this many keys looks them up (in chunks); a bigger one reads the
# whole table, which is cheaper than thousands of lookups.
LOOKUP_LIMIT = 5_000
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class TableWrite:
    """What to do with one table.

    ``frame`` holds typed, validated rows (as :func:`cop.data.validation.validate_frame`
    returns them); its index is the row number that reports name. Rows of a table keyed
    by ``id`` whose ``id`` is empty (or absent) get one from the database.

    ``mode="upsert"`` adds and updates rows by key; ``"replace"`` also removes the stored
    rows that the frame leaves out, within ``scope`` when given (``{"resource_id": 3}``:
    only that resource's links). ``delete`` names keys to remove (a table editor's removed
    rows). ``demo`` marks the table as demo data (``True``) or real data (``False``);
    ``None`` leaves the flag alone, except that replacing a whole table makes it real data.

    ``expected`` (optimistic locking, :mod:`cop.data.locking`) holds the rows as the editor
    loaded them: every row the write changes or removes must still be stored exactly so,
    and a key it adds must still be free; otherwise nothing is written and
    ``outcome.conflicts`` names the rows.
    """

    table: str
    frame: pd.DataFrame
    mode: Mode = "upsert"
    scope: Mapping[str, object] | None = None
    delete: pd.DataFrame | None = None
    demo: bool | None = None
    expected: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.table not in TABLES:
            raise ValueError(f"unknown table {self.table!r}")
        if self.mode not in ("upsert", "replace"):
            raise ValueError(f"mode must be 'upsert' or 'replace', not {self.mode!r}")
        if self.scope and self.mode != "replace":
            raise ValueError("a scope only makes sense with mode='replace'")


@dataclass
class WriteReport(ValidationReport):
    """A validation report of rows that were stored, with what storing them changed."""

    outcome: WriteOutcome | None = None

    def summary(self, lang: str | None = None) -> str:
        text = super().summary(lang)
        if self.ok and self.outcome is not None and self.outcome.applied:
            text += " " + i18n.t("err.stored", lang, **self.outcome.counts())
        return text


class ImportFailed(RuntimeError):
    """A file did not validate; ``report`` says where and why."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.summary("en") + "\n" + "\n".join(report.messages("en", 20)))
        self.report = report


# ---------------------------------------------------------------- the entry point


def write(
    engine: Engine,
    writes: Sequence[TableWrite],
    *,
    actor: str,
    source: str,
    batch_id: str | None = None,
    dry_run: bool = False,
    precondition: Callable[[Connection], bool] | None = None,
    reverts: Mapping[tuple[str, str], int] | None = None,
    reverts_batch: str | None = None,
    history_rows: bool = True,
) -> WriteOutcome:
    """Apply ``writes`` in one locked transaction; see the module docstring for the steps.

    ``actor`` is who writes (a username, ``"cli:<os user>"`` or ``"system"``), ``source``
    what (a file name, ``"help_question"``, ``"editor"``). When the references of the
    written rows do not hold, ``outcome.issues`` says why and nothing is stored;
    ``dry_run`` always rolls back. When ``precondition(conn)`` is false, nothing is written
    and ``outcome.applied`` is false. ``reverts`` and ``reverts_batch`` are for an undo
    (:mod:`cop.data.undo`): the change reverted per ``(table, row_key)``, the batch
    reverted as a whole. ``history_rows=False`` records the write as one batch without
    its rows (the first load of an empty database, see :func:`init_db`).

    Examples
    --------
    A new help question (a one-row frame without ``id``)::

        outcome = write(engine, [TableWrite("help_questions", frame)],
                        actor="anna", source="help_question")
        outcome.tables["help_questions"].assigned_ids.tolist()  # [46], from the database
        [c.kind for c in outcome.rows()]  # ["insert"]
    """
    tables = [w.table for w in writes]
    if len(set(tables)) != len(tables):
        raise ValueError("one TableWrite per table")
    writes = sorted(writes, key=lambda w: TABLE_ORDER.index(w.table))
    outcome = WriteOutcome(actor, source, batch_id or uuid.uuid4().hex, dry_run=dry_run)
    exclusive, shared = _locks(writes)
    prepared = [_prepare(item) for item in writes]  # the work that needs no lock
    with locked(engine, exclusive=exclusive, shared=shared) as conn:
        outcome.at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if precondition is not None and not precondition(conn):
            conn.rollback()
            return outcome
        for ready in prepared:
            outcome.tables[ready.item.table], issues, conflicts = _apply(conn, ready)
            if conflicts:  # someone changed these rows since they were loaded
                outcome.conflicts += conflicts
                conn.rollback()
                return outcome
            outcome.issues += issues
            _drop_dangling_links(conn, ready.item.table, outcome)
        towns = outcome.tables.get("municipalities")
        if towns is not None and towns.deleted_rows:
            outcome.issues += _codes_still_used(conn)
        if outcome.issues or dry_run:
            conn.rollback()
            return outcome
        flags_changed = _update_demo_flags(conn, writes)
        history.record(
            conn, outcome, rows=history_rows, reverts=reverts, reverts_batch=reverts_batch
        )
        changed = [name for name, c in outcome.tables.items() if c.changed]
        if flags_changed or changed:
            _bump_version(conn, [*changed, *(w.table for w in writes if flags_changed)])
        outcome.applied = True
    return outcome


def store(
    engine: Engine,
    report: ValidationReport,
    *,
    actor: str,
    mode: Mode = "upsert",
    scope: Mapping[str, object] | None = None,
    delete: pd.DataFrame | None = None,
    demo: bool | None = None,
    dry_run: bool = False,
    expected: pd.DataFrame | None = None,
) -> ValidationReport:
    """Store the rows of a clean validation report; return the report of what happened.

    A report with problems is returned as it is. A refusal inside the transaction (a code
    removed meanwhile) comes back as a report with those issues and nothing stored.
    Otherwise the result is a :class:`WriteReport` whose ``frame`` has the ids the database
    assigned and whose ``outcome`` has the per-row changes. With ``expected`` (the rows as
    an editor loaded them) a row changed meanwhile refuses the save: the result is then a
    :class:`cop.data.locking.ConflictReport` with the newer values.
    """
    if not report.ok or report.frame is None:
        return report
    item = TableWrite(report.table, report.frame, mode, scope, delete, demo, expected)
    outcome = write(engine, [item], actor=actor, source=report.source, dry_run=dry_run)
    if outcome.conflicts:
        return locking.conflict_report(report.table, report.source, outcome.conflicts)
    if not outcome.ok:
        return ValidationReport(report.table, report.source, outcome.issues)
    frame = coerce_types(report.frame, report.table)
    assigned = outcome.tables[report.table].assigned_ids
    if len(assigned):
        frame.loc[assigned.index, "id"] = assigned.to_numpy()
    return WriteReport(
        report.table, report.source, [], frame=frame, raw=report.raw, outcome=outcome
    )


def import_frame_report(
    engine: Engine,
    table: str,
    report: ValidationReport,
    *,
    replace: bool = False,
    actor: str = "cli",
) -> ValidationReport:
    """Store a validated frame: ``replace`` removes the rows it leaves out, else upsert."""
    if report.table != table:
        raise ValueError(f"a report of {report.table!r} cannot be stored in {table!r}")
    return store(engine, report, actor=actor, mode="replace" if replace else "upsert")


def import_file(
    engine: Engine,
    table: str,
    source: str | Path | bytes,
    *,
    replace: bool = False,
    filename: str | None = None,
    actor: str = "cli",
    dry_run: bool = False,
) -> ValidationReport:
    """Validate and, only when the whole file is valid, store it.

    A municipality-code column may name municipalities ("Den Haag"): each name that fits
    exactly one is stored as its code (:mod:`cop.data.names`), and ``report.resolved``
    lists them. ``dry_run`` works out everything the import would change (the report's
    ``outcome``, see :mod:`cop.data.preview`) and stores nothing.
    """
    towns = None
    with engine.connect() as conn:
        codes = _codes(conn) if table != "municipalities" else None
        ids = {name: _ids(conn, name) for name in referenced_tables(table)}
        if table != "municipalities":
            municipalities = SQL_TABLES["municipalities"]
            query = sa.select(municipalities.c.code, municipalities.c.name)
            towns = names.name_index((str(c), str(n)) for c, n in conn.execute(query))
    report = validate_file(
        source,
        table,
        known_codes=codes,
        filename=filename,
        known_ids=ids or None,
        town_names=towns,
    )
    stored = store(
        engine, report, actor=actor, mode="replace" if replace else "upsert", dry_run=dry_run
    )
    stored.resolved = report.resolved
    return stored


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return _is_empty(conn)


def init_db(engine: Engine, seed_dir: Path | None = None, *, reload: bool = False) -> bool:
    """Create/upgrade the schema and, when empty (or ``reload``), fill it from CSV files.

    Returns ``True`` when data was loaded. The seed files are validated like any import;
    a broken seed raises :class:`ImportFailed` and leaves the database untouched. Every
    table is replaced in one transaction (tables without a seed file end up empty); when
    another process filled the database meanwhile, nothing is loaded.

    The first load of an empty database is recorded in the history as one batch (who,
    when, which seed, how many rows) without a row per added row: there is no "before",
    the "after" is the table itself, and a million history rows would double the time of
    ``init`` for nothing an undo could use. A ``reload`` replaces data that is there, so
    its every row is recorded and the reload can be undone.
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
    writes = [
        TableWrite(
            table,
            frames.get(table, empty_frame(table)),
            mode="replace",
            demo=demo and table in frames,
        )
        for table in TABLE_ORDER
    ]
    outcome = write(
        engine,
        writes,
        actor="system",
        source=f"init:{seed_dir.name}",
        precondition=None if reload else _is_empty,
        history_rows=reload,
    )
    if not outcome.ok:
        raise ImportFailed(ValidationReport("municipalities", str(seed_dir), outcome.issues))
    return outcome.applied


def _frame_ids(frame: pd.DataFrame | None) -> set[int]:
    return set() if frame is None else {int(v) for v in frame["id"].dropna()}


# ---------------------------------------------------------------- one table


def _locks(writes: Sequence[TableWrite]) -> tuple[set[str], set[str]]:
    """Exclusive: the tables written (and link tables a removal cleans up); shared: the
    tables whose codes or ids the written rows point to."""
    exclusive: set[str] = set()
    shared: set[str] = set()
    for item in writes:
        exclusive.add(item.table)
        if any(f.municipality for f in TABLES[item.table].fields):
            shared.add("municipalities")
        shared.update(referenced_tables(item.table))
        if item.mode == "replace" or item.delete is not None:
            exclusive.update(link for link, _ in referencing_fields(item.table))
    return exclusive, shared - exclusive


@dataclass
class _Prepared:
    """A :class:`TableWrite` made ready outside the lock: typed, as tuples, keyed."""

    item: TableWrite
    explicit: pd.DataFrame  # rows with a key
    fresh: pd.DataFrame  # rows the database numbers
    rows: list[tuple[object, ...]]  # ``explicit`` as tuples in column order
    keys: list[tuple[object, ...]]
    removals: list[tuple[object, ...]]
    kept: list[int]  # positions of review columns the frame leaves out: stored values stay
    expected: dict[tuple[object, ...], tuple[object, ...]] | None = None


def _prepare(item: TableWrite) -> _Prepared:
    spec = TABLES[item.table]
    if not item.frame.index.is_unique:
        raise ValueError(f"{item.table}: the row numbers (index) must be unique")
    incoming = coerce_types(item.frame, item.table)
    _check_scope(item, incoming)
    fresh = incoming["id"].isna().to_numpy() if spec.database_ids else np.zeros(len(incoming), bool)
    explicit = incoming[~fresh]
    columns = db_columns(explicit, spec.columns)
    rows = list(zip(*columns, strict=True))
    keys = list(zip(*[columns[spec.columns.index(c)] for c in spec.key], strict=True))
    if len(set(keys)) != len(keys):
        raise ValueError(f"{item.table}: duplicate keys in one write")
    expected = None if item.expected is None else locking.expected_rows(item.table, item.expected)
    kept = [spec.columns.index(c) for c in sorted(spec.internal) if c not in item.frame.columns]
    return _Prepared(
        item, explicit, incoming[fresh], rows, keys, _removal_keys(item), kept, expected
    )


def _apply(
    conn: Connection, prepared: _Prepared
) -> tuple[TableChanges, list[Issue], list[locking.Conflict]]:
    """Write one table: only the rows that differ from what is stored; see :func:`write`.

    Rows are compared as the plain tuples the database gets and gives back (``None`` for
    an empty cell, dates as text), keyed by the table key in a dict: cheap for a one-row
    form and linear for a million-row import, in one code path. Returns the changes and
    the references of the written rows that do not hold now.
    """
    item, rows, keys = prepared.item, prepared.rows, prepared.keys
    spec = TABLES[item.table]
    key = key_of(item.table)
    stored = _stored_rows(conn, item, keys + prepared.removals)
    stored_at = dict(zip(map(key, stored), range(len(stored)), strict=True))
    if prepared.kept and stored:
        rows = _keep_review_columns(prepared, stored, stored_at)
    new, changed, changed_from, unchanged = [], [], [], 0
    if not stored:  # an empty table (or scope): everything is new, nothing to compare
        new = list(range(len(rows)))
    for n, (row_key, row) in enumerate(zip(keys, rows, strict=True) if stored else ()):
        m = stored_at.get(row_key)
        if m is None:
            new.append(n)
        elif row != stored[m]:
            changed.append(n)
            changed_from.append(m)
        else:
            unchanged += 1
    gone = set(prepared.removals) & stored_at.keys()
    if item.mode == "replace":
        gone |= _not_under_review(spec, stored_at.keys() - set(keys), stored, stored_at)
    removed = [stored[stored_at[k]] for k in stored_at if k in gone] if gone else []
    if prepared.expected is not None:
        numbers = prepared.explicit.index
        touched = [(keys[n], None, row_number(numbers[n])) for n in new]
        touched += [
            (keys[n], stored[m], row_number(numbers[n]))
            for n, m in zip(changed, changed_from, strict=True)
        ]
        touched += [(key(row), row, None) for row in removed]
        conflicts = locking.conflicts(conn, item.table, prepared.expected, touched)
        if conflicts:
            return TableChanges.empty(item.table), [], conflicts

    table = SQL_TABLES[item.table]
    if removed:
        whole = item.mode == "replace" and not item.scope and len(removed) == len(stored)
        delete_keys(conn, table, [key(row) for row in removed], whole=whole)
    all_new = not changed and not item.scope  # none of these keys is stored (we hold the lock)
    upsert(conn, table, [rows[n] for n in new + changed], all_new=all_new)
    if spec.database_ids and (new or changed):
        advance_sequence(conn, item.table, max(keys[n][0] for n in new + changed))
    fresh = prepared.fresh
    assigned = pd.Series(insert_fresh(conn, table, fresh), index=fresh.index, dtype="Int64")
    numbered_rows = db_rows(fresh.assign(id=assigned), spec.columns) if len(fresh) else []
    changes = TableChanges(
        item.table,
        prepared.explicit,
        inserted_at=new,
        changed_at=changed,
        before_rows=[stored[m] for m in changed_from],
        deleted_rows=removed,
        numbered=fresh.assign(id=assigned) if len(fresh) else None,
        unchanged=unchanged,
        assigned_ids=assigned,
        inserted_rows=[rows[n] for n in new] + numbered_rows,
        after_rows=[rows[n] for n in changed],
    )
    return changes, _reference_issues(conn, prepared, new + changed), []


def _keep_review_columns(
    prepared: _Prepared, stored: list[tuple[object, ...]], stored_at: dict[tuple, int]
) -> list[tuple[object, ...]]:
    """Rows with the stored review columns where the frame has none (a practice's review
    state, submitter and message are never reset by a file or form that does not name them).

    A download of the published view has no review columns; imported again, it must leave
    a practice's review as it is, and a row that did not change stays unchanged. The typed
    frame gets the kept values too, so the outcome shows what is stored.
    """
    rows = list(prepared.rows)
    spec = TABLES[prepared.item.table]
    explicit = prepared.explicit
    for n, row_key in enumerate(prepared.keys):
        m = stored_at.get(row_key)
        if m is None:
            continue
        values = list(rows[n])
        for at in prepared.kept:
            values[at] = stored[m][at]
        if tuple(values) != rows[n]:
            rows[n] = tuple(values)
            for at in prepared.kept:
                f = spec.fields[at]
                explicit.iat[n, explicit.columns.get_loc(f.name)] = _typed(stored[m][at], f.kind)
    prepared.rows = rows
    return rows


def _typed(value: object, kind: str) -> object:
    """A stored cell for a typed frame (dates come back as the text SQLite stores)."""
    if value is None:
        return pd.NaT if kind == "date" else pd.NA
    return pd.Timestamp(value) if kind == "date" else value


def _not_under_review(
    spec: TableSpec,
    left_out: set[tuple[object, ...]],
    stored: list[tuple[object, ...]],
    stored_at: dict[tuple[object, ...], int],
) -> set[tuple[object, ...]]:
    """The rows a replace may remove: not those waiting for a coordinator's review.

    A file that replaces ``measures`` is the coordinator's table of published practices
    (the published view is what every download holds); a member's submission in review
    is not part of it and must not vanish because the file does not know it. An explicit
    removal (a table edit, ``delete``) still removes any row.
    """
    if not spec.reviewed or not left_out:
        return left_out
    at = spec.columns.index("review_state")
    return {k for k in left_out if stored[stored_at[k]][at] in (None, vocab.PUBLISHED)}


def _removal_keys(item: TableWrite) -> list[tuple[object, ...]]:
    """The keys in ``item.delete``, as the tuples the rows are compared by."""
    if item.delete is None or item.delete.empty:
        return []
    key = list(TABLES[item.table].key)
    typed = coerce_types(item.delete.reindex(columns=TABLES[item.table].columns), item.table)
    return list(dict.fromkeys(db_rows(typed, key)))


def _check_scope(item: TableWrite, incoming: pd.DataFrame) -> None:
    for column, value in (item.scope or {}).items():
        if column not in incoming.columns:
            raise ValueError(f"{item.table} has no column {column!r}")
        if len(incoming) and not (incoming[column] == value).fillna(False).all():
            raise ValueError(f"{item.table}: every row must have {column} = {value!r}")


def _stored_rows(
    conn: Connection, item: TableWrite, keys: list[tuple[object, ...]]
) -> list[tuple[object, ...]]:
    """The stored rows the write compares against: all of them (or the scope) for a
    replace; otherwise the rows with the keys it names, looked up in chunks."""
    table = SQL_TABLES[item.table]
    if item.mode == "replace":
        where = [table.c[column] == value for column, value in (item.scope or {}).items()]
        return select_rows(conn, item.table, where)
    if not keys:
        return []
    if len(keys) > LOOKUP_LIMIT:
        return select_rows(conn, item.table, [])
    columns = [table.c[column] for column in TABLES[item.table].key]
    target = columns[0] if len(columns) == 1 else sa.tuple_(*columns)
    found = []
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), LOOKUP_CHUNK):
        chunk = unique[start : start + LOOKUP_CHUNK]
        values = [k[0] for k in chunk] if len(columns) == 1 else chunk
        found += select_rows(conn, item.table, [target.in_(values)])
    return found


def _drop_dangling_links(conn: Connection, name: str, outcome: WriteOutcome) -> None:
    """Delete rows (``resource_usage`` links, ``answers``) that point to ids ``name`` no
    longer has: a removed help question or expert organisation takes its answers along.

    A link table only says "this practice used that resource"; when a coordinator removes
    the resource or the practice, the link has nothing left to say, so it goes with it
    (as ``ON DELETE CASCADE`` would) instead of blocking the edit. The removed links are
    part of the outcome like any other change.
    """
    if not outcome.tables[name].deleted_rows:
        return
    target = SQL_TABLES[name]
    for link_name, column in referencing_fields(name):
        link = SQL_TABLES[link_name]
        # an empty reference (an answer by a municipality has no expert) points nowhere
        dangling = link.c[column].is_not(None) & ~sa.exists().where(target.c.id == link.c[column])
        gone = select_rows(conn, link_name, [dangling])
        if not gone:
            continue
        conn.execute(link.delete().where(dangling))
        changes = outcome.tables.setdefault(link_name, TableChanges.empty(link_name))
        changes.deleted_rows = [*changes.deleted_rows, *gone]


# ---------------------------------------------------------------- checks inside the transaction


def _reference_issues(conn: Connection, prepared: _Prepared, written: list[int]) -> list[Issue]:
    """The municipality codes and ids the written rows point to that do not exist now.

    Looked up inside the transaction (only the distinct values the rows use), so a code
    another writer removed after this file was validated is caught here, and nothing is
    stored.
    """
    spec = TABLES[prepared.item.table]
    issues: list[Issue] = []
    for f in spec.fields:
        if f.municipality:
            target, key, params = (
                SQL_TABLES["municipalities"].c.code,
                "err.unknown_municipality",
                {},
            )
        elif f.references:
            target = SQL_TABLES[f.references].c.id
            key, params = "err.unknown_reference", {"table": f.references}
        else:
            continue
        cells = pd.concat([prepared.explicit[f.name].iloc[written], prepared.fresh[f.name]])
        cells = cells[cells.notna().to_numpy()]
        values = {plain(v) for v in pd.unique(cells)}
        missing = values - _existing(conn, target, values)
        if not missing:
            continue
        bad = cells[cells.isin(list(missing)).to_numpy()]
        issues += [
            Issue(row_number(row), f.name, key, value=str(plain(value)), params=dict(params))
            for row, value in bad.items()
        ]
    return sorted(issues, key=lambda i: (i.row if i.row is not None else -1, i.column or ""))


def _existing(conn: Connection, column: sa.Column, values: set[object]) -> set[object]:
    """Which of ``values`` the column holds (looked up in chunks)."""
    found: set[object] = set()
    ordered = sorted(values, key=str)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        found |= set(conn.execute(sa.select(column).where(column.in_(chunk))).scalars())
    return found


def _codes_still_used(conn: Connection) -> list[Issue]:
    codes = sa.select(SQL_TABLES["municipalities"].c.code)
    issues = []
    for name, spec in TABLES.items():
        for f in spec.fields:
            if not f.municipality:
                continue
            column = SQL_TABLES[name].c[f.name]
            query = sa.select(column).distinct().where(column.is_not(None), column.not_in(codes))
            for code in sorted(conn.execute(query).scalars()):
                issues.append(
                    Issue(None, "code", "err.referenced", params={"code": code, "table": name})
                )
    return issues


def _codes(conn: Connection) -> set[str]:
    return set(conn.execute(sa.select(SQL_TABLES["municipalities"].c.code)).scalars())


def _ids(conn: Connection, name: str) -> set[int]:
    return {int(v) for v in conn.execute(sa.select(SQL_TABLES[name].c.id)).scalars()}


def _is_empty(conn: Connection) -> bool:
    towns = SQL_TABLES["municipalities"]
    return conn.execute(sa.select(towns.c.code).limit(1)).first() is None


# ---------------------------------------------------------------- meta: version and demo flags


def put_meta(conn: Connection, key: str, value: str) -> None:
    """Set one ``meta`` value with an upsert (never delete + insert, which races)."""
    statement = dialect_insert(conn, META).values(key=key, value=value)
    conn.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(META.c.value).where(META.c.key == key)).scalar()


def _bump_version(conn: Connection, tables: Sequence[str]) -> None:
    """``data_version += 1`` as one statement: concurrent writers never lose an increment.

    Each of ``tables`` is stamped ``"<new version>:<random token>"``. The increment's row
    stays locked until this transaction ends (PostgreSQL) or the whole database does
    (SQLite), so the version read back is this write's own. The token makes a stamp
    unique beyond the counter: a database file replaced by an older copy counts the same
    numbers again, with other data, and results kept on disk must not be taken for them.
    """
    statement = dialect_insert(conn, META).values(key="data_version", value="1")
    increment = sa.cast(sa.cast(META.c.value, sa.BigInteger) + 1, sa.Text)
    conn.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": increment}))
    version, token = get_meta(conn, "data_version") or "1", new_data_token()
    for name in sorted(set(tables)):
        put_meta(conn, TABLE_VERSION_PREFIX + name, f"{version}:{token}")
    put_meta(conn, DATA_TOKEN, token)


def table_stamps(conn: Connection) -> tuple[int, dict[str, str]]:
    """The ``data_version`` and the stamp of every table (see :func:`_bump_version`), in
    one query.

    A table without a stamp (a database restored from a backup) has the stamp of the
    data as a whole, ``"<data_version>:<data_token>"``, which every write renews: its
    caches then renew on every write, as all caches did before stamps.
    """
    rows = conn.execute(
        sa.select(META.c.key, META.c.value).where(
            META.c.key.in_(["data_version", DATA_TOKEN])
            | META.c.key.startswith(TABLE_VERSION_PREFIX)
        )
    ).all()
    found = {str(key): str(value) for key, value in rows}
    version = stamp_version(found.get("data_version", "0"))
    whole = f"{version}:{found.get(DATA_TOKEN, '')}"
    return version, {name: found.get(TABLE_VERSION_PREFIX + name, whole) for name in SQL_TABLES}


def table_versions(conn: Connection) -> tuple[int, dict[str, int]]:
    """The ``data_version`` and each table's version: the counter part of its stamp."""
    version, stamps = table_stamps(conn)
    return version, {name: stamp_version(stamp) for name, stamp in stamps.items()}


def stamp_version(stamp: str) -> int:
    """``1234`` of a stamp ``"1234:token"`` (or of a plain number)."""
    try:
        return int(stamp.split(":", 1)[0])
    except ValueError:
        return 0


def _update_demo_flags(conn: Connection, writes: Sequence[TableWrite]) -> bool:
    """Mark tables as demo or real data; ``True`` when the list changed."""
    flags = {
        w.table: bool(w.demo)
        for w in writes
        if w.demo is not None or (w.mode == "replace" and not w.scope)
    }
    if not flags:
        return False
    query = sa.select(META.c.value).where(META.c.key == "demo_tables").with_for_update()
    current = set(json.loads(conn.execute(query).scalar() or "[]"))
    wanted = (current | {t for t, demo in flags.items() if demo}) - {
        t for t, demo in flags.items() if not demo
    }
    if wanted == current:
        return False
    put_meta(conn, "demo_tables", json.dumps(sorted(wanted)))
    return True
