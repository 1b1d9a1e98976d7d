"""Trends as people read them: class names, reasons, the yearly change, badges, tables.

Everything here turns codes and numbers of :mod:`cop.monitoring.indicators` (and of the
engine, :mod:`cop.monitoring.trim`) into the words of the catalog (``monitoring.*`` keys,
Dutch and English) and into the colours the page, the profile and the map share.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cop.core import i18n, vocab

__all__ = [
    "NO_TREND_BADGE",
    "PERIODS",
    "TREND_BADGE",
    "TREND_CLASS_COLOURS",
    "TREND_CLASS_ORDER",
    "covariate_label",
    "excluded_text",
    "intervals_by_period",
    "intervals_table",
    "period_label",
    "period_prefix",
    "reason_text",
    "recent_is_whole_series",
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

#: The two trends every view shows side by side: the whole series and its last ten years.
PERIODS = ("long_term", "recent")


def period_prefix(period: str) -> str:
    """Column prefix of a period's trend in the trend frames (``""`` or ``"recent_"``)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    return "" if period == "long_term" else "recent_"


def period_label(
    period: str, lang: str | None, first: int | None = None, last: int | None = None
) -> str:
    """``Hele periode (2015–2026)``, ``Laatste tien jaar (2017–2026)`` or ``2015–2019``."""
    years = f"{int(first)}–{int(last)}" if first is not None and last is not None else ""
    if period == "interval":
        return years or "–"
    name = i18n.t(f"monitoring.period_{period}", lang)
    return f"{name} ({years})" if years else name


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


def trend_text(
    trend: dict[str, Any],
    lang: str | None,
    base_year: int | None = None,
    period: str = "long_term",
) -> str:
    """The badge: ``Matige toename, +3,2% per jaar ± 1,1%``, or the reason in words.

    ``period`` ``"recent"`` reads the last ten years' trend (the ``recent_`` keys).
    """
    prefix = period_prefix(period)
    if trend.get("reason") or not trend.get(f"{prefix}trend_class"):
        return reason_text(trend.get("reason") or "no_data", lang, base_year)
    return i18n.t(
        "monitoring.badge",
        lang,
        trend=trend_class_label(trend[f"{prefix}trend_class"], lang),
        slope=slope_text(
            trend[f"{prefix}multiplicative"], trend[f"{prefix}multiplicative_se"], lang
        ),
    )


def trend_badge(
    trend: dict[str, Any],
    lang: str | None,
    base_year: int | None = None,
    period: str = "long_term",
) -> tuple[str, str, str]:
    """Text, colour and icon of the trend badge (see :data:`TREND_BADGE`)."""
    code = trend.get(f"{period_prefix(period)}trend_class") or ""
    colour, icon = TREND_BADGE.get(code, NO_TREND_BADGE)
    if trend.get("reason"):
        colour, icon = NO_TREND_BADGE
    return trend_text(trend, lang, base_year, period), colour, icon


