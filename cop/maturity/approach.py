"""Approach profile: what a municipality does, as a mix of measures by theme and status.

Counts alone favour large municipalities, so every count comes with two normalised forms
that let a town of 15,000 and a city of 200,000 be compared fairly:

``per_10k``
    measures per 10,000 inhabitants (how much, for the size of the place);
``share``
    the share of the municipality's own measures (what it chooses to put effort in);
    the shares of one municipality add up to 1.

Stopped measures are left out of the theme mix by default (:data:`MIX_STATUSES`): the mix
describes what a municipality does or intends to do now. :func:`approach_profile` keeps
every status for the full picture.

Examples
--------
>>> towns = pd.DataFrame({"code": ["GM0001"], "population": [20_000]})
>>> measures = pd.DataFrame({"municipality_code": ["GM0001"] * 2,
...                          "theme": ["depaving", "depaving"], "status": ["realised", "idea"]})
>>> mix = theme_mix(measures, towns)
>>> mix.loc[mix["theme"] == "depaving", ["measures", "share", "per_10k"]].values.tolist()
[[2.0, 1.0, 1.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cop.core import vocab

__all__ = [
    "MIX_STATUSES",
    "approach_profile",
    "group_mix",
    "start_timeline",
    "theme_mix",
    "with_group_mix",
]

PER = 10_000
MIX_STATUSES: tuple[str, ...] = tuple(s for s in vocab.MEASURE_STATUSES if s != "stopped")


def _codes(measures: pd.DataFrame, codes: Sequence[str] | None) -> list[str]:
    if codes is not None:
        return list(dict.fromkeys(codes))
    return sorted(str(c) for c in measures["municipality_code"].dropna().unique())


def _normalise(counts: pd.DataFrame, municipalities: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    population = municipalities.set_index("code")["population"].astype(float)
    population = population.where(population > 0)
    totals = counts.groupby("municipality_code")["measures"].transform("sum")
    out = counts.copy()
    out["measures"] = out["measures"].astype(float)
    out["share"] = (out["measures"] / totals.where(totals > 0)).fillna(0.0)
    out["per_10k"] = out["measures"] / out["municipality_code"].map(population) * PER
    return out[["municipality_code", *by, "measures", "share", "per_10k"]]


def approach_profile(
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Measures per municipality, theme and status, with ``share`` and ``per_10k``.

    Every theme x status is present for each municipality (zero when none). ``share`` is of
    all the municipality's measures, every status included.
    """
    chosen = _codes(measures, codes)
    grid = pd.MultiIndex.from_product(
        [chosen, vocab.THEMES, vocab.MEASURE_STATUSES],
        names=["municipality_code", "theme", "status"],
    ).to_frame(index=False)
    part = measures[measures["municipality_code"].isin(chosen)]
    counts = part.groupby(["municipality_code", "theme", "status"]).size().rename("measures")
    grid = grid.merge(counts.reset_index(), how="left", on=["municipality_code", "theme", "status"])
    grid["measures"] = grid["measures"].fillna(0)
    return _normalise(grid, municipalities, ["theme", "status"])


def theme_mix(
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    codes: Sequence[str] | None = None,
    statuses: Sequence[str] = MIX_STATUSES,
) -> pd.DataFrame:
    """Measures per municipality and theme (only ``statuses``), with ``share`` and ``per_10k``.

    Every theme is present for each municipality, in vocabulary order. A municipality with
    no measures has shares of 0.
    """
    chosen = _codes(measures, codes)
    kept = measures[measures["status"].isin(list(statuses))]
    grid = pd.MultiIndex.from_product(
        [chosen, vocab.THEMES], names=["municipality_code", "theme"]
    ).to_frame(index=False)
    part = kept[kept["municipality_code"].isin(chosen)]
    counts = part.groupby(["municipality_code", "theme"]).size().rename("measures")
    grid = grid.merge(counts.reset_index(), how="left", on=["municipality_code", "theme"])
    grid["measures"] = grid["measures"].fillna(0)
    return _normalise(grid, municipalities, ["theme"])


def group_mix(mix: pd.DataFrame, members: Sequence[str], key: str) -> pd.DataFrame:
    """The mean mix of ``members`` (rows of :func:`theme_mix`) as one row set named ``key``.

    A mean rather than a median: the mean shares of a group still add up to 1, so the bars
    stay comparable with a single municipality's. Members without measures count as zeros.
    """
    part = mix[mix["municipality_code"].isin(list(members))]
    n = len(set(members))
    if part.empty or n == 0:
        means = pd.DataFrame({"theme": list(vocab.THEMES), "measures": 0.0, "share": 0.0})
        means["per_10k"] = np.nan
    else:
        sums = part.groupby("theme", sort=False)[["measures", "share", "per_10k"]].sum()
        means = (sums / n).reindex(list(vocab.THEMES)).rename_axis("theme").reset_index()
    means.insert(0, "municipality_code", key)
    return means[["municipality_code", "theme", "measures", "share", "per_10k"]]


def with_group_mix(
    mix: pd.DataFrame, members_mix: pd.DataFrame, members: Sequence[str], key: str
) -> pd.DataFrame:
    """``mix`` followed by the mean mix of ``members`` (from ``members_mix``) named ``key``."""
    return pd.concat([mix, group_mix(members_mix, members, key)], ignore_index=True)


def start_timeline(measures: pd.DataFrame, *, codes: Sequence[str]) -> pd.DataFrame:
    """How many measures each municipality started per year, and in which themes.

    Returns ``municipality_code``, ``start_year``, ``measures`` and ``themes`` (theme codes
    joined with ``;``, most frequent first). Measures without a start year are left out.
    """
    columns = ["municipality_code", "start_year", "measures", "themes"]
    part = measures[measures["municipality_code"].isin(list(codes))].dropna(subset=["start_year"])
    if part.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for (code, year), group in part.groupby(["municipality_code", "start_year"], sort=True):
        themes = group["theme"].value_counts()
        ordered = sorted(themes.index, key=lambda t: (-themes[t], vocab.THEMES.index(t)))
        rows.append((code, int(year), len(group), ";".join(ordered)))
    out = pd.DataFrame(rows, columns=columns)
    order = {c: i for i, c in enumerate(codes)}
    out = out.sort_values(
        ["municipality_code", "start_year"],
        key=lambda s: s.map(order) if s.name == "municipality_code" else s,
    )
    return out.reset_index(drop=True)
