"""Meeting briefs: what a coordinator needs on paper before a CoP meeting.

A brief is built from the stored tables for one meeting date, its themes and the
municipalities invited. It is a plain data structure (frozen dataclasses), so the page,
the command line and the three writers (:mod:`cop.meetings.render`) show the same content,
and the tests can check every part on small hand-made tables.

Every part follows an explicit rule, written down here so a coordinator can tell why an
item is (or is not) in the brief:

* **Open help questions** on the themes, asked on or before the date, oldest first; each
  with the answerers that :func:`cop.peers.answerers.match_help_questions` suggests.
* **Spotlight practices**: measures on the themes that are *realised*, have lessons
  learned and were updated in the :data:`SPOTLIGHT_DAYS` before the date; at most one per
  municipality, invited municipalities first (they can tell the story), newest first.
* **Since the previous meeting** (the latest meeting in the ``meetings`` table before the
  date; without one, the :data:`FALLBACK_DAYS` before the date):

  - new partners: ``joined_year`` from the previous meeting's year up to the date's year
    (a year is all the table knows, so two meetings in one year both show that year's
    newcomers);
  - new and newly realised measures: ``updated_at`` after the previous meeting and on or
    before the date; *realised* ones are "newly realised", ideas, plans and measures in
    progress are "new" (stopped ones are left out);
  - maturity movements of the invited municipalities: overall maturity
    (:func:`cop.maturity.model.overall_maturity`) in the latest assessment up to the date's year
    against the assessment before it that was available at the previous meeting;
  - new answers to help questions (:func:`cop.community.answers.answers_since`): given
    after the previous meeting and on or before the date, on questions of the themes,
    named by the answering municipality or organisation (never by the account that wrote
    them);
  - monitoring trends that changed class (:mod:`cop.meetings.trendchanges`): TRIM trends
    per invited municipality, scheme and species on the species groups that fit the
    themes, fitted on the years before the previous meeting's year (a season's counts come
    in after the season) and on all years up to the date's year.

* **Data more than a year old**: the partners whose measures or self-assessment are more
  than a year old on the meeting date (:func:`cop.data.freshness.stale_partners` has the
  rule), so the coordinator can ask them for an update at or before the meeting.
* **Proposed agenda**: fixed rules over the parts above (:func:`propose_agenda`); the
  coordinator edits the result, the program never writes free text.
* **Yearly event** ("Biodiversiteit en Gemeenten"): per theme the frontrunner (most
  realised measures in the theme; ties: higher maturity on the theme's dimensions, then
  code) with its strongest practice (with lessons learned first, then the largest scale,
  then the newest).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from cop.community import answers as cop_answers
from cop.core import i18n, vocab
from cop.data import freshness
from cop.maturity import model as cop_maturity
from cop.meetings.brief_types import (
    AgendaItem,
    Answerer,
    Brief,
    Changes,
    Frontrunner,
    MaturityMovement,
    NewAnswer,
    OpenQuestion,
    Practice,
    PreviousMeeting,
    StalePartner,
    ThemeChanges,
    Town,
    TrendChange,
)
from cop.meetings.trendchanges import species_groups_for, trend_class_changes
from cop.peers import answerers, recommend

SPOTLIGHT_DAYS = 365
FALLBACK_DAYS = 365
MAX_SPOTLIGHTS = 5
MAX_ANSWERERS = 3
MAX_AGENDA_QUESTIONS = 3
MAX_AGENDA_SPOTLIGHTS = 2
MAX_AGENDA_NAMES = 3  # municipalities named in one agenda item (largest movements first)
MOVEMENT_MIN = 0.25  # smallest change in overall maturity (mean level) reported
YEARLY_EVENT_NAME = "Biodiversiteit en Gemeenten"

# The tables a brief is built from, in the order build_brief takes them.
BRIEF_TABLES: tuple[str, ...] = (
    "municipalities",
    "measures",
    "maturity",
    "monitoring",
    "help_questions",
    "experts",
    "meetings",
    "answers",
)

#: The brief's tables but the monitoring: :func:`build_brief_without_trends` reads these,
#: so a cache of it keys on what changes between meetings (answers, practices, ...) while
#: the trend comparison, the slow part, keys on the monitoring table alone.
BRIEF_TABLES_WITHOUT_TRENDS: tuple[str, ...] = tuple(t for t in BRIEF_TABLES if t != "monitoring")


class BriefInputError(ValueError):
    """A date, theme or municipality that the brief cannot use; ``key`` is a catalog key."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(i18n.t(key, "en", **params))
        self.key = key
        self.params = params

    def message(self, lang: str | None) -> str:
        return i18n.t(self.key, lang, **self.params)


