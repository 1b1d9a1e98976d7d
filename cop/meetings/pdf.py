"""The brief as PDF: a :class:`cop.meetings.layout.Document` on A4 paper, with fpdf2.

The same document as the Word file (:mod:`cop.meetings.word`): A4 portrait with 2 cm
margins; title, author (the CoP), subject, keywords, language and creation date in the
PDF's metadata; "Pagina 3 van 7" at the foot of every page and the title at the head of
every page but the first. The first page carries the title, date, facts and the agenda;
text is set flush left (never justified, so a title has no gaps). A heading never stands
alone at the foot of a page. Tables are as wide as the text, with columns by content
(:func:`cop.meetings.layout.column_widths`), long texts wrapped, a smaller font from six
columns on, and the header row repeated when a table runs onto the next page. A chart is
its image at the text width, its title and image kept on one page, with its text
alternative as the image's alt text and, in words, under it.

PDFs use the DejaVu Sans TrueType font (Debian package ``fonts-dejavu-core``) for Dutch
characters (Súdwest-Fryslân) and arrows; where it is missing, the PDF falls back to the
built-in Helvetica and transliterates what Latin-1 cannot hold (:func:`latin1`).
"""

from __future__ import annotations

import io
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cop.core import config
from cop.meetings.layout import (
    Block,
    ChartBlock,
    Document,
    Items,
    Paragraph,
    Section,
    TableBlock,
    column_widths,
    table_rows,
)

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
MARGIN_MM = 20
FOOTER_MM = 12  # the page number's baseline, from the bottom edge
PT_MM = 25.4 / 72
CHAR_EM = 0.55  # average width of a DejaVu Sans character, in em (for column widths)
TABLE_PT, SMALL_TABLE_PT = 8.5, 7.5
WIDE_TABLE_COLUMNS = 6
CELL_PADDING_MM = 1.2
HEADING_COLOUR = (31, 78, 95)
MUTED = (68, 68, 68)
HEADER_FILL = (228, 236, 239)
RULE_COLOUR = (170, 170, 170)  # the thin lines between table rows
KEEP_WITH_HEADING_MM = 30  # room a heading needs below it, else it starts a new page

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


