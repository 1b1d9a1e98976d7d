"""Species fits of a selection: which TRIM model, fitted how, and each species' trends.

The monitoring page fits every species of a selection with the model the analyst chose
(:class:`ModelChoice`, the advanced panel). The default, TRIM model 3 as CBS publishes it,
is fitted in one batch (:func:`cop.monitoring.trim.fit_trim_batch`, fast); any other
choice species by species (:func:`cop.monitoring.trim.fit_trim`), which also gives model
2's slopes between changepoints and does TRIM's stepwise selection. Either way every
species gets the same table row and the same trend intervals: the whole series, its last
ten years (:data:`cop.monitoring.msi.RECENT_YEARS`) and, for model 2, the slopes between
changepoints. :mod:`cop.monitoring.indicators` turns the fits into the page's indicator.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cop.monitoring.msi import RECENT_YEARS
from cop.monitoring.selection import EQUAL_PER_MUNICIPALITY, SPECIES_KEYS
from cop.monitoring.trim import (
    TrimInputError,
    TrimResult,
    classify_slope,
    fit_trim,
    fit_trim_batch,
)

__all__ = [
    "RECENT_COLUMNS",
    "SPECIES_COLUMNS",
    "TREND_COLUMNS",
    "WEIGHT_COLUMN",
    "ModelChoice",
    "SpeciesFit",
    "SpeciesFits",
    "changepoint_choice",
    "empty_indices",
    "fit_species",
]

#: A trend's columns (the whole series) and those of its last :data:`RECENT_YEARS` years.
TREND_COLUMNS = ("trend_class", "multiplicative", "multiplicative_se", "additive", "additive_se")
RECENT_COLUMNS = ("recent_from", "recent_upto", *(f"recent_{c}" for c in TREND_COLUMNS))


def changepoint_choice(model: int, mode: str, years: Sequence[int]) -> list[int] | str | None:
    """The ``changepoints`` of :func:`selection_trends` from the advanced panel's choice.

    ``mode`` is ``"none"`` (one slope), ``"given"`` (``years``), ``"all"`` or ``"auto"``;
    only model 2 has changepoints.

    Examples
    --------
    >>> changepoint_choice(2, "given", [2020, 2018]), changepoint_choice(3, "all", [])
    ([2018, 2020], None)
    """
    if model != 2 or mode == "none" or (mode == "given" and not years):
        return None
    if mode in ("all", "auto"):
        return mode
    if mode != "given":
        raise ValueError(f"changepoint mode must be none, given, all or auto, not {mode!r}")
    return sorted(int(y) for y in years)


#: The column of the site weights in the engine's input.
WEIGHT_COLUMN = "site_weight"


@dataclass(frozen=True)
class ModelChoice:
    """The TRIM model and options of every species fit of a selection.

    The default (model 3, no covariates, no weights) is fitted in one batch; any other
    choice species by species with :func:`cop.monitoring.trim.fit_trim`, which also
    gives model 2's slopes between changepoints and does TRIM's stepwise selection.
    """

    model: int = 3
    changepoints: tuple[int, ...] | str | None = None
    covariates: tuple[str, ...] = ()
    weights: str | None = None
    overdispersion: bool = True
    serial_correlation: bool = True

    @classmethod
    def of(
        cls,
        model: int,
        changepoints: Sequence[int] | str | None,
        covariates: Sequence[str],
        weights: str | None,
        overdispersion: bool,
        serial_correlation: bool,
    ) -> ModelChoice:
        """Validated: changepoints only for model 2, weights only equal per municipality."""
        if model not in (1, 2, 3):
            raise ValueError(f"model must be 1, 2 or 3, not {model!r}")
        if weights not in (None, EQUAL_PER_MUNICIPALITY):
            raise ValueError(f"weights must be None or {EQUAL_PER_MUNICIPALITY!r}")
        points: tuple[int, ...] | str | None = None
        if model == 2 and isinstance(changepoints, str):
            points = changepoints
        elif model == 2 and changepoints:
            points = tuple(sorted({int(c) for c in changepoints}))
        return cls(model, points, tuple(covariates), weights, overdispersion, serial_correlation)

    @property
    def batch(self) -> bool:
        """Whether the one-batch path can fit this choice (model 3, no extras)."""
        return self.model == 3 and not self.covariates and self.weights is None

    @property
    def columns(self) -> list[str]:
        """Extra input columns the engine needs (covariates, the weights)."""
        return [*self.covariates, *([WEIGHT_COLUMN] if self.weights else [])]

    def given_intervals(self, years: Sequence[int]) -> list[tuple[int, int]]:
        """The intervals between given changepoints over ``years`` (none otherwise)."""
        if not isinstance(self.changepoints, tuple) or not years:
            return []
        first, last = int(min(years)), int(max(years))
        bounds = sorted({first, last, *(c for c in self.changepoints if first < c < last)})
        return list(itertools.pairwise(bounds))

    def fit_kwargs(self, years: Sequence[int]) -> dict[str, Any]:
        """Keyword arguments of ``fit_trim`` for one species counted in ``years``."""
        points = self.changepoints
        if isinstance(points, tuple):
            first, last = int(min(years)), int(max(years))
            points = tuple(sorted({first, *(c for c in points if first < c < last)}))
        return {
            "overdispersion": self.overdispersion,
            "serial_correlation": self.serial_correlation,
            "model": self.model,
            "changepoints": points,
            "covariates": self.covariates,
            "weights": WEIGHT_COLUMN if self.weights else None,
        }


@dataclass
class SpeciesFits:
    """Every species of a selection fitted with one base year (``fit``); the species
    that failed only because of it, fitted again without it (``refit``, or None);
    ``table`` one row per species from whichever fit counts (the species table) and
    ``intervals`` every species' trend intervals (whole series, last ten years and, for
    model 2, the slopes between changepoints)."""

    fit: SpeciesFit
    refit: SpeciesFit | None
    table: pd.DataFrame
    intervals: pd.DataFrame


SPECIES_COLUMNS = [
    "species_group",
    "species",
    "ok",
    "reason",
    *TREND_COLUMNS,
    *RECENT_COLUMNS,
    "first_year",
    "last_year",
    "base_year",
    "n_sites",
    "n_observed",
    "serial_correlation_dropped",
]
_BASE_REASONS = ("base_year_not_in_data", "base_year_not_estimable")


def fit_species(counts: pd.DataFrame, base_year: int | None, choice: ModelChoice) -> SpeciesFits:
    """Every species of the selection, with the recent slope (last ten years).

    A species that fails only because of the chosen base year is fitted again with the
    engine's, so its trends still count (slopes do not depend on the base year).
    """
    fit_all = _fit_batch if choice.batch else _fit_singly
    fit = fit_all(counts, base_year, choice)
    summary = fit.summary
    base_failed = summary["reason"].isin(_BASE_REASONS).to_numpy(dtype=bool, na_value=False)
    if not base_failed.any():
        table, refit = summary, None
    else:
        again = summary.loc[base_failed, "species"].to_numpy()
        refit = fit_all(counts[counts["species"].isin(again)], None, choice)
        table = pd.concat([summary.loc[~base_failed], refit.summary], ignore_index=True)
        table = table.sort_values(SPECIES_KEYS, kind="stable").reset_index(drop=True)
    table = table[SPECIES_COLUMNS]
    slopes = [fit.slopes[~fit.slopes["species"].isin(summary.loc[base_failed, "species"])]]
    if refit is not None:
        slopes.append(refit.slopes)
    intervals = pd.concat([_summary_intervals(table), *slopes], ignore_index=True)
    intervals = intervals.sort_values([*SPECIES_KEYS, "_order", "from"], kind="stable")
    return SpeciesFits(fit, refit, table, intervals.drop(columns="_order"))


@dataclass
class SpeciesFit:
    """What a species fit gives: the summary, the indices and model 2's slopes."""

    summary: pd.DataFrame
    indices: pd.DataFrame
    slopes: pd.DataFrame


