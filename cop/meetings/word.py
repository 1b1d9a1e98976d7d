"""The brief as a Word document (.docx): a :class:`cop.meetings.layout.Document` on paper.

A document a coordinator can forward as it is: A4 portrait with 2 cm margins, the CoP as
author and the title, subject, keywords, language and creation time in the file's
properties, "Pagina 3 van 7" in every footer (Word's PAGE and NUMPAGES fields, so the
numbers stay right when someone edits the text) and the title in the header from page 2.
The first page carries the title, the date, the facts (host, themes, invitees, previous
meeting) and the agenda; the sections follow without a page break.

Tables fit the text width: columns are as wide as their content asks
(:func:`cop.meetings.layout.column_widths`), long texts wrap, tables of six or more
columns use a smaller font, the header row repeats on every page and a row is never split
over two pages. A chart is its PNG image (:mod:`cop.meetings.charts`) at the text width
with its text alternative as the picture's description (what a screen reader reads) and,
in words, under it; without an image the chart is its table.
"""

from __future__ import annotations

import io
from typing import Any

from cop.meetings.layout import (
    ChartBlock,
    Document,
    Items,
    Paragraph,
    Section,
    TableBlock,
    column_widths,
    table_rows,
)

PAGE_WIDTH_CM, PAGE_HEIGHT_CM = 21.0, 29.7  # A4 portrait
MARGIN_CM = 2.0
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM
FONT = "Calibri"  # Word's own; LibreOffice shows Carlito (same widths) or a sans fallback
BODY_PT, TABLE_PT, SMALL_TABLE_PT = 10.5, 9.0, 8.0
WIDE_TABLE_COLUMNS = 6  # from this many columns on, tables use SMALL_TABLE_PT
# Average character width in em for column widths: Calibri needs about 0.5, but a reader
# without it (LibreOffice on Linux falls back to DejaVu Sans) needs 0.6; words must fit both.
CHAR_EM = 0.6
CELL_PADDING_CM = 0.125  # the cell margins left and right (70 twips)
HEADER_FILL = "E4ECEF"
MUTED = (0x44, 0x44, 0x44)
LANGUAGE_TAGS = {"nl": "nl-NL", "en": "en-GB"}
_FIELD = "\x00"  # marks a Word field (PAGE, NUMPAGES) inside the footer text


def to_docx(doc: Document, lang: str, images: dict[str, bytes] | None = None) -> bytes:
    """A Word document: first page with the agenda, then the sections; charts as images."""
    from docx import Document as WordDocument

    images = images or {}
    word = WordDocument()
    _properties(word, doc, lang)
    _styles(word, lang)
    _page_setup(word, doc)
    _first_page(word, doc)
    for section in doc.sections:
        _section(word, section, images, lang)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the file and its pages


#: The longest text a Word core property may hold (python-docx refuses longer ones).
PROPERTY_MAX = 255


def fit_property(text: str) -> str:
    """``text`` cut to a Word core property's 255 characters, at a list separator when it
    has one, so that a brief on all 14 themes in English still gets its keywords.

    >>> fit_property("a, b")
    'a, b'
    >>> len(fit_property(", ".join(["biodiversity"] * 40))) <= PROPERTY_MAX
    True
    """
    if len(text) <= PROPERTY_MAX:
        return text
    cut = text[: PROPERTY_MAX - 1]
    at = cut.rfind(", ")
    return (cut[:at] if at > 0 else cut) + "…"


def _properties(word: Any, doc: Document, lang: str) -> None:
    """Title, author (the CoP, not the library), subject, keywords, language, times."""
    created = doc.created.replace(tzinfo=None, microsecond=0)  # docx stores UTC without zone
    props = word.core_properties
    props.title = fit_property(doc.title)
    props.subject = fit_property(doc.subject)
    props.author = fit_property(doc.author)
    props.last_modified_by = fit_property(doc.author)
    props.keywords = fit_property(doc.keywords)
    props.language = LANGUAGE_TAGS.get(lang, lang)
    props.created = created
    props.modified = created
    props.revision = 1
    props.comments = doc.notice or ""


