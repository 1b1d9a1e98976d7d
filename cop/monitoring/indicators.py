"""Monitoring trends: from the ``monitoring`` table to what the page, profile and map show.

The trend engine (:mod:`cop.monitoring.trim`) fits TRIM model 3 to one site × year table of counts.
This module decides *which* counts go into each fit and turns the fits into the
indicators people read: an index with its confidence band, a trend class with the yearly
change, the table of trend classes per species, coverage and counts per site.

Why it is shaped like this
--------------------------
* **Species first, then the group (as CBS and the NEM do).** A species group's trend is
  the *multi-species indicator* (MSI): the geometric mean of the species indices, not an
  index of summed counts (a total would be dominated by the commonest species). Every
  species is fitted on its own, with all the sites of the selection.
* **The group trend is the mean of the species' slopes.** TRIM's overall slope is the OLS
  slope of ln(index) on year, which is linear in ln(index); so the slope of ln(MSI) is
  the mean of the species' slopes when they cover the same years, and its standard error
  under independence of species is ``sqrt(Σ se²) / n`` — the same delta-method
  assumption the MSI band uses (:func:`cop.monitoring.trim.multi_species_indicator`). The class
  then follows TRIM's rules (:func:`cop.monitoring.trim.classify_slope`). Slopes do not depend on
  the base year, so the map, the profile and the page always agree on a group's class.
* **One base year per indicator.** Species indices must share a base year to be averaged.
  Unless the user picks one, it is the earliest year in which the most species have a
  positive count; a species without a positive count in that year stays in the trend and
  the species table but is left out of the chart's indicator (and listed as such).
* **Sites are a scheme's sites.** The fit's site key is (scheme, ``site_id``), so the same
  location counted under two schemes (garden birds and MUS) counts as two sites: their
  methods differ and TRIM's site effect absorbs that. With "all partners" the sites of all
  municipalities are pooled (``site_id`` is globally unique).
* **"Not counted" is not zero.** An empty count is a missing visit and stays NaN
  everywhere (fits, coverage, heatmap); ``0`` means counted, nothing seen.
* **Pure.** Functions take the whole ``monitoring`` table plus small JSON-able parameters
  and return DataFrames or a dataclass, so the page caches them per data version with
  ``ui.compute(func, "monitoring", **params)``.

Examples
--------
>>> import pandas as pd
>>> rows = pd.DataFrame({
...     "municipality_code": "GM0001", "site_id": ["a"] * 3 + ["b"] * 3,
...     "scheme": "butterfly_transect", "species_group": "butterflies",
...     "species": "atalanta", "year": [2020, 2021, 2022] * 2,
...     "count": [10, 20, 40, 5, 10, 20]})
>>> result = selection_trends(rows, municipality="GM0001", species_group="butterflies")
>>> [round(v, 6) for v in result.series["index"]]
[1.0, 2.0, 4.0]
>>> result.trend["trend_class"]
'strong_increase'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.monitoring.trim import classify_slope, fit_trim_batch, multi_species_indicator

__all__ = [
    "ALL",
    "REASON_CODES",
    "SPECIES_KEYS",
    "TREND_BADGE",
    "TREND_CLASS_COLOURS",
    "TREND_CLASS_ORDER",
    "SelectionResult",
    "coverage_by_year",
    "default_base_year",
    "filter_selection",
    "group_trends",
    "municipality_trends",
    "reason_text",
    "selection_options",
    "selection_trends",
    "site_year_counts",
    "site_year_matrix",
    "slope_text",
    "species_table",
    "trend_badge",
    "trend_class_label",
    "trend_classes_by_municipality",
    "trend_text",
    "trends_table",
    "year_gap_lines",
]

#: Selection value for "all partner municipalities", "all schemes", "the whole group".
ALL = "all"
SPECIES_KEYS = ["species_group", "species"]

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

#: Reason codes this module adds to the engine's (:data:`cop.monitoring.trim.REASONS`).
REASON_CODES: dict[str, str] = {
    "no_data": "the selection has no monitoring rows",
    "no_species_estimable": "no species in the selection has an estimable trend",
    "year_no_species_index": "year: no species has an index in this year",
}

Z95 = 1.959963984540054
MAX_HEATMAP_SITES = 60


# ---------------------------------------------------------------- selecting rows

#: Columns the trend functions read (lat/lon are only for maps of sites).
_USED = ["municipality_code", "site_id", "scheme", "species_group", "species", "year", "count"]


def _mask(monitoring: pd.DataFrame, **chosen: str | None) -> np.ndarray:
    mask = np.ones(len(monitoring), dtype=bool)
    for column, value in chosen.items():
        if value not in (None, ALL):
            mask &= (monitoring[column] == value).to_numpy(dtype=bool, na_value=False)
    return mask


def filter_selection(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
    species: str = ALL,
) -> pd.DataFrame:
    """Rows of one selection; ``ALL`` (or None) leaves a dimension unfiltered.

    "All partners" is every municipality in the table: only partners monitor in the CoP.
    """
    mask = _mask(
        monitoring,
        municipality_code=municipality,
        scheme=scheme,
        species_group=species_group,
        species=species,
    )
    return monitoring if mask.all() else _take(monitoring, mask)


def _take(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``frame[mask]``, fast when the rows lie close together.

    The table is read sorted by its key (site_id starts with the municipality code), so
    one municipality's rows form a narrow block: slicing that block first (no copy) makes
    the gather of Arrow strings ~40× cheaper than gathering from the whole table.
    """
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return frame.iloc[0:0]
    low, high = int(rows[0]), int(rows[-1]) + 1
    return frame.iloc[low:high].iloc[rows - low]


