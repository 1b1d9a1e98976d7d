"""Turn a :class:`cop.meetings.briefs.Brief` into Markdown, Word (.docx) or PDF bytes.

The entry point for the meeting page and ``python -m cop brief``. Where things are:

* :mod:`cop.meetings.layout`: the brief laid out once as a document of sections and
  blocks (one builder per section), shared by the page preview and every writer;
* :mod:`cop.meetings.charts`: the chart figures and their PNG images;
* :mod:`cop.meetings.markdown`, :mod:`cop.meetings.word`, :mod:`cop.meetings.pdf`: one
  writer per format;
* :func:`workbook`: every table of the brief, whole, as one Excel workbook.
"""

from __future__ import annotations

import re

import pandas as pd

from cop.data import exports
from cop.meetings.briefs import Brief
from cop.meetings.charts import chart_images
from cop.meetings.layout import Document, document
from cop.meetings.markdown import to_markdown
from cop.meetings.pdf import to_pdf
from cop.meetings.word import to_docx

FORMATS = ("md", "docx", "pdf")
MIME = {
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in sheet names


def render(
    brief: Brief, fmt: str, *, images: dict[str, bytes] | None = None, charts_on: bool = True
) -> bytes:
    """The brief as ``md``, ``docx`` or ``pdf`` bytes (chart images made when needed).

    ``images`` (chart name to PNG) skips making them, ``{}`` draws every chart as its
    table; ``charts_on=False`` does the same without a browser.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return render_document(document(brief), brief.lang, fmt, images=images, charts_on=charts_on)


def render_document(
    doc: Document,
    lang: str,
    fmt: str,
    *,
    images: dict[str, bytes] | None = None,
    charts_on: bool = True,
) -> bytes:
    """:func:`render` of a brief already laid out (the meeting page lays it out once for
    its preview and every download, instead of once per format on every rerun)."""
    if fmt == "md":
        return to_markdown(doc, lang).encode("utf-8")
    if images is None:
        figures = {c.name: c.figure for c in doc.charts()} if charts_on else {}
        images = chart_images(figures)
    if fmt == "docx":
        return to_docx(doc, lang, images)
    return to_pdf(doc, lang, images)


def workbook(doc: Document) -> bytes:
    """Every table of ``doc`` with all its rows, one sheet each named in its language.

    One file instead of a download per table: the documents print long tables only in
    part and refer to this workbook for the rest. Sheet names follow Excel's rules (at
    most 31 characters, none of ``[]:*?/\\``, unique).
    """
    return exports.to_excel_bytes(sheets(doc))


def sheets(doc: Document) -> dict[str, pd.DataFrame]:
    """Sheet name to table for :func:`workbook`, in the order of the document."""
    out: dict[str, pd.DataFrame] = {}
    for table in doc.tables():
        base = _SHEET_FORBIDDEN.sub("-", table.sheet or table.name)[:31].strip() or "Tabel"
        name, number = base, 2
        while name.lower() in {n.lower() for n in out}:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        out[name] = table.frame
    return out