def intervals_by_period(intervals: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """``{"long_term": (from, upto), "recent": (from, upto)}`` of a selection's intervals."""
    out = {}
    for period, first, last in zip(
        intervals["period"], intervals["from"], intervals["upto"], strict=True
    ):
        if period in PERIODS and pd.notna(first) and pd.notna(last):
            out[str(period)] = (int(first), int(last))
    return out


def recent_is_whole_series(intervals: pd.DataFrame) -> bool:
    """True when the last ten years are the whole series (a series shorter than ten years)."""
    spans = intervals_by_period(intervals)
    return "recent" in spans and spans.get("long_term") == spans["recent"]


#: Covariates that are monitoring columns the catalog already names.
_COVARIATE_KEYS = {"scheme": "monitoring.scheme", "municipality_code": "monitoring.municipality"}


def covariate_label(column: str, lang: str | None) -> str:
    """A covariate as people read it: ``Meetnet``; a column a data set added as itself."""
    key = _COVARIATE_KEYS.get(column)
    return i18n.t(key, lang) if key else str(column)


def excluded_text(excluded: pd.DataFrame, lang: str | None) -> str:
    """``Niet in de indicator: soort (reden); …`` for the species left out of an MSI."""
    species = "; ".join(
        f"{s} ({reason_text(r, lang)})"
        for s, r in zip(excluded["species"], excluded["reason"], strict=True)
    )
    return i18n.t("monitoring.excluded", lang, species=species)


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


def _classes(values: pd.Series, lang: str | None) -> list[str]:
    return [trend_class_label(c if pd.notna(c) else None, lang) for c in values]


def _both_trends(frame: pd.DataFrame, lang: str | None) -> dict[str, Any]:
    """The long-term and last-ten-years columns side by side (class, change, SE, years)."""
    t = lambda key: i18n.t(f"monitoring.col_{key}", lang)  # noqa: E731
    return {
        t("long_trend"): _classes(frame["trend_class"], lang),
        t("long_change"): _pct(frame["multiplicative"], True),
        t("long_se"): _pct(frame["multiplicative_se"], False),
        t("long_years"): _years_text(frame["first_year"], frame["last_year"]),
        t("recent_trend"): _classes(frame["recent_trend_class"], lang),
        t("recent_change"): _pct(frame["recent_multiplicative"], True),
        t("recent_se"): _pct(frame["recent_multiplicative_se"], False),
        t("recent_years"): _years_text(frame["recent_from"], frame["recent_upto"]),
    }


_SPECIES_TABLE_KEYS = (
    "group",
    "species",
    "long_trend",
    "long_change",
    "long_se",
    "long_years",
    "recent_trend",
    "recent_change",
    "recent_se",
    "recent_years",
    "sites",
    "note",
)


def species_table(
    species: pd.DataFrame, lang: str | None, intervals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The species trend table as people read it (and download it), in ``lang``.

    Each species' trend over the whole series and over its last ten years side by side.
    Numbers stay numbers (change per year in %, its SE), so a spreadsheet can sort them;
    a species without a trend says why in the last column. With ``intervals``
    (``SelectionResult.species_intervals``) that hold slopes between changepoints (model
    2), a column lists them per species: ``2015–2020: Matige toename (+9,5%); …``.
    """
    t = lambda key: i18n.t(f"monitoring.col_{key}", lang)  # noqa: E731
    if species.empty:
        return pd.DataFrame(columns=[t(k) for k in _SPECIES_TABLE_KEYS])
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
            **_both_trends(species, lang),
            t("sites"): pd.array(species["n_sites"], dtype="Int64"),
            **_changepoint_column(species, intervals, lang),
            t("note"): notes,
        }
    )


def _changepoint_column(
    species: pd.DataFrame, intervals: pd.DataFrame | None, lang: str | None
) -> dict[str, list[str]]:
    """``{header: texts}`` with every species' slopes between changepoints, or nothing."""
    if intervals is None:
        return {}
    between = intervals[(intervals["period"] == "interval").to_numpy(dtype=bool)]
    if between.empty:
        return {}
    texts: dict[tuple[str, str], list[str]] = {}
    for group, name, first, last, code, mult in zip(
        between["species_group"],
        between["species"],
        between["from"],
        between["upto"],
        between["trend_class"],
        between["multiplicative"],
        strict=True,
    ):
        pct = (mult - 1) * 100
        change = ("-" if round(pct, 1) < 0 else "+") + i18n.format_number(abs(pct), 1, lang)
        texts.setdefault((str(group), str(name)), []).append(
            f"{int(first)}–{int(last)}: {trend_class_label(code, lang)} ({change}%)"
        )
    keys = zip(species["species_group"].astype(str), species["species"].astype(str), strict=True)
    return {
        i18n.t("monitoring.col_changepoint_trends", lang): [
            "; ".join(texts.get(k, [])) for k in keys
        ]
    }


def trends_table(trends: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """MSI trends per species group (one municipality's rows) as people read them.

    The long-term and the last-ten-years trend side by side, as on the monitoring page.
    """
    t = lambda key: i18n.t(f"monitoring.col_{key}", lang)  # noqa: E731
    return pd.DataFrame(
        {
            t("group"): [i18n.label("group", g, lang) for g in trends["species_group"]],
            **_both_trends(trends, lang),
            t("species_estimated"): [
                i18n.t("monitoring.n_of_m", lang, n=int(a), m=int(b))
                for a, b in zip(trends["n_species_estimated"], trends["n_species"], strict=True)
            ],
            t("sites"): pd.array(trends["n_sites"], dtype="Int64"),
            t("note"): [reason_text(r, lang) if pd.notna(r) else "" for r in trends["reason"]],
        }
    )


def intervals_table(intervals: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """Trends per interval (whole period, last ten years, between changepoints), in words.

    ``intervals`` is ``SelectionResult.intervals`` (or any frame with ``period``,
    ``from``, ``upto`` and the trend columns; a ``species`` column is kept first).
    """
    t = lambda key: i18n.t(f"monitoring.col_{key}", lang)  # noqa: E731
    out: dict[str, Any] = {}
    if "species" in intervals.columns:
        out[t("species")] = intervals["species"].astype(str).to_numpy()
    out.update(
        {
            t("period"): [
                period_label(p, lang, a if pd.notna(a) else None, b if pd.notna(b) else None)
                for p, a, b in zip(
                    intervals["period"], intervals["from"], intervals["upto"], strict=True
                )
            ],
            t("trend"): _classes(intervals["trend_class"], lang),
            t("change"): _pct(intervals["multiplicative"], True),
            t("se"): _pct(intervals["multiplicative_se"], False),
        }
    )
    return pd.DataFrame(out)


_SITE_ID = re.compile(r"^(GM\d{4})-([A-Z]+)-(\d+)$")


def site_labels(
    site_ids: Iterable[object], names: Mapping[str, str], lang: str | None
) -> dict[str, str]:
    """What a person reads for each site: "Veendam · Bijentelling · 1", not "GM0047-BEE-1".

    Site ids of the form ``<municipality code>-<first letters of the scheme>-<number>``
    (the demo data and the CBS-style exports) are written out with the municipality's name
    and the scheme's label; any other id is a name someone gave the site and is kept.

    Examples
    --------
    >>> site_labels(["GM0047-BEE-1", "Tuin Jansen"], {"GM0047": "Veendam"}, "en")
    {'GM0047-BEE-1': 'Veendam · Bee count · 1', 'Tuin Jansen': 'Tuin Jansen'}
    """
    schemes = {code[:3].upper(): code for code in vocab.SCHEMES}
    labels: dict[str, str] = {}
    for site in site_ids:
        text = str(site)
        match = _SITE_ID.match(text)
        if match and match.group(1) in names and match.group(2) in schemes:
            scheme = i18n.label("scheme", schemes[match.group(2)], lang)
            text = f"{names[match.group(1)]} · {scheme} · {int(match.group(3))}"
        labels[str(site)] = text
    return labels
