"""What the engine returns and how it says no: reason codes, the input error, result types."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cop.monitoring.engine.classes import slope_dict
from cop.monitoring.engine.variance import overall_slope

#: Stable reason codes: for a whole fit (``TrimResult.reason``), a year (``indices.reason``)
#: or a dropped site (``dropped_sites[*]["reason"]``).
REASONS = {
    "no_counts": "no site-year has a count",
    "all_zero": "every count is zero",
    "single_year": "fewer than two years have positive counts (params: n_years)",
    "base_year_not_in_data": "the requested base year is not in the data (params: base_year)",
    "base_year_not_estimable": "the base year has no positive counts (params: base_year)",
    "no_convergence": "the estimation did not converge",
    "year_without_counts": "year: no site was counted",
    "year_all_zero": "year: every count is zero",
    "year_not_connected": "year: only counted at sites that link it to no other year",
    "site_all_zero": "site: every count is zero (dropped as in TRIM)",
    "site_not_connected": "site: its counts link to no estimable year (dropped)",
    "serial_correlation_not_converged": "warning: the GEE with serial correlation did not "
    "converge, so the trend was estimated without it (overdispersion only)",
    "covariate_not_estimable": "a covariate class has too few positive counts to estimate "
    "its effects",
    "covariate_single_class": "warning: a covariate with a single class was left out, as "
    "TRIM does (params: covariate)",
}


class TrimInputError(ValueError):
    """Input that cannot be used at all (missing columns, non-numeric or negative counts).

    ``code`` is a stable machine-readable reason and ``params`` its parameters, so that a
    user interface can show a translated message.
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


TOTAL_COLUMNS = ("year", "model", "model_se", "imputed", "imputed_se")
INDEX_COLUMNS = (*TOTAL_COLUMNS, "reason")


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


