"""TRIM-style population trends from site × year counts: the engine's public API.

This module reproduces TRIM (Statistics Netherlands' *TRends and Indices for Monitoring
data*): log-linear models ``ln mu_ij = alpha_i + (time part)_j`` fitted to the observed
site-years only, with overdispersion and serial correlation estimated by generalised
estimating equations (GEE) exactly as TRIM does. The time part is TRIM's model 1 (none),
model 2 (linear trends between changepoints, given or selected stepwise) or model 3 (an
effect per year, the default), optionally per class of categorical site covariates;
site weights weight the totals. From the fit it derives model and imputed time totals
with their covariance, yearly indices with standard errors, the overall multiplicative
slope (also of any interval of years) with TRIM's trend class, the parameters and
TRIM's Wald tests. It was validated against every TRIM 3.61/3.70 skylark run
(``tests/test_trends.py``, ``tests/test_trim361.py``; ``docs/monitoring.md``).

Everything outside ``cop.monitoring`` imports the engine from here: :func:`fit_trim`,
:func:`fit_trim_batch`, :func:`trends_by`, the result types, :data:`REASONS` and the
trend classes. The parts live in :mod:`cop.monitoring.engine`; its package docstring
says what goes where.

Why this design
---------------
* **Fast.** The site effects have a closed form given the year effects, so the Newton
  (Fisher scoring) step only solves a ``p × p`` system (``J × J`` for model 3): the
  Schur complement of the site block. The AR(1) working correlation of a site observed at years ``t_1 < … < t_n`` is
  that of a Markov chain, so its inverse is tridiagonal and is built directly, gaps and
  all. Everything is vectorised over sites *and over fits*: ``trends_by`` stacks
  thousands of (municipality, species) series into one ``(K, I, J)`` array and iterates
  them together. A fit is a few milliseconds; ~14,000 species fits take seconds.
* **Robust.** Maximum-likelihood iterations use step halving (as TRIM); the GEE step is
  joint Fisher scoring and rho is Aitken-accelerated, which also breaks the rare limit
  cycles of TRIM's plain rho update. Neither changes the solution. Should the GEE with
  serial correlation still not converge (sparse series full of zeros), the fit falls
  back to overdispersion only and says so (``serial_correlation_not_converged``).
* **Honest failures.** Where an index cannot be estimated the result says why with a
  stable ``reason`` code plus ``reason_params``, so the UI can translate it: see
  ``REASONS``. Sites without any positive count are dropped from the fit (as TRIM does)
  and reported; years without positive counts get no index (TRIM stops with an error).
* **Pure.** Functions take DataFrames and return DataFrames or dataclasses, and are
  deterministic; caching per dataset version is the caller's job.

Conventions that differ from TRIM where TRIM has none
-----------------------------------------------------
* Time points are the actual years: the overall slope regresses ``ln(total)`` on the year
  and the serial correlation between two observations ``g`` years apart is ``rho**g``.
  For consecutive years this is exactly TRIM.
* A year whose observed counts are all zero (or that has none) is left out of the fit and
  gets no index; a year that is linked to the base year only through sites that were
  counted in no other year is left out too (``year_not_connected``), because its effect
  cannot be told apart from those sites' effects.
* The default base year is the first year with an index (TRIM: time point 1).
* |rho| is capped at 0.99 so that the working correlation stays invertible.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"site": [1, 1, 1, 2, 2, 2], "year": [2020, 2021, 2022] * 2,
...                    "count": [10, 20, 40, 5, 10, 20]})
>>> result = fit_trim(df)
>>> [round(v, 6) for v in result.indices["imputed"]]
[1.0, 2.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from cop.monitoring.engine.batch import Fitted, fit_long, prepare_long
from cop.monitoring.engine.classes import (
    TREND_CLASSES,
    classify_slope,
    classify_slopes,
    trim_label,
    trim_labels,
)
from cop.monitoring.engine.design import ALL_CHANGEPOINTS, AUTO_CHANGEPOINTS, ModelSpec
from cop.monitoring.engine.report import single_result, status_of
from cop.monitoring.engine.results import REASONS, BatchResult, TrimInputError, TrimResult
from cop.monitoring.engine.single import fit_single

__all__ = [
    "REASONS",
    "TREND_CLASSES",
    "BatchResult",
    "TrimInputError",
    "TrimResult",
    "classify_slope",
    "fit_trim",
    "fit_trim_batch",
    "trends_by",
    "trim_label",
]


# ------------------------------------------------------------------- one fit


def fit_trim(
    df: pd.DataFrame,
    site: str = "site",
    year: str = "year",
    count: str = "count",
    base_year: int | None = None,
    overdispersion: bool = True,
    serial_correlation: bool = True,
    duplicates: str = "error",
    model: int = 3,
    changepoints: Sequence[int] | str | None = None,
    stepwise: bool = False,
    covariates: Sequence[str] = (),
    weights: str | None = None,
    overall_changepoints: Sequence[int] | None = None,
) -> TrimResult:
    """Fit a TRIM model to one site × year table of counts.

    Parameters
    ----------
    df
        Long table, one row per site-year. An empty/NaN count means "not counted"
        (a row may also simply be absent). Counts must be non-negative numbers.
    site, year, count
        Column names. Years must be whole numbers.
    base_year
        Year whose index is 1; default the first year with an index.
    overdispersion, serial_correlation
        Estimate ``sigma²`` and ``rho`` as TRIM does (GEE); both off is plain Poisson ML.
    duplicates
        ``"error"`` (default) or ``"sum"`` for several rows of the same site-year.
    model
        TRIM's model: 1 (no time effect), 2 (linear trend with changepoints) or 3 (an
        effect for every year, the default).
    changepoints
        Model 2 only: the years at which the slope may change (a year with data before
        the last one), ``"all"`` (every such year) or ``"auto"`` (all, then TRIM's stepwise
        selection). Default: one slope from the first year.
    stepwise
        Model 2: select the changepoints stepwise (TRIM's procedure, see
        :mod:`cop.monitoring.engine.stepwise`) starting from ``changepoints``.
    covariates
        Columns of categorical site properties (constant within a site) whose classes
        get their own slopes (model 2) or year effects (model 3), with Wald tests.
    weights
        Column of positive site weights (constant within a site): the time totals are
        weighted sums (TRIM's "weighting on").
    overall_changepoints
        Years that split the overall slope into intervals (rtrim's
        ``overall(changepoints=...)``): ``overall_slope_intervals`` gets one entry per
        interval from one year to the next (the last one to the last year).

    Returns
    -------
    TrimResult
        ``ok`` False with ``reason`` when no trend can be estimated.

    Raises
    ------
    TrimInputError
        For unusable input: missing columns, non-numeric or negative counts, duplicate
        site-years (unless summed), invalid model options, a changepoint year outside
        the data, a covariate that varies within a site, invalid weights.
    """
    spec = model_spec(model, changepoints, stepwise, covariates, weights)
    prepared = prepare_long(df, [], site, year, count, base_year, duplicates, spec)
    if prepared is None:
        return TrimResult(ok=False, reason="no_counts", model=model)
    single = fit_single(prepared, spec, overdispersion, serial_correlation)
    return single_result(
        single,
        base_year,
        overdispersion,
        serial_correlation,
        overall_changepoints,
        weighted=weights is not None,
    )


def model_spec(
    model: int,
    changepoints: Sequence[int] | str | None,
    stepwise: bool,
    covariates: Sequence[str],
    weights: str | None,
) -> ModelSpec:
    """Check the model options and bundle them.

    Raises
    ------
    TrimInputError
        ``invalid_model``, ``invalid_changepoints`` (not years, "all" or "auto"),
        ``changepoints_need_model_2`` or ``stepwise_needs_model_2``.
    """
    if model not in (1, 2, 3):
        raise TrimInputError("invalid_model", f"model must be 1, 2 or 3 (got {model!r})")
    if isinstance(changepoints, str):
        cps: tuple[int, ...] | str | None = changepoints.strip().lower()
        if cps not in (ALL_CHANGEPOINTS, AUTO_CHANGEPOINTS):
            raise TrimInputError(
                "invalid_changepoints",
                f"changepoints must be years, 'all' or 'auto' (got {changepoints!r})",
            )
    elif changepoints is None:
        cps = None
    else:
        try:
            cps = tuple(int(c) for c in changepoints)
        except (TypeError, ValueError) as exc:
            raise TrimInputError(
                "invalid_changepoints", f"changepoints must be whole years ({exc})"
            ) from exc
    if cps is not None and model != 2:
        raise TrimInputError(
            "changepoints_need_model_2", "changepoints belong to model 2 (linear trends)"
        )
    if stepwise and model != 2:
        raise TrimInputError("stepwise_needs_model_2", "stepwise selection needs model 2")
    return ModelSpec(
        model=model,
        changepoints=cps,
        stepwise=bool(stepwise),
        covariates=tuple(covariates),
        weights=weights,
    )


# ------------------------------------------------------------------- many fits


def fit_trim_batch(
    df: pd.DataFrame,
    keys: Sequence[str],
    site: str = "site",
    year: str = "year",
    count: str = "count",
    base_year: int | None = None,
    overdispersion: bool = True,
    serial_correlation: bool = True,
    duplicates: str = "error",
    n_jobs: int = 1,
    recent_years: int | None = None,
    model: int = 3,
    changepoints: Sequence[int] | str | None = None,
    covariates: Sequence[str] = (),
    weights: str | None = None,
) -> BatchResult:
    """Fit one TRIM model per combination of ``keys`` (e.g. municipality × species).

    All series are stacked and fitted together, which is what makes ~14,000 fits take
    seconds. Each key uses only the years present in its own rows. ``n_jobs > 1`` spreads
    the work over processes when the input is large (> 50,000 rows). ``model``,
    ``changepoints``, ``covariates`` and ``weights`` are those of :func:`fit_trim`.
    Changepoints are years of the whole table and each series estimates the slopes of the
    intervals within its own years: a changepoint before a series' first year acts at
    that year, one after its last year has nothing to estimate there. Stepwise selection
    is per series, so it is only offered by :func:`fit_trim`.

    Returns
    -------
    BatchResult
        ``summary``: one row per key with ``ok``, ``reason``, ``n_sites``, ``n_observed``,
        ``n_dropped_sites``, ``first_year``, ``last_year``, ``base_year``, the imputed
        slope (``additive``, ``additive_se``, ``multiplicative``, ``multiplicative_se``,
        ``trend_class``, ``significance``), ``multiplicative_model``,
        ``multiplicative_model_se``, ``trend_class_model``, ``overdispersion``,
        ``serial_correlation``, ``serial_correlation_dropped`` (True where the GEE with
        serial correlation did not converge and the fit fell back to overdispersion only).
        ``indices``: keys + year, model, model_se, imputed,
        imputed_se, reason (one row per key-year present).

        With ``recent_years = N`` the summary also has the overall slope of each
        series' last N years (the short-term trend; the same estimator as
        :meth:`TrimResult.overall_slope_interval`, on the years from ``last_year − N + 1``
        to the series' last year with an index): ``recent_from``, ``recent_upto`` (the
        years actually used), the imputed ``recent_additive``, ``recent_additive_se``,
        ``recent_multiplicative``, ``recent_multiplicative_se``, ``recent_trend_class``,
        ``recent_significance`` and the model ``recent_additive_model``,
        ``recent_additive_model_se``, ``recent_multiplicative_model``,
        ``recent_multiplicative_model_se``, ``recent_trend_class_model``. NaN/None
        where fewer than two of those years have an index.
    """
    keys = list(keys)
    if recent_years is not None and recent_years < 2:
        raise ValueError(f"recent_years must be at least 2 (got {recent_years})")
    if not keys:
        raise TrimInputError("missing_keys", "fit_trim_batch needs at least one key column")
    spec = model_spec(model, changepoints, False, covariates, weights)
    if spec.uses_stepwise:
        raise TrimInputError(
            "stepwise_not_in_batch", "stepwise selection is per series: use fit_trim"
        )
    fitted = fit_long(
        df,
        keys,
        site,
        year,
        count,
        base_year,
        overdispersion,
        serial_correlation,
        duplicates,
        n_jobs,
        recent_years=recent_years,
        spec=spec,
    )
    if fitted is None:
        empty = pd.DataFrame(columns=[*keys, "ok", "reason"])
        return BatchResult(empty, pd.DataFrame(columns=[*keys, "year"]))
    g = fitted.g
    status = np.array([status_of(str(s), fitted.base_missing) for s in g["status"]], dtype=object)
    ok = status == ""
    present = g["year_est"] | (g["year_reason"] != "")
    summary = fitted.key_table.copy()
    _add_fit_facts(summary, fitted, status, present)
    _add_slopes(summary, g, ok)
    summary["overdispersion"] = np.where(ok, g["sig2"], np.nan) if overdispersion else np.nan
    summary["serial_correlation"] = np.where(ok, g["rho"], np.nan) if serial_correlation else np.nan
    summary["serial_correlation_dropped"] = g["rho_fallback"]
    if recent_years is not None:
        _add_recent_slopes(summary, g)
    return BatchResult(summary, _batch_indices(fitted, present & ok[:, None]))


def _add_fit_facts(
    summary: pd.DataFrame, fitted: Fitted, status: np.ndarray, present: np.ndarray
) -> None:
    """Columns ``ok`` … ``base_year``: outcome, sites, counts and years of every fit."""
    g, years = fitted.g, fitted.years
    ok = status == ""
    first = np.where(present.any(1), years[present.argmax(1)], -1)
    last = np.where(present.any(1), years[len(years) - 1 - present[:, ::-1].argmax(1)], -1)
    summary["ok"] = ok
    summary["reason"] = pd.array(np.where(ok, None, status), dtype="string")
    summary["n_sites"] = g["n_sites"]
    summary["n_observed"] = g["n_obs"]
    summary["n_dropped_sites"] = [int(sum(1 for r in row if r)) for row in g["site_reason"]]
    summary["first_year"] = pd.array(np.where(first >= 0, first, None), dtype="Int64")
    summary["last_year"] = pd.array(np.where(last >= 0, last, None), dtype="Int64")
    summary["base_year"] = pd.array(np.where(ok, years[g["base"]], None), dtype="Int64")


def _add_slopes(summary: pd.DataFrame, g: dict, ok: np.ndarray) -> None:
    """Columns of the imputed slope with its TRIM label, and of the model slope."""
    mult = np.exp(g["slope_imp"])
    mult_se = mult * g["slope_imp_se"]
    mult_m = np.exp(g["slope_mod"])
    mult_m_se = mult_m * g["slope_mod_se"]
    code, sig = trim_labels(mult, mult_se)
    summary["additive"] = g["slope_imp"]
    summary["additive_se"] = g["slope_imp_se"]
    summary["multiplicative"] = mult
    summary["multiplicative_se"] = mult_se
    summary["trend_class"] = pd.array(np.where(ok, code, None), dtype="string")
    summary["significance"] = pd.array(np.where(ok, sig, None), dtype="string")
    summary["multiplicative_model"] = mult_m
    summary["multiplicative_model_se"] = mult_m_se
    model_class = classify_slopes(mult_m, mult_m_se)
    summary["trend_class_model"] = pd.array(np.where(ok, model_class, None), dtype="string")


def _add_recent_slopes(summary: pd.DataFrame, g: dict) -> None:
    """Columns ``recent_*``: the overall slopes of each series' last years."""
    usable = np.isfinite(g["recent_slope_imp"])
    for name in ("recent_from", "recent_upto"):
        summary[name] = pd.array(np.where(usable, g[name], np.nan), dtype="Float64").astype("Int64")
    for kind, suffix in (("imp", ""), ("mod", "_model")):
        additive, additive_se = g[f"recent_slope_{kind}"], g[f"recent_slope_{kind}_se"]
        mult = np.exp(additive)
        mult_se = mult * additive_se
        code, sig = trim_labels(mult, mult_se)
        summary[f"recent_additive{suffix}"] = additive
        summary[f"recent_additive{suffix}_se"] = additive_se
        summary[f"recent_multiplicative{suffix}"] = mult
        summary[f"recent_multiplicative{suffix}_se"] = mult_se
        summary[f"recent_trend_class{suffix}"] = pd.array(
            np.where(usable, code, None), dtype="string"
        )
        if kind == "imp":
            summary["recent_significance"] = pd.array(np.where(usable, sig, None), dtype="string")


def _batch_indices(fitted: Fitted, shown: np.ndarray) -> pd.DataFrame:
    """The long indices: keys + year, model and imputed index with SEs, reason."""
    g = fitted.g
    kk, jj = np.nonzero(shown)
    indices = fitted.key_table.iloc[kk].reset_index(drop=True)
    indices["year"] = fitted.years[jj].astype(int)
    for name, col in (("model", "idx_mod"), ("imputed", "idx_imp")):
        indices[name] = g[col][kk, jj]
        indices[f"{name}_se"] = g[f"{col}_se"][kk, jj]
    yr = g["year_reason"][kk, jj]
    indices["reason"] = pd.array(np.where(yr == "", None, yr), dtype="string")
    return indices


def trends_by(df: pd.DataFrame, keys: Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """One row per key combination with slope, SE, trend class and reason.

    Shorthand for ``fit_trim_batch(df, keys, **kwargs).summary``.
    """
    return fit_trim_batch(df, keys, **kwargs).summary
