"""Plotly figures of the monitoring page; pure functions, so tests can read the figure JSON.

Colours are colour-blind safe: the index line is Okabe–Ito blue with a translucent band,
slopes over intervals dashed Okabe–Ito vermilion, the heatmap a sequential ColorBrewer
YlGnBu scale (pale yellow = 0) on a grey background that shows through where a site was
not counted, and coverage bars blue (counted) and grey (not counted). Indices are drawn
on the CBS scale: base year = 100. Site names from the data are escaped with
:func:`cop.core.charts.chart_text` (plotly draws its HTML subset in every label).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cop.core import i18n
from cop.core.charts import OKABE_ITO, base_layout, chart_text

INDEX_COLOUR = OKABE_ITO[0]
SLOPE_COLOUR = OKABE_ITO[5]  # vermilion: stands apart from the blue index
BAND_COLOUR = "rgba(0, 114, 178, 0.18)"
BASE_LINE_COLOUR = "#555555"
NOT_COUNTED_COLOUR = "#bdbdbd"
GAP_BAR_COLOUR = "#d9d9d9"
# ColorBrewer YlGnBu 9 (sequential, colour-blind safe); 0 is the palest step.
YLGNBU_9 = (
    "#ffffd9",
    "#edf8b1",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#225ea8",
    "#253494",
    "#081d58",
)


def _values(series: pd.Series, scale: float = 1.0) -> list[float | None]:
    """Plain floats for the figure JSON, None where there is no value (a gap in the line)."""
    return [float(v) * scale if pd.notna(v) and np.isfinite(v) else None for v in series]


def _index_hover(series: pd.DataFrame, years: list[int], lang: str | None) -> list[str]:
    """Hover text per year: ``2021: 112 (98–128), 7 soorten`` (the year alone if no index)."""
    species_word = i18n.t("monitoring.species_hover", lang)
    return [
        f"{y}: {i18n.format_number(v * 100, 0, lang)}"
        f" ({i18n.format_number(lo * 100, 0, lang)}–{i18n.format_number(hi * 100, 0, lang)})"
        f", {n} {species_word}"
        if pd.notna(v)
        else str(y)
        for y, v, lo, hi, n in zip(
            years,
            series["index"],
            series["lower"],
            series["upper"],
            series["n_species"],
            strict=True,
        )
    ]


def index_chart(
    series: pd.DataFrame,
    base_year: int | None,
    lang: str | None,
    slopes: pd.DataFrame | None = None,
) -> go.Figure:
    """Index line with its 95% band, a line at 100, one at the base year and the slopes.

    Parameters
    ----------
    series
        ``SelectionResult.series``: ``year``, ``index`` (1 = base year), ``lower``,
        ``upper``, ``n_species``. Years without an index become gaps.
    base_year
        Drawn as a dotted vertical line; None draws none.
    slopes
        Trend intervals to draw (``from``, ``upto``, ``additive``, ``multiplicative``; of
        ``SelectionResult.intervals`` only the ``period`` ``"interval"`` rows, the slopes
        between changepoints): each is a dashed line
        ``exp(a + b · year)`` over its years, ``b`` the interval's slope and ``a`` the
        least-squares intercept through the index of those years.

    The index trace has ``meta`` ``"index"`` and y = 100 × index, so a test can compare
    it with the engine's numbers; a slope trace has ``meta`` ``"slope_<from>_<upto>"``.
    """
    years = [int(y) for y in series["year"]]
    fig = go.Figure()
    fig.add_scatter(
        x=years,
        y=_values(series["upper"], 100),
        mode="lines",
        line=dict(width=0),
        hoverinfo="skip",
        showlegend=False,
        meta="band_upper",
    )
    fig.add_scatter(
        x=years,
        y=_values(series["lower"], 100),
        mode="lines",
        line=dict(width=0),
        fill="tonexty",
        fillcolor=BAND_COLOUR,
        name=i18n.t("monitoring.chart_band", lang),
        hoverinfo="skip",
        meta="band_lower",
    )
    hover = _index_hover(series, years, lang)
    fig.add_scatter(
        x=years,
        y=_values(series["index"], 100),
        mode="lines+markers",
        line=dict(color=INDEX_COLOUR, width=3),
        marker=dict(size=7),
        name=i18n.t("monitoring.chart_index", lang),
        text=hover,
        hovertemplate="%{text}<extra></extra>",
        connectgaps=False,
        meta="index",
    )
    if slopes is not None:
        if "period" in slopes.columns:
            slopes = slopes[(slopes["period"] == "interval").to_numpy(dtype=bool)]
        _add_slopes(fig, series, slopes, lang)
    fig.add_hline(y=100, line=dict(color=BASE_LINE_COLOUR, width=1))
    if base_year is not None:
        fig.add_vline(
            x=base_year,
            line=dict(color=BASE_LINE_COLOUR, width=1.5, dash="dot"),
            annotation_text=f"{i18n.t('monitoring.chart_base', lang)} {base_year}",
            annotation_position="top right",
        )
    fig.update_layout(
        xaxis_title=i18n.t("monitoring.axis_year", lang),
        yaxis_title=i18n.t("monitoring.axis_index", lang),
        xaxis=dict(tickformat="d", dtick=1 if len(years) <= 15 else None),
        yaxis=dict(rangemode="tozero"),
        separators=",." if i18n.normalise_language(lang) == "nl" else ".,",
    )
    return base_layout(fig, 420)


def _add_slopes(
    fig: go.Figure, series: pd.DataFrame, slopes: pd.DataFrame, lang: str | None
) -> None:
    """One dashed line per interval: its slope through the index of its years."""
    years = series["year"].to_numpy(dtype=float)
    log_index = np.log(series["index"].to_numpy(dtype=float, na_value=np.nan))
    for first, last, slope, mult in zip(
        slopes["from"], slopes["upto"], slopes["additive"], slopes["multiplicative"], strict=True
    ):
        inside = (years >= first) & (years <= last) & np.isfinite(log_index)
        if inside.sum() < 2 or not np.isfinite(slope):
            continue
        intercept = float(np.mean(log_index[inside] - slope * years[inside]))
        xs = years[inside]
        pct = (mult - 1) * 100
        change = ("-" if round(pct, 1) < 0 else "+") + i18n.format_number(abs(pct), 1, lang)
        name = i18n.t("monitoring.chart_slope", lang, first=int(first), last=int(last))
        fig.add_scatter(
            x=[int(x) for x in xs],
            y=[100 * float(np.exp(intercept + slope * x)) for x in xs],
            mode="lines",
            line=dict(color=SLOPE_COLOUR, width=2, dash="dash"),
            name=name,
            hovertemplate=f"{name}: {change}% {i18n.t('monitoring.per_year', lang)}<extra></extra>",
            meta=f"slope_{int(first)}_{int(last)}",
        )


def _log_ticks(max_count: float) -> tuple[list[float], list[str]]:
    steps = [0, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000]
    shown = [s for s in steps if s <= max(max_count, 1)]
    return [math.log10(1 + s) for s in shown], [str(s) for s in shown]


def count_heatmap(
    matrix: pd.DataFrame, lang: str | None, row_labels: Mapping[str, str] | None = None
) -> go.Figure:
    """Counts per site (rows) and year (columns); not counted stays blank on grey.

    ``row_labels`` names the sites in words
    (:func:`cop.monitoring.presentation.site_labels`); without it the site ids are shown.

    The colour is ``log10(1 + count)`` so that a few big counts do not wash out the rest;
    the colour bar is labelled in counts and the hover shows the count itself or "not
    counted". A counted zero is the palest yellow, which the grey of "not counted" never
    is.
    """
    z = matrix.to_numpy(dtype=float)
    coloured = np.where(np.isnan(z), np.nan, np.log10(1 + np.nan_to_num(z)))
    not_counted = i18n.t("monitoring.not_counted", lang)
    text = [
        [not_counted if np.isnan(v) else i18n.format_number(v, 0, lang) for v in row] for row in z
    ]
    finite_max = float(np.nanmax(z)) if np.isfinite(z).any() else 1.0
    tickvals, ticktext = _log_ticks(finite_max)
    scale = [[i / (len(YLGNBU_9) - 1), c] for i, c in enumerate(YLGNBU_9)]
    fig = go.Figure(
        go.Heatmap(
            z=[[None if np.isnan(v) else float(v) for v in row] for row in coloured],
            x=[int(c) for c in matrix.columns],
            y=[chart_text((row_labels or {}).get(str(i), i)) for i in matrix.index],
            text=text,
            customdata=[[None if np.isnan(v) else float(v) for v in row] for row in z],
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
            colorscale=scale,
            zmin=0,
            zmax=max(tickvals[-1], math.log10(1 + finite_max)),
            xgap=1,
            ygap=1,
            colorbar=dict(
                title=dict(text=i18n.t("monitoring.count", lang)),
                tickvals=tickvals,
                ticktext=ticktext,
            ),
            meta="counts",
        )
    )
    fig.update_layout(
        plot_bgcolor=NOT_COUNTED_COLOUR,
        xaxis=dict(
            title=i18n.t("monitoring.axis_year", lang), tickformat="d", dtick=1, showgrid=False
        ),
        yaxis=dict(
            title=i18n.t("monitoring.site", lang),
            autorange="reversed",
            showgrid=False,
            type="category",
        ),
    )
    return base_layout(fig, max(220, 60 + 18 * len(matrix)), lang)


def coverage_chart(coverage: pd.DataFrame, lang: str | None) -> go.Figure:
    """Stacked bars per year: sites counted and sites not counted (the gaps)."""
    years = [int(y) for y in coverage["year"]]
    counted = [int(v) for v in coverage["sites_counted"]]
    gaps = [int(t) - int(c) for t, c in zip(coverage["sites_total"], counted, strict=True)]
    fig = go.Figure()
    fig.add_bar(
        x=years,
        y=counted,
        name=i18n.t("monitoring.coverage_counted", lang),
        marker_color=INDEX_COLOUR,
        meta="counted",
    )
    fig.add_bar(
        x=years,
        y=gaps,
        name=i18n.t("monitoring.coverage_gap", lang),
        marker_color=GAP_BAR_COLOUR,
        marker_line_color="#888888",
        marker_line_width=0.5,
        meta="not_counted",
    )
    fig.update_layout(
        barmode="stack",
        xaxis=dict(title=i18n.t("monitoring.axis_year", lang), tickformat="d", dtick=1),
        yaxis=dict(title=i18n.t("monitoring.coverage_axis", lang)),
    )
    return base_layout(fig, 300, lang)


def group_trends_chart(trends: pd.DataFrame, lang: str | None) -> go.Figure:
    """One municipality's yearly change per species group, whole period and last ten years.

    A dot per group and period at the estimated change per year (%), with a bar of ±1.96
    standard errors (the 95% interval the trend class is decided on), and a line at 0 %:
    a dot right of it whose bar stays right of it is a certain increase. Groups without
    an estimate keep their row, empty, so the order matches the table below the chart.
    """
    groups = [chart_text(i18n.label("group", g, lang)) for g in trends["species_group"]]
    fig = go.Figure()
    for prefix, key, colour, symbol in (
        ("", "col_long_change", INDEX_COLOUR, "circle"),
        ("recent_", "col_recent_change", SLOPE_COLOUR, "diamond"),
    ):
        change = pd.to_numeric(trends[f"{prefix}multiplicative"]).astype(float)
        error = pd.to_numeric(trends[f"{prefix}multiplicative_se"]).astype(float)
        percent = [round(v, 1) if v is not None else None for v in _values(change - 1.0, 100.0)]
        margin = [round(v, 1) if v is not None else None for v in _values(error, 196.0)]
        fig.add_scatter(
            x=percent,
            y=groups,
            mode="markers",
            marker=dict(color=colour, size=11, symbol=symbol),
            error_x=dict(type="data", array=margin, visible=True, color=colour, thickness=1.5),
            name=i18n.t(f"monitoring.{key}", lang),
            hovertemplate="%{y}: %{x:+.1f}% ± %{error_x.array:.1f}<extra></extra>",
        )
    fig.add_vline(x=0, line_color=BASE_LINE_COLOUR, line_width=1)
    fig.update_layout(
        xaxis=dict(title=i18n.t("content.trend_axis", lang), ticksuffix=" %", zeroline=False),
        yaxis=dict(autorange="reversed"),
        separators=",." if i18n.normalise_language(lang) == "nl" else ".,",
    )
    return base_layout(fig, 120 + 45 * len(groups))
