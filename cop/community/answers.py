"""Answers to help questions: post one, mark a question answered, search what was answered.

Who may do what is decided by :mod:`cop.access.visibility` (:func:`answer_refusal`,
:func:`may_mark_answered`); this module checks it again before anything is written, so a
page that forgot a check still cannot store an answer for a visitor.

* :func:`post_answer` validates the answer like an import (one-row frame, the ``answers``
  spec: required text, length, existing question, municipality or expert), stores it
  through the one write path and then tells the asking municipality by e-mail
  (:func:`cop.community.notify.notify_answer`; optional, never blocking).
* :func:`mark_answered` closes a question and flags the answers that helped, in one write:
  the question's ``status`` becomes ``answered`` and ``answered_by`` names who helped.
* :func:`question_index` and :func:`search_questions` make answered questions findable
  as knowledge: a text search over the question, its answers and the names involved,
  with filters by theme and status.
* :func:`answers_since` lists the answers given between two dates (for meeting briefs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cop.access import visibility
from cop.community import notify
from cop.community.forms import cleaned, refusal, rows_unchanged, utcnow, with_notification
from cop.core.textmatch import normalise
from cop.data import storage
from cop.data.schema import coerce_types
from cop.data.validation import ValidationReport, validate_frame

SOURCE = "answer"
MARK_SOURCE = "mark_answered"
MIN_ANSWER_LENGTH = 10
ANSWERED_BY_MAX = 200  # help_questions.answered_by's declared length

INDEX_COLUMNS: tuple[str, ...] = (
    "id",
    "municipality_code",
    "asker_name",
    "asked_on",
    "theme",
    "question",
    "status",
    "answered_by",
    "answers",
    "last_answer_on",
    "search_text",
)


# ---------------------------------------------------------------- posting an answer


def new_answer_frame(
    question_id: int,
    text: str | None,
    *,
    municipality_code: str | None,
    expert_id: int | None,
    author: str | None,
    now: dt.datetime,
) -> pd.DataFrame:
    """The one-row table of a new answer, without an id (the database assigns it)."""
    return pd.DataFrame(
        {
            "question_id": pd.array([question_id], dtype="Int64"),
            "municipality_code": pd.array([cleaned(municipality_code)], dtype="string"),
            "expert_id": pd.array([expert_id], dtype="Int64"),
            "author": pd.array([cleaned(author)], dtype="string"),
            "text": pd.array([cleaned(text)], dtype="string"),
            "created_at": pd.to_datetime([now]).astype("datetime64[ns]"),
            "helped": pd.array([False], dtype="boolean"),
        }
    )


def _question(engine: Engine, question_id: int) -> pd.Series | None:
    table = storage.SQL_TABLES["help_questions"]
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(table).where(table.c.id == int(question_id)), conn)
    frame = coerce_types(frame, "help_questions")
    return None if frame.empty else frame.iloc[0]


def _is_partner(engine: Engine, code: str | None) -> bool:
    if not code:
        return False
    towns = storage.SQL_TABLES["municipalities"]
    with engine.connect() as conn:
        value = conn.execute(sa.select(towns.c.is_partner).where(towns.c.code == code)).scalar()
    return bool(value)


def answer_refusal_for(
    engine: Engine,
    role: str,
    account_municipality: str | None,
    municipality_code: str | None = None,
    expert_id: int | None = None,
) -> str | None:
    """:func:`cop.access.visibility.answer_refusal` with the partner status looked up.

    Without a municipality or expert the question is "may this person answer at all":
    a member for their own municipality, a coordinator for any.
    """
    if municipality_code is None and expert_id is None:
        if role == "coordinator":
            return None
        if role != "member":
            return "sign_in"
        if not account_municipality:
            return "no_municipality"
        municipality_code = account_municipality
    return visibility.answer_refusal(
        role,
        account_municipality,
        municipality_code,
        expert_id,
        is_partner=role == "coordinator" or _is_partner(engine, municipality_code),
    )


def post_answer(
    engine: Engine,
    question_id: int,
    text: str | None,
    *,
    role: str,
    account_municipality: str | None,
    author: str,
    municipality_code: str | None = None,
    expert_id: int | None = None,
    now: dt.datetime | None = None,
    environ: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate an answer and store it when valid; then notify the asker (if mail is set up).

    A member answers for ``account_municipality`` (``municipality_code`` defaults to it);
    a coordinator names a municipality or an expert organisation. Raises
    ``PermissionError`` when the role may not answer in that name. The report's ``frame``
    holds the stored row with the id the database gave it.
    """
    if role == "member" and municipality_code is None and expert_id is None:
        municipality_code = account_municipality
    reason = answer_refusal_for(engine, role, account_municipality, municipality_code, expert_id)
    if reason is not None:
        raise PermissionError(f"this role may not answer in this name ({reason})")
    question = _question(engine, question_id)
    if question is None:
        return refusal("answers", SOURCE, "question_id", "questions.unknown_question")
    frame = new_answer_frame(
        question_id,
        text,
        municipality_code=municipality_code,
        expert_id=expert_id,
        author=author,
        now=now or utcnow(),
    )
    typed = frame.at[0, "text"]
    if pd.notna(typed) and len(str(typed)) < MIN_ANSWER_LENGTH:
        return refusal("answers", SOURCE, "text", "questions.answer_short", min=MIN_ANSWER_LENGTH)
    report = validate_frame(
        frame,
        "answers",
        known_codes=storage.known_codes(engine),
        today=(now or utcnow()).date(),
        source=SOURCE,
        known_ids=storage.known_ids(engine, ["help_questions", "experts"]),
    )
    stored = storage.store(engine, report, actor=author)
    if isinstance(stored, storage.WriteReport) and stored.frame is not None:
        row = stored.frame.iloc[0].to_dict()
        delivery = notify.notify_answer(engine, row, question.to_dict(), environ=environ)
        return with_notification(stored, delivery)
    return stored


