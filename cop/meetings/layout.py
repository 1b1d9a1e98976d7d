"""A :class:`cop.meetings.briefs.Brief` laid out once as a document of sections and blocks.

Why one intermediate document: :func:`document` lays the brief out once as sections of
paragraphs, lists, tables and charts in the reader's language; the meeting page draws the
same blocks, and each writer (:mod:`cop.meetings.markdown`, :mod:`cop.meetings.word`,
:mod:`cop.meetings.pdf`) only knows how to put a block on paper. So the three files and the
preview cannot drift apart.

One builder per section of the brief (``_agenda``, ``_questions``, ...); :func:`document`
only puts them in order. A new section is a new builder and one line in
:data:`SECTION_BUILDERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from cop.core import charts, i18n, vocab
from cop.meetings.briefs import Brief, Practice
from cop.meetings.charts import changes_chart

MAX_ROWS = 25  # rows of a changes table before "… and N more"


# ---------------------------------------------------------------- the document model


@dataclass
class Paragraph:
    text: str


@dataclass
class Items:
    items: list[str]
    numbered: bool = False


@dataclass
class TableBlock:
    """A table with translated headers; ``name`` is the file name of its downloads."""

    name: str
    frame: pd.DataFrame


@dataclass
class ChartBlock:
    name: str
    title: str
    figure: go.Figure
    table: TableBlock  # shown where the image cannot be made


Block = Paragraph | Items | TableBlock | ChartBlock


@dataclass
class Section:
    heading: str
    level: int = 1
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    date_text: str
    facts: list[str]
    notice: str | None
    sections: list[Section]

    def tables(self) -> list[TableBlock]:
        """Every table of the document (chart tables included), for downloads."""
        found = []
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, TableBlock):
                    found.append(block)
                elif isinstance(block, ChartBlock):
                    found.append(block.table)
        return found

    def charts(self) -> list[ChartBlock]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, ChartBlock)]


# ---------------------------------------------------------------- table cells as text


def cell_text(value: object, lang: str) -> str:
    """A table cell as every writer prints it: dates as dd-mm-yyyy, numbers in ``lang``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return i18n.format_number(value, 0 if value.is_integer() else 2, lang)
    return str(value)


def table_rows(frame: pd.DataFrame, lang: str) -> list[list[str]]:
    """The rows of ``frame`` as text (:func:`cell_text`)."""
    return [[cell_text(v, lang) for v in row] for row in frame.itertuples(index=False, name=None)]


# ---------------------------------------------------------------- small helpers


def _t(key: str, lang: str, **values: object) -> str:
    return i18n.t(key, lang, **values)


def _theme(code: str, lang: str) -> str:
    return i18n.label("theme", code, lang)


def _date(value: object) -> pd.Timestamp:
    return pd.Timestamp(value)


def _town(name: str, invited: bool, lang: str) -> str:
    return _t("briefs.invited_mark", lang, name=name) if invited else name


def _practice_frame(practices: tuple[Practice, ...], lang: str, *, lessons: bool) -> pd.DataFrame:
    data = {
        _t("briefs.col_updated", lang): [_date(p.updated_at) for p in practices],
        _t("briefs.col_municipality", lang): [
            _town(p.town.name, p.invited, lang) for p in practices
        ],
        _t("briefs.col_practice", lang): [p.title for p in practices],
        _t("briefs.col_theme", lang): [_theme(p.theme, lang) for p in practices],
    }
    if lessons:
        data[_t("briefs.col_lessons", lang)] = [p.lessons_learned or "" for p in practices]
    else:
        data[_t("briefs.col_status", lang)] = [
            i18n.label("status", p.status, lang) for p in practices
        ]
    return pd.DataFrame(data)


def _limited(frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, Paragraph | None]:
    if len(frame) <= MAX_ROWS:
        return frame, None
    return frame.head(MAX_ROWS), Paragraph(
        _t("briefs.more_rows", lang, count=len(frame) - MAX_ROWS)
    )


# ---------------------------------------------------------------- one builder per section


def _facts(brief: Brief) -> list[str]:
    """The title page's facts: themes, how many invited, the previous meeting."""
    lang = brief.lang
    facts = [
        _t("briefs.fact_themes", lang, themes=", ".join(_theme(t, lang) for t in brief.themes)),
        _t("briefs.fact_invitees", lang, count=len(brief.invitees)),
    ]
    if brief.previous:
        facts.append(
            _t(
                "briefs.fact_previous",
                lang,
                date=i18n.format_date(brief.previous.date, lang),
                title=brief.previous.title,
            )
        )
    return facts


def _agenda(brief: Brief) -> list[Section]:
    lang = brief.lang
    blocks: list[Block] = [
        Paragraph(_t("briefs.agenda_note", lang)),
        Items([item.text for item in brief.agenda], numbered=True),
    ]
    return [Section(_t("briefs.h_agenda", lang), blocks=blocks)]


