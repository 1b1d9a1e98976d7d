"""Estimating a TRIM model on a stack of fits: maximum likelihood, then GEE.

The model is ``ln mu_ij = alpha_i + eta_gj`` with ``eta_g = B_g beta`` (see
:mod:`cop.monitoring.engine.design`; for model 3 without covariates ``eta`` is the year
effects ``gamma`` with ``gamma_base = 0``). The site effects have a closed form given the
year effects, so a Fisher scoring step only solves a ``p × p`` system (the Schur
complement of the site block), built from per-group ``J × J`` sums. The AR(1) working
correlation of a site observed at years ``t_1 < … < t_n`` is that of a Markov chain, so
its inverse is tridiagonal and is built directly, gaps and all (:class:`Chain`).
Everything is vectorised over sites and over fits.
"""

from __future__ import annotations

import numpy as np

from cop.monitoring.engine.design import Design
from cop.monitoring.engine.structure import ITER_FIELDS


class Chain:
    """Neighbour look-ups along each site's observed years, and each site's covariate
    group, for a stack of fits."""

    def __init__(self, p: dict, design: Design | None = None) -> None:
        K, n_site, J = p["obs"].shape
        self.design = design
        self.n_groups = 1 if design is None else design.n_groups
        G = self.n_groups
        group = p.get("group")
        self.group = group if G > 1 else None
        self.onehot = (
            (group[:, :, None] == np.arange(G)[None, None, :]).astype(float) if G > 1 else None
        )
        row = (np.arange(K * n_site) * J).reshape(K, n_site, 1)
        self.flat_next = (row + p["nxt"]).ravel()
        self.flat_prev = (row + p["prv"]).ravel()
        self.has_next, self.has_prev = p["has_next"], p["has_prev"]
        self.gap = p["gap"]
        kk = np.arange(K).reshape(K, 1, 1)
        kg = kk * G + (group[:, :, None] if G > 1 else 0)
        self.flat_pair = ((kg * J + np.arange(J).reshape(1, 1, J)) * J + p["nxt"]).ravel()
        self.shape = (K, G, J, J)

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
        """Σ_i link_ij placed at (group, j, next(j)): the off-diagonal part of Σ_i Omega_i."""
        K, G, J, _ = self.shape
        off = np.bincount(self.flat_pair, weights=link.ravel(), minlength=K * G * J * J)
        return off.reshape(self.shape)

    def group_sum(self, a: np.ndarray) -> np.ndarray:
        """``(K, G, J)``: Σ over the sites of each covariate group of ``a`` ``(K, I, J)``."""
        if self.onehot is None:
            return a.sum(axis=1)[:, None, :]
        return np.einsum("kig,kij->kgj", self.onehot, a)

    def site_eta(self, eta: np.ndarray) -> np.ndarray:
        """Each site's year effects ``(K, I, J)`` (or ``(K, 1, J)`` without covariates)."""
        if self.group is None:
            return eta[:, :1, :]
        return np.take_along_axis(eta, self.group[:, :, None], axis=1)


def to_eta(beta: np.ndarray, design: Design | None) -> np.ndarray:
    """``(K, G, J)`` year effects of every group, ``B_g beta``."""
    if design is None or design.identity:
        return beta[:, None, :]
    return np.einsum("gjq,kq->kgj", design.B, beta)


def project(E_year: np.ndarray, design: Design | None) -> np.ndarray:
    """``Σ_g B_g' E_g B_g``: information on the parameters from the per-group year part."""
    if design is None or design.identity:
        return E_year[:, 0]
    B = design.B
    EB = np.einsum("kgjl,glq->kgjq", E_year, B)
    return np.einsum("gjp,kgjq->kpq", B, EB)


def project_vector(U_year: np.ndarray, design: Design | None) -> np.ndarray:
    """``Σ_g B_g' U_g``: the score on the parameters from the per-group year part."""
    if design is None or design.identity:
        return U_year[:, 0]
    return np.einsum("gjq,kgj->kq", design.B, U_year)


def weights(mu, sig2, Q, chain):
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


def fisher(diag, link, w, chain) -> tuple[np.ndarray, np.ndarray]:
    """Information on the year effects of each group with the site effects profiled out.

    ``E_g = Σ_{i in g} Omega_i − w_i w_i' / d_i`` with ``d_i = 1' Omega_i 1`` (TRIM's
    ``-i_b`` before the design is applied). Returns ``(K, G, J, J)`` and ``d``.
    """
    J = diag.shape[2]
    d = w.sum(axis=2)
    wd = -w / np.where(d > 0, d, 1.0)[:, :, None]
    if chain.onehot is None:
        E = np.einsum("kij,kil->kjl", wd, w)[:, None]
    else:
        E = np.einsum("kig,kij,kil->kgjl", chain.onehot, wd, w, optimize=True)
    idx = np.arange(J)
    E[:, :, idx, idx] += chain.group_sum(diag)
    if link is not None:
        off = chain.pair_sum(link)
        E += off + off.transpose(0, 1, 3, 2)
    return E, d


