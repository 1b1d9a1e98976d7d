"""TRIM-style population trends from site × year counts.

This module reproduces model 3 of TRIM (Statistics Netherlands' *TRends and Indices for
Monitoring data*): the log-linear model ``ln mu_ij = alpha_i + gamma_j`` (one effect per
site and one per year, ``gamma_base = 0``) fitted to the observed site-years only, with
overdispersion and serial correlation estimated by generalised estimating equations (GEE)
exactly as TRIM does. From the fit it derives model and imputed time totals, yearly
indices with standard errors, the overall multiplicative slope and TRIM's trend class.
It was validated against TRIM 3.61's published skylark runs (see ``tests/test_trends.py``).

Why this design
---------------
* **Fast.** The site effects have a closed form given the year effects, so the Newton
  (Fisher scoring) step only solves a ``J × J`` system: the Schur complement of the site
  block. The AR(1) working correlation of a site observed at years ``t_1 < … < t_n`` is
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

import math
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "REASONS",
    "TREND_CLASSES",
    "BatchResult",
    "TrimInputError",
    "TrimResult",
    "classify_slope",
    "fit_trim",
    "fit_trim_batch",
    "multi_species_indicator",
    "trends_by",
    "trim_label",
]

Z95 = 1.959963984540054
Z99 = 2.5758293035489004

#: Trend classes of the TRIM manual, as stable codes (Dutch: sterke toename, matige
#: toename, stabiel, onzeker, matige afname, sterke afname).
TREND_CLASSES = (
    "strong_increase",
    "moderate_increase",
    "stable",
    "uncertain",
    "moderate_decline",
    "steep_decline",
)
_CLASS_TEXT = {
    "strong_increase": "Strong increase",
    "moderate_increase": "Moderate increase",
    "stable": "Stable",
    "uncertain": "Uncertain",
    "moderate_decline": "Moderate decline",
    "steep_decline": "Steep decline",
}

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


# --------------------------------------------------------------------------- results

_TOTAL_COLUMNS = ("year", "model", "model_se", "imputed", "imputed_se")
_INDEX_COLUMNS = (*_TOTAL_COLUMNS, "reason")


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})


@dataclass
class TrimResult:
    """Outcome of one TRIM model-3 fit.

    When ``ok`` is False, ``reason`` (a key of ``REASONS``) and ``reason_params`` say why
    and the numeric fields are empty or NaN. ``indices`` and ``time_totals`` have one row
    per year present in the input; years without an index carry a ``reason``.
    ``overall_slope`` has keys ``"imputed"`` and ``"model"``, each a dict with additive,
    additive_se, multiplicative, multiplicative_se, trend_class, significance ("p<0.01",
    "p<0.05" or None, as TRIM prints it) and label (TRIM's English wording).
    ``overdispersion`` and ``serial_correlation`` are None when not requested (as TRIM).
    """

    ok: bool
    reason: str | None = None
    reason_params: dict[str, Any] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    base_year: int | None = None
    indices: pd.DataFrame = field(default_factory=lambda: _empty(_INDEX_COLUMNS))
    time_totals: pd.DataFrame = field(default_factory=lambda: _empty(_TOTAL_COLUMNS))
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
    iterations: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        """Plain-JSON view (NaN becomes None) for the CLI and for storage."""
        imputed = self.overall_slope.get("imputed", {})
        out = {
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


# ----------------------------------------------------------------- classification


def classify_slope(mult: float, se_mult: float, z: float = Z95) -> str:
    """TRIM manual trend class of a multiplicative slope.

    The confidence interval is ``mult ± z · se_mult`` on the multiplicative scale (this
    reproduces all TRIM 3.61 labels; rtrim's additive t-interval does not). Strength
    outranks significance: a lower limit above 1.05 is a strong increase even when the
    interval is wide. Returns one of ``TREND_CLASSES``, or "uncertain" for NaN input.

    Examples
    --------
    >>> classify_slope(1.0497, 0.0112)
    'moderate_increase'
    >>> classify_slope(1.00, 0.01)
    'stable'
    """
    if not (np.isfinite(mult) and np.isfinite(se_mult)):
        return "uncertain"
    lower, upper = mult - z * se_mult, mult + z * se_mult
    if lower > 1.05:
        return "strong_increase"
    if upper < 0.95:
        return "steep_decline"
    if lower > 1.0:
        return "moderate_increase"
    if upper < 1.0:
        return "moderate_decline"
    if lower > 0.95 and upper < 1.05:
        return "stable"
    return "uncertain"


def trim_label(mult: float, se_mult: float) -> tuple[str, str | None, str]:
    """Class, significance and English label as TRIM 3.61 prints them.

    A strong trend at p<0.01 outranks one at p<0.05, which outranks a moderate trend at
    p<0.01, and so on (the order in rtrim's ``overall()``).

    Examples
    --------
    >>> trim_label(1.0497, 0.0112)
    ('moderate_increase', 'p<0.01', 'Moderate increase (p<0.01)')
    """
    strict, loose = classify_slope(mult, se_mult, Z99), classify_slope(mult, se_mult, Z95)
    for wanted in (("strong_increase", "steep_decline"), ("moderate_increase", "moderate_decline")):
        for code, sig in ((strict, "p<0.01"), (loose, "p<0.05")):
            if code in wanted:
                return code, sig, f"{_CLASS_TEXT[code]} ({sig})"
    return loose, None, _CLASS_TEXT[loose]


# ----------------------------------------------------------------- numerical core


def _prepare(F: np.ndarray, ymask: np.ndarray, x: np.ndarray, base: np.ndarray) -> dict:
    """Decide per fit which sites and years take part, and why others do not.

    F is ``(K, I, J)`` with NaN for "not counted" (and for padding), ymask ``(K, J)`` marks
    the years present in each fit, base ``(K,)`` the requested base-year column or -1.
    """
    K, n_site, J = F.shape
    k = np.arange(K)
    finite = np.isfinite(F) & ymask[:, None, :]
    pos = finite & (F > 0)
    site_any, site_pos = finite.any(axis=2), pos.any(axis=2)
    year_any = (finite & site_pos[:, :, None]).any(axis=1)
    year_pos = pos.any(axis=1)
    auto = base < 0
    b = np.where(auto, year_pos.argmax(axis=1), np.maximum(base, 0))
    # years and sites linked to the base year through positive counts
    reach = np.zeros((K, J), bool)
    reach[k, b] = year_pos[k, b]
    for _ in range(J):
        site_reach = (pos & reach[:, None, :]).any(axis=2)
        new = (pos & site_reach[:, :, None]).any(axis=1) | reach
        if (new == reach).all():
            break
        reach = new
    year_est = reach & ymask
    obs = finite & site_reach[:, :, None] & year_est[:, None, :]
    n_counts = finite.sum(axis=(1, 2))
    status = np.full(K, "", dtype=object)
    status[(n_counts > 0) & ~pos.any(axis=(1, 2))] = "all_zero"
    status[n_counts == 0] = "no_counts"
    status[(status == "") & ~auto & ~ymask[k, b]] = "base_year_not_in_data"
    status[(status == "") & ~auto & ~year_pos[k, b]] = "base_year_not_estimable"
    status[(status == "") & (year_est.sum(axis=1) < 2)] = "single_year"
    year_reason = np.full((K, J), "", dtype=object)
    gone = ymask & ~year_est
    year_reason[gone & ~year_any] = "year_without_counts"
    year_reason[gone & year_any & ~year_pos] = "year_all_zero"
    year_reason[gone & year_pos] = "year_not_connected"
    site_reason = np.full((K, n_site), "", dtype=object)
    site_reason[site_any & ~site_pos] = "site_all_zero"
    site_reason[site_pos & ~site_reach] = "site_not_connected"
    # links between successive observed years of a site (for the AR(1) precision)
    nxt = np.full((K, n_site, J), J, dtype=np.int64)
    prv = np.full((K, n_site, J), -1, dtype=np.int64)
    for j in range(J - 2, -1, -1):
        nxt[:, :, j] = np.where(obs[:, :, j + 1], j + 1, nxt[:, :, j + 1])
    for j in range(1, J):
        prv[:, :, j] = np.where(obs[:, :, j - 1], j - 1, prv[:, :, j - 1])
    has_next, has_prev = obs & (nxt < J), obs & (prv >= 0)
    nxt, prv = np.minimum(nxt, J - 1), np.maximum(prv, 0)
    free = year_est & (status == "")[:, None]
    free[k, b] = False
    n_obs = obs.sum(axis=(1, 2))
    n_sites = site_reach.sum(axis=1)
    pairs = obs[:, :, :-1] & obs[:, :, 1:] & (np.diff(x) == 1)
    return dict(
        obs=obs,
        f=np.where(obs, F, 0.0),
        free=free,
        nxt=nxt,
        prv=prv,
        has_next=has_next,
        has_prev=has_prev,
        gap=np.where(has_next, x[nxt] - x[None, None, :], 1.0),
        pairs=pairs,
        n_pairs=pairs.sum(axis=(1, 2)),
        df=n_obs - n_sites - (year_est.sum(axis=1) - 1),
        # per-fit facts that the iterations do not need
        base=b,
        status=status,
        year_est=year_est,
        year_reason=year_reason,
        site_reason=site_reason,
        n_sites=n_sites,
        n_obs=n_obs,
    )


_ITER_FIELDS = (
    "obs",
    "f",
    "free",
    "nxt",
    "prv",
    "has_next",
    "has_prev",
    "gap",
    "pairs",
    "n_pairs",
    "df",
)


class _Chain:
    """Neighbour look-ups along each site's observed years, for a stack of fits."""

    def __init__(self, p: dict) -> None:
        K, n_site, J = p["obs"].shape
        row = (np.arange(K * n_site) * J).reshape(K, n_site, 1)
        self.flat_next = (row + p["nxt"]).ravel()
        self.flat_prev = (row + p["prv"]).ravel()
        self.has_next, self.has_prev = p["has_next"], p["has_prev"]
        self.gap = p["gap"]
        kk = np.arange(K).reshape(K, 1, 1)
        self.flat_pair = ((kk * J + np.arange(J).reshape(1, 1, J)) * J + p["nxt"]).ravel()
        self.shape = (K, J, J)

    def next(self, a: np.ndarray) -> np.ndarray:
        return np.where(self.has_next, a.ravel()[self.flat_next].reshape(a.shape), 0.0)

    def prev(self, a: np.ndarray) -> np.ndarray:
        return np.where(self.has_prev, a.ravel()[self.flat_prev].reshape(a.shape), 0.0)

    def precision(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Tridiagonal inverse of each site's AR(1) correlation over its observed years.

        For a Markov chain with lag correlations ``c = rho**gap`` to the next observed
        year, ``R^-1`` has ``1/(1-c_prev²) + c_next²/(1-c_next²)`` on the diagonal and
        ``-c_next/(1-c_next²)`` beside it. Returns (diagonal, link to next, link to
        previous), each ``(K, I, J)`` and zero outside the observed cells.
        """
        c = np.where(self.has_next, rho[:, None, None] ** self.gap, 0.0)
        c_prev = self.prev(c)
        qo = -c / (1.0 - c * c)
        qd = 1.0 / (1.0 - c_prev * c_prev) + c * c / (1.0 - c * c)
        return qd, qo, self.prev(qo)

    def pair_sum(self, link: np.ndarray) -> np.ndarray:
        """Σ_i link_ij placed at (j, next(j)): the off-diagonal part of Σ_i Omega_i."""
        K, J, _ = self.shape
        off = np.bincount(self.flat_pair, weights=link.ravel(), minlength=K * J * J)
        return off.reshape(self.shape)


def _weights(mu, sig2, Q, chain):
    """Row sums ``w_i = Omega_i 1`` and parts of ``Omega_i = diag(mu) V_i^-1 diag(mu)``.

    With ``V_i = sig2 · S R S`` and ``S = diag(sqrt mu)``, ``Omega_i = S R^-1 S / sig2``.
    """
    inv_s2 = (1.0 / sig2)[:, None, None]
    if Q is None:
        diag = mu * inv_s2
        return diag, None, diag
    qd, qo, _ = Q
    s = np.sqrt(mu)
    diag = qd * mu * inv_s2
    link = qo * s * chain.next(s) * inv_s2
    return diag, link, diag + link + chain.prev(link)


def _fisher(diag, link, w, chain) -> tuple[np.ndarray, np.ndarray]:
    """Information on the year effects with the site effects profiled out.

    ``E = Σ_i Omega_i − w_i w_i' / d_i`` with ``d_i = 1' Omega_i 1`` (TRIM's ``-i_b``).
    """
    J = diag.shape[2]
    d = w.sum(axis=2)
    E = np.einsum("kij,kil->kjl", -w / np.where(d > 0, d, 1.0)[:, :, None], w)
    idx = np.arange(J)
    E[:, idx, idx] += diag.sum(axis=1)
    if link is not None:
        off = chain.pair_sum(link)
        E += off + off.transpose(0, 2, 1)
    return E, d


def _pin(E: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Replace rows/columns of fixed year effects (base, not estimable) by the identity."""
    E = np.where(free[:, :, None] & free[:, None, :], E, 0.0)
    idx = np.arange(E.shape[1])
    E[:, idx, idx] += ~free
    return E


def _solve(E: np.ndarray, U: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(E, U[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.stack([np.linalg.lstsq(e, u, rcond=None)[0] for e, u in zip(E, U, strict=True)])


def _inv(E: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(E)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(E)


def _mu(alpha, gamma, mask):
    return np.where(mask, np.exp(np.clip(alpha[:, :, None] + gamma[:, None, :], -700, 700)), 0.0)


def _qdot(Q, v, chain):
    """``R^-1 v`` per site, with the tridiagonal precision ``Q``."""
    qd, qo, qo_prev = Q
    return qd * v + qo * chain.next(v) + qo_prev * chain.prev(v)


def _profile_loglik(gamma, p):
    """Poisson log-likelihood with the site effects at their ML values (up to a constant)."""
    eg = np.where(p["obs"], np.exp(np.clip(gamma, -700, 700))[:, None, :], 0.0).sum(axis=2)
    sum_f = p["f"].sum(axis=2)
    site_term = sum_f * np.log(np.where(eg > 0, eg, 1.0))
    return (gamma * p["f"].sum(axis=1)).sum(axis=1) - site_term.sum(axis=1)


def _aitken(rho: np.ndarray, state: dict) -> np.ndarray:
    """Aitken's delta-squared acceleration of the rho sequence, every third iteration.

    The joint update of (alpha, gamma, sigma², rho) converges linearly in rho, sometimes
    slowly (ratio near 1) or by alternating; extrapolating from three successive values
    jumps to the same fixed point in far fewer iterations.
    """
    hist = state["rho_hist"]
    d1, d2 = hist[:, 1] - hist[:, 0], rho - hist[:, 1]
    denom = d2 - d1
    ready = np.isfinite(hist).all(axis=1) & (np.abs(denom) > 1e-14)
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = rho - d2 * d2 / np.where(ready, denom, 1.0)
    use = ready & (np.abs(jump) < 0.99)
    state["rho_hist"] = np.where(use[:, None], np.nan, np.stack([hist[:, 1], rho], axis=1))
    return np.where(use, jump, rho)


def _iterate(p, chain, state, overdispersion, serial_correlation):
    """One TRIM iteration: sigma² and rho from the residuals, then a scoring step.

    Each fit starts with maximum-likelihood iterations (site effects in closed form, step
    halving on the Poisson likelihood, as TRIM) and switches to GEE once they have
    settled. A GEE step is joint Fisher scoring on site and year effects, solved through
    the Schur complement of the site block, and rho is accelerated (``_aitken``); neither
    moves the solution TRIM converges to. Returns the largest change in a year effect or
    in rho.
    """
    obs, f, free = p["obs"], p["f"], p["free"]
    alpha, gamma, gee = state["alpha"], state["gamma"], state["gee"]
    active = obs.any(axis=2)
    # ML phase: exp(alpha_i) = Σ_j f_ij / Σ_j exp(gamma_j) over the observed years j
    eg = np.where(obs, np.exp(np.clip(gamma, -700, 700))[:, None, :], 0.0).sum(axis=2)
    ml_alpha = np.log(np.where(active, f.sum(axis=2), 1.0) / np.where(active, eg, 1.0))
    alpha = np.where(active, np.where(gee[:, None], alpha, ml_alpha), 0.0)
    mu = _mu(alpha, gamma, obs)
    s = np.sqrt(mu)
    r = np.where(obs, (f - mu) / np.where(obs, s, 1.0), 0.0)
    rho_old = state["rho"]
    state["it"] = state["it"] + 1
    sig2, rho, Q = np.ones_like(rho_old), np.zeros_like(rho_old), None
    if overdispersion or serial_correlation:
        df = p["df"]
        sig2_est = np.where(df > 0, (r * r).sum(axis=(1, 2)) / np.maximum(df, 1), 1.0)
        sig2_est = np.maximum(sig2_est, 1e-12)  # a perfect fit has no residual variance
        state["sig2_est"] = np.where(gee, sig2_est, state["sig2_est"])
        if overdispersion:
            sig2 = np.where(gee, sig2_est, 1.0)
        if serial_correlation:
            rr = (r[:, :, :-1] * r[:, :, 1:] * p["pairs"]).sum(axis=(1, 2))
            n = p["n_pairs"]
            rho = np.where(n > 0, rr / np.maximum(n, 1) / sig2_est, 0.0)
            rho = np.where(gee, _aitken(rho, state), 0.0)
            rho = np.where(gee, np.clip(rho, -0.99, 0.99), 0.0)
            Q = chain.precision(rho)
    diag, link, w = _weights(mu, sig2, Q, chain)
    E, d = _fisher(diag, link, w, chain)
    qr = r if Q is None else _qdot(Q, r, chain)
    u = s * qr / sig2[:, None, None]  # cells of D' V^-1 (f - mu)
    d_safe = np.where(d > 0, d, 1.0)
    u_site = np.where(gee[:, None] & active, u.sum(axis=2), 0.0)
    U = u.sum(axis=1) - np.einsum("kij,ki->kj", w, u_site / d_safe)
    step = _solve(_pin(E, free), np.where(free, U, 0.0))
    big = np.abs(step).max(axis=1, initial=0.0)
    step *= np.minimum(1.0, 5.0 / np.maximum(big, 1e-300))[:, None]  # damp wild steps
    if not gee.all():  # step halving while the Poisson likelihood does not improve
        ml = ~gee
        start = _profile_loglik(gamma, p)
        for _ in range(8):
            worse = ml & (_profile_loglik(gamma + step, p) < start - 1e-10 * np.abs(start))
            if not worse.any():
                break
            step[worse] *= 0.5
    d_alpha = u_site - (w * step[:, None, :]).sum(axis=2)
    d_alpha = np.clip(d_alpha / d_safe, -5.0, 5.0)
    alpha = np.where(gee[:, None] & active, alpha + d_alpha, alpha)
    state.update(alpha=alpha, gamma=np.where(free, gamma + step, 0.0), sig2=sig2, rho=rho)
    change = np.maximum(np.abs(step).max(axis=1, initial=0.0), np.abs(rho - rho_old))
    if overdispersion or serial_correlation:
        state["gee"] = gee | (change < 1e-4)
    return np.where(gee, change, np.inf)


def _fit_core(
    F: np.ndarray,
    ymask: np.ndarray,
    x: np.ndarray,
    base: np.ndarray,
    overdispersion: bool,
    serial_correlation: bool,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> dict:
    """Fit TRIM model 3 to K stacked site × year matrices at once (see module docs)."""
    K, _, J = F.shape
    x = np.asarray(x, dtype=float)
    p = _prepare(F, ymask, x, base)
    obs, f = p["obs"], p["f"]
    run = p["status"] == ""
    n_i = obs.sum(axis=2)
    alpha = np.log(np.where(n_i > 0, f.sum(axis=2) / np.maximum(n_i, 1), 1.0))
    gee0 = np.full(K, not (overdispersion or serial_correlation))
    full = dict(
        alpha=alpha,
        gamma=np.zeros((K, J)),
        sig2=np.ones(K),
        rho=np.zeros(K),
        sig2_est=np.ones(K),
        gee=gee0,
        it=np.zeros(K, dtype=np.int64),
        rho_hist=np.full((K, 2), np.nan),
    )
    change = np.full(K, np.inf)
    work = np.nonzero(run)[0]
    sub = {name: p[name][work] for name in _ITER_FIELDS}
    chain = _Chain(sub)
    state = {name: v[work] for name, v in full.items()}
    for it in range(1, max_iter + 1):
        if work.size == 0:
            break
        change[work] = _iterate(sub, chain, state, overdispersion, serial_correlation)
        done = change[work] < tol
        if done.any() or it == max_iter:
            for name in full:
                full[name][work] = state[name]
            keep = ~done
            work = work[keep]
            sub = {name: v[keep] for name, v in sub.items()}
            chain = _Chain(sub)
            state = {name: v[keep] for name, v in state.items()}
    alpha, gamma, sig2, rho = full["alpha"], full["gamma"], full["sig2"], full["rho"]
    status = p["status"].copy()
    converged = (change < 1e-6) & np.isfinite(gamma).all(axis=1)
    status[run & ~converged] = "no_convergence"
    # final weights at the converged estimates
    chain = _Chain(p)
    mu = _mu(alpha, gamma, obs)
    r = np.where(obs, (f - mu) / np.where(obs, np.sqrt(mu), 1.0), 0.0)
    Q = chain.precision(rho) if serial_correlation else None
    diag, link, w = _weights(mu, sig2, Q, chain)
    E, d = _fisher(diag, link, w, chain)
    free = p["free"]
    both = free[:, :, None] & free[:, None, :]
    Einv = np.where(both, _inv(_pin(E, free)), 0.0)
    # time totals and their covariance (TRIM: GddG + (GF - H) E^-1 (GF - H)')
    site_in = obs.any(axis=2)
    mu_all = _mu(alpha, gamma, site_in[:, :, None] & p["year_est"][:, None, :])
    d_safe = np.where(d > 0, d, 1.0)[:, :, None]
    Fmat = np.where(d[:, :, None] > 0, w / d_safe, 0.0)

    def tt_cov(m: np.ndarray) -> np.ndarray:
        A = np.einsum("kij,kil->kjl", m, Fmat)
        idx = np.arange(J)
        A[:, idx, idx] -= m.sum(axis=1)
        return np.einsum("kij,kil->kjl", m / d_safe, m) + A @ Einv @ A.transpose(0, 2, 1)

    var_mod = tt_cov(mu_all)
    mu_o = np.where(obs, mu_all, 0.0)
    if serial_correlation:
        R = rho[:, None, None] ** np.abs(x[:, None] - x[None, :])[None]
    else:
        R = np.eye(J)[None]
    so = np.sqrt(mu_o)
    var_obs = sig2[:, None, None] * np.einsum("kij,kil->kjl", so, so) * R
    var_imp = var_mod - tt_cov(mu_o) + var_obs
    pos = obs & (f > 0)
    dev = 2 * np.where(pos, f * np.log(np.where(pos, f, 1.0) / np.where(pos, mu, 1.0)), 0.0)
    return dict(
        p=p,
        status=status,
        alpha=alpha,
        gamma=gamma,
        var_gamma=Einv,
        sig2=full["sig2_est"],
        rho=rho,
        tt_mod=mu_all.sum(axis=1),
        tt_imp=np.where(obs, f, mu_all).sum(axis=1),
        var_mod=var_mod,
        var_imp=var_imp,
        chi2=(r * r).sum(axis=(1, 2)),
        lr=dev.sum(axis=(1, 2)),
        df=p["df"],
        iterations=full["it"],
    )


def _indices(tt: np.ndarray, var: np.ndarray, base: np.ndarray, est: np.ndarray):
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


def _overall(tt: np.ndarray, var: np.ndarray, x: np.ndarray, est: np.ndarray):
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


# ------------------------------------------------------------------ data handling


def _validate(df: pd.DataFrame, cols: Sequence[str], count: str, year: str) -> pd.DataFrame:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise TrimInputError(
            "missing_columns", f"missing column(s): {', '.join(missing)}", columns=missing
        )
    out = df[list(cols)].copy()
    raw = out[count]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype("string").str.strip() != "")
    if bad.any():
        examples = [str(v) for v in raw[bad].unique()[:3]]
        raise TrimInputError(
            "non_numeric_counts",
            f"column {count!r} has non-numeric values, e.g. {', '.join(examples)}",
            column=count,
            examples=examples,
        )
    values = values.astype(float)
    if (values < 0).any():
        raise TrimInputError(
            "negative_counts",
            f"column {count!r} has negative counts ({int((values < 0).sum())} rows); "
            "use an empty cell for 'not counted'",
            column=count,
            n_rows=int((values < 0).sum()),
        )
    if np.isinf(values).any():
        raise TrimInputError("non_numeric_counts", f"column {count!r} has infinite values")
    out[count] = values
    yr = pd.to_numeric(out[year], errors="coerce")
    if yr.isna().any() or (yr != np.round(yr)).any():
        raise TrimInputError(
            "non_numeric_years", f"column {year!r} must hold whole years", column=year
        )
    out[year] = yr.astype(np.int64)
    return out


def _to_arrays(
    df: pd.DataFrame, keys: list[str], site: str, year: str, count: str, duplicates: str
):
    """Long frame -> key table, site labels per key and the stacked ``(K, I, J)`` array."""
    if keys:
        kid = df.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
        key_table = (
            df[keys].assign(_kid=kid).groupby("_kid", sort=True)[keys].first()
        ).reset_index(drop=True)
    else:
        kid = np.zeros(len(df), dtype=np.int64)
        key_table = pd.DataFrame(index=[0])
    years = np.sort(df[year].unique())
    yid = np.searchsorted(years, df[year].to_numpy())
    pair = pd.MultiIndex.from_arrays([kid, df[site].to_numpy()])
    pcode, puniq = pd.factorize(pair, sort=True)
    pkid = puniq.get_level_values(0).to_numpy()
    first_of_key = np.searchsorted(pkid, np.arange(len(key_table)))
    sid_of_pair = np.arange(len(puniq)) - first_of_key[pkid]
    sid = sid_of_pair[pcode]
    counts = df[count].to_numpy(dtype=float)
    flat = (kid * (sid.max(initial=0) + 1) + sid) * len(years) + yid
    if pd.Series(flat).duplicated().any():
        if duplicates != "sum":
            n_dup = int(pd.Series(flat).duplicated().sum())
            raise TrimInputError(
                "duplicate_site_year",
                f"{n_dup} duplicate site-year rows; aggregate them first or pass duplicates='sum'",
                n_rows=n_dup,
            )
        agg = pd.DataFrame({"flat": flat, "c": counts, "k": kid, "s": sid, "y": yid})
        agg = agg.groupby("flat", sort=False).agg(
            c=("c", lambda v: v.sum(min_count=1)),
            k=("k", "first"),
            s=("s", "first"),
            y=("y", "first"),
        )
        kid, sid, yid, counts = (agg[c].to_numpy() for c in ("k", "s", "y", "c"))
    n_sites = np.bincount(pkid, minlength=len(key_table))
    site_labels = puniq.get_level_values(1).to_numpy()
    return key_table, years, kid, sid, yid, counts.astype(float), n_sites, site_labels


def _summarise(res: dict, x: np.ndarray) -> dict:
    """Per-fit arrays (first axis = fit) of everything the public results need."""
    p, ok = res["p"], res["status"] == ""
    est = p["year_est"] & ok[:, None]
    out = {k: res[k] for k in ("status", "sig2", "rho", "chi2", "lr", "df", "iterations")}
    for k in ("base", "year_est", "year_reason", "site_reason", "n_sites", "n_obs"):
        out[k] = p[k]
    for kind in ("mod", "imp"):
        tt, var = res[f"tt_{kind}"], res[f"var_{kind}"]
        slope, slope_se = _overall(tt, var, x, est)
        out[f"tt_{kind}"] = np.where(est, tt, np.nan)
        var_diag = np.clip(np.diagonal(var, 0, 1, 2), 0, None)
        out[f"tt_{kind}_se"] = np.where(est, np.sqrt(var_diag), np.nan)
        out[f"idx_{kind}"], out[f"idx_{kind}_se"] = _indices(tt, var, p["base"], est)
        out[f"slope_{kind}"] = np.where(ok, slope, np.nan)
        out[f"slope_{kind}_se"] = np.where(ok, slope_se, np.nan)
    out["rho_fallback"] = np.zeros(len(ok), bool)
    return out


def _run_chunk(args: tuple) -> dict:
    """Fit one stack; fits whose serial correlation does not converge (sparse series
    full of zeros) are refitted without it and flagged with ``rho_fallback``."""
    F, ymask, x, base, od, sc = args
    out = _summarise(_fit_core(F, ymask, x, base, od, sc), x)
    failed = np.nonzero(out["status"] == "no_convergence")[0]
    if sc and failed.size:
        retry = _summarise(_fit_core(F[failed], ymask[failed], x, base[failed], od, False), x)
        good = retry["status"] == ""
        for name, values in retry.items():
            out[name][failed[good]] = values[good]
        out["rho"][failed[good]] = np.nan
        out["rho_fallback"][failed[good]] = True
    return out


def _fit_long(
    df: pd.DataFrame,
    keys: list[str],
    site: str,
    year: str,
    count: str,
    base_year: int | None,
    overdispersion: bool,
    serial_correlation: bool,
    duplicates: str,
    n_jobs: int,
    chunk_cells: int = 400_000,
):
    data = _validate(df, [*keys, site, year, count], count, year)
    if data.empty:
        return None
    key_table, years, kid, sid, yid, counts, n_sites, site_labels = _to_arrays(
        data, keys, site, year, count, duplicates
    )
    K, J = len(key_table), len(years)
    hit = np.nonzero(years == base_year)[0] if base_year is not None else []
    base_col = int(hit[0]) if len(hit) else -1  # -1: first year with an index
    base_missing = base_year is not None and base_col < 0
    # bucket keys by number of sites so padding stays small
    order = np.argsort(n_sites, kind="stable")
    chunks, start = [], 0
    while start < K:
        i_max = max(int(n_sites[order[start]]), 1)
        size = max(1, chunk_cells // (i_max * J))
        stop = start
        while stop < K and stop - start < size and n_sites[order[stop]] <= i_max * 1.25 + 1:
            stop += 1
        chunks.append(order[start:stop])
        start = stop
    pos_in_chunk = np.empty(K, dtype=np.int64)
    chunk_of = np.empty(K, dtype=np.int64)
    for c, members in enumerate(chunks):
        pos_in_chunk[members] = np.arange(len(members))
        chunk_of[members] = c
    rows_by_chunk = pd.Series(np.arange(len(kid))).groupby(chunk_of[kid]).indices
    tasks = []
    ymask_all = np.zeros((K, J), bool)
    ymask_all[kid, yid] = True
    xs = years.astype(float)
    for c, members in enumerate(chunks):
        i_max = max(int(n_sites[members].max()), 1)
        F = np.full((len(members), i_max, J), np.nan)
        rows = rows_by_chunk.get(c, np.array([], dtype=np.int64))
        F[pos_in_chunk[kid[rows]], sid[rows], yid[rows]] = counts[rows]
        ymask = ymask_all[members]
        base = np.full(len(members), base_col)
        tasks.append((F, ymask, xs, base, overdispersion, serial_correlation))
    if n_jobs > 1 and len(tasks) > 1 and len(data) > 50_000:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            results = list(pool.map(_run_chunk, tasks))
    else:
        results = [_run_chunk(t) for t in tasks]
    return key_table, years, chunks, results, site_labels, base_missing


def _gather(chunks, results, K: int) -> dict:
    """Undo the bucketing: one array per output field, in key order."""
    out: dict[str, np.ndarray] = {}
    for members, res in zip(chunks, results, strict=True):
        for name, arr in res.items():
            if name not in out:
                shape = (K, *arr.shape[1:]) if name != "site_reason" else (K,)
                out[name] = np.empty(shape, dtype=arr.dtype if name != "site_reason" else object)
            if name == "site_reason":
                for m, row in zip(members, arr, strict=True):
                    out[name][m] = row
            else:
                out[name][members] = arr
    return out


def _slope_dict(b: float, se: float) -> dict[str, Any]:
    mult = math.exp(b) if np.isfinite(b) else float("nan")
    mult_se = mult * se
    code, sig, label = trim_label(mult, mult_se)
    ok = np.isfinite(b)
    return {
        "additive": float(b),
        "additive_se": float(se),
        "multiplicative": mult,
        "multiplicative_se": mult_se,
        "trend_class": code if ok else None,
        "significance": sig if ok else None,
        "label": label if ok else None,
    }


def _status_of(status: str, base_missing: bool) -> str:
    if status == "base_year_not_in_data" or (base_missing and status == ""):
        return "base_year_not_in_data"
    return status


# ------------------------------------------------------------------- public API


def fit_trim(
    df: pd.DataFrame,
    site: str = "site",
    year: str = "year",
    count: str = "count",
    base_year: int | None = None,
    overdispersion: bool = True,
    serial_correlation: bool = True,
    duplicates: str = "error",
) -> TrimResult:
    """Fit TRIM model 3 to one site × year table of counts.

    Parameters
    ----------
    df
        Long table, one row per site-year. An empty/NaN count means "not counted"
        (a row may also simply be absent). Counts must be non-negative numbers.
    site, year, count
        Column names. Years must be whole numbers.
    base_year
        Year whose index is 1; default the first year with positive counts.
    overdispersion, serial_correlation
        Estimate ``sigma²`` and ``rho`` as TRIM does (GEE); both off is plain Poisson ML.
    duplicates
        ``"error"`` (default) or ``"sum"`` for several rows of the same site-year.

    Returns
    -------
    TrimResult
        ``ok`` False with ``reason`` when no trend can be estimated.

    Raises
    ------
    TrimInputError
        For unusable input: missing columns, non-numeric or negative counts, duplicate
        site-years (unless summed).
    """
    fitted = _fit_long(
        df, [], site, year, count, base_year, overdispersion, serial_correlation, duplicates, 1
    )
    if fitted is None:
        return TrimResult(ok=False, reason="no_counts")
    _, years, chunks, results, site_labels, base_missing = fitted
    g = _gather(chunks, results, 1)
    status = _status_of(str(g["status"][0]), base_missing)
    years_present = years[g["year_est"][0] | (g["year_reason"][0] != "")]
    present = np.isin(years, years_present)
    dropped = [
        {"site": _py(s), "reason": str(r)}
        for s, r in zip(site_labels, g["site_reason"][0], strict=False)
        if r
    ]
    result = TrimResult(
        ok=status == "",
        reason=status or None,
        reason_params=_reason_params(status, g, 0, base_year),
        years=[int(y) for y in years[present]],
        n_sites=int(g["n_sites"][0]),
        n_observed=int(g["n_obs"][0]),
        dropped_sites=dropped,
        iterations=int(g["iterations"][0]),
    )
    if not result.ok:
        return result
    result.base_year = int(years[g["base"][0]])
    reason = np.where(g["year_est"][0], None, g["year_reason"][0])[present]
    result.indices = pd.DataFrame(
        {
            "year": years[present].astype(int),
            "model": g["idx_mod"][0][present],
            "model_se": g["idx_mod_se"][0][present],
            "imputed": g["idx_imp"][0][present],
            "imputed_se": g["idx_imp_se"][0][present],
            "reason": pd.array(reason, dtype="string"),
        }
    )
    result.time_totals = pd.DataFrame(
        {
            "year": years[present].astype(int),
            "model": g["tt_mod"][0][present],
            "model_se": g["tt_mod_se"][0][present],
            "imputed": g["tt_imp"][0][present],
            "imputed_se": g["tt_imp_se"][0][present],
        }
    )
    result.overall_slope = {
        "imputed": _slope_dict(g["slope_imp"][0], g["slope_imp_se"][0]),
        "model": _slope_dict(g["slope_mod"][0], g["slope_mod_se"][0]),
    }
    result.trend_class = result.overall_slope["imputed"]["trend_class"]
    result.trend_class_model = result.overall_slope["model"]["trend_class"]
    result.overdispersion = float(g["sig2"][0]) if overdispersion else None
    result.serial_correlation = float(g["rho"][0]) if serial_correlation else None
    if g["rho_fallback"][0]:
        result.serial_correlation = None
        result.warnings.append({"code": "serial_correlation_not_converged"})
    result.goodness_of_fit = {
        "pearson_chi2": float(g["chi2"][0]),
        "likelihood_ratio": float(g["lr"][0]),
        "df": int(g["df"][0]),
    }
    return result


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _reason_params(status: str, g: dict, k: int, base_year: int | None) -> dict[str, Any]:
    if status == "single_year":
        return {"n_years": int(g["year_est"][k].sum())}
    if status.startswith("base_year"):
        return {"base_year": base_year}
    return {}


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
) -> BatchResult:
    """Fit one TRIM model per combination of ``keys`` (e.g. municipality × species).

    All series are stacked and fitted together, which is what makes ~14,000 fits take
    seconds. Each key uses only the years present in its own rows. ``n_jobs > 1`` spreads
    the work over processes when the input is large (> 50,000 rows).

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
    """
    keys = list(keys)
    if not keys:
        raise TrimInputError("missing_keys", "fit_trim_batch needs at least one key column")
    fitted = _fit_long(
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
    )
    if fitted is None:
        empty = pd.DataFrame(columns=[*keys, "ok", "reason"])
        return BatchResult(empty, pd.DataFrame(columns=[*keys, "year"]))
    key_table, years, chunks, results, _, base_missing = fitted
    K = len(key_table)
    g = _gather(chunks, results, K)
    status = np.array([_status_of(str(s), base_missing) for s in g["status"]], dtype=object)
    ok = status == ""
    present = g["year_est"] | (g["year_reason"] != "")
    first = np.where(present.any(1), years[present.argmax(1)], -1)
    last = np.where(present.any(1), years[len(years) - 1 - present[:, ::-1].argmax(1)], -1)
    mult = np.exp(g["slope_imp"])
    mult_se = mult * g["slope_imp_se"]
    mult_m = np.exp(g["slope_mod"])
    mult_m_se = mult_m * g["slope_mod_se"]
    labels = [
        trim_label(m, s) if o else (None, None, None)
        for m, s, o in zip(mult, mult_se, ok, strict=True)
    ]
    summary = key_table.copy()
    summary["ok"] = ok
    summary["reason"] = pd.array(np.where(ok, None, status), dtype="string")
    summary["n_sites"] = g["n_sites"]
    summary["n_observed"] = g["n_obs"]
    summary["n_dropped_sites"] = [int(sum(1 for r in row if r)) for row in g["site_reason"]]
    summary["first_year"] = pd.array(np.where(first >= 0, first, None), dtype="Int64")
    summary["last_year"] = pd.array(np.where(last >= 0, last, None), dtype="Int64")
    summary["base_year"] = pd.array(np.where(ok, years[g["base"]], None), dtype="Int64")
    summary["additive"] = g["slope_imp"]
    summary["additive_se"] = g["slope_imp_se"]
    summary["multiplicative"] = mult
    summary["multiplicative_se"] = mult_se
    summary["trend_class"] = pd.array([lab[0] for lab in labels], dtype="string")
    summary["significance"] = pd.array([lab[1] for lab in labels], dtype="string")
    summary["multiplicative_model"] = mult_m
    summary["multiplicative_model_se"] = mult_m_se
    summary["trend_class_model"] = pd.array(
        [
            classify_slope(m, s) if o else None
            for m, s, o in zip(mult_m, mult_m_se, ok, strict=True)
        ],
        dtype="string",
    )
    summary["overdispersion"] = np.where(ok, g["sig2"], np.nan) if overdispersion else np.nan
    summary["serial_correlation"] = np.where(ok, g["rho"], np.nan) if serial_correlation else np.nan
    summary["serial_correlation_dropped"] = g["rho_fallback"]
    kk, jj = np.nonzero(present & ok[:, None])
    indices = key_table.iloc[kk].reset_index(drop=True)
    indices["year"] = years[jj].astype(int)
    for name, col in (("model", "idx_mod"), ("imputed", "idx_imp")):
        indices[name] = g[col][kk, jj]
        indices[f"{name}_se"] = g[f"{col}_se"][kk, jj]
    yr = g["year_reason"][kk, jj]
    indices["reason"] = pd.array(np.where(yr == "", None, yr), dtype="string")
    return BatchResult(summary, indices)


def trends_by(df: pd.DataFrame, keys: Sequence[str], **kwargs: Any) -> pd.DataFrame:
    """One row per key combination with slope, SE, trend class and reason.

    Shorthand for ``fit_trim_batch(df, keys, **kwargs).summary``.
    """
    return fit_trim_batch(df, keys, **kwargs).summary


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
