"""The numbers behind a plotly figure as a table: the text alternative of a chart.

A chart is an image to a screen reader and to anyone who cannot tell its colours apart
(WCAG 2.1, success criterion 1.1.1). Every chart of the app is therefore followed by its
data as a table (``cop.ui.chart``). The table is read from the figure itself, so it can
never disagree with what is drawn, and no page has to keep a second copy of the data.

Plotly text is escaped HTML (:func:`cop.core.charts.chart_text`) with ``<br>`` where a
label wraps; the table shows it as plain text again.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import plotly.graph_objects as go

from cop.core import i18n

_TAGS = re.compile(r"<br\s*/?>|<[^>]+>")
#: Columns of :func:`figure_table`, in order; their headings are ``a11y.chart_<name>``.
COLUMNS = ("series", "category", "row", "value")


def plain(value: object) -> str:
    """A plotly label as plain text: markup removed, ``<br>`` a space, entities decoded.

    Examples
    --------
    >>> plain("Bomen &amp;<br>struiken")
    'Bomen & struiken'
    """
    text = _TAGS.sub(lambda m: " " if m.group(0).lower().startswith("<br") else "", str(value))
    return " ".join(html.unescape(text).split())


def _values(values: object) -> list[object]:
    """Plotly's tuples (or arrays) of a trace attribute as a list; nothing as ``[]``."""
    if values is None or isinstance(values, str):
        return []
    return list(values)  # type: ignore[call-overload]


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if number != number else number  # NaN is "no value"


def figure_rows(fig: go.Figure) -> list[dict[str, object]]:
    """One row per drawn value: ``series`` (trace name), ``category``, ``row``, ``value``.

    Bars and lines give their category axis (``y`` for horizontal bars) and value axis;
    polar traces give ``theta`` and ``r``; heatmaps give one row per cell (``row`` is
    the heatmap's row label, ``category`` its column). Traces drawn only as decoration
    (no name and no values) are left out; points without a value are left out too.
    """
    rows: list[dict[str, object]] = []
    for trace in fig.data:
        name = plain(trace.name) if getattr(trace, "name", None) else ""
        kind = trace.type
        if kind == "heatmap":
            xs, ys = _values(trace.x), _values(trace.y)
            for i, line in enumerate(_values(trace.z)):
                for j, cell in enumerate(_values(line)):
                    value = _number(cell)
                    if value is None:
                        continue
                    rows.append(
                        {
                            "series": name,
                            "category": plain(xs[j]) if j < len(xs) else str(j + 1),
                            "row": plain(ys[i]) if i < len(ys) else str(i + 1),
                            "value": value,
                        }
                    )
            continue
        if kind in ("scatterpolar", "barpolar"):
            categories, values = _values(trace.theta), _values(trace.r)
        elif getattr(trace, "orientation", None) == "h":
            categories, values = _values(trace.y), _values(trace.x)
        elif hasattr(trace, "x") and hasattr(trace, "y"):
            categories, values = _values(trace.x), _values(trace.y)
        else:
            continue
        for category, raw in zip(categories, values, strict=False):
            value = _number(raw)
            if value is None:
                continue
            rows.append({"series": name, "category": plain(category), "row": "", "value": value})
    return rows


def figure_table(fig: go.Figure, lang: str | None) -> pd.DataFrame:
    """:func:`figure_rows` as a frame with headings in ``lang``.

    Several named series over the same categories (stacked bars, radars of several
    municipalities) become one row per category and one column per series, as the
    chart reads; otherwise (one series, heatmaps) one row per value, empty columns
    dropped. A radar repeats its first point to close the line; repeated rows are
    dropped, so each value appears once.

    Examples
    --------
    >>> fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2], name="n"))
    >>> figure_table(fig, "en").to_dict("records")
    [{'Category': 'a', 'Value': 1.0}, {'Category': 'b', 'Value': 2.0}]
    """
    frame = pd.DataFrame(figure_rows(fig), columns=list(COLUMNS)).drop_duplicates()
    filled = [c for c in COLUMNS if c != "value" and frame[c].astype(str).str.len().gt(0).any()]
    several = filled == ["series", "category"] and frame["series"].nunique() > 1
    if several and not frame.duplicated(["series", "category"]).any():
        wide = frame.pivot(index="category", columns="series", values="value")
        wide = wide.reindex(
            index=list(dict.fromkeys(frame["category"])),
            columns=list(dict.fromkeys(frame["series"])),
        )
        wide.columns.name = None
        return wide.rename_axis(i18n.t("a11y.chart_category", lang)).reset_index()
    if filled == ["series", "category"] and frame["series"].nunique() == 1:
        filled = ["category"]  # one series: its name is the chart's title or legend
    keep = [*filled, "value"]
    frame = frame[keep].reset_index(drop=True)
    return frame.rename(columns={c: i18n.t(f"a11y.chart_{c}", lang) for c in keep})


def map_table(metric: pd.DataFrame, value_label: str, lang: str | None) -> pd.DataFrame:
    """What the coloured map shows, as a table: municipality and its value, highest first.

    ``metric`` is :attr:`cop.geo.mapview.MapView.metric` (``name`` and ``value`` per
    municipality); municipalities without a value (no data, or filtered out) are left
    out, as they are grey on the map.

    Examples
    --------
    >>> frame = pd.DataFrame({"name": ["A", "B", "C"], "value": [1.0, None, 3.0]})
    >>> map_table(frame, "Maatregelen", "nl").to_dict("records")
    [{'Gemeente': 'C', 'Maatregelen': 3.0}, {'Gemeente': 'A', 'Maatregelen': 1.0}]
    """
    shown = metric.loc[metric["value"].notna(), ["name", "value"]]
    shown = shown.sort_values(["value", "name"], ascending=[False, True], kind="stable")
    return shown.rename(
        columns={"name": i18n.t("a11y.map_municipality", lang), "value": value_label}
    ).reset_index(drop=True)
