"""Thousands of fits at once: bucket them by size, fit each stack, undo the bucketing.

Series are stacked into ``(K, I, J)`` arrays padded to the largest number of sites in the
stack, so fits are bucketed by their number of sites to keep the padding small. Stacks
are fitted in this process or, for large inputs, in worker processes.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cop.monitoring.engine.gee import estimate
from cop.monitoring.engine.inputs import CodedCounts, to_codes, validate
from cop.monitoring.engine.structure import prepare
from cop.monitoring.engine.variance import covariances, summarise


def fit_stack(
    F: np.ndarray,
    ymask: np.ndarray,
    x: np.ndarray,
    base: np.ndarray,
    overdispersion: bool,
    serial_correlation: bool,
) -> dict:
    """Fit TRIM model 3 to K stacked site × year matrices at once.

    Returns the structure ``p`` (:func:`cop.monitoring.engine.structure.prepare`), the
    final ``status`` per fit (``no_convergence`` added), the estimates (``alpha``,
    ``gamma``, ``sig2`` = estimated overdispersion, ``rho``), ``df`` and what
    :func:`cop.monitoring.engine.variance.covariances` returns.
    """
    x = np.asarray(x, dtype=float)
    p = prepare(F, ymask, x, base)
    est, change = estimate(p, overdispersion, serial_correlation)
    status = p["status"].copy()
    converged = (change < 1e-6) & np.isfinite(est["gamma"]).all(axis=1)
    status[(p["status"] == "") & ~converged] = "no_convergence"
    return dict(
        p=p,
        status=status,
        alpha=est["alpha"],
        gamma=est["gamma"],
        sig2=est["sig2_est"],
        rho=est["rho"],
        df=p["df"],
        **covariances(p, est, x, serial_correlation),
    )


def _run_stack(args: tuple) -> dict:
    """Fit one stack; fits whose serial correlation does not converge (sparse series
    full of zeros) are refitted without it and flagged with ``rho_fallback``."""
    F, ymask, x, base, od, sc, extras = args
    out = summarise(fit_stack(F, ymask, x, base, od, sc), x, **extras)
    failed = np.nonzero(out["status"] == "no_convergence")[0]
    if sc and failed.size:
        retry = fit_stack(F[failed], ymask[failed], x, base[failed], od, False)
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
    site) pair, whether a requested base year was absent, and one array per result field
    (first axis = fit, in key order; see :func:`cop.monitoring.engine.variance.summarise`).
    """

    key_table: pd.DataFrame
    years: np.ndarray
    site_labels: np.ndarray
    base_missing: bool
    g: dict[str, np.ndarray]


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
    keep_vcov: bool = False,
) -> Fitted | None:
    """Validate a long table and fit one model per key (None when it has no rows).

    ``recent_years`` and ``keep_vcov`` ask for the extra summaries of
    :func:`cop.monitoring.engine.variance.summarise`.
    """
    data = validate(df, [*keys, site, year, count], count, year)
    if data.empty:
        return None
    coded = to_codes(data, keys, site, year, count, duplicates)
    hit = np.nonzero(coded.years == base_year)[0] if base_year is not None else []
    base_col = int(hit[0]) if len(hit) else -1  # -1: first year with an index
    chunks = _buckets(coded.n_sites, len(coded.years), chunk_cells)
    extras = {"recent_years": recent_years, "keep_vcov": keep_vcov}
    tasks = _stacks(coded, chunks, base_col, overdispersion, serial_correlation, extras)
    if n_jobs > 1 and len(tasks) > 1 and len(data) > 50_000:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            results = list(pool.map(_run_stack, tasks))
    else:
        results = [_run_stack(t) for t in tasks]
    return Fitted(
        key_table=coded.key_table,
        years=coded.years,
        site_labels=coded.site_labels,
        base_missing=base_year is not None and base_col < 0,
        g=_gather(chunks, results, len(coded.key_table)),
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


def _stacks(
    coded: CodedCounts,
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
        tasks.append((F, ymask_all[members], xs, base, overdispersion, serial_correlation, extras))
    return tasks


def _gather(chunks: list[np.ndarray], results: list[dict], K: int) -> dict[str, np.ndarray]:
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
