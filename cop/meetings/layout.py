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

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from cop.core import charts, config, i18n, vocab
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
    """A table with translated headers, whole (the page and the workbook show every row).

    ``name`` is the file name of its CSV download, ``sheet`` its short title in the
    reader's language (the workbook's sheet and the page's table picker). The documents
    print at most ``limit`` rows and then ``more`` ("… and 23 more rows"), so a long list
    does not fill pages that nobody reads.
    """

    name: str
    frame: pd.DataFrame
    sheet: str = ""
    limit: int | None = None
    more: str = ""

    def printed(self) -> pd.DataFrame:
        """The rows the documents print."""
        return self.frame if self.limit is None else self.frame.head(self.limit)

    @property
    def hidden(self) -> int:
        """Rows left out of the documents (shown in the workbook and on the page)."""
        return len(self.frame) - len(self.printed())


@dataclass
class ChartBlock:
    """A chart: its figure, the table behind it, and its text alternative.

    ``summary`` is one or two sentences printed under the image, saying what it shows;
    ``description`` adds every number of the table and becomes the image's alt text
    (Word's picture description, the PDF image's ``/Alt``) for screen readers.
    """

    name: str
    title: str
    figure: go.Figure
    table: TableBlock  # shown where the image cannot be made
    summary: str = ""
    description: str = ""


Block = Paragraph | Items | TableBlock | ChartBlock


@dataclass
class Section:
    heading: str
    level: int = 1
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """The brief laid out: first-page texts, sections, and what goes into file metadata."""

    title: str
    subtitle: str
    date_text: str
    facts: list[str]
    notice: str | None
    sections: list[Section]
    lang: str = i18n.DEFAULT_LANGUAGE
    author: str = ""
    subject: str = ""
    keywords: str = ""
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

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

    def page_label(self, page: str, pages: str) -> str:
        """The footer text, "Pagina 3 van 7"; ``page``/``pages`` may be field markers."""
        return i18n.t("briefs.page_of", self.lang, page=page, pages=pages)


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


def column_widths(frame: pd.DataFrame, lang: str, total: float, char: float) -> list[float]:
    """Column widths that add up to ``total``, by content (as a browser lays out a table).

    Every column gets at least its longest word (headers included), so no word is broken
    inside. The room left is shared out fairly: columns whose longest text then fits on
    one line get exactly that (dates, statuses and short names never wrap), and the long
    texts (lessons learned, questions) share what remains in proportion to their length.
    ``char`` is the width of an average character in the unit of ``total``; widths include
    about two characters of cell padding.

    Examples
    --------
    >>> frame = pd.DataFrame({"Datum": ["01-02-2026"], "Vraag": ["een lange vraag " * 8]})
    >>> [round(w) for w in column_widths(frame, "nl", 100, 1)]
    [12, 88]
    """
    pad = 2.0
    rows = table_rows(frame, lang)
    narrow, wide = [], []
    for i, header in enumerate(frame.columns):
        texts = [str(header)] + [row[i] for row in rows]
        words = [len(w) for text in texts for w in text.split()] or [1]
        narrow.append(max(words) + pad)
        wide.append(max(len(text) for text in texts) + pad)
    room = total / char - sum(narrow)
    if room <= 0:  # even the longest words do not fit: shrink every column alike
        return [n * total / sum(narrow) for n in narrow]
    if sum(wide) <= total / char:  # every text fits on one line: widen in proportion
        return [w * total / sum(wide) for w in wide]
    widths = list(narrow)
    waiting = [i for i in range(len(widths)) if wide[i] > narrow[i]]
    while waiting:
        share = room / len(waiting)
        done = [i for i in waiting if wide[i] - widths[i] <= share]
        if not done:  # the rest all wrap: share the room by how much each still needs
            need = sum(wide[i] - widths[i] for i in waiting)
            for i in waiting:
                widths[i] += room * (wide[i] - widths[i]) / need
            break
        for i in done:
            room -= wide[i] - widths[i]
            widths[i] = wide[i]
            waiting.remove(i)
    return [w * char for w in widths]


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
    app = config.public_url()
    if app is not None:  # the practice page (issue 13), only where the app's address is known
        data[_t("briefs.col_link", lang)] = [practice_url(app, p.id) for p in practices]
    return pd.DataFrame(data)


