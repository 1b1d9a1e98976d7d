"""Members share practices; coordinators review them. Validated like imports, stored once.

A shared practice is a row of ``measures`` with a review state (see docs/sharing-practices.md for
why the state lives on ``measures`` rather than in a separate table):

* a **member** submits for the municipality their account names; the row is stored as
  ``pending`` and the published view (:func:`cop.data.storage.read_table`, which every
  page, download, brief and export reads) leaves it out until a coordinator publishes it.
  The member sees it, with the coordinator's message, and may edit it while it is not
  published (an edit sends it back to ``pending``);
* a **coordinator** reviews: ``publish``, ``changes_requested`` (a message the member
  reads) or ``rejected`` (with a reason). A practice a coordinator shares is published at
  once: the coordinator is the reviewer;
* a member's edit of an already **published** practice of their own municipality is
  published at once as well, and the coordinators are told by e-mail; the change log
  (:mod:`cop.data.changes`) keeps the old values. Why: the practice was reviewed once,
  only an account of that municipality may change it, and a correction (a status that is
  now "realised", a wrong year) should not vanish from the map while it waits.

Nothing is stored when anything is wrong: the form's fields go through the same
:func:`cop.data.validation.validate_frame` as a file import (lengths, required fields,
vocabularies, coordinates), the place must lie in the municipality
(:mod:`cop.community.location`) and every photo must pass :mod:`cop.community.photos`;
all problems come back together, one per field, and nothing is written until there are none.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.engine import Engine

from cop.community import location, notify, photos
from cop.core import i18n, vocab
from cop.core.mail import Delivery
from cop.core.text import plain
from cop.data import presentation, storage
from cop.data.schema import TABLES
from cop.data.validation import Issue, ValidationReport, validate_frame
from cop.data.writes import TableWrite, write

log = logging.getLogger(__name__)

SOURCE = "share"
PENDING = "pending"
CHANGES_REQUESTED = "changes_requested"
REJECTED = "rejected"
PUBLISHED = vocab.PUBLISHED
#: What a member fills in (the measure's own columns); the rest is set here.
FORM_FIELDS: tuple[str, ...] = (
    "title",
    "theme",
    "status",
    "start_year",
    "scale_value",
    "scale_unit",
    "lat",
    "lon",
    "cost_eur",
    "funding",
    "partners",
    "description",
    "lessons_learned",
    "url",
)
#: The review's own states in the order the queue shows them (waiting longest first).
QUEUE_STATES: tuple[str, ...] = (PENDING, CHANGES_REQUESTED)
MAX_PHOTOS = 6
MIN_MESSAGE_LENGTH = 5


@dataclass
class Upload:
    """One uploaded file as the form gives it: the bytes and an optional caption."""

    data: bytes
    caption: str | None = None


@dataclass
class ShareResult:
    """What happened: the report (problems per field), the stored id and its state."""

    report: ValidationReport
    measure_id: int | None = None
    state: str | None = None
    place: location.PlaceCheck | None = None
    photo_ids: list[int] = field(default_factory=list)
    #: The e-mail to the coordinators, sent after storing (``None``: nothing sent).
    notification: Delivery | None = None

    @property
    def ok(self) -> bool:
        return self.report.ok and self.measure_id is not None


# ---------------------------------------------------------------- who may do what


def may_share(role: str, account_municipality: str | None, municipality_code: str) -> bool:
    """Share a practice for ``municipality_code``: a coordinator for any municipality, a
    member only for the one their account names (a member without one cannot share)."""
    if role == "coordinator":
        return True
    return (
        role == "member"
        and bool(account_municipality)
        and account_municipality == municipality_code
    )


def may_edit(
    role: str, account_municipality: str | None, username: str | None, row: Mapping[str, object]
) -> bool:
    """Edit a stored practice: a coordinator always; a member their own submission while it
    is not published, or a published practice of their own municipality (not a rejected one)."""
    if role == "coordinator":
        return True
    if role != "member" or not username:
        return False
    state = row.get("review_state") or PUBLISHED
    if state == PUBLISHED:
        return bool(account_municipality) and row.get("municipality_code") == account_municipality
    return state in QUEUE_STATES and row.get("submitted_by") == username


def _require_coordinator(role: str) -> None:
    if role != "coordinator":
        raise PermissionError("only coordinators review shared practices")


# ---------------------------------------------------------------- reading


def all_practices(engine: Engine) -> pd.DataFrame:
    """Every practice with its review columns (for the review and a member's own list)."""
    return storage.read_table(engine, "measures", unpublished=True)


def photos_of(engine: Engine, measure_id: int) -> pd.DataFrame:
    """The photo rows (no pictures) of one practice in any state: for its reviewer or owner."""
    every = storage.read_table(engine, "photos", unpublished=True)
    return every[every["measure_id"] == int(measure_id)].reset_index(drop=True)


def review_queue(measures: pd.DataFrame) -> pd.DataFrame:
    """Practices waiting for a coordinator (``pending``) or for the member
    (``changes_requested``), the longest waiting first."""
    waiting = measures[measures["review_state"].isin(QUEUE_STATES)]
    return waiting.sort_values(["submitted_at", "id"], na_position="first").reset_index(drop=True)


def own_submissions(measures: pd.DataFrame, username: str | None) -> pd.DataFrame:
    """What ``username`` submitted, in any state, the newest first."""
    if not username:
        return measures.iloc[0:0]
    mine = measures[measures["submitted_by"] == username]
    return mine.sort_values(
        ["submitted_at", "id"], ascending=False, na_position="last"
    ).reset_index(drop=True)


# ---------------------------------------------------------------- sharing and editing


#: Form labels of the fields that are not measure columns.
_FIELD_LABELS = {"photos": "share.photos_label", "lat": "share.place", "lon": "share.place"}


def field_problems(report: ValidationReport, lang: str | None) -> list[str]:
    """One line per problem, named by the form's field ("Titel: hier is een waarde verplicht.").

    The same issues an import reports with its row and column; a form has one row, so the
    field's label is what tells the member where to look.
    """
    lines = []
    for issue in report.issues:
        column = issue.column or ""
        name = (
            i18n.t(_FIELD_LABELS[column], lang)
            if column in _FIELD_LABELS
            else presentation.column_label(column, lang)
        )
        problem = i18n.t(issue.key, lang, **issue._params_for_text(lang))
        if issue.value is not None and column not in _FIELD_LABELS:
            problem += " " + i18n.t("err.where_value", lang, value=plain(issue.value)[:60])
        lines.append(plain(i18n.t("share.field_problem", lang, field=name, problem=problem)))
    return lines


def _form_frame(values: Mapping[str, object], code: str, today: dt.date) -> pd.DataFrame:
    """The form as a one-row table of text cells, the way a file import reads a sheet."""

    def cell(value: object) -> object:
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            number = float(value)  # type: ignore[arg-type]
            if math.isnan(number):
                return None
            return str(int(number)) if number.is_integer() else repr(number)
        return " ".join(str(value).split()) or None

    row: dict[str, object] = {name: cell(values.get(name)) for name in FORM_FIELDS}
    row["municipality_code"] = code
    row["updated_at"] = today.isoformat()
    for multiline in ("description", "lessons_learned", "partners"):  # keep paragraphs
        value = values.get(multiline)
        empty = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
        row[multiline] = None if empty else (str(value).strip() or None)
    frame = pd.DataFrame([row], dtype=object)
    frame.index = frame.index + 1
    return frame


def share_practice(
    engine: Engine,
    values: Mapping[str, object],
    *,
    municipality_code: str,
    role: str,
    account_municipality: str | None,
    username: str,
    municipalities: pd.DataFrame,
    boundaries_gdf: object | None,
    uploads: Sequence[Upload] = (),
    measure_id: int | None = None,
    today: dt.date | None = None,
    environ: Mapping[str, str] | None = None,
) -> ShareResult:
    """Validate a shared (or edited) practice and its photos; store them only when all is well.

    ``values`` are the form's fields (:data:`FORM_FIELDS`). With ``measure_id`` the stored
    practice is edited (:func:`may_edit` decides whether this person may). The returned
    report holds every problem at once, each naming its field (``column``); the photos'
    problems name ``photos`` and the place ``lat``.

    Raises
    ------
    PermissionError
        When the person may not share for this municipality or edit this practice.
    """
    today = today or dt.date.today()
    if not may_share(role, account_municipality, municipality_code):
        raise PermissionError("this account may not share a practice for this municipality")
    stored = None
    if measure_id is not None:
        every = all_practices(engine)
        found = every[every["id"] == int(measure_id)]
        if found.empty:
            raise PermissionError("no such practice")
        stored = found.iloc[0].to_dict()
        if not may_edit(role, account_municipality, username, stored):
            raise PermissionError("this account may not edit this practice")
        if stored["municipality_code"] != municipality_code and role != "coordinator":
            raise PermissionError("a practice stays with its municipality")

    frame = _form_frame(values, municipality_code, today)
    state = _next_state(role, stored)
    if measure_id is not None:
        frame.insert(0, "id", str(int(measure_id)))
    if stored is None:
        frame["submitted_by"] = username
        frame["submitted_at"] = today.isoformat()
    if stored is None or state != PUBLISHED or stored.get("review_state") != PUBLISHED:
        frame["review_state"] = state
        frame["review_message"] = None  # a new version answers the coordinator's message

    issues: list[Issue] = []
    report = validate_frame(
        frame,
        "measures",
        known_codes=storage.known_codes(engine),
        today=today,
        source=SOURCE,
    )
    issues += report.issues
    place = None
    if report.ok or not {i.column for i in report.issues} & {"lat", "lon"}:
        place = location.check_place(
            _number(values.get("lat")),
            _number(values.get("lon")),
            municipality_code,
            municipalities,
            boundaries_gdf,
        )
        if not place.ok:
            issues.append(Issue(None, "lat", place.key, params=_text_params(place.params)))
    prepared, photo_issues = _prepare_photos(uploads)
    issues += photo_issues
    if issues:
        return ShareResult(ValidationReport("measures", SOURCE, issues), place=place)

    stored_report = storage.store(engine, report, actor=username)
    if not stored_report.ok or stored_report.frame is None:
        return ShareResult(stored_report, place=place)
    new_id = int(stored_report.frame["id"].iloc[0])
    photo_ids = _store_photos(engine, new_id, prepared, username, state, today)
    if state == PUBLISHED and stored is not None and stored.get("review_state") != PUBLISHED:
        _publish_photos(engine, new_id, username)  # a coordinator's edit publishes
    row = {**frame.iloc[0].to_dict(), "id": new_id, "submitted_by": username}
    notification = None
    if role != "coordinator":
        notification = _tell_coordinators(engine, row, environ)
    return ShareResult(stored_report, new_id, state, place, photo_ids, notification)


def _next_state(role: str, stored: Mapping[str, object] | None) -> str:
    """A coordinator publishes what they share; a member's new or unpublished practice waits;
    a member's edit of a published practice stays published (module docstring: why)."""
    if role == "coordinator":
        return PUBLISHED
    if stored is not None and (stored.get("review_state") or PUBLISHED) == PUBLISHED:
        return PUBLISHED
    return PENDING


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _text_params(params: Mapping[str, object]) -> dict[str, str]:
    return {name: str(value) for name, value in params.items()}


def _prepare_photos(
    uploads: Sequence[Upload],
) -> tuple[list[tuple[photos.Photo, str | None]], list[Issue]]:
    """Every upload checked and re-encoded; a problem per refused file (numbered from 1)."""
    issues: list[Issue] = []
    ready: list[tuple[photos.Photo, str | None]] = []
    if len(uploads) > MAX_PHOTOS:
        issues.append(
            Issue(None, "photos", "share.too_many_photos", params={"max": str(MAX_PHOTOS)})
        )
        return ready, issues
    for number, upload in enumerate(uploads, start=1):
        try:
            picture = photos.prepare_photo(upload.data)
        except photos.PhotoRefused as refused:
            issues.append(
                Issue(
                    None,
                    "photos",
                    refused.key,
                    params={"n": str(number), **_text_params(refused.params)},
                )
            )
            continue
        caption = " ".join(str(upload.caption or "").split()) or None
        if caption and len(caption) > TABLES["photos"].field("caption").max_length:  # type: ignore[operator]
            issues.append(Issue(None, "photos", "share.caption_long", params={"n": str(number)}))
            continue
        ready.append((picture, caption))
    return ready, issues


def _store_photos(
    engine: Engine,
    measure_id: int,
    ready: list[tuple[photos.Photo, str | None]],
    username: str,
    state: str,
    today: dt.date,
) -> list[int]:
    """Store the checked pictures of practice ``measure_id``, in the practice's state."""
    if not ready:
        return []
    frame = pd.DataFrame(
        {
            "measure_id": [measure_id] * len(ready),
            "mime": [p.mime for p, _ in ready],
            "width": [p.width for p, _ in ready],
            "height": [p.height for p, _ in ready],
            "caption": [c for _, c in ready],
            "data": pd.Series([p.data for p, _ in ready], dtype=object),
            "uploaded_by": [username] * len(ready),
            "uploaded_at": [today.isoformat()] * len(ready),
            "review_state": [state] * len(ready),
        }
    )
    frame.index = frame.index + 1
    report = validate_frame(
        frame, "photos", known_codes=None, known_ids={"measures": {measure_id}}, source=SOURCE
    )
    result = storage.store(engine, report, actor=username)
    if not result.ok or result.frame is None:  # checked above; a refusal here is a bug
        raise RuntimeError(
            "photos that passed every check were refused: " + "; ".join(result.messages("en"))
        )
    return [int(i) for i in result.frame["id"]]


def _tell_coordinators(
    engine: Engine, row: Mapping[str, object], environ: Mapping[str, str] | None
) -> Delivery | None:
    """E-mail the coordinators after the practice is stored (never undoes the storing)."""
    delivery = notify.notify_submission(engine, row, environ=environ)
    if delivery is None:
        log.debug("no notification sent for practice %s", row.get("id"))
    return delivery


def remove_photo(
    engine: Engine, photo_id: int, *, role: str, account_municipality: str | None, username: str
) -> bool:
    """Remove one photo of a practice the person may edit; ``False`` when there is none."""
    every = storage.read_table(engine, "photos", unpublished=True)
    found = every[every["id"] == int(photo_id)]
    if found.empty:
        return False
    practices = all_practices(engine)
    owner = practices[practices["id"] == int(found["measure_id"].iloc[0])]
    if owner.empty or not may_edit(role, account_municipality, username, owner.iloc[0].to_dict()):
        raise PermissionError("this account may not change this practice")
    gone = pd.DataFrame({"id": pd.array([int(photo_id)], dtype="Int64")})
    empty = storage.read_table(engine, "photos", unpublished=True, blobs=True).iloc[0:0]
    outcome = write(
        engine, [TableWrite("photos", empty, delete=gone)], actor=username, source=SOURCE
    )
    return outcome.ok


# ---------------------------------------------------------------- the review


@dataclass
class ReviewResult:
    """The outcome of a review action: ``ok``, or a catalog key saying why not."""

    ok: bool
    key: str
    params: dict[str, object] = field(default_factory=dict)


def review(
    engine: Engine,
    measure_id: int,
    action: str,
    *,
    role: str,
    actor: str,
    message: str | None = None,
) -> ReviewResult:
    """``publish``, ``request_changes`` (``message`` required) or ``reject`` (a reason).

    Publishing publishes the practice's photos too. The message is stored in
    ``review_message``: the member reads it with their submission. A rejected practice stays
    stored (the member sees why), invisible to everyone else.
    """
    _require_coordinator(role)
    target = {"publish": PUBLISHED, "request_changes": CHANGES_REQUESTED, "reject": REJECTED}
    if action not in target:
        raise ValueError(f"unknown review action {action!r}")
    text = " ".join(str(message or "").split()) or None
    if action != "publish" and (text is None or len(text) < MIN_MESSAGE_LENGTH):
        return ReviewResult(False, "share.review_message_needed", {"min": MIN_MESSAGE_LENGTH})
    every = all_practices(engine)
    found = every[every["id"] == int(measure_id)]
    if found.empty:
        return ReviewResult(False, "share.review_unknown", {"id": int(measure_id)})
    row = found.copy()
    row["review_state"] = target[action]
    row["review_message"] = text if action != "publish" else None
    row.index = pd.RangeIndex(1, 2)
    report = validate_frame(
        row, "measures", known_codes=storage.known_codes(engine), source="review"
    )
    if not report.ok:
        return ReviewResult(
            False, "share.review_invalid", {"problems": "; ".join(report.messages())}
        )
    stored = storage.store(engine, report, actor=actor)
    if not stored.ok:
        return ReviewResult(
            False, "share.review_invalid", {"problems": "; ".join(stored.messages())}
        )
    if action == "publish":
        _publish_photos(engine, int(measure_id), actor)
    return ReviewResult(True, f"share.review_done_{action}", {"id": int(measure_id)})


def _publish_photos(engine: Engine, measure_id: int, actor: str) -> None:
    every = storage.read_table(engine, "photos", unpublished=True, blobs=True)
    waiting = every[(every["measure_id"] == measure_id) & (every["review_state"] != PUBLISHED)]
    if waiting.empty:
        return
    waiting = waiting.copy()
    waiting["review_state"] = PUBLISHED
    waiting.index = pd.RangeIndex(1, len(waiting) + 1)
    report = validate_frame(waiting, "photos", known_codes=None, source="review")
    result = storage.store(engine, report, actor=actor)
    if not result.ok:
        raise RuntimeError("stored photos failed validation: " + "; ".join(result.messages("en")))
