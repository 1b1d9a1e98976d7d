"""Turn stored codes into what a person reads: labels and column headers in their language."""

from __future__ import annotations

import pandas as pd

from cop import i18n, vocab
from cop.schema import TABLES


def _vocab_prefix(column: str, table: str | None) -> str | None:
    if table in TABLES:
        spec = TABLES[table]
        if column in spec.columns:
            f = spec.field(column)
            if f.vocab and f.vocab in vocab.VOCAB_PREFIX:
                return vocab.VOCAB_PREFIX[f.vocab][0]
            return None
    return {
        "theme": "theme",
        "dimension": "dimension",
        "scheme": "scheme",
        "species_group": "group",
    }.get(column)


def labelled(frame: pd.DataFrame, table: str | None, lang: str | None) -> pd.DataFrame:
    """A copy with vocabulary codes replaced by labels and headers translated.

    Lists of codes (``themes`` = ``"depaving;green_roofs_walls"``) become comma-separated
    labels. Columns without a ``col.<name>`` message keep their name.
    """
    out = frame.copy()
    for column in out.columns:
        prefix = _vocab_prefix(column, table)
        if column == "themes":
            out[column] = out[column].map(
                lambda v: (
                    ", ".join(i18n.label("theme", c, lang) for c in str(v).split(";"))
                    if isinstance(v, str)
                    else v
                )
            )
        elif prefix:
            out[column] = out[column].map(
                lambda v, p=prefix: i18n.label(p, v, lang) if isinstance(v, str) else v
            )
        elif column == "level" and pd.api.types.is_integer_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: f"{int(v)} {i18n.label('level', int(v), lang)}" if pd.notna(v) else v
            )
    return out.rename(columns={c: column_label(c, lang) for c in out.columns})


def column_label(column: str, lang: str | None) -> str:
    key = f"col.{column}"
    return i18n.t(key, lang) if i18n.has_key(key) else column
