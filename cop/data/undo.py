"""Undo one change or a whole write (an import), as a new change, never silently.

An undo puts the rows of a change (or of every change of one batch) back as they were
before it: an added row is removed, a removed row comes back, a changed row gets its old
cells back (only those: a later edit of another column of the same row would be kept,
but see below). It is a write like any other (:func:`cop.data.writes.write`): one locked
transaction, references checked, recorded in the history with ``reverts`` pointing at the
change it undid, so an undo can itself be undone.

It refuses, and says which record and what changed, when a record was changed again after
the change being undone: putting the old values back would silently throw that later
work away. Later changes that were themselves undone do not count (change 7, then 9, then
"undo 9": 7 can be undone, the record is as 7 left it). The check runs inside the undo's
own transaction, under the same table lock every writer takes, so nothing can slip in
between the check and the undo.

Examples
--------
::

    result = undo_change(engine, 1234, actor="anna")
    result.ok          # False when the record changed since
    result.message("nl")
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.core import i18n
from cop.data import history
from cop.data.changes import WriteOutcome
from cop.data.history import Change, describe_cells, record_label, short_batch
from cop.data.migrations import CHANGES
from cop.data.schema import TABLE_ORDER, TABLES, empty_frame
from cop.data.validation import Issue
from cop.data.writes import TableWrite, write

__all__ = ["UndoResult", "undo_batch", "undo_change"]

MAX_NAMED = 5  # records a refusal names before "and N more"


@dataclass
class UndoResult:
    """What an undo did, or why it did not.

    ``outcome`` is the write of the undo (its changes are in the history); ``refusal`` a
    catalog key with its parameters when nothing was changed.
    """

    outcome: WriteOutcome | None = None
    refusal: str | None = None
    params: dict[str, object] = field(default_factory=dict)
    problems: list[Issue] = field(default_factory=list)
    change_id: int | None = None
    batch_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    def message(self, lang: str | None = None) -> str:
        """What happened, in one paragraph: what was undone, or why not and what to do."""
        what = (
            i18n.t("history.what_batch", lang, batch=short_batch(self.batch_id))
            if self.batch_id
            else i18n.t("history.what_change", lang, id=self.change_id)
        )
        if self.refusal is None:
            counts = self.outcome.counts() if self.outcome else {}
            return i18n.t("history.undone", lang, what=what, **_undo_counts(counts))
        params = {"what": what, **self.params}
        if "blocking" in params:
            params["blocking"] = _blocking_text(params["blocking"], lang)  # type: ignore[arg-type]
        text = i18n.t(self.refusal, lang, **params)
        if self.problems:
            text += " " + "; ".join(issue.message(lang) for issue in self.problems)
        return text


def undo_change(engine: Engine, change_id: int, *, actor: str) -> UndoResult:
    """Undo one change (one row of one table)."""
    target = history.change(engine, change_id)
    if target is None:
        return UndoResult(refusal="history.no_change", change_id=change_id)
    result = _undo(engine, [target], actor=actor, source=f"undo:{change_id}")
    result.change_id = change_id
    return result


def undo_batch(engine: Engine, batch_id: str, *, actor: str) -> UndoResult:
    """Undo every change of one write (a whole import, a table edit) in one transaction."""
    found = history.batch(engine, batch_id)
    if found is None:
        return UndoResult(refusal="history.no_batch", batch_id=batch_id)
    if found["first_change"] is None:
        return UndoResult(refusal="history.no_rows", batch_id=batch_id)
    targets = history.batch_changes(engine, batch_id)
    result = _undo(
        engine, targets, actor=actor, source=f"undo-batch:{short_batch(batch_id)}", batch=batch_id
    )
    result.batch_id = batch_id
    return result


# ---------------------------------------------------------------- the undo


def _undo(
    engine: Engine,
    targets: list[Change],
    *,
    actor: str,
    source: str,
    batch: str | None = None,
) -> UndoResult:
    ids = {c.id for c in targets}
    batch_id = batch
    with engine.connect() as conn:
        refused = _refusal(conn, targets, ids, batch_id)
        if refused is not None:
            return refused
        plan = _plan(conn, targets)
    if isinstance(plan, UndoResult):
        return plan
    writes, reverts = plan
    checked: list[UndoResult] = []

    def nothing_changed_since(conn: Connection) -> bool:
        found = _refusal(conn, targets, ids, batch_id)
        if found is not None:
            checked.append(found)
        return found is None

    outcome = write(
        engine,
        writes,
        actor=actor,
        source=source,
        precondition=nothing_changed_since,
        reverts=reverts,
        reverts_batch=batch_id,
    )
    if checked:
        return checked[0]
    if not outcome.ok:
        return UndoResult(
            outcome, refusal="history.refused_references", problems=outcome.issues[:MAX_NAMED]
        )
    return UndoResult(outcome)


def _plan(
    conn: Connection, targets: list[Change]
) -> tuple[list[TableWrite], dict[tuple[str, str], int]] | UndoResult:
    """The writes that put every record of ``targets`` back as it was before them.

    Per record, start from its current row and step back through its changes, newest
    first: an insert means "absent before", a delete "this row before", an update "these
    cells before".
    """
    per_record: dict[tuple[str, str], list[Change]] = {}
    for change in sorted(targets, key=lambda c: c.id):
        per_record.setdefault((change.table, history.key_text(change.key)), []).append(change)
    current = history.current_rows(conn, [c[0] for c in per_record.values()])
    restore: dict[str, list[dict[str, object]]] = {}
    remove: dict[str, list[tuple[object, ...]]] = {}
    reverts: dict[tuple[str, str], int] = {}
    for (table, key), changes in per_record.items():
        state = current.get((table, key))
        for change in reversed(changes):
            if change.kind == "insert":
                state = None
            elif change.kind == "delete":
                state = {**change.key_values, **(change.before or {})}
            elif state is None:  # an update of a row that is gone: caught as "changed since"
                label = record_label(change.table, change.key, change.after, "en")
                return UndoResult(refusal="history.record_gone", params={"record": label})
            else:
                state = {**state, **(change.before or {})}
        reverts[(table, key)] = changes[-1].id
        if state is None:
            remove.setdefault(table, []).append(changes[0].key)
        else:
            restore.setdefault(table, []).append(state)
    writes = []
    for table in TABLE_ORDER:
        if table not in restore and table not in remove:
            continue
        columns = TABLES[table].columns
        frame = (
            pd.DataFrame(restore[table], columns=columns)
            if table in restore
            else empty_frame(table)
        )
        frame.index = pd.RangeIndex(1, len(frame) + 1)
        gone = (
            pd.DataFrame(remove[table], columns=list(TABLES[table].key))
            if table in remove
            else None
        )
        writes.append(TableWrite(table, frame, delete=gone))
    return writes, reverts


# ---------------------------------------------------------------- "changed since?"


def _refusal(
    conn: Connection, targets: list[Change], ids: set[int], batch_id: str | None
) -> UndoResult | None:
    """Why the undo may not run now, or ``None``: a record of ``targets`` was changed
    after them (and that change was not undone), or the targets were undone already."""
    blocking = _blocking_changes(conn, targets, ids, batch_id)
    if not blocking:
        return None
    first = blocking[0]
    if first.reverts in ids and len(ids) == 1:
        return UndoResult(
            refusal="history.already_undone", params={"id": first.reverts, "by": first.id}
        )
    if batch_id is not None and all(c.reverts in ids for c in blocking):
        return UndoResult(
            refusal="history.batch_already_undone", params={"by": short_batch(first.batch_id)}
        )
    named = blocking[:MAX_NAMED]
    # an update holds only the cells it changed: the record's name comes from its row now
    stored = history.current_rows(conn, named)
    shown = [_blocking_item(c, stored.get((c.table, history.key_text(c.key)))) for c in named]
    return UndoResult(
        refusal="history.changed_since",
        params={
            "count": len(blocking),
            "blocking": shown,
            "more": max(0, len(blocking) - MAX_NAMED),
        },
    )


def _blocking_changes(
    conn: Connection, targets: list[Change], ids: set[int], batch_id: str | None
) -> list[Change]:
    """The later changes of the targets' records that still stand, oldest first.

    Read per record in id order; a later change that reverts an earlier later change
    cancels it (both go), so "change, undo of that change" leaves nothing behind.
    """
    later = _later_changes(conn, targets, batch_id)
    standing: list[Change] = []
    per_record: dict[tuple[str, tuple[object, ...]], list[Change]] = {}
    for change in sorted(later, key=lambda c: c.id):
        per_record.setdefault((change.table, change.key), []).append(change)
    for changes in per_record.values():
        active: list[Change] = []
        for change in changes:
            undone = next((c for c in active if c.id == change.reverts), None)
            if undone is not None:
                active.remove(undone)
            else:
                active.append(change)
        standing += active
    return sorted(standing, key=lambda c: c.id)


def _later_changes(conn: Connection, targets: list[Change], batch_id: str | None) -> list[Change]:
    """Every change after a target of the same record (not of the target's own batch)."""
    if batch_id is None:
        found = []
        for target in targets:
            query = sa.select(CHANGES).where(
                CHANGES.c.table_name == target.table,
                CHANGES.c.row_key == history.key_text(target.key),
                CHANGES.c.id > target.id,
            )
            found += [Change.from_row(r) for r in conn.execute(query).mappings()]
        return found
    first = min(c.id for c in targets)
    last = max(c.id for c in targets)
    mine = CHANGES.alias("mine")
    later = CHANGES.alias("later")
    query = (
        sa.select(later)
        .distinct()
        .join(
            mine,
            sa.and_(
                later.c.table_name == mine.c.table_name,
                later.c.row_key == mine.c.row_key,
                later.c.id > mine.c.id,
            ),
        )
        .where(
            mine.c.id.between(first, last),
            mine.c.batch_id == batch_id,
            later.c.batch_id != batch_id,
        )
    )
    return [Change.from_row(r) for r in conn.execute(query).mappings()]


# ---------------------------------------------------------------- words


def _blocking_item(change: Change, stored: dict[str, object] | None) -> dict[str, object]:
    return {
        "id": change.id,
        "table": change.table,
        "key": change.key,
        "values": {**(change.before or {}), **(stored or {}), **(change.after or {})},
        "actor": change.actor,
        "at": change.at.strftime("%Y-%m-%d %H:%M"),
        "kind": change.kind,
        "cells": [(name, old, new) for name, old, new in change.cells()],
    }


def _blocking_text(items: list[dict[str, object]], lang: str | None) -> str:
    parts = []
    for item in items:
        record = record_label(item["table"], item["key"], item["values"], lang)  # type: ignore[arg-type]
        parts.append(
            i18n.t(
                "history.blocking_item",
                lang,
                record=record,
                id=item["id"],
                actor=item["actor"],
                at=item["at"],
                what=describe_cells(str(item["kind"]), item["cells"], lang),  # type: ignore[arg-type]
            )
        )
    return "; ".join(parts)


def _undo_counts(counts: dict[str, int]) -> dict[str, int]:
    return {name: counts.get(name, 0) for name in ("added", "changed", "removed")}