def selection_options(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
) -> dict[str, list[Any]]:
    """What each selector may offer, given the choices above it (data-driven, sorted).

    Returns ``municipalities`` (codes with counts), ``schemes``, ``species_groups`` (in
    vocabulary order), ``species`` and ``years`` for the selection so far.
    """
    columns = ["municipality_code", "scheme", "species_group", "species", "year"]
    in_town = filter_selection(monitoring[columns], municipality)
    in_scheme = filter_selection(in_town, scheme=scheme)
    in_group = filter_selection(in_scheme, species_group=species_group)

    def ordered(values: pd.Series, order: Sequence[str]) -> list[str]:
        present = {str(v) for v in values.dropna().unique()}
        return [v for v in order if v in present] + sorted(present - set(order))

    return {
        "municipalities": sorted(str(c) for c in monitoring["municipality_code"].dropna().unique()),
        "schemes": ordered(in_town["scheme"], vocab.SCHEMES),
        "species_groups": ordered(in_scheme["species_group"], vocab.SPECIES_GROUPS),
        "species": sorted(str(s) for s in in_group["species"].dropna().unique()),
        "years": sorted(int(y) for y in in_group["year"].dropna().unique()),
    }


@dataclass
class _Encoded:
    """Monitoring rows as numbers: what the engine and the coverage need, fast.

    ``frame`` has the key columns as int codes (``labels[column]`` maps a code back to
    its text), ``site`` (one code per scheme + site_id), ``year`` and ``count`` (float,
    NaN = not counted). ``site_id``/``site_scheme`` give each site code's id and scheme.
    """

    frame: pd.DataFrame
    labels: dict[str, pd.Index]
    site_id: np.ndarray
    site_scheme: np.ndarray

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for column, uniques in self.labels.items():
            if column in out.columns:
                codes = out[column].to_numpy(dtype=np.int64)
                out[column] = pd.array(np.asarray(uniques, dtype=object)[codes], dtype="string")
        return out

    def site_labels(self, sites: Sequence[int]) -> list[str]:
        """``site_id``, plus the scheme where one id is used by two schemes."""
        ids = self.site_id[np.asarray(sites, dtype=np.int64)]
        shared = pd.Series(ids).duplicated(keep=False).to_numpy()
        schemes = self.site_scheme[np.asarray(sites, dtype=np.int64)]
        return [f"{i} ({s})" if d else str(i) for i, s, d in zip(ids, schemes, shared, strict=True)]


