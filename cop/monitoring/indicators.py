"""Monitoring trends: from the ``monitoring`` table to what the page, profile and map show.

The trend engine (:mod:`cop.monitoring.trim`) fits TRIM model 3 to one site × year table of
counts. This module decides *which* counts go into each fit (the rows of a selection come
from :mod:`cop.monitoring.selection`) and turns the fits into indicators: an index with its
confidence band, a trend class with the yearly change, the trend of every species, the
trend class of every municipality × species group. :mod:`cop.monitoring.presentation` puts
them into words and tables.

Why it is shaped like this
--------------------------
* **Species first, then the group (as CBS and the NEM do).** Every species is fitted on its
  own with TRIM, with all the sites of the selection. A species group's index and trend
  are the *multi-species indicator* (MSI) as CBS's MSI tool computes it
  (:func:`cop.monitoring.msi.msi_tool`): the geometric mean of the species indices with a
  Monte Carlo band, species that start later chained in, and the MSI's own linear trend
  with its class. An index of summed counts would be dominated by the commonest species.
* **Two trends side by side.** Every trend is given for the whole series (long term) and
  for its last ten years (``last − 9 … last``, :data:`RECENT_YEARS`): for a species TRIM's
  overall slope of that interval (``fit_trim_batch(recent_years=10)``), for a group the
  MSI's slope over the same years. A series shorter than ten years has the whole series
  as its recent interval, so both trends are the same; the years are always shown.
* **One trend per municipality × group, everywhere.** The map, the profile and the page's
  automatic selection compute a group's MSI the same way: species fitted with the
  engine's base year, the MSI without error in its first year (the MSI tool's
  ``SEbaseyear``), each indicator's simulations started from the same seed. A base year
  picked on the page only rescales the chart (the tool's ``plotbaseyear``).
* **Sites are a scheme's sites.** The fit's site key is (scheme, ``site_id``), so the same
  location counted under two schemes (garden birds and MUS) counts as two sites: their
  methods differ and TRIM's site effect absorbs that. With "all partners" the sites of all
  municipalities are pooled (``site_id`` is globally unique).
* **"Not counted" is not zero.** An empty count is a missing visit and stays NaN in the
  fits; ``0`` means counted, nothing seen.
* **Pure.** Functions take the whole ``monitoring`` table plus small JSON-able parameters
  and return DataFrames or a dataclass, so the page caches them per data version with
  ``ui.compute(func, "monitoring", **params)``.

:func:`group_trends` (the mean of the species' slopes, this module's group trend before
the MSI tool) is kept for callers that only have a fits summary; ``docs/monitoring.md``
says how the two differ.

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

from cop.core import vocab
from cop.monitoring.fits import (
    RECENT_COLUMNS,
    SPECIES_COLUMNS,
    TREND_COLUMNS,
    WEIGHT_COLUMN,
    ModelChoice,
    SpeciesFits,
    empty_indices,
    fit_species,
)
from cop.monitoring.msi import (
    DEFAULT_SEED,
    DEFAULT_SIMS,
    MsiResult,
    msi_tool,
    multi_species_indicator,
    rebase,
)
from cop.monitoring.selection import (
    ALL,
    SPECIES_KEYS,
    Encoded,
    count_matrix,
    coverage_counts,
    encode,
    equal_municipality_weights,
    selected_rows,
)
from cop.monitoring.trim import (
    classify_slope,
    fit_trim_batch,
)

__all__ = [
    "REASON_CODES",
    "SelectionResult",
    "group_trends",
    "municipality_trends",
    "selection_trends",
    "trend_classes_by_municipality",
]

#: Reason codes this module adds to the engine's (:data:`cop.monitoring.trim.REASONS`).
REASON_CODES: dict[str, str] = {
    "no_data": "the selection has no monitoring rows",
    "no_species_estimable": "no species in the selection has an estimable trend",
    "year_no_species_index": "year: no species has an index in this year",
    "msi_not_linked": "year: no species links it to the indicator's other years",
    "msi_single_year": "the indicator has a value in one year only",
    "changepoints_not_estimable": "species: too few years for the chosen changepoints",
    "msi_high_cv": "species: its indices are too uncertain for the indicator (mean CV ≥ 3)",
}


# ---------------------------------------------------------------- group trends


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
    out = _pooled_slopes(summary, by)
    _classify_group_slopes(out)
    for column in ("first_year", "last_year"):
        values = out[column].to_numpy(dtype=float)
        out[column] = pd.array([int(v) if np.isfinite(v) else None for v in values], dtype="Int64")
    return out[[*by, *_GROUP_TREND_COLUMNS]]


_GROUP_TREND_COLUMNS = (
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
)


def _pooled_slopes(summary: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: species counted and estimated, the mean slope, Σ se² and the years."""
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
    out = (
        data.groupby(by or ["_all"], sort=True, dropna=False)
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
    out["n_species"] = out["n_species"].astype("int64")
    out["n_species_estimated"] = out["n_species_estimated"].astype("int64")
    return out


def _classify_group_slopes(out: pd.DataFrame) -> None:
    """Add the SE ``sqrt(Σ se²) / n``, the multiplicative slope, TRIM's class and the reason."""
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


# ---------------------------------------------------------------- per municipality


def trend_classes_by_municipality(
    monitoring: pd.DataFrame,
    n_jobs: int = 1,
    municipality_codes: list[str] | None = None,
    n_sims: int = DEFAULT_SIMS,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The MSI trends of every municipality × species group (for the map and profile).

    One TRIM fit per municipality × species (all schemes of a group pooled, sites kept
    apart per scheme, the engine's base year), then the MSI tool per municipality × group
    (:func:`cop.monitoring.msi.msi_tool`), long-term and over the last ten years.

    Parameters
    ----------
    monitoring
        The whole ``monitoring`` table.
    n_jobs
        Worker processes for the engine (it only uses them for large inputs).
    municipality_codes
        Only these municipalities (a profile needs one: ~0.1 s instead of ~15 s for all
        342 at national scale).
    n_sims, seed
        The MSI tool's simulations (the page uses the same, so its classes agree).

    Returns
    -------
    DataFrame
        ``municipality_code``, ``species_group``, :data:`TREND_COLUMNS`,
        :data:`RECENT_COLUMNS`, ``n_species``, ``n_species_estimated`` (species in the
        MSI), ``n_sites``, ``first_year``, ``last_year``, ``reason``; sorted by
        municipality and group code.
    """
    by = ["municipality_code", "species_group"]
    if municipality_codes is not None:
        monitoring = monitoring[monitoring["municipality_code"].isin(municipality_codes)]
    if monitoring.empty:
        return _typed_empty(_TREND_DTYPES)
    enc = encode(monitoring, [*by, "species"])
    batch = fit_trim_batch(
        enc.frame, [*by, "species"], site="site", duplicates="sum", n_jobs=n_jobs
    )
    indicator = msi_tool(batch.indices, by=by, n_sims=n_sims, seed=seed, n_jobs=n_jobs)
    counts = batch.summary.groupby(by, sort=True).size().rename("n_species").reset_index()
    sites = enc.frame.groupby(by, sort=True)["site"].nunique().rename("n_sites").reset_index()
    msi_trends = indicator.trends.rename(columns={"n_species": "n_species_estimated"})
    trends = counts.merge(sites, on=by, how="left").merge(msi_trends, on=by, how="left")
    _fill_unestimable(trends)
    trends = enc.decode(trends)
    return trends[list(_TREND_DTYPES)].astype(_TREND_DTYPES).reset_index(drop=True)


def _fill_unestimable(trends: pd.DataFrame) -> None:
    """Groups without any species index: no MSI row, so the counts and the reason only."""
    none = trends["n_species_estimated"].isna().to_numpy()
    trends["n_species_estimated"] = trends["n_species_estimated"].fillna(0)
    trends["reason"] = trends["reason"].astype("string").mask(none, "no_species_estimable")


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
    "recent_from": "Int64",
    "recent_upto": "Int64",
    "recent_trend_class": "string",
    "recent_multiplicative": "float64",
    "recent_multiplicative_se": "float64",
    "recent_additive": "float64",
    "recent_additive_se": "float64",
    "n_species": "int64",
    "n_species_estimated": "int64",
    "n_sites": "int64",
    "first_year": "Int64",
    "last_year": "Int64",
    "reason": "string",
}


def municipality_trends(trends: pd.DataFrame, code: str) -> pd.DataFrame:
    """One municipality's rows of :func:`trend_classes_by_municipality`, groups in order."""
    rows = trends[(trends["municipality_code"] == code).to_numpy(dtype=bool, na_value=False)]
    rank = {g: i for i, g in enumerate(vocab.SPECIES_GROUPS)}
    order = [rank.get(g, len(rank)) for g in rows["species_group"]]
    return rows.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


# ---------------------------------------------------------------- per selection


@dataclass
class SelectionResult:
    """Everything the monitoring page shows for one selection.

    ``reason`` is None when the index could be estimated; otherwise it is a code of
    :data:`cop.monitoring.trim.REASONS` or :data:`REASON_CODES` and ``series`` has no values.
    ``trend`` holds :data:`TREND_COLUMNS`, :data:`RECENT_COLUMNS`, ``reason``,
    ``n_species``, ``n_species_estimated``. ``series`` has ``year``, ``index``, ``lower``,
    ``upper`` (index 1 = base year), ``n_species`` and ``reason`` (why a year has no
    index). ``intervals`` has one row per trend interval of what the chart shows
    (``period``: ``long_term``, ``recent`` or ``interval`` between changepoints; ``from``,
    ``upto`` and :data:`TREND_COLUMNS`); ``species_intervals`` the same for every species
    (with ``species_group`` and ``species``).
    ``species`` is the trend table of every species in the selection, ``excluded`` the
    species left out of the indicator with the reason, ``coverage`` sites counted per
    year, ``matrix`` counts per site × year.
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
    intervals: pd.DataFrame = field(default_factory=lambda: _no_intervals())
    species_intervals: pd.DataFrame = field(default_factory=lambda: _no_intervals())
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


def selection_trends(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
    species: str = ALL,
    base_year: int | None = None,
    overdispersion: bool = True,
    serial_correlation: bool = True,
    model: int = 3,
    changepoints: Sequence[int] | str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    n_sims: int = DEFAULT_SIMS,
    seed: int = DEFAULT_SEED,
) -> SelectionResult:
    """Index, trends, species table, coverage and counts per site of one selection.

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
        positive count); for an indicator its first year. For an indicator it only
        rescales the chart: the MSI's uncertainty is relative to its first year.
    overdispersion, serial_correlation
        TRIM's options for every species fit.
    model, changepoints, covariates, weights
        The TRIM model of every species fit (the page's advanced panel; default model 3
        as CBS publishes). ``changepoints`` (model 2 only, ignored otherwise) are years,
        ``"all"`` or ``"auto"`` (TRIM's stepwise selection per species); given years are
        each species' changepoints within its own years, its first year always one
        (TRIM's slope from the start), and they split the MSI's trend into intervals.
        ``covariates`` are columns of :func:`cop.monitoring.selection.model_options`;
        ``weights`` is :data:`cop.monitoring.selection.EQUAL_PER_MUNICIPALITY` or None.
    n_sims, seed
        The MSI tool's simulations (indicator only).

    Returns
    -------
    SelectionResult
        Unestimable selections carry a ``reason`` instead of numbers.
    """
    kind = "indicator" if species in (None, ALL) else "species"
    choice = ModelChoice.of(
        model, changepoints, covariates, weights, overdispersion, serial_correlation
    )
    rows = selected_rows(monitoring, municipality, scheme, species_group, choice.covariates)
    if rows.empty:
        return _empty_result(kind)
    if choice.weights:
        rows = rows.assign(**{WEIGHT_COLUMN: equal_municipality_weights(rows)})
    enc = encode(rows, SPECIES_KEYS, extra=choice.columns)
    if kind == "indicator":
        return _indicator_selection(enc, base_year, choice, n_sims, seed)
    if species not in enc.labels["species"]:
        return _empty_result(kind)
    return _species_selection(enc, species, base_year, choice)


def _years_of(counts: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in np.unique(counts["year"].to_numpy()))


def _species_selection(
    enc: Encoded, species: str, base_year: int | None, choice: ModelChoice
) -> SelectionResult:
    """One species: its own TRIM index and trends (all species still fill the table)."""
    counts = enc.frame
    years = _years_of(counts)
    fits = fit_species(counts, base_year, choice)
    code = int(enc.labels["species"].get_loc(species))
    row = fits.table[fits.table["species"] == code].iloc[0]
    trend = _trend_dict(row)
    trend.update(n_species=1, n_species_estimated=int(bool(row["ok"])))
    sp_counts = counts[counts["species"] == code]
    summary = fits.fit.summary
    main = summary[summary["species"] == code].iloc[0]
    indices = fits.fit.indices[fits.fit.indices["species"] == code]
    reason = None if bool(main["ok"]) else str(main["reason"])
    # without a chosen base year the fit used the engine's default per species
    used_base = None if pd.isna(main["base_year"]) else int(main["base_year"])
    if base_year is not None:
        used_base = base_year
    series = _band(indices if reason is None else empty_indices(), years)
    series = _series_reasons(series, sp_counts, _year_reasons(indices))
    result = _assemble(enc, "species", years, sp_counts, reason, used_base, trend, series, fits)
    result.intervals = _interval_frame(fits.intervals[fits.intervals["species"] == code])
    return result


def _indicator_selection(
    enc: Encoded,
    base_year: int | None,
    choice: ModelChoice,
    n_sims: int,
    seed: int,
) -> SelectionResult:
    """The whole selection: the MSI of its species (the MSI tool) and its trends."""
    counts = enc.frame
    years = _years_of(counts)
    fits = fit_species(counts, None, choice)
    indicator = msi_tool(
        fits.fit.indices, n_sims=n_sims, seed=seed, intervals=choice.given_intervals(years)
    )
    trend = _msi_trend(indicator, len(fits.table))
    reason = trend["reason"]
    series = _band(empty_indices(), years)
    used_base = None
    if reason is None:
        msi = indicator.series
        used_base = int(msi["year"].iloc[0]) if base_year is None else base_year
        reason = _base_year_problem(msi, used_base, years)
        if reason is None:
            series = _msi_band(rebase(msi, used_base), years)
    series = _series_reasons(series, counts, None)
    excluded = enc.decode(indicator.excluded.assign(species=indicator.excluded["species"]))
    result = _assemble(
        enc, "indicator", years, counts, reason, used_base, trend, series, fits, excluded
    )
    result.intervals = _interval_frame(indicator.intervals)
    return result


def _msi_trend(indicator: MsiResult, n_species: int) -> dict[str, Any]:
    """The trend dict of a selection's MSI (one indicator, or none)."""
    if indicator.trends.empty:
        trend = _trend_dict(None)
        trend.update(reason="no_species_estimable", n_species=n_species, n_species_estimated=0)
        return trend
    row = indicator.trends.iloc[0]
    trend = _trend_dict(row)
    trend.update(n_species=n_species, n_species_estimated=int(row["n_species"]))
    return trend


def _base_year_problem(msi: pd.DataFrame, base_year: int, years: list[int]) -> str | None:
    """Why the chart cannot be drawn with this base year (None when it can)."""
    at_base = msi.loc[msi["year"] == base_year, "index"]
    if base_year not in years:
        return "base_year_not_in_data"
    if at_base.empty or at_base.isna().all():
        return "base_year_not_estimable"
    return None


def _msi_band(msi: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """The MSI series on the selection's years (years without an MSI stay empty)."""
    out = pd.DataFrame({"year": np.asarray(list(years), dtype=np.int64)})
    columns = ["year", "index", "lower", "upper", "n_species"]
    out = out.merge(msi[columns], on="year", how="left")
    out["n_species"] = out["n_species"].fillna(0).astype("int64")
    return out


def _assemble(
    enc: Encoded,
    kind: str,
    years: list[int],
    shown: pd.DataFrame,
    reason: str | None,
    used_base: int | None,
    trend: dict[str, Any],
    series: pd.DataFrame,
    fits: SpeciesFits,
    excluded: pd.DataFrame | None = None,
) -> SelectionResult:
    """The result of a species or indicator selection, with the coverage and heatmap of
    the counts it shows (``shown``: one species' rows, or the whole selection's)."""
    params: dict[str, Any] = {}
    if reason and reason.startswith("base_year"):
        params["base_year"] = used_base
    coverage, n_sites, n_counted = coverage_counts(shown, years)
    matrix, sites_total = count_matrix(enc, shown, years)
    return SelectionResult(
        reason=reason,
        kind=kind,
        base_year=used_base if reason is None else None,
        trend=trend,
        series=series,
        species=enc.decode(fits.table),
        species_intervals=enc.decode(_interval_frame(fits.intervals, SPECIES_KEYS)),
        excluded=_no_exclusions() if excluded is None else excluded,
        coverage=coverage,
        matrix=matrix,
        n_sites=n_sites,
        n_years=len(years),
        n_site_years_counted=n_counted,
        matrix_sites_total=sites_total,
        reason_params=params,
    )


def _band(indices: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """One species' index and 95% band per year: ``exp(ln I ± 1.96 · se / I)``.

    (Log-normal, never below zero; :func:`cop.monitoring.msi.multi_species_indicator`
    of one species.)
    """
    msi = multi_species_indicator(indices, species="species", year="year")
    out = pd.DataFrame({"year": np.asarray(list(years), dtype=np.int64)})
    out = out.merge(msi.drop(columns="se_log"), on="year", how="left")
    out["n_species"] = out["n_species"].fillna(0).astype("int64")
    return out


def _trend_dict(row: pd.Series | None) -> dict[str, Any]:
    numbers = [c for c in (*TREND_COLUMNS, *RECENT_COLUMNS) if "trend_class" not in c]
    if row is None:
        out: dict[str, Any] = {k: math.nan for k in numbers}
        out.update(trend_class=None, recent_trend_class=None, reason="no_data")
        out.update(recent_from=None, recent_upto=None)
        return out
    out = {k: float(row[k]) if pd.notna(row[k]) else math.nan for k in numbers}
    for k in ("recent_from", "recent_upto"):
        out[k] = int(row[k]) if pd.notna(row[k]) else None
    for k in ("trend_class", "recent_trend_class", "reason"):
        out[k] = None if pd.isna(row[k]) else str(row[k])
    for k in ("n_species", "n_species_estimated"):
        if k in row.index:
            out[k] = int(row[k])
    return out


def _interval_frame(frame: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """Trend intervals with fixed columns and dtypes (``keys`` columns first)."""
    dtypes = {k: "int64" for k in keys} | dict(_INTERVAL_DTYPES)
    if frame.empty:
        return _typed_empty(dtypes)
    return pd.DataFrame({c: frame[c].to_numpy() for c in dtypes}).astype(dtypes)


_INTERVAL_DTYPES = {
    "period": "string",
    "from": "Int64",
    "upto": "Int64",
    "trend_class": "string",
    **{c: "float64" for c in TREND_COLUMNS if c != "trend_class"},
}


def _no_intervals() -> pd.DataFrame:
    return _typed_empty(dict(_INTERVAL_DTYPES))


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


def _no_exclusions() -> pd.DataFrame:
    return pd.DataFrame({"species": pd.Series(dtype="string"), "reason": []})


def _empty_result(kind: str) -> SelectionResult:
    empty_series = _band(empty_indices(), [])
    empty_series["reason"] = pd.Series(dtype="string")
    return SelectionResult(
        reason="no_data",
        kind=kind,
        base_year=None,
        trend=_trend_dict(None),
        series=empty_series,
        species=pd.DataFrame({c: [] for c in SPECIES_COLUMNS}),
        excluded=_no_exclusions(),
        coverage=pd.DataFrame({"year": [], "sites_counted": [], "sites_total": []}),
        matrix=pd.DataFrame(),
    )
