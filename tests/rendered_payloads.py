"""Markdown and HTML payloads in every text column of a demo database (tests only).

Used by the AppTest walk over every page (``tests/test_rendered_text.py``) and by the
browser test (``tests/test_browser_rendered_text.py``): both fill a copy of the demo
database and then look for anything the payloads could have made (an image, a link, an
HTML element, a heading).
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from cop.data.schema import TABLES

# Each value gets its row number appended (keys stay unique, names stay sortable).
PAYLOADS = (
    "![beeld](http://example.invalid/img.png) Beeld",
    "[klik](http://example.invalid/link) Link",
    "http://example.invalid/auto www.example.invalid mail@example.invalid",
    "<img src=http://example.invalid/raw.png> <script>alert(1)</script> "
    "<a href='http://example.invalid/a'>a</a>",
    "# KOPDATA\n- lijst **VETDATA** :red[ROODDATA] $x$ {{ 7*7 }} &amp; \x1b[31m",
)
# What an unescaped payload would produce, looked for after escaped characters are masked.
LEAK_PATTERNS = {
    "image": re.compile(r"!\["),
    "link": re.compile(r"\]\("),
    "html img": re.compile(r"<img", re.I),
    "html a": re.compile(r"<a\s", re.I),
    "html script": re.compile(r"<script", re.I),
    "autolink": re.compile(r"https?://example|www\.example|@example\.invalid", re.I),
    "heading": re.compile(r"(^|\n)[ \t]*([-*+][ \t]+|\d+[.)][ \t]+)?#+[ \t]*KOPDATA"),
    "bold": re.compile(r"\*\*VETDATA"),
    "directive": re.compile(r":red\[ROODDATA"),
}
_ESCAPED = re.compile(r"\\.", re.S)


def free_text_columns() -> dict[str, list[str]]:
    """Per table, the text columns that are not a code, a vocabulary or a date."""
    columns: dict[str, list[str]] = {}
    for name, spec in TABLES.items():
        chosen = [
            f.name
            for f in spec.fields
            if f.kind == "str" and not f.vocab and not (f.pattern or "").startswith("^GM")
        ]
        if chosen:
            columns[name] = chosen
    return columns


def fill_with_payloads(database: Path) -> int:
    """Put a payload in every free-text cell of every table; returns the cells changed."""
    engine = sa.create_engine(f"sqlite:///{database}")
    changed = 0
    with engine.begin() as conn:
        for table, columns in free_text_columns().items():
            rowids = conn.execute(sa.text(f"SELECT rowid FROM {table} ORDER BY rowid")).scalars()
            for i, rowid in enumerate(list(rowids)):
                values = {
                    c: f"{PAYLOADS[(i + j) % len(PAYLOADS)]} {i}" for j, c in enumerate(columns)
                }
                if table == "municipalities":  # keep the real name after the payload
                    values["name"] = f"{PAYLOADS[i % len(PAYLOADS)]} {i} " + str(
                        conn.execute(
                            sa.text("SELECT name FROM municipalities WHERE rowid = :r"),
                            {"r": rowid},
                        ).scalar()
                    )
                assignments = ", ".join(f"{c} = :{c}" for c in values)
                conn.execute(
                    sa.text(f"UPDATE {table} SET {assignments} WHERE rowid = :rowid"),
                    {**values, "rowid": rowid},
                )
                changed += len(values)
    engine.dispose()
    return changed


def leaks(text: str) -> list[str]:
    """The kinds of Markdown/HTML a payload produced in ``text`` (escaped ones do not count)."""
    bare = _ESCAPED.sub("\ufffd", text)  # an escaped character is no longer syntax
    return [kind for kind, pattern in LEAK_PATTERNS.items() if pattern.search(bare)]
