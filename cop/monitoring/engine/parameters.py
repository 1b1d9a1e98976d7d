"""The parameter tables TRIM prints, from the estimates and their covariance.

* model 2: the slope of every interval between changepoints (``from``, ``upto`` years),
  for the baseline and every covariate class;
* model 3: the effect of every year relative to the first year (TRIM's "parameters for
  each time point"), for the baseline and every covariate class, and, without
  covariates, the same effects as a linear trend plus deviations (TRIM's
  reparameterisation, with the deviations' Wald test);
* the overall slope "through the base time point" that TRIM 3.70 also prints: the
  regression of ln(index) on (year − base year) without intercept.

Multiplicative values are ``exp(additive)`` with delta-method SEs, as TRIM prints them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cop.monitoring.engine.design import Design
from cop.monitoring.engine.wald import wald

PARAMETER_COLUMNS = ("additive", "additive_se", "multiplicative", "multiplicative_se")


def _values(b: float, se: float) -> dict[str, float]:
    mult = float(np.exp(b))
    return {
        "additive": float(b),
        "additive_se": float(se),
        "multiplicative": mult,
        "multiplicative_se": mult * float(se),
    }


def _block_labels(block: dict[str, Any]) -> dict[str, Any]:
    return {"covariate": block["covariate"], "class": block.get("class")}


def interval_slopes(
    beta: np.ndarray, var_beta: np.ndarray, design: Design, free: np.ndarray
) -> list[dict[str, Any]]:
    """Model 2: one row per block and interval between changepoints.

    Rows: ``covariate`` (None for the baseline), ``class``, ``from``, ``upto`` (years)
    and the additive and multiplicative slope with SEs. Intervals the fit could not
    estimate (outside its years) are left out.
    """
    if design.model != 2:
        return []
    se = np.sqrt(np.clip(np.diagonal(var_beta), 0, None))
    cps = list(design.changepoints)
    years = design.years
    rows = []
    for b, block in enumerate(design.blocks):
        for c, col in enumerate(cps):
            q = b * design.p0 + c
            if not free[q]:
                continue
            upto = cps[c + 1] if c + 1 < len(cps) else len(years) - 1
            rows.append(
                {
                    **_block_labels(block),
                    "from": int(years[col]),
                    "upto": int(years[upto]),
                    **_values(beta[q], se[q]),
                }
            )
    return rows


def _relative_to_first(design_p0: int, n_blocks: int, first: int) -> np.ndarray:
    """``(p, p)``: each block's year effects minus that block's first-year effect."""
    T = np.eye(design_p0)
    T[:, first] -= 1.0
    return np.kron(np.eye(n_blocks), T)


def time_parameters(
    beta: np.ndarray, var_beta: np.ndarray, design: Design | None, years: np.ndarray, est
) -> pd.DataFrame:
    """Model 3: the year effects of every block relative to the first year with an index.

    Columns ``covariate``, ``class``, ``year`` and the additive and multiplicative
    effect with SEs; one row per block and year with an index.
    """
    blocks = [{"covariate": None}] if design is None else design.blocks
    J = len(years)
    first = int(np.argmax(est))
    T = _relative_to_first(J, len(blocks), first)
    b, V = T @ beta, T @ var_beta @ T.T
    se = np.sqrt(np.clip(np.diagonal(V), 0, None))
    rows = []
    for blk, block in enumerate(blocks):
        for j in np.nonzero(est)[0]:
            q = blk * J + j
            rows.append({**_block_labels(block), "year": int(years[j]), **_values(b[q], se[q])})
    frame = pd.DataFrame(rows, columns=["covariate", "class", "year", *PARAMETER_COLUMNS])
    for column in ("covariate", "class"):  # None for the baseline, not NaN
        frame[column] = pd.Series([row[column] for row in rows], dtype=object)
    return frame


def linear_trend(
    beta: np.ndarray, var_beta: np.ndarray, years: np.ndarray, est: np.ndarray
) -> dict[str, Any]:
    """Model 3 without covariates as a linear trend plus deviations (TRIM's
    reparameterisation ``gamma_j = a + b·d_j + gamma*_j``, ``d_j = year_j − mean year``).

    Returns ``slope`` (additive and multiplicative with SEs), ``deviations`` (a frame
    per year with an index) and ``wald`` (the test of the deviations, ``J − 2`` df).
    """
    idx = np.nonzero(est)[0]
    J = len(years)
    T0 = _relative_to_first(J, 1, int(idx[0]))
    g = (T0 @ beta)[idx]
    Vg = (T0 @ var_beta @ T0.T)[np.ix_(idx, idx)]
    n = len(idx)
    d = years[idx] - years[idx].mean()
    D = float(d @ d)
    T = np.vstack([d / D, np.eye(n) - 1.0 / n - np.outer(d, d) / D])
    theta, V = T @ g, T @ Vg @ T.T
    se = np.sqrt(np.clip(np.diagonal(V), 0, None))
    deviations = pd.DataFrame(
        [{"year": int(years[j]), **_values(theta[1 + m], se[1 + m])} for m, j in enumerate(idx)]
    )
    test = wald(theta[3:], V[3:, 3:]) if n > 2 else wald(np.zeros(0), np.zeros((0, 0)))
    return {"slope": _values(theta[0], se[0]), "deviations": deviations, "wald": test}


def slope_through_base(
    tt: np.ndarray, var: np.ndarray, x: np.ndarray, est: np.ndarray, base: int
) -> tuple[float, float]:
    """Slope of ln(total_j / total_base) on (year_j − base year) without intercept, with
    its delta-method SE from the totals' covariance (TRIM 3.70's "through base time
    point")."""
    idx = np.nonzero(est)[0]
    t = x[idx] - x[base]
    c = t / float(t @ t)
    y = np.log(tt[idx]) - np.log(tt[base])
    Dm = np.diag(1.0 / tt[idx])
    Dm[:, list(idx).index(base)] -= 1.0 / tt[base]
    var_y = Dm @ var[np.ix_(idx, idx)] @ Dm.T
    return float(c @ y), float(np.sqrt(max(c @ var_y @ c, 0.0)))
