"""From one fitted series to the :class:`TrimResult` people and programs read.

Everything TRIM prints for a run: indices and time totals with their covariance, overall
slopes (also per interval between overall changepoints and through the base year),
dispersion and goodness of fit, the parameters (model 2's slopes per interval, model 3's
year effects and linear trend), the Wald tests, the stepwise selection and the fitted
counts of every site and year.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from cop.monitoring.engine.batch import Fitted
from cop.monitoring.engine.classes import slope_dict
from cop.monitoring.engine.design import Design
from cop.monitoring.engine.parameters import (
    interval_slopes,
    linear_trend,
    slope_through_base,
    time_parameters,
)
from cop.monitoring.engine.results import TrimInputError, TrimResult
from cop.monitoring.engine.single import SingleFit
from cop.monitoring.engine.wald import changepoint_tests, chi2_sf, covariate_tests


def single_result(
    single: SingleFit,
    base_year: int | None,
    overdispersion: bool,
    serial_correlation: bool,
    overall_changepoints: Sequence[int] | None = None,
    weighted: bool = False,
) -> TrimResult:
    """The :class:`TrimResult` of a :func:`cop.monitoring.engine.single.fit_single`."""
    fitted = single.fitted
    result = outcome(fitted, base_year)
    result.model = 3 if single.design is None else single.design.model
    result.weighted = weighted
    result.warnings.extend(
        {"code": "covariate_single_class", "covariate": name} for name in fitted.dropped_covariates
    )
    if not result.ok:
        return result
    fill_estimates(result, fitted, overdispersion, serial_correlation)
    _fill_parameters(result, fitted, single.design)
    result.fitted_counts = _fitted_counts(fitted)
    if single.stepwise_steps is not None:
        result.stepwise = {
            "steps": single.stepwise_steps,
            "initial": _initial_fit(single.stepwise_first, overdispersion, serial_correlation),
        }
    if overall_changepoints:
        result.overall_slope_intervals = _overall_intervals(result, overall_changepoints)
    return result


def outcome(fitted: Fitted, base_year: int | None) -> TrimResult:
    """Whether the single fit worked, why not, and its years, sites and dropped sites."""
    g, years = fitted.g, fitted.years
    status = status_of(str(g["status"][0]), fitted.base_missing)
    present = g["year_est"][0] | (g["year_reason"][0] != "")
    dropped = [
        {"site": _py(s), "reason": str(r)}
        for s, r in zip(fitted.site_labels, g["site_reason"][0], strict=False)
        if r
    ]
    return TrimResult(
        ok=status == "",
        reason=status or None,
        reason_params=reason_params(status, g, 0, base_year),
        years=[int(y) for y in years[present]],
        n_sites=int(g["n_sites"][0]),
        n_observed=int(g["n_obs"][0]),
        dropped_sites=dropped,
    )


def fill_estimates(
    result: TrimResult, fitted: Fitted, overdispersion: bool, serial_correlation: bool
) -> None:
    """Indices, time totals, slopes, dispersion and fit statistics of a fit that worked."""
    g, years = fitted.g, fitted.years
    present = g["year_est"][0] | (g["year_reason"][0] != "")
    result.base_year = int(years[g["base"][0]])
    reason = np.where(g["year_est"][0], None, g["year_reason"][0])[present]
    result.indices = _year_frame(g, years, present, "idx")
    result.indices["reason"] = pd.array(reason, dtype="string")
    result.time_totals = _year_frame(g, years, present, "tt")
    result.overall_slope = {
        "imputed": slope_dict(g["slope_imp"][0], g["slope_imp_se"][0]),
        "model": slope_dict(g["slope_mod"][0], g["slope_mod_se"][0]),
    }
    est = g["year_est"][0]
    labels = pd.Index(years[est].astype(int), name="year")
    result.time_totals_vcov = {
        kind: pd.DataFrame(g[f"var_{key}"][0][np.ix_(est, est)], index=labels, columns=labels)
        for kind, key in (("model", "mod"), ("imputed", "imp"))
    }
    x = years.astype(float)
    result.overall_slope_through_base = {
        kind: slope_dict(
            *slope_through_base(g[f"tt_{key}"][0], g[f"var_{key}"][0], x, est, int(g["base"][0]))
        )
        for kind, key in (("model", "mod"), ("imputed", "imp"))
    }
    result.trend_class = result.overall_slope["imputed"]["trend_class"]
    result.trend_class_model = result.overall_slope["model"]["trend_class"]
    result.overdispersion = float(g["sig2"][0]) if overdispersion else None
    result.serial_correlation = float(g["rho"][0]) if serial_correlation else None
    if g["rho_fallback"][0]:
        result.serial_correlation = None
        result.warnings.append({"code": "serial_correlation_not_converged"})
    result.goodness_of_fit = goodness_of_fit(g, 0)


def goodness_of_fit(g: dict, k: int) -> dict[str, float]:
    """Pearson χ², likelihood ratio (with p-values), their df and TRIM's AIC."""
    df = int(g["df"][k])
    chi2, lr = float(g["chi2"][k]), float(g["lr"][k])
    return {
        "pearson_chi2": chi2,
        "pearson_p": chi2_sf(chi2, df),
        "likelihood_ratio": lr,
        "likelihood_ratio_p": chi2_sf(lr, df),
        "aic": lr - 2 * df,
        "df": df,
    }


