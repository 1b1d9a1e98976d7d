"""From converged estimates to what TRIM reports, with TRIM's variance formulas.

Time totals (model and imputed) and their covariance, indices relative to the base year
with delta-method standard errors, the overall slope with a sandwich standard error, and
the goodness of fit. All per fit, for a stack of fits.
"""

from __future__ import annotations

import numpy as np

from cop.monitoring.engine.design import Design
from cop.monitoring.engine.gee import Chain, expected, fisher, inverse, pin, project, weights


def covariances(
    p: dict,
    est: dict,
    x: np.ndarray,
    serial_correlation: bool,
    design: Design | None = None,
    site_weight: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Time totals, their covariances and the goodness of fit at the final estimates.

    ``p`` is :func:`cop.monitoring.engine.structure.prepare`'s output and ``est`` the
    state :func:`cop.monitoring.engine.gee.estimate` returned; ``site_weight`` ``(K, I)``
    the site weights (None: all 1). Returns ``var_beta`` (covariance of the parameters),
    ``tt_mod``/``tt_imp`` (model and imputed time totals, weighted), ``var_mod``/``var_imp``
    (their covariances), ``mu`` (the fitted counts of every cell of the fitted sites),
    ``chi2`` and ``lr``.
    """
    obs, f = p["obs"], p["f"]
    alpha, rho = est["alpha"], est["rho"]
    chain = Chain(p, design)
    eta_site = chain.site_eta(est["eta"])
    mu = expected(alpha, eta_site, obs)
    r = np.where(obs, (f - mu) / np.where(obs, np.sqrt(mu), 1.0), 0.0)
    Q = chain.precision(rho) if serial_correlation else None
    diag, link, w = weights(mu, est["sig2"], Q, chain)
    E_year, d = fisher(diag, link, w, chain)
    free = p["free"]
    both = free[:, :, None] & free[:, None, :]
    Einv = np.where(both, _inverse(pin(project(E_year, design), free)), 0.0)
    site_in = obs.any(axis=2)
    mu_all = expected(alpha, eta_site, site_in[:, :, None] & p["year_est"][:, None, :])
    sw = None if site_weight is None else site_weight[:, :, None]
    wmu_all = mu_all if sw is None else mu_all * sw
    var_mod, var_imp = _total_covariances(
        wmu_all, obs, w, d, Einv, est["sig2"], rho, x, serial_correlation, chain, sw
    )
    f_w = f if sw is None else f * sw
    pos = obs & (f > 0)
    dev = 2 * np.where(pos, f * np.log(np.where(pos, f, 1.0) / np.where(pos, mu, 1.0)), 0.0)
    return dict(
        var_beta=Einv,
        tt_mod=wmu_all.sum(axis=1),
        tt_imp=np.where(obs, f_w, wmu_all).sum(axis=1),
        var_mod=var_mod,
        var_imp=var_imp,
        mu=mu_all,
        chi2=(r * r).sum(axis=(1, 2)),
        lr=dev.sum(axis=(1, 2)),
    )


def _inverse(E: np.ndarray) -> np.ndarray:
    return E if E.shape[1] == 0 else inverse(E)


def _total_covariances(wmu_all, obs, w, d, Einv, sig2, rho, x, serial_correlation, chain, sw):
    """Covariances of the model and the imputed time totals (TRIM's formulas).

    Model totals: ``G d G' + (G F − H) E^-1 (G F − H)'`` over all cells of the fitted
    sites, with ``G`` the (weighted) fitted counts. Imputed totals replace the observed
    cells' part by the observed counts' own (over-dispersed, serially correlated)
    variance, ``w_i² mu_ij`` scaled.
    """
    J = wmu_all.shape[2]
    design = chain.design
    d_safe = np.where(d > 0, d, 1.0)[:, :, None]
    Fmat = np.where(d[:, :, None] > 0, w / d_safe, 0.0)
    idx = np.arange(J)

    def tt_cov(m: np.ndarray) -> np.ndarray:
        if chain.onehot is None:
            A = np.einsum("kij,kil->kjl", m, Fmat)
            A[:, idx, idx] -= m.sum(axis=1)
            A = A[:, None]
        else:
            A = np.einsum("kig,kij,kil->kgjl", chain.onehot, m, Fmat, optimize=True)
            A[:, :, idx, idx] -= chain.group_sum(m)
        if design is None or design.identity:
            A = A[:, 0]
        else:
            A = np.einsum("kgjl,glq->kjq", A, design.B)
        return np.einsum("kij,kil->kjl", m / d_safe, m) + A @ Einv @ A.transpose(0, 2, 1)

    var_mod = tt_cov(wmu_all)
    mu_o = np.where(obs, wmu_all, 0.0)
    if serial_correlation:
        R = rho[:, None, None] ** np.abs(x[:, None] - x[None, :])[None]
    else:
        R = np.eye(J)[None]
    so = np.sqrt(mu_o) if sw is None else np.sqrt(mu_o * sw)
    var_obs = sig2[:, None, None] * np.einsum("kij,kil->kjl", so, so) * R
    return var_mod, var_mod - tt_cov(mu_o) + var_obs


def indices(tt: np.ndarray, var: np.ndarray, base: np.ndarray, est: np.ndarray):
    """Indices relative to the base year with delta-method SEs (TRIM's ``index``)."""
    K = tt.shape[0]
    k = np.arange(K)
    tb = tt[k, base][:, None]
    vbb = var[k, base, base][:, None]
    vbj = var[k, base, :]
    vjj = np.diagonal(var, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = tt / tb
        v = tt**2 / tb**4 * vbb - 2 * tt / tb**3 * vbj + vjj / tb**2
    se = np.sqrt(np.clip(v, 0, None))
    se[k, base] = 0.0
    return np.where(est, tau, np.nan), np.where(est, se, np.nan)


def overall_slope(tt: np.ndarray, var: np.ndarray, x: np.ndarray, est: np.ndarray):
    """OLS slope of ln(total) on year with a sandwich SE from the totals' covariance."""
    m = est.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(est & (tt > 1e-6), np.log(np.where(tt > 0, tt, 1.0)), 0.0)
        inv_tt = np.where(est, 1.0 / np.where(tt > 1e-6, tt, 1.0), 0.0)
    xc = x - x.min()
    X = np.stack([m, m * xc[None, :]], axis=1)  # (K, 2, J): rows X' M
    XtX = X @ np.stack([np.ones_like(m), np.broadcast_to(xc, m.shape)], axis=2)
    XtX[:, [0, 1], [0, 1]] += (m.sum(axis=1) < 2)[:, None]  # keep singular fits finite
    L = np.linalg.solve(XtX, X)
    b = (L @ y[:, :, None])[:, 1, 0]
    om = inv_tt[:, :, None] * var * inv_tt[:, None, :]
    vb = (L @ om @ L.transpose(0, 2, 1))[:, 1, 1]
    se = np.sqrt(np.clip(vb, 0, None))
    return b, se


def interval_mask(est: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Years with an index inside ``[lo, hi]`` (per fit): the points of an interval slope."""
    return est & (x[None, :] >= lo[:, None]) & (x[None, :] <= hi[:, None])


def recent_window(est: np.ndarray, x: np.ndarray, n_years: int) -> np.ndarray:
    """Per fit the years with an index among its last ``n_years`` years.

    The window ends at the fit's last year with an index and starts ``n_years − 1``
    years earlier (so ``n_years`` time points when no year is missing).
    """
    has = est.any(axis=1)
    last = np.where(has, x[x.size - 1 - est[:, ::-1].argmax(axis=1)], np.nan)
    return interval_mask(est, x, last - (n_years - 1), last)


def summarise(
    res: dict, x: np.ndarray, recent_years: int | None = None, detail: bool = False
) -> dict:
    """Per-fit arrays (first axis = fit) of everything the public results need.

    ``res`` is what :func:`cop.monitoring.engine.batch.fit_stack` returns. With
    ``recent_years`` the overall slopes of each fit's last ``recent_years`` years are
    added (``recent_slope_mod`` …, ``recent_from``/``recent_upto``); with ``detail``
    what a single fit reports beyond a batch row: the covariances of the model and
    imputed time totals (``var_mod``, ``var_imp``), the parameters and their covariance
    (``beta``, ``var_beta``) and the cells (``alpha``, ``mu``, ``obs``, ``f``).
    """
    p, ok = res["p"], res["status"] == ""
    est = p["year_est"] & ok[:, None]
    out = {k: res[k] for k in ("status", "sig2", "rho", "chi2", "lr", "df")}
    for k in ("base", "year_est", "year_reason", "site_reason", "n_sites", "n_obs"):
        out[k] = p[k]
    window = recent_window(est, x, recent_years) if recent_years else None
    for kind in ("mod", "imp"):
        tt, var = res[f"tt_{kind}"], res[f"var_{kind}"]
        slope, slope_se = overall_slope(tt, var, x, est)
        out[f"tt_{kind}"] = np.where(est, tt, np.nan)
        var_diag = np.clip(np.diagonal(var, 0, 1, 2), 0, None)
        out[f"tt_{kind}_se"] = np.where(est, np.sqrt(var_diag), np.nan)
        out[f"idx_{kind}"], out[f"idx_{kind}_se"] = indices(tt, var, p["base"], est)
        out[f"slope_{kind}"] = np.where(ok, slope, np.nan)
        out[f"slope_{kind}_se"] = np.where(ok, slope_se, np.nan)
        if window is not None:
            b, se = overall_slope(tt, var, x, window)
            usable = ok & (window.sum(axis=1) >= 2)
            out[f"recent_slope_{kind}"] = np.where(usable, b, np.nan)
            out[f"recent_slope_{kind}_se"] = np.where(usable, se, np.nan)
        if detail:
            both = est[:, :, None] & est[:, None, :]
            out[f"var_{kind}"] = np.where(both, var, np.nan)
    if window is not None:
        has = window.any(axis=1)
        J = x.size
        out["recent_from"] = np.where(has, x[window.argmax(axis=1)], np.nan)
        out["recent_upto"] = np.where(has, x[J - 1 - window[:, ::-1].argmax(axis=1)], np.nan)
    if detail:
        for name in ("beta", "var_beta", "alpha", "mu"):
            out[name] = res[name]
        out["obs"], out["f"] = p["obs"], p["f"]
        out["free"] = p["free"]
    out["rho_fallback"] = np.zeros(len(ok), bool)
    return out
