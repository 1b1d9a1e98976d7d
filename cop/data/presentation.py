"""Turn stored codes into what a person reads: labels and column headers in their language."""

from __future__ import annotations

import pandas as pd

from cop.core import i18n, vocab
from cop.data.schema import TABLES


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

    Lists of codes (``themes`` = ``"depaving;green_roofs_walls"``) become labels separated
    by "; " (labels themselves contain commas), which the importer reads back. Columns
    without a ``col.<name>`` message keep their name.
    """
    out = frame.copy()
    for column in out.columns:
        prefix = _vocab_prefix(column, table)
        if column == "themes":
            out[column] = out[column].map(
                lambda v: (
                    "; ".join(i18n.label("theme", c, lang) for c in str(v).split(";"))
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


PLAIN_NUMBER_COLUMNS = frozenset({"id", "year", "start_year", "joined_year", "level", "urbanity"})


def _is_plain(column: str, series: pd.Series) -> bool:
    """Years, ids and levels are shown without thousands separators or decimals."""
    if column in PLAIN_NUMBER_COLUMNS or column.endswith(("_id", "_year")):
        return True
    values = pd.to_numeric(series, errors="coerce").dropna()
    return bool(len(values)) and bool(((values % 1 == 0) & values.between(1900, 2100)).all())


COLUMN_DECIMALS = {"lat": 4, "lon": 4, "area_km2": 1}


def _decimals(series: pd.Series) -> int:
    """0 for whole numbers, 2 for small fractions (0,65), otherwise 1."""
    if series.name in COLUMN_DECIMALS:
        return COLUMN_DECIMALS[str(series.name)]
    values = pd.to_numeric(series, errors="coerce").dropna().astype(float)
    if values.empty or bool((values % 1 == 0).all()):
        return 0
    return 2 if float(values.abs().max()) < 10 else 1


def display_formats(frame: pd.DataFrame, lang: str | None) -> dict[str, object]:
    """Per column a function that writes a cell as a person of ``lang`` reads it.

    For a pandas ``Styler``: the shown text is formatted (``1.234,5``; ``29-11-2026``;
    years as ``2026``) while the values underneath stay numbers and dates, so sorting a
    column still sorts numbers. Keys are the raw column names of ``frame``.
    """
    formats: dict[str, object] = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            formats[column] = lambda v: v.strftime("%d-%m-%Y") if pd.notna(v) else "–"
        elif pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        elif _is_plain(column, series):
            formats[column] = lambda v: f"{v:.0f}" if pd.notna(v) else "–"
        else:
            decimals = _decimals(series)
            formats[column] = lambda v, d=decimals: i18n.format_number(
                None if pd.isna(v) else float(v), d, lang
            )
    return formats


def municipality_names(municipalities: pd.DataFrame) -> pd.Series:
    """The name of every municipality by code: the one lookup every module and page uses.

    Examples
    --------
    >>> towns = pd.DataFrame({"code": ["GM0518"], "name": ["'s-Gravenhage"]})
    >>> municipality_names(towns)["GM0518"]
    "'s-Gravenhage"
    """
    return municipalities.set_index("code")["name"]


def with_municipality_names(frame: pd.DataFrame, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Add the municipality's name right after a ``municipality_code``/``host_code`` column.

    People recognise "Súdwest-Fryslân", not "GM1900"; the code stays for imports.
    """
    names = municipality_names(municipalities)
    out = frame.copy()
    for code_column, name_column in (("municipality_code", "municipality"), ("host_code", "host")):
        if code_column in out.columns and name_column not in out.columns:
            position = out.columns.get_loc(code_column) + 1
            out.insert(position, name_column, out[code_column].map(names).astype("string"))
    return out


def code_list_label(value: object, lang: str | None, prefix: str = "theme") -> object:
    """``"depaving;flower_verges"`` as "Ontstenen / tegelwippen; Bloemrijke bermen ...";
    anything that is not a string (an empty cell) is returned as it is.

    Examples
    --------
    >>> code_list_label("depaving;flower_verges", "en")
    'Depaving; Flower-rich verges'
    """
    if not isinstance(value, str):
        return value
    return "; ".join(i18n.label(prefix, code, lang) for code in value.split(";") if code)


def list_columns(table: str | None) -> list[str]:
    """Columns of ``table`` that hold a list of vocabulary codes (``themes``)."""
    if table not in TABLES:
        return []
    return [f.name for f in TABLES[table].fields if f.vocab_list]


def editable_lists(frame: pd.DataFrame, table: str | None) -> pd.DataFrame:
    """A copy whose code lists (``"depaving;green_roofs_walls"``) are Python lists.

    So an editor can show them as chosen labels instead of the stored codes;
    :func:`stored_lists` turns them back.

    Examples
    --------
    >>> frame = pd.DataFrame({"themes": ["depaving;flower_verges", None]})
    >>> editable_lists(frame, "contacts")["themes"].tolist()
    [['depaving', 'flower_verges'], None]
    """
    out = frame.copy()
    for column in list_columns(table):
        if column in out.columns:
            out[column] = pd.Series(
                [v.split(";") if isinstance(v, str) and v else None for v in out[column]],
                index=out.index,
                dtype="object",
            )
    return out


def stored_lists(edited: pd.DataFrame, original: pd.DataFrame, table: str | None) -> pd.DataFrame:
    """The lists of :func:`editable_lists` back as stored strings, in the original dtypes.

    Examples
    --------
    >>> original = pd.DataFrame({"themes": ["depaving", None]}, dtype="string")
    >>> edited = pd.DataFrame({"themes": [["depaving", "flower_verges"], []]})
    >>> stored_lists(edited, original, "contacts")["themes"].tolist()
    ['depaving;flower_verges', <NA>]
    """
    out = edited.copy()
    for column in list_columns(table):
        if column in out.columns:
            values = [
                ";".join(str(item) for item in v) if _is_list(v) and len(v) else pd.NA
                for v in out[column]
            ]
            dtype = original[column].dtype if column in original.columns else "string"
            out[column] = pd.Series(values, index=out.index, dtype="object").astype(dtype)
    return out


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple)) or hasattr(value, "tolist")


def editor_column_config(frame: pd.DataFrame, table: str, lang: str | None) -> dict[str, object]:
    """``column_config`` of a data editor of ``table`` in ``lang``.

    Headers are the column labels; vocabulary columns are dropdowns (code lists
    multiselects) that store the code and show its label; dates read dd-mm-jjjj. The
    entries are the dicts ``st.column_config.*Column`` return, so this stays free of
    Streamlit.
    """
    spec = TABLES[table]
    config: dict[str, object] = {}
    for column in frame.columns:
        label = column_label(column, lang)
        field = spec.field(column) if column in spec.columns else None
        if field is not None and field.vocab:
            prefix = vocab.VOCAB_PREFIX.get(field.vocab, ("province",))[0]
            codes = (
                vocab.PROVINCES if field.vocab == "province" else vocab.VOCAB_PREFIX[field.vocab][1]
            )
            options = [{"value": c, "label": i18n.label(prefix, c, lang)} for c in codes]
            kind = "multiselect" if field.vocab_list else "selectbox"
            config[column] = {"label": label, "type_config": {"type": kind, "options": options}}
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = {
                "label": label,
                "type_config": {"type": "date", "format": "DD-MM-YYYY"},
            }
        else:
            config[column] = {"label": label}
    return config
