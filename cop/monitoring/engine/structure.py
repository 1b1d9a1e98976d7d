"""Which sites and years of each fit take part, why the others do not, and how a site's
observed years link up.

All functions work on a stack of K fits at once: ``F`` is ``(K, I, J)`` with NaN for "not
counted" (and for padding), ``ymask`` ``(K, J)`` marks the years present in each fit.
"""

from __future__ import annotations

import numpy as np

from cop.monitoring.engine.design import Design, informative, members

#: The parts of :func:`prepare` that the iterations read (sliced as fits converge);
#: ``group`` is None for designs without covariates.
ITER_FIELDS = (
    "obs",
    "f",
    "free",
    "group",
    "nxt",
    "prv",
    "has_next",
    "has_prev",
    "gap",
    "pairs",
    "n_pairs",
    "df",
)


def prepare(
    F: np.ndarray,
    ymask: np.ndarray,
    x: np.ndarray,
    base: np.ndarray,
    design: Design | None = None,
    group: np.ndarray | None = None,
) -> dict:
    """Decide per fit which sites, years and parameters take part, and why others do not.

    ``x`` holds the years as numbers, ``base`` ``(K,)`` the requested base-year column
    or -1 (the first year with an index). ``design`` is the model (None: model 3
    without covariates) and ``group`` ``(K, I)`` the covariate group of every site.
    Returns the arrays of :data:`ITER_FIELDS` plus the per-fit facts the results report:
    ``base``, ``status`` (a reason code, or "" for a fit that runs), ``year_est``,
    ``year_reason``, ``site_reason``, ``n_sites`` and ``n_obs``.

    In model 3 a year needs positive counts linked to the base year; in models 1 and 2
    every year of the fit lies on the fitted trend and gets an index.
    """
    k = np.arange(F.shape[0])
    model = 3 if design is None else design.model
    finite = np.isfinite(F) & ymask[:, None, :]
    pos = finite & (F > 0)
    year_pos = pos.any(axis=1)
    auto = base < 0
    if model == 3:
        b = np.where(auto, year_pos.argmax(axis=1), np.maximum(base, 0))
        year_est, site_reach = _linked_to_base(pos, year_pos, b)
        year_est &= ymask
    else:
        b = np.where(auto, ymask.argmax(axis=1), np.maximum(base, 0))
        year_est, site_reach = ymask.copy(), pos.any(axis=2)
    obs = finite & site_reach[:, :, None] & year_est[:, None, :]
    status = _fit_status(finite, pos, year_pos, year_est, ymask, auto, b, model)
    free = year_est & (status == "")[:, None]
    free[k, b] = False
    if design is not None and not design.identity:
        free = _free_parameters(design, group, obs & (F > 0), free, status)
    n_obs = obs.sum(axis=(1, 2))
    n_sites = site_reach.sum(axis=1)
    pairs = obs[:, :, :-1] & obs[:, :, 1:] & (np.diff(x) == 1)
    return dict(
        obs=obs,
        f=np.where(obs, F, 0.0),
        free=free,
        group=group,
        **_observed_links(obs, x),
        pairs=pairs,
        n_pairs=pairs.sum(axis=(1, 2)),
        df=n_obs - n_sites - free.sum(axis=1),
        # per-fit facts that the iterations do not need
        base=b,
        status=status,
        year_est=year_est,
        year_reason=_year_reasons(finite, pos, year_pos, year_est, ymask),
        site_reason=_site_reasons(finite, pos, site_reach),
        n_sites=n_sites,
        n_obs=n_obs,
    )


def _free_parameters(
    design: Design,
    group: np.ndarray,
    pos_obs: np.ndarray,
    year_free: np.ndarray,
    status: np.ndarray,
) -> np.ndarray:
    """``(K, p)``: the parameters each fit estimates (the others stay at 0).

    Model 3: the year effects of the years with an index but the base year, in every
    block. Models 1 and 2: the columns that vary within some site's positive counts
    (a changepoint outside a fit's years has none). A covariate class with sites but
    too few counts to estimate one of its effects stops the fit
    (``covariate_not_estimable``, set in ``status``).
    """
    n_blocks = len(design.blocks)
    ok = (status == "")[:, None]
    if group is None:
        group = np.zeros(pos_obs.shape[:2], dtype=np.int64)
    has_members = members(design, group, pos_obs)
    info = informative(design, group, pos_obs)
    if design.model == 3:
        baseline = np.tile(year_free, n_blocks)
    else:
        baseline = np.tile(info[:, : design.p0], n_blocks) & ok
    free = baseline & has_members & info
    lacking = (baseline & has_members & ~info).any(axis=1)
    status[(status == "") & lacking] = "covariate_not_estimable"
    return free & (status == "")[:, None]


