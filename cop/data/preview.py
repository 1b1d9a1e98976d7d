"""What an import would change, shown before anything is stored.

A coordinator refreshing a whole table from the CoP's spreadsheet should see exactly what
will happen before it happens: which rows are added, which cells change (old -> new),
which rows a ``--replace`` removes, and which municipality names were read as codes ("Den
Haag" -> GM0518). :func:`cop.data.writes.import_file` with ``dry_run=True`` runs the whole
write (validation, the comparison with the stored rows inside a transaction, the reference
checks) and rolls it back; :class:`ImportPreview` turns its outcome into those four lists.
The Data page shows them with a confirm and a cancel button; ``python -m cop import
--dry-run`` prints :meth:`ImportPreview.lines`.

Examples
--------
::

    report = import_file(engine, "measures", path, dry_run=True)
    preview = ImportPreview.from_report(report)
    preview.counts  # {"added": 1, "changed": 3, "removed": 0, "unchanged": 755}
    preview.lines("en")
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cop.core import i18n
from cop.core.text import plain
from cop.data.changes import plain as plain_value
from cop.data.schema import TABLES
from cop.data.validation import ValidationReport

__all__ = ["ImportPreview"]


@dataclass
class ImportPreview:
    """The rows an import adds, the cells it changes, the rows it removes, the names read
    as codes. Frames are empty (with their columns) when there is nothing of that kind."""

    table: str
    source: str
    counts: dict[str, int]
    added: pd.DataFrame
    changed: pd.DataFrame  # key columns, column, before, after: one row per changed cell
    removed: pd.DataFrame
    resolved: pd.DataFrame  # row, column, name, code
    issues: list[str] = field(default_factory=list)

    @classmethod
    def from_report(cls, report: ValidationReport) -> ImportPreview:
        """The preview of a dry-run import's report (a report with problems gives an empty
        preview; its problems are the report's)."""
        resolved = pd.DataFrame(report.resolved, columns=["row", "column", "name", "code"])
        outcome = getattr(report, "outcome", None)
        if not report.ok or outcome is None or report.table not in outcome.tables:
            empty = pd.DataFrame(columns=TABLES[report.table].columns)
            return cls(
                report.table,
                report.source,
                dict.fromkeys(("added", "changed", "removed", "unchanged"), 0),
                empty,
                pd.DataFrame(columns=[*TABLES[report.table].key, "column", "before", "after"]),
                empty,
                resolved,
                report.messages(),
            )
        changes = outcome.tables[report.table]
        return cls(
            report.table,
            report.source,
            changes.counts(),
            changes.inserted.reset_index(drop=True),
            changes.cell_changes().reset_index(drop=True),
            changes.deleted.reset_index(drop=True),
            resolved,
        )

    @property
    def changes_anything(self) -> bool:
        return any(self.counts[k] for k in ("added", "changed", "removed"))

    def summary(self, lang: str | None = None) -> str:
        """One line: what the import would do, and that nothing is stored yet."""
        return i18n.t("preview.summary", lang, file=self.source, table=self.table, **self.counts)

    def lines(self, lang: str | None = None, limit: int = 200) -> list[str]:
        """The preview as lines for a terminal: added keys, changed cells, removed keys,
        names read as codes (at most ``limit`` lines per kind)."""
        return [self.summary(lang), *self.section_lines(lang, limit)]

    def section_lines(
        self, lang: str | None = None, limit: int = 200, *, only: str | None = None
    ) -> list[str]:
        """The lists of :meth:`lines` without the summary; ``only="resolved"``: one list."""
        key = list(TABLES[self.table].key)
        out: list[str] = []
        sections = [
            ("preview.added", [_key_text(r, key) + _title(r) for r in _records(self.added)]),
            (
                "preview.changed",
                [
                    f"{_key_text(r, key)} {r['column']}: {_cell(r['before'])} → {_cell(r['after'])}"
                    for r in _records(self.changed)
                ],
            ),
            ("preview.removed", [_key_text(r, key) + _title(r) for r in _records(self.removed)]),
            (
                "preview.resolved",
                [
                    i18n.t(
                        "preview.resolved_item",
                        lang,
                        row=_row(r["row"]),
                        column=r["column"],
                        name=r["name"],
                        code=r["code"],
                    )
                    for r in _records(self.resolved)
                ],
            ),
        ]
        for title, items in sections:
            if not items or (only is not None and title != f"preview.{only}"):
                continue
            out.append(i18n.t(title, lang, count=len(items)))
            out += [f"  {plain(item)}" for item in items[:limit]]
            if len(items) > limit:
                out.append(f"  … (+{len(items) - limit})")
        return out


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [
        {c: plain_value(v) for c, v in zip(frame.columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _key_text(row: dict[str, object], key: list[str]) -> str:
    return " / ".join(str(_cell(row[c], quote=False)) for c in key)


def _title(row: dict[str, object]) -> str:
    for column in ("title", "name", "question"):
        if row.get(column):
            return f" '{row[column]}'"
    return ""


def _row(row: object) -> str:
    return "–" if row is None or pd.isna(row) else str(int(row))  # type: ignore[arg-type]


def _cell(value: object, *, quote: bool = True) -> str:
    if value is None:
        return "–"
    if isinstance(value, pd.Timestamp) or hasattr(value, "strftime"):
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else str(stamp)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and quote:
        return f"'{value}'"
    return str(value)
