"""A municipality's self-assessment: trying it, and storing it as the official assessment.

Anyone may fill in the self-assessment and see where they stand against similar
municipalities (:func:`cop.maturity.model.peer_position` with ``levels``): nothing is stored
for that. Storing it makes it the maturity assessment of that year, the figure the whole
CoP sees in the heatmap, on the map and in the meeting briefs, so two rules hold here and
not in a page:

* **who**: a coordinator, or a signed-in member of a partner municipality for that own
  municipality (:func:`cop.access.visibility.assessment_refusal`);
* **complete**: every dimension has a level that the person chose. A question left open is
  not "1 *beginnend*": no default level is ever stored, and a partial assessment would
  silently mix with an older one.

Refusals raise :class:`AssessmentRefused`, whose :meth:`~AssessmentRefused.message` says
in the reader's language what is wrong and what to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd
from sqlalchemy.engine import Engine

from cop.access import visibility
from cop.core import i18n, vocab
from cop.data import storage
from cop.data.validation import ValidationReport, validate_frame
from cop.maturity.model import latest_levels

__all__ = [
    "AssessmentRefused",
    "missing_dimensions",
    "previous_levels",
    "refusal",
    "save_self_assessment",
]


class AssessmentRefused(Exception):
    """A self-assessment that is not stored, and why.

    ``reason`` is one of :data:`cop.access.visibility.ASSESSMENT_REFUSALS` or
    ``"incomplete"`` (then ``dimensions`` names the dimensions without a chosen level).
    """

    def __init__(self, reason: str, *, dimensions: Sequence[str] = ()) -> None:
        self.reason = reason
        self.dimensions = tuple(dimensions)
        super().__init__(self.message("en"))

    def message(self, lang: str | None) -> str:
        """What is wrong and what to do, in ``lang``."""
        if self.reason == "incomplete":
            # The labels as the questions show them: "Budget en financiering, Kennis en data"
            labels = ", ".join(i18n.label("dimension", d, lang) for d in self.dimensions)
            return i18n.t("maturity.self_incomplete", lang, dimensions=labels)
        return i18n.t(f"maturity.self_refused_{self.reason}", lang)


def refusal(
    role: str,
    account_municipality: str | None,
    code: str,
    municipalities: pd.DataFrame,
) -> AssessmentRefused | None:
    """Why ``role`` may not store the assessment of ``code``; ``None`` when it may.

    The partner status comes from the ``municipalities`` table; the rule itself is
    :func:`cop.access.visibility.assessment_refusal`. A page calls this to say up front why
    its scores will not be stored.
    """
    partner = municipalities.loc[municipalities["code"] == code, "is_partner"]
    is_partner = bool(partner.fillna(False).astype(bool).any())
    reason = visibility.assessment_refusal(role, account_municipality, code, is_partner=is_partner)
    return None if reason is None else AssessmentRefused(reason)


def missing_dimensions(levels: Mapping[str, int | None]) -> list[str]:
    """The dimensions without a chosen level (absent or ``None``), in vocabulary order."""
    return [d for d in vocab.DIMENSIONS if levels.get(d) is None or pd.isna(levels.get(d))]


def save_self_assessment(
    engine: Engine,
    code: str,
    year: int,
    levels: Mapping[str, int | None],
    *,
    role: str,
    account_municipality: str | None = None,
    note: str | None = None,
    today: dt.date | None = None,
    actor: str | None = None,
    loaded: pd.DataFrame | None = None,
) -> ValidationReport:
    """Store a self-assessment as the maturity rows of ``code`` in ``year``, when allowed.

    Rows already stored for that municipality and year are replaced (upsert on the table
    key) in one transaction that checks the municipality code again
    (:func:`cop.data.storage.store`). Returns the report: when it is not ``ok`` nothing was
    stored and its messages say why (unknown code, level out of range, a year in the
    future). ``actor`` names who stores (the username; the role when not given).
    ``loaded`` is the stored ``maturity`` rows of ``code`` and ``year`` as the form read
    them (possibly none): when someone stored or changed that assessment since, nothing is
    stored and the result is a :class:`cop.data.locking.ConflictReport` with their levels
    (optimistic locking).

    Raises
    ------
    AssessmentRefused
        When ``role`` (with the account's municipality) may not store an assessment for
        ``code`` (see :func:`refusal`), or when a dimension has no chosen level. Nothing is
        stored then.
    ValueError
        For a dimension outside the vocabulary (a caller's mistake, not a person's).
    """
    unknown = [d for d in levels if d not in vocab.DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimensions: {', '.join(map(str, unknown))}")
    refused = refusal(
        role, account_municipality, code, storage.read_table(engine, "municipalities")
    )
    if refused is not None:
        raise refused
    missing = missing_dimensions(levels)
    if missing:
        raise AssessmentRefused("incomplete", dimensions=missing)
    frame = pd.DataFrame(
        {
            "municipality_code": [code] * len(vocab.DIMENSIONS),
            "year": [year] * len(vocab.DIMENSIONS),
            "dimension": list(vocab.DIMENSIONS),
            "level": [levels[d] for d in vocab.DIMENSIONS],
            "note": [note] * len(vocab.DIMENSIONS),
        }
    )
    report = validate_frame(
        frame,
        "maturity",
        known_codes=storage.known_codes(engine),
        today=today,
        source="self-assessment",
    )
    if loaded is not None:
        loaded = loaded[(loaded["municipality_code"] == code) & (loaded["year"] == year)]
    return storage.store(engine, report, actor=actor or role, expected=loaded)


def previous_levels(maturity: pd.DataFrame, code: str) -> dict[str, tuple[int, int]]:
    """``{dimension: (level, year)}`` of the latest stored assessment of ``code``.

    Shown next to each question as a reminder, never as a pre-selected answer: an answer
    the person did not choose must not end up stored. Dimensions never scored are absent.
    """
    latest = latest_levels(maturity)
    if code not in latest.index:
        return {}
    stored = latest.loc[code]
    year = int(stored["year"])
    return {d: (int(stored[d]), year) for d in vocab.DIMENSIONS if pd.notna(stored[d])}
