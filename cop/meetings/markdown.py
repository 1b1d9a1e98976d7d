"""The brief as Markdown (GitHub-style tables): a :class:`cop.meetings.layout.Document` as text.

Charts are written as their tables: a text format has no place for a picture.
"""

from __future__ import annotations

from cop.meetings.layout import ChartBlock, Document, Items, Paragraph, table_rows


def _escape(text: str) -> str:
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
                header = [_escape(str(c)) for c in table.frame.columns]
                out.append("| " + " | ".join(header) + " |")
                out.append("|" + "|".join(" --- " for _ in header) + "|")
                for row in table_rows(table.frame, lang):
                    out.append("| " + " | ".join(_escape(c) for c in row) + " |")
                out.append("")
    return "\n".join(out).rstrip() + "\n"
