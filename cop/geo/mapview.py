"""What the map shows: metrics per municipality, their classes and colours, measure filters.

Pure pandas, no Streamlit and no folium (the map itself is built in :mod:`cop.geo.webmap`), so
every number on the map can be checked in a unit test with a hand-made table.

Metrics (:data:`METRICS`)
    ``maturity``            overall maturity: mean level over the dimensions of each
                            municipality's latest assessment (1..5,
                            :func:`cop.maturity.model.latest_overall`)
    ``maturity_dimension``  level in one dimension in the latest assessment (1..5,
                            :func:`cop.maturity.model.latest_levels`)
    ``measures``            number of measures (all themes or one)
    ``measures_per_10k``    measures per 10,000 inhabitants

Non-partners get no value (drawn neutral grey): the CoP has no data about them, and a 0
would suggest they do nothing.

Class breaks
    Maturity uses the five levels themselves (a mean of 2.6 is drawn as "3 developing":
    classes are centred on the levels, edges at 1.5, 2.5, 3.5, 4.5), so the legend speaks
    the words of the maturity model. Counts use quantile breaks rounded to "nice" numbers
    (1, 2, 2.5, 5 × 10^n), so each class holds roughly as many municipalities and the
    legend reads 0–5, 5–10, 10–25 rather than 0–4.37.

Colours
    ColorBrewer YlGnBu (sequential, colour-blind safe, prints in grey scale), light = low.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.maturity.model import OVERALL, latest_levels, latest_overall, latest_overall_levels

METRICS: tuple[str, ...] = ("maturity", "maturity_dimension", "measures", "measures_per_10k")

#: ColorBrewer YlGnBu, 5 classes (light = low), as in :data:`cop.core.charts.LEVEL_COLOURS`.
YLGNBU_5: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
#: Non-partners: the CoP has no data about them.
NON_PARTNER_COLOUR = "#bdbdbd"
#: Partners without a value (never assessed, or left out by a filter).
NO_VALUE_COLOUR = "#f0f0f0"

GM_CODE = re.compile(r"GM\d{4}")
MATURITY_EDGES: tuple[float, ...] = (0.5, 1.5, 2.5, 3.5, 4.5, 5.5)


# ---------------------------------------------------------------- metrics


def municipality_metric(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    metric: str,
    *,
    dimension: str | None = None,
    theme: str | None = None,
) -> pd.DataFrame:
    """The value of ``metric`` for every municipality (NaN for non-partners).

    Parameters
    ----------
    municipalities
        The municipalities table (``code``, ``population``, ``is_partner``).
    measures
        The measures to count (already filtered by the page's choices).
    maturity
        The maturity table.
    metric
        One of :data:`METRICS`.
    dimension
        Required for ``maturity_dimension``.
    theme
        Optional for the count metrics: count only this theme.

    Returns
    -------
    DataFrame
        ``code``, ``name``, ``is_partner``, ``value`` (float; NaN = no value), one row per
        municipality in the order of ``municipalities``.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric: {metric}")
    out = municipalities[["code", "name"]].copy()
    out["code"] = out["code"].astype("string")
    partner = municipalities["is_partner"].fillna(False).astype(bool).to_numpy()
    out["is_partner"] = partner
    if metric == "maturity":
        by_code = latest_overall(maturity).set_index("municipality_code")[OVERALL]
        value = out["code"].map(by_code.astype(float))
    elif metric == "maturity_dimension":
        if dimension not in vocab.DIMENSIONS:
            raise ValueError(f"maturity_dimension needs a known dimension, not {dimension!r}")
        value = out["code"].map(latest_levels(maturity)[dimension])
    else:
        if theme is not None and theme not in vocab.THEMES:
            raise ValueError(f"unknown theme: {theme}")
        counted = measures if theme is None else measures[measures["theme"] == theme]
        counts = counted.groupby("municipality_code").size()
        value = out["code"].map(counts).fillna(0).astype(float)
        if metric == "measures_per_10k":
            population = pd.to_numeric(municipalities["population"], errors="coerce").to_numpy(
                dtype=float
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                per_10k = value.to_numpy(dtype=float) / population * 10_000
            value = pd.Series(np.where(population > 0, per_10k, np.nan), index=out.index)
    values = np.array(pd.to_numeric(value, errors="coerce"), dtype=float, copy=True)
    values[~partner] = np.nan
    out["value"] = values
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- classes


@dataclass(frozen=True)
class Classes:
    """Class edges of a metric and their colours, ready for a legend.

    ``edges`` has one more element than ``colours``; class ``i`` holds values in
    ``[edges[i], edges[i + 1])`` (the last class includes its upper edge).
    """

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    integer_levels: bool = False

    def classify(self, values: pd.Series | np.ndarray | list[float]) -> np.ndarray:
        """Class index per value; -1 for a missing value."""
        array = np.asarray(values, dtype=float)
        index = np.searchsorted(np.asarray(self.edges[1:-1]), array, side="right")
        return np.where(np.isnan(array), -1, index)

    def colour(self, values: pd.Series | np.ndarray | list[float]) -> list[str | None]:
        """Fill colour per value; ``None`` for a missing value (the caller picks grey)."""
        return [self.colours[i] if i >= 0 else None for i in self.classify(values)]

    def labels(self, lang: str | None, decimals: int = 0) -> list[str]:
        """Legend text per class: level names for maturity, ``a–b`` ranges for counts."""
        if self.integer_levels:
            return [f"{level} {i18n.label('level', level, lang)}" for level in vocab.LEVELS]
        texts = []
        for low, high in zip(self.edges[:-1], self.edges[1:], strict=True):
            if low == high:
                texts.append(i18n.format_number(low, decimals, lang))
            else:
                texts.append(
                    f"{i18n.format_number(low, decimals, lang)}–"
                    f"{i18n.format_number(high, decimals, lang)}"
                )
        return texts


def maturity_classes() -> Classes:
    """Five classes centred on the levels 1..5 (a mean of 2.6 shows as level 3)."""
    return Classes(MATURITY_EDGES, YLGNBU_5, integer_levels=True)


def nice_number(value: float, *, up: bool = True) -> float:
    """Round to 1, 2, 2.5 or 5 × 10^n (up, or down when ``up=False``).

    Examples
    --------
    >>> nice_number(4.37), nice_number(13), nice_number(0.33), nice_number(880)
    (5.0, 20.0, 0.5, 1000.0)
    """
    if value <= 0 or not math.isfinite(value):
        return 0.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10) if up else (10, 5, 2.5, 2, 1):
        candidate = step * 10.0**exponent
        if (up and candidate >= value * (1 - 1e-9)) or (not up and candidate <= value * (1 + 1e-9)):
            return float(round(candidate, 12))
    return float(10.0 ** (exponent + 1))


def count_classes(values: pd.Series | np.ndarray | list[float], k: int = 5) -> Classes:
    """Quantile classes rounded to nice numbers, at most ``k`` of them.

    Missing values are ignored. Inner edges are the ``1/k .. (k-1)/k`` quantiles of the
    values, each rounded up to a nice number; duplicates are dropped, so a skewed
    distribution gets fewer classes rather than empty ones. The first edge is 0 and the
    last is the maximum rounded up. Colours are taken from YlGnBu spread over the range
    so that few classes still run from light to dark.

    Examples
    --------
    >>> count_classes([0, 1, 2, 3, 4, 5, 6, 7, 8, 40]).edges
    (0.0, 2.0, 5.0, 10.0, 50.0)
    """
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    top = nice_number(float(array.max())) if array.size else 0.0
    if top <= 0:
        return Classes((0.0, 1.0), (YLGNBU_5[0],))
    inner = [nice_number(float(q)) for q in np.quantile(array, [i / k for i in range(1, k)])]
    edges = sorted({0.0, *(e for e in inner if 0 < e < top), top})
    n = len(edges) - 1
    positions = np.linspace(0, len(YLGNBU_5) - 1, n).round().astype(int) if n > 1 else [2]
    return Classes(tuple(float(e) for e in edges), tuple(YLGNBU_5[i] for i in positions))


def classes_for(metric: str, values: pd.Series | np.ndarray | list[float]) -> Classes:
    """The classes the map uses for ``metric`` and these ``values``."""
    if metric in ("maturity", "maturity_dimension"):
        return maturity_classes()
    return count_classes(values)


def fill_colours(metric_frame: pd.DataFrame, classes: Classes) -> list[str]:
    """Fill colour per row of :func:`municipality_metric`: class, no-value or non-partner grey."""
    colours = classes.colour(metric_frame["value"])
    partner = metric_frame["is_partner"].to_numpy(dtype=bool)
    return [
        (colour or NO_VALUE_COLOUR) if is_partner else NON_PARTNER_COLOUR
        for colour, is_partner in zip(colours, partner, strict=True)
    ]


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class MeasureFilter:
    """The map's sidebar choices; an empty selection means "no restriction".

    ``maturity_levels`` are overall levels (1..5, the rounded mean of the latest
    assessment); choosing any leaves out municipalities that were never assessed.
    ``years`` is an inclusive start-year range; measures without a start year are left
    out once a range is chosen.
    """

    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    maturity_levels: tuple[int, ...] = ()
    years: tuple[int, int] | None = None
    partners_only: bool = False

    def as_params(self) -> dict[str, object]:
        """JSON-friendly form (cache keys, ``ui.compute`` parameters)."""
        return {
            "themes": list(self.themes),
            "statuses": list(self.statuses),
            "provinces": list(self.provinces),
            "maturity_levels": list(self.maturity_levels),
            "years": list(self.years) if self.years else None,
            "partners_only": self.partners_only,
        }

    @classmethod
    def from_params(cls, params: dict[str, object] | None) -> MeasureFilter:
        params = params or {}
        years = params.get("years")
        return cls(
            themes=tuple(params.get("themes") or ()),  # type: ignore[arg-type]
            statuses=tuple(params.get("statuses") or ()),  # type: ignore[arg-type]
            provinces=tuple(params.get("provinces") or ()),  # type: ignore[arg-type]
            maturity_levels=tuple(int(v) for v in params.get("maturity_levels") or ()),  # type: ignore[union-attr]
            years=(int(years[0]), int(years[1])) if years else None,  # type: ignore[index]
            partners_only=bool(params.get("partners_only")),
        )


@dataclass(frozen=True)
class FilterResult:
    """What the map shows after filtering, and the counts next to it."""

    measures: pd.DataFrame
    municipalities: pd.DataFrame
    total_measures: int
    total_municipalities: int

    @property
    def n_measures(self) -> int:
        return len(self.measures)

    @property
    def n_municipalities(self) -> int:
        return len(self.municipalities)

    @property
    def n_with_measures(self) -> int:
        """Municipalities with at least one shown measure."""
        return int(self.measures["municipality_code"].nunique())


def filter_measures(
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    maturity: pd.DataFrame,
    chosen: MeasureFilter,
) -> FilterResult:
    """Measures and municipalities that satisfy every choice in ``chosen``.

    Municipality choices (province, partner only, maturity level) select municipalities;
    measure choices (theme, status, start year) select measures, and only measures of
    selected municipalities are kept.

    Raises
    ------
    ValueError
        For a code outside the vocabularies (a page passes codes, never labels).
    """
    _check_codes(chosen.themes, vocab.THEMES, "theme")
    _check_codes(chosen.statuses, vocab.MEASURE_STATUSES, "status")
    _check_codes(chosen.provinces, vocab.PROVINCES, "province")
    _check_codes(chosen.maturity_levels, tuple(vocab.LEVELS), "maturity level")

    keep_town = pd.Series(True, index=municipalities.index)
    if chosen.provinces:
        keep_town &= municipalities["province"].isin(chosen.provinces)
    if chosen.partners_only:
        keep_town &= municipalities["is_partner"].fillna(False).astype(bool)
    if chosen.maturity_levels:
        town_level = municipalities["code"].map(latest_overall_levels(maturity))
        keep_town &= town_level.isin(chosen.maturity_levels).fillna(False).astype(bool)
    towns = municipalities[keep_town.to_numpy(dtype=bool)]

    keep = measures["municipality_code"].isin(towns["code"])
    if chosen.themes:
        keep &= measures["theme"].isin(chosen.themes)
    if chosen.statuses:
        keep &= measures["status"].isin(chosen.statuses)
    if chosen.years:
        low, high = sorted(chosen.years)
        keep &= measures["start_year"].between(low, high).fillna(False).astype(bool)
    return FilterResult(
        measures=measures[keep.to_numpy(dtype=bool)],
        municipalities=towns,
        total_measures=len(measures),
        total_municipalities=len(municipalities),
    )


def _check_codes(chosen: tuple[object, ...], allowed: tuple[object, ...], what: str) -> None:
    unknown = [c for c in chosen if c not in allowed]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(map(str, unknown))}")


