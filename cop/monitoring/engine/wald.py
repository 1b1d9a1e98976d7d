"""TRIM's Wald tests on the estimated parameters, and the score test of stepwise selection.

A Wald test of parameters ``theta`` with covariance ``V`` is ``W = theta' V^-1 theta``,
χ² with ``len(theta)`` degrees of freedom. TRIM reports, depending on the model:

* model 2 with one slope from the first year and no covariates: the **slope** itself;
* model 2 otherwise: the **change in slope** at every changepoint (``beta_c − beta_{c−1}``,
  the first one against no trend), jointly over the baseline and every covariate class;
* model 3 without covariates: the **deviations from a linear trend** (``J − 2`` df);
* models 2 and 3 with covariates: the **effect of each covariate** (all its class
  parameters).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import gammaincc

from cop.monitoring.engine.design import Design


def chi2_sf(statistic: float, df: int) -> float:
    """Upper tail of the χ² distribution (the p-value of a Wald or score statistic).

    Examples
    --------
    >>> round(chi2_sf(3.841458820694124, 1), 6)
    0.05
    """
    if df <= 0 or not np.isfinite(statistic):
        return float("nan")
    return float(gammaincc(df / 2.0, max(statistic, 0.0) / 2.0))


def wald(theta: np.ndarray, var: np.ndarray) -> dict[str, Any]:
    """``{"wald", "df", "p"}`` of the hypothesis ``theta = 0``."""
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    var = np.atleast_2d(np.asarray(var, dtype=float))
    if theta.size == 0:
        return {"wald": float("nan"), "df": 0, "p": float("nan")}
    try:
        statistic = float(theta @ np.linalg.solve(var, theta))
    except np.linalg.LinAlgError:
        statistic = float(theta @ np.linalg.pinv(var) @ theta)
    return {"wald": statistic, "df": int(theta.size), "p": chi2_sf(statistic, theta.size)}


def slope_changes(design: Design) -> np.ndarray:
    """``(p, p)`` matrix taking the slopes of every block to their changes at the
    changepoints (first changepoint: the slope itself)."""
    p0, n_blocks = design.p0, len(design.blocks)
    A = np.eye(p0) - np.eye(p0, k=-1)
    return np.kron(np.eye(n_blocks), A)


def changepoint_tests(
    beta: np.ndarray, var_beta: np.ndarray, design: Design, free: np.ndarray
) -> list[dict[str, Any]]:
    """Model 2: per changepoint the Wald test of the change in slope (all blocks jointly).

    With a single changepoint at the first year and no covariates this is TRIM's test of
    the slope parameter. Changepoints whose slopes the fit could not estimate (outside its
    years) are left out.
    """
    if design.model != 2 or design.p0 == 0:
        return []
    T = slope_changes(design)
    dbeta, var_d = T @ beta, T @ var_beta @ T.T
    p0, n_blocks = design.p0, len(design.blocks)
    out = []
    for c, col in enumerate(design.changepoints):
        idx = c + p0 * np.arange(n_blocks)
        if not free[idx].all():
            continue
        test = wald(dbeta[idx], var_d[np.ix_(idx, idx)])
        out.append({"year": int(design.years[col]), **test})
    return out


def covariate_tests(
    beta: np.ndarray, var_beta: np.ndarray, design: Design, free: np.ndarray
) -> list[dict[str, Any]]:
    """Per covariate the Wald test of all its effects (every class but the first)."""
    out: list[dict[str, Any]] = []
    names = list(dict.fromkeys(b["covariate"] for b in design.blocks[1:]))
    for name in names:
        cols = np.concatenate(
            [
                np.arange(b * design.p0, (b + 1) * design.p0)
                for b, block in enumerate(design.blocks)
                if block["covariate"] == name
            ]
        )
        cols = cols[free[cols]]
        out.append({"covariate": name, **wald(beta[cols], var_beta[np.ix_(cols, cols)])})
    return out


def score_test_p(U: np.ndarray, E: np.ndarray, free: np.ndarray, df: int) -> float:
    """p-value of the score statistic ``U' E^-1 U`` on the free parameters (TRIM's test
    for re-entering a changepoint in the stepwise selection)."""
    U, E = U[free], E[np.ix_(free, free)]
    try:
        statistic = float(U @ np.linalg.solve(E, U))
    except np.linalg.LinAlgError:
        statistic = float(U @ np.linalg.pinv(E) @ U)
    return chi2_sf(statistic, df)
