"""The map coloured by the trend class of a species group (the monitoring metric of the map).

The statistics live in :mod:`cop.monitoring.indicators`, the class names and colours in
:mod:`cop.monitoring.presentation`; this module only turns a trend class per municipality
into colours, a legend and the map page's view, so that the monitoring package never
depends on map code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from cop.core import i18n
from cop.data.presentation import municipality_names
from cop.geo import mapview
from cop.monitoring import presentation


def trend_class_map_frame(
    trends: pd.DataFrame,
    municipalities: pd.DataFrame,
    species_group: str,
    lang: str | None,
    period: str = "long_term",
) -> pd.DataFrame:
    """Per municipality: the trend class of ``species_group``, its colour and label.

    ``period`` is ``"long_term"`` (the whole series) or ``"recent"`` (its last ten
    years): which of the two trends of :func:`cop.monitoring.indicators.trend_classes_by_municipality`
    colours the map.

    Returns
    -------
    DataFrame
        ``code``, ``is_partner``, ``trend_class`` (missing where the group is not
        monitored or has no trend), ``colour``
        (:data:`cop.monitoring.presentation.TREND_CLASS_COLOURS`; None where there is no
        class, so the map uses its own no-value / non-partner greys),
        ``label`` (the class in words, or why there is none) and ``change`` (yearly
        change in %, rounded, None where there is no class).
    """
    part = trends[(trends["species_group"] == species_group).fillna(False).to_numpy(dtype=bool)]
    part = part.set_index("municipality_code")
    prefix = presentation.period_prefix(period)
    codes = municipalities["code"].astype("string")
    classes = codes.map(part[f"{prefix}trend_class"]).astype("string")
    reasons = codes.map(part["reason"]).astype("string")
    mult = codes.map(part[f"{prefix}multiplicative"]).astype(float)
    labels = [
        presentation.trend_class_label(c, lang)
        if pd.notna(c)
        else (
            presentation.reason_text(r, lang)
            if pd.notna(r)
            else i18n.t("monitoring.not_monitored", lang)
        )
        for c, r in zip(classes, reasons, strict=True)
    ]
    return pd.DataFrame(
        {
            "code": codes.to_numpy(),
            "is_partner": municipalities["is_partner"].fillna(False).astype(bool).to_numpy(),
            "trend_class": pd.array(classes, dtype="string"),
            "colour": pd.array(
                [presentation.TREND_CLASS_COLOURS.get(c) if pd.notna(c) else None for c in classes],
                dtype="string",
            ),
            "label": labels,
            "change": [round((m - 1) * 100, 1) if np.isfinite(m) else None for m in mult],
        }
    )


def trend_fill_colours(
    map_frame: pd.DataFrame, no_value_colour: str, non_partner_colour: str
) -> list[str]:
    """Fill colour per row of :func:`trend_class_map_frame`, with the map's own greys.

    A partner without a class (group not monitored, or no estimable trend) gets
    ``no_value_colour``; a non-partner ``non_partner_colour`` (the CoP has no data).
    """
    partner = map_frame["is_partner"].to_numpy(dtype=bool)
    return [
        (str(c) if pd.notna(c) else no_value_colour) if p else non_partner_colour
        for c, p in zip(map_frame["colour"], partner, strict=True)
    ]


def trend_legend(lang: str | None) -> list[tuple[str, str]]:
    """(label, colour) per trend class, best to worst, for a map legend."""
    return [
        (presentation.trend_class_label(c, lang), presentation.TREND_CLASS_COLOURS[c])
        for c in presentation.TREND_CLASS_ORDER
    ]


#: The map's metric option for "trend class of species group X".
MAP_METRIC = "trend_class"
#: Which trend colours the map: the whole series or its last ten years.
PERIODS = presentation.PERIODS


@dataclass(frozen=True)
class TrendLegendClasses:
    """The trend classes in the shape of ``cop.geo.mapview.Classes`` (what the map's legend reads).

    One class per trend class, best to worst then "uncertain"; values are the class's
    position in :data:`cop.monitoring.presentation.TREND_CLASS_ORDER`.
    """

    edges: tuple[float, ...] = tuple(
        float(i) - 0.5 for i in range(len(presentation.TREND_CLASS_ORDER) + 1)
    )
    colours: tuple[str, ...] = tuple(
        presentation.TREND_CLASS_COLOURS[c] for c in presentation.TREND_CLASS_ORDER
    )
    integer_levels: bool = False

    def classify(self, values: pd.Series | np.ndarray | list[float]) -> np.ndarray:
        array = np.asarray(values, dtype=float)
        return np.where(np.isnan(array), -1, np.nan_to_num(array, nan=-1).round()).astype(int)

    def colour(self, values: pd.Series | np.ndarray | list[float]) -> list[str | None]:
        return [self.colours[i] if i >= 0 else None for i in self.classify(values)]

    def labels(self, lang: str | None, decimals: int = 0) -> list[str]:
        return [presentation.trend_class_label(c, lang) for c in presentation.TREND_CLASS_ORDER]


def trend_map_view(
    view: Any,
    trends: pd.DataFrame,
    municipalities: pd.DataFrame,
    species_group: str,
    lang: str | None,
    period: str = "long_term",
) -> Any:
    """The map page's view (``cop.geo.mapview.MapView``) recoloured by the trend class of a group.

    Municipalities keep the map's filters (a municipality the filters leave out has no
    value); the tooltip value is the yearly change in %, the legend the trend classes.
    ``period`` chooses the long-term trend or that of the last ten years.

    Parameters
    ----------
    view
        What ``cop.geo.mapview.map_view`` returned for the current filters (any metric).
    trends
        :func:`cop.monitoring.indicators.trend_classes_by_municipality` of the whole table.
    """
    frame = trend_class_map_frame(trends, municipalities, species_group, lang, period)
    kept = frame["code"].isin(view.filtered.municipalities["code"]).to_numpy(dtype=bool)
    frame["colour"] = frame["colour"].where(kept, pd.NA)
    names = municipality_names(municipalities)
    metric = pd.DataFrame(
        {
            "code": frame["code"],
            "name": frame["code"].map(names),
            "is_partner": frame["is_partner"],
            "value": np.where(kept, frame["change"].to_numpy(dtype=float, na_value=np.nan), np.nan),
            "trend_class": frame["trend_class"].where(kept, pd.NA),
        }
    )
    fills = trend_fill_colours(frame, mapview.NO_VALUE_COLOUR, mapview.NON_PARTNER_COLOUR)
    legend_key = (
        "monitoring.map_legend" if period == "long_term" else "monitoring.map_legend_recent"
    )
    title = i18n.t(legend_key, lang, group=i18n.label("group", species_group, lang))
    return replace(
        view,
        metric=metric,
        classes=TrendLegendClasses(),
        fills=fills,
        decimals=1,
        legend_decimals=0,
        legend_title=title,
    )
