"""Species counts and their trends as Statistics Netherlands computes them.

Owns, in the order data flow through them:

``trim`` and ``engine/``
    The TRIM engine. ``trim`` is its public API (``fit_trim``, ``fit_trim_batch``,
    ``trends_by``, result types, reason codes, trend classes); ``engine/`` holds its parts
    (inputs, structure, GEE, variance, batch, classes, results). New TRIM models and
    options (model 2 with changepoints, covariates, weights, stepwise selection) extend
    ``engine/`` and surface as parameters of ``trim``'s functions.
``msi``
    Multi-species indicators: one index for a group of species from the species' indices
    (more indicator methods, such as CBS's MSI tool with Monte Carlo bands and
    smoothing, belong here).
``selection``
    Which rows a selection holds, the selectors' options, the engine's input,
    coverage and counts per site × year.
``indicators``
    Trends per selection (a species or a group's indicator), per municipality × species
    group and per group of species fits.
``presentation``
    Trends in words and tables, badge and map colours.
``charts``
    The monitoring page's plotly figures.

The package exposes the public names of ``selection``, ``indicators`` and
``presentation``, which is what pages use (``from cop import monitoring as mon``); the
engine is imported from ``cop.monitoring.trim``.

May use: ``cop.access``, ``cop.data`` and ``cop.core``.
"""

from cop.monitoring.indicators import (
    REASON_CODES,
    SelectionResult,
    default_base_year,
    group_trends,
    municipality_trends,
    selection_trends,
    trend_classes_by_municipality,
)
from cop.monitoring.presentation import (
    NO_TREND_BADGE,
    TREND_BADGE,
    TREND_CLASS_COLOURS,
    TREND_CLASS_ORDER,
    reason_text,
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
    MAX_HEATMAP_SITES,
    SPECIES_KEYS,
    coverage_by_year,
    filter_selection,
    selection_options,
    site_year_counts,
    site_year_matrix,
)

__all__ = [
    "ALL",
    "MAX_HEATMAP_SITES",
    "NO_TREND_BADGE",
    "REASON_CODES",
    "SPECIES_KEYS",
    "TREND_BADGE",
    "TREND_CLASS_COLOURS",
    "TREND_CLASS_ORDER",
    "SelectionResult",
    "coverage_by_year",
    "default_base_year",
    "filter_selection",
    "group_trends",
    "municipality_trends",
    "reason_text",
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
