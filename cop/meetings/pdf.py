"""The brief as PDF (A4): a :class:`cop.meetings.layout.Document` on paper, with fpdf2.

PDFs use the DejaVu Sans TrueType font (Debian package ``fonts-dejavu-core``) for Dutch
characters (Súdwest-Fryslân) and arrows; where it is missing, the PDF falls back to the
built-in Helvetica and transliterates what Latin-1 cannot hold (:func:`latin1`).
"""

from __future__ import annotations

import io
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
    table_rows,
)

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
MARGIN_MM = 18

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


@dataclass
class _Pen:
    """The PDF being written, its font family and how text is made printable in it."""

    pdf: Any  # fpdf.FPDF (imported lazily: the library is only needed for PDFs)
    family: str
    text: Callable[[str], str]

    def write(self, value: str, size: float = 10, style: str = "", height: float = 5.5) -> None:
        """A paragraph across the page width, then the next line."""
        self.pdf.set_font(self.family, style, size)
        self.pdf.multi_cell(0, height, self.text(value), new_x="LMARGIN", new_y="NEXT")


def _pen(title: str, lang: str, font: tuple[Path, Path] | None) -> _Pen:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.set_title(title)
    pdf.set_lang(lang)
    if font is None:
        return _Pen(pdf, "Helvetica", latin1)
    pdf.add_font("DejaVu", "", str(font[0]))
    pdf.add_font("DejaVu", "B", str(font[1]))
    return _Pen(pdf, "DejaVu", str)


def _title_page(pen: _Pen, doc: Document) -> None:
    pen.pdf.add_page()
    pen.pdf.ln(40)
    pen.write(doc.title, 24, "B", 11)
    pen.pdf.ln(4)
    pen.write(doc.subtitle, 13, "B", 7)
    pen.write(doc.date_text, 14, "", 8)
    pen.pdf.ln(6)
    for fact in doc.facts:
        pen.write(f"- {fact}", 11, "", 6)
    if doc.notice:
        pen.pdf.ln(10)
        pen.write(doc.notice, 10, "", 5.5)


def _section(pen: _Pen, section: Section, images: dict[str, bytes], lang: str) -> None:
    pen.pdf.ln(3)
    pen.write(section.heading, 16 if section.level == 1 else 13, "B", 8)
    pen.pdf.ln(1)
    for block in section.blocks:
        _block(pen, block, images, lang)


def _block(pen: _Pen, block: Block, images: dict[str, bytes], lang: str) -> None:
    if isinstance(block, Paragraph):
        pen.write(block.text)
        pen.pdf.ln(1.5)
    elif isinstance(block, Items):
        for i, item in enumerate(block.items, start=1):
            pen.write(f"{i}. {item}" if block.numbered else f"- {item}")
        pen.pdf.ln(1.5)
    elif isinstance(block, ChartBlock):
        pen.write(block.title, 10, "B")
        if block.name in images:
            pen.pdf.image(io.BytesIO(images[block.name]), w=pen.pdf.epw)
            pen.pdf.ln(2)
        else:
            _table(pen, block.table, lang)
    else:
        _table(pen, block, lang)


def _table(pen: _Pen, table: TableBlock, lang: str) -> None:
    from fpdf.fonts import FontFace

    pen.pdf.set_font(pen.family, "", 8)
    with pen.pdf.table(
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD"),
        line_height=4.2,
        padding=1,
    ) as grid:
        grid.row([pen.text(str(c)) for c in table.frame.columns])
        for row in table_rows(table.frame, lang):
            grid.row([pen.text(c) for c in row])
    pen.pdf.ln(3)


def to_pdf(
    doc: Document,
    lang: str,
    images: dict[str, bytes] | None = None,
    *,
    font: tuple[Path, Path] | bool | None = True,
) -> bytes:
    """A PDF with a title page; ``font=True`` finds DejaVu Sans, ``None`` forces Helvetica."""
    pen = _pen(doc.title, lang, find_font() if font is True else font or None)
    _title_page(pen, doc)
    for number, section in enumerate(doc.sections):
        if number == 0:
            pen.pdf.add_page()
        _section(pen, section, images or {}, lang)
    return bytes(pen.pdf.output())
