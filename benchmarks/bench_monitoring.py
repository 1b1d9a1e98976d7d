"""Benchmark the monitoring layer on the national demo dataset (~1,050,000 monitoring rows).

What it times, with the ``monitoring`` table typed exactly as the app reads it:

* **all municipality × species-group trends** (:func:`cop.monitoring.indicators.trend_classes_by_municipality`):
  the honest workload behind the map and the profiles, i.e. one TRIM fit (GEE with
  overdispersion and serial correlation) per municipality × species, then the
  multi-species indicator per municipality × group as CBS's MSI tool computes it (1,000
  Monte Carlo simulations each) with its long-term and last-ten-years trends; with 1 and
  with ``--jobs`` workers;
* **one combination** (:func:`cop.monitoring.indicators.selection_trends` for one municipality and
  one species group): everything the monitoring page needs for a selection (species fits,
  indicator, coverage, heatmap), as the median of several municipalities, plus the
  all-partners selection of one group (every site in the country pooled per species);
* **the cached path**: the second call through a ``st.cache_data`` wrapper of the same
  shape as ``cop.ui.compute``, which is what a page pays once a combination was computed
  for the current data version.

Targets (issues 5 and 16): all combinations, long-term and last ten years, < 30 s on 2
cores; one combination < 0.2 s.

Run: ``python benchmarks/bench_monitoring.py [--jobs 2] [--data DIR]``; without ``--data``
the dataset is generated with ``python -m cop demo --scale national`` into a temporary
folder. Timings are printed (wall and CPU time: on cores shared with other work the CPU
time is the cost of the work itself), never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cop import monitoring  # noqa: E402
from cop.data.schema import coerce_types  # noqa: E402


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers (user + system)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(label: str, fn):
    """Wall time, and CPU time: on shared cores the CPU time is what the work costs."""
    start, cpu = time.perf_counter(), _cpu_seconds()
    out = fn()
    wall, used = time.perf_counter() - start, _cpu_seconds() - cpu
    print(f"{label:<64s} {wall:8.3f} s  (CPU {used:.1f} s)")
    return out


def load(data_dir: Path | None) -> pd.DataFrame:
    if data_dir is None:
        with tempfile.TemporaryDirectory(prefix="cop-national-") as tmp:
            timed(
                "python -m cop demo --scale national",
                lambda: subprocess.run(
                    [sys.executable, "-m", "cop", "demo", "--scale", "national", "--out", tmp],
                    check=True,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                ),
            )
            return load(Path(tmp))
    raw = timed("read monitoring.csv", lambda: pd.read_csv(data_dir / "monitoring.csv"))
    return coerce_types(raw, "monitoring")


def cached_path(table: pd.DataFrame, code: str, group: str) -> None:
    """Second call through st.cache_data, keyed like ui.compute (names + JSON params)."""
    import json
    import logging

    import streamlit as st

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    @st.cache_data(show_spinner=False)
    def compute(name: str, version: int, params: str) -> object:
        return getattr(monitoring, name)(table, **json.loads(params))

    params = json.dumps({"municipality": code, "species_group": group}, sort_keys=True)
    timed(
        "one combination, first call through st.cache_data",
        lambda: compute("selection_trends", 1, params),
    )
    reps = 20
    start = time.perf_counter()
    for _ in range(reps):
        compute("selection_trends", 1, params)
    print(
        f"{'one combination, cached (second call, mean of 20)':<64s} "
        f"{(time.perf_counter() - start) / reps * 1000:8.2f} ms"
    )
    timed(
        "all municipality × group trends, first call through st.cache_data",
        lambda: compute("trend_classes_by_municipality", 1, "{}"),
    )
    start = time.perf_counter()
    compute("trend_classes_by_municipality", 1, "{}")
    print(
        f"{'all municipality × group trends, cached (second call)':<64s} "
        f"{(time.perf_counter() - start) * 1000:8.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--data", type=Path, default=None, help="existing demo data folder")
    args = parser.parse_args()
    print(f"cores available: {os.cpu_count()}, workers: {args.jobs}")
    table = load(args.data)
    n_fits = table.groupby(["municipality_code", "species_group", "species"]).ngroups
    n_combos = table.groupby(["municipality_code", "species_group"]).ngroups
    print(
        f"rows: {len(table):,}  counted: {int(table['count'].notna().sum()):,}  "
        f"species fits: {n_fits:,}  municipality × group: {n_combos:,}"
    )

    for jobs in sorted({1, args.jobs}):
        trends = timed(
            f"all municipality × group trends (n_jobs={jobs})",
            lambda jobs=jobs: monitoring.trend_classes_by_municipality(table, n_jobs=jobs),
        )
    print(f"  classes: {trends['trend_class'].value_counts(dropna=False).to_dict()}")
    recent = trends["recent_trend_class"].value_counts(dropna=False).to_dict()
    print(f"  last ten years: {recent}")
    print(f"  not estimable: {int(trends['reason'].notna().sum())}")

    combos = trends[["municipality_code", "species_group"]].drop_duplicates()
    picks = combos.sample(n=min(15, len(combos)), random_state=5)
    monitoring.selection_trends(
        table, municipality=picks.iloc[0, 0], species_group=picks.iloc[0, 1]
    )  # warm-up
    times = []
    for code, group in picks.itertuples(index=False):
        start = time.perf_counter()
        monitoring.selection_trends(table, municipality=code, species_group=group)
        times.append(time.perf_counter() - start)
    print(
        f"{'one combination (municipality × group), median of 15':<64s} "
        f"{statistics.median(times):8.3f} s  (max {max(times):.3f} s)"
    )
    code, group = picks.iloc[0, 0], picks.iloc[0, 1]
    species = table.loc[
        (table["municipality_code"] == code) & (table["species_group"] == group), "species"
    ].iloc[0]
    timed(
        "one species in one municipality",
        lambda: monitoring.selection_trends(
            table, municipality=code, species_group=group, species=species
        ),
    )
    timed(
        f"all partners, one group ({group}: every site pooled per species)",
        lambda: monitoring.selection_trends(table, species_group=group),
    )
    cached_path(table, code, group)


if __name__ == "__main__":
    main()
