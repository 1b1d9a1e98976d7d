"""Monitoring trends: from the ``monitoring`` table to what the page, profile and map show.

The trend engine (:mod:`cop.monitoring.trim`) fits TRIM model 3 to one site × year table of
counts. This module decides *which* counts go into each fit (the rows of a selection come
from :mod:`cop.monitoring.selection`) and turns the fits into indicators: an index with its
confidence band, a trend class with the yearly change, the trend of every species, the
trend class of every municipality × species group. :mod:`cop.monitoring.presentation` puts
them into words and tables.

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
  assumption the MSI band uses (:func:`cop.monitoring.msi.multi_species_indicator`). The class
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
* **"Not counted" is not zero.** An empty count is a missing visit and stays NaN in the
  fits; ``0`` means counted, nothing seen.
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

from cop.core import vocab
from cop.monitoring.msi import multi_species_indicator
from cop.monitoring.selection import (
    ALL,
    SPECIES_KEYS,
    Encoded,
    count_matrix,
    coverage_counts,
    encode,
    selected_rows,
)
from cop.monitoring.trim import BatchResult, classify_slope, fit_trim_batch

__all__ = [
    "REASON_CODES",
    "SelectionResult",
    "default_base_year",
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
        return _typed_empty(_TREND_DTYPES)
    enc = encode(monitoring, [*by, "species"])
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


def municipality_trends(trends: pd.DataFrame, code: str) -> pd.DataFrame:
    """One municipality's rows of :func:`trend_classes_by_municipality`, groups in order."""
    rows = trends[(trends["municipality_code"] == code).to_numpy(dtype=bool, na_value=False)]
    rank = {g: i for i, g in enumerate(vocab.SPECIES_GROUPS)}
    order = [rank.get(g, len(rank)) for g in rows["species_group"]]
    return rows.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


# ---------------------------------------------------------------- per selection


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
    kind = "indicator" if species in (None, ALL) else "species"
    rows = selected_rows(monitoring, municipality, scheme, species_group)
    if rows.empty:
        return _empty_result(kind)
    enc = encode(rows, SPECIES_KEYS)
    if kind == "indicator":
        return _indicator_selection(enc, base_year)
    if species not in enc.labels["species"]:
        return _empty_result(kind)
    return _species_selection(enc, species, base_year)


@dataclass
class _SpeciesFits:
    """Every species of a selection fitted with one base year (``fit``); the species
    that failed only because of it, fitted again without it (``refit``, or None);
    ``table`` one row per species from whichever fit counts (the species table)."""

    fit: BatchResult
    refit: BatchResult | None
    table: pd.DataFrame


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


def _fit_species(counts: pd.DataFrame, base_year: int | None) -> _SpeciesFits:
    fit = fit_trim_batch(counts, SPECIES_KEYS, site="site", base_year=base_year, duplicates="sum")
    summary = fit.summary
    base_failed = summary["reason"].isin(_BASE_REASONS).to_numpy(dtype=bool, na_value=False)
    if not base_failed.any():
        return _SpeciesFits(fit, None, summary[_SPECIES_COLUMNS])
    again = summary.loc[base_failed, "species"].to_numpy()
    refit = fit_trim_batch(
        counts[counts["species"].isin(again)], SPECIES_KEYS, site="site", duplicates="sum"
    )
    table = pd.concat([summary.loc[~base_failed], refit.summary], ignore_index=True)
    table = table.sort_values(SPECIES_KEYS, kind="stable").reset_index(drop=True)
    return _SpeciesFits(fit, refit, table[_SPECIES_COLUMNS])


def _years_of(counts: pd.DataFrame) -> list[int]:
    return sorted(int(y) for y in np.unique(counts["year"].to_numpy()))


def _species_selection(enc: Encoded, species: str, base_year: int | None) -> SelectionResult:
    """One species: its own TRIM index and trend (all species still fill the table)."""
    counts = enc.frame
    years = _years_of(counts)
    fits = _fit_species(counts, base_year)
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
    series = _band(indices if reason is None else _empty_indices(), years)
    series = _series_reasons(series, sp_counts, _year_reasons(indices))
    return _assemble(enc, "species", years, sp_counts, reason, used_base, trend, series, fits)


def _indicator_selection(enc: Encoded, base_year: int | None) -> SelectionResult:
    """The whole selection: the multi-species indicator of its species and its trend."""
    counts = enc.frame
    years = _years_of(counts)
    used_base = default_base_year(counts) if base_year is None else base_year
    fits = _fit_species(counts, used_base)
    trend = _trend_dict(group_trends(fits.table, []).iloc[0])
    reason = trend["reason"]
    summary = fits.fit.summary
    good = summary.loc[summary["ok"].to_numpy(dtype=bool), "species"]
    series = _band(_empty_indices(), years)
    excluded = _no_exclusions()
    if reason is None:
        if good.empty:
            reason = "base_year_not_estimable"
        else:
            series = _band(fits.fit.indices[fits.fit.indices["species"].isin(good)], years)
        if fits.refit is not None:
            excluded = _excluded_by_base_year(enc, fits.refit)
    series = _series_reasons(series, counts, None)
    return _assemble(
        enc, "indicator", years, counts, reason, used_base, trend, series, fits, excluded
    )


def _excluded_by_base_year(enc: Encoded, refit: BatchResult) -> pd.DataFrame:
    """Species with a trend but no positive count in the indicator's base year."""
    left_out = refit.summary[refit.summary["ok"].to_numpy(dtype=bool)]
    return enc.decode(
        left_out[["species"]].assign(
            reason=pd.array(["base_year_not_estimable"] * len(left_out), dtype="string")
        )
    )


def _assemble(
    enc: Encoded,
    kind: str,
    years: list[int],
    shown: pd.DataFrame,
    reason: str | None,
    used_base: int | None,
    trend: dict[str, Any],
    series: pd.DataFrame,
    fits: _SpeciesFits,
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
    """Index, 95% band and number of species per year (geometric mean over species).

    With one species this is the species' own imputed index, its band
    ``exp(ln I ± 1.96 · se / I)`` (log-normal, never below zero).
    """
    msi = multi_species_indicator(indices, species="species", year="year")
    out = pd.DataFrame({"year": np.asarray(list(years), dtype=np.int64)})
    out = out.merge(msi.drop(columns="se_log"), on="year", how="left")
    out["n_species"] = out["n_species"].fillna(0).astype("int64")
    return out


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


def _empty_indices() -> pd.DataFrame:
    return _typed_empty(
        {"species": "int64", "year": "int64", "imputed": "float64", "imputed_se": "float64"}
    )


def _no_exclusions() -> pd.DataFrame:
    return pd.DataFrame({"species": pd.Series(dtype="string"), "reason": []})


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
        excluded=_no_exclusions(),
        coverage=pd.DataFrame({"year": [], "sites_counted": [], "sites_total": []}),
        matrix=pd.DataFrame(),
    )