# ---------------------------------------------------------------- marking a question answered


def _answerer_names(
    answers: pd.DataFrame, municipalities: pd.DataFrame, experts: pd.DataFrame
) -> pd.Series:
    """Who gave each answer: the municipality's or the organisation's name."""
    towns = municipalities.set_index("code")["name"]
    orgs = experts.set_index("id")["name"]
    by_town = answers["municipality_code"].map(towns)
    by_org = answers["expert_id"].map(orgs)
    fallback = (
        answers["municipality_code"].astype("string").fillna(answers["expert_id"].astype("string"))
    )
    return by_town.fillna(by_org).fillna(fallback).astype("string")


def _joined_names(names: Iterable[str]) -> str | None:
    """Distinct names joined with "; ", cut to fit ``answered_by``."""
    text = "; ".join(dict.fromkeys(n for n in names if n))
    if len(text) > ANSWERED_BY_MAX:
        text = text[: ANSWERED_BY_MAX - 1].rsplit("; ", 1)[0] + "…"
    return text or None


def mark_answered(
    engine: Engine,
    question_id: int,
    helped: Sequence[int],
    *,
    role: str,
    account_municipality: str | None,
    actor: str,
) -> ValidationReport:
    """Close a question and flag the answers that ``helped`` (ids of its answers).

    Allowed for the asking municipality's members and coordinators (``PermissionError``
    otherwise). ``answered_by`` becomes the names of those who gave the helpful answers
    (unchanged when none is named). Done again, it changes which answers helped. When
    someone else changed the question or its answers since they were read, nothing is
    stored and the report says so.
    """
    question = _question(engine, question_id)
    if question is None:
        return refusal("help_questions", MARK_SOURCE, None, "questions.unknown_question")
    if not visibility.may_mark_answered(role, account_municipality, question["municipality_code"]):
        raise PermissionError("only the asking municipality or a coordinator closes a question")
    thread = storage.read_table(engine, "answers")
    thread = thread[thread["question_id"] == int(question_id)]
    chosen = {int(i) for i in helped}
    unknown = chosen - {int(i) for i in thread["id"]}
    if unknown:
        return refusal("answers", MARK_SOURCE, "helped", "questions.helped_unknown")
    names = _answerer_names(
        thread[thread["id"].isin(chosen)],
        storage.read_table(engine, "municipalities"),
        storage.read_table(engine, "experts"),
    )
    before = question.to_frame().T
    after = coerce_types(before, "help_questions")
    after["status"] = "answered"
    if chosen:
        after["answered_by"] = _joined_names(names.dropna())
    report = validate_frame(
        after, "help_questions", known_codes=storage.known_codes(engine), source=MARK_SOURCE
    )
    if not report.ok:
        return report
    flagged = thread.assign(helped=thread["id"].isin(chosen))
    checks = [rows_unchanged("help_questions", before), rows_unchanged("answers", thread)]
    writes = [storage.TableWrite("help_questions", report.frame)]
    if len(flagged):
        writes.append(storage.TableWrite("answers", flagged))
    outcome = storage.write(
        engine,
        writes,
        actor=actor,
        source=MARK_SOURCE,
        precondition=lambda conn: all(check(conn) for check in checks),
    )
    if not outcome.ok:
        return ValidationReport("help_questions", MARK_SOURCE, outcome.issues)
    if not outcome.applied:
        return refusal("help_questions", MARK_SOURCE, None, "questions.changed_meanwhile")
    return storage.WriteReport(
        "help_questions", MARK_SOURCE, [], frame=report.frame, outcome=outcome
    )


# ---------------------------------------------------------------- threads and search