@dataclass
class TrimResult:
    """Outcome of one TRIM fit (model 1, 2 or 3).

    When ``ok`` is False, ``reason`` (a key of ``REASONS``) and ``reason_params`` say why
    and the numeric fields are empty or NaN. ``indices`` and ``time_totals`` have one row
    per year present in the input; years without an index carry a ``reason``.
    ``overall_slope`` has keys ``"imputed"`` and ``"model"``, each a dict with additive,
    additive_se, multiplicative, multiplicative_se, trend_class, significance ("p<0.01",
    "p<0.05" or None, as TRIM prints it) and label (TRIM's English wording).
    ``overdispersion`` and ``serial_correlation`` are None when not requested (as TRIM).

    What else TRIM reports, by model: ``slopes`` (model 2: one row per interval between
    changepoints and per covariate class: ``covariate``, ``class``, ``from``, ``upto``,
    additive and multiplicative with SEs), ``changepoints`` (model 2: ``year``, ``wald``,
    ``df``, ``p`` of the change in slope), ``time_parameters`` (model 3: year effects
    relative to the first year), ``linear_trend`` (model 3 without covariates: slope,
    deviations and their Wald test), ``covariates`` (Wald test per covariate), ``wald``
    (every test under TRIM's name), ``stepwise`` (the selection's ``steps`` and the
    ``initial`` fit with all proposed changepoints), ``overall_slope_intervals`` (between
    overall changepoints), ``overall_slope_through_base`` (TRIM 3.70's slope without
    intercept), ``time_totals_vcov`` and ``fitted_counts`` (observed, fitted and imputed
    count of every site and year, unweighted, as rtrim's ``results()``).
    """

    ok: bool
    reason: str | None = None
    reason_params: dict[str, Any] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    base_year: int | None = None
    indices: pd.DataFrame = field(default_factory=lambda: _empty(INDEX_COLUMNS))
    time_totals: pd.DataFrame = field(default_factory=lambda: _empty(TOTAL_COLUMNS))
    overall_slope: dict[str, dict[str, Any]] = field(default_factory=dict)
    trend_class: str | None = None
    trend_class_model: str | None = None
    overdispersion: float | None = None
    serial_correlation: float | None = None
    n_sites: int = 0
    n_observed: int = 0
    dropped_sites: list[dict[str, Any]] = field(default_factory=list)
    goodness_of_fit: dict[str, float] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    time_totals_vcov: dict[str, pd.DataFrame] = field(default_factory=dict)
    model: int = 3
    weighted: bool = False
    slopes: list[dict[str, Any]] = field(default_factory=list)
    changepoints: list[dict[str, Any]] = field(default_factory=list)
    time_parameters: pd.DataFrame | None = None
    linear_trend: dict[str, Any] | None = None
    covariates: list[dict[str, Any]] = field(default_factory=list)
    wald: dict[str, Any] = field(default_factory=dict)
    stepwise: dict[str, Any] | None = None
    overall_slope_intervals: list[dict[str, Any]] = field(default_factory=list)
    overall_slope_through_base: dict[str, dict[str, Any]] = field(default_factory=dict)
    fitted_counts: pd.DataFrame | None = None

    def overall_slope_interval(self, from_year: int, upto_year: int) -> dict[str, Any]:
        """TRIM's overall slope of the years ``from_year … upto_year`` (both included).

        The same estimator as ``overall_slope`` (OLS of ln(time total) on the year with a
        sandwich SE from the totals' covariance), restricted to the years of the interval
        that have an index; this is rtrim's ``overall(x, changepoints=...)`` for one
        interval and what monitoring reports call the short-term trend.

        Returns
        -------
        dict
            ``from`` and ``upto``: the first and last year actually used (the requested
            ones when fewer than two years of the interval have an index); ``model`` and
            ``imputed``: dicts with ``additive``, ``additive_se``, ``multiplicative``,
            ``multiplicative_se``, ``trend_class``, ``significance`` and ``label``
            (NaN/None when the slope is not estimable: a failed fit, or fewer than two
            years with an index in the interval).

        Raises
        ------
        ValueError
            When ``from_year >= upto_year``.

        Examples
        --------
        >>> import pandas as pd
        >>> from cop.monitoring.trim import fit_trim
        >>> df = pd.DataFrame({"site": [1] * 4 + [2] * 4, "year": [2020, 2021, 2022, 2023] * 2,
        ...                    "count": [10, 20, 40, 40, 5, 10, 20, 20]})
        >>> part = fit_trim(df).overall_slope_interval(2020, 2022)
        >>> (part["from"], part["upto"], round(part["imputed"]["multiplicative"], 6))
        (2020, 2022, 2.0)
        """
        if from_year >= upto_year:
            raise ValueError(f"from_year ({from_year}) must be before upto_year ({upto_year})")
        out: dict[str, Any] = {"from": int(from_year), "upto": int(upto_year)}
        vcov = self.time_totals_vcov.get("imputed")
        years = np.asarray(vcov.index if vcov is not None else [], dtype=float)
        use = (years >= from_year) & (years <= upto_year)
        if not self.ok or use.sum() < 2:
            for kind in ("model", "imputed"):
                out[kind] = slope_dict(float("nan"), float("nan"))
            return out
        out["from"], out["upto"] = int(years[use][0]), int(years[use][-1])
        totals = self.time_totals.set_index("year")
        for kind in ("model", "imputed"):
            tt = totals.loc[self.time_totals_vcov[kind].index, kind].to_numpy(float)
            var = self.time_totals_vcov[kind].to_numpy(float)
            b, se = overall_slope(tt[None], var[None], years, use[None])
            out[kind] = slope_dict(float(b[0]), float(se[0]))
        return out

    def to_json_dict(self, vcov: bool = False) -> dict[str, Any]:
        """Plain-JSON view (NaN becomes None) for the CLI and for storage.

        ``vcov`` adds the covariance matrices of the model and imputed time totals
        (``{"years": [...], "model": [[...]], "imputed": [[...]]}``).
        """
        imputed = self.overall_slope.get("imputed", {})
        out = {
            "model": self.model,
            "weighted": self.weighted,
            "ok": self.ok,
            "reason": self.reason,
            "reason_params": self.reason_params,
            "base_year": self.base_year,
            "indices": _records(self.indices),
            "time_totals": _records(self.time_totals),
            "overall_slope": {
                k: imputed.get(k)
                for k in ("multiplicative", "multiplicative_se", "additive", "additive_se")
            },
            "overall_slope_model": self.overall_slope.get("model", {}),
            "trend_class": self.trend_class,
            "trend_class_model": self.trend_class_model,
            "trend_label": imputed.get("label"),
            "overdispersion": self.overdispersion,
            "serial_correlation": self.serial_correlation,
            "n_sites": self.n_sites,
            "n_observed": self.n_observed,
            "dropped_sites": self.dropped_sites,
            "goodness_of_fit": self.goodness_of_fit,
            "warnings": self.warnings,
            "changepoints": self.changepoints,
            "slopes": self.slopes,
            "overall_slope_intervals": self.overall_slope_intervals,
            "overall_slope_through_base": self.overall_slope_through_base,
            "covariates": self.covariates,
            "wald": self.wald,
            "stepwise": self.stepwise,
        }
        if self.time_parameters is not None:
            out["time_parameters"] = _records(self.time_parameters)
        if self.linear_trend is not None:
            out["linear_trend"] = {
                "slope": self.linear_trend["slope"],
                "deviations": _records(self.linear_trend["deviations"]),
            }
        if vcov:
            years = [int(y) for y in self.time_totals_vcov.get("imputed", pd.DataFrame()).index]
            out["vcov"] = {"years": years} | {
                kind: frame.to_numpy().tolist() for kind, frame in self.time_totals_vcov.items()
            }
        return _clean_json(out)


@dataclass
class BatchResult:
    """Results of ``fit_trim_batch``: one summary row per key and the long indices."""

    summary: pd.DataFrame
    indices: pd.DataFrame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(False)]


def _clean_json(value: Any) -> Any:
    """Recursively turn numpy scalars into Python ones and NaN/inf into None."""
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA:
        return None
    return value