def _fit_batch(counts: pd.DataFrame, base_year: int | None, choice: ModelChoice) -> SpeciesFit:
    """TRIM model 3 for every species at once (the app's default and the map's way)."""
    batch = fit_trim_batch(
        counts,
        SPECIES_KEYS,
        site="site",
        duplicates="sum",
        base_year=base_year,
        recent_years=RECENT_YEARS,
        overdispersion=choice.overdispersion,
        serial_correlation=choice.serial_correlation,
    )
    return SpeciesFit(_with_recent(batch.summary), batch.indices, _no_slopes())


def _fit_singly(counts: pd.DataFrame, base_year: int | None, choice: ModelChoice) -> SpeciesFit:
    """Any model, species by species (``fit_trim``): also model 2's interval slopes."""
    rows, indices, slopes = [], [], []
    for (group, species), part in counts.groupby(SPECIES_KEYS, sort=True):
        years = sorted(int(y) for y in part.loc[part["count"].notna(), "year"].unique())
        result = _fit_one(part, base_year, choice, years)
        rows.append(_summary_row(group, species, result))
        keys = {"species_group": group, "species": species}
        if result.ok:
            indices.append(result.indices.assign(**keys))
            slopes.extend(
                {**keys, "period": "interval", "_order": 2, **_slope_row(s)}
                for s in result.slopes
                if s.get("covariate") is None
            )
    summary = pd.DataFrame(rows)
    summary["reason"] = summary["reason"].astype("string")
    for column in ("first_year", "last_year", "base_year", "recent_from", "recent_upto"):
        summary[column] = pd.array(summary[column].tolist(), dtype="Int64")
    for column in ("trend_class", "recent_trend_class"):
        summary[column] = summary[column].astype("string")
    index_frame = pd.concat(indices, ignore_index=True) if indices else empty_indices()
    slope_frame = pd.DataFrame(slopes) if slopes else _no_slopes()
    return SpeciesFit(summary, index_frame, slope_frame)


