"""Benchmark the TRIM trend engine on synthetic national-scale monitoring data.

The workload mirrors the dashboard: 342 municipalities × 4 species groups × 10 species ×
~5 sites × 12 years (~1,000,000 site-year rows, ~15% not counted). It times one fit, the
honest workload of one fit per municipality × species (~13,700 fits, GEE with
overdispersion and serial correlation), the same with the last-ten-years slope of every
series (``recent_years=10``), the same fits with TRIM model 2 (changepoints every four
years), one model-2 fit with stepwise selection of changepoints, and the lighter
species-group totals.

Run: ``python benchmarks/bench_trends_engine.py [--jobs 2]``. Timings are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cop.monitoring.trim import fit_trim, fit_trim_batch

N_MUNICIPALITIES = 342
N_GROUPS = 4
N_SPECIES = 10
YEARS = np.arange(2013, 2025)
MISSING = 0.15


def synthetic_counts(seed: int = 20250101) -> pd.DataFrame:
    """Seeded counts with site effects, a species trend, overdispersion and gaps."""
    rng = np.random.default_rng(seed)
    n_series = N_MUNICIPALITIES * N_GROUPS * N_SPECIES
    n_sites = rng.integers(3, 8, size=n_series)  # 3..7 sites, ~5 on average
    series = np.repeat(np.arange(n_series), n_sites)
    site = np.concatenate([np.arange(n) for n in n_sites])
    J = len(YEARS)
    series = np.repeat(series, J)
    site = np.repeat(site, J)
    t = np.tile(np.arange(J), len(series) // J)
    level = rng.normal(1.5, 1.0, size=n_series)[series]
    site_eff = rng.normal(0.0, 0.8, size=len(series) // J).repeat(J)
    slope = rng.normal(0.0, 0.05, size=n_series)[series]
    noise = rng.gamma(4.0, 0.25, size=len(series))  # overdispersion
    count = rng.poisson(np.exp(level + site_eff + slope * t) * noise).astype(float)
    count[rng.random(len(series)) < MISSING] = np.nan
    codes = [f"GM{m:04d}" for m in range(N_MUNICIPALITIES)]
    municipality = pd.Categorical.from_codes(series // (N_GROUPS * N_SPECIES), codes)
    return pd.DataFrame(
        {
            "municipality": pd.Series(municipality).astype("string"),
            "group": (series // N_SPECIES) % N_GROUPS,
            "species": series % N_SPECIES,
            "site": site,
            "year": YEARS[t],
            "count": count,
        }
    )


def timed(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"{label:<58s} {time.perf_counter() - start:8.3f} s")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    print(f"cores available: {os.cpu_count()}, workers: {args.jobs}")
    data = timed("generate synthetic data", synthetic_counts)
    print(f"rows: {len(data):,}  observed: {int(data['count'].notna().sum()):,}")

    one = data[(data["municipality"] == "GM0000") & (data["group"] == 0) & (data["species"] == 0)]
    fit_trim(one)  # warm-up (imports, first-call overheads)
    reps = 50
    start = time.perf_counter()
    for _ in range(reps):
        res = fit_trim(one)
    per_fit = (time.perf_counter() - start) / reps
    print(
        f"one fit ({one['site'].nunique()} sites × {len(YEARS)} years, GEE)"
        f"{'':<18s} {per_fit * 1000:8.2f} ms  (slope {res.overall_slope['imputed']['multiplicative']:.4f})"
    )

    keys = ["municipality", "group", "species"]
    for jobs in sorted({1, args.jobs}):
        batch = timed(
            f"all species fits ({data.groupby(keys).ngroups:,}), n_jobs={jobs}",
            lambda jobs=jobs: fit_trim_batch(data, keys, n_jobs=jobs),
        )
    summary = batch.summary
    timed(
        f"same, with the last-ten-years slope (recent_years=10), n_jobs={args.jobs}",
        lambda: fit_trim_batch(data, keys, n_jobs=args.jobs, recent_years=10),
    )
    timed(
        f"same fits with model 2, changepoints 2013/2017/2021, n_jobs={args.jobs}",
        lambda: fit_trim_batch(
            data, keys, n_jobs=args.jobs, model=2, changepoints=[2013, 2017, 2021]
        ),
    )
    start = time.perf_counter()
    stepwise = fit_trim(one, model=2, changepoints="auto")
    kept = [c["year"] for c in stepwise.changepoints]
    print(
        f"one model-2 fit, stepwise from {len(YEARS) - 1} changepoints (kept {kept})"
        f"{'':<3s} {(time.perf_counter() - start) * 1000:8.2f} ms"
    )
    print(
        f"  ok: {int(summary['ok'].sum()):,}  not estimable: {int((~summary['ok']).sum())}  "
        f"classes: {summary['trend_class'].value_counts().to_dict()}"
    )

    totals = data.groupby(["municipality", "group", "site", "year"], as_index=False)["count"].sum(
        min_count=1
    )
    timed(
        f"species-group totals ({totals.groupby(['municipality', 'group']).ngroups:,} fits)",
        lambda: fit_trim_batch(totals, ["municipality", "group"], n_jobs=args.jobs),
    )


if __name__ == "__main__":
    main()
