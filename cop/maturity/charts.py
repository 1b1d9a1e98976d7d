"""Plotly figures of maturity and approach comparisons; pure functions of tidy frames.

Colours follow :mod:`cop.core.charts`: Okabe–Ito for the compared municipalities (one colour
per municipality, the same in every chart of a page) and the sequential level scale for
levels 1..5. Numbers in hovers use the Dutch decimal comma when the language is Dutch
(``layout.separators``). Every chart carries its values in the figure JSON so tests can
check them. Names and other text from the data are escaped with
:func:`cop.core.charts.chart_text` and reach hovers only through ``%{...}`` fields, never by
concatenation into a template.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cop.core import charts, i18n, vocab
from cop.core.charts import LEVEL_COLOURS, OKABE_ITO, chart_text
from cop.maturity import model as maturity_model
from cop.maturity.display import level_text

__all__ = [
    "colour_of",
    "distribution_figure",
    "heatmap_figure",
    "level_counts_figure",
    "level_distribution_over_years",
    "maturity_heatmap",
    "maturity_radar",
    "maturity_small_multiples",
    "peer_position_chart",
    "start_timeline",
    "theme_mix_bars",
]

PEER_COLOUR = "#555555"
IQR_COLOUR = "#D9D9D9"


def _finish(fig: go.Figure, height: int, lang: str | None) -> go.Figure:
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        separators=",." if i18n.normalise_language(lang) == "nl" else ".,",
    )
    return fig


def colour_of(keys: Sequence[str]) -> dict[str, str]:
    """One Okabe–Ito colour per compared row, grey for the peer-group median."""
    colours: dict[str, str] = {}
    palette = iter(OKABE_ITO)
    for key in keys:
        colours[key] = PEER_COLOUR if key == maturity_model.PEER_KEY else next(palette)
    return colours


def _dimension_labels(lang: str | None) -> list[str]:
    return [i18n.label("dimension", d, lang) for d in vocab.DIMENSIONS]


def _chart_names(names: Mapping[str, str]) -> dict[str, str]:
    """The display names escaped for plotly (:func:`cop.core.charts.chart_text`)."""
    return {key: chart_text(name) for key, name in names.items()}


def _radar_trace(
    key: str, row: pd.Series, name: str, colour: str, lang: str | None, *, wrap: bool = False
) -> go.Scatterpolar:
    """One compared row as a closed radar line; ``name`` is already escaped (chart_text)."""
    values = [None if pd.isna(row[d]) else float(row[d]) for d in vocab.DIMENSIONS]
    words = ["–" if v is None else level_text(v, lang) for v in values]
    labels = _dimension_labels(lang)
    if wrap:  # small radars side by side: two short lines instead of one long one
        labels = [label.replace(" en ", "<br>en ").replace(" and ", "<br>and ") for label in labels]
    return go.Scatterpolar(
        r=values,
        theta=labels,
        name=name,
        mode="lines+markers",
        fill="toself",
        opacity=0.85,
        line=dict(
            color=colour, width=2, dash="dash" if key == maturity_model.PEER_KEY else "solid"
        ),
        marker=dict(color=colour, size=6),
        customdata=words,
        hovertemplate="<b>%{fullData.name}</b><br>%{theta}: %{r} (%{customdata})<extra></extra>",
    )


def _polar_axes(fig: go.Figure, lang: str | None, **selector: object) -> None:
    fig.update_polars(
        radialaxis=dict(
            range=[0, 5],
            tickvals=[1, 2, 3, 4, 5],
            ticktext=[f"{lvl}" for lvl in vocab.LEVELS],
            angle=90,
            tickangle=90,
        ),
        angularaxis=dict(direction="clockwise", rotation=90),
        **selector,
    )


def maturity_radar(levels: pd.DataFrame, names: Mapping[str, str], lang: str | None) -> go.Figure:
    """One radar with a trace per compared row (rows of :func:`maturity.compare_levels`)."""
    fig = go.Figure()
    colours = colour_of(list(levels.index))
    shown = _chart_names(names)
    for key, row in levels.iterrows():
        fig.add_trace(_radar_trace(str(key), row, shown[key], colours[key], lang))
        fig.data[-1].fillcolor = _transparent(colours[key])
    _polar_axes(fig, lang)
    _finish(fig, 540, lang)
    fig.update_layout(margin=dict(l=150, r=150, t=60, b=40))
    return fig


def maturity_small_multiples(
    levels: pd.DataFrame, names: Mapping[str, str], lang: str | None, *, columns: int = 2
) -> go.Figure:
    """A small radar per compared row, on identical axes (easier to read beyond three)."""
    keys = list(levels.index)
    shown = _chart_names(names)
    rows = max(1, math.ceil(len(keys) / columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        specs=[[{"type": "polar"}] * columns for _ in range(rows)],
        subplot_titles=[shown[k] for k in keys],
        horizontal_spacing=0.25,
        vertical_spacing=0.14,
    )
    colours = colour_of(keys)
    for i, key in enumerate(keys):
        trace = _radar_trace(str(key), levels.loc[key], shown[key], colours[key], lang, wrap=True)
        trace.fillcolor = _transparent(colours[key])
        fig.add_trace(trace, row=i // columns + 1, col=i % columns + 1)
    _polar_axes(fig, lang)
    fig.update_polars(angularaxis=dict(tickfont=dict(size=9)))
    fig.update_layout(showlegend=False)
    fig.update_annotations(yshift=24)
    _finish(fig, 340 * rows + 60, lang)
    fig.update_layout(margin=dict(l=90, r=90, t=70, b=40))
    return fig


def _transparent(colour: str, alpha: float = 0.12) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def theme_mix_bars(mix: pd.DataFrame, names: Mapping[str, str], lang: str | None) -> go.Figure:
    """Share of each theme in each compared row's measures, side by side.

    ``mix`` has the columns of :func:`cop.maturity.approach.theme_mix`; bars are percentages, the
    hover adds the absolute count and the count per 10,000 inhabitants.
    """
    keys = list(dict.fromkeys(mix["municipality_code"]))
    colours = colour_of(keys)
    shown = _chart_names(names)
    themes = list(vocab.THEMES)
    labels = [i18n.label("theme", t, lang) for t in themes]
    template = i18n.t("compare.mix_hover", lang)
    fig = go.Figure()
    for key in keys:
        part = mix[mix["municipality_code"] == key].set_index("theme").reindex(themes)
        counts = part["measures"].astype(float).fillna(0).to_numpy()
        per_10k = part["per_10k"].astype(float).to_numpy()
        fig.add_bar(
            y=labels,
            x=(part["share"].astype(float).fillna(0) * 100).round(1).tolist(),
            name=shown[key],
            orientation="h",
            marker_color=colours[key],
            customdata=np.column_stack([counts, np.nan_to_num(per_10k)]).tolist(),
            hovertemplate="<b>%{fullData.name}</b><br>%{y}<br>" + template + "<extra></extra>",
        )
    fig.update_layout(
        barmode="group",
        xaxis_title=i18n.t("compare.share_axis", lang),
        yaxis=dict(autorange="reversed"),
    )
    return _finish(fig, 140 + 22 * len(themes) * max(1, len(keys)) // 2 + 120, lang)


def start_timeline(timeline: pd.DataFrame, names: Mapping[str, str], lang: str | None) -> go.Figure:
    """Dots per municipality and start year, sized by the number of measures started."""
    keys = list(dict.fromkeys(timeline["municipality_code"]))
    colours = colour_of(keys)
    shown = _chart_names(names)
    template = i18n.t("compare.timeline_hover", lang)
    fig = go.Figure()
    for key in keys:
        part = timeline[timeline["municipality_code"] == key]
        themes = [
            chart_text(", ".join(i18n.label("theme", t, lang) for t in str(v).split(";")))
            for v in part["themes"]
        ]
        counts = part["measures"].astype(int).tolist()
        fig.add_scatter(
            x=part["start_year"].astype(int).tolist(),
            y=[shown[key]] * len(part),
            mode="markers",
            name=shown[key],
            marker=dict(
                color=colours[key],
                size=[8 + 6 * math.sqrt(c) for c in counts],
                line=dict(color="#333333", width=0.5),
            ),
            customdata=[[c, t] for c, t in zip(counts, themes, strict=True)],
            hovertemplate="<b>%{y}</b>, %{x}<br>" + template + "<extra></extra>",
        )
    fig.update_layout(
        xaxis=dict(title=i18n.t("compare.start_year_axis", lang), dtick=1),
        yaxis=dict(autorange="reversed"),
        showlegend=False,
    )
    return _finish(fig, 120 + 48 * max(1, len(keys)), lang)


def maturity_heatmap(rows: pd.DataFrame, rubric: pd.DataFrame, lang: str | None) -> go.Figure:
    """Municipality x dimension, coloured by level, the rubric line in the hover.

    ``rows`` is :func:`maturity.heatmap_rows` (first row on top): each row is labelled
    with the name and the overall level.
    """
    dims = list(vocab.DIMENSIONS)
    z = rows[dims].astype(float).to_numpy()
    labels = [
        i18n.t(
            "maturity.row_label",
            lang,
            name=chart_text(name),
            overall=i18n.format_number(o, 1, lang),
        )
        for name, o in zip(rows["name"], rows[maturity_model.OVERALL].astype(float), strict=True)
    ]
    # One text per dimension and level (40), looked up per cell (~2,700 at national scale).
    texts = maturity_model.rubric_texts(rubric, lang)
    cell = {
        (d, level): f"{level} {i18n.label('level', level, lang)}: {chart_text(texts[(d, level)])}"
        for d in dims
        for level in vocab.LEVELS
    }
    hover = [
        ["–" if np.isnan(v) else cell[(d, int(v))] for d, v in zip(dims, row, strict=True)]
        for row in z
    ]
    steps = len(LEVEL_COLOURS)
    colourscale = []
    for i, colour in enumerate(LEVEL_COLOURS):
        colourscale += [[i / steps, colour], [(i + 1) / steps, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=np.where(np.isnan(z), None, z).tolist(),
            x=_dimension_labels(lang),
            y=labels,
            zmin=0.5,
            zmax=5.5,
            colorscale=colourscale,
            text=[["" if np.isnan(v) else str(int(v)) for v in row] for row in z],
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="<b>%{y}</b><br>%{x}<br>%{customdata}<extra></extra>",
            xgap=1,
            ygap=1,
            colorbar=dict(
                title=i18n.t("maturity.level_axis", lang),
                tickvals=list(vocab.LEVELS),
                ticktext=[f"{lvl} {i18n.label('level', lvl, lang)}" for lvl in vocab.LEVELS],
            ),
        )
    )
    fig.update_layout(
        yaxis=dict(autorange="reversed", dtick=1), xaxis=dict(side="top", tickangle=-30)
    )
    return _finish(fig, 160 + 22 * len(labels), lang)


def heatmap_figure(
    maturity: pd.DataFrame, municipalities: pd.DataFrame, *, sort_by: str, lang: str | None
) -> go.Figure:
    """The maturity page's heatmap from the tables (:func:`maturity_heatmap` of its rows).

    A function of whole tables and JSON parameters, so the page caches the figure per
    data version (``ui.compute``): building ~2,700 cells with their hover texts through
    plotly's validation costs more than a page rerun may take.
    """
    rows = maturity_model.heatmap_rows(maturity, municipalities, sort_by=sort_by)
    return maturity_heatmap(rows, maturity_model.load_rubric(), lang)


def level_counts_figure(maturity: pd.DataFrame, *, lang: str | None) -> go.Figure:
    """The home page's bars of municipalities per level and dimension (latest assessments),
    from the table, so the page caches the figure per data version."""
    return charts.level_distribution(maturity_model.latest_level_counts(maturity), lang)


def distribution_figure(maturity: pd.DataFrame, *, lang: str | None) -> go.Figure:
    """:func:`level_distribution_over_years` from the table, cached per data version like
    :func:`heatmap_figure` (40 bar traces in eight subplots take ~0.2 s to build)."""
    return level_distribution_over_years(maturity_model.level_distribution_by_year(maturity), lang)


def level_distribution_over_years(dist: pd.DataFrame, lang: str | None) -> go.Figure:
    """Per dimension (small multiples) the share of assessed municipalities at each level.

    ``dist`` is :func:`maturity.level_distribution_by_year`.
    """
    dims = list(vocab.DIMENSIONS)
    fig = make_subplots(
        rows=2,
        cols=4,
        subplot_titles=_dimension_labels(lang),
        shared_yaxes=True,
        horizontal_spacing=0.03,
        vertical_spacing=0.18,
    )
    template = i18n.t("maturity.distribution_hover", lang)
    for i, dimension in enumerate(dims):
        part = dist[dist["dimension"] == dimension]
        for level, colour in zip(vocab.LEVELS, LEVEL_COLOURS, strict=True):
            rows = part[part["level"] == level].sort_values("year")
            fig.add_bar(
                x=rows["year"].astype(int).tolist(),
                y=(rows["share"].astype(float) * 100).round(1).tolist(),
                name=f"{level} {i18n.label('level', level, lang)}",
                legendgroup=str(level),
                showlegend=i == 0,
                marker_color=colour,
                marker_line_color="#555555",
                marker_line_width=0.5,
                customdata=rows[["municipalities", "assessed"]].astype(int).to_numpy().tolist(),
                hovertemplate="%{x}: " + template + "<extra></extra>",
                row=i // 4 + 1,
                col=i % 4 + 1,
            )
    fig.update_layout(barmode="stack")
    fig.update_annotations(font_size=12)
    fig.update_xaxes(dtick=1, tickangle=-45)
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    _finish(fig, 600, lang)
    fig.update_layout(margin=dict(t=90), legend=dict(y=1.12))
    return fig


def peer_position_chart(table: pd.DataFrame, own_name: str, lang: str | None) -> go.Figure:
    """The peer group's interquartile range and median per dimension, with one's own level.

    ``table`` is :attr:`maturity.PeerPosition.table`.
    """
    labels = [
        i18n.t("maturity.overall", lang)
        if d == maturity_model.OVERALL
        else chart_text(i18n.label("dimension", d, lang))
        for d in table["dimension"]
    ]
    q1 = table["peer_q1"].astype(float)
    q3 = table["peer_q3"].astype(float)
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=(q3 - q1).fillna(0).tolist(),
        base=q1.tolist(),
        orientation="h",
        marker_color=IQR_COLOUR,
        name=i18n.t("maturity.peer_range", lang),
        customdata=q3.tolist(),
        hovertemplate="%{y}: %{base} – %{customdata}<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=table["peer_median"].astype(float).tolist(),
        mode="markers",
        marker=dict(symbol="line-ns-open", size=18, color=PEER_COLOUR, line=dict(width=3)),
        name=i18n.t("maturity.peer_median", lang),
        hovertemplate="%{y}: %{x}<extra></extra>",
    )
    fig.add_scatter(
        y=labels,
        x=table["actual"].astype(float).tolist(),
        mode="markers",
        marker=dict(symbol="diamond", size=13, color=OKABE_ITO[0]),
        name=chart_text(own_name),
        hovertemplate="%{y}: %{x}<extra></extra>",
    )
    fig.update_layout(
        xaxis=dict(range=[0.5, 5.5], dtick=1, title=i18n.t("maturity.level_axis", lang)),
        yaxis=dict(autorange="reversed"),
        barmode="overlay",
    )
    return _finish(fig, 120 + 34 * len(labels), lang)