def find_font() -> tuple[Path, Path] | None:
    """DejaVu Sans regular and bold (``COP_PDF_FONT_DIR`` first), or ``None``."""
    font_dir = config.get_settings().pdf_font_dir
    dirs = [font_dir, *FONT_DIRS] if font_dir else list(FONT_DIRS)
    for folder in dirs:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


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


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels of a PNG image (read from its header)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@dataclass
class _Pen:
    """The PDF being written, its font family and how text is made printable in it."""

    pdf: Any  # fpdf.FPDF (imported lazily: the library is only needed for PDFs)
    family: str
    text: Callable[[str], str]
    italic: str  # the style for captions: "I" where the font has an italic, else ""

    def write(
        self,
        value: str,
        size: float = 10,
        style: str = "",
        height: float | None = None,
        colour: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        """A paragraph across the text width, flush left, then the next line."""
        self.pdf.set_font(self.family, style, size)
        self.pdf.set_text_color(*colour)
        self.pdf.multi_cell(
            0,
            height or size * PT_MM * 1.35,
            self.text(value),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.pdf.set_text_color(0, 0, 0)

    def item(self, marker: str, value: str, size: float = 10) -> None:
        """A list item with a hanging indent: the marker, then the text wrapped beside it."""
        self.pdf.set_font(self.family, "", size)
        self.pdf.cell(6, size * PT_MM * 1.35, self.text(marker))
        self.pdf.multi_cell(
            0, size * PT_MM * 1.35, self.text(value), align="L", new_x="LMARGIN", new_y="NEXT"
        )

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.pdf.will_page_break(height):
            self.pdf.add_page()


def _pen(doc: Document, lang: str, font: tuple[Path, Path] | None) -> _Pen:
    from fpdf import FPDF, ViewerPreferences

    class BriefPDF(FPDF):
        """A4 with the title at the head of pages 2 and on, and "Page n of N" at the foot."""

        brief_family = "Helvetica"
        printable: Callable[[str], str] = staticmethod(latin1)

        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(10)
            self.set_font(self.brief_family, "", 8)
            self.set_text_color(*MUTED)
            self.cell(0, 4, self.printable(f"{doc.title} · {doc.date_text}"), align="L")
            self.set_text_color(0, 0, 0)
            self.set_y(self.t_margin)

        def footer(self) -> None:
            self.set_y(-FOOTER_MM)
            self.set_font(self.brief_family, "", 8)
            self.set_text_color(*MUTED)
            label = doc.page_label(str(self.page_no()), self.str_alias_nb_pages)
            self.cell(0, 4, self.printable(label), align="C")
            self.set_text_color(0, 0, 0)

    pdf = BriefPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.set_title(doc.title)
    pdf.set_author(doc.author)
    pdf.set_subject(doc.subject)
    pdf.set_keywords(doc.keywords)
    pdf.set_creator(doc.author)
    pdf.set_creation_date(doc.created)
    pdf.set_lang(lang)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    italic = "I"
    if font is not None:
        pdf.add_font("DejaVu", "", str(font[0]))
        pdf.add_font("DejaVu", "B", str(font[1]))
        oblique = font[0].with_name("DejaVuSans-Oblique.ttf")  # fonts-dejavu-extra
        if oblique.is_file():
            pdf.add_font("DejaVu", "I", str(oblique))
        else:
            italic = ""
        BriefPDF.brief_family, BriefPDF.printable = "DejaVu", staticmethod(str)
    return _Pen(pdf, BriefPDF.brief_family, BriefPDF.printable, italic)


def _first_page(pen: _Pen, doc: Document) -> None:
    """Title, subtitle, date, facts and the demo notice; the agenda follows on this page."""
    pen.pdf.add_page()
    pen.write(doc.title, 22, "B", 10, HEADING_COLOUR)
    pen.pdf.ln(2)
    pen.write(doc.subtitle, 12, "B")
    pen.write(doc.date_text, 14)
    pen.pdf.ln(2)
    for fact in doc.facts:
        pen.item("•", fact, 10)
    if doc.notice:
        pen.pdf.ln(2)
        pen.write(doc.notice, 8.5, pen.italic, colour=MUTED)


def _section(pen: _Pen, section: Section, images: dict[str, bytes], lang: str) -> None:
    size = 15 if section.level == 1 else 12.5
    pen.pdf.ln(5 if section.level == 1 else 3)
    first = section.blocks[0] if section.blocks else None
    pen.keep(size * PT_MM * 1.3 + _room_for(pen, first, images))
    pen.write(section.heading, size, "B", colour=HEADING_COLOUR)
    pen.pdf.ln(1)
    for block in section.blocks:
        _block(pen, block, images, lang)


def _room_for(pen: _Pen, block: Block | None, images: dict[str, bytes]) -> float:
    """Height (mm) the start of ``block`` needs to stay on the page of its heading."""
    if isinstance(block, ChartBlock) and block.name in images:
        width, height = png_size(images[block.name])
        return min(8 + pen.pdf.epw * height / width + 10, pen.pdf.eph - 20)
    return KEEP_WITH_HEADING_MM


def _block(pen: _Pen, block: Block, images: dict[str, bytes], lang: str) -> None:
    if isinstance(block, Paragraph):
        pen.write(block.text)
        pen.pdf.ln(1.5)
    elif isinstance(block, Items):
        for i, item in enumerate(block.items, start=1):
            pen.item(f"{i}." if block.numbered else "•", item)
        pen.pdf.ln(1.5)
    elif isinstance(block, ChartBlock):
        _chart(pen, block, images.get(block.name), lang)
    else:
        _table(pen, block, lang)


def _chart(pen: _Pen, chart: ChartBlock, image: bytes | None, lang: str) -> None:
    """Title and image on one page; the summary under it; the description as alt text."""
    if image is None:
        pen.keep(20)
        pen.write(chart.title, 10, "B")
        _table(pen, chart.table, lang)
        return
    width, height = png_size(image)
    shown = pen.pdf.epw * height / width
    pen.keep(8 + shown + 10)
    pen.write(chart.title, 10, "B")
    pen.pdf.image(
        io.BytesIO(image),
        x=pen.pdf.l_margin,
        w=pen.pdf.epw,
        title=pen.text(chart.title),
        alt_text=pen.text(chart.description or chart.summary or chart.title),
    )
    pen.pdf.ln(1)
    if chart.summary:
        pen.write(chart.summary, 8.5, pen.italic, colour=MUTED)
    pen.pdf.ln(3)


def _table(pen: _Pen, table: TableBlock, lang: str) -> None:
    """A table across the text width, its header row repeated on every page it runs onto."""
    from fpdf.fonts import FontFace

    frame = table.printed()
    size = SMALL_TABLE_PT if len(frame.columns) >= WIDE_TABLE_COLUMNS else TABLE_PT
    columns = len(frame.columns)
    usable = pen.pdf.epw - 2 * CELL_PADDING_MM * columns
    widths = [
        w + 2 * CELL_PADDING_MM
        for w in column_widths(frame, lang, total=usable, char=size * CHAR_EM * PT_MM)
    ]
    pen.keep(25)  # the header and a first row, not alone at the foot of a page
    pen.pdf.set_font(pen.family, "", size)
    pen.pdf.set_draw_color(*RULE_COLOUR)
    pen.pdf.set_line_width(0.2)
    with pen.pdf.table(
        col_widths=widths,
        width=pen.pdf.epw,
        align="LEFT",
        text_align="LEFT",
        v_align="TOP",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        line_height=size * PT_MM * 1.3,
        padding=(CELL_PADDING_MM * 0.7, CELL_PADDING_MM),
        repeat_headings=1,
        borders_layout="HORIZONTAL_LINES",
    ) as grid:
        grid.row([pen.text(str(c)) for c in frame.columns])
        for row in table_rows(frame, lang):
            grid.row([pen.text(c) for c in row])
    pen.pdf.set_draw_color(0, 0, 0)
    pen.pdf.ln(1.5)
    if table.hidden:
        pen.write(table.more, 8.5, pen.italic, colour=MUTED)
    pen.pdf.ln(2)


def to_pdf(
    doc: Document,
    lang: str,
    images: dict[str, bytes] | None = None,
    *,
    font: tuple[Path, Path] | bool | None = True,
) -> bytes:
    """A4 PDF, first page with the agenda; ``font=True`` finds DejaVu Sans, ``None`` Helvetica."""
    pen = _pen(doc, lang, find_font() if font is True else font or None)
    _first_page(pen, doc)
    for section in doc.sections:
        _section(pen, section, images or {}, lang)
    return bytes(pen.pdf.output())
