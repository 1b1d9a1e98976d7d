"""Forms validated like imports: one-row frames, the schema's rules, a message per field.

A form of the community pages (an answer, a request to join) is turned into a one-row
frame of the table it is stored in and checked by :func:`cop.data.validation.validate_frame`,
the same code that checks an imported spreadsheet: required fields, lengths, the e-mail
pattern, vocabularies and municipality codes. Nothing is stored when a field fails; the
person sees one message per field, named by the field's label instead of a spreadsheet
row and column.

Examples
--------
>>> cleaned("  Anna  de Vries \\n"), cleaned("   ")
('Anna  de Vries', None)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cop.core import i18n
from cop.core.mail import Delivery
from cop.data.bulk import db_rows, select_rows
from cop.data.migrations import SQL_TABLES
from cop.data.schema import TABLES, coerce_types
from cop.data.validation import Issue, ValidationReport
from cop.data.writes import WriteReport


def utcnow() -> dt.datetime:
    """Now as naive UTC to the second (what is stored as ``created_at``)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def cleaned(value: object) -> str | None:
    """A typed text without surrounding white space; empty becomes missing (so "required"
    catches a field of spaces). Inner spacing and line breaks are kept as typed."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: its column, its label and the message."""

    column: str | None
    label: str
    message: str


def field_problems(
    report: ValidationReport, lang: str | None, labels: Mapping[str, str] | None = None
) -> list[FieldProblem]:
    """The report's issues as one message per field, in the order of the form's fields.

    ``labels`` maps a column to the label its field has on the form (catalog keys), in the
    order the form shows them; other columns use their ``col.<name>`` label and come last. The message is the import's message
    without the row ("Row 2, column ..."), which means nothing on a form.
    """
    labels = labels or {}
    order = {column: i for i, column in enumerate(labels)}
    problems = []
    for issue in sorted(report.issues, key=lambda i: order.get(i.column or "", len(order))):
        label = _label(issue.column, lang, labels)
        text = dataclasses.replace(issue, row=None, column=None).message(lang)
        problems.append(FieldProblem(issue.column, label, text))
    return problems


def _label(column: str | None, lang: str | None, labels: Mapping[str, str]) -> str:
    if column is None:
        return ""
    if column in labels:
        return i18n.t(labels[column], lang)
    key = f"col.{column}"
    return i18n.t(key, lang) if i18n.has_key(key) else column


@dataclass
class NotifiedReport(WriteReport):
    """A stored form's report with the e-mail on its way (``None``: mail is off)."""

    notification: Delivery | None = None


def with_notification(report: WriteReport, delivery: Delivery | None) -> NotifiedReport:
    """``report`` with the notification about it, so a caller (a test) can wait for it."""
    values = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    return NotifiedReport(**values, notification=delivery)


def refusal(
    table: str, source: str, column: str | None, key: str, **params: object
) -> ValidationReport:
    """A report with one issue of the form's own (a rule the schema does not know)."""
    issue = Issue(None, column, key, params={k: str(v) for k, v in params.items()})
    return ValidationReport(table, source, [issue])


def rows_unchanged(table: str, frame: pd.DataFrame) -> Callable[[Connection], bool]:
    """A :func:`cop.data.writes.write` precondition: the rows of ``frame`` (as read before
    the change was made) are still stored exactly so.

    A form that changes a stored row (marking a question answered, following up a request)
    builds the new row from what it read; if someone else changed that row in between,
    writing would silently undo their change. Checked inside the write's transaction.
    """
    spec = TABLES[table]
    key = [spec.columns.index(c) for c in spec.key]

    def by_key(row: tuple[object, ...]) -> tuple[str, ...]:
        return tuple(str(row[i]) for i in key)

    expected = sorted(db_rows(coerce_types(frame, table), spec.columns), key=by_key)
    columns = [SQL_TABLES[table].c[c] for c in spec.key]
    target = columns[0] if len(columns) == 1 else sa.tuple_(*columns)
    values = [row[0] for row in db_rows(coerce_types(frame, table), list(spec.key))]
    if len(columns) > 1:
        values = db_rows(coerce_types(frame, table), list(spec.key))

    def check(conn: Connection) -> bool:
        found = select_rows(conn, table, [target.in_(values)]) if values else []
        return sorted(found, key=by_key) == expected

    return check
