"""Filtering of any table by the choices a person makes on the Data page."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class TableFilter:
    """Selections; an empty selection means "no restriction"."""

    municipality_codes: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    text: str = ""
    columns: tuple[str, ...] = field(default_factory=tuple)


YEAR_COLUMNS = ("year", "start_year", "joined_year")


def filter_options(frame: pd.DataFrame) -> dict[str, bool]:
    """Which filters make sense for this table's columns."""
    return {
        "municipality": "municipality_code" in frame or "code" in frame,
        "province": "municipality_code" in frame or "province" in frame,
        "theme": "theme" in frame or "themes" in frame,
        "status": "status" in frame,
        "year": year_column(frame) is not None,
    }


def year_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in YEAR_COLUMNS if c in frame), None)


def narrowed(selected: tuple[int, int], bounds: tuple[int, int]) -> tuple[int, int] | None:
    """A year range only when the person narrowed it; the full range keeps rows without a year.

    Examples
    --------
    >>> narrowed((2019, 2026), (2019, 2026)) is None
    True
    >>> narrowed((2020, 2026), (2019, 2026))
    (2020, 2026)
    """
    return None if tuple(selected) == tuple(bounds) else (int(selected[0]), int(selected[1]))


def apply_filter(
    frame: pd.DataFrame, municipalities: pd.DataFrame, chosen: TableFilter
) -> pd.DataFrame:
    """Rows of ``frame`` that satisfy every selection in ``chosen``."""
    keep = pd.Series(True, index=frame.index)
    code_column = (
        "municipality_code"
        if "municipality_code" in frame
        else ("code" if "code" in frame else None)
    )
    if chosen.municipality_codes and code_column:
        keep &= frame[code_column].isin(chosen.municipality_codes)
    if chosen.provinces:
        if "province" in frame:
            keep &= frame["province"].isin(chosen.provinces)
        elif code_column:
            codes = municipalities.loc[municipalities["province"].isin(chosen.provinces), "code"]
            keep &= frame[code_column].isin(codes)
    if chosen.themes:
        if "theme" in frame:
            keep &= frame["theme"].isin(chosen.themes)
        elif "themes" in frame:
            wanted = set(chosen.themes)
            keep &= frame["themes"].fillna("").map(lambda v: bool(wanted & set(v.split(";"))))
    if chosen.statuses and "status" in frame:
        keep &= frame["status"].isin(chosen.statuses)
    column = year_column(frame)
    if chosen.years and column:
        low, high = chosen.years
        keep &= frame[column].between(low, high).fillna(False).astype(bool)
    if chosen.text.strip():
        needle = chosen.text.strip().lower()
        text_columns = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c])]
        hit = pd.Series(False, index=frame.index)
        for c in text_columns:
            hit |= frame[c].str.lower().str.contains(needle, regex=False).fillna(False)
        keep &= hit
    return frame[keep.astype(bool)]
