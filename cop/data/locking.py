"""Optimistic locking: a save goes through only when the rows it changes are still as the
editor loaded them.

Two coordinators open the same table; both change row 17; the first saves. Without a
check the second save silently puts its own version over the first one's work. With it,
the second save is refused, names the rows and cells someone else changed (and who, from
the change history) and shows their newer values; the editor keeps the second person's
edits so nothing typed is lost.

How: a :class:`cop.data.writes.TableWrite` may carry ``expected``, the rows as the editor
loaded them. Inside the write's own locked transaction (the table lock every writer of the
table takes), :func:`cop.data.writes.write` reads the stored rows of the keys it writes or
removes anyway, to compare old and new; :func:`conflicts` compares those same stored rows
with ``expected`` before a single row is written. A row changed, removed or added (under a
key the save adds) meanwhile is a :class:`Conflict`, and then nothing is written.

Why compare the loaded values rather than a ``version`` column: it is the "updated_at
compared in the UPDATE" check with every column as the stamp, made under the lock that
keeps the row as read until the commit, so a change of any cell is seen, also from writers
that would not maintain a stamp (an import, a script, an undo). It needs no column on the
data tables and no change to imports, exports and templates, and it works alike for tables
keyed by an ``id`` and by several columns (maturity: municipality, year, dimension). A
value changed and changed back in between is not a conflict: there is nothing to
overwrite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Connection

from cop.data import history
from cop.data.bulk import db_rows
from cop.data.changes import rows_frame
from cop.data.schema import TABLES, coerce_types
from cop.data.validation import Issue, ValidationReport

__all__ = ["Conflict", "ConflictReport", "conflict_report", "conflicts", "expected_rows"]


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


def conflicts(
    conn: Connection,
    table: str,
    expected: Mapping[tuple[object, ...], tuple[object, ...]],
    touched: Sequence[tuple[tuple[object, ...], tuple[object, ...] | None, int | None]],
) -> list[Conflict]:
    """The rows of ``touched`` that are no longer as the editor loaded them.

    ``expected`` maps a key to the row tuple as loaded (the form :func:`cop.data.bulk.db_rows`
    gives); ``touched`` lists ``(key, stored row or None, editor row number)`` for every key
    the write adds, changes or removes, with the row as stored now (read in the write's
    transaction). A key missing from ``expected`` must still be absent.
    """
    dates = [f.kind == "date" for f in TABLES[table].fields]
    found: list[Conflict] = []
    for key, current, row in touched:
        loaded = expected.get(key)
        if loaded is None and current is None:
            continue
        if loaded is not None and current is not None and all(map(_same, loaded, current, dates)):
            continue
        latest = history.latest_change(conn, table, key)
        found.append(
            Conflict(
                table,
                key,
                row,
                None if loaded is None else _as_dict(table, loaded),
                None if current is None else _as_dict(table, current),
                by=latest.actor if latest else None,
                at=latest.at if latest else None,
            )
        )
    return found


def conflict_report(table: str, source: str, found: Sequence[Conflict]) -> ConflictReport:
    """A refusal as a report: one issue per changed cell, the conflicts attached."""
    issues = [issue for c in found for issue in c.issues()]
    issues.sort(key=lambda i: (i.row if i.row is not None else -1, i.column or ""))
    return ConflictReport(table, source, issues, conflicts=list(found))


def expected_rows(table: str, loaded: pd.DataFrame) -> dict[tuple[object, ...], tuple[object, ...]]:
    """The rows an editor loaded, by key, as the tuples the write path compares."""
    spec = TABLES[table]
    at = [spec.columns.index(c) for c in spec.key]
    typed = coerce_types(loaded.reset_index(drop=True), table)
    return {tuple(row[i] for i in at): row for row in db_rows(typed, spec.columns)}


def rebase(
    table: str, loaded: pd.DataFrame, edited: pd.DataFrame, report: ConflictReport
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(loaded, edited)`` moved onto the newer rows of a refused save ("save my edits
    anyway").

    In every conflicting row the loaded values become the stored ones, and the edited row
    becomes the stored row with only the cells this person changed put on top: their
    edits win, the other person's changes to the other cells stay. A row removed meanwhile
    is loaded as absent, so saving adds it back with the edits. Saving the result checks
    again against the rows as they are then.

    Examples
    --------
    Anna loaded role "Ecoloog" and phone "1"; she changes the role; Bob changed the phone
    to "2" meanwhile: after ``rebase`` the edited row has Anna's role and Bob's phone.
    """
    spec = TABLES[table]
    key = list(spec.key)
    loaded_typed = coerce_types(loaded.reset_index(drop=True), table)
    edited_typed = coerce_types(edited.reset_index(drop=True), table)
    loaded_at = {tuple(r): n for n, r in enumerate(loaded_typed[key].itertuples(index=False))}
    new_loaded = loaded_typed.copy()
    new_edited = edited_typed.copy()
    drop: list[int] = []
    for conflict in report.conflicts:
        n = loaded_at.get(conflict.key)
        if conflict.current is None:  # removed meanwhile: loaded as absent
            if n is not None:
                drop.append(n)
            continue
        current = pd.Series(conflict.current)
        if n is None:  # added meanwhile under a key this person also adds
            new_loaded = pd.concat(
                [new_loaded, coerce_types(pd.DataFrame([conflict.current]), table)],
                ignore_index=True,
            )
            continue
        mine = _edited_row(edited_typed, key, conflict.key)
        for column in spec.columns:
            new_loaded.at[n, column] = current[column]
            if mine is None:
                continue
            before, after = loaded_typed.at[n, column], edited_typed.at[mine, column]
            if _same(_plain(before), _plain(after)):
                new_edited.at[mine, column] = current[column]
    kept = new_loaded.drop(index=drop).reset_index(drop=True)
    return coerce_types(kept, table), coerce_types(new_edited, table)


def _edited_row(edited: pd.DataFrame, key: list[str], wanted: tuple[object, ...]) -> int | None:
    for n, values in enumerate(edited[key].itertuples(index=False)):
        if tuple(_plain(v) for v in values) == tuple(wanted):
            return n
    return None


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