def pin(E: np.ndarray, free: np.ndarray) -> np.ndarray:
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


def inverse(E: np.ndarray) -> np.ndarray:
    """``E^-1``, or the pseudo-inverse where some ``E`` is singular."""
    try:
        return np.linalg.inv(E)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(E)


def expected(alpha, eta_site, mask):
    """``mu_ij = exp(alpha_i + eta_ij)`` in the cells of ``mask``, 0 elsewhere.

    ``eta_site`` is :meth:`Chain.site_eta` (``(K, I, J)`` or ``(K, 1, J)``).
    """
    return np.where(mask, np.exp(np.clip(alpha[:, :, None] + eta_site, -700, 700)), 0.0)


def _qdot(Q, v, chain):
    """``R^-1 v`` per site, with the tridiagonal precision ``Q``."""
    qd, qo, qo_prev = Q
    return qd * v + qo * chain.next(v) + qo_prev * chain.prev(v)


def _profile_loglik(eta_site, p):
    """Poisson log-likelihood with the site effects at their ML values (up to a constant)."""
    eg = np.where(p["obs"], np.exp(np.clip(eta_site, -700, 700)), 0.0).sum(axis=2)
    sum_f = p["f"].sum(axis=2)
    site_term = sum_f * np.log(np.where(eg > 0, eg, 1.0))
    if eta_site.shape[1] == 1:
        return (eta_site[:, 0] * p["f"].sum(axis=1)).sum(axis=1) - site_term.sum(axis=1)
    return (eta_site * p["f"]).sum(axis=(1, 2)) - site_term.sum(axis=1)


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


def _ml_site_effects(p: dict, state: dict, active: np.ndarray, eta_site) -> np.ndarray:
    """Site effects for this iteration: in the ML phase their closed form given eta,
    ``exp(alpha_i) = Σ_j f_ij / Σ_j exp(eta_ij)`` over the observed years j; in the GEE
    phase the current ones."""
    obs, f = p["obs"], p["f"]
    eg = np.where(obs, np.exp(np.clip(eta_site, -700, 700)), 0.0).sum(axis=2)
    ml_alpha = np.log(np.where(active, f.sum(axis=2), 1.0) / np.where(active, eg, 1.0))
    return np.where(active, np.where(state["gee"][:, None], state["alpha"], ml_alpha), 0.0)


def _dispersion(r, p, state, chain, overdispersion, serial_correlation):
    """sigma² and rho from the Pearson residuals ``r``, and the AR(1) precision.

    Returns (sig2 used in the weights, rho, precision or None). Before a fit switches
    to GEE, sig2 is 1 and rho 0 (plain Poisson ML).
    """
    gee = state["gee"]
    sig2, rho, Q = np.ones_like(state["rho"]), np.zeros_like(state["rho"]), None
    if not (overdispersion or serial_correlation):
        return sig2, rho, Q
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
    return sig2, rho, Q


def _scoring_step(mu, s, r, sig2, Q, p, chain, state, active):
    """A Fisher scoring step on the year effects and the matching site-effect change.

    In the GEE phase the step is joint on site and year effects, solved through the
    Schur complement of the site block; in the ML phase the site effects are already at
    their optimum and the step is halved while the Poisson likelihood does not improve
    (as TRIM). Wild steps are damped to at most 5 on the log scale.
    """
    gee, free, design = state["gee"], p["free"], chain.design
    diag, link, w = weights(mu, sig2, Q, chain)
    E, d = fisher(diag, link, w, chain)
    qr = r if Q is None else _qdot(Q, r, chain)
    u = s * qr / sig2[:, None, None]  # cells of D' V^-1 (f - mu)
    d_safe = np.where(d > 0, d, 1.0)
    u_site = np.where(gee[:, None] & active, u.sum(axis=2), 0.0)
    U = chain.group_sum(u) - chain.group_sum(w * (u_site / d_safe)[:, :, None])
    if free.shape[1] == 0:  # model 1: nothing but site effects
        step = np.zeros_like(free, dtype=float)
    else:
        step = _solve(pin(project(E, design), free), np.where(free, project_vector(U, design), 0))
    big = np.abs(step).max(axis=1, initial=0.0)
    step *= np.minimum(1.0, 5.0 / np.maximum(big, 1e-300))[:, None]  # damp wild steps
    eta_step = to_eta(step, design)
    if not gee.all():
        _halve_ml_steps(step, eta_step, state["eta"], p, chain, ~gee)
    d_alpha = u_site - (w * chain.site_eta(eta_step)).sum(axis=2)
    return step, np.clip(d_alpha / d_safe, -5.0, 5.0)


