"""Multi-species indicators: one index for a group of species, from the species' indices.

A species group's index is the *multi-species indicator* (MSI): the geometric mean of its
species' TRIM indices, as CBS and the NEM publish it, not an index of summed counts (which
the commonest species would dominate). Two ways to compute it live here:

:func:`msi_tool`
    The method of CBS's MSI tool (Soldaat et al. 2017, *A Monte Carlo method to account for
    sampling error in multi-species indicators*, Ecological Indicators 81), which the
    monitoring page, the profile and the map use. Per simulation every species index is
    drawn on the log scale from its index and standard error; the species are chained
    (the MSI moves from year to year by the mean log change of the species counted in both
    years, so a species that starts later is linked at its first year to the MSI so far);
    the confidence band is the percentiles of the simulated MSIs; the trend of the MSI is
    the linear regression of ln MSI on the year over the simulations, with its standard
    error and TRIM's trend class, for the whole series, for the last ten years and for any
    other interval asked for.
:func:`multi_species_indicator`
    The delta-method approximation for species that share a base year: the geometric mean
    with the band ``exp(mean ln I ± z · sqrt(Σ (se/I)²) / n)``. It is what the Monte Carlo
    interval tends to for many simulations (``tests/test_msi.py`` checks that), and is kept
    for callers that want a number without simulation.

Where this differs from the MSI tool, and why
---------------------------------------------
* **Point estimates are not simulated.** The tool reports the mean of the simulated log
  MSI and of the simulated slopes; their expectation is the chained geometric mean of the
  indices themselves and the regression slope through it, which is what this module
  reports (no Monte Carlo noise in the numbers people read; the band and the standard
  errors come from the simulations as in the tool).
* **The band is the percentiles** (2.5% and 97.5%) of the simulated MSI, as the Soldaat et
  al. paper describes; the tool prints ``exp(mean ± 1.96 sd)``, which agrees with it while
  the simulated log MSI is normal (it is, up to the truncations below).
* **Intervals are calendar years.** The tool's short-term trend takes the last ``lastyears``
  rows of its year grid; here it is the years ``last − 9 … last`` (``recent_years = 10``) of
  the MSI, so a year without any index does not stretch the interval. When the MSI covers
  fewer years, the interval is the whole series (the tool's ``min(lastyears, nyear)``).
* Years in which no species has an index are not part of the MSI (as in the tool, whose
  year grid holds only the years in its input); the chain links the years around them.

Kept from the tool: indices below ``floor`` (1 on the tool's 100 scale) are set to it with
no error, simulated values too (``TRUNC``); a year-to-year ratio is capped at ``max_ratio``
(``truncfac`` = 10); species whose mean coefficient of variation (over indices ≥ 0.1) is at
least ``max_cv`` (``maxCV`` = 3) are left out; the MSI has no error in its SE base year (the
first year by default: ``SEbaseyear``), and the trend is regressed on MSIs re-drawn per year
from their mean and standard deviation (the tool's second simulation).

Every indicator is simulated with its own generator started from ``seed``, so its numbers
do not depend on which other indicators are computed in the same call: the map (all
municipalities at once) and the monitoring page (one selection) agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cop.monitoring.engine.classes import Z95, classify_slope
from cop.monitoring.engine.results import TrimInputError

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_SIMS",
    "RECENT_YEARS",
    "MsiResult",
    "msi_tool",
    "multi_species_indicator",
    "rebase",
    "recent_interval",
]

#: The MSI tool's defaults: 1,000 simulations, a short-term trend over the last ten years.
DEFAULT_SIMS = 1000
RECENT_YEARS = 10
#: Seed of the simulations unless a caller gives one (the publication year and volume).
DEFAULT_SEED = 201781

#: Columns of :attr:`MsiResult.trends` per interval (prefix ``recent_`` for the last years).
SLOPE_COLUMNS = (
    "trend_class",
    "multiplicative",
    "multiplicative_se",
    "additive",
    "additive_se",
)


def recent_interval(first: int, last: int, recent_years: int = RECENT_YEARS) -> tuple[int, int]:
    """The short-term interval of a series from ``first`` to ``last``: ``last − 9 … last``.

    A series shorter than ``recent_years`` years gives its whole length (the MSI tool's rule).

    Examples
    --------
    >>> recent_interval(2015, 2026)
    (2017, 2026)
    >>> recent_interval(2020, 2026)
    (2020, 2026)
    """
    return max(int(first), int(last) - recent_years + 1), int(last)


@dataclass
class MsiResult:
    """What :func:`msi_tool` returns, one row per indicator (its ``by`` values) or year.

    ``series``
        ``by`` + ``year``, ``index`` (1 in the SE base year), ``lower``, ``upper`` (the
        percentile band), ``se_log`` (standard deviation of the simulated ln MSI),
        ``n_species`` (species with an index that year) and ``reason`` (why a year has
        no MSI: ``msi_not_linked`` when no species links it to the years before).
    ``trends``
        ``by`` + ``n_species``, ``first_year``, ``last_year``, the long-term trend
        (:data:`SLOPE_COLUMNS`), ``recent_from``, ``recent_upto`` and the same columns with
        prefix ``recent_`` for the last ``recent_years`` years, and ``reason``
        (``no_species_estimable`` where no species has an index).
    ``intervals``
        ``by`` + ``period`` (``long_term``, ``recent`` or ``interval``), ``from``,
        ``upto`` and :data:`SLOPE_COLUMNS`: every interval's trend in long form.
    ``excluded``
        ``by`` + ``species``, ``reason`` (``msi_high_cv``): species left out of the MSI.
    """

    series: pd.DataFrame
    trends: pd.DataFrame
    intervals: pd.DataFrame
    excluded: pd.DataFrame


def msi_tool(
    indices: pd.DataFrame,
    by: Sequence[str] = (),
    *,
    species: str = "species",
    year: str = "year",
    index: str = "imputed",
    se: str = "imputed_se",
    n_sims: int = DEFAULT_SIMS,
    seed: int = DEFAULT_SEED,
    se_base_year: int | None = None,
    recent_years: int = RECENT_YEARS,
    intervals: Sequence[tuple[int, int]] = (),
    level: float = 0.95,
    floor: float = 0.01,
    max_ratio: float = 10.0,
    max_cv: float = 3.0,
    n_jobs: int = 1,
) -> MsiResult:
    """Multi-species indicators with Monte Carlo bands and trends, as CBS's MSI tool.

    Parameters
    ----------
    indices
        Species indices in long form (e.g. ``fit_trim_batch(...).indices``): the ``by``
        columns, ``species``, ``year``, ``index`` (1 = the species' base year) and ``se``.
        Rows without a positive finite index are ignored.
    by
        Columns that name an indicator (e.g. municipality and species group); none: one
        indicator of all rows.
    n_sims, seed
        Number of simulations (at least 2) and the seed of each indicator's generator.
    se_base_year
        Year in which the MSI is 1 without error (default and fallback when absent: the
        indicator's first year). Rescaling the chart to another year is :func:`rebase`.
    recent_years
        Length of the short-term interval (:func:`recent_interval`).
    intervals
        More ``(from, upto)`` year intervals (e.g. between changepoints); each gives a
        row of ``intervals`` with ``period`` ``"interval"`` where it holds two MSI years.
    level
        Coverage of the band (percentiles ``(1 ± level) / 2``).
    floor, max_ratio, max_cv
        The MSI tool's ``TRUNC`` (as an index, 1 = base), ``truncfac`` and ``maxCV``.
    n_jobs
        Worker processes for many indicators (each has its own generator, so the result
        is the same with any number of workers).

    Returns
    -------
    MsiResult

    Examples
    --------
    >>> long = pd.DataFrame({"species": ["a"] * 3 + ["b"] * 3, "year": [2020, 2021, 2022] * 2,
    ...                      "imputed": [1, 2, 4, 1, 1, 1], "imputed_se": [0, .1, .2, 0, .1, .1]})
    >>> result = msi_tool(long, n_sims=200, seed=1)
    >>> [round(v, 6) for v in result.series["index"]]
    [1.0, 1.414214, 2.0]
    >>> result.trends.loc[0, "trend_class"]
    'strong_increase'
    """
    by = list(by)
    if n_sims < 2:
        raise ValueError(f"n_sims must be at least 2, not {n_sims}")
    missing = [c for c in [*by, species, year, index, se] if c not in indices.columns]
    if missing:
        raise TrimInputError("missing_columns", f"missing column(s): {', '.join(missing)}")
    value = pd.to_numeric(indices[index], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    err = pd.to_numeric(indices[se], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    usable = (value > 0) & np.isfinite(value) & np.isfinite(err)
    options = _Options(
        n_sims, seed, se_base_year, recent_years, tuple(intervals), level, floor, max_ratio, max_cv
    )
    coded = _Coded.of(
        indices.loc[usable, [*by, species, year]],
        by,
        species,
        year,
        value[usable],
        np.abs(err[usable]),
    )
    groups = coded.groups()
    if n_jobs > 1 and len(groups) >= _PARALLEL_MIN_INDICATORS:
        chunks = [list(part) for part in np.array_split(np.arange(len(groups)), n_jobs)]
        tasks = [(coded, [groups[g] for g in chunk], options) for chunk in chunks]
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            ones = [one for part in pool.map(_indicators, tasks) for one in part]
    else:
        ones = [_one_indicator(coded, rows, options) for rows in groups]
    return _assemble(coded, ones)


#: Fewer indicators than this are computed in this process (a pool costs ~0.3 s).
_PARALLEL_MIN_INDICATORS = 200


def _indicators(task: tuple[_Coded, list[np.ndarray], _Options]) -> list[_One]:
    """Several indicators, in a worker process."""
    coded, groups, options = task
    return [_one_indicator(coded, rows, options) for rows in groups]


def rebase(series: pd.DataFrame, base_year: int, by: Sequence[str] = ()) -> pd.DataFrame:
    """The MSI (and its band) divided by its value in ``base_year``: the chart's base year.

    This is the MSI tool's ``plotbaseyear``: it rescales, it does not change the
    uncertainty (which stays that of the SE base year). Indicators without an MSI in
    ``base_year`` get no values.
    """
    by = list(by)
    out = series.copy()
    at_base = out.loc[out["year"] == base_year, [*by, "index"]].rename(columns={"index": "_b"})
    if by:
        divisor = out[by].merge(at_base, on=by, how="left")["_b"].to_numpy(dtype=float)
    else:
        divisor = np.full(len(out), at_base["_b"].iloc[0] if len(at_base) else np.nan)
    for column in ("index", "lower", "upper"):
        out[column] = out[column].to_numpy(dtype=float) / divisor
    return out


# ------------------------------------------------------------------ one indicator


@dataclass(frozen=True)
class _Options:
    n_sims: int
    seed: int
    se_base_year: int | None
    recent_years: int
    intervals: tuple[tuple[int, int], ...]
    level: float
    floor: float
    max_ratio: float
    max_cv: float


@dataclass
class _Coded:
    """The usable rows as integer codes: indicator, species (sorted by label) and year.

    Coding once for all indicators keeps pandas out of the per-indicator loop, which is
    what makes ~1,200 indicators (the map) take about a second.
    """

    keys: pd.DataFrame  # one row per indicator: the ``by`` columns
    group: np.ndarray
    species: np.ndarray
    species_labels: np.ndarray
    year: np.ndarray
    years: np.ndarray
    value: np.ndarray
    err: np.ndarray

    @classmethod
    def of(
        cls,
        data: pd.DataFrame,
        by: list[str],
        species: str,
        year: str,
        value: np.ndarray,
        err: np.ndarray,
    ) -> _Coded:
        if by:
            group, keys = _group_codes(data, by)
        else:
            group = np.zeros(len(data), dtype=np.int64)
            keys = pd.DataFrame(index=range(1 if len(data) else 0))
        sp, sp_labels = pd.factorize(data[species], sort=True)
        years, yr = np.unique(data[year].to_numpy(dtype=np.int64), return_inverse=True)
        return cls(
            keys=keys,
            group=group,
            species=sp.astype(np.int64),
            species_labels=np.asarray(sp_labels, dtype=object),
            year=yr.astype(np.int64),
            years=years,
            value=value,
            err=err,
        )

    def groups(self) -> list[np.ndarray]:
        """Row numbers of every indicator, in the order of ``keys``."""
        order = np.argsort(self.group, kind="stable")
        bounds = np.searchsorted(self.group[order], np.arange(1, len(self.keys)))
        return np.split(order, bounds) if len(self.keys) else []


def _group_codes(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Code of every row's indicator and the indicators' ``by`` values, sorted."""
    keys = data[by].drop_duplicates().sort_values(by, kind="stable").reset_index(drop=True)
    codes = data[by].merge(keys.reset_index(), on=by, how="left")["index"]
    return codes.to_numpy(dtype=np.int64), keys


@dataclass
class _One:
    """One indicator: its years with MSI, band, SD and species per year; trends; exclusions."""

    years: np.ndarray
    index: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    se_log: np.ndarray
    n_species: np.ndarray
    trend: dict
    intervals: list[dict]
    excluded: list[object]


def _one_indicator(coded: _Coded, rows: np.ndarray, options: _Options) -> _One:
    """Simulate, chain and regress one indicator (``rows`` of ``coded``)."""
    sp_local, sp = np.unique(coded.species[rows], return_inverse=True)
    yr_local, yr = np.unique(coded.year[rows], return_inverse=True)
    index = np.full((len(sp_local), len(yr_local)), np.nan)
    stderr = np.zeros_like(index)
    index[sp, yr] = coded.value[rows]  # duplicates: the last row wins
    stderr[sp, yr] = coded.err[rows]
    keep = _cv_ok(index, stderr, options.max_cv)
    excluded = list(coded.species_labels[sp_local[~keep]])
    index, stderr = index[keep], stderr[keep]
    present = np.isfinite(index)
    in_msi = present.any(axis=0)
    years = coded.years[yr_local[in_msi]]
    index, stderr, present = index[:, in_msi], stderr[:, in_msi], present[:, in_msi]
    if not present.any():
        none = np.full(len(years), np.nan)
        return _One(years, none, none, none, none, present.sum(axis=0), _no_trend(), [], excluded)
    below = ~(index >= options.floor)  # missing ones too: at the floor, no error, no link
    log_index = np.log(np.where(below, options.floor, index))
    log_se = np.where(below, 0.0, stderr / np.where(below, 1.0, index))
    base = _base_column(years, options.se_base_year)
    links = (present[:, 1:] & present[:, :-1]).astype(float)
    rng = np.random.default_rng(options.seed)
    simulated = rng.standard_normal((options.n_sims, *log_index.shape), dtype=np.float32)
    simulated *= log_se
    simulated += log_index
    np.maximum(simulated, math.log(options.floor), out=simulated)
    point = _chain(log_index[None], links, base, options.max_ratio)[0]
    sims = _chain(simulated, links, base, options.max_ratio)
    finite = np.isfinite(point)
    sd = np.where(finite, sims.std(axis=0, ddof=1), np.nan)
    lower = np.full(len(years), np.nan)
    upper = np.full(len(years), np.nan)
    tail = (1 - options.level) / 2
    quantiles = np.quantile(sims[:, finite], [tail, 1 - tail], axis=0)
    lower[finite], upper[finite] = np.exp(quantiles[0]), np.exp(quantiles[1])
    # the tool's second simulation: each year's ln MSI re-drawn from its mean and SD
    redrawn = rng.standard_normal((options.n_sims, len(years)))
    redrawn *= np.nan_to_num(sd)
    redrawn += np.nan_to_num(point)
    trend, intervals = _interval_trends(years, point, redrawn, options)
    trend["n_species"] = len(index)
    return _One(
        years, np.exp(point), lower, upper, sd, present.sum(axis=0), trend, intervals, excluded
    )


def _cv_ok(index: np.ndarray, stderr: np.ndarray, max_cv: float) -> np.ndarray:
    """Species whose mean CV over indices ≥ 0.1 (zero or infinite CVs ignored) is below
    ``max_cv``; a species with no such CV is kept."""
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(index >= 0.1, stderr / index, np.nan)
    cv[(cv == 0) | ~np.isfinite(cv)] = np.nan
    counted = np.isfinite(cv).sum(axis=1)
    mean_cv = np.where(counted > 0, np.nansum(cv, axis=1) / np.maximum(counted, 1), np.nan)
    return ~(mean_cv >= max_cv)


def _base_column(years: np.ndarray, se_base_year: int | None) -> int:
    hit = np.flatnonzero(years == se_base_year) if se_base_year is not None else []
    return int(hit[0]) if len(hit) else 0


def _chain(log_index: np.ndarray, links: np.ndarray, base: int, max_ratio: float) -> np.ndarray:
    """ln MSI per simulation by the chain method (``log_index``: sims × species × years).

    The MSI moves from one year to the next by the mean log change of the species with an
    index in both years (``links``: 1 where a species has both; each change capped at
    ``± ln max_ratio``); it is 0 in ``base``. A step that no species spans leaves the
    years beyond it without a value.
    """
    limit = math.log(max_ratio)
    steps = np.diff(log_index, axis=2)
    np.clip(steps, -limit, limit, out=steps)
    steps *= links
    n_links = links.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_step = np.where(n_links > 0, steps.sum(axis=1) / n_links, np.nan)
    out = np.zeros((log_index.shape[0], log_index.shape[2]))
    out[:, base + 1 :] = np.cumsum(mean_step[:, base:], axis=1)
    if base:
        out[:, :base] = -np.cumsum(mean_step[:, :base][:, ::-1], axis=1)[:, ::-1]
    return out


def _slope(
    years: np.ndarray, point: np.ndarray, redrawn: np.ndarray, span: tuple[int, int]
) -> dict:
    """OLS slope of ln MSI on the year over ``span`` and its SD over the re-drawn MSIs."""
    mask = (years >= span[0]) & (years <= span[1]) & np.isfinite(point)
    if mask.sum() < 2:
        return {}
    x = years[mask].astype(float)
    weights = (x - x.mean()) / ((x - x.mean()) ** 2).sum()
    additive = float(point[mask] @ weights)
    additive_se = float((redrawn[:, mask] @ weights).std(ddof=1))
    mult = math.exp(additive)
    return {
        "from": int(x[0]),
        "upto": int(x[-1]),
        "additive": additive,
        "additive_se": additive_se,
        "multiplicative": mult,
        "multiplicative_se": mult * additive_se,
        "trend_class": classify_slope(mult, mult * additive_se),
    }


def _interval_trends(
    years: np.ndarray, point: np.ndarray, redrawn: np.ndarray, options: _Options
) -> tuple[dict, list[dict]]:
    """The long-term, short-term and asked-for interval trends of one indicator."""
    finite = years[np.isfinite(point)]
    first, last = int(finite[0]), int(finite[-1])
    long_term = _slope(years, point, redrawn, (first, last))
    recent = _slope(years, point, redrawn, recent_interval(first, last, options.recent_years))
    trend = _no_trend()
    trend.update(first_year=first, last_year=last, reason=None if long_term else "msi_single_year")
    trend.update({k: long_term.get(k, trend[k]) for k in SLOPE_COLUMNS})
    trend.update(recent_from=recent.get("from"), recent_upto=recent.get("upto"))
    trend.update({f"recent_{k}": recent.get(k, trend[f"recent_{k}"]) for k in SLOPE_COLUMNS})
    rows = [dict(period="long_term", **long_term), dict(period="recent", **recent)]
    for span in options.intervals:
        rows.append(dict(period="interval", **_slope(years, point, redrawn, span)))
    return trend, [r for r in rows if len(r) > 1]


def _no_trend() -> dict:
    empty = {k: (None if k == "trend_class" else math.nan) for k in SLOPE_COLUMNS}
    return {
        "n_species": 0,
        "first_year": None,
        "last_year": None,
        **empty,
        "recent_from": None,
        "recent_upto": None,
        **{f"recent_{k}": v for k, v in empty.items()},
        "reason": "no_species_estimable",
    }


# ------------------------------------------------------------------ assembling


def _assemble(coded: _Coded, ones: list[_One]) -> MsiResult:
    """The four frames of :class:`MsiResult` from every indicator's arrays, built once."""
    keys = coded.keys

    def key_columns(repeats: list[int]) -> dict[str, np.ndarray]:
        positions = np.repeat(np.arange(len(ones), dtype=np.int64), repeats)
        return {c: keys[c].to_numpy()[positions] for c in keys.columns}

    def joined(name: str, dtype: type) -> np.ndarray:
        arrays = [getattr(o, name) for o in ones]
        return np.concatenate(arrays).astype(dtype) if arrays else np.array([], dtype=dtype)

    index = joined("index", float)
    series = pd.DataFrame(
        {
            **key_columns([len(o.years) for o in ones]),
            "year": joined("years", np.int64),
            "index": index,
            "lower": joined("lower", float),
            "upper": joined("upper", float),
            "se_log": joined("se_log", float),
            "n_species": joined("n_species", np.int64),
            "reason": pd.array(
                np.where(np.isfinite(index), None, "msi_not_linked"), dtype="string"
            ),
        }
    )
    trends = pd.DataFrame([o.trend for o in ones], columns=list(_no_trend()))
    trends = pd.concat([pd.DataFrame(key_columns([1] * len(ones))), trends], axis=1)
    for column in ("first_year", "last_year", "recent_from", "recent_upto"):
        trends[column] = pd.array(trends[column].tolist(), dtype="Int64")
    for column in ("trend_class", "recent_trend_class", "reason"):
        trends[column] = pd.array(trends[column].tolist(), dtype="string")
    trends["n_species"] = trends["n_species"].astype(np.int64)
    rows = [r for o in ones for r in o.intervals]
    intervals = pd.DataFrame(rows, columns=["period", "from", "upto", *SLOPE_COLUMNS])
    intervals = pd.concat(
        [pd.DataFrame(key_columns([len(o.intervals) for o in ones])), intervals], axis=1
    )
    excluded = pd.DataFrame(key_columns([len(o.excluded) for o in ones]))
    excluded["species"] = [s for o in ones for s in o.excluded]
    excluded["reason"] = pd.array(["msi_high_cv"] * len(excluded), dtype="string")
    return MsiResult(series, trends, intervals, excluded)


def multi_species_indicator(
    indices_long: pd.DataFrame,
    species: str = "species",
    year: str = "year",
    index: str = "imputed",
    se: str = "imputed_se",
    by: Sequence[str] = (),
    z: float = Z95,
) -> pd.DataFrame:
    """Multi-species indicator: the geometric mean of species indices per year.

    ``MSI_t = exp(mean_s ln I_st)``. Its band uses the delta method on the log scale,
    assuming the species are independent: ``var(ln I) ≈ (se / I)²`` and
    ``se(mean ln I) = sqrt(Σ var(ln I)) / n``; the band is ``exp(mean ± z · se)``.
    Species indices must share the base year (the result is then 1 there, with no
    width). Species without a positive finite index in a year are left out of that year,
    so ``n_species`` can vary: a year with fewer species is less comparable.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns + year, index, lower, upper, se_log, n_species.
    """
    by = list(by)
    missing = [c for c in [*by, species, year, index, se] if c not in indices_long.columns]
    if missing:
        raise TrimInputError("missing_columns", f"missing column(s): {', '.join(missing)}")
    data = indices_long[[*by, species, year, index, se]].copy()
    value = pd.to_numeric(data[index], errors="coerce").astype(float)
    err = pd.to_numeric(data[se], errors="coerce").astype(float)
    usable = value.gt(0) & np.isfinite(value) & np.isfinite(err)
    data = data.loc[usable]
    data["_log"] = np.log(value[usable])
    data["_var"] = (err[usable] / value[usable]) ** 2
    grouped = data.groupby([*by, year], sort=True)
    out = grouped.agg(
        _mean=("_log", "mean"), _var=("_var", "sum"), n_species=(species, "nunique")
    ).reset_index()
    se_log = np.sqrt(out["_var"]) / out["n_species"]
    out["index"] = np.exp(out["_mean"])
    out["lower"] = np.exp(out["_mean"] - z * se_log)
    out["upper"] = np.exp(out["_mean"] + z * se_log)
    out["se_log"] = se_log
    return out[[*by, year, "index", "lower", "upper", "se_log", "n_species"]]
