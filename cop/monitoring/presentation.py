"""Trends as people read them: class names, reasons, the yearly change, badges, tables.

Everything here turns codes and numbers of :mod:`cop.monitoring.indicators` (and of the
engine, :mod:`cop.monitoring.trim`) into the words of the catalog (``monitoring.*`` keys,
Dutch and English) and into the colours the page, the profile and the map share.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cop.core import i18n

__all__ = [
    "NO_TREND_BADGE",
    "TREND_BADGE",
    "TREND_CLASS_COLOURS",
    "TREND_CLASS_ORDER",
    "reason_text",
    "slope_text",
    "species_table",
    "trend_badge",
    "trend_class_label",
    "trend_text",
    "trends_table",
    "year_gap_lines",
]

#: Trend classes from best to worst, then "uncertain" (as CBS lists them).
TREND_CLASS_ORDER: tuple[str, ...] = (
    "strong_increase",
    "moderate_increase",
    "stable",
    "moderate_decline",
    "steep_decline",
    "uncertain",
)
#: Diverging ColorBrewer RdYlBu (5 classes, colour-blind safe): blue = increase, pale yellow
#: = stable, red = decline; "uncertain" a neutral mid grey, distinct from the map's light
#: greys for "no data" and "not a partner".
TREND_CLASS_COLOURS: dict[str, str] = {
    "strong_increase": "#2c7bb6",
    "moderate_increase": "#abd9e9",
    "stable": "#ffffbf",
    "moderate_decline": "#fdae61",
    "steep_decline": "#d7191c",
    "uncertain": "#969696",
}

#: Badge colour (Streamlit's named colours) and icon per class: blue rises, red/orange
#: falls (a pair colour-blind readers tell apart), grey for stable and uncertain; the words
#: and the arrow carry the meaning too.
TREND_BADGE: dict[str, tuple[str, str]] = {
    "strong_increase": ("blue", ":material/trending_up:"),
    "moderate_increase": ("blue", ":material/trending_up:"),
    "stable": ("gray", ":material/trending_flat:"),
    "moderate_decline": ("orange", ":material/trending_down:"),
    "steep_decline": ("red", ":material/trending_down:"),
    "uncertain": ("gray", ":material/help:"),
}
NO_TREND_BADGE = ("gray", ":material/block:")


def trend_class_label(code: str | None, lang: str | None) -> str:
    """The CBS/NEM wording of a trend class ("Matige toename")."""
    if code is None or (isinstance(code, float) and math.isnan(code)) or code is pd.NA:
        return "–"
    key = f"monitoring.class.{code}"
    return i18n.t(key, lang) if i18n.has_key(key) else str(code)


def reason_text(code: str | None, lang: str | None, base_year: int | None = None) -> str:
    """A sentence saying why there is no index or trend (engine and module codes)."""
    if code is None or code is pd.NA:
        return ""
    key = f"monitoring.reason.{code}"
    if not i18n.has_key(key):
        return str(code)
    return i18n.t(key, lang, base_year="–" if base_year is None else base_year)


def slope_text(multiplicative: float, multiplicative_se: float, lang: str | None) -> str:
    """The yearly change as people read it: ``+3,2% per jaar ± 1,1%``."""
    if not (np.isfinite(multiplicative) and np.isfinite(multiplicative_se)):
        return "–"
    pct = (multiplicative - 1.0) * 100.0
    change = i18n.format_number(abs(pct), 1, lang)
    sign = "-" if round(pct, 1) < 0 else "+"
    spread = i18n.format_number(multiplicative_se * 100.0, 1, lang)
    return i18n.t("monitoring.slope", lang, change=f"{sign}{change}", se=spread)


def trend_text(trend: dict[str, Any], lang: str | None, base_year: int | None = None) -> str:
    """The badge: ``Matige toename, +3,2% per jaar ± 1,1%``, or the reason in words."""
    if trend.get("reason") or not trend.get("trend_class"):
        return reason_text(trend.get("reason") or "no_data", lang, base_year)
    return i18n.t(
        "monitoring.badge",
        lang,
        trend=trend_class_label(trend["trend_class"], lang),
        slope=slope_text(trend["multiplicative"], trend["multiplicative_se"], lang),
    )


def trend_badge(
    trend: dict[str, Any], lang: str | None, base_year: int | None = None
) -> tuple[str, str, str]:
    """Text, colour and icon of the trend badge (see :data:`TREND_BADGE`)."""
    colour, icon = TREND_BADGE.get(trend.get("trend_class") or "", NO_TREND_BADGE)
    if trend.get("reason"):
        colour, icon = NO_TREND_BADGE
    return trend_text(trend, lang, base_year), colour, icon


def year_gap_lines(series: pd.DataFrame, lang: str | None) -> list[str]:
    """One line per year without an index: ``2019: In dit jaar is … geteld.``"""
    gaps = series[series["reason"].notna().to_numpy(dtype=bool)]
    return [
        f"{int(y)}: {reason_text(r, lang)}"
        for y, r in zip(gaps["year"], gaps["reason"], strict=True)
    ]


def _pct(values: pd.Series, minus_one: bool) -> list[float | None]:
    out = []
    for v in pd.to_numeric(values).astype(float):
        out.append(round((v - 1.0 if minus_one else v) * 100.0, 2) if np.isfinite(v) else None)
    return out


def _years_text(first: pd.Series, last: pd.Series) -> list[str]:
    return [
        f"{int(a)}–{int(b)}" if pd.notna(a) and pd.notna(b) else "–"
        for a, b in zip(first, last, strict=True)
    ]


def species_table(species: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """The species trend table as people read it (and download it), in ``lang``.

    Numbers stay numbers (change per year in %, its SE), so a spreadsheet can sort them;
    a species without a trend says why in the last column.
    """
    t = lambda key: i18n.t(f"monitoring.col_{key}", lang)  # noqa: E731
    if species.empty:
        return pd.DataFrame(
            columns=[
                t(k)
                for k in ("group", "species", "trend", "change", "se", "years", "sites", "note")
            ]
        )
    notes = [
        reason_text(r, lang)
        if pd.notna(r)
        else (reason_text("serial_correlation_not_converged", lang) if d else "")
        for r, d in zip(species["reason"], species["serial_correlation_dropped"], strict=True)
    ]
    return pd.DataFrame(
        {
            t("group"): [i18n.label("group", g, lang) for g in species["species_group"]],
            t("species"): species["species"].astype(str).to_numpy(),
            t("trend"): [
                trend_class_label(c if pd.notna(c) else None, lang) for c in species["trend_class"]
            ],
            t("change"): _pct(species["multiplicative"], True),
            t("se"): _pct(species["multiplicative_se"], False),
            t("years"): _years_text(species["first_year"], species["last_year"]),
            t("sites"): pd.array(species["n_sites"], dtype="Int64"),
            t("note"): notes,
        }
    )


def trends_table(trends: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """Trend classes per species group (one municipality's rows) as people read them."""
    t = lambda key: i18n.t(f"monitoring.col_{key}", lang)  # noqa: E731
    return pd.DataFrame(
        {
            t("group"): [i18n.label("group", g, lang) for g in trends["species_group"]],
            t("trend"): [
                trend_class_label(c if pd.notna(c) else None, lang) for c in trends["trend_class"]
            ],
            t("change"): _pct(trends["multiplicative"], True),
            t("se"): _pct(trends["multiplicative_se"], False),
            t("species_estimated"): [
                i18n.t("monitoring.n_of_m", lang, n=int(a), m=int(b))
                for a, b in zip(trends["n_species_estimated"], trends["n_species"], strict=True)
            ],
            t("sites"): pd.array(trends["n_sites"], dtype="Int64"),
            t("years"): _years_text(trends["first_year"], trends["last_year"]),
            t("note"): [reason_text(r, lang) if pd.notna(r) else "" for r in trends["reason"]],
        }
    )
