"""Thousands of fits at once: bucket them by size, fit each stack, undo the bucketing.

Series are stacked into ``(K, I, J)`` arrays padded to the largest number of sites in the
stack, so fits are bucketed by their number of sites to keep the padding small. Stacks
are fitted in this process or, for large inputs, in worker processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cop.monitoring.engine.design import (
    ALL_CHANGEPOINTS,
    AUTO_CHANGEPOINTS,
    Design,
    ModelSpec,
    build_design,
)
from cop.monitoring.engine.gee import estimate
from cop.monitoring.engine.inputs import (
    CodedCounts,
    SiteAttributes,
    site_attributes,
    to_codes,
    validate,
)
from cop.monitoring.engine.results import TrimInputError
from cop.monitoring.engine.structure import prepare
from cop.monitoring.engine.variance import covariances, summarise


def fit_stack(
    F: np.ndarray,
    ymask: np.ndarray,
    x: np.ndarray,
    base: np.ndarray,
    overdispersion: bool,
    serial_correlation: bool,
    design: Design | None = None,
    group: np.ndarray | None = None,
    site_weight: np.ndarray | None = None,
) -> dict:
    """Fit one TRIM model to K stacked site × year matrices at once.

    ``design`` is the model (None: model 3 without covariates), ``group`` ``(K, I)``
    each site's covariate group and ``site_weight`` ``(K, I)`` its weight. Returns the
    structure ``p`` (:func:`cop.monitoring.engine.structure.prepare`), the final
    ``status`` per fit (``no_convergence`` added), the estimates (``alpha``, ``beta``,
    ``sig2`` = estimated overdispersion, ``rho``), ``df`` and what
    :func:`cop.monitoring.engine.variance.covariances` returns.
    """
    x = np.asarray(x, dtype=float)
    p = prepare(F, ymask, x, base, design, group)
    est, change = estimate(p, overdispersion, serial_correlation, design=design)
    status = p["status"].copy()
    converged = (change < 1e-6) & np.isfinite(est["beta"]).all(axis=1)
    status[(p["status"] == "") & ~converged] = "no_convergence"
    return dict(
        p=p,
        status=status,
        alpha=est["alpha"],
        beta=est["beta"],
        sig2=est["sig2_est"],
        rho=est["rho"],
        df=p["df"],
        **covariances(p, est, x, serial_correlation, design, site_weight),
    )


def _run_stack(args: tuple) -> dict:
    """Fit one stack; fits whose serial correlation does not converge (sparse series
    full of zeros) are refitted without it and flagged with ``rho_fallback``."""
    F, ymask, x, base, od, sc, model, extras = args
    out = summarise(fit_stack(F, ymask, x, base, od, sc, **model), x, **extras)
    failed = np.nonzero(out["status"] == "no_convergence")[0]
    if sc and failed.size:
        part = {k: (v[failed] if isinstance(v, np.ndarray) else v) for k, v in model.items()}
        retry = fit_stack(F[failed], ymask[failed], x, base[failed], od, False, **part)
        retry = summarise(retry, x, **extras)
        good = retry["status"] == ""
        for name, values in retry.items():
            out[name][failed[good]] = values[good]
        out["rho"][failed[good]] = np.nan
        out["rho_fallback"][failed[good]] = True
    return out


@dataclass
class Fitted:
    """Every fit of a long table: the key table, the years, the sites of each (fit,
    site) pair, whether a requested base year was absent, one array per result field
    (first axis = fit, in key order; see :func:`cop.monitoring.engine.variance.summarise`),
    the model's design and the covariates kept/dropped.
    """

    key_table: pd.DataFrame
    years: np.ndarray
    site_labels: np.ndarray
    base_missing: bool
    g: dict[str, np.ndarray]
    design: Design | None = None
    dropped_covariates: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    """A validated, coded long table with its site attributes, ready for any design."""

    coded: CodedCounts
    attrs: SiteAttributes | None
    base_col: int
    base_missing: bool


def prepare_long(
    df: pd.DataFrame,
    keys: list[str],
    site: str,
    year: str,
    count: str,
    base_year: int | None,
    duplicates: str,
    spec: ModelSpec,
) -> Prepared | None:
    """Validate and code a long table (None when it has no rows)."""
    extra = [*spec.covariates, *([spec.weights] if spec.weights else [])]
    data = validate(df, [*keys, site, year, count, *extra], count, year)
    if data.empty:
        return None
    coded = to_codes(data, keys, site, year, count, duplicates)
    attrs = None
    if spec.covariates or spec.weights:
        attrs = site_attributes(
            data, coded.pair_of_row, len(coded.site_labels), site, spec.covariates, spec.weights
        )
    hit = np.nonzero(coded.years == base_year)[0] if base_year is not None else []
    base_col = int(hit[0]) if len(hit) else -1  # -1: first year with an index
    return Prepared(coded, attrs, base_col, base_year is not None and base_col < 0)


def changepoint_columns(spec: ModelSpec, years: np.ndarray) -> list[int]:
    """The changepoints of a model-2 spec as columns into ``years``.

    Raises
    ------
    TrimInputError
        ``changepoint_outside_data`` for a year that is not one of the data's years
        before the last one.
    """
    if spec.model != 2:
        return []
    cps = spec.changepoints
    if cps in (ALL_CHANGEPOINTS, AUTO_CHANGEPOINTS):
        return list(range(len(years) - 1))
    if cps is None or len(cps) == 0:
        return [0]
    wanted = sorted({int(c) for c in cps})
    bad = [c for c in wanted if c not in set(years[:-1].tolist())]
    if bad:
        raise TrimInputError(
            "changepoint_outside_data",
            f"changepoint year(s) {', '.join(map(str, bad))} not in the data's years "
            f"{int(years[0])}–{int(years[-2]) if len(years) > 1 else int(years[0])} "
            "(a changepoint must be a year with data before the last one)",
            years=bad,
        )
    return [int(np.nonzero(years == c)[0][0]) for c in wanted]


def design_for(spec: ModelSpec, prepared: Prepared, cps: list[int] | None = None) -> Design | None:
    """The design of ``spec`` on the prepared data (None for plain model 3)."""
    covariates = prepared.attrs.covariates if prepared.attrs else []
    if spec.model == 3 and not covariates:
        return None
    years = prepared.coded.years
    cps = changepoint_columns(spec, years) if cps is None else cps
    combos = prepared.attrs.combos if prepared.attrs else None
    return build_design(spec.model, years, cps, covariates, combos)


def fit_long(
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
    recent_years: int | None = None,
    detail: bool = False,
    spec: ModelSpec | None = None,
) -> Fitted | None:
    """Validate a long table and fit one model per key (None when it has no rows).

    ``recent_years`` and ``detail`` ask for the extra summaries of
    :func:`cop.monitoring.engine.variance.summarise`; ``spec`` is the model (default
    TRIM model 3).
    """
    spec = spec or ModelSpec()
    prepared = prepare_long(df, keys, site, year, count, base_year, duplicates, spec)
    if prepared is None:
        return None
    design = design_for(spec, prepared)
    return fit_prepared(
        prepared,
        design,
        overdispersion,
        serial_correlation,
        n_jobs,
        chunk_cells,
        {"recent_years": recent_years, "detail": detail},
    )


def fit_prepared(
    prepared: Prepared,
    design: Design | None,
    overdispersion: bool,
    serial_correlation: bool,
    n_jobs: int = 1,
    chunk_cells: int = 400_000,
    extras: dict[str, Any] | None = None,
) -> Fitted:
    """Fit ``design`` to every key of a prepared table."""
    coded = prepared.coded
    extras = extras or {}
    chunks = _buckets(coded.n_sites, len(coded.years), chunk_cells)
    tasks = build_stacks(
        coded,
        prepared.attrs,
        design,
        chunks,
        prepared.base_col,
        overdispersion,
        serial_correlation,
        extras,
    )
    n_rows = len(coded.kid)
    if n_jobs > 1 and len(tasks) > 1 and n_rows > 50_000:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            results = list(pool.map(_run_stack, tasks))
    else:
        results = [_run_stack(t) for t in tasks]
    return Fitted(
        key_table=coded.key_table,
        years=coded.years,
        site_labels=coded.site_labels,
        base_missing=prepared.base_missing,
        g=_gather(chunks, results, len(coded.key_table)),
        design=design,
        dropped_covariates=prepared.attrs.dropped if prepared.attrs else [],
    )


def _buckets(n_sites: np.ndarray, J: int, chunk_cells: int) -> list[np.ndarray]:
    """Fits grouped by similar numbers of sites, at most ``chunk_cells`` cells a stack."""
    K = len(n_sites)
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
    return chunks


def build_stacks(
    coded: CodedCounts,
    attrs: SiteAttributes | None,
    design: Design | None,
    chunks: list[np.ndarray],
    base_col: int,
    overdispersion: bool,
    serial_correlation: bool,
    extras: dict,
) -> list[tuple]:
    """The arguments of :func:`_run_stack` for every bucket (counts padded with NaN)."""
    kid, sid, yid, counts = coded.kid, coded.sid, coded.yid, coded.counts
    K, J = len(coded.key_table), len(coded.years)
    pos_in_chunk = np.empty(K, dtype=np.int64)
    chunk_of = np.empty(K, dtype=np.int64)
    for c, members in enumerate(chunks):
        pos_in_chunk[members] = np.arange(len(members))
        chunk_of[members] = c
    rows_by_chunk = pd.Series(np.arange(len(kid))).groupby(chunk_of[kid]).indices
    ymask_all = np.zeros((K, J), bool)
    ymask_all[kid, yid] = True
    xs = coded.years.astype(float)
    tasks = []
    for c, members in enumerate(chunks):
        i_max = max(int(coded.n_sites[members].max()), 1)
        F = np.full((len(members), i_max, J), np.nan)
        rows = rows_by_chunk.get(c, np.array([], dtype=np.int64))
        F[pos_in_chunk[kid[rows]], sid[rows], yid[rows]] = counts[rows]
        base = np.full(len(members), base_col)
        model = _site_arrays(coded, attrs, members, pos_in_chunk, i_max)
        model["design"] = design
        tasks.append(
            (F, ymask_all[members], xs, base, overdispersion, serial_correlation, model, extras)
        )
    return tasks


def _site_arrays(
    coded: CodedCounts,
    attrs: SiteAttributes | None,
    members: np.ndarray,
    pos_in_chunk: np.ndarray,
    i_max: int,
) -> dict[str, np.ndarray | None]:
    """Covariate group and weight of every site of a stack (padding: group 0, weight 1)."""
    if attrs is None:
        return {"group": None, "site_weight": None}
    chosen = np.isin(coded.pair_kid, members)
    k = pos_in_chunk[coded.pair_kid[chosen]]
    i = coded.pair_sid[chosen]
    group = np.zeros((len(members), i_max), dtype=np.int64)
    group[k, i] = attrs.group[chosen]
    weight = None
    if attrs.weight is not None:
        weight = np.ones((len(members), i_max))
        weight[k, i] = attrs.weight[chosen]
    return {"group": group, "site_weight": weight}


def _gather(chunks: list[np.ndarray], results: list[dict], K: int) -> dict[str, np.ndarray]:
    """Undo the bucketing: one array per output field, in key order.

    Per-site fields (``site_reason``, and the fitted cells of ``detail``) differ in
    width between stacks and are kept as one object per fit.
    """
    out: dict[str, np.ndarray] = {}
    for members, res in zip(chunks, results, strict=True):
        for name, arr in res.items():
            ragged = name in _PER_SITE
            if name not in out:
                shape = (K,) if ragged else (K, *arr.shape[1:])
                out[name] = np.empty(shape, dtype=object if ragged else arr.dtype)
            if ragged:
                for m, row in zip(members, arr, strict=True):
                    out[name][m] = row
            else:
                out[name][members] = arr
    return out


#: Fields with one entry per site of a fit (their width is the stack's padding).
_PER_SITE = ("site_reason", "alpha", "mu", "obs", "f")
