"""Turn a :class:`cop.meetings.briefs.Brief` into Markdown, Word (.docx) and PDF with the same content.

Why one intermediate document: :func:`document` lays the brief out once as sections of
paragraphs, lists, tables and charts in the reader's language; the page draws the same
blocks, and each writer only knows how to put a block on paper. So the three files and
the preview cannot drift apart.

Charts become PNG images through plotly's static export (kaleido 1.x drives a Chromium;
Debian's ``/usr/bin/chromium`` is found on the PATH, or set ``BROWSER_PATH``). Without a
working browser, within :data:`CHART_TIMEOUT` seconds, or with ``COP_BRIEF_CHARTS=off``,
every chart is shown as its table instead: a brief never fails for want of a browser.
Markdown always shows the table (a text format has no place for a picture).

PDFs use the DejaVu Sans TrueType font (Debian package ``fonts-dejavu-core``) for Dutch
characters (Súdwest-Fryslân) and arrows; where it is missing, the PDF falls back to the
built-in Helvetica and transliterates what Latin-1 cannot hold.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from cop.core import charts, config, i18n, vocab
from cop.meetings.briefs import Brief, Practice

log = logging.getLogger(__name__)

CHART_TIMEOUT = 40.0  # seconds for all chart images together (browser start included)
CHART_WIDTH, CHART_HEIGHT = 900, 460
MAX_ROWS = 25  # rows of a changes table before "… and N more"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
FORMATS = ("md", "docx", "pdf")
MIME = {
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


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


def _t(key: str, lang: str, **values: object) -> str:
    return i18n.t(key, lang, **values)


def _theme(code: str, lang: str) -> str:
    return i18n.label("theme", code, lang)


def _date(value: object) -> pd.Timestamp:
    return pd.Timestamp(value)


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


def _town(name: str, invited: bool, lang: str) -> str:
    return _t("briefs.invited_mark", lang, name=name) if invited else name


def _limited(frame: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, Paragraph | None]:
    if len(frame) <= MAX_ROWS:
        return frame, None
    return frame.head(MAX_ROWS), Paragraph(
        _t("briefs.more_rows", lang, count=len(frame) - MAX_ROWS)
    )


def document(brief: Brief) -> Document:
    """Lay the brief out in its language: title page facts and sections of blocks."""
    lang = brief.lang
    changes = brief.changes
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
    sections: list[Section] = []

    # agenda
    sections.append(
        Section(
            _t("briefs.h_agenda", lang),
            blocks=[
                Paragraph(_t("briefs.agenda_note", lang)),
                Items([item.text for item in brief.agenda], numbered=True),
            ],
        )
    )

    # open help questions
    blocks: list[Block] = []
    if brief.questions:
        blocks.append(Paragraph(_t("briefs.questions_note", lang)))
        frame = pd.DataFrame(
            {
                _t("briefs.col_asked_on", lang): [_date(q.asked_on) for q in brief.questions],
                _t("briefs.col_municipality", lang): [q.asker.name for q in brief.questions],
                _t("briefs.col_theme", lang): [_theme(q.theme, lang) for q in brief.questions],
                _t("briefs.col_question", lang): [q.question for q in brief.questions],
                _t("briefs.col_answerers", lang): [
                    "; ".join(
                        _town(a.name, a.invited, lang) + (f" ({a.reasons})" if a.reasons else "")
                        for a in q.answerers
                    )
                    or _t("briefs.no_answerers", lang)
                    for q in brief.questions
                ],
            }
        )
        blocks.append(TableBlock("brief_help_questions", frame))
    else:
        blocks.append(Paragraph(_t("briefs.no_questions", lang)))
    sections.append(Section(_t("briefs.h_questions", lang), blocks=blocks))

    # spotlight practices
    if brief.spotlights:
        blocks = [
            Paragraph(_t("briefs.spotlights_note", lang)),
            TableBlock("brief_spotlights", _practice_frame(brief.spotlights, lang, lessons=True)),
        ]
    else:
        blocks = [Paragraph(_t("briefs.no_spotlights", lang))]
    sections.append(Section(_t("briefs.h_spotlights", lang), blocks=blocks))

    # what changed
    since_key = "briefs.since_previous" if changes.previous_meeting else "briefs.since_fallback"
    sections.append(
        Section(
            _t("briefs.h_changes", lang),
            blocks=[Paragraph(_t(since_key, lang, date=i18n.format_date(changes.since, lang)))],
        )
    )
    if changes.new_partners:
        partner_block: Block = Items(
            [
                _t("briefs.partner_item", lang, name=t.name, year=t.joined_year)
                for t in changes.new_partners
            ]
        )
    else:
        partner_block = Paragraph(_t("briefs.no_new_partners", lang))
    sections.append(Section(_t("briefs.h_new_partners", lang), 2, [partner_block]))

    per_theme = pd.DataFrame(
        {
            _t("briefs.col_theme", lang): [_theme(c.theme, lang) for c in changes.per_theme],
            _t("briefs.col_new", lang): [c.new for c in changes.per_theme],
            _t("briefs.col_realised", lang): [c.realised for c in changes.per_theme],
        }
    )
    per_theme = per_theme[(per_theme.iloc[:, 1] + per_theme.iloc[:, 2]) > 0]
    blocks = []
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
    sections.append(Section(_t("briefs.h_measures", lang), 2, blocks))

    if changes.maturity_movements:
        moves = changes.maturity_movements
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
    sections.append(Section(_t("briefs.h_maturity", lang), 2, blocks))

    if changes.trend_before_year is None:
        blocks = [Paragraph(_t("briefs.trends_skipped", lang))]
    elif changes.trend_changes:
        rows = changes.trend_changes
        frame = pd.DataFrame(
            {
                _t("briefs.col_municipality", lang): [r.town.name for r in rows],
                _t("briefs.col_scheme", lang): [i18n.label("scheme", r.scheme, lang) for r in rows],
                _t("briefs.col_species", lang): [r.species for r in rows],
                _t("briefs.col_before", lang, year=changes.trend_before_year): [
                    _t(f"briefs.trend_{r.before}", lang) for r in rows
                ],
                _t("briefs.col_after", lang, year=changes.trend_after_year): [
                    _t(f"briefs.trend_{r.after}", lang) for r in rows
                ],
            }
        )
        frame, more = _limited(frame, lang)
        blocks = [
            Paragraph(
                _t(
                    "briefs.trends_note",
                    lang,
                    before=changes.trend_before_year,
                    after=changes.trend_after_year,
                )
            ),
            TableBlock("brief_trends", frame),
        ]
        if more:
            blocks.append(more)
    else:
        blocks = [Paragraph(_t("briefs.no_trend_changes", lang))]
    sections.append(Section(_t("briefs.h_trends", lang), 2, blocks))

    # maturity of the invited municipalities
    if brief.invitee_levels:
        dist = pd.DataFrame(brief.invitee_levels, columns=["dimension", "level", "municipalities"])
        table = dist.pivot(index="dimension", columns="level", values="municipalities")
        table = table.reindex([d for d in vocab.DIMENSIONS if d in table.index])
        shown = pd.DataFrame(
            {
                _t("briefs.col_dimension", lang): [
                    i18n.label("dimension", d, lang) for d in table.index
                ]
            }
        )
        for level in table.columns:
            shown[f"{level} {i18n.label('level', int(level), lang)}"] = table[level].to_numpy()
        sections.append(
            Section(
                _t("briefs.h_invitee_maturity", lang),
                blocks=[
                    ChartBlock(
                        "invitee_maturity",
                        _t("briefs.chart_maturity", lang),
                        charts.level_distribution(dist, lang),
                        TableBlock("brief_invitee_maturity", shown),
                    )
                ],
            )
        )

    # yearly event
    if brief.yearly_event:
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
        sections.append(
            Section(
                _t("briefs.h_event", lang),
                blocks=[
                    Paragraph(_t("briefs.event_note", lang)),
                    TableBlock("brief_frontrunners", frame),
                ],
            )
        )

    # who is invited
    sections.append(
        Section(
            _t("briefs.h_invitees", lang),
            blocks=[Paragraph(", ".join(t.name for t in brief.invitees) or "–")],
        )
    )
    return Document(
        title=brief.title,
        subtitle=_t("briefs.subtitle", lang),
        date_text=i18n.format_date(brief.meeting_date, lang),
        facts=facts,
        notice=i18n.t("app.demo_notice", lang) if brief.demo else None,
        sections=sections,
    )


def changes_chart(per_theme: tuple, lang: str) -> go.Figure:
    """Horizontal bars per theme: new and newly realised measures since the last meeting."""
    rows = [c for c in per_theme if c.new or c.realised]
    rows.sort(key=lambda c: c.new + c.realised)
    labels = [_theme(c.theme, lang) for c in rows]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=[c.new for c in rows],
        name=_t("briefs.col_new", lang),
        orientation="h",
        marker_color=charts.STATUS_COLOURS["in_progress"],
    )
    fig.add_bar(
        y=labels,
        x=[c.realised for c in rows],
        name=_t("briefs.col_realised", lang),
        orientation="h",
        marker_color=charts.STATUS_COLOURS["realised"],
    )
    fig.update_layout(
        barmode="stack",
        height=max(260, 40 + 28 * len(rows)),
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        xaxis_title=_t("briefs.axis_measures", lang),
    )
    return fig


# ---------------------------------------------------------------- chart images


def charts_enabled() -> bool:
    """``COP_BRIEF_CHARTS=off`` (or 0/false/no) turns chart images off."""
    return config.get_settings().brief_charts


def chart_images(
    figures: dict[str, go.Figure], *, timeout: float = CHART_TIMEOUT
) -> dict[str, bytes]:
    """PNG images of ``figures`` made in one browser session; ``{}`` when that fails.

    The export runs in its own thread with its own event loop, so it works the same from
    the command line and inside Streamlit's script thread. Failing is normal on a machine
    without Chromium: the reason is logged and the callers show tables instead.
    """
    if not figures or not charts_enabled():
        return {}

    async def render() -> dict[str, bytes]:
        import kaleido

        opts = {"format": "png", "width": CHART_WIDTH, "height": CHART_HEIGHT, "scale": 2}
        async with kaleido.Kaleido(timeout=timeout) as k:
            out = {}
            for name, fig in figures.items():
                height = fig.layout.height or CHART_HEIGHT
                out[name] = await k.calc_fig(fig, opts={**opts, "height": height})
            return out

    def run() -> dict[str, bytes]:
        return asyncio.run(asyncio.wait_for(render(), timeout))

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(run).result(timeout=timeout + 5)
    except Exception as exc:  # no browser, a crash or a timeout: tables instead of images
        log.warning("chart images unavailable, showing tables instead: %s", exc)
        return {}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------- writers


def _cell(value: object, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return i18n.format_number(value, 0 if value.is_integer() else 2, lang)
    return str(value)


def _rows(frame: pd.DataFrame, lang: str) -> list[list[str]]:
    return [[_cell(v, lang) for v in row] for row in frame.itertuples(index=False, name=None)]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document, lang: str) -> str:
    """Markdown (GitHub style tables); charts as their tables."""
    out = [f"# {doc.title}", "", f"**{doc.subtitle}**", "", f"**{doc.date_text}**", ""]
    out += [f"- {fact}" for fact in doc.facts] + [""]
    if doc.notice:
        out += [f"> {doc.notice}", ""]
    out += ["---", ""]
    for section in doc.sections:
        out += [f"{'#' * (section.level + 1)} {section.heading}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out += [block.text, ""]
            elif isinstance(block, Items):
                marks = [f"{i}." if block.numbered else "-" for i in range(1, len(block.items) + 1)]
                out += [f"{m} {item}" for m, item in zip(marks, block.items, strict=True)] + [""]
            else:
                table = block.table if isinstance(block, ChartBlock) else block
                if isinstance(block, ChartBlock):
                    out += [f"*{block.title}*", ""]
                header = [_md_escape(str(c)) for c in table.frame.columns]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join(" --- " for _ in header) + "|")
                for row in _rows(table.frame, lang):
                    out.append("| " + " | ".join(_md_escape(c) for c in row) + " |")
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_docx(doc: Document, lang: str, images: dict[str, bytes] | None = None) -> bytes:
    """A Word document: title page, then the sections; charts as images or tables."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt

    images = images or {}
    word = WordDocument()
    word.core_properties.title = doc.title
    word.core_properties.language = lang
    word.add_heading(doc.title, level=0)
    word.add_paragraph(doc.subtitle).runs[0].bold = True
    word.add_paragraph(doc.date_text).runs[0].font.size = Pt(14)
    for fact in doc.facts:
        word.add_paragraph(fact, style="List Bullet")
    if doc.notice:
        notice = word.add_paragraph(doc.notice)
        notice.runs[0].italic = True
    word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section in doc.sections:
        word.add_heading(section.heading, level=section.level)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                word.add_paragraph(block.text)
            elif isinstance(block, Items):
                style = "List Number" if block.numbered else "List Bullet"
                for item in block.items:
                    word.add_paragraph(item, style=style)
            elif isinstance(block, ChartBlock) and block.name in images:
                word.add_paragraph(block.title).runs[0].italic = True
                word.add_picture(io.BytesIO(images[block.name]), width=Cm(16))
            else:
                table = block.table if isinstance(block, ChartBlock) else block
                if isinstance(block, ChartBlock):
                    word.add_paragraph(block.title).runs[0].italic = True
                _docx_table(word, table.frame, lang)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _docx_table(word: object, frame: pd.DataFrame, lang: str) -> None:
    from docx.shared import Pt

    table = word.add_table(rows=1, cols=len(frame.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = str(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in _rows(frame, lang):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    word.add_paragraph()  # type: ignore[attr-defined]


def find_font() -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold (``COP_PDF_FONT_DIR`` first), or ``None``."""
    font_dir = config.get_settings().pdf_font_dir
    dirs = [font_dir, *FONT_DIRS] if font_dir else list(FONT_DIRS)
    for folder in dirs:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


_ASCII = {
    "—": "-",
    "–": "-",
    "→": "->",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "•": "-",
}


def latin1(text: str) -> str:
    """Text the built-in PDF fonts can show: Latin-1 kept (â, ú), the rest transliterated."""
    out = []
    for char in text:
        if char in _ASCII:
            out.append(_ASCII[char])
        elif ord(char) < 256:
            out.append(char)
        else:
            plain = (
                unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            )
            out.append(plain or "?")
    return "".join(out)


def to_pdf(
    doc: Document,
    lang: str,
    images: dict[str, bytes] | None = None,
    *,
    font: tuple[Path, Path] | bool | None = True,
) -> bytes:
    """A PDF with a title page; ``font=True`` finds DejaVu Sans, ``None`` forces Helvetica."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    images = images or {}
    paths = find_font() if font is True else font or None
    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(doc.title)
    pdf.set_lang(lang)
    if paths:
        pdf.add_font("DejaVu", "", str(paths[0]))
        pdf.add_font("DejaVu", "B", str(paths[1]))
        family = "DejaVu"

        def text(value: str) -> str:
            return value
    else:
        family = "Helvetica"
        text = latin1

    def write(value: str, size: float = 10, style: str = "", height: float = 5.5) -> None:
        pdf.set_font(family, style, size)
        pdf.multi_cell(0, height, text(value), new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.ln(40)
    write(doc.title, 24, "B", 11)
    pdf.ln(4)
    write(doc.subtitle, 13, "B", 7)
    write(doc.date_text, 14, "", 8)
    pdf.ln(6)
    for fact in doc.facts:
        write(f"- {fact}", 11, "", 6)
    if doc.notice:
        pdf.ln(10)
        write(doc.notice, 10, "", 5.5)
    for number, section in enumerate(doc.sections):
        if number == 0:
            pdf.add_page()
        pdf.ln(3)
        write(section.heading, 16 if section.level == 1 else 13, "B", 8)
        pdf.ln(1)
        for block in section.blocks:
            if isinstance(block, Paragraph):
                write(block.text)
                pdf.ln(1.5)
            elif isinstance(block, Items):
                for i, item in enumerate(block.items, start=1):
                    write(f"{i}. {item}" if block.numbered else f"- {item}")
                pdf.ln(1.5)
            elif isinstance(block, ChartBlock) and block.name in images:
                write(block.title, 10, "B")
                pdf.image(io.BytesIO(images[block.name]), w=pdf.epw)
                pdf.ln(2)
            else:
                table = block.table if isinstance(block, ChartBlock) else block
                if isinstance(block, ChartBlock):
                    write(block.title, 10, "B")
                pdf.set_font(family, "", 8)
                with pdf.table(
                    text_align="LEFT",
                    headings_style=FontFace(emphasis="BOLD"),
                    line_height=4.2,
                    padding=1,
                ) as grid:
                    grid.row([text(str(c)) for c in table.frame.columns])
                    for row in _rows(table.frame, lang):
                        grid.row([text(c) for c in row])
                pdf.ln(3)
    return bytes(pdf.output())


def render(
    brief: Brief, fmt: str, *, images: dict[str, bytes] | None = None, charts_on: bool = True
) -> bytes:
    """The brief as ``md``, ``docx`` or ``pdf`` bytes (chart images made when needed)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    doc = document(brief)
    if fmt == "md":
        return to_markdown(doc, brief.lang).encode("utf-8")
    if images is None:
        figures = {c.name: c.figure for c in doc.charts()} if charts_on else {}
        images = chart_images(figures)
    if fmt == "docx":
        return to_docx(doc, brief.lang, images)
    return to_pdf(doc, brief.lang, images)
