"""Requests to join the CoP ("Mee doen?"): submit one, limit abuse, follow it up.

Anyone may ask to join, visitors included: it is the one thing a visitor can submit. A
request names a municipality (one of the 342), the person's name, role, e-mail address and
a message; it is validated like an import (the ``join_requests`` spec) and stored through
the one write path, after which the coordinators get an e-mail
(:func:`cop.community.notify.notify_join_request`; optional, never blocking).

Join requests are personal data of people outside the CoP: the table is declared
``coordinators_only`` so :mod:`cop.access.visibility` gives every other role no rows, on
pages, downloads and cached computations alike.

Abuse: an open form can be used to flood the coordinators' inbox. Two limits apply:

* per browser session (:func:`session_allows`, kept by the page in the session state):
  at most :attr:`RateLimits.per_session` requests per :attr:`RateLimits.session_window`;
  cheap, and it stops a double click or an impatient person without touching the database;
* in the database (:func:`limit_reached`, checked inside the write's transaction, so two
  simultaneous submissions cannot both slip through): per e-mail address, per
  municipality and in total per time window. A new session, another browser or a script
  does not reset these. No IP addresses are stored: the app runs behind Streamlit, which
  does not hand it a trustworthy client address, and an address would be one more piece of
  personal data to guard.

:func:`set_status` follows a request up (new, contacted, joined, declined); "joined" makes
the municipality a partner in the same transaction, with the current year as
``joined_year`` (an existing partner keeps its year).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from cop.access import visibility
from cop.community import notify
from cop.community.forms import cleaned, refusal, rows_unchanged, utcnow, with_notification
from cop.core import vocab
from cop.data import storage
from cop.data.schema import coerce_types
from cop.data.validation import ValidationReport, validate_frame

SOURCE = "join_request"
STATUS_SOURCE = "join_request_status"
STATUSES = vocab.JOIN_STATUSES


@dataclass(frozen=True)
class RateLimits:
    """How many requests to join are accepted, and in which time window.

    The defaults fit a CoP that grows by a handful of municipalities a year: a real person
    never meets them, a script meets them after a few requests.
    """

    per_session: int = 3
    session_window: dt.timedelta = dt.timedelta(hours=1)
    per_email: int = 3
    per_municipality: int = 5
    database_window: dt.timedelta = dt.timedelta(hours=24)
    total: int = 30
    total_window: dt.timedelta = dt.timedelta(hours=1)


LIMITS = RateLimits()


def session_allows(times: Sequence[float], now: float, limits: RateLimits = LIMITS) -> bool:
    """Whether one more request fits in this session (``times``: epoch seconds of its
    earlier requests).

    >>> session_allows([0.0, 10.0, 20.0], 30.0), session_allows([0.0, 10.0, 20.0], 3601.0)
    (False, True)
    """
    window = limits.session_window.total_seconds()
    return sum(1 for t in times if now - t < window) < limits.per_session


def limit_reached(
    conn: Connection,
    email: str,
    municipality_code: str,
    now: dt.datetime,
    limits: RateLimits = LIMITS,
) -> str | None:
    """Which database limit one more request would pass: ``"email"``, ``"municipality"``,
    ``"total"``, or ``None``. E-mail addresses are compared without regard to case."""
    table = storage.SQL_TABLES["join_requests"]
    since = now - limits.database_window

    def count(*where: sa.ColumnElement) -> int:
        query = sa.select(sa.func.count()).select_from(table).where(*where)
        return int(conn.execute(query).scalar() or 0)

    recent = table.c.created_at > since
    if count(recent, sa.func.lower(table.c.email) == email.lower()) >= limits.per_email:
        return "email"
    if count(recent, table.c.municipality_code == municipality_code) >= limits.per_municipality:
        return "municipality"
    if count(table.c.created_at > now - limits.total_window) >= limits.total:
        return "total"
    return None


# ---------------------------------------------------------------- submitting


def new_request_frame(
    municipality_code: str | None,
    name: str | None,
    role: str | None,
    email: str | None,
    message: str | None,
    *,
    now: dt.datetime,
) -> pd.DataFrame:
    """The one-row table of a new request (status ``new``), without an id."""
    code = cleaned(municipality_code)
    return pd.DataFrame(
        {
            "municipality_code": pd.array([code.upper() if code else None], dtype="string"),
            "name": pd.array([cleaned(name)], dtype="string"),
            "role": pd.array([cleaned(role)], dtype="string"),
            "email": pd.array([cleaned(email)], dtype="string"),
            "message": pd.array([cleaned(message)], dtype="string"),
            "status": pd.array(["new"], dtype="string"),
            "created_at": pd.to_datetime([now]).astype("datetime64[ns]"),
        }
    )


def submit_join_request(
    engine: Engine,
    municipality_code: str | None,
    name: str | None,
    role: str | None,
    email: str | None,
    message: str | None,
    *,
    actor: str = "visitor",
    now: dt.datetime | None = None,
    limits: RateLimits = LIMITS,
    environ: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate a request to join and store it when valid and within the database limits.

    The report lists a problem per field (nothing stored), or the rate limit that was
    reached (``join.limit_email``, ``join.limit_municipality``, ``join.limit_total``;
    nothing stored), or is ``ok`` with the stored row (its id from the database) in
    ``frame``. The coordinators are notified after it is stored.
    """
    now = now or utcnow()
    frame = new_request_frame(municipality_code, name, role, email, message, now=now)
    report = validate_frame(
        frame,
        "join_requests",
        known_codes=storage.known_codes(engine),
        today=now.date(),
        source=SOURCE,
    )
    if not report.ok or report.frame is None:
        return report
    row = report.frame.iloc[0]
    reached: list[str] = []

    def within_limits(conn: Connection) -> bool:
        found = limit_reached(conn, str(row["email"]), str(row["municipality_code"]), now, limits)
        if found:
            reached.append(found)
        return found is None

    outcome = storage.write(
        engine,
        [storage.TableWrite("join_requests", report.frame)],
        actor=actor,
        source=SOURCE,
        precondition=within_limits,
    )
    if not outcome.ok:
        return ValidationReport("join_requests", SOURCE, outcome.issues)
    if not outcome.applied:
        return refusal("join_requests", SOURCE, None, f"join.limit_{reached[0]}")
    stored = report.frame.assign(id=outcome.tables["join_requests"].assigned_ids.to_numpy())
    report = storage.WriteReport("join_requests", SOURCE, [], frame=stored, outcome=outcome)
    delivery = notify.notify_join_request(engine, stored.iloc[0].to_dict(), environ=environ)
    return with_notification(report, delivery)