def year_bounds(measures: pd.DataFrame) -> tuple[int, int] | None:
    """Smallest and largest start year in the data, for the slider; ``None`` without any."""
    years = measures["start_year"].dropna()
    if years.empty:
        return None
    return int(years.min()), int(years.max())


# ---------------------------------------------------------------- selection


def valid_code(value: object, known_codes: set[str] | pd.Index | pd.Series) -> str | None:
    """``value`` as a municipality code when it is ``GM`` + 4 digits and exists, else ``None``.

    Used for the ``?gemeente=`` query parameter and for clicks on the map: both come from
    outside, so they are checked before they select anything. Lower case and surrounding
    blanks are accepted (``gm0344 `` → ``GM0344``), anything else is not.

    Examples
    --------
    >>> valid_code(" gm0344", {"GM0344"}), valid_code("GM0344<script>", {"GM0344"})
    ('GM0344', None)
    """
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    if not GM_CODE.fullmatch(code):
        return None
    known = set(known_codes)
    return code if code in known else None


def clicked_code(
    returned: dict[str, object] | None, known_codes: set[str] | pd.Index | pd.Series
) -> str | None:
    """The municipality a person clicked, from the dict ``st_folium`` returns.

    Reads ``last_active_drawing`` (the clicked layer as GeoJSON: a municipality polygon
    carries ``properties.code``); a click on a measure marker or on empty map gives
    ``None``. The code is validated like a query parameter.
    """
    if not isinstance(returned, dict):
        return None
    feature = returned.get("last_active_drawing")
    if not isinstance(feature, dict):
        return None
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return None
    return valid_code(properties.get("code"), known_codes)


