"""Record a CoP meeting (and its summary afterwards), so the next brief knows what is new.

Like every write, a meeting is validated as a one-row table through
:func:`cop.data.validation.validate_frame` and stored with
:func:`cop.data.storage.import_frame_report` (upsert by id): a bad date, theme or host code
changes nothing, and the report says what to fix. Only coordinators may record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy.engine import Engine

from cop.access import visibility
from cop.data import storage
from cop.data.validation import ValidationReport, validate_frame

SOURCE = "meeting_form"


def meeting_frame(
    meetings: pd.DataFrame,
    *,
    date: dt.date,
    title: str,
    themes: Sequence[str] = (),
    host_code: str | None = None,
    summary: str | None = None,
    meeting_id: int | None = None,
) -> pd.DataFrame:
    """The one-row ``meetings`` table for a new meeting (next free id) or an existing one."""
    if meeting_id is None:
        meeting_id = int(meetings["id"].max()) + 1 if len(meetings) else 1
    summary = str(summary or "").strip() or None
    return pd.DataFrame(
        {
            "id": [str(meeting_id)],
            "date": [date.isoformat()],
            "host_code": [host_code or None],
            "title": [" ".join(str(title).split()) or None],
            "themes": [";".join(themes) or None],
            "summary": [summary],
        },
        dtype="string",
    )


def record_meeting(
    engine: Engine,
    *,
    role: str,
    date: dt.date,
    title: str,
    themes: Sequence[str] = (),
    host_code: str | None = None,
    summary: str | None = None,
    meeting_id: int | None = None,
) -> ValidationReport:
    """Validate and store a meeting; ``meeting_id`` updates that meeting instead of adding."""
    if not visibility.can_edit(role):
        raise PermissionError("only coordinators may record meetings")
    existing = storage.read_table(engine, "meetings")
    frame = meeting_frame(
        existing,
        date=date,
        title=title,
        themes=themes,
        host_code=host_code,
        summary=summary,
        meeting_id=meeting_id,
    )
    frame.index = frame.index + 1  # row 1 in the report is the form
    report = validate_frame(
        frame, "meetings", known_codes=storage.known_codes(engine), source=SOURCE
    )
    if report.ok and report.frame is not None:
        report.frame = report.frame.reset_index(drop=True)
    return storage.import_frame_report(engine, "meetings", report)