# ---------------------------------------------------------------- following up


def list_requests(engine: Engine, statuses: Sequence[str] = ()) -> pd.DataFrame:
    """The stored requests (newest first), optionally only those with ``statuses``.

    For coordinators: the page shows it only to them, the command line is run by people
    with access to the database.
    """
    return newest_first(storage.read_table(engine, "join_requests"), statuses)


def newest_first(requests: pd.DataFrame, statuses: Sequence[str] = ()) -> pd.DataFrame:
    """The requests with ``statuses`` (all when empty), newest first."""
    if statuses:
        requests = requests[requests["status"].isin(list(statuses))]
    ordered = requests.sort_values(["created_at", "id"], ascending=False, kind="stable")
    return ordered.reset_index(drop=True)


def set_status(
    engine: Engine,
    request_id: int,
    status: str,
    *,
    role: str,
    actor: str,
    today: dt.date | None = None,
) -> ValidationReport:
    """Give request ``request_id`` a new ``status``; "joined" also makes its municipality a
    partner (``is_partner``, ``joined_year`` = this year unless it already was one).

    Coordinators only (``PermissionError`` otherwise). Both rows change in one write; when
    someone else changed the request or the municipality since they were read, nothing is
    stored and the report says so (``join.changed_meanwhile``).
    """
    if not visibility.can_manage_join_requests(role):
        raise PermissionError("only coordinators follow up requests to join")
    today = today or utcnow().date()
    table = storage.SQL_TABLES["join_requests"]
    with engine.connect() as conn:
        found = pd.read_sql(sa.select(table).where(table.c.id == int(request_id)), conn)
    before = coerce_types(found, "join_requests")
    if before.empty:
        return refusal("join_requests", STATUS_SOURCE, "id", "join.unknown_request", id=request_id)
    after = before.assign(status=pd.array([status], dtype="string"))
    report = validate_frame(
        after,
        "join_requests",
        known_codes=storage.known_codes(engine),
        today=today,
        source=STATUS_SOURCE,
    )
    if not report.ok or report.frame is None:
        return report
    writes = [storage.TableWrite("join_requests", report.frame)]
    checks = [rows_unchanged("join_requests", before)]
    if status == "joined":
        code = str(before.at[0, "municipality_code"])
        towns = storage.read_table(engine, "municipalities")
        towns = towns[towns["code"] == code].reset_index(drop=True)
        if towns.empty:
            return refusal(
                "join_requests", STATUS_SOURCE, "municipality_code", "err.unknown_municipality"
            )
        partner = towns.copy()
        if not bool(partner.at[0, "is_partner"]) or pd.isna(partner.at[0, "joined_year"]):
            partner["is_partner"] = pd.array([True], dtype="boolean")
            partner["joined_year"] = pd.array([today.year], dtype="Int64")
        town_report = validate_frame(
            partner, "municipalities", known_codes=None, today=today, source=STATUS_SOURCE
        )
        if not town_report.ok or town_report.frame is None:
            return town_report
        writes.append(storage.TableWrite("municipalities", town_report.frame))
        checks.append(rows_unchanged("municipalities", towns))
    outcome = storage.write(
        engine,
        writes,
        actor=actor,
        source=STATUS_SOURCE,
        precondition=lambda conn: all(check(conn) for check in checks),
    )
    if not outcome.ok:
        return ValidationReport("join_requests", STATUS_SOURCE, outcome.issues)
    if not outcome.applied:
        return refusal("join_requests", STATUS_SOURCE, None, "join.changed_meanwhile")
    return storage.WriteReport(
        "join_requests", STATUS_SOURCE, [], frame=report.frame, outcome=outcome
    )