def _fit_one(
    part: pd.DataFrame, base_year: int | None, choice: ModelChoice, years: list[int]
) -> TrimResult:
    """One species with the chosen model; changepoints it cannot use are a reason."""
    if len(years) < 2:
        return TrimResult(ok=False, reason="single_year" if years else "no_counts")
    try:
        return fit_trim(
            part, site="site", base_year=base_year, duplicates="sum", **choice.fit_kwargs(years)
        )
    except TrimInputError as exc:
        if exc.code in ("stepwise_needs_changepoints", "changepoint_outside_data"):
            return TrimResult(ok=False, reason="changepoints_not_estimable")
        raise


def _summary_row(group: int, species: int, result: TrimResult) -> dict[str, Any]:
    """One species' row of the species table from a single fit (as the batch has it)."""
    slope = result.overall_slope.get("imputed", {})
    row: dict[str, Any] = {
        "species_group": group,
        "species": species,
        "ok": result.ok,
        "reason": result.reason,
        **{k: slope.get(k, math.nan) for k in TREND_COLUMNS if k != "trend_class"},
        "trend_class": slope.get("trend_class"),
        "first_year": min(result.years) if result.years else None,
        "last_year": max(result.years) if result.years else None,
        "base_year": result.base_year,
        "n_sites": result.n_sites,
        "n_observed": result.n_observed,
        "serial_correlation_dropped": any(
            w.get("code") == "serial_correlation_not_converged" for w in result.warnings
        ),
        "recent_from": None,
        "recent_upto": None,
        **{f"recent_{k}": math.nan for k in TREND_COLUMNS if k != "trend_class"},
        "recent_trend_class": None,
    }
    indexed = result.indices.loc[result.indices["imputed"].notna(), "year"] if result.ok else []
    if len(indexed):
        last = int(max(indexed))
        first = max(int(min(indexed)), last - RECENT_YEARS + 1)
        if first < last:
            recent = result.overall_slope_interval(first, last)
            row.update(recent_from=recent["from"], recent_upto=recent["upto"])
            row.update({f"recent_{k}": recent["imputed"][k] for k in TREND_COLUMNS})
    return row


def _slope_row(slope: dict[str, Any]) -> dict[str, Any]:
    """An interval slope of the engine with its TRIM class."""
    mult, mult_se = slope["multiplicative"], slope["multiplicative_se"]
    return {
        "from": slope["from"],
        "upto": slope["upto"],
        "additive": slope["additive"],
        "additive_se": slope["additive_se"],
        "multiplicative": mult,
        "multiplicative_se": mult_se,
        "trend_class": classify_slope(mult, mult_se),
    }


def _summary_intervals(table: pd.DataFrame) -> pd.DataFrame:
    """Per species with a trend: the whole series and its last ten years, long form."""
    ok = table[table["ok"].to_numpy(dtype=bool, na_value=False)]
    keys = ok[SPECIES_KEYS].reset_index(drop=True)
    whole = keys.assign(
        period="long_term",
        _order=0,
        **{"from": ok["first_year"].to_numpy(), "upto": ok["last_year"].to_numpy()},
        **{c: ok[c].to_numpy() for c in TREND_COLUMNS},
    )
    has_recent = ok["recent_from"].notna().to_numpy()
    recent = keys[has_recent].assign(
        period="recent",
        _order=1,
        **{
            "from": ok["recent_from"].to_numpy()[has_recent],
            "upto": ok["recent_upto"].to_numpy()[has_recent],
        },
        **{c: ok[f"recent_{c}"].to_numpy()[has_recent] for c in TREND_COLUMNS},
    )
    return pd.concat([whole, recent], ignore_index=True)


def _no_slopes() -> pd.DataFrame:
    return pd.DataFrame(columns=[*SPECIES_KEYS, "period", "_order", "from", "upto", *TREND_COLUMNS])


def _with_recent(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary with every recent column, also when the batch had no fit at all."""
    for column in RECENT_COLUMNS:
        if column not in summary.columns:
            summary = summary.assign(**{column: math.nan})
    return summary


def empty_indices() -> pd.DataFrame:
    """An empty frame shaped like the engine's long indices."""
    dtypes = {"species": "int64", "year": "int64", "imputed": "float64", "imputed_se": "float64"}
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()})
