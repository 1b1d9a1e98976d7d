"""Monitoring trends that changed class between two meetings, for the meeting brief.

A brief (:mod:`cop.meetings.briefs`) names the series of the invited municipalities whose
TRIM trend class (:func:`cop.monitoring.trim.trends_by`) differs between the data known
at the previous meeting and the data known now, on the species groups that fit the
meeting's themes. As everywhere in the app, a series has two trends side by side: over
the whole series and over its last ten years (TRIM's overall slope of the years
``last − 9 … last``, :data:`cop.monitoring.RECENT_YEARS`); a change of either is listed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cop.core import vocab
from cop.monitoring import RECENT_YEARS, trim

# Species groups whose counts say something about a theme's measures. Data, not logic:
# a reviewer can read and change it. Themes without a fitting group use every group.
THEME_SPECIES_GROUPS: dict[str, tuple[str, ...]] = {
    "ecological_mowing": ("butterflies", "bees", "plants"),
    "depaving": ("bees", "butterflies"),
    "green_roofs_walls": ("bees", "birds"),
    "flower_verges": ("bees", "butterflies", "plants"),
    "nature_friendly_banks": ("plants", "birds"),
    "trees_tiny_forests": ("birds",),
    "fauna_provisions": ("birds",),
    "nature_inclusive_building": ("birds",),
    "dark_sky_lighting": ("butterflies",),
    "invasive_species": ("plants",),
    "citizen_participation": ("birds", "bees"),
    "policy_vision": (),
    "ecological_corridors": ("butterflies", "birds"),
    "climate_adaptation": ("bees", "plants"),
}


def species_groups_for(themes: Sequence[str]) -> tuple[str, ...]:
    """Species groups that fit ``themes`` (:data:`THEME_SPECIES_GROUPS`); all when none fit."""
    wanted = {g for theme in themes for g in THEME_SPECIES_GROUPS.get(theme, ())}
    return tuple(g for g in vocab.SPECIES_GROUPS if g in wanted) or vocab.SPECIES_GROUPS


def trend_class_changes(
    monitoring: pd.DataFrame,
    codes: Sequence[str],
    groups: Sequence[str],
    before_year: int,
    after_year: int,
) -> pd.DataFrame:
    """Series whose TRIM trend class, long-term or of the last ten years, differs between
    data up to two years.

    One trend per municipality, scheme and species (sites are the TRIM sites), fitted
    once on the years up to ``before_year`` and once up to ``after_year``; each fit gives
    the class of the whole series and of its last ten years. Series that cannot be
    estimated at either point are left out. Returns ``municipality_code``, ``scheme``,
    ``species``, ``before``, ``after`` (long-term classes), ``recent_before``,
    ``recent_after`` (last ten years; missing where that slope is not estimable). Rows
    with a change between two certain classes come first, then by code, scheme and
    species.
    """
    columns = [
        "municipality_code",
        "scheme",
        "species",
        "before",
        "after",
        "recent_before",
        "recent_after",
    ]
    keys = ["municipality_code", "scheme", "species"]
    rows = monitoring[
        monitoring["municipality_code"].isin(list(codes))
        & monitoring["species_group"].isin(list(groups))
    ]
    if rows.empty or before_year >= after_year:
        return pd.DataFrame(columns=columns)
    data = rows[[*keys, "site_id", "year", "count"]].astype({"count": "Float64"})
    data = data.assign(count=data["count"].astype(float))
    wanted = [*keys, "trend_class", "recent_trend_class"]

    def classes(up_to: int) -> pd.DataFrame:
        part = data[data["year"] <= up_to]
        if part.empty:
            return pd.DataFrame(columns=wanted)
        summary = trim.trends_by(
            part, keys, site="site_id", year="year", count="count", recent_years=RECENT_YEARS
        )
        return summary.loc[summary["ok"].astype(bool), wanted]

    merged = classes(before_year).merge(classes(after_year), on=keys, suffixes=("_b", "_a"))
    merged = merged.rename(
        columns={
            "trend_class_b": "before",
            "trend_class_a": "after",
            "recent_trend_class_b": "recent_before",
            "recent_trend_class_a": "recent_after",
        }
    ).astype({c: "string" for c in columns})
    changed_long = merged["before"] != merged["after"]
    changed_recent = (merged["recent_before"] != merged["recent_after"]).fillna(
        merged["recent_before"].isna() != merged["recent_after"].isna()
    )
    merged = merged[(changed_long | changed_recent).to_numpy(dtype=bool)]
    merged = merged.assign(_u=(~_certain_change(merged)).astype(int)).sort_values(["_u", *keys])
    return merged[columns].reset_index(drop=True)


def _certain_change(frame: pd.DataFrame) -> pd.Series:
    """Rows where a class changed between two classes neither of which is "uncertain"."""
    out = pd.Series(False, index=frame.index)
    for before, after in (("before", "after"), ("recent_before", "recent_after")):
        pair = frame[[before, after]].fillna("uncertain")
        out |= (pair[before] != pair[after]) & ~pair.isin(["uncertain"]).any(axis=1)
    return out