# ---------------------------------------------------------------- the whole view


@dataclass(frozen=True)
class MapView:
    """Everything the map page draws for one set of choices (see :func:`map_view`)."""

    filtered: FilterResult
    metric: pd.DataFrame
    classes: Classes
    fills: list[str]
    decimals: int  # of the values in tooltips
    legend_decimals: int  # of the class edges in the legend
    legend_title: str


def map_view(
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    maturity: pd.DataFrame,
    chosen: MeasureFilter,
    metric: str,
    *,
    dimension: str | None = None,
    theme: str | None = None,
    lang: str | None = None,
) -> MapView:
    """Filter, compute the metric on what is shown, classify and colour, in one call.

    Count metrics count the *shown* measures, so the colours and the count under the
    filters always agree. Municipalities left out by a municipality filter (province,
    partner only, maturity level) lose their value and are drawn as "no value".
    """
    filtered = filter_measures(measures, municipalities, maturity, chosen)
    frame = municipality_metric(
        municipalities, filtered.measures, maturity, metric, dimension=dimension, theme=theme
    )
    kept = frame["code"].isin(filtered.municipalities["code"]).to_numpy(dtype=bool)
    frame["value"] = np.where(kept, frame["value"].to_numpy(dtype=float), np.nan)
    classes = classes_for(metric, frame["value"])
    decimals = 0 if metric == "measures" else 1
    legend_decimals = 0 if all(float(e).is_integer() for e in classes.edges) else 1
    title = i18n.t(f"map.metric_{metric}", lang)
    if metric == "maturity_dimension" and dimension:
        title = f"{title}: {i18n.label('dimension', dimension, lang)}"
    if metric in ("measures", "measures_per_10k") and theme:
        title = f"{title}: {i18n.label('theme', theme, lang)}"
    return MapView(
        filtered, frame, classes, fill_colours(frame, classes), decimals, legend_decimals, title
    )


def shown_param(value: object, limit: int = 40) -> str:
    """A query-parameter value made harmless for a message: letters, digits, ``-``/``_``.

    Whatever follows ``?gemeente=`` is typed by someone; before it is repeated in an error
    message it loses everything that Markdown or HTML could interpret.

    Examples
    --------
    >>> shown_param("[x](http://e)<b>GM12")
    'xhttpebGM12'
    """
    text = re.sub(r"[^0-9A-Za-z_\- ]", "", str(value))
    return text[:limit] + ("…" if len(text) > limit else "")