def _halve_ml_steps(step, eta_step, eta, p: dict, chain: Chain, ml: np.ndarray) -> None:
    """Halve (in place) the steps of ML-phase fits whose Poisson likelihood would drop."""
    start = _profile_loglik(chain.site_eta(eta), p)
    for _ in range(8):
        trial = _profile_loglik(chain.site_eta(eta + eta_step), p)
        worse = ml & (trial < start - 1e-10 * np.abs(start))
        if not worse.any():
            break
        step[worse] *= 0.5
        eta_step[worse] *= 0.5


def _iterate(p, chain, state, overdispersion, serial_correlation):
    """One TRIM iteration: sigma² and rho from the residuals, then a scoring step.

    Each fit starts with maximum-likelihood iterations (site effects in closed form, step
    halving on the Poisson likelihood, as TRIM) and switches to GEE once they have
    settled. rho is accelerated (``_aitken``); this does not move the solution TRIM
    converges to. Returns the largest change in a year effect or in rho.
    """
    obs, f, free, gee = p["obs"], p["f"], p["free"], state["gee"]
    active = obs.any(axis=2)
    eta_site = chain.site_eta(state["eta"])
    alpha = _ml_site_effects(p, state, active, eta_site)
    mu = expected(alpha, eta_site, obs)
    s = np.sqrt(mu)
    r = np.where(obs, (f - mu) / np.where(obs, s, 1.0), 0.0)
    rho_old = state["rho"]
    sig2, rho, Q = _dispersion(r, p, state, chain, overdispersion, serial_correlation)
    step, d_alpha = _scoring_step(mu, s, r, sig2, Q, p, chain, state, active)
    alpha = np.where(gee[:, None] & active, alpha + d_alpha, alpha)
    beta = np.where(free, state["beta"] + step, 0.0)
    state.update(alpha=alpha, beta=beta, eta=to_eta(beta, chain.design), sig2=sig2, rho=rho)
    change = np.maximum(np.abs(step).max(axis=1, initial=0.0), np.abs(rho - rho_old))
    if free.shape[1] == 0:  # model 1: the site effects are all there is to converge
        moved = np.where(gee[:, None] & active, np.abs(d_alpha), 0.0)
        change = np.maximum(change, moved.max(axis=1, initial=0.0))
    if overdispersion or serial_correlation:
        state["gee"] = gee | (change < 1e-4)
    return np.where(gee, change, np.inf)


def _start(p: dict, design: Design | None, overdispersion: bool, serial_correlation: bool):
    """Starting values: site effects from the mean counts, no year effects, Poisson."""
    obs, f = p["obs"], p["f"]
    K, _, J = obs.shape
    n_i = obs.sum(axis=2)
    G = 1 if design is None else design.n_groups
    return dict(
        alpha=np.log(np.where(n_i > 0, f.sum(axis=2) / np.maximum(n_i, 1), 1.0)),
        beta=np.zeros((K, p["free"].shape[1])),
        eta=np.zeros((K, G, J)),
        sig2=np.ones(K),
        rho=np.zeros(K),
        sig2_est=np.ones(K),
        gee=np.full(K, not (overdispersion or serial_correlation)),
        rho_hist=np.full((K, 2), np.nan),
    )


def estimate(
    p: dict,
    overdispersion: bool,
    serial_correlation: bool,
    tol: float = 1e-9,
    max_iter: int = 100,
    design: Design | None = None,
) -> tuple[dict, np.ndarray]:
    """Iterate every fit that can run (``p["status"] == ""``) until it converges.

    Converged fits leave the stack, so the last iterations only pay for the slow ones.
    Returns the final state (``alpha``, ``beta`` the parameters, ``eta`` the year effects
    per group, ``sig2`` used in the weights, ``sig2_est`` the estimated overdispersion,
    ``rho``) and the last change per fit (``inf`` for fits that did not run).
    """
    full = _start(p, design, overdispersion, serial_correlation)
    change = np.full(len(full["rho"]), np.inf)
    work = np.nonzero(p["status"] == "")[0]
    sub = {name: p[name][work] for name in ITER_FIELDS if p.get(name) is not None}
    chain = Chain(sub, design)
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
            chain = Chain(sub, design)
            state = {name: v[keep] for name, v in state.items()}
    return full, change
