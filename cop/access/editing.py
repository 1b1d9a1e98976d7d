"""Coordinators change data: file imports and table edits, validated before anything is stored.

Both paths end in :func:`cop.data.storage.import_frame_report`, which writes in one transaction
only when the whole table is valid, so a bad file or a bad edit changes nothing. The role
check lives here (not only in the page layout): a page that forgot to hide the section
still could not store anything for a visitor or member.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Engine

from cop.access import visibility
from cop.data import storage
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
) -> ValidationReport:
    """Validate an uploaded CSV/Excel file and store it only when it is valid.

    ``replace`` swaps the whole table; otherwise rows are upserted by key.
    """
    _require_editor(role)
    return storage.import_file(engine, table, data, replace=replace, filename=filename)


def save_table_edit(
    engine: Engine,
    table: str,
    edited: pd.DataFrame,
    *,
    role: str,
    today: dt.date | None = None,
) -> ValidationReport:
    """Store an edited copy of a whole table (rows may be changed, added or deleted).

    Rows in the report are numbered from 1 in the order of the editor, so "row 3" is
    the third row the coordinator sees.
    """
    _require_editor(role)
    frame = edited.reset_index(drop=True)
    frame.index = frame.index + 1
    codes = storage.known_codes(engine) if table != "municipalities" else None
    report = validate_frame(frame, table, known_codes=codes, today=today, source=EDITOR_SOURCE)
    if not report.ok:
        return report
    report.frame = report.frame.reset_index(drop=True)
    return storage.import_frame_report(engine, table, report, replace=True)
