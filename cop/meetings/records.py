"""Record a CoP meeting (and its summary afterwards), so the next brief knows what is new.

Like every write, a meeting is validated as a one-row table through
:func:`cop.data.validation.validate_frame` and stored with
:func:`cop.data.storage.store` (upsert by id): a bad date, theme or host code changes
nothing, and the report says what to fix. A new meeting gets its id from the database.
Only coordinators may record.
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
    *,
    date: dt.date,
    title: str,
    themes: Sequence[str] = (),
    host_code: str | None = None,
    summary: str | None = None,
    meeting_id: int | None = None,
) -> pd.DataFrame:
    """The one-row ``meetings`` table of an existing meeting, or of a new one without an id
    (the database assigns it when the row is stored)."""
    summary = str(summary or "").strip() or None
    ids = {} if meeting_id is None else {"id": [str(meeting_id)]}
    return pd.DataFrame(
        {
            **ids,
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
    actor: str | None = None,
    loaded: pd.DataFrame | None = None,
) -> ValidationReport:
    """Validate and store a meeting; ``meeting_id`` updates that meeting instead of adding.

    ``actor`` names who records (the username; the role when not given). ``loaded`` is
    the meeting row as the form showed it: when someone changed that meeting since, nothing
    is stored and the result is a :class:`cop.data.locking.ConflictReport` with their
    values (optimistic locking).
    """
    if not visibility.can_edit(role):
        raise PermissionError("only coordinators may record meetings")
    frame = meeting_frame(
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
    return storage.store(engine, report, actor=actor or role, expected=loaded)
