"""What a meeting brief holds: the frozen records :mod:`cop.meetings.briefs` builds and
:mod:`cop.meetings.layout` lays out (kept apart so that each module stays readable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Town:
    code: str
    name: str
    joined_year: int | None = None


@dataclass(frozen=True)
class StalePartner:
    """A partner whose measures or maturity are more than a year old on the meeting date."""

    town: Town
    measures_updated: dt.date | None
    maturity_year: int | None
    measures_behind: bool
    maturity_behind: bool


@dataclass(frozen=True)
class Answerer:
    """A suggested answerer: a partner municipality or an expert organisation."""

    kind: str  # "municipality" or "expert"
    name: str
    reasons: str
    invited: bool


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    asker: Town
    asked_on: dt.date
    theme: str
    question: str
    answerers: tuple[Answerer, ...]


@dataclass(frozen=True)
class Practice:
    """A measure as the brief mentions it."""

    id: int
    town: Town
    title: str
    theme: str
    status: str
    updated_at: dt.date
    lessons_learned: str | None
    invited: bool


@dataclass(frozen=True)
class ThemeChanges:
    theme: str
    new: int
    realised: int


@dataclass(frozen=True)
class MaturityMovement:
    town: Town
    from_year: int
    to_year: int
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class TrendChange:
    town: Town
    scheme: str
    species: str
    before: str  # trend class code (cop.monitoring.trim.TREND_CLASSES), whole series
    after: str
    recent_before: str | None  # the same for the last ten years (None: not estimable)
    recent_after: str | None


@dataclass(frozen=True)
class Changes:
    since: dt.date
    previous_meeting: bool  # False: no earlier meeting, a fallback window was used
    new_partners: tuple[Town, ...]
    new_measures: tuple[Practice, ...]
    newly_realised: tuple[Practice, ...]
    per_theme: tuple[ThemeChanges, ...]  # every theme, all measures (not only the themes)
    maturity_movements: tuple[MaturityMovement, ...]
    trend_changes: tuple[TrendChange, ...]
    trend_before_year: int | None
    trend_after_year: int | None
    new_answers: tuple[NewAnswer, ...] = ()


@dataclass(frozen=True)
class NewAnswer:
    """An answer given since the previous meeting: to whose question, by whom."""

    question_id: int
    asker: Town
    theme: str
    question: str
    answerer: str  # the municipality's or the organisation's name
    given_on: dt.date
    helped: bool


@dataclass(frozen=True)
class AgendaItem:
    """One proposed agenda item; ``rule`` names the rule that proposed it."""

    rule: str
    text: str


@dataclass(frozen=True)
class Frontrunner:
    theme: str
    town: Town
    realised: int
    maturity: float | None  # mean level on the theme's dimensions
    practice: Practice | None


@dataclass(frozen=True)
class PreviousMeeting:
    id: int
    date: dt.date
    title: str
    summary: str | None


@dataclass(frozen=True)
class Brief:
    meeting_date: dt.date
    title: str
    lang: str
    themes: tuple[str, ...]
    invitees: tuple[Town, ...]
    meeting_id: int | None
    yearly_event: bool
    previous: PreviousMeeting | None
    questions: tuple[OpenQuestion, ...]
    spotlights: tuple[Practice, ...]
    changes: Changes
    agenda: tuple[AgendaItem, ...]
    frontrunners: tuple[Frontrunner, ...]
    invitee_levels: tuple[tuple[str, int, int], ...]  # (dimension, level, municipalities)
    demo: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    host: Town | None = None  # the stored meeting's host municipality, for the title page
    stale_partners: tuple[StalePartner, ...] = ()

    def with_agenda(self, texts: Iterable[str]) -> Brief:
        """The same brief with the coordinator's agenda (blank lines dropped)."""
        items = tuple(AgendaItem("edited", t.strip()) for t in texts if str(t).strip())
        return replace(self, agenda=items)


# ---------------------------------------------------------------- inputs
