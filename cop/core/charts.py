"""Plotly figures built from tidy frames; pure functions, so tests can read the figure JSON.

Colours: the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies)
for categories, and a single-hue sequential scale for ordered levels.

Text from the database is text in a chart too: plotly draws every string it shows (tick
labels of categories, trace and legend names, annotations and subplot titles, hover
labels, ``text``) through its own subset of HTML (``<br>``, ``<b>``, ``<i>``,
``<sup>``, ``<span style=...>``, and ``<a href=...>``, a link a visitor can click), in
the browser and in kaleido's images alike. So every value from the data passes through
:func:`chart_text` before it enters a figure, and is never concatenated into a
``hovertemplate``: it goes in as ``customdata``/``text``/``y``/trace name and the template
refers to it (``%{y}``, ``%{customdata[1]}``, ``%{fullData.name}``). Plotly fills a
template in one pass (``String.replace`` with a callback; read in plotly.js 4.1 of
plotly.py and kaleido and 4.2 of Streamlit's bundle), so a ``%{x}`` inside a value stays
text. The app's own markup
(``<br>`` between the lines of a wrapped label, ``<b>`` around its own words,
``<extra></extra>``) is added after the escaping.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from cop.core import i18n, vocab

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STATUS_COLOURS = {
    "idea": "#CCCCCC",
    "planned": "#56B4E9",
    "in_progress": "#E69F00",
    "realised": "#009E73",
    "stopped": "#999999",
}
# Five-step sequential blue-green scale (ColorBrewer YlGnBu), level 1 light .. 5 dark.
LEVEL_COLOURS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")


def chart_text(value: object) -> str:
    """``value`` as literal text in a plotly figure: ``&``, ``<`` and ``>`` as entities.

    Plotly turns ``&amp;``, ``&lt;`` and ``&gt;`` back into the characters when it
    draws, so a name reads as stored while no tag in it takes effect (module doc).

    Examples
    --------
    >>> chart_text("'s-Hertogenbosch & Co <b>")
    "'s-Hertogenbosch &amp; Co &lt;b&gt;"
    >>> chart_text("%{x}")
    '%{x}'
    """
    return html.escape(str(value), quote=False)


def separators(lang: str | None) -> str:
    """Plotly's ``layout.separators`` for ``lang``: decimal comma and thousands point in Dutch."""
    return ",." if i18n.normalise_language(lang) == "nl" else ".,"


def base_layout(fig: go.Figure, height: int, lang: str | None = None) -> go.Figure:
    """The house layout: given height, tight margins, a horizontal legend on top, and
    numbers written the way of ``lang`` (when given)."""
    if lang is not None:
        fig.update_layout(separators=separators(lang))
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, traceorder="normal"),
    )
    return fig


def measures_per_theme(counts: pd.DataFrame, lang: str | None) -> go.Figure:
    """Horizontal bars per theme stacked by status (from ``summary.measures_per_theme``)."""
    order = counts.groupby("theme")["measures"].sum().sort_values().index.tolist()
    labels = [chart_text(i18n.label("theme", t, lang)) for t in order]
    fig = go.Figure()
    for status in vocab.MEASURE_STATUSES:
        part = counts[counts["status"] == status].set_index("theme").reindex(order)
        fig.add_bar(
            y=labels,
            x=part["measures"].tolist(),
            name=i18n.label("status", status, lang),
            orientation="h",
            marker_color=STATUS_COLOURS[status],
            customdata=[status] * len(order),
        )
    fig.update_layout(barmode="stack", xaxis_title=i18n.t("home.count_axis", lang))
    return base_layout(fig, 460, lang)


def level_distribution(dist: pd.DataFrame, lang: str | None) -> go.Figure:
    """Stacked bars per dimension: how many municipalities are at each level."""
    fig = go.Figure()
    dims = list(vocab.DIMENSIONS)
    for level, colour in zip(vocab.LEVELS, LEVEL_COLOURS, strict=True):
        part = dist[dist["level"] == level].set_index("dimension").reindex(dims)
        fig.add_bar(
            y=[i18n.label("dimension", d, lang) for d in dims],
            x=part["municipalities"].fillna(0).astype(int).tolist(),
            name=f"{level} {i18n.label('level', level, lang)}",
            orientation="h",
            marker_color=colour,
            marker_line_color="#555555",
            marker_line_width=0.5,
        )
    fig.update_layout(barmode="stack", xaxis_title=i18n.t("home.municipalities_axis", lang))
    return base_layout(fig, 380, lang)