def parse_date(value: str | dt.date) -> dt.date:
    """A meeting date from ``YYYY-MM-DD`` (or a date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise BriefInputError("briefs.err_date", value=value) from None


def resolve_themes(values: Iterable[str]) -> tuple[str, ...]:
    """Theme codes from codes or Dutch/English labels (any case); unknown ones raise."""
    lookup = {code.lower(): code for code in vocab.THEMES}
    for code in vocab.THEMES:
        for lang in i18n.LANGUAGES:
            lookup[i18n.label("theme", code, lang).lower()] = code
    chosen: list[str] = []
    for value in values:
        text = str(value).strip()
        if not text:
            continue
        code = lookup.get(text.lower())
        if code is None:
            raise BriefInputError("briefs.err_theme", value=text, allowed=", ".join(vocab.THEMES))
        if code not in chosen:
            chosen.append(code)
    return tuple(chosen)


def stored_themes(value: object) -> list[str]:
    """The theme codes of a stored meeting's ``themes`` cell ("a;b"), unknown codes left out."""
    if value is None or pd.isna(value):
        return []
    return [t.strip() for t in str(value).split(";") if t.strip() in vocab.THEMES]


def invitee_options(municipalities: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Partners first, then the other municipalities: who a coordinator usually invites."""
    partner = municipalities["is_partner"].fillna(False).astype(bool)
    return (
        municipalities.loc[partner, "code"].tolist(),
        municipalities.loc[~partner, "code"].tolist(),
    )


def resolve_invitees(values: Iterable[str], municipalities: pd.DataFrame) -> tuple[str, ...]:
    """Municipality codes (any case); unknown codes raise."""
    known = set(municipalities["code"])
    chosen: list[str] = []
    for value in values:
        code = str(value).strip().upper()
        if not code:
            continue
        if code not in known:
            raise BriefInputError("briefs.err_code", value=value)
        if code not in chosen:
            chosen.append(code)
    return tuple(chosen)


def meeting_on(meetings: pd.DataFrame, date: dt.date) -> pd.Series | None:
    """The meeting stored for ``date`` (the lowest id when there are several)."""
    same = meetings[meetings["date"].dt.date == date].sort_values("id")
    return None if same.empty else same.iloc[0]


def previous_meeting(meetings: pd.DataFrame, date: dt.date) -> PreviousMeeting | None:
    """The latest meeting strictly before ``date``."""
    earlier = meetings[meetings["date"].dt.date < date].sort_values(["date", "id"])
    if earlier.empty:
        return None
    row = earlier.iloc[-1]
    return PreviousMeeting(
        int(row["id"]), row["date"].date(), str(row["title"]), _text_or_none(row["summary"])
    )


def meeting_choices(meetings: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Meetings for a picker: upcoming ones first (soonest first), then past (latest first)."""
    dates = meetings["date"].dt.date
    upcoming = meetings[dates >= today].sort_values(["date", "id"])
    past = meetings[dates < today].sort_values(["date", "id"], ascending=[False, False])
    return pd.concat([upcoming, past]).reset_index(drop=True)


def is_yearly_event(title: str | None) -> bool:
    return bool(title) and YEARLY_EVENT_NAME.lower() in str(title).lower()


# ---------------------------------------------------------------- building the brief


def build_brief(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    monitoring: pd.DataFrame,
    help_questions: pd.DataFrame,
    experts: pd.DataFrame,
    meetings: pd.DataFrame,
    answers: pd.DataFrame | None = None,
    *,
    date: str | dt.date,
    themes: Sequence[str] | None = None,
    invitees: Sequence[str] | None = None,
    yearly_event: bool | None = None,
    lang: str | None = None,
    demo: bool = False,
    trends_enabled: bool = True,
) -> Brief:
    """The brief for a meeting on ``date``.

    Tables are taken positionally in :data:`BRIEF_TABLES` order (so ``ui.compute`` can
    cache the whole brief per data version); other arguments are JSON-friendly.

    Parameters
    ----------
    themes
        Theme codes or labels; ``None`` or empty: the themes of the meeting stored on
        that date, else every theme.
    invitees
        Municipality codes expected; ``None`` or empty: every partner municipality.
    yearly_event
        Add the frontrunners for "Biodiversiteit en Gemeenten"; ``None``: when the stored
        meeting's title names the event.
    trends_enabled
        Compare monitoring trend classes (the slowest part, a few seconds nationally).
    """
    lang = i18n.normalise_language(lang)
    meeting = _meeting(municipalities, meetings, parse_date(date), themes, invitees, lang)
    if yearly_event is None:
        yearly_event = meeting.stored is not None and is_yearly_event(meeting.stored["title"])
    date, chosen, codes, invited = meeting.date, meeting.themes, meeting.codes, meeting.invited
    towns = _towns(municipalities)
    frontrunners = (
        frontrunners_per_theme(measures, maturity, municipalities, invited) if yearly_event else ()
    )
    brief = Brief(
        meeting_date=date,
        title=meeting.title,
        lang=lang,
        themes=chosen,
        invitees=tuple(towns[c] for c in codes),
        meeting_id=None if meeting.stored is None else int(meeting.stored["id"]),
        yearly_event=bool(yearly_event),
        previous=meeting.previous,
        questions=open_questions(
            help_questions, municipalities, measures, maturity, experts, chosen, date, invited, lang
        ),
        spotlights=spotlight_practices(measures, towns, chosen, date, invited),
        changes=replace(
            _changes(municipalities, measures, maturity, monitoring, meeting, trends_enabled),
            new_answers=new_answers(
                answers, help_questions, municipalities, experts, meeting.since, date, chosen
            ),
        ),
        agenda=(),
        frontrunners=frontrunners,
        invitee_levels=invitee_levels(maturity, codes, date.year),
        demo=demo,
        host=_host(meeting.stored, towns),
        stale_partners=behind_partners(municipalities, measures, maturity, towns, date),
    )
    return replace(brief, agenda=propose_agenda(brief))


def behind_partners(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    towns: dict[str, Town],
    date: dt.date,
) -> tuple[StalePartner, ...]:
    """Partners whose measures or maturity are more than a year old on ``date``."""
    stale = freshness.stale_partners(municipalities, measures, maturity, today=date)
    return tuple(
        StalePartner(
            towns[row.code],
            None if pd.isna(row.measures_updated) else row.measures_updated.date(),
            None if pd.isna(row.maturity_year) else int(row.maturity_year),
            bool(row.measures_behind),
            bool(row.maturity_behind),
        )
        for row in stale.itertuples(index=False)
    )


def new_answers(
    answers: pd.DataFrame | None,
    help_questions: pd.DataFrame,
    municipalities: pd.DataFrame,
    experts: pd.DataFrame,
    since: dt.date,
    date: dt.date,
    themes: Sequence[str],
) -> tuple[NewAnswer, ...]:
    """Answers given after ``since`` and on or before ``date`` on questions of ``themes``
    (module doc, "Since ..."); none when the answers table is not given."""
    if answers is None or answers.empty:
        return ()
    towns = _towns(municipalities)
    found = cop_answers.answers_since(
        answers, help_questions, municipalities, experts, since, date, themes
    )
    return tuple(
        NewAnswer(
            question_id=int(r.question_id),
            asker=towns[r.asker_code],
            theme=str(r.theme),
            question=str(r.question),
            answerer=str(r.answerer),
            given_on=pd.Timestamp(r.created_at).date(),
            helped=bool(r.helped),
        )
        for r in found.itertuples()
        if r.asker_code in towns
    )


@dataclass(frozen=True)
class _Meeting:
    """What a brief is about: the date, themes and invitees resolved from the arguments."""

    date: dt.date
    stored: pd.Series | None  # the meeting stored for the date, if any
    title: str
    themes: tuple[str, ...]
    codes: tuple[str, ...]  # the municipalities expected
    invited: set[str]  # marked "invited": only when the coordinator chose invitees
    previous: PreviousMeeting | None
    since: dt.date  # the previous meeting, or FALLBACK_DAYS before the date


def _meeting(
    municipalities: pd.DataFrame,
    meetings: pd.DataFrame,
    date: dt.date,
    themes: Sequence[str] | None,
    invitees: Sequence[str] | None,
    lang: str,
) -> _Meeting:
    """Resolve themes (given, else the stored meeting's, else all) and invitees (given, else
    every partner), and find the previous meeting."""
    stored = meeting_on(meetings, date)
    chosen = resolve_themes(themes or ())
    if not chosen and stored is not None and not pd.isna(stored["themes"]):
        chosen = resolve_themes(str(stored["themes"]).split(";"))
    partners = municipalities[municipalities["is_partner"].fillna(False).astype(bool)]
    explicit = resolve_invitees(invitees or (), municipalities)
    previous = previous_meeting(meetings, date)
    return _Meeting(
        date=date,
        stored=stored,
        title=str(stored["title"]) if stored is not None else i18n.t("briefs.default_title", lang),
        themes=tuple(chosen or vocab.THEMES),
        codes=explicit or tuple(sorted(partners["code"])),
        invited=set(explicit),
        previous=previous,
        since=previous.date if previous else date - dt.timedelta(days=FALLBACK_DAYS),
    )


def _changes(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    monitoring: pd.DataFrame,
    meeting: _Meeting,
    trends_enabled: bool,
) -> Changes:
    """Everything that changed since the previous meeting (module doc, "Since ...")."""
    towns = _towns(municipalities)
    since, date, themes, invited = meeting.since, meeting.date, meeting.themes, meeting.invited
    changes = Changes(
        since=since,
        previous_meeting=meeting.previous is not None,
        new_partners=new_partners(municipalities, since, date),
        new_measures=changed_measures(measures, towns, themes, since, date, invited, "new"),
        newly_realised=changed_measures(measures, towns, themes, since, date, invited, "realised"),
        per_theme=changes_per_theme(measures, since, date),
        maturity_movements=maturity_movements(maturity, towns, meeting.codes, since, date),
        trend_changes=(),
        trend_before_year=None,
        trend_after_year=None,
    )
    if not trends_enabled:
        return changes
    before_year, after_year = since.year - 1, date.year
    changed = trend_class_changes(
        monitoring, meeting.codes, species_groups_for(themes), before_year, after_year
    )
    return _with_trends(changes, changed, towns, before_year, after_year)


def _with_trends(
    changes: Changes,
    changed: pd.DataFrame,
    towns: dict[str, Town],
    before_year: int,
    after_year: int,
) -> Changes:
    return replace(
        changes,
        trend_changes=tuple(
            TrendChange(
                towns[r.municipality_code],
                r.scheme,
                r.species,
                r.before,
                r.after,
                None if pd.isna(r.recent_before) else r.recent_before,
                None if pd.isna(r.recent_after) else r.recent_after,
            )
            for r in changed.itertuples()
        ),
        trend_before_year=before_year,
        trend_after_year=after_year,
    )


def build_brief_without_trends(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    help_questions: pd.DataFrame,
    experts: pd.DataFrame,
    meetings: pd.DataFrame,
    answers: pd.DataFrame | None = None,
    **params: object,
) -> Brief:
    """:func:`build_brief` of the :data:`BRIEF_TABLES_WITHOUT_TRENDS`, without the trend
    comparison; :func:`with_trend_changes` adds it.

    The page caches the two apart: a posted answer renews this part (about a second
    nationally) and leaves the trends (TRIM fits over a million rows) cached.
    """
    return build_brief(
        municipalities,
        measures,
        maturity,
        pd.DataFrame(),
        help_questions,
        experts,
        meetings,
        answers,
        **params,  # type: ignore[arg-type]
        trends_enabled=False,
    )


def trend_request(brief: Brief) -> dict[str, object]:
    """The JSON-friendly arguments of :func:`cop.meetings.trendchanges.trend_class_changes`
    for ``brief``: its invitees, the species groups of its themes and the years compared."""
    return {
        "codes": [town.code for town in brief.invitees],
        "groups": list(species_groups_for(brief.themes)),
        "before_year": brief.changes.since.year - 1,
        "after_year": brief.meeting_date.year,
    }


def with_trend_changes(brief: Brief, changed: pd.DataFrame) -> Brief:
    """``brief`` with the trend changes of :func:`trend_request` (``changed``, as
    :func:`~cop.meetings.trendchanges.trend_class_changes` returns them) and the agenda
    proposed again: the same brief :func:`build_brief` gives with the trends."""
    request = trend_request(brief)
    towns = {town.code: town for town in brief.invitees}
    changes = _with_trends(
        brief.changes,
        changed,
        towns,
        int(request["before_year"]),  # type: ignore[call-overload]
        int(request["after_year"]),  # type: ignore[call-overload]
    )
    full = replace(brief, changes=changes)
    return replace(full, agenda=propose_agenda(full))


def _host(stored: pd.Series | None, towns: dict[str, Town]) -> Town | None:
    """The host municipality of the stored meeting, if it names one."""
    if stored is None or pd.isna(stored.get("host_code")):
        return None
    return towns.get(str(stored["host_code"]))


def _text_or_none(value: object) -> str | None:
    return None if value is None or pd.isna(value) or not str(value).strip() else str(value)


def _towns(municipalities: pd.DataFrame) -> dict[str, Town]:
    return {
        str(row.code): Town(
            str(row.code),
            str(row.name),
            None if pd.isna(row.joined_year) else int(row.joined_year),
        )
        for row in municipalities.itertuples(index=False)
    }


def _practice(row: object, towns: dict[str, Town], invited: set[str]) -> Practice:
    code = str(row.municipality_code)  # type: ignore[attr-defined]
    return Practice(
        id=int(row.id),  # type: ignore[attr-defined]
        town=towns.get(code, Town(code, code)),
        title=str(row.title),  # type: ignore[attr-defined]
        theme=str(row.theme),  # type: ignore[attr-defined]
        status=str(row.status),  # type: ignore[attr-defined]
        updated_at=row.updated_at.date(),  # type: ignore[attr-defined]
        lessons_learned=_text_or_none(row.lessons_learned),  # type: ignore[attr-defined]
        invited=code in invited,
    )


def open_questions(
    help_questions: pd.DataFrame,
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    experts: pd.DataFrame,
    themes: Sequence[str],
    date: dt.date,
    invited: set[str],
    lang: str | None = None,
) -> tuple[OpenQuestion, ...]:
    """Open questions on ``themes`` asked on or before ``date``, oldest first, with answerers.

    Answerers come from :func:`cop.peers.answerers.match_help_questions` (up to
    :data:`MAX_ANSWERERS` municipalities, then organisations); invited ones are marked.
    """
    asked = help_questions[
        (help_questions["status"] == "open")
        & help_questions["theme"].isin(list(themes))
        & (help_questions["asked_on"].dt.date <= date)
    ].sort_values(["asked_on", "id"], kind="stable")
    if asked.empty:
        return ()
    matches = answerers.match_help_questions(
        asked, municipalities, measures, maturity, experts, limit=MAX_ANSWERERS, lang=lang
    )
    towns = _towns(municipalities)
    by_question: dict[int, list[Answerer]] = {}
    for row in matches.itertuples(index=False):
        by_question.setdefault(int(row.question_id), []).append(
            Answerer(
                kind=str(row.kind),
                name=str(row.candidate_name),
                reasons=str(row.reasons),
                invited=row.kind == "municipality" and str(row.candidate) in invited,
            )
        )
    out = []
    for row in asked.itertuples(index=False):
        code = str(row.municipality_code)
        out.append(
            OpenQuestion(
                id=int(row.id),
                asker=towns.get(code, Town(code, code)),
                asked_on=row.asked_on.date(),
                theme=str(row.theme),
                question=str(row.question),
                answerers=tuple(by_question.get(int(row.id), [])),
            )
        )
    return tuple(out)


def spotlight_practices(
    measures: pd.DataFrame,
    towns: dict[str, Town],
    themes: Sequence[str],
    date: dt.date,
    invited: set[str],
    *,
    days: int = SPOTLIGHT_DAYS,
    limit: int = MAX_SPOTLIGHTS,
) -> tuple[Practice, ...]:
    """Recently realised practices on the themes with lessons learned (see module doc)."""
    updated = measures["updated_at"].dt.date
    rows = measures[
        (measures["status"] == "realised")
        & measures["theme"].isin(list(themes))
        & measures["lessons_learned"].fillna("").astype(str).str.strip().ne("")
        & (updated <= date)
        & (updated > date - dt.timedelta(days=days))
    ]
    rows = rows.assign(_away=(~rows["municipality_code"].isin(invited)).astype(int))
    rows = rows.sort_values(["_away", "updated_at", "id"], ascending=[True, False, True])
    rows = rows.drop_duplicates("municipality_code").head(limit)
    return tuple(_practice(r, towns, invited) for r in rows.itertuples(index=False))


def new_partners(municipalities: pd.DataFrame, since: dt.date, date: dt.date) -> tuple[Town, ...]:
    """Partners whose ``joined_year`` lies from ``since``'s year up to ``date``'s year."""
    partner = municipalities["is_partner"].fillna(False).astype(bool)
    joined = municipalities["joined_year"]
    rows = municipalities[partner & joined.between(since.year, date.year).fillna(False)]
    rows = rows.sort_values(["joined_year", "name"])
    return tuple(_towns(rows).values())


def changed_measures(
    measures: pd.DataFrame,
    towns: dict[str, Town],
    themes: Sequence[str],
    since: dt.date,
    date: dt.date,
    invited: set[str],
    kind: str,
) -> tuple[Practice, ...]:
    """Measures on the themes updated after ``since`` up to ``date``: "new" or "realised"."""
    statuses = ["realised"] if kind == "realised" else ["idea", "planned", "in_progress"]
    updated = measures["updated_at"].dt.date
    rows = measures[
        measures["status"].isin(statuses)
        & measures["theme"].isin(list(themes))
        & (updated > since)
        & (updated <= date)
    ].sort_values(["updated_at", "id"], ascending=[False, True])
    return tuple(_practice(r, towns, invited) for r in rows.itertuples(index=False))


def changes_per_theme(
    measures: pd.DataFrame, since: dt.date, date: dt.date
) -> tuple[ThemeChanges, ...]:
    """New and newly realised measures per theme (all themes), for the chart."""
    updated = measures["updated_at"].dt.date
    window = measures[(updated > since) & (updated <= date)]
    out = []
    for theme in vocab.THEMES:
        part = window[window["theme"] == theme]
        new = int(part["status"].isin(["idea", "planned", "in_progress"]).sum())
        realised = int((part["status"] == "realised").sum())
        out.append(ThemeChanges(theme, new, realised))
    return tuple(out)


def maturity_movements(
    maturity: pd.DataFrame,
    towns: dict[str, Town],
    codes: Sequence[str],
    since: dt.date,
    date: dt.date,
) -> tuple[MaturityMovement, ...]:
    """Changes in overall maturity of ``codes`` since the previous meeting (module doc).

    "After" is each municipality's latest assessment up to ``date``'s year; "before" its
    latest earlier assessment up to ``since``'s year. Changes smaller than
    :data:`MOVEMENT_MIN` are left out; the largest changes come first.
    """
    own = maturity[maturity["municipality_code"].isin(list(codes))]
    # One overall per municipality and year, computed once (an overall depends on that
    # year's rows only), instead of once per municipality: nationally 342 partners.
    overall = cop_maturity.overall_maturity(own).dropna(subset=[cop_maturity.OVERALL])
    overall = overall[overall["year"] <= date.year]
    after = overall.groupby("municipality_code").tail(1)
    earlier = overall.merge(
        after[["municipality_code", "year"]], on="municipality_code", suffixes=("", "_after")
    )
    earlier = earlier[(earlier["year"] < earlier["year_after"]) & (earlier["year"] <= since.year)]
    before = earlier.groupby("municipality_code").tail(1).set_index("municipality_code")
    moves = []
    for row in after.itertuples(index=False):
        if row.municipality_code not in before.index:
            continue
        b = before.loc[row.municipality_code]
        now = float(getattr(row, cop_maturity.OVERALL))
        if abs(now - float(b[cop_maturity.OVERALL])) < MOVEMENT_MIN - 1e-9:
            continue
        moves.append(
            MaturityMovement(
                towns[str(row.municipality_code)],
                int(b["year"]),
                int(row.year),
                round(float(b[cop_maturity.OVERALL]), 2),
                round(now, 2),
            )
        )
    moves.sort(key=lambda m: (-abs(m.change), m.town.code))
    return tuple(moves)


def invitee_levels(
    maturity: pd.DataFrame, codes: Sequence[str], up_to_year: int
) -> tuple[tuple[str, int, int], ...]:
    """How many invited municipalities are at each level per dimension (latest assessment).

    Counted by :func:`cop.maturity.model.latest_level_counts`; empty without assessments.
    """
    counts = cop_maturity.latest_level_counts(maturity, codes=codes, up_to_year=up_to_year)
    return tuple(
        (str(row.dimension), int(row.level), int(row.municipalities))
        for row in counts.itertuples(index=False)
    )


def frontrunners_per_theme(
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    municipalities: pd.DataFrame,
    invited: set[str] | None = None,
) -> tuple[Frontrunner, ...]:
    """Per theme the partner with the most realised measures and its strongest practice.

    Local rule (see module doc) until :mod:`cop.maturity.model` (issue 4) offers frontrunners.
    Themes without realised measures are left out.
    """
    invited = invited or set()
    towns = _towns(municipalities)
    partners = set(municipalities.loc[municipalities["is_partner"].fillna(False), "code"])
    realised = measures[
        (measures["status"] == "realised") & measures["municipality_code"].isin(partners)
    ]
    levels = cop_maturity.latest_levels(maturity)
    out = []
    for theme in vocab.THEMES:
        part = realised[realised["theme"] == theme]
        if part.empty:
            continue
        counts = part.groupby("municipality_code").size().to_dict()
        dims = list(recommend.THEME_DIMENSIONS.get(theme, ()))
        # mean level on the theme's dimensions, looked up per code (not a frame per code)
        mean_level = levels[dims].mean(axis=1).to_dict() if dims else {}

        def theme_level(code: str, mean_level: dict[str, float] = mean_level) -> float:
            return float(mean_level.get(code, math.nan))

        ranked = sorted(counts, key=lambda c: (-counts[c], -_nan_low(theme_level(c)), c))
        best = ranked[0]
        own = part[part["municipality_code"] == best]
        own = own.assign(
            _no_lesson=own["lessons_learned"].fillna("").astype(str).str.strip().eq("").astype(int),
            _scale=own["scale_value"].astype(float).fillna(-1.0),
        ).sort_values(["_no_lesson", "_scale", "updated_at", "id"], ascending=[1, 0, 0, 1])
        practice = _practice(next(own.itertuples(index=False)), towns, invited)
        level = theme_level(best)
        out.append(
            Frontrunner(
                theme,
                towns[best],
                int(counts[best]),
                None if math.isnan(level) else round(level, 2),
                practice,
            )
        )
    return tuple(out)


def _nan_low(value: float) -> float:
    return -1.0 if math.isnan(value) else value


# ---------------------------------------------------------------- agenda rules


def propose_agenda(brief: Brief) -> tuple[AgendaItem, ...]:
    """Agenda items by fixed rules, in this order (each rule's name is the item's ``rule``):

    ``opening`` always; ``new_partners`` when partners joined; ``question`` for each of
    the :data:`MAX_AGENDA_QUESTIONS` oldest open questions, naming the first suggested
    answerer that is invited (else the first suggested); ``spotlight`` for the first
    :data:`MAX_AGENDA_SPOTLIGHTS` spotlight practices; ``trends`` when trends changed
    class; ``maturity`` when maturity moved up (naming the
    :data:`MAX_AGENDA_NAMES` largest risers); ``yearly_event`` for the yearly event;
    ``closing`` always.
    """
    lang = brief.lang
    items = [AgendaItem("opening", i18n.t("briefs.agenda_opening", lang))]
    changes = brief.changes
    if changes.new_partners:
        names = ", ".join(t.name for t in changes.new_partners)
        items.append(
            AgendaItem("new_partners", i18n.t("briefs.agenda_new_partners", lang, names=names))
        )
    for q in brief.questions[:MAX_AGENDA_QUESTIONS]:
        theme = i18n.label("theme", q.theme, lang)
        towns = [a for a in q.answerers if a.kind == "municipality"]
        pick = next((a for a in towns if a.invited), towns[0] if towns else None)
        if pick is None and q.answerers:
            pick = q.answerers[0]
        if pick is None:
            text = i18n.t("briefs.agenda_question_open", lang, asker=q.asker.name, theme=theme)
        else:
            text = i18n.t(
                "briefs.agenda_question", lang, asker=q.asker.name, theme=theme, answerer=pick.name
            )
        items.append(AgendaItem("question", text))
    for p in brief.spotlights[:MAX_AGENDA_SPOTLIGHTS]:
        items.append(
            AgendaItem(
                "spotlight",
                i18n.t("briefs.agenda_spotlight", lang, title=p.title, town=p.town.name),
            )
        )
    if changes.trend_changes:
        items.append(
            AgendaItem(
                "trends", i18n.t("briefs.agenda_trends", lang, count=len(changes.trend_changes))
            )
        )
    risers = [m.town.name for m in changes.maturity_movements if m.change > 0]
    if risers:
        names = ", ".join(risers[:MAX_AGENDA_NAMES])
        if len(risers) > MAX_AGENDA_NAMES:
            names = i18n.t(
                "briefs.agenda_and_more", lang, names=names, count=len(risers) - MAX_AGENDA_NAMES
            )
        items.append(AgendaItem("maturity", i18n.t("briefs.agenda_maturity", lang, names=names)))
    if brief.yearly_event:
        items.append(AgendaItem("yearly_event", i18n.t("briefs.agenda_event", lang)))
    items.append(AgendaItem("closing", i18n.t("briefs.agenda_closing", lang)))
    return tuple(items)