def _styles(word: Any, lang: str) -> None:
    """One sans font everywhere, the text language, and the few styles the brief uses."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    styles = word.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_defaults.append(language)
    language.set(qn("w:val"), LANGUAGE_TAGS.get(lang, lang))  # spelling and hyphenation

    normal = styles["Normal"]
    _font(normal, FONT)
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.1
    for name, size in (("Title", 22), ("Heading 1", 15), ("Heading 2", 12.5)):
        style = styles[name]
        _font(style, FONT)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x1F, 0x4E, 0x5F)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(0 if name == "Title" else 14)
        style.paragraph_format.space_after = Pt(6 if name == "Title" else 4)
    caption = styles["Caption"]
    _font(caption, FONT)
    caption.font.size = Pt(9)
    caption.font.bold = False
    caption.font.italic = True
    caption.font.color.rgb = RGBColor(*MUTED)
    caption.paragraph_format.space_after = Pt(10)
    for name, size in (("Brief Table", TABLE_PT), ("Brief Table Small", SMALL_TABLE_PT)):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = 1.0
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _font(style: Any, name: str) -> None:
    """Set ``name`` for every script of ``style``, replacing the template's theme fonts."""
    from docx.oxml.ns import qn

    style.font.name = name
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for script, theme in (
        ("ascii", "asciiTheme"),
        ("hAnsi", "hAnsiTheme"),
        ("cs", "cstheme"),
        ("eastAsia", "eastAsiaTheme"),
    ):
        fonts.set(qn(f"w:{script}"), name)
        fonts.attrib.pop(qn(f"w:{theme}"), None)