def thread_of(
    answers: pd.DataFrame,
    question_id: int,
    municipalities: pd.DataFrame,
    experts: pd.DataFrame,
) -> pd.DataFrame:
    """The answers to one question, oldest first, with ``answerer`` (who answered)."""
    rows = answers[answers["question_id"] == int(question_id)]
    rows = rows.assign(answerer=_answerer_names(rows, municipalities, experts))
    return rows.sort_values(["created_at", "id"], kind="stable").reset_index(drop=True)


def question_index(
    questions: pd.DataFrame,
    answers: pd.DataFrame,
    municipalities: pd.DataFrame,
    experts: pd.DataFrame,
) -> pd.DataFrame:
    """Every question with its answer count, last answer date and its searchable text.

    ``search_text`` is the normalised text (:func:`cop.core.textmatch.normalise`) of the
    question, the asker's name, ``answered_by``, and every answer with its answerer's
    name: a search finds a question by what was answered, not only by what was asked.
    """
    towns = municipalities.set_index("code")["name"]
    names = _answerer_names(answers, municipalities, experts)
    texts = (
        answers.assign(_who=names.fillna(""), _text=answers["text"].fillna(""))
        .groupby("question_id")
        .agg(
            answers=("id", "size"),
            last_answer_on=("created_at", "max"),
            answer_text=("_text", " ".join),
            answerers=("_who", " ".join),
        )
    )
    out = questions.assign(asker_name=questions["municipality_code"].map(towns).astype("string"))
    out = out.join(texts, on="id")
    out["answers"] = out["answers"].fillna(0).astype("Int64")
    parts = [
        out[c].astype("string").fillna("")
        for c in ("question", "asker_name", "answered_by", "answer_text", "answerers")
    ]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined + " " + part
    out["search_text"] = combined.map(normalise).astype("string")
    out = out.sort_values(["asked_on", "id"], ascending=[False, False], kind="stable")
    return out[list(INDEX_COLUMNS)].reset_index(drop=True)


def search_questions(
    index: pd.DataFrame,
    *,
    text: str = "",
    themes: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> pd.DataFrame:
    """Questions whose searchable text holds every word of ``text`` (accents, case and
    punctuation ignored; "tegel" finds "tegelwippen"), on ``themes`` and with ``statuses``
    (empty: no restriction). Open questions first, then newest first.

    Examples
    --------
    >>> index = pd.DataFrame({"id": [1, 2], "theme": ["depaving"] * 2,
    ...     "status": ["answered", "open"], "asked_on": pd.to_datetime(["2026-01-01"] * 2),
    ...     "search_text": ["tegels wippen", "maaien met de aannemer"]})
    >>> search_questions(index, text="Tégel")["id"].tolist()
    [1]
    """
    keep = pd.Series(True, index=index.index)
    for word in normalise(text).split():
        keep &= index["search_text"].str.contains(word, regex=False).fillna(False)
    if themes:
        keep &= index["theme"].isin(list(themes))
    if statuses:
        keep &= index["status"].isin(list(statuses))
    found = index[keep.astype(bool)]
    order = found["status"].ne("open").astype(int)
    found = found.assign(_open_last=order).sort_values(
        ["_open_last", "asked_on", "id"], ascending=[True, False, False], kind="stable"
    )
    return found.drop(columns="_open_last").reset_index(drop=True)


def answers_since(
    answers: pd.DataFrame,
    questions: pd.DataFrame,
    municipalities: pd.DataFrame,
    experts: pd.DataFrame,
    since: dt.date,
    until: dt.date,
    themes: Sequence[str] = (),
) -> pd.DataFrame:
    """Answers given after ``since`` and on or before ``until`` (on questions of ``themes``;
    all when empty), oldest first: ``id``, ``question_id``, ``created_at``, ``asker_code``,
    ``theme``, ``question``, ``answerer``, ``helped``."""
    day = answers["created_at"].dt.normalize()
    chosen = answers[(day > pd.Timestamp(since)) & (day <= pd.Timestamp(until))]
    asked = questions.set_index("id")
    chosen = chosen[chosen["question_id"].isin(asked.index)]
    out = pd.DataFrame(
        {
            "id": chosen["id"],
            "question_id": chosen["question_id"],
            "created_at": chosen["created_at"],
            "asker_code": chosen["question_id"].map(asked["municipality_code"]),
            "theme": chosen["question_id"].map(asked["theme"]),
            "question": chosen["question_id"].map(asked["question"]),
            "answerer": _answerer_names(chosen, municipalities, experts),
            "helped": chosen["helped"].fillna(False).astype(bool),
        }
    )
    if themes:
        out = out[out["theme"].isin(list(themes))]
    return out.sort_values(["created_at", "id"], kind="stable").reset_index(drop=True)
