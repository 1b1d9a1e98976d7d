"""Coordinators change data: file imports, table edits and toolbox links, validated first.

Every path ends in the one write path (:func:`cop.data.writes.write`), which stores only the
rows that change, in one transaction that also reads what it compares against, and only
when everything is valid: a bad file or a bad edit changes nothing. The role check lives
here (not only in the page layout): a page that forgot to hide the section still could not
store anything for a visitor or member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy.engine import Engine

from cop.access import visibility
from cop.data import locking, storage, undo
from cop.data.bulk import db_rows
from cop.data.schema import TABLES, coerce_types
from cop.data.validation import ValidationReport, validate_frame

EDITOR_SOURCE = "editor"


def _require_editor(role: str) -> None:
    if not visibility.can_edit(role):
        raise PermissionError("only coordinators may import or edit data")


def import_upload(
    engine: Engine,
    table: str,
    data: bytes,
    filename: str,
    *,
    role: str,
    replace: bool = False,
    actor: str | None = None,
    dry_run: bool = False,
) -> ValidationReport:
    """Validate an uploaded CSV/Excel file and store it only when it is valid.

    Rows are upserted by key; ``replace`` also removes the stored rows the file leaves out.
    ``actor`` names who imports (the username; the role when not given). ``dry_run``
    stores nothing: the report's outcome is what the import would change, which
    :class:`cop.data.preview.ImportPreview` shows before the coordinator confirms.
    """
    _require_editor(role)
    return storage.import_file(
        engine,
        table,
        data,
        replace=replace,
        filename=filename,
        actor=actor or role,
        dry_run=dry_run,
    )


def save_table_edit(
    engine: Engine,
    table: str,
    edited: pd.DataFrame,
    *,
    role: str,
    today: dt.date | None = None,
    original: pd.DataFrame | None = None,
    actor: str | None = None,
    overwrite: bool = False,
) -> ValidationReport:
    """Store an edited copy of a whole table (rows may be changed, added or deleted).

    With ``original`` (the table as the editor showed it), only the rows the coordinator
    changed, added or removed are written: a row someone else added or changed meanwhile
    stays as they left it. And when a row the coordinator changed or removed was changed
    by someone else since it was loaded, nothing is stored: the result is a
    :class:`cop.data.locking.ConflictReport` naming the rows and cells, with the newer
    values (:meth:`~cop.data.locking.ConflictReport.newer`), so the page can show them and
    keep the coordinator's edits (optimistic locking). Without ``original`` the edited
    table replaces the stored one. Either way the table counts as real data afterwards (no
    longer demo data).

    ``overwrite`` is the coordinator's "save my edits anyway" after such a refusal: the
    edits are moved onto the rows as stored now (:func:`cop.data.locking.rebase`: the
    cells this coordinator changed win, the other cells keep the newer values) and saved,
    still checked against those rows.

    Rows in the report are numbered from 1 in the order of the editor, so "row 3" is
    the third row the coordinator sees.
    """
    _require_editor(role)
    frame = edited.reset_index(drop=True)
    frame.index = frame.index + 1
    codes = storage.known_codes(engine) if table != "municipalities" else None
    report = validate_frame(frame, table, known_codes=codes, today=today, source=EDITOR_SOURCE)
    if not report.ok or report.frame is None:
        return report
    who = actor or role
    if original is None:
        return storage.store(engine, report, actor=who, mode="replace", demo=False)
    everything = report.frame
    report.frame, removed = _edited_rows(everything, original, table)
    result = storage.store(engine, report, actor=who, delete=removed, demo=False, expected=original)
    if overwrite and isinstance(result, locking.ConflictReport):
        loaded, mine = locking.rebase(table, original, everything, result)
        return save_table_edit(
            engine, table, mine, role=role, today=today, original=loaded, actor=who
        )
    if result.ok:
        result.frame = everything  # the summary counts the rows the editor holds
    return result


def _edited_rows(
    edited: pd.DataFrame, original: pd.DataFrame, table: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows the editor added or changed, keys of the rows it removed).

    Rows are compared as the write path compares them (:func:`cop.data.bulk.db_rows`).
    """
    spec = TABLES[table]
    at = [spec.columns.index(c) for c in spec.key]
    before = coerce_types(original.reset_index(drop=True), table)
    shown = {tuple(row[i] for i in at): row for row in db_rows(before, spec.columns)}
    rows = db_rows(edited, spec.columns)
    keys = [tuple(row[i] for i in at) for row in rows]
    touched = [n for n, (k, row) in enumerate(zip(keys, rows, strict=True)) if shown.get(k) != row]
    kept = set(keys)
    removed = [k for k in shown if k not in kept]
    return edited.iloc[touched], pd.DataFrame(removed, columns=list(spec.key))


def save_links(
    engine: Engine,
    resource_id: int,
    measure_ids: Sequence[int],
    *,
    role: str,
    actor: str | None = None,
) -> ValidationReport:
    """Store which practices used one toolbox resource: its links, and only its links.

    The links of other resources are not touched, so two coordinators linking practices
    to different resources at the same time both keep their work.
    """
    _require_editor(role)
    frame = pd.DataFrame(
        {
            "resource_id": pd.array([int(resource_id)] * len(set(measure_ids)), dtype="Int64"),
            "measure_id": pd.array(sorted({int(m) for m in measure_ids}), dtype="Int64"),
        }
    )
    frame.index = frame.index + 1
    known = storage.known_ids(engine, ("resources", "measures"))
    report = validate_frame(
        frame, "resource_usage", known_codes=None, known_ids=known, source=EDITOR_SOURCE
    )
    return storage.store(
        engine,
        report,
        actor=actor or role,
        mode="replace",
        scope={"resource_id": int(resource_id)},
        demo=False,
    )


def undo_change(engine: Engine, change_id: int, *, role: str, actor: str) -> undo.UndoResult:
    """Undo one recorded change (:func:`cop.data.undo.undo_change`); coordinators only."""
    _require_editor(role)
    return undo.undo_change(engine, change_id, actor=actor)


def undo_batch(engine: Engine, batch_id: str, *, role: str, actor: str) -> undo.UndoResult:
    """Undo a whole import or edit (:func:`cop.data.undo.undo_batch`); coordinators only."""
    _require_editor(role)
    return undo.undo_batch(engine, batch_id, actor=actor)
