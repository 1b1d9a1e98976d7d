"""What a write changed, row by row: the summary a change history and an import preview need.

:func:`cop.data.writes.write` returns a :class:`WriteOutcome`: who wrote (``actor``), from
what (``source``), when (``at``), one ``batch_id`` for the whole write, and per table a
:class:`TableChanges` with the rows added, the old and new values of the rows changed (the
old ones read inside the write's transaction) and the rows removed. ``rows()`` turns them
into :class:`RowChange` records (table, key, before, after), ``cell_changes()`` into
"column: old -> new" lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from cop.data.schema import TABLES, coerce_types, empty_frame
from cop.data.validation import Issue

if TYPE_CHECKING:
    from cop.data.locking import Conflict

Kind = Literal["insert", "update", "delete"]


@dataclass(frozen=True)
class RowChange:
    """One row's change: ``before`` is ``None`` for an insert, ``after`` for a delete."""

    table: str
    kind: Kind
    key: tuple[object, ...]
    before: dict[str, object] | None
    after: dict[str, object] | None
    row: int | None = None


@dataclass
class TableChanges:
    """The rows of one table a write added, changed and removed.

    ``inserted`` and ``after`` are typed frames indexed by the row number of the input (so
    a report can point at the row); ``before`` has the stored values of the rows in
    ``after``, same index; ``deleted`` has the removed rows as they were. ``assigned_ids``
    maps the input row to the id the database gave it.

    Inside the write's transaction only positions and plain tuples are collected
    (``incoming`` with ``inserted_at``/``changed_at``, ``before_rows``, ``deleted_rows`` in
    the table's column order), so the lock is held no longer than the database work; the
    frames are built when first asked for. ``inserted_rows`` and ``after_rows`` are the
    same rows as tuples as they were written (the ones the database numbered with their
    id), which the change history stores without building a frame.
    """

    table: str
    incoming: pd.DataFrame
    inserted_at: list[int] = field(default_factory=list)
    changed_at: list[int] = field(default_factory=list)
    before_rows: list[tuple[object, ...]] = field(default_factory=list)
    deleted_rows: list[tuple[object, ...]] = field(default_factory=list)
    numbered: pd.DataFrame | None = None  # rows the database gave an id, with that id
    unchanged: int = 0
    assigned_ids: pd.Series = field(default_factory=lambda: pd.Series(dtype="Int64"))
    inserted_rows: list[tuple[object, ...]] = field(default_factory=list)
    after_rows: list[tuple[object, ...]] = field(default_factory=list)

    @classmethod
    def empty(cls, table: str) -> TableChanges:
        return cls(table, empty_frame(table))

    @cached_property
    def inserted(self) -> pd.DataFrame:
        added = self.incoming.iloc[self.inserted_at]
        if self.numbered is None or self.numbered.empty:
            return added
        return pd.concat([added, self.numbered])

    @cached_property
    def after(self) -> pd.DataFrame:
        return self.incoming.iloc[self.changed_at]

    @cached_property
    def before(self) -> pd.DataFrame:
        frame = rows_frame(self.before_rows, self.table)
        frame.index = self.after.index
        return frame

    @cached_property
    def deleted(self) -> pd.DataFrame:
        return rows_frame(self.deleted_rows, self.table)

    @property
    def key(self) -> tuple[str, ...]:
        return TABLES[self.table].key

    @property
    def changed(self) -> bool:
        added = len(self.inserted_at) + (0 if self.numbered is None else len(self.numbered))
        return bool(added or self.changed_at or self.deleted_rows)

    @property
    def written(self) -> pd.DataFrame:
        """The rows as stored now: added and changed ones."""
        return pd.concat([self.inserted, self.after])

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.inserted),
            "changed": len(self.changed_at),
            "removed": len(self.deleted_rows),
            "unchanged": int(self.unchanged),
        }

    def cell_changes(self) -> pd.DataFrame:
        """Changed cells as a long table: key columns, ``column``, ``before``, ``after``."""
        key = list(self.key)
        parts = []
        for column in TABLES[self.table].columns:
            if column in key:
                continue
            differs = ~same_cells(self.after[column], self.before[column])
            if differs.any():
                part = self.after.loc[differs, key].copy()
                part["column"] = column
                part["before"] = self.before.loc[differs, column].astype(object)
                part["after"] = self.after.loc[differs, column].astype(object)
                parts.append(part)
        if not parts:
            return pd.DataFrame(columns=[*key, "column", "before", "after"])
        return pd.concat(parts).sort_index(kind="stable")

    def rows(self) -> Iterator[RowChange]:
        """Every change as a :class:`RowChange` (inserts, then updates, then deletes)."""
        key = list(self.key)
        for row, values in records(self.inserted):
            yield RowChange(self.table, "insert", _key(values, key), None, values, row)
        pairs = zip(records(self.before), records(self.after), strict=True)
        for (_, old), (row, values) in pairs:
            yield RowChange(self.table, "update", _key(values, key), old, values, row)
        for _, values in records(self.deleted):
            yield RowChange(self.table, "delete", _key(values, key), values, None, None)


@dataclass
class WriteOutcome:
    """What a write did (or, for a dry run or a refusal, would have done).

    ``at`` is when the transaction started (UTC, as the database stores times).
    """

    actor: str
    source: str
    batch_id: str
    dry_run: bool = False
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    applied: bool = False
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, TableChanges] = field(default_factory=dict)
    # rows changed since the editor loaded them (:mod:`cop.data.locking`): nothing written
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues and not self.conflicts

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(("added", "changed", "removed", "unchanged"), 0)
        for changes in self.tables.values():
            for name, count in changes.counts().items():
                totals[name] += count
        return totals

    def rows(self) -> Iterator[RowChange]:
        for changes in self.tables.values():
            yield from changes.rows()


def same_cells(a: pd.Series, b: pd.Series) -> pd.Series:
    """Cell-wise equality where two empty cells are equal."""
    equal = (a == b).fillna(False).astype(bool)
    return equal | (a.isna() & b.isna()).astype(bool)


def plain(value: object) -> object:
    """A cell as a plain Python value (``None`` for empty, ``datetime`` for dates)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def records(frame: pd.DataFrame) -> Iterator[tuple[int | None, dict[str, object]]]:
    columns = list(frame.columns)
    for row, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        yield row_number(row), {c: plain(v) for c, v in zip(columns, values, strict=True)}


def row_number(row: object) -> int | None:
    return int(row) if isinstance(row, (int, np.integer)) else None


def _key(values: Mapping[str, object], key: Sequence[str]) -> tuple[object, ...]:
    return tuple(values[c] for c in key)


def rows_frame(rows: list[tuple[object, ...]], table: str) -> pd.DataFrame:
    """Plain row tuples in the table's column order as a typed frame."""
    frame = pd.DataFrame.from_records(rows, columns=TABLES[table].columns)
    return coerce_types(frame, table)
