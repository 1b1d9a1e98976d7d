"""Optimistic locking: a save goes through only when the rows it changes are still as the
editor loaded them.

Two coordinators open the same table; both change row 17; the first saves. Without a
check the second save silently puts its own version over the first one's work. With it,
the second save is refused, names the rows and cells someone else changed (and who, from
the change history) and shows their newer values; the editor keeps the second person's
edits so nothing typed is lost.

How: :class:`Unchanged` is a ``precondition`` of :func:`cop.data.writes.write`, so it runs
inside the write's own locked transaction (the table lock every writer of the table
takes), right before the rows are written. It reads the stored rows of the keys the save
touches and compares them with the rows as the editor loaded them; a row added meanwhile
under a key the save adds, or removed meanwhile, counts as changed too.

Why compare the loaded values rather than a ``version`` column: every table has them at
hand (the editor holds the rows it showed), the check needs no column on the data tables,
no change to imports, exports and templates, and it works the same for tables keyed by an
``id`` and for tables keyed by several columns (maturity: municipality, year, dimension).
It is the "updated_at compared in the UPDATE" idea with all columns as the stamp, so a
change of any cell is seen, also by writers that do not maintain a stamp. A value changed
and changed back in between is not a conflict: there is nothing to overwrite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cop.data import history
from cop.data.bulk import db_rows, select_rows
from cop.data.changes import records, rows_frame
from cop.data.migrations import SQL_TABLES
from cop.data.schema import TABLES, coerce_types
from cop.data.validation import Issue, ValidationReport

__all__ = ["Conflict", "ConflictReport", "Unchanged"]

LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Conflict:
    """One row someone else changed between loading and saving.

    ``expected`` is the row as the editor loaded it (``None``: it was not there),
    ``current`` as it is stored now (``None``: removed meanwhile); ``row`` is its number
    in the editor; ``by``/``at`` who changed it last, when the history knows.
    """

    table: str
    key: tuple[object, ...]
    row: int | None
    expected: dict[str, object] | None
    current: dict[str, object] | None
    by: str | None = None
    at: dt.datetime | None = None

    def cells(self) -> list[tuple[str, object, object]]:
        """``(column, loaded value, current value)`` of the cells that differ."""
        if self.expected is None or self.current is None:
            return []
        return [
            (f.name, self.expected.get(f.name), self.current.get(f.name))
            for f in TABLES[self.table].fields
            if not _same(self.expected.get(f.name), self.current.get(f.name), f.kind == "date")
        ]

    def issues(self) -> list[Issue]:
        """The conflict as report lines: one per changed cell, or one for the row."""
        params = {
            "by": self.by or "?",
            "at": self.at.strftime("%Y-%m-%d %H:%M") if self.at else "?",
        }
        if self.current is None:
            return [Issue(self.row, None, "lock.removed", params=params)]
        if self.expected is None:
            return [Issue(self.row, None, "lock.added", params=params)]
        return [
            Issue(
                self.row,
                name,
                "lock.changed",
                value=_text(now),
                params={**params, "loaded": _text(loaded)},
            )
            for name, loaded, now in self.cells()
        ]


@dataclass
class ConflictReport(ValidationReport):
    """A save refused because rows changed since they were loaded; nothing was stored.

    ``conflicts`` name the rows; :meth:`newer` has their values as stored now.
    """

    conflicts: list[Conflict] = field(default_factory=list)

    def newer(self) -> pd.DataFrame:
        """The stored rows of the conflicts (removed ones left out), typed like the table."""
        rows = [c.current for c in self.conflicts if c.current is not None]
        frame = pd.DataFrame(rows, columns=TABLES[self.table].columns)
        return coerce_types(frame, self.table).reset_index(drop=True)


class Unchanged:
    """A write precondition: the rows with ``keys`` are still as in ``loaded``.

    Parameters
    ----------
    table
        The table the editor shows.
    loaded
        The rows as the editor loaded them (typed, the table's columns).
    keys
        The keys the save touches (changes, removes, or adds with an explicit key); a key
        missing from ``loaded`` must still be absent.
    rows
        The editor's row number per key, for the report.
    """

    def __init__(
        self,
        table: str,
        loaded: pd.DataFrame,
        keys: Sequence[tuple[object, ...]],
        rows: Mapping[tuple[object, ...], int] | None = None,
    ) -> None:
        spec = TABLES[table]
        self.table = table
        self.keys = list(dict.fromkeys(tuple(k) for k in keys))
        self.rows = dict(rows or {})
        at = [spec.columns.index(c) for c in spec.key]
        typed = coerce_types(loaded.reset_index(drop=True), table)
        self.expected = {tuple(row[i] for i in at): row for row in db_rows(typed, spec.columns)}
        self.loaded = {tuple(values[c] for c in spec.key): values for _, values in records(typed)}
        self.dates = [f.kind == "date" for f in spec.fields]
        self.conflicts: list[Conflict] = []

    def __call__(self, conn: Connection) -> bool:
        """Inside the write's transaction: ``True`` when nobody changed the rows."""
        stored = {self._key(row): row for row in self._stored(conn)}
        self.conflicts = []
        for key in self.keys:
            expected, current = self.expected.get(key), stored.get(key)
            if expected is None and current is None:
                continue
            if (
                expected is not None
                and current is not None
                and all(map(_same, expected, current, self.dates))
            ):
                continue
            latest = history.latest_change(conn, self.table, key)
            self.conflicts.append(
                Conflict(
                    self.table,
                    key,
                    self.rows.get(key),
                    self.loaded.get(key),
                    None if current is None else _as_dict(self.table, current),
                    by=latest.actor if latest else None,
                    at=latest.at if latest else None,
                )
            )
        return not self.conflicts

    def report(self, source: str) -> ConflictReport:
        """The refusal as a report: one issue per changed cell, the conflicts attached."""
        issues = [issue for c in self.conflicts for issue in c.issues()]
        issues.sort(key=lambda i: (i.row if i.row is not None else -1, i.column or ""))
        return ConflictReport(self.table, source, issues, conflicts=list(self.conflicts))

    def _key(self, row: tuple[object, ...]) -> tuple[object, ...]:
        spec = TABLES[self.table]
        return tuple(row[spec.columns.index(c)] for c in spec.key)

    def _stored(self, conn: Connection) -> list[tuple[object, ...]]:
        if not self.keys:
            return []
        spec = TABLES[self.table]
        table = SQL_TABLES[self.table]
        columns = [table.c[c] for c in spec.key]
        target = columns[0] if len(columns) == 1 else sa.tuple_(*columns)
        found: list[tuple[object, ...]] = []
        for start in range(0, len(self.keys), LOOKUP_CHUNK):
            chunk = self.keys[start : start + LOOKUP_CHUNK]
            values = [k[0] for k in chunk] if len(columns) == 1 else chunk
            found += select_rows(conn, self.table, [target.in_(values)])
        return found


def _as_dict(table: str, row: tuple[object, ...]) -> dict[str, object]:
    """A stored row tuple as ``{column: value}`` with the table's types (yes/no as booleans)."""
    typed = rows_frame([row], table).iloc[0]
    return {name: _plain(typed[name]) for name in TABLES[table].columns}


def _plain(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()  # type: ignore[union-attr]
    return value


def _same(a: object, b: object, date: bool = False) -> bool:
    """Equal as stored values: empty equals empty, 1 equals ``True``, and in a date column
    ``2025-01-02 00:00:00`` equals ``2025-01-02 00:00:00.000000`` (rows stored before the
    one write path have no fraction)."""
    if a is None or b is None:
        return a is None and b is None
    if a == b:
        return True
    if date:
        try:
            return pd.Timestamp(a) == pd.Timestamp(b)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False
    return False


def _text(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)
