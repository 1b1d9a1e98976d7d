"""The brief as Markdown (GitHub-style tables): a :class:`cop.meetings.layout.Document` as text.

Charts are written as their tables: a text format has no place for a picture. Every text
of the document, from the catalog or from the data (a municipality's name, a practice's
title, a question), is written through :func:`cop.core.text.md_escape`, so a stored
``![x](http://...)``, ``<img ...>`` or ``# heading`` reaches the reader as those characters,
never as an image, a link, HTML or a heading; the only Markdown in the file is the
structure written here (headings, lists, tables, bold and italic).
"""

from __future__ import annotations

import re

from cop.core import config
from cop.core.text import md_escape
from cop.meetings.layout import ChartBlock, Document, Items, Paragraph, table_rows

_PRACTICE_LINK = re.compile(r"/practice\?maatregel=\d+")


def _cell(text: str, app: str | None) -> str:
    """A table cell as Markdown: a practice link the app built (its configured address and
    a number) as a link, everything else escaped."""
    if app is not None and text.startswith(app) and _PRACTICE_LINK.fullmatch(text[len(app) :]):
        return f"<{text}>"
    return md_escape(text)


def to_markdown(doc: Document, lang: str) -> str:
    """Markdown (GitHub style tables); charts as their tables."""
    e = md_escape
    app = config.public_url()
    out = [f"# {e(doc.title)}", "", f"**{e(doc.subtitle)}**", "", f"**{e(doc.date_text)}**", ""]
    out += [f"- {e(fact)}" for fact in doc.facts] + [""]
    if doc.notice:
        out += [f"> {e(doc.notice)}", ""]
    out += ["---", ""]
    for section in doc.sections:
        out += [f"{'#' * (section.level + 1)} {e(section.heading)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                out += [e(block.text), ""]
            elif isinstance(block, Items):
                marks = [f"{i}." if block.numbered else "-" for i in range(1, len(block.items) + 1)]
                out += [f"{m} {e(item)}" for m, item in zip(marks, block.items, strict=True)]
                out += [""]
            else:
                table = block.table if isinstance(block, ChartBlock) else block
                if isinstance(block, ChartBlock):
                    out += [f"*{e(block.title)}*", ""]
                header = [e(str(c)) for c in table.frame.columns]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join(" --- " for _ in header) + "|")
                for row in table_rows(table.printed(), lang):
                    out.append("| " + " | ".join(_cell(c, app) for c in row) + " |")
                out.append("")
                if table.hidden:
                    out += [table.more, ""]
    return "\n".join(out).rstrip() + "\n"