def _questions(brief: Brief) -> list[Section]:
    """Open help questions with their suggested answerers (invited ones marked)."""
    lang = brief.lang
    heading = _t("briefs.h_questions", lang)
    if not brief.questions:
        return [Section(heading, blocks=[Paragraph(_t("briefs.no_questions", lang))])]
    questions = brief.questions
    frame = pd.DataFrame(
        {
            _t("briefs.col_asked_on", lang): [_date(q.asked_on) for q in questions],
            _t("briefs.col_municipality", lang): [q.asker.name for q in questions],
            _t("briefs.col_theme", lang): [_theme(q.theme, lang) for q in questions],
            _t("briefs.col_question", lang): [q.question for q in questions],
            _t("briefs.col_answerers", lang): [
                "; ".join(
                    _town(a.name, a.invited, lang) + (f" ({a.reasons})" if a.reasons else "")
                    for a in q.answerers
                )
                or _t("briefs.no_answerers", lang)
                for q in questions
            ],
        }
    )
    blocks: list[Block] = [
        Paragraph(_t("briefs.questions_note", lang)),
        TableBlock("brief_help_questions", frame),
    ]
    return [Section(heading, blocks=blocks)]


def _spotlights(brief: Brief) -> list[Section]:
    lang = brief.lang
    blocks: list[Block]
    if brief.spotlights:
        blocks = [
            Paragraph(_t("briefs.spotlights_note", lang)),
            TableBlock("brief_spotlights", _practice_frame(brief.spotlights, lang, lessons=True)),
        ]
    else:
        blocks = [Paragraph(_t("briefs.no_spotlights", lang))]
    return [Section(_t("briefs.h_spotlights", lang), blocks=blocks)]


def _changes(brief: Brief) -> list[Section]:
    """What changed since the previous meeting, then one subsection per kind of change."""
    lang = brief.lang
    changes = brief.changes
    since_key = "briefs.since_previous" if changes.previous_meeting else "briefs.since_fallback"
    since = Paragraph(_t(since_key, lang, date=i18n.format_date(changes.since, lang)))
    return [
        Section(_t("briefs.h_changes", lang), blocks=[since]),
        _new_partners(brief),
        _measures(brief),
        _maturity_movements(brief),
        _trend_changes(brief),
    ]


def _new_partners(brief: Brief) -> Section:
    lang = brief.lang
    partners = brief.changes.new_partners
    block: Block
    if partners:
        block = Items(
            [_t("briefs.partner_item", lang, name=t.name, year=t.joined_year) for t in partners]
        )
    else:
        block = Paragraph(_t("briefs.no_new_partners", lang))
    return Section(_t("briefs.h_new_partners", lang), 2, [block])


def _measures(brief: Brief) -> Section:
    """New and newly realised measures: a chart per theme, then both lists."""
    lang = brief.lang
    changes = brief.changes
    per_theme = pd.DataFrame(
        {
            _t("briefs.col_theme", lang): [_theme(c.theme, lang) for c in changes.per_theme],
            _t("briefs.col_new", lang): [c.new for c in changes.per_theme],
            _t("briefs.col_realised", lang): [c.realised for c in changes.per_theme],
        }
    )
    per_theme = per_theme[(per_theme.iloc[:, 1] + per_theme.iloc[:, 2]) > 0]
    blocks: list[Block] = []
    if len(per_theme):
        blocks.append(
            ChartBlock(
                "changes_per_theme",
                _t("briefs.chart_changes", lang),
                changes_chart(changes.per_theme, lang),
                TableBlock("brief_changes_per_theme", per_theme.reset_index(drop=True)),
            )
        )
    for kind, practices in (("new", changes.new_measures), ("realised", changes.newly_realised)):
        blocks.append(Paragraph(_t(f"briefs.measures_{kind}", lang, count=len(practices))))
        if practices:
            frame, more = _limited(_practice_frame(practices, lang, lessons=False), lang)
            blocks.append(TableBlock(f"brief_measures_{kind}", frame))
            if more:
                blocks.append(more)
    return Section(_t("briefs.h_measures", lang), 2, blocks)


def _maturity_movements(brief: Brief) -> Section:
    lang = brief.lang
    moves = brief.changes.maturity_movements
    blocks: list[Block]
    if moves:
        frame = pd.DataFrame(
            {
                _t("briefs.col_municipality", lang): [m.town.name for m in moves],
                _t("briefs.col_from", lang): [
                    f"{i18n.format_number(m.before, 1, lang)} ({m.from_year})" for m in moves
                ],
                _t("briefs.col_to", lang): [
                    f"{i18n.format_number(m.after, 1, lang)} ({m.to_year})" for m in moves
                ],
                _t("briefs.col_change", lang): [
                    ("+" if m.change > 0 else "") + i18n.format_number(m.change, 1, lang)
                    for m in moves
                ],
            }
        )
        blocks = [Paragraph(_t("briefs.maturity_note", lang)), TableBlock("brief_maturity", frame)]
    else:
        blocks = [Paragraph(_t("briefs.no_movements", lang))]
    return Section(_t("briefs.h_maturity", lang), 2, blocks)