def _encode(rows: pd.DataFrame, keys: Sequence[str]) -> _Encoded:
    """Factorise the text columns once; everything after works on integers.

    Building frames of Python strings costs more than the TRIM fits of a small selection
    (pandas turns them back into Arrow strings), so strings stay codes until the end.
    """
    data: dict[str, np.ndarray] = {}
    labels: dict[str, pd.Index] = {}
    for column in keys:
        codes, uniques = pd.factorize(rows[column], sort=True)
        data[column] = codes.astype(np.int64)
        labels[column] = pd.Index(uniques)
    site_codes, site_uniques = pd.factorize(rows["site_id"], sort=True)
    scheme_codes, scheme_uniques = pd.factorize(rows["scheme"], sort=True)
    n_schemes = max(len(scheme_uniques), 1)
    pair = site_codes.astype(np.int64) * n_schemes + scheme_codes
    site, pair_uniques = pd.factorize(pair, sort=True)
    data["site"] = site.astype(np.int64)
    data["year"] = rows["year"].to_numpy(dtype=np.int64)
    data["count"] = rows["count"].to_numpy(dtype=float, na_value=np.nan)
    frame = pd.DataFrame(data)
    valid = (
        (frame[list(keys)] >= 0).all(axis=1).to_numpy() & (site_codes >= 0) & (scheme_codes >= 0)
    )
    pair_uniques = np.asarray(pair_uniques, dtype=np.int64)
    return _Encoded(
        frame=frame.loc[valid].reset_index(drop=True) if not valid.all() else frame,
        labels=labels,
        site_id=np.asarray(site_uniques, dtype=object)[pair_uniques // n_schemes],
        site_scheme=np.asarray(scheme_uniques, dtype=object)[pair_uniques % n_schemes],
    )


def site_year_counts(rows: pd.DataFrame, per: str = "species") -> pd.DataFrame:
    """The engine's input: one row per site-year (and species), NaN = not counted.

    Parameters
    ----------
    rows
        Monitoring rows (a selection or the whole table).
    per
        ``"species"``: one row per site, year and species (what the species fits and the
        multi-species indicator use). ``"total"``: the counts of all species summed per
        site-year (a group total; a site-year is NaN only when no species was counted).

    Returns
    -------
    DataFrame
        ``municipality_code``, ``species_group``, ``species`` (``per="species"`` only),
        ``site`` (int key of scheme + site_id), ``site_id``, ``scheme``, ``year`` (int)
        and ``count`` (float).
    """
    if per not in ("species", "total"):
        raise ValueError(f"per must be 'species' or 'total', not {per!r}")
    keys = ["municipality_code", "species_group", "species"]
    enc = _encode(rows, keys)
    frame = enc.frame
    if per == "total":
        keys = keys[:2]
        frame = frame.groupby([*keys, "site", "year"], sort=True, as_index=False)["count"].sum(
            min_count=1
        )
    out = enc.decode(frame[[*keys, "site", "year", "count"]])
    sites = out["site"].to_numpy(dtype=np.int64)
    out.insert(len(keys) + 1, "site_id", pd.array(enc.site_id[sites], dtype="string"))
    out.insert(len(keys) + 2, "scheme", pd.array(enc.site_scheme[sites], dtype="string"))
    return out


# ---------------------------------------------------------------- trends


def group_trends(summary: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Trend of the multi-species indicator per group of species fits.

    ``summary`` is a :func:`cop.monitoring.trim.fit_trim_batch` summary with one row per species
    (plus the ``by`` columns). The log-scale slope is the mean of the estimable species'
    slopes, its SE ``sqrt(Σ se²) / n`` (species independent); see the module docstring.

    Returns
    -------
    DataFrame
        ``by`` + ``trend_class``, ``multiplicative``, ``multiplicative_se``, ``additive``,
        ``additive_se``, ``n_species``, ``n_species_estimated``, ``first_year``,
        ``last_year``, ``reason`` (``"no_species_estimable"`` where no species has a
        trend; then the numbers are NaN and the class is missing).

    Examples
    --------
    >>> s = pd.DataFrame({"g": ["a", "a"], "ok": [True, True], "additive": [0.1, 0.3],
    ...                   "additive_se": [0.03, 0.04], "first_year": [2020, 2020],
    ...                   "last_year": [2024, 2024]})
    >>> row = group_trends(s, ["g"]).iloc[0]
    >>> float(round(row["additive"], 3)), float(round(row["additive_se"], 3)), row["trend_class"]
    (0.2, 0.025, 'strong_increase')
    """
    by = list(by)
    ok = summary["ok"].to_numpy(dtype=bool, na_value=False)
    data = pd.DataFrame(
        {
            **{c: summary[c].to_numpy() for c in by},
            "_all": 0,
            "_ok": ok,
            "_add": np.where(ok, summary["additive"].to_numpy(dtype=float), np.nan),
            "_var": np.where(ok, summary["additive_se"].to_numpy(dtype=float) ** 2, np.nan),
            "_first": summary["first_year"].to_numpy(dtype=float, na_value=np.nan),
            "_last": summary["last_year"].to_numpy(dtype=float, na_value=np.nan),
        }
    )
    by_cols = by or ["_all"]
    out = (
        data.groupby(by_cols, sort=True, dropna=False)
        .agg(
            n_species=("_ok", "size"),
            n_species_estimated=("_ok", "sum"),
            additive=("_add", "mean"),
            _var=("_var", "sum"),
            first_year=("_first", "min"),
            last_year=("_last", "max"),
        )
        .reset_index()
    )
    n_ok = out["n_species_estimated"].to_numpy(dtype=float)
    estimable = n_ok > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(estimable, np.sqrt(out["_var"].to_numpy(dtype=float)) / n_ok, np.nan)
    mult = np.exp(out["additive"].to_numpy(dtype=float))
    out["additive_se"] = se
    out["multiplicative"] = mult
    out["multiplicative_se"] = mult * se
    out["trend_class"] = pd.array(
        [
            classify_slope(m, s) if e else None
            for m, s, e in zip(mult, mult * se, estimable, strict=True)
        ],
        dtype="string",
    )
    out["reason"] = pd.array(np.where(estimable, None, "no_species_estimable"), dtype="string")
    out["n_species"] = out["n_species"].astype("int64")
    out["n_species_estimated"] = out["n_species_estimated"].astype("int64")
    for column in ("first_year", "last_year"):
        values = out[column].to_numpy(dtype=float)
        out[column] = pd.array([int(v) if np.isfinite(v) else None for v in values], dtype="Int64")
    columns = [
        *by,
        "trend_class",
        "multiplicative",
        "multiplicative_se",
        "additive",
        "additive_se",
        "n_species",
        "n_species_estimated",
        "first_year",
        "last_year",
        "reason",
    ]
    return out[columns]


def trend_classes_by_municipality(
    monitoring: pd.DataFrame, n_jobs: int = 1, municipality_codes: list[str] | None = None
) -> pd.DataFrame:
    """The trend class of every municipality × species group (for the map and profile).

    One TRIM fit per municipality × species (all schemes of a group pooled, sites kept
    apart per scheme), then :func:`group_trends` per municipality × group. Slopes do not
    depend on a base year, so each species is fitted with the engine's default.

    Parameters
    ----------
    monitoring
        The whole ``monitoring`` table.
    n_jobs
        Worker processes for the engine (it only uses them for large inputs).
    municipality_codes
        Only these municipalities (a profile needs one: ~0.1 s instead of ~12 s for all
        342 at national scale).

    Returns
    -------
    DataFrame
        ``municipality_code``, ``species_group``, ``trend_class``, ``multiplicative``,
        ``multiplicative_se``, ``additive``, ``additive_se``, ``n_species``,
        ``n_species_estimated``, ``n_sites``, ``first_year``, ``last_year``, ``reason``;
        sorted by municipality and group code.
    """
    by = ["municipality_code", "species_group"]
    if municipality_codes is not None:
        monitoring = monitoring[monitoring["municipality_code"].isin(municipality_codes)]
    if monitoring.empty:
        return _empty_trends()
    enc = _encode(monitoring, [*by, "species"])
    batch = fit_trim_batch(
        enc.frame, [*by, "species"], site="site", duplicates="sum", n_jobs=n_jobs
    )
    trends = group_trends(batch.summary, by)
    sites = enc.frame.groupby(by, sort=True)["site"].nunique().rename("n_sites").reset_index()
    trends = trends.merge(sites, on=by, how="left")
    trends["n_sites"] = trends["n_sites"].fillna(0).astype("int64")
    trends = enc.decode(trends)
    return trends[list(_TREND_DTYPES)].reset_index(drop=True)


def _typed_empty(dtypes: dict[str, str]) -> pd.DataFrame:
    """An empty frame with these columns and dtypes (so empty results still concat/merge)."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in dtypes.items()})


_TREND_DTYPES = {
    "municipality_code": "string",
    "species_group": "string",
    "trend_class": "string",
    "multiplicative": "float64",
    "multiplicative_se": "float64",
    "additive": "float64",
    "additive_se": "float64",
    "n_species": "int64",
    "n_species_estimated": "int64",
    "n_sites": "int64",
    "first_year": "Int64",
    "last_year": "Int64",
    "reason": "string",
}


def _empty_trends() -> pd.DataFrame:
    return _typed_empty(_TREND_DTYPES)


def municipality_trends(trends: pd.DataFrame, code: str) -> pd.DataFrame:
    """One municipality's rows of :func:`trend_classes_by_municipality`, groups in order."""
    rows = trends[(trends["municipality_code"] == code).to_numpy(dtype=bool, na_value=False)]
    rank = {g: i for i, g in enumerate(vocab.SPECIES_GROUPS)}
    order = [rank.get(g, len(rank)) for g in rows["species_group"]]
    return rows.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


def default_base_year(counts: pd.DataFrame, species: Sequence[Any] | None = None) -> int | None:
    """The earliest year in which the most species have a positive count.

    Averaging indices needs one base year for all species; this choice keeps as many
    species as possible in the indicator. ``species`` restricts the count (e.g. to
    species with an estimable trend). None when no count is positive.

    Examples
    --------
    >>> c = pd.DataFrame({"species": ["a", "a", "b", "b"], "year": [2020, 2021, 2020, 2021],
    ...                   "count": [0, 3, 2, 5]})
    >>> default_base_year(c)
    2021
    """
    positive = counts[(counts["count"] > 0).to_numpy(dtype=bool, na_value=False)]
    if species is not None:
        positive = positive[positive["species"].isin(list(species))]
    if positive.empty:
        return None
    per_year = positive.groupby("year")["species"].nunique()
    return int(per_year[per_year == per_year.max()].index.min())


def _band(indices: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """Index, 95% band and number of species per year (geometric mean over species).

    With one species this is the species' own imputed index, its band
    ``exp(ln I ± 1.96 · se / I)`` (log-normal, never below zero).
    """
    msi = multi_species_indicator(indices, species="species", year="year")
    out = pd.DataFrame({"year": np.asarray(list(years), dtype=np.int64)})
    out = out.merge(msi.drop(columns="se_log"), on="year", how="left")
    out["n_species"] = out["n_species"].fillna(0).astype("int64")
    return out


@dataclass
class SelectionResult:
    """Everything the monitoring page shows for one selection.

    ``reason`` is None when the index could be estimated; otherwise it is a code of
    :data:`cop.monitoring.trim.REASONS` or :data:`REASON_CODES` and ``series`` has no values.
    ``trend`` holds ``trend_class``, ``multiplicative``, ``multiplicative_se``,
    ``additive``, ``additive_se``, ``reason``, ``n_species``, ``n_species_estimated``.
    ``series`` has ``year``, ``index``, ``lower``, ``upper`` (index 1 = base year),
    ``n_species`` and ``reason`` (why a year has no index). ``species`` is the trend table
    of every species in the selection, ``excluded`` the species left out of the
    indicator, ``coverage`` sites counted per year, ``matrix`` counts per site × year.
    """

    reason: str | None
    kind: str  # "indicator" (a species group) or "species"
    base_year: int | None
    trend: dict[str, Any]
    series: pd.DataFrame
    species: pd.DataFrame
    excluded: pd.DataFrame
    coverage: pd.DataFrame
    matrix: pd.DataFrame
    n_sites: int = 0
    n_years: int = 0
    n_site_years_counted: int = 0
    matrix_sites_total: int = 0
    reason_params: dict[str, Any] = field(default_factory=dict)

    @property
    def share_counted(self) -> float:
        """Counted site-years as a share of sites × years."""
        total = self.n_sites * self.n_years
        return self.n_site_years_counted / total if total else float("nan")


def _trend_dict(row: pd.Series | None) -> dict[str, Any]:
    keys = ("multiplicative", "multiplicative_se", "additive", "additive_se")
    if row is None:
        return {"trend_class": None, "reason": "no_data", **{k: math.nan for k in keys}}
    out = {k: float(row[k]) if pd.notna(row[k]) else math.nan for k in keys}
    out["trend_class"] = None if pd.isna(row["trend_class"]) else str(row["trend_class"])
    out["reason"] = None if pd.isna(row["reason"]) else str(row["reason"])
    for k in ("n_species", "n_species_estimated"):
        if k in row.index:
            out[k] = int(row[k])
    return out


_SPECIES_COLUMNS = [
    "species_group",
    "species",
    "ok",
    "reason",
    "trend_class",
    "multiplicative",
    "multiplicative_se",
    "additive",
    "additive_se",
    "first_year",
    "last_year",
    "base_year",
    "n_sites",
    "n_observed",
    "serial_correlation_dropped",
]
_BASE_REASONS = ("base_year_not_in_data", "base_year_not_estimable")


def _series_reasons(
    series: pd.DataFrame, counts: pd.DataFrame, year_reasons: dict[int, str] | None
) -> pd.DataFrame:
    """Why a year has no index: the engine's reason (species) or no species index."""
    counted = counts.groupby("year")["count"].count()
    reasons = []
    for year, value in zip(series["year"], series["index"], strict=True):
        if pd.notna(value):
            reasons.append(None)
        elif year_reasons and year_reasons.get(int(year)):
            reasons.append(year_reasons[int(year)])
        elif counted.get(year, 0) == 0:
            reasons.append("year_without_counts")
        else:
            reasons.append("year_no_species_index")
    series["reason"] = pd.array(reasons, dtype="string")
    return series


def _year_reasons(indices: pd.DataFrame) -> dict[int, str]:
    return {
        int(y): str(r)
        for y, r in zip(indices["year"], indices["reason"], strict=True)
        if pd.notna(r)
    }


def selection_trends(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
    species: str = ALL,
    base_year: int | None = None,
) -> SelectionResult:
    """Index, trend, species table, coverage and counts per site of one selection.

    Parameters
    ----------
    monitoring
        The whole ``monitoring`` table.
    municipality, scheme, species_group
        A code, or ``ALL`` (all partners / all schemes / all groups).
    species
        One species (its own TRIM index), or ``ALL`` for the multi-species indicator of
        the selection.
    base_year
        Year whose index is 1. Default: for a species the engine's (its first year with a
        positive count); for an indicator :func:`default_base_year`.

    Returns
    -------
    SelectionResult
        Unestimable selections carry a ``reason`` instead of numbers.

    Notes
    -----
    All species of the selection are fitted once with the indicator's base year; a
    species that fails only because of that base year is fitted again without it, so
    its slope still counts in the trend and the table (slopes do not depend on the base
    year) while it is left out of the indicator's chart (``excluded``).
    """
    mask = _mask(
        monitoring, municipality_code=municipality, scheme=scheme, species_group=species_group
    )
    kind = "indicator" if species in (None, ALL) else "species"
    rows = _take(monitoring[_USED], mask)
    if rows.empty:
        return _empty_result(kind)
    enc = _encode(rows, SPECIES_KEYS)
    names = enc.labels["species"]
    if kind == "species" and species not in names:
        return _empty_result(kind)
    counts = enc.frame
    years = sorted(int(y) for y in np.unique(counts["year"].to_numpy()))
    fit_base = base_year
    if kind == "indicator" and fit_base is None:
        fit_base = default_base_year(counts)
    fit = fit_trim_batch(counts, SPECIES_KEYS, site="site", base_year=fit_base, duplicates="sum")
    summary = fit.summary
    base_failed = summary["reason"].isin(_BASE_REASONS).to_numpy(dtype=bool, na_value=False)
    refit = None
    if base_failed.any():
        again = summary.loc[base_failed, "species"].to_numpy()
        refit = fit_trim_batch(
            counts[counts["species"].isin(again)], SPECIES_KEYS, site="site", duplicates="sum"
        )
        table = pd.concat([summary.loc[~base_failed], refit.summary], ignore_index=True)
        table = table.sort_values(SPECIES_KEYS, kind="stable").reset_index(drop=True)
    else:
        table = summary
    species_table_codes = table[_SPECIES_COLUMNS]
    params: dict[str, Any] = {}
    excluded = pd.DataFrame({"species": pd.Series(dtype="string"), "reason": []})
    if kind == "species":
        code = int(names.get_loc(species))
        row = species_table_codes[species_table_codes["species"] == code].iloc[0]
        trend = _trend_dict(row)
        trend.update(n_species=1, n_species_estimated=int(bool(row["ok"])))
        sp_counts = counts[counts["species"] == code]
        main = summary[summary["species"] == code].iloc[0]
        indices = fit.indices[fit.indices["species"] == code]
        reason = None if bool(main["ok"]) else str(main["reason"])
        # without a chosen base year the fit used the engine's default per species
        used_base = None if pd.isna(main["base_year"]) else int(main["base_year"])
        if base_year is not None:
            used_base = base_year
        series = _band(indices, years) if reason is None else _band(_empty_indices(), years)
        series = _series_reasons(series, sp_counts, _year_reasons(indices))
        shown = sp_counts
    else:
        trend = _trend_dict(group_trends(species_table_codes, []).iloc[0])
        reason = trend["reason"]
        used_base = fit_base
        good = summary.loc[summary["ok"].to_numpy(dtype=bool), "species"]
        series = _band(_empty_indices(), years)
        if reason is None:
            if good.empty:
                reason = "base_year_not_estimable"
            else:
                series = _band(fit.indices[fit.indices["species"].isin(good)], years)
            if refit is not None:
                left_out = refit.summary[refit.summary["ok"].to_numpy(dtype=bool)]
                excluded = enc.decode(
                    left_out[["species"]].assign(
                        reason=pd.array(["base_year_not_estimable"] * len(left_out), dtype="string")
                    )
                )
        series = _series_reasons(series, counts, None)
        shown = counts
    if reason and reason.startswith("base_year"):
        params["base_year"] = used_base
    coverage, n_sites, n_counted = _coverage(shown, years)
    matrix, sites_total = _matrix(enc, shown, years)
    return SelectionResult(
        reason=reason,
        kind=kind,
        base_year=used_base if reason is None else None,
        trend=trend,
        series=series,
        species=enc.decode(species_table_codes),
        excluded=excluded,
        coverage=coverage,
        matrix=matrix,
        n_sites=n_sites,
        n_years=len(years),
        n_site_years_counted=n_counted,
        matrix_sites_total=sites_total,
        reason_params=params,
    )


def _empty_indices() -> pd.DataFrame:
    return _typed_empty(
        {"species": "int64", "year": "int64", "imputed": "float64", "imputed_se": "float64"}
    )


def _empty_result(kind: str) -> SelectionResult:
    empty_series = _band(_empty_indices(), [])
    empty_series["reason"] = pd.Series(dtype="string")
    return SelectionResult(
        reason="no_data",
        kind=kind,
        base_year=None,
        trend=_trend_dict(None),
        series=empty_series,
        species=pd.DataFrame({c: [] for c in _SPECIES_COLUMNS}),
        excluded=pd.DataFrame({"species": pd.Series(dtype="string"), "reason": []}),
        coverage=pd.DataFrame({"year": [], "sites_counted": [], "sites_total": []}),
        matrix=pd.DataFrame(),
    )


# ---------------------------------------------------------------- coverage and heatmap


def _coverage(counts: pd.DataFrame, years: Sequence[int]) -> tuple[pd.DataFrame, int, int]:
    """Sites counted per year, sites with any count, counted site-years (encoded rows)."""
    counted = counts[counts["count"].notna().to_numpy()]
    site_years = counted[["site", "year"]].drop_duplicates()
    n_sites = int(site_years["site"].nunique())
    per_year = site_years.groupby("year").size()
    frame = pd.DataFrame(
        {
            "year": np.asarray(list(years), dtype=np.int64),
            "sites_counted": [int(per_year.get(y, 0)) for y in years],
            "sites_total": n_sites,
        }
    )
    return frame, n_sites, len(site_years)


def _matrix(
    enc: _Encoded, counts: pd.DataFrame, years: Sequence[int], max_sites: int = MAX_HEATMAP_SITES
) -> tuple[pd.DataFrame, int]:
    totals = counts.groupby(["site", "year"], sort=True)["count"].sum(min_count=1)
    matrix = totals.unstack("year").reindex(columns=list(years))
    n_total = len(matrix)
    if n_total > max_sites:
        counted = matrix.notna().sum(axis=1)
        keep = counted.sort_values(ascending=False, kind="stable").index[:max_sites]
        matrix = matrix.loc[sorted(keep)]
    matrix.index = enc.site_labels(matrix.index.to_numpy())
    matrix.columns = [int(c) for c in matrix.columns]
    return matrix.astype(float), n_total


def coverage_by_year(rows: pd.DataFrame, years: Sequence[int] | None = None) -> pd.DataFrame:
    """Sites counted per year out of all sites of the selection (the gaps are the rest).

    Returns
    -------
    DataFrame
        ``year``, ``sites_counted`` (at least one count filled in), ``sites_total`` (sites
        of the selection counted in any year).
    """
    enc = _encode(rows, [])
    if years is None:
        years = sorted(int(y) for y in np.unique(enc.frame["year"].to_numpy()))
    return _coverage(enc.frame, years)[0]


def site_year_matrix(
    rows: pd.DataFrame, years: Sequence[int] | None = None, max_sites: int = MAX_HEATMAP_SITES
) -> tuple[pd.DataFrame, int]:
    """Counts per site (rows) and year (columns) for a heatmap; NaN = not counted.

    A site-year's value is the sum over the species of the selection (only the species
    counted that year; NaN when none was). Sites are labelled by ``site_id`` (plus the
    scheme when one id is used by two schemes). With more than ``max_sites`` sites, the
    sites counted in most years are kept (then by id).

    Returns
    -------
    tuple
        The matrix and the number of sites before the cut.
    """
    enc = _encode(rows, [])
    if years is None:
        years = sorted(int(y) for y in np.unique(enc.frame["year"].to_numpy()))
    return _matrix(enc, enc.frame, years, max_sites)


# ---------------------------------------------------------------- words and numbers


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
