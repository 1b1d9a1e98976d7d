"""Maturity model: the rubric, overall and latest maturity, movement, frontrunners, peer position.

The numbers only: :mod:`cop.maturity.display` words them and lays out the tables to show,
:mod:`cop.maturity.assessment` stores a self-assessment.

Every municipality scores itself once a year on eight dimensions (:data:`vocab.DIMENSIONS`)
at five levels (1 *beginnend* .. 5 *koploper*). The rubric that says what each level means
per dimension is data (``data/maturity_rubric.csv``), so the coordinator can improve the
wording without touching code.

Definitions (all computed from the data, nothing is a hard-coded list):

overall maturity
    The **mean** of the dimension levels of one municipality in one year, rounded to one
    decimal. The rubric weighs the dimensions equally, so the mean is the honest summary;
    a median of eight small integers would hide a step forward on two or three dimensions.
    A missing dimension is left out of the mean, but only when at least
    :data:`MIN_DIMENSIONS` of the eight are present; with fewer the overall is empty,
    because a mean of a few dimensions cannot be compared with a full assessment.
    ``n_dimensions`` says how many dimensions went into it.
latest
    Each municipality's most recent assessment (:func:`latest_levels`,
    :func:`latest_overall`): a partner assessed in 2023 and not since keeps its 2023
    levels. This module is the one place that decides it; the map, the briefs, the
    home page and the peer finder call these functions.
movement
    Change in overall maturity since the previous assessment and since the first,
    computed from the *reported* (rounded) values so the figures add up on screen.
frontrunner / starter (overall)
    Relative to the CoP: a latest overall in the top quartile of all latest overalls is a
    frontrunner, one in the bottom quartile a starter. The CoP changes, so do the groups.
frontrunner per dimension
    A latest level of at least :data:`FRONTRUNNER_LEVEL` (4, *gevorderd*) on that
    dimension: the rubric's own threshold for "established practice", which is what makes
    someone worth asking.
peer position
    A municipality's levels against the median and quartiles of its peer group
    (:func:`cop.maturity.peergroups.peer_group`): "expected for a municipality like you" is the
    interquartile range; above Q3 is ahead of its peers, below Q1 behind.

Examples
--------
>>> frame = pd.DataFrame({"municipality_code": ["GM0001"] * 2, "year": [2024, 2024],
...                       "dimension": ["vision_policy", "budget_finance"], "level": [2, 3]})
>>> overall_maturity(frame, min_dimensions=2)["overall"].tolist()
[2.5]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.core.config import SHIPPED_DATA_DIR
from cop.maturity.peergroups import PeerGroup, peer_group, with_size_class

__all__ = [
    "FRONTRUNNER_LEVEL",
    "MIN_DIMENSIONS",
    "OVERALL",
    "PEER_KEY",
    "RUBRIC_FILE",
    "SORT_KEYS",
    "PeerPosition",
    "RubricError",
    "assessed_codes",
    "biggest_movers",
    "check_rubric",
    "compare_levels",
    "dimension_frontrunners",
    "heatmap_rows",
    "largest_differences",
    "latest_level_counts",
    "latest_levels",
    "latest_overall",
    "latest_overall_levels",
    "level_distribution_by_year",
    "load_rubric",
    "maturity_groups",
    "movements",
    "overall_maturity",
    "peer_position",
    "rubric_text",
    "unassessed",
]

RUBRIC_FILE = SHIPPED_DATA_DIR / "maturity_rubric.csv"
RUBRIC_COLUMNS: tuple[str, ...] = ("dimension", "level", "description_nl", "description_en")
RUBRIC_MAX_LENGTH = 160
MIN_DIMENSIONS = 6
FRONTRUNNER_LEVEL = 4
OVERALL = "overall"
# The comparison's stand-in for "the median of my peer group" (never a municipality code).
PEER_KEY = "peer_median"


# ---------------------------------------------------------------- the rubric


class RubricError(ValueError):
    """The rubric file breaks its contract (see :func:`check_rubric`)."""


def check_rubric(rubric: pd.DataFrame) -> list[str]:
    """Everything wrong with a rubric frame; an empty list means it is usable.

    The contract: exactly the columns :data:`RUBRIC_COLUMNS`; one row per dimension x
    level (8 x 5); every description present in both languages, on one line and at most
    :data:`RUBRIC_MAX_LENGTH` characters (it is shown in a hover and a table cell).
    """
    problems: list[str] = []
    if tuple(rubric.columns) != RUBRIC_COLUMNS:
        return [f"columns must be {', '.join(RUBRIC_COLUMNS)}, not {', '.join(rubric.columns)}"]
    expected = {(d, lvl) for d in vocab.DIMENSIONS for lvl in vocab.LEVELS}
    found = list(zip(rubric["dimension"], rubric["level"], strict=True))
    if len(found) != len(set(found)):
        problems.append("a dimension and level occur more than once")
    if set(found) != expected:
        missing = sorted(expected - set(found))
        extra = sorted(set(found) - expected, key=str)
        problems.append(
            f"rows must be every dimension x level 1-5; missing {missing}, extra {extra}"
        )
    for column in ("description_nl", "description_en"):
        text = rubric[column].fillna("").astype(str)
        if (text.str.strip() == "").any():
            problems.append(f"{column} is empty in some rows")
        if text.str.contains("\n").any():
            problems.append(f"{column} has a line break in some rows")
        if (text.str.len() > RUBRIC_MAX_LENGTH).any():
            problems.append(f"{column} is longer than {RUBRIC_MAX_LENGTH} characters in some rows")
    return problems


@lru_cache(maxsize=4)
def _read_rubric(path: str) -> pd.DataFrame:
    rubric = pd.read_csv(path, dtype={"dimension": "string", "level": "Int64"}, encoding="utf-8")
    for column in ("description_nl", "description_en"):
        rubric[column] = rubric[column].astype("string")
    problems = check_rubric(rubric)
    if problems:
        raise RubricError(f"{path}: " + "; ".join(problems))
    order = {d: i for i, d in enumerate(vocab.DIMENSIONS)}
    rubric = rubric.sort_values(
        ["dimension", "level"], key=lambda s: s.map(order) if s.name == "dimension" else s
    )
    return rubric.reset_index(drop=True)


def load_rubric(path: Path | None = None) -> pd.DataFrame:
    """The rubric: ``dimension``, ``level``, ``description_nl``, ``description_en``.

    Sorted by dimension (vocabulary order) and level. Raises :class:`RubricError` when the
    file breaks the contract, so a bad edit is caught at start-up, not in a hover.
    """
    return _read_rubric(str(path or RUBRIC_FILE)).copy()


def rubric_text(rubric: pd.DataFrame, dimension: str, level: int, lang: str | None) -> str:
    """The one-line description of ``level`` on ``dimension`` in ``lang``."""
    column = f"description_{i18n.normalise_language(lang)}"
    hit = rubric.loc[(rubric["dimension"] == dimension) & (rubric["level"] == int(level)), column]
    if hit.empty:
        raise KeyError(f"no rubric text for {dimension} level {level}")
    return str(hit.iloc[0])


# ---------------------------------------------------------------- overall and movement


def overall_maturity(
    maturity: pd.DataFrame, *, min_dimensions: int = MIN_DIMENSIONS
) -> pd.DataFrame:
    """Overall maturity per municipality and year (the mean of its dimension levels).

    Returns
    -------
    DataFrame
        ``municipality_code``, ``year``, ``overall`` (Float64, one decimal; empty when fewer
        than ``min_dimensions`` dimensions were scored) and ``n_dimensions`` (Int64),
        sorted by code and year.
    """
    columns = ["municipality_code", "year", OVERALL, "n_dimensions"]
    if maturity.empty:
        return _typed_overall(pd.DataFrame(columns=columns))
    grouped = maturity.dropna(subset=["level"]).groupby(["municipality_code", "year"])
    out = grouped["level"].agg(mean="mean", n_dimensions="count").reset_index()
    out[OVERALL] = out["mean"].astype(float).round(1).where(out["n_dimensions"] >= min_dimensions)
    out = out[columns].sort_values(["municipality_code", "year"]).reset_index(drop=True)
    return _typed_overall(out)


def _typed_overall(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(
        {
            "municipality_code": "string",
            "year": "Int64",
            OVERALL: "Float64",
            "n_dimensions": "Int64",
        }
    )


def latest_overall(
    maturity: pd.DataFrame,
    *,
    min_dimensions: int = MIN_DIMENSIONS,
    up_to_year: int | None = None,
) -> pd.DataFrame:
    """Each municipality's most recent overall maturity (years without one are skipped).

    With ``up_to_year`` only assessments of that year and before count ("what was known
    at the meeting of 2024"). Columns as :func:`overall_maturity`, one row per
    municipality, sorted by code.
    """
    if up_to_year is not None:
        maturity = maturity[maturity["year"] <= up_to_year]
    overall = overall_maturity(maturity, min_dimensions=min_dimensions).dropna(subset=[OVERALL])
    return overall.groupby("municipality_code").tail(1).reset_index(drop=True)


def latest_overall_levels(maturity: pd.DataFrame) -> pd.Series:
    """Each municipality's latest overall maturity as the nearest level 1..5 (half rounds up).

    How the map classes and filters municipalities by maturity: a mean of 2.6 counts as
    level 3 *ontwikkelend*, 2.5 as level 3 too. Indexed by ``municipality_code``.
    """
    latest = latest_overall(maturity)
    levels = np.floor(latest[OVERALL].to_numpy(dtype=float) + 0.5).clip(1, 5).astype(int)
    index = pd.Index(latest["municipality_code"], name="municipality_code")
    return pd.Series(levels, index=index, name="level")


def movements(maturity: pd.DataFrame) -> pd.DataFrame:
    """Change in overall maturity since the previous and since the first assessment.

    Returns one row per municipality with an overall: ``municipality_code``, ``first_year``,
    ``first_overall``, ``previous_year``, ``previous_overall``, ``year``, ``overall``,
    ``change_since_previous`` and ``change_since_first`` (empty with a single assessment).
    "Previous" is the assessment before the latest, whatever year that was.
    """
    overall = overall_maturity(maturity).dropna(subset=[OVERALL])
    rows = []
    for code, part in overall.groupby("municipality_code", sort=True):
        years = part["year"].astype(int).tolist()
        values = part[OVERALL].astype(float).tolist()
        previous = len(values) > 1
        rows.append(
            {
                "municipality_code": code,
                "first_year": years[0],
                "first_overall": values[0],
                "previous_year": years[-2] if previous else pd.NA,
                "previous_overall": values[-2] if previous else np.nan,
                "year": years[-1],
                OVERALL: values[-1],
                "change_since_previous": round(values[-1] - values[-2], 1) if previous else np.nan,
                "change_since_first": round(values[-1] - values[0], 1) if previous else np.nan,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "municipality_code",
            "first_year",
            "first_overall",
            "previous_year",
            "previous_overall",
            "year",
            OVERALL,
            "change_since_previous",
            "change_since_first",
        ],
    )
    return frame.astype(
        {
            "municipality_code": "string",
            "first_year": "Int64",
            "previous_year": "Int64",
            "year": "Int64",
            "first_overall": "Float64",
            "previous_overall": "Float64",
            OVERALL: "Float64",
            "change_since_previous": "Float64",
            "change_since_first": "Float64",
        }
    )


def biggest_movers(maturity: pd.DataFrame, *, year: int | None = None, n: int = 5) -> pd.DataFrame:
    """The municipalities whose overall rose most from ``year - 1`` to ``year``.

    ``year`` defaults to the latest year in the data. Only municipalities assessed in both
    years count, and only a rise (a fall is shown on the profile, not as "movement").
    Ties are broken by code so the list is stable. Columns: ``municipality_code``,
    ``previous_overall``, ``overall``, ``change``, ``dimensions_up`` (how many dimensions
    went up) and ``year``.
    """
    columns = ["municipality_code", "year", "previous_overall", OVERALL, "change", "dimensions_up"]
    if maturity.empty:
        return pd.DataFrame(columns=columns)
    year = int(maturity["year"].max()) if year is None else int(year)
    overall = overall_maturity(maturity).dropna(subset=[OVERALL])
    now = overall[overall["year"] == year].set_index("municipality_code")[OVERALL]
    before = overall[overall["year"] == year - 1].set_index("municipality_code")[OVERALL]
    both = now.index.intersection(before.index)
    levels = maturity[maturity["year"].isin([year - 1, year])].pivot_table(
        index=["municipality_code", "dimension"], columns="year", values="level", aggfunc="max"
    )
    up = (levels.get(year) > levels.get(year - 1)).groupby(level="municipality_code").sum()
    frame = pd.DataFrame(
        {
            "municipality_code": both.astype("string"),
            "year": year,
            "previous_overall": before.reindex(both).astype(float).to_numpy(),
            OVERALL: now.reindex(both).astype(float).to_numpy(),
        }
    )
    frame["change"] = (frame[OVERALL] - frame["previous_overall"]).round(1)
    frame["dimensions_up"] = frame["municipality_code"].map(up).fillna(0).astype(int)
    frame = frame[frame["change"] > 0].sort_values(
        ["change", "municipality_code"], ascending=[False, True]
    )
    return frame[columns].head(n).reset_index(drop=True)


def maturity_groups(maturity: pd.DataFrame) -> pd.DataFrame:
    """Frontrunners and starters of the CoP, relative to its distribution.

    Returns the latest overall per municipality with ``group`` = ``"frontrunner"`` (at or
    above the CoP's upper quartile Q3 of latest overalls), ``"starter"`` (at or below Q1)
    or ``"middle"``, and the thresholds ``cop_q1`` and ``cop_q3`` used. With everyone at
    the same level there is no top or bottom: all are ``"middle"``.
    """
    latest = latest_overall(maturity)
    values = latest[OVERALL].astype(float)
    if latest.empty:
        return latest.assign(group=pd.Series(dtype="string"), cop_q1=np.nan, cop_q3=np.nan)
    q1, q3 = float(values.quantile(0.25)), float(values.quantile(0.75))
    group = np.where(values >= q3, "frontrunner", np.where(values <= q1, "starter", "middle"))
    if q1 == q3:
        group = np.full(len(values), "middle")
    return latest.assign(group=pd.array(group, dtype="string"), cop_q1=q1, cop_q3=q3)


def latest_levels(maturity: pd.DataFrame) -> pd.DataFrame:
    """Level per municipality (rows) and dimension (columns) in its latest assessment.

    Floats with NaN for a dimension that was not scored; a ``year`` column says which
    assessment. Rows sorted by code, columns in vocabulary order.
    """
    if maturity.empty:
        return pd.DataFrame(columns=[*vocab.DIMENSIONS, "year"], dtype=float)
    latest = _latest_rows(maturity)
    table = latest.pivot_table(
        index="municipality_code", columns="dimension", values="level", aggfunc="max"
    )
    table = table.reindex(columns=list(vocab.DIMENSIONS)).astype(float)
    table["year"] = latest.groupby("municipality_code")["year"].max().astype(int)
    table.columns.name = None
    return table.sort_index()


def _latest_rows(maturity: pd.DataFrame) -> pd.DataFrame:
    """The rows of each municipality's latest assessment year."""
    latest_year = maturity.groupby("municipality_code")["year"].transform("max")
    return maturity[maturity["year"] == latest_year]


def latest_level_counts(
    maturity: pd.DataFrame,
    *,
    codes: Sequence[str] | None = None,
    up_to_year: int | None = None,
) -> pd.DataFrame:
    """How many municipalities are at each level per dimension in their latest assessment.

    ``codes`` limits the count to some municipalities (those invited to a meeting),
    ``up_to_year`` to the assessments known by then. Every dimension x level is present
    (zero when none): ``dimension``, ``level``, ``municipalities``. Empty when no
    assessment is left to count.
    """
    columns = ["dimension", "level", "municipalities"]
    rows = maturity
    if codes is not None:
        rows = rows[rows["municipality_code"].isin(list(codes))]
    if up_to_year is not None:
        rows = rows[rows["year"] <= up_to_year]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    counts = _latest_rows(rows).groupby(["dimension", "level"]).size().rename("municipalities")
    grid = pd.MultiIndex.from_product(
        [vocab.DIMENSIONS, list(vocab.LEVELS)], names=["dimension", "level"]
    ).to_frame(index=False)
    out = grid.merge(counts.reset_index(), on=["dimension", "level"], how="left")
    out["municipalities"] = out["municipalities"].fillna(0).astype(int)
    return out[columns]


def dimension_frontrunners(
    maturity: pd.DataFrame, *, min_level: int = FRONTRUNNER_LEVEL
) -> pd.DataFrame:
    """Who to ask about what: per dimension, municipalities at ``min_level`` or higher.

    Based on each municipality's latest assessment. ``since`` is the first year it scored
    ``min_level`` or higher on the dimension (experience counts). Sorted per dimension
    (vocabulary order) by level (high first), then ``since`` (longest first), then code.
    """
    columns = ["dimension", "municipality_code", "level", "since"]
    levels = latest_levels(maturity)
    if levels.empty:
        return pd.DataFrame(columns=columns)
    long = (
        levels.drop(columns="year")
        .rename_axis("municipality_code")
        .reset_index()
        .melt(id_vars="municipality_code", var_name="dimension", value_name="level")
        .dropna(subset=["level"])
    )
    long = long[long["level"] >= min_level]
    reached = maturity[maturity["level"] >= min_level]
    since = reached.groupby(["municipality_code", "dimension"])["year"].min()
    long["since"] = [
        since.get((c, d)) for c, d in zip(long["municipality_code"], long["dimension"], strict=True)
    ]
    order = {d: i for i, d in enumerate(vocab.DIMENSIONS)}
    long = long.assign(_order=long["dimension"].map(order)).sort_values(
        ["_order", "level", "since", "municipality_code"], ascending=[True, False, True, True]
    )
    out = long[columns].reset_index(drop=True)
    return out.astype({"level": "Int64", "since": "Int64", "municipality_code": "string"})


def level_distribution_by_year(maturity: pd.DataFrame) -> pd.DataFrame:
    """How the CoP moves: municipalities per year, dimension and level, with shares.

    Every (year, dimension, level) is present (zero when none), so the stacked bars of
    each year add up to 100%. ``assessed`` is the number of municipalities scored on that
    dimension in that year: partners join over time, so a shift in shares mixes newcomers
    with growth, and the chart says how many were assessed.
    """
    columns = ["year", "dimension", "level", "municipalities", "assessed", "share"]
    if maturity.empty:
        return pd.DataFrame(columns=columns)
    counts = maturity.groupby(["year", "dimension", "level"]).size().rename("municipalities")
    years = sorted(int(y) for y in maturity["year"].unique())
    grid = pd.MultiIndex.from_product(
        [years, list(vocab.DIMENSIONS), list(vocab.LEVELS)], names=["year", "dimension", "level"]
    ).to_frame(index=False)
    out = grid.merge(counts.reset_index(), on=["year", "dimension", "level"], how="left")
    out["municipalities"] = out["municipalities"].fillna(0).astype(int)
    out["assessed"] = out.groupby(["year", "dimension"])["municipalities"].transform("sum")
    out["share"] = (out["municipalities"] / out["assessed"].where(out["assessed"] > 0)).fillna(0.0)
    return out[columns]


# ---------------------------------------------------------------- peers


@dataclass(frozen=True)
class PeerPosition:
    """A municipality against its peer group.

    ``table`` has one row per dimension and a last row ``"overall"``: ``dimension``,
    ``actual``, ``peer_q1``, ``peer_median``, ``peer_q3``, ``n_peers`` and ``position``
    (``"below"`` Q1, ``"within"`` the expected range, ``"above"`` Q3; empty without an
    actual value).
    """

    group: PeerGroup
    table: pd.DataFrame


def peer_position(
    maturity: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    code: str,
    levels: Mapping[str, int] | None = None,
    same_province: bool = False,
) -> PeerPosition:
    """Where ``code`` stands against the municipalities like it.

    Parameters
    ----------
    maturity, municipalities
        The tables.
    code
        The municipality; it may have no assessment (a newcomer trying the self-assessment).
    levels
        Levels per dimension that replace the stored ones (a self-assessment not yet saved).
    same_province
        Look for peers in the same province first (see :mod:`cop.maturity.peergroups`).
    """
    latest = latest_levels(maturity)
    group = peer_group(code, municipalities, latest.index, same_province=same_province)
    own = latest.loc[code, list(vocab.DIMENSIONS)].astype(float) if code in latest.index else None
    actual = pd.Series(np.nan, index=list(vocab.DIMENSIONS)) if own is None else own.copy()
    for dimension, level in (levels or {}).items():
        if dimension not in vocab.DIMENSIONS:
            raise ValueError(f"unknown dimension: {dimension}")
        actual[dimension] = float(level)
    peers = latest.loc[list(group.members), list(vocab.DIMENSIONS)]
    rows = []
    for dimension in vocab.DIMENSIONS:
        rows.append(_position_row(dimension, actual[dimension], peers[dimension].dropna()))
    scored = actual.dropna()
    own_overall = round(float(scored.mean()), 1) if len(scored) >= MIN_DIMENSIONS else np.nan
    peer_overall = latest_overall(maturity).set_index("municipality_code")[OVERALL]
    peer_overall = peer_overall.reindex(list(group.members)).dropna().astype(float)
    rows.append(_position_row(OVERALL, own_overall, peer_overall))
    table = pd.DataFrame(rows)
    table = table.astype(
        {
            "dimension": "string",
            "actual": "Float64",
            "peer_q1": "Float64",
            "peer_median": "Float64",
            "peer_q3": "Float64",
            "n_peers": "Int64",
            "position": "string",
        }
    )
    return PeerPosition(group=group, table=table)


def _position_row(dimension: str, actual: float, peers: pd.Series) -> dict[str, object]:
    values = peers.astype(float)
    q1, median, q3 = (
        float(values.quantile(q)) if len(values) else np.nan for q in (0.25, 0.5, 0.75)
    )
    position: object = pd.NA
    if not np.isnan(actual) and len(values):
        position = "above" if actual > q3 else ("below" if actual < q1 else "within")
    return {
        "dimension": dimension,
        "actual": actual,
        "peer_q1": q1,
        "peer_median": median,
        "peer_q3": q3,
        "n_peers": len(values),
        "position": position,
    }


def compare_levels(
    maturity: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    codes: Sequence[str],
    peer_median_of: str | None = None,
    same_province: bool = False,
) -> pd.DataFrame:
    """Latest levels of ``codes`` (rows, in the given order) per dimension (columns).

    With ``peer_median_of`` a last row :data:`PEER_KEY` holds the median levels of that
    municipality's peer group (possibly halves, e.g. 2.5). A municipality without an
    assessment gets a row of NaN. A ``year`` column says which assessment (empty for the
    peer median).
    """
    latest = latest_levels(maturity)
    rows = latest.reindex(list(codes))
    if peer_median_of is not None:
        group = peer_group(
            peer_median_of, municipalities, latest.index, same_province=same_province
        )
        median = latest.loc[list(group.members), list(vocab.DIMENSIONS)].median()
        rows.loc[PEER_KEY] = [*median.tolist(), np.nan]
    rows.index.name = "key"
    return rows


def unassessed(levels: pd.DataFrame) -> list[str]:
    """Row keys of a :func:`compare_levels` frame without any scored dimension."""
    scored = levels.reindex(columns=list(vocab.DIMENSIONS)).notna().any(axis=1)
    return [str(key) for key in levels.index[~scored.to_numpy(dtype=bool)]]


def largest_differences(levels: pd.DataFrame, *, n: int = 3) -> pd.DataFrame:
    """The ``n`` dimensions on which the compared rows differ most.

    ``levels`` is a frame like :func:`compare_levels` (rows = who, columns = dimensions).
    For each dimension with at least two values and a spread above zero: ``spread`` (max
    minus min), ``ahead`` / ``behind`` (tuples of row keys at the max / min) and their
    levels. Sorted by spread (largest first), then vocabulary order.
    """
    rows = []
    for order, dimension in enumerate(vocab.DIMENSIONS):
        values = levels[dimension].dropna().astype(float) if dimension in levels else pd.Series()
        if len(values) < 2 or values.max() == values.min():
            continue
        top, bottom = values.max(), values.min()
        rows.append(
            {
                "dimension": dimension,
                "spread": float(top - bottom),
                "ahead": tuple(values.index[values == top]),
                "ahead_level": float(top),
                "behind": tuple(values.index[values == bottom]),
                "behind_level": float(bottom),
                "_order": order,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=["dimension", "spread", "ahead", "ahead_level", "behind", "behind_level", "_order"],
    )
    frame = frame.sort_values(["spread", "_order"], ascending=[False, True]).head(n)
    return frame.drop(columns="_order").reset_index(drop=True)


# ---------------------------------------------------------------- the heatmap's rows

SORT_KEYS: tuple[str, ...] = ("overall", "province", "size_class")


def heatmap_rows(
    maturity: pd.DataFrame, municipalities: pd.DataFrame, *, sort_by: str = "overall"
) -> pd.DataFrame:
    """Latest levels per assessed municipality with ``name``, ``province``, ``size_class``
    and ``overall``, in the order to show.

    ``sort_by``: ``"overall"`` (highest first), ``"province"`` (vocabulary order, then
    overall) or ``"size_class"`` (largest first, then overall); ties by name.
    """
    if sort_by not in SORT_KEYS:
        raise ValueError(f"sort_by must be one of {', '.join(SORT_KEYS)}, not {sort_by!r}")
    levels = latest_levels(maturity)
    towns = with_size_class(municipalities).set_index("code")
    rows = levels.join(towns[["name", "province", "size_class"]], how="left")
    overall = latest_overall(maturity).set_index("municipality_code")[OVERALL]
    rows[OVERALL] = overall.reindex(rows.index).astype(float)
    rows["_province"] = rows["province"].map({p: i for i, p in enumerate(vocab.PROVINCES)})
    keys = {
        "overall": ([OVERALL, "name"], [False, True]),
        "province": (["_province", OVERALL, "name"], [True, False, True]),
        "size_class": (["size_class", OVERALL, "name"], [False, False, True]),
    }[sort_by]
    rows = rows.sort_values(keys[0], ascending=keys[1], na_position="last")
    return rows.drop(columns="_province").rename_axis("municipality_code")


def assessed_codes(maturity: pd.DataFrame) -> list[str]:
    """Codes of the municipalities with at least one assessment, sorted."""
    return sorted(str(c) for c in maturity["municipality_code"].dropna().unique())
