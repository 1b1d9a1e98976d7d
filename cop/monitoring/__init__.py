"""Species counts and their trends as Statistics Netherlands computes them.

Owns, in the order data flow through them:

``trim`` and ``engine/``
    The TRIM engine. ``trim`` is its public API (``fit_trim``, ``fit_trim_batch``,
    ``trends_by``, result types, reason codes, trend classes); ``engine/`` holds its parts
    (inputs, structure, GEE, variance, batch, classes, results). New TRIM models and
    options (model 2 with changepoints, covariates, weights, stepwise selection) extend
    ``engine/`` and surface as parameters of ``trim``'s functions.
``msi``
    Multi-species indicators: one index for a group of species from the species' indices,
    as CBS's MSI tool computes it (Monte Carlo band, chained species, the MSI's trends);
    the delta-method approximation.
``selection``
    Which rows a selection holds, the selectors' and the advanced panel's options, the
    engine's input, coverage and counts per site × year.
``fits``
    The species fits of a selection with the analyst's TRIM model (one batch for the
    default, species by species otherwise) and each species' trend intervals.
``indicators``
    Trends per selection (a species or a group's indicator), per municipality × species
    group and per group of species fits.
``presentation``
    Trends in words and tables, badge and map colours.
``charts``
    The monitoring page's plotly figures.

The package exposes the public names of ``selection``, ``fits``, ``indicators`` and
``presentation``, which is what pages use (``from cop import monitoring as mon``); the
engine is imported from ``cop.monitoring.trim``.

May use: ``cop.access``, ``cop.data`` and ``cop.core``.
"""

from cop.monitoring.fits import RECENT_COLUMNS, TREND_COLUMNS, ModelChoice, changepoint_choice
from cop.monitoring.indicators import (
    REASON_CODES,
    SelectionResult,
    group_trends,
    municipality_trends,
    selection_trends,
    trend_classes_by_municipality,
)
from cop.monitoring.msi import RECENT_YEARS
from cop.monitoring.presentation import (
    NO_TREND_BADGE,
    PERIODS,
    TREND_BADGE,
    TREND_CLASS_COLOURS,
    TREND_CLASS_ORDER,
    covariate_label,
    excluded_text,
    intervals_by_period,
    intervals_table,
    period_label,
    period_prefix,
    reason_text,
    recent_is_whole_series,
    slope_text,
    species_table,
    trend_badge,
    trend_class_label,
    trend_text,
    trends_table,
    year_gap_lines,
)
from cop.monitoring.selection import (
    ALL,
    EQUAL_PER_MUNICIPALITY,
    MAX_HEATMAP_SITES,
    SPECIES_KEYS,
    coverage_by_year,
    filter_selection,
    model_options,
    selection_options,
    site_year_counts,
    site_year_matrix,
)

__all__ = [
    "ALL",
    "EQUAL_PER_MUNICIPALITY",
    "MAX_HEATMAP_SITES",
    "NO_TREND_BADGE",
    "PERIODS",
    "REASON_CODES",
    "RECENT_COLUMNS",
    "RECENT_YEARS",
    "SPECIES_KEYS",
    "TREND_BADGE",
    "TREND_CLASS_COLOURS",
    "TREND_CLASS_ORDER",
    "TREND_COLUMNS",
    "ModelChoice",
    "SelectionResult",
    "changepoint_choice",
    "covariate_label",
    "coverage_by_year",
    "excluded_text",
    "filter_selection",
    "group_trends",
    "intervals_by_period",
    "intervals_table",
    "model_options",
    "municipality_trends",
    "period_label",
    "period_prefix",
    "reason_text",
    "recent_is_whole_series",
    "selection_options",
    "selection_trends",
    "site_year_counts",
    "site_year_matrix",
    "slope_text",
    "species_table",
    "trend_badge",
    "trend_class_label",
    "trend_classes_by_municipality",
    "trend_text",
    "trends_table",
    "year_gap_lines",
]