def _page_setup(word: Any, doc: Document) -> None:
    """A4 portrait, 2 cm margins; the title in the header from page 2, page numbers below."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    section.header_distance = section.footer_distance = Cm(1.0)
    section.different_first_page_header_footer = True

    header = section.header.paragraphs[0]
    run = header.add_run(f"{doc.title} · {doc.date_text}")
    run.font.size = Pt(8.5)
    run.font.color.rgb = RGBColor(*MUTED)
    for footer in (section.footer, section.first_page_footer):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        parts = doc.page_label(f"{_FIELD}PAGE{_FIELD}", f"{_FIELD}NUMPAGES{_FIELD}")
        for number, part in enumerate(parts.split(_FIELD)):
            if number % 2:
                _field(paragraph, part)
            elif part:
                paragraph.add_run(part)
        for run in paragraph.runs:
            run.font.size = Pt(8.5)
            run.font.color.rgb = RGBColor(*MUTED)


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) that Word and LibreOffice fill in on display."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    paragraph.add_run()._r.append(char("begin"))
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    paragraph.add_run()._r.append(char("separate"))
    paragraph.add_run("1")  # shown until the field is updated
    paragraph.add_run()._r.append(char("end"))


# ---------------------------------------------------------------- content


def _first_page(word: Any, doc: Document) -> None:
    """Title, subtitle, date and facts; the agenda (the first section) follows directly."""
    from docx.shared import Pt, RGBColor

    word.add_heading(doc.title, level=0)
    subtitle = word.add_paragraph()
    subtitle.add_run(doc.subtitle).bold = True
    date = word.add_paragraph().add_run(doc.date_text)
    date.font.size = Pt(14)
    for fact in doc.facts:
        word.add_paragraph(fact, style="List Bullet")
    if doc.notice:
        notice = word.add_paragraph().add_run(doc.notice)
        notice.italic = True
        notice.font.size = Pt(9)
        notice.font.color.rgb = RGBColor(*MUTED)


def _section(word: Any, section: Section, images: dict[str, bytes], lang: str) -> None:
    word.add_heading(section.heading, level=section.level)
    for block in section.blocks:
        if isinstance(block, Paragraph):
            word.add_paragraph(block.text)
        elif isinstance(block, Items):
            style = "List Number" if block.numbered else "List Bullet"
            for item in block.items:
                word.add_paragraph(item, style=style)
        elif isinstance(block, ChartBlock):
            _chart(word, block, images.get(block.name), lang)
        else:
            _table(word, block, lang)


def _chart(word: Any, chart: ChartBlock, image: bytes | None, lang: str) -> None:
    """Title, then the image with its description as alt text and summary below it."""
    from docx.shared import Cm

    title = word.add_paragraph()
    title.add_run(chart.title).bold = True
    title.paragraph_format.keep_with_next = True
    if image is None:
        _table(word, chart.table, lang)
        return
    shape = word.add_picture(io.BytesIO(image), width=Cm(TEXT_WIDTH_CM))
    for side in ("distT", "distB", "distL", "distR"):  # as Word writes them; LibreOffice
        shape._inline.set(side, "0")  # otherwise adds 9 pt on the left, past the margin
    properties = shape._inline.docPr  # the "Alt Text" of Word's picture format pane
    properties.set("title", chart.title)
    properties.set("descr", chart.description or chart.summary or chart.title)
    word.paragraphs[-1].paragraph_format.keep_with_next = True
    if chart.summary:
        word.add_paragraph(chart.summary, style="Caption")


def _table(word: Any, block: TableBlock, lang: str) -> None:
    """A table across the text width with a repeating header row (module doc)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    frame = block.printed()
    if len(word.paragraphs):
        word.paragraphs[-1].paragraph_format.keep_with_next = True  # its introduction
    small = len(frame.columns) >= WIDE_TABLE_COLUMNS
    size = SMALL_TABLE_PT if small else TABLE_PT
    char_cm = size * CHAR_EM * 2.54 / 72
    usable = TEXT_WIDTH_CM - 2 * CELL_PADDING_CM * len(frame.columns)
    widths = [
        w + 2 * CELL_PADDING_CM for w in column_widths(frame, lang, total=usable, char=char_cm)
    ]
    style = "Brief Table Small" if small else "Brief Table"

    table = word.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    _fixed_layout(table, widths)
    header = table.rows[0]
    _repeat_header(header)
    for cell, name in zip(header.cells, frame.columns, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.style = style
        paragraph.paragraph_format.keep_with_next = True  # never alone at a page's foot
        paragraph.add_run(str(name)).bold = True
        _shade(cell, HEADER_FILL)
    for values in table_rows(frame, lang):
        row = table.add_row()
        _keep_row_together(row)
        for cell, value in zip(row.cells, values, strict=True):
            cell.paragraphs[0].style = style
            cell.paragraphs[0].add_run(value)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    if block.hidden:
        more = word.add_paragraph().add_run(block.more)
        more.italic = True
        more.font.size = Pt(9)
    else:
        word.add_paragraph().paragraph_format.space_after = Pt(2)


def _fixed_layout(table: Any, widths: list[float]) -> None:
    """Column widths as given (Word otherwise re-fits them to the text when opening)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table.autofit = False  # w:tblLayout type="fixed"
    properties = table._tbl.tblPr
    width = properties.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        properties.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(Cm(sum(widths)).twips)))
    margins = OxmlElement("w:tblCellMar")  # a little air above and below the text
    for side, twips in (("top", 25), ("left", 70), ("bottom", 25), ("right", 70)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    look = properties.find(qn("w:tblLook"))  # the schema puts the margins before tblLook
    if look is None:
        properties.append(margins)
    else:
        look.addprevious(margins)
    for column, value in zip(table.columns, widths, strict=True):
        column.width = Cm(value)


def _repeat_header(row: Any) -> None:
    """Mark ``row`` as the header row Word repeats at the top of every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
    _keep_row_together(row)


def _keep_row_together(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    keep = OxmlElement("w:cantSplit")
    keep.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(keep)


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)
