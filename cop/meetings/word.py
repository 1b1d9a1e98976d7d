"""The brief as a Word document (.docx): a :class:`cop.meetings.layout.Document` on paper.

A title page, then the sections; a chart is its PNG image (:mod:`cop.meetings.charts`)
when one was made, else its table.
"""

from __future__ import annotations

import io

import pandas as pd

from cop.meetings.layout import ChartBlock, Document, Items, Paragraph, table_rows


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
                _table(word, table.frame, lang)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _table(word: object, frame: pd.DataFrame, lang: str) -> None:
    from docx.shared import Pt

    table = word.add_table(rows=1, cols=len(frame.columns))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = str(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table_rows(frame, lang):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    word.add_paragraph()  # type: ignore[attr-defined]