def _fill_parameters(result: TrimResult, fitted: Fitted, design: Design | None) -> None:
    """Parameters and Wald tests: model 2's slopes, model 3's year effects, covariates."""
    g = fitted.g
    beta, var_beta, free = g["beta"][0], g["var_beta"][0], g["free"][0]
    x = fitted.years.astype(float)
    est = g["year_est"][0]
    result.wald = {}
    if result.model == 3:
        result.time_parameters = time_parameters(beta, var_beta, design, x, est)
        if design is None:
            result.linear_trend = linear_trend(beta, var_beta, x, est)
            result.wald["deviations_from_linear_trend"] = result.linear_trend["wald"]
    if design is None:
        return
    if design.model == 2:
        result.slopes = interval_slopes(beta, var_beta, design, free)
        result.changepoints = changepoint_tests(beta, var_beta, design, free)
        if design.single_slope:
            result.wald["slope"] = {k: v for k, v in result.changepoints[0].items() if k != "year"}
        else:
            result.wald["changes_in_slope"] = result.changepoints
    if len(design.blocks) > 1:
        result.covariates = [
            {**test, "classes": _classes(design, test["covariate"])}
            for test in covariate_tests(beta, var_beta, design, free)
        ]
        result.wald["covariates"] = result.covariates


def _classes(design: Design, name: str) -> list[Any]:
    """A covariate's class labels, the first (baseline) class first."""
    return next(list(labels) for cov, labels in design.covariates if cov == name)


def _initial_fit(
    first: Fitted | None, overdispersion: bool, serial_correlation: bool
) -> dict[str, Any]:
    """What TRIM prints for the model with all proposed changepoints, before selection."""
    if first is None:
        return {}
    g, design = first.g, first.design
    beta, var_beta, free = g["beta"][0], g["var_beta"][0], g["free"][0]
    out: dict[str, Any] = {
        "changepoints": changepoint_tests(beta, var_beta, design, free),
        "overdispersion": float(g["sig2"][0]) if overdispersion else None,
        "serial_correlation": float(g["rho"][0]) if serial_correlation else None,
        "goodness_of_fit": goodness_of_fit(g, 0),
    }
    if design is not None and len(design.blocks) > 1:
        out["covariates"] = covariate_tests(beta, var_beta, design, free)
    return out


def _fitted_counts(fitted: Fitted) -> pd.DataFrame:
    """Observed, fitted and imputed count of every site and year of the fit (rtrim's
    ``results()``); sites left out of the fit have no fitted value."""
    g, years = fitted.g, fitted.years
    present = g["year_est"][0] | (g["year_reason"][0] != "")
    obs, f, mu = g["obs"][0], g["f"][0], g["mu"][0]
    n_sites = len(g["site_reason"][0])
    sites = np.repeat(fitted.site_labels[:n_sites], present.sum())
    cols = np.nonzero(present)[0]
    observed = np.where(obs[:n_sites][:, cols], f[:n_sites][:, cols], np.nan)
    fit_in = (g["site_reason"][0] == "")[:, None] & g["year_est"][0][cols][None, :]
    fitted_mu = np.where(fit_in, mu[:n_sites][:, cols], np.nan)
    return pd.DataFrame(
        {
            "site": sites,
            "year": np.tile(years[cols].astype(int), n_sites),
            "observed": observed.ravel(),
            "fitted": fitted_mu.ravel(),
            "imputed": np.where(np.isnan(observed), fitted_mu, observed).ravel(),
        }
    )


def _overall_intervals(result: TrimResult, changepoints: Sequence[int]) -> list[dict[str, Any]]:
    """rtrim's ``overall(x, changepoints=...)``: the overall slope of every interval
    from one overall changepoint to the next (the last one to the last year).

    Raises
    ------
    TrimInputError
        ``overall_changepoint_outside_data`` for a year without an index or not before
        the last year with one.
    """
    years = [int(y) for y in result.time_totals_vcov["imputed"].index]
    wanted = sorted({int(c) for c in changepoints})
    bad = [c for c in wanted if c not in years[:-1]]
    if bad:
        raise TrimInputError(
            "overall_changepoint_outside_data",
            f"overall changepoint year(s) {', '.join(map(str, bad))} not among the years "
            f"with an index before the last one ({years[0]}–{years[-2]})",
            years=bad,
        )
    bounds = [*wanted, years[-1]]
    return [result.overall_slope_interval(a, b) for a, b in pairwise(bounds)]


def _year_frame(g: dict, years: np.ndarray, present: np.ndarray, prefix: str) -> pd.DataFrame:
    """Model and imputed values with SEs per present year (``idx``: indices, ``tt``: totals)."""
    return pd.DataFrame(
        {
            "year": years[present].astype(int),
            "model": g[f"{prefix}_mod"][0][present],
            "model_se": g[f"{prefix}_mod_se"][0][present],
            "imputed": g[f"{prefix}_imp"][0][present],
            "imputed_se": g[f"{prefix}_imp_se"][0][present],
        }
    )


def status_of(status: str, base_missing: bool) -> str:
    if status == "base_year_not_in_data" or (base_missing and status == ""):
        return "base_year_not_in_data"
    return status


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def reason_params(status: str, g: dict, k: int, base_year: int | None) -> dict[str, Any]:
    if status == "single_year":
        return {"n_years": int(g["year_est"][k].sum())}
    if status.startswith("base_year"):
        return {"base_year": base_year}
    return {}
