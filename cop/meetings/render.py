"""Turn a :class:`cop.meetings.briefs.Brief` into Markdown, Word (.docx) or PDF bytes.

The entry point for the meeting page and ``python -m cop brief``. Where things are:

* :mod:`cop.meetings.layout`: the brief laid out once as a document of sections and
  blocks (one builder per section), shared by the page preview and every writer;
* :mod:`cop.meetings.charts`: the chart figures and their PNG images;
* :mod:`cop.meetings.markdown`, :mod:`cop.meetings.word`, :mod:`cop.meetings.pdf`: one
  writer per format.
"""

from __future__ import annotations

from cop.meetings.briefs import Brief
from cop.meetings.charts import chart_images
from cop.meetings.layout import document
from cop.meetings.markdown import to_markdown
from cop.meetings.pdf import to_pdf
from cop.meetings.word import to_docx

FORMATS = ("md", "docx", "pdf")
MIME = {
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def render(
    brief: Brief, fmt: str, *, images: dict[str, bytes] | None = None, charts_on: bool = True
) -> bytes:
    """The brief as ``md``, ``docx`` or ``pdf`` bytes (chart images made when needed).

    ``images`` (chart name to PNG) skips making them, ``{}`` draws every chart as its
    table; ``charts_on=False`` does the same without a browser.
    """
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