def _linked_to_base(
    pos: np.ndarray, year_pos: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Years and sites linked to the base year ``b`` through positive counts.

    A year's effect can only be told apart from the site effects when a chain of sites
    with positive counts connects it to the base year; the rest is left out of the fit.
    """
    K, _, J = pos.shape
    k = np.arange(K)
    reach = np.zeros((K, J), bool)
    reach[k, b] = year_pos[k, b]
    for _ in range(J):
        site_reach = (pos & reach[:, None, :]).any(axis=2)
        new = (pos & site_reach[:, :, None]).any(axis=1) | reach
        if (new == reach).all():
            break
        reach = new
    return reach, site_reach


def _fit_status(
    finite: np.ndarray,
    pos: np.ndarray,
    year_pos: np.ndarray,
    year_est: np.ndarray,
    ymask: np.ndarray,
    auto: np.ndarray,
    b: np.ndarray,
    model: int = 3,
) -> np.ndarray:
    """Per fit the reason no trend can be estimated, or "" when it can (first reason wins)."""
    k = np.arange(finite.shape[0])
    n_counts = finite.sum(axis=(1, 2))
    status = np.full(finite.shape[0], "", dtype=object)
    status[(n_counts > 0) & ~pos.any(axis=(1, 2))] = "all_zero"
    status[n_counts == 0] = "no_counts"
    status[(status == "") & ~auto & ~ymask[k, b]] = "base_year_not_in_data"
    if model == 3:
        status[(status == "") & ~auto & ~year_pos[k, b]] = "base_year_not_estimable"
        status[(status == "") & (year_est.sum(axis=1) < 2)] = "single_year"
    else:
        status[(status == "") & ((year_pos & year_est).sum(axis=1) < 2)] = "single_year"
    return status


def _year_reasons(
    finite: np.ndarray,
    pos: np.ndarray,
    year_pos: np.ndarray,
    year_est: np.ndarray,
    ymask: np.ndarray,
) -> np.ndarray:
    """Why a year present in the data gets no index ("" where it gets one)."""
    site_pos = pos.any(axis=2)
    year_any = (finite & site_pos[:, :, None]).any(axis=1)
    year_reason = np.full(ymask.shape, "", dtype=object)
    gone = ymask & ~year_est
    year_reason[gone & ~year_any] = "year_without_counts"
    year_reason[gone & year_any & ~year_pos] = "year_all_zero"
    year_reason[gone & year_pos] = "year_not_connected"
    return year_reason


def _site_reasons(finite: np.ndarray, pos: np.ndarray, site_reach: np.ndarray) -> np.ndarray:
    """Why a site is dropped from the fit ("" where it takes part)."""
    site_any, site_pos = finite.any(axis=2), pos.any(axis=2)
    site_reason = np.full(site_any.shape, "", dtype=object)
    site_reason[site_any & ~site_pos] = "site_all_zero"
    site_reason[site_pos & ~site_reach] = "site_not_connected"
    return site_reason


def _observed_links(obs: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """Links between successive observed years of a site (for the AR(1) precision).

    ``nxt``/``prv`` are the columns of the next/previous observed year (clipped into
    range; ``has_next``/``has_prev`` say whether there is one) and ``gap`` the number of
    years to the next one.
    """
    K, n_site, J = obs.shape
    nxt = np.full((K, n_site, J), J, dtype=np.int64)
    prv = np.full((K, n_site, J), -1, dtype=np.int64)
    for j in range(J - 2, -1, -1):
        nxt[:, :, j] = np.where(obs[:, :, j + 1], j + 1, nxt[:, :, j + 1])
    for j in range(1, J):
        prv[:, :, j] = np.where(obs[:, :, j - 1], j - 1, prv[:, :, j - 1])
    has_next, has_prev = obs & (nxt < J), obs & (prv >= 0)
    nxt, prv = np.minimum(nxt, J - 1), np.maximum(prv, 0)
    return dict(
        nxt=nxt,
        prv=prv,
        has_next=has_next,
        has_prev=has_prev,
        gap=np.where(has_next, x[nxt] - x[None, None, :], 1.0),
    )