def _trend_changes(brief: Brief) -> Section:
    """Monitoring trends that changed class (or why none are shown)."""
    lang = brief.lang
    changes = brief.changes
    heading = _t("briefs.h_trends", lang)
    if changes.trend_before_year is None:
        return Section(heading, 2, [Paragraph(_t("briefs.trends_skipped", lang))])
    if not changes.trend_changes:
        return Section(heading, 2, [Paragraph(_t("briefs.no_trend_changes", lang))])
    rows = changes.trend_changes
    years = {"before": changes.trend_before_year, "after": changes.trend_after_year}
    frame = pd.DataFrame(
        {
            _t("briefs.col_municipality", lang): [r.town.name for r in rows],
            _t("briefs.col_scheme", lang): [i18n.label("scheme", r.scheme, lang) for r in rows],
            _t("briefs.col_species", lang): [r.species for r in rows],
            _t("briefs.col_trend_long", lang, **years): [
                _class_change(r.before, r.after, lang) for r in rows
            ],
            _t("briefs.col_trend_recent", lang, **years): [
                _class_change(r.recent_before, r.recent_after, lang) for r in rows
            ],
        }
    )
    frame, more = _limited(frame, lang)
    note = _t(
        "briefs.trends_note", lang, before=changes.trend_before_year, after=changes.trend_after_year
    )
    blocks: list[Block] = [Paragraph(note), TableBlock("brief_trends", frame)]
    if more:
        blocks.append(more)
    return Section(heading, 2, blocks)


def _class_change(before: str | None, after: str | None, lang: str) -> str:
    """``matige afname → stabiel`` (``–`` for a class that cannot be estimated)."""
    named = [_t(f"briefs.trend_{c}", lang) if c else "–" for c in (before, after)]
    return " → ".join(named)


def _invitee_maturity(brief: Brief) -> list[Section]:
    """Levels of the invited municipalities per dimension (none without assessments)."""
    if not brief.invitee_levels:
        return []
    lang = brief.lang
    dist = pd.DataFrame(brief.invitee_levels, columns=["dimension", "level", "municipalities"])
    table = dist.pivot(index="dimension", columns="level", values="municipalities")
    table = table.reindex([d for d in vocab.DIMENSIONS if d in table.index])
    shown = pd.DataFrame(
        {_t("briefs.col_dimension", lang): [i18n.label("dimension", d, lang) for d in table.index]}
    )
    for level in table.columns:
        shown[f"{level} {i18n.label('level', int(level), lang)}"] = table[level].to_numpy()
    chart = ChartBlock(
        "invitee_maturity",
        _t("briefs.chart_maturity", lang),
        charts.level_distribution(dist, lang),
        TableBlock("brief_invitee_maturity", shown),
    )
    return [Section(_t("briefs.h_invitee_maturity", lang), blocks=[chart])]


def _yearly_event(brief: Brief) -> list[Section]:
    """Frontrunners per theme, only for the yearly event."""
    if not brief.yearly_event:
        return []
    lang = brief.lang
    runners = brief.frontrunners
    frame = pd.DataFrame(
        {
            _t("briefs.col_theme", lang): [_theme(f.theme, lang) for f in runners],
            _t("briefs.col_frontrunner", lang): [f.town.name for f in runners],
            _t("briefs.col_realised", lang): [f.realised for f in runners],
            _t("briefs.col_practice", lang): [
                f.practice.title if f.practice else "" for f in runners
            ],
            _t("briefs.col_lessons", lang): [
                (f.practice.lessons_learned or "") if f.practice else "" for f in runners
            ],
        }
    )
    blocks: list[Block] = [
        Paragraph(_t("briefs.event_note", lang)),
        TableBlock("brief_frontrunners", frame),
    ]
    return [Section(_t("briefs.h_event", lang), blocks=blocks)]


def _invitees(brief: Brief) -> list[Section]:
    names = ", ".join(t.name for t in brief.invitees) or "–"
    return [Section(_t("briefs.h_invitees", brief.lang), blocks=[Paragraph(names)])]


#: The sections of a brief in the order they are printed (the agenda first: the meeting
#: page replaces it by its editor).
SECTION_BUILDERS: tuple[Callable[[Brief], list[Section]], ...] = (
    _agenda,
    _questions,
    _spotlights,
    _changes,
    _invitee_maturity,
    _yearly_event,
    _invitees,
)


def document(brief: Brief) -> Document:
    """Lay the brief out in its language: title page facts and sections of blocks."""
    lang = brief.lang
    return Document(
        title=brief.title,
        subtitle=_t("briefs.subtitle", lang),
        date_text=i18n.format_date(brief.meeting_date, lang),
        facts=_facts(brief),
        notice=i18n.t("app.demo_notice", lang) if brief.demo else None,
        sections=[section for build in SECTION_BUILDERS for section in build(brief)],
    )
