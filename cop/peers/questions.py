"""Post a help question: validated like any import, stored through the one write path.

The question's id comes from the database when it is stored (never ``max(id) + 1``
computed beforehand, which two people posting at the same moment would both get).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy.engine import Engine

from cop.access import visibility
from cop.data import storage
from cop.data.validation import Issue, ValidationReport, validate_frame

MIN_QUESTION_LENGTH = 10
SOURCE = "help_question"


def new_question_frame(
    municipality_code: str,
    theme: str,
    question: str,
    *,
    today: dt.date,
) -> pd.DataFrame:
    """The one-row table of a new open question, without an id (the database assigns it)."""
    return pd.DataFrame(
        {
            "municipality_code": pd.array([municipality_code], dtype="string"),
            "asked_on": pd.to_datetime([today]).astype("datetime64[ns]"),
            "theme": pd.array([theme], dtype="string"),
            "question": pd.array([" ".join(str(question).split()) or None], dtype="string"),
            "status": pd.array(["open"], dtype="string"),
            "answered_by": pd.array([None], dtype="string"),
        }
    )


def post_help_question(
    engine: Engine,
    municipality_code: str,
    theme: str,
    question: str,
    *,
    role: str,
    account_municipality: str | None = None,
    today: dt.date | None = None,
    actor: str | None = None,
) -> ValidationReport:
    """Validate a new help question and store it when valid; the report says what is wrong.

    Only members and coordinators may post (:func:`cop.access.visibility.may_post_for`); a member
    whose account names a municipality posts for that municipality only. Nothing is
    stored unless the question passes the same validation as an imported file. The
    report's ``frame`` holds the stored row with the id the database gave it. ``actor``
    names who posts (the username; the role when not given).
    """
    if not visibility.may_post_for(role, account_municipality, municipality_code):
        raise PermissionError("this role may not post a help question for this municipality")
    today = today or dt.date.today()
    frame = new_question_frame(municipality_code, theme, question, today=today)
    text = frame.at[0, "question"]
    if pd.notna(text) and len(str(text)) < MIN_QUESTION_LENGTH:
        issue = Issue(None, "question", "peers.question_short", params={"min": MIN_QUESTION_LENGTH})
        return ValidationReport("help_questions", SOURCE, [issue])
    report = validate_frame(
        frame,
        "help_questions",
        known_codes=storage.known_codes(engine),
        today=today,
        source=SOURCE,
    )
    return storage.store(engine, report, actor=actor or role)