def practice_url(app: str, measure_id: int) -> str:
    """The address of one practice's page in the app at ``app``.

    >>> practice_url("https://cop.example.nl", 12)
    'https://cop.example.nl/practice?maatregel=12'
    """
    return f"{app}/practice?maatregel={int(measure_id)}"


def _limited(name: str, frame: pd.DataFrame, lang: str, sheet: str) -> TableBlock:
    """A long table: the documents print :data:`MAX_ROWS` rows and say how many follow."""
    more = _t("briefs.more_rows", lang, count=len(frame) - MAX_ROWS)
    return TableBlock(name, frame, sheet, limit=MAX_ROWS, more=more)


def _listing(table: TableBlock, lang: str) -> str:
    """Every row of a chart's table as text ("Theme: New 3, Realised 2; ..."), for alt text."""
    rows = table_rows(table.frame, lang)
    names = [str(c) for c in table.frame.columns[1:]]
    return "; ".join(
        f"{row[0]}: " + ", ".join(f"{n} {v}" for n, v in zip(names, row[1:], strict=True))
        for row in rows
    )


# ---------------------------------------------------------------- one builder per section


def _facts(brief: Brief) -> list[str]:
    """The first page's facts: host, themes, how many invited, the previous meeting."""
    lang = brief.lang
    facts = [] if brief.host is None else [_t("briefs.fact_host", lang, name=brief.host.name)]
    facts += [
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
        TableBlock("brief_help_questions", frame, _t("briefs.sheet_questions", lang)),
    ]
    return [Section(heading, blocks=blocks)]


