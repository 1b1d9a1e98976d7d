"""TRIM's stepwise selection of changepoints (model 2), for one fit.

Starting from all proposed changepoints, TRIM alternates two steps until neither changes
the model (TRIM 3.61 and rtrim's ``trim_refine``):

1. **removal**: the changepoint whose change in slope has the largest Wald p-value is
   removed when that p-value exceeds :data:`P_REMOVE` (0.20), and the model is refitted;
2. **re-entry**: for every removed changepoint a score test asks whether its change in
   slope would differ from zero (computed at the current fit, the new slope equal to
   the slope of the interval it splits); the one with the smallest p-value re-enters
   when that p-value is below :data:`P_ENTER` (0.15), and the model is refitted.

A lone changepoint at the first year without covariates carries TRIM's slope test rather
than a test of a change, and is never removed (as in TRIM and rtrim).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cop.monitoring.engine.design import Design
from cop.monitoring.engine.gee import Chain, expected, fisher, project, project_vector, to_eta
from cop.monitoring.engine.gee import weights as gee_weights
from cop.monitoring.engine.wald import changepoint_tests, score_test_p

#: Wald p-value above which a changepoint is removed.
P_REMOVE = 0.20
#: Score-test p-value below which a removed changepoint re-enters.
P_ENTER = 0.15


def select(
    proposed: list[int],
    fit: Callable[[list[int]], dict[str, Any]],
    max_rounds: int = 100,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Run the stepwise selection over the changepoint columns ``proposed``.

    ``fit(columns)`` fits model 2 with those changepoint columns and returns a dict with
    at least ``design``, ``beta``, ``var_beta``, ``free`` (the parameters), ``ok`` and
    what :func:`score_test` needs (``prepared``: ``p``, ``alpha``, ``sig2``, ``rho``,
    ``serial_correlation``). Returns the final fit, the steps (``action`` "remove" or
    "add", ``year``, ``p``) and the first fit (all proposed changepoints).
    """
    active = np.ones(len(proposed), dtype=bool)
    current = fit(list(proposed))
    first = current
    steps: list[dict[str, Any]] = []
    for _ in range(max_rounds):
        if not current["ok"]:
            break
        removed = _try_remove(current, proposed, active, steps)
        if removed:
            current = fit([c for c, a in zip(proposed, active, strict=True) if a])
            if not current["ok"]:
                break
        added = _try_add(current, proposed, active, steps)
        if added:
            current = fit([c for c, a in zip(proposed, active, strict=True) if a])
        if not (removed or added):
            break
    return current, steps, first


def _try_remove(current, proposed, active, steps) -> bool:
    design: Design = current["design"]
    if not active.any() or design.single_slope:
        return False
    tests = changepoint_tests(current["beta"], current["var_beta"], design, current["free"])
    if not tests:
        return False
    worst = max(tests, key=lambda t: t["p"])
    if not worst["p"] > P_REMOVE:
        return False
    column = int(np.nonzero(design.years == worst["year"])[0][0])
    active[proposed.index(column)] = False
    steps.append({"action": "remove", "year": worst["year"], "p": worst["p"]})
    return True


def _try_add(current, proposed, active, steps) -> bool:
    design: Design = current["design"]
    p_values = np.ones(len(proposed))
    for i in np.nonzero(~active)[0]:
        trial = active.copy()
        trial[i] = True
        columns = [c for c, a in zip(proposed, trial, strict=True) if a]
        p_values[i] = score_test(current, columns, columns.index(proposed[i]))
    best = int(np.argmin(p_values))
    if not p_values[best] < P_ENTER:
        return False
    active[best] = True
    steps.append({"action": "add", "year": int(design.years[proposed[best]]), "p": p_values[best]})
    return True


def score_test(current: dict[str, Any], columns: list[int], new: int) -> float:
    """p-value of re-entering changepoint ``columns[new]`` into the current fit.

    The extended model's parameters are the current slopes with the new interval's slope
    equal to the one it splits (so the fitted counts do not change); its score and
    information at the current site effects, overdispersion and serial correlation give
    the statistic ``U' I^-1 U``, χ² with one df per block.
    """
    design: Design = current["design"]
    trial = current["rebuild"](columns)
    p0_old, p0_new = design.p0, trial.p0
    blocks = len(design.blocks)
    beta_old = current["beta"].reshape(blocks, p0_old)
    beta_new = np.zeros((blocks, p0_new))
    for b in range(blocks):
        before = beta_old[b, :new]
        repeat = beta_old[b, new - 1 : new] if new > 0 else np.zeros(1)
        beta_new[b] = np.concatenate([before, repeat, beta_old[b, new:]])
    beta_new = beta_new.ravel()
    p = current["structure"](trial)
    chain = Chain(p, trial)
    eta_site = chain.site_eta(to_eta(beta_new[None], trial))
    mu = expected(current["alpha"][None], eta_site, p["obs"])
    s = np.sqrt(mu)
    r = np.where(p["obs"], (p["f"] - mu) / np.where(p["obs"], s, 1.0), 0.0)
    rho = np.array([current["rho"] if current["serial_correlation"] else 0.0])
    sig2 = np.array([current["sig2"] if current["overdispersion"] else 1.0])
    Q = chain.precision(rho) if current["serial_correlation"] else None
    diag, link, w = gee_weights(mu, sig2, Q, chain)
    E_year, d = fisher(diag, link, w, chain)
    if Q is None:
        qr = r
    else:
        qd, qo, qo_prev = Q
        qr = qd * r + qo * chain.next(r) + qo_prev * chain.prev(r)
    u = s * qr / sig2[:, None, None]
    d_safe = np.where(d > 0, d, 1.0)
    u_site = u.sum(axis=2)
    U_year = chain.group_sum(u) - chain.group_sum(w * (u_site / d_safe)[:, :, None])
    E = project(E_year, trial)[0]
    U = project_vector(U_year, trial)[0]
    return score_test_p(U, E, p["free"][0], blocks)