def _spotlights(brief: Brief) -> list[Section]:
    lang = brief.lang
    blocks: list[Block]
    if brief.spotlights:
        blocks = [
            Paragraph(_t("briefs.spotlights_note", lang)),
            TableBlock(
                "brief_spotlights",
                _practice_frame(brief.spotlights, lang, lessons=True),
                _t("briefs.sheet_spotlights", lang),
            ),
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
        _new_answers(brief),
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


def _new_answers(brief: Brief) -> Section:
    """Answers to help questions since the previous meeting (issue 13), by who answered."""
    lang = brief.lang
    given = brief.changes.new_answers
    block: Block
    if given:
        block = Items(
            [
                _t(
                    "briefs.answer_helped" if a.helped else "briefs.answer_item",
                    lang,
                    answerer=a.answerer,
                    asker=a.asker.name,
                    theme=_theme(a.theme, lang),
                    date=i18n.format_date(a.given_on, lang),
                    question=a.question,
                )
                for a in given
            ]
        )
    else:
        block = Paragraph(_t("briefs.no_new_answers", lang))
    return Section(_t("briefs.h_new_answers", lang), 2, [block])


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
        table = TableBlock(
            "brief_changes_per_theme",
            per_theme.reset_index(drop=True),
            _t("briefs.sheet_changes_per_theme", lang),
        )
        blocks.append(
            ChartBlock(
                "changes_per_theme",
                _t("briefs.chart_changes", lang),
                changes_chart(changes.per_theme, lang),
                table,
                *_changes_chart_texts(brief, table),
            )
        )
    sheets = {
        "new": _t("briefs.sheet_measures_new", lang),
        "realised": _t("briefs.sheet_measures_realised", lang),
    }
    for kind, practices in (("new", changes.new_measures), ("realised", changes.newly_realised)):
        blocks.append(Paragraph(_t(f"briefs.measures_{kind}", lang, count=len(practices))))
        if practices:
            frame = _practice_frame(practices, lang, lessons=False)
            blocks.append(_limited(f"brief_measures_{kind}", frame, lang, sheets[kind]))
    return Section(_t("briefs.h_measures", lang), 2, blocks)


def _changes_chart_texts(brief: Brief, table: TableBlock) -> tuple[str, str]:
    """What the changes chart shows, in words: its summary and its full description."""
    lang = brief.lang
    rows = sorted(brief.changes.per_theme, key=lambda c: -(c.new + c.realised))
    rows = [c for c in rows if c.new or c.realised]
    top = rows[0]
    summary = _t(
        "briefs.chart_changes_alt",
        lang,
        date=i18n.format_date(brief.changes.since, lang),
        themes=len(rows),
        new=sum(c.new for c in rows),
        realised=sum(c.realised for c in rows),
        top=_theme(top.theme, lang),
        top_new=top.new,
        top_realised=top.realised,
    )
    return summary, f"{summary} {_listing(table, lang)}."


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
        blocks = [
            Paragraph(_t("briefs.maturity_note", lang)),
            TableBlock("brief_maturity", frame, _t("briefs.sheet_maturity", lang)),
        ]
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
    note = _t(
        "briefs.trends_note", lang, before=changes.trend_before_year, after=changes.trend_after_year
    )
    table = _limited("brief_trends", frame, lang, _t("briefs.sheet_trends", lang))
    blocks: list[Block] = [Paragraph(note), table]
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
    shown_table = TableBlock(
        "brief_invitee_maturity", shown, _t("briefs.sheet_invitee_maturity", lang)
    )
    means = (dist["level"] * dist["municipalities"]).groupby(dist["dimension"]).sum() / dist[
        "municipalities"
    ].groupby(dist["dimension"]).sum()
    means = means.reindex(table.index)
    summary = _t(
        "briefs.chart_maturity_alt",
        lang,
        count=int(dist.groupby("dimension")["municipalities"].sum().max()),
        best=i18n.label("dimension", means.idxmax(), lang),
        best_mean=i18n.format_number(float(means.max()), 1, lang),
        worst=i18n.label("dimension", means.idxmin(), lang),
        worst_mean=i18n.format_number(float(means.min()), 1, lang),
    )
    chart = ChartBlock(
        "invitee_maturity",
        _t("briefs.chart_maturity", lang),
        charts.level_distribution(dist, lang),
        shown_table,
        summary,
        f"{summary} {_listing(shown_table, lang)}.",
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
        TableBlock("brief_frontrunners", frame, _t("briefs.sheet_frontrunners", lang)),
    ]
    return [Section(_t("briefs.h_event", lang), blocks=blocks)]


def _invitees(brief: Brief) -> list[Section]:
    names = ", ".join(t.name for t in brief.invitees) or "–"
    return [Section(_t("briefs.h_invitees", brief.lang), blocks=[Paragraph(names)])]


def _stale_partners(brief: Brief) -> list[Section]:
    """Partners to ask for an update: what is more than a year old, since when."""
    lang = brief.lang
    heading = _t("fresh.heading", lang)
    rule = _t("fresh.rule", lang, date=i18n.format_date(brief.meeting_date, lang))
    if not brief.stale_partners:
        when = i18n.format_date(brief.meeting_date, lang)
        return [Section(heading, blocks=[Paragraph(_t("fresh.all_current", lang, date=when))])]
    none = _t("fresh.none", lang)
    stale = brief.stale_partners
    frame = pd.DataFrame(
        {
            _t("fresh.col_municipality", lang): [p.town.name for p in stale],
            _t("fresh.col_measures", lang): [
                none if p.measures_updated is None else _date(p.measures_updated) for p in stale
            ],
            _t("fresh.col_maturity", lang): [
                none if p.maturity_year is None else str(p.maturity_year) for p in stale
            ],
            _t("fresh.col_behind", lang): [
                ", ".join(
                    _t(key, lang)
                    for key, behind in (
                        ("fresh.behind_measures", p.measures_behind),
                        ("fresh.behind_maturity", p.maturity_behind),
                    )
                    if behind
                )
                for p in stale
            ],
        }
    )
    table = _limited("stale_partners", frame, lang, _t("fresh.sheet", lang))
    return [Section(heading, blocks=[Paragraph(rule), table])]


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
    _stale_partners,
)


def document(brief: Brief) -> Document:
    """Lay the brief out in its language: first-page facts, sections, file metadata."""
    lang = brief.lang
    return Document(
        title=brief.title,
        subtitle=_t("briefs.subtitle", lang),
        date_text=i18n.format_date(brief.meeting_date, lang),
        facts=_facts(brief),
        notice=i18n.t("app.demo_notice", lang) if brief.demo else None,
        sections=[section for build in SECTION_BUILDERS for section in build(brief)],
        lang=lang,
        author=_t("briefs.author", lang),
        subject=_t("briefs.subject", lang, date=i18n.format_date(brief.meeting_date, lang)),
        keywords=", ".join(_theme(t, lang) for t in brief.themes),
    )
