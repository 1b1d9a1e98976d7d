"""Which monitoring rows a selection holds, and those rows as the engine's input.

A selection is a municipality (or all partners), a scheme (or all), a species group (or
all) and a species (or the whole group); :func:`selection_options` says what each selector
may offer. Rows are encoded once as integer codes (:func:`encode`): building frames of
Python strings costs more than the TRIM fits of a small selection. Coverage (sites counted
per year) and the site × year count matrix of a heatmap are computed on those codes.

"Not counted" is not zero: an empty count is a missing visit and stays NaN everywhere
(fits, coverage, heatmap); ``0`` means counted, nothing seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cop.core import vocab

__all__ = [
    "ALL",
    "EQUAL_PER_MUNICIPALITY",
    "MAX_COVARIATE_CLASSES",
    "MAX_HEATMAP_SITES",
    "SPECIES_KEYS",
    "coverage_by_year",
    "filter_selection",
    "model_options",
    "selection_options",
    "site_year_counts",
    "site_year_matrix",
]

#: Selection value for "all partner municipalities", "all schemes", "the whole group".
ALL = "all"
#: The key of one species fit within a selection.
SPECIES_KEYS = ["species_group", "species"]
#: Most sites a heatmap shows (those counted in most years).
MAX_HEATMAP_SITES = 60

#: Most classes a covariate may have to be offered: TRIM estimates one set of year
#: effects (model 3) or slopes (model 2) per class, so many classes make a slow, weak fit.
MAX_COVARIATE_CLASSES = 12
#: The weighting the advanced panel offers: every municipality's sites together weigh 1,
#: so a pooled index is not dominated by the municipalities that count most sites.
EQUAL_PER_MUNICIPALITY = "equal_per_municipality"

#: Columns the trend functions read (lat/lon are only for maps of sites).
_USED = ["municipality_code", "site_id", "scheme", "species_group", "species", "year", "count"]
#: Columns that say which site, species and visit a row is, or where: never covariates.
_NOT_COVARIATES = {"site_id", "species_group", "species", "year", "count", "lat", "lon"}


def _mask(monitoring: pd.DataFrame, **chosen: str | None) -> np.ndarray:
    mask = np.ones(len(monitoring), dtype=bool)
    for column, value in chosen.items():
        if value not in (None, ALL):
            mask &= (monitoring[column] == value).to_numpy(dtype=bool, na_value=False)
    return mask


def filter_selection(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
    species: str = ALL,
) -> pd.DataFrame:
    """Rows of one selection; ``ALL`` (or None) leaves a dimension unfiltered.

    "All partners" is every municipality in the table: only partners monitor in the CoP.
    """
    mask = _mask(
        monitoring,
        municipality_code=municipality,
        scheme=scheme,
        species_group=species_group,
        species=species,
    )
    return monitoring if mask.all() else _take(monitoring, mask)


def _take(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``frame[mask]``, fast when the rows lie close together.

    The table is read sorted by its key (site_id starts with the municipality code), so
    one municipality's rows form a narrow block: slicing that block first (no copy) makes
    the gather of Arrow strings ~40× cheaper than gathering from the whole table.
    """
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return frame.iloc[0:0]
    low, high = int(rows[0]), int(rows[-1]) + 1
    return frame.iloc[low:high].iloc[rows - low]


def selected_rows(
    monitoring: pd.DataFrame,
    municipality: str,
    scheme: str,
    species_group: str,
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """The columns the trend functions read (and ``extra`` ones), for the rows of one
    selection (all species)."""
    mask = _mask(
        monitoring, municipality_code=municipality, scheme=scheme, species_group=species_group
    )
    columns = [*_USED, *(c for c in extra if c not in _USED)]
    return _take(monitoring[columns], mask)


def model_options(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
) -> dict[str, list[str]]:
    """What the advanced panel may offer as TRIM covariates and site weights.

    ``covariates``: columns that are constant within each site (a site is scheme +
    ``site_id``) and have 2 to :data:`MAX_COVARIATE_CLASSES` classes in the selection,
    e.g. the scheme with all schemes chosen, or the municipality for a few pooled
    municipalities; columns a data set adds (habitat, management) qualify the same way.
    ``weights``: :data:`EQUAL_PER_MUNICIPALITY` when the selection pools several
    municipalities.
    """
    rows = filter_selection(monitoring, municipality, scheme, species_group)
    candidates = [c for c in rows.columns if c not in _NOT_COVARIATES]
    covariates = []
    if len(rows):
        sites = rows["scheme"].astype(str) + "\x00" + rows["site_id"].astype(str)
        for column in candidates:
            values = rows[column]
            n_classes = values.nunique(dropna=True)
            if not 2 <= n_classes <= MAX_COVARIATE_CLASSES or values.isna().any():
                continue
            if (values.groupby(sites.to_numpy()).nunique() <= 1).all():
                covariates.append(str(column))
    pooled = rows["municipality_code"].nunique() > 1 if len(rows) else False
    return {"covariates": covariates, "weights": [EQUAL_PER_MUNICIPALITY] if pooled else []}


def equal_municipality_weights(rows: pd.DataFrame) -> np.ndarray:
    """Per row, 1 / the number of sites of its municipality in ``rows`` (a site weight)."""
    sites = rows["scheme"].astype(str) + "\x00" + rows["site_id"].astype(str)
    per_town = sites.groupby(rows["municipality_code"].to_numpy()).transform("nunique")
    return 1.0 / per_town.to_numpy(dtype=float)


def selection_options(
    monitoring: pd.DataFrame,
    municipality: str = ALL,
    scheme: str = ALL,
    species_group: str = ALL,
) -> dict[str, list[Any]]:
    """What each selector may offer, given the choices above it (data-driven, sorted).

    Returns ``municipalities`` (codes with counts), ``schemes``, ``species_groups`` (in
    vocabulary order), ``species`` and ``years`` for the selection so far.
    """
    columns = ["municipality_code", "scheme", "species_group", "species", "year"]
    in_town = filter_selection(monitoring[columns], municipality)
    in_scheme = filter_selection(in_town, scheme=scheme)
    in_group = filter_selection(in_scheme, species_group=species_group)

    def ordered(values: pd.Series, order: Sequence[str]) -> list[str]:
        present = {str(v) for v in values.dropna().unique()}
        return [v for v in order if v in present] + sorted(present - set(order))

    return {
        "municipalities": sorted(str(c) for c in monitoring["municipality_code"].dropna().unique()),
        "schemes": ordered(in_town["scheme"], vocab.SCHEMES),
        "species_groups": ordered(in_scheme["species_group"], vocab.SPECIES_GROUPS),
        "species": sorted(str(s) for s in in_group["species"].dropna().unique()),
        "years": sorted(int(y) for y in in_group["year"].dropna().unique()),
    }


@dataclass
class Encoded:
    """Monitoring rows as numbers: what the engine and the coverage need, fast.

    ``frame`` has the key columns as int codes (``labels[column]`` maps a code back to
    its text), ``site`` (one code per scheme + site_id), ``year`` and ``count`` (float,
    NaN = not counted). ``site_id``/``site_scheme`` give each site code's id and scheme.
    """

    frame: pd.DataFrame
    labels: dict[str, pd.Index]
    site_id: np.ndarray
    site_scheme: np.ndarray

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for column, uniques in self.labels.items():
            if column in out.columns:
                codes = out[column].to_numpy(dtype=np.int64)
                out[column] = pd.array(np.asarray(uniques, dtype=object)[codes], dtype="string")
        return out

    def site_labels(self, sites: Sequence[int]) -> list[str]:
        """``site_id``, plus the scheme where one id is used by two schemes."""
        ids = self.site_id[np.asarray(sites, dtype=np.int64)]
        shared = pd.Series(ids).duplicated(keep=False).to_numpy()
        schemes = self.site_scheme[np.asarray(sites, dtype=np.int64)]
        return [f"{i} ({s})" if d else str(i) for i, s, d in zip(ids, schemes, shared, strict=True)]


def encode(rows: pd.DataFrame, keys: Sequence[str], extra: Sequence[str] = ()) -> Encoded:
    """Factorise the text columns once; everything after works on integers.

    Building frames of Python strings costs more than the TRIM fits of a small selection
    (pandas turns them back into Arrow strings), so strings stay codes until the end.
    ``extra`` columns (covariates, weights) are carried along: numbers as floats, other
    values as integer codes (their labels are not needed: TRIM only tells classes apart).
    """
    data: dict[str, np.ndarray] = {}
    labels: dict[str, pd.Index] = {}
    for column in keys:
        codes, uniques = pd.factorize(rows[column], sort=True)
        data[column] = codes.astype(np.int64)
        labels[column] = pd.Index(uniques)
    site_codes, site_uniques = pd.factorize(rows["site_id"], sort=True)
    scheme_codes, scheme_uniques = pd.factorize(rows["scheme"], sort=True)
    n_schemes = max(len(scheme_uniques), 1)
    pair = site_codes.astype(np.int64) * n_schemes + scheme_codes
    site, pair_uniques = pd.factorize(pair, sort=True)
    data["site"] = site.astype(np.int64)
    data["year"] = rows["year"].to_numpy(dtype=np.int64)
    data["count"] = rows["count"].to_numpy(dtype=float, na_value=np.nan)
    for column in extra:
        values = rows[column]
        if pd.api.types.is_numeric_dtype(values):
            data[column] = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            data[column] = pd.factorize(values, sort=True)[0].astype(np.int64)
    frame = pd.DataFrame(data)
    valid = (
        (frame[list(keys)] >= 0).all(axis=1).to_numpy() & (site_codes >= 0) & (scheme_codes >= 0)
    )
    pair_uniques = np.asarray(pair_uniques, dtype=np.int64)
    return Encoded(
        frame=frame.loc[valid].reset_index(drop=True) if not valid.all() else frame,
        labels=labels,
        site_id=np.asarray(site_uniques, dtype=object)[pair_uniques // n_schemes],
        site_scheme=np.asarray(scheme_uniques, dtype=object)[pair_uniques % n_schemes],
    )


def site_year_counts(rows: pd.DataFrame, per: str = "species") -> pd.DataFrame:
    """The engine's input: one row per site-year (and species), NaN = not counted.

    Parameters
    ----------
    rows
        Monitoring rows (a selection or the whole table).
    per
        ``"species"``: one row per site, year and species (what the species fits and the
        multi-species indicator use). ``"total"``: the counts of all species summed per
        site-year (a group total; a site-year is NaN only when no species was counted).

    Returns
    -------
    DataFrame
        ``municipality_code``, ``species_group``, ``species`` (``per="species"`` only),
        ``site`` (int key of scheme + site_id), ``site_id``, ``scheme``, ``year`` (int)
        and ``count`` (float).
    """
    if per not in ("species", "total"):
        raise ValueError(f"per must be 'species' or 'total', not {per!r}")
    keys = ["municipality_code", "species_group", "species"]
    enc = encode(rows, keys)
    frame = enc.frame
    if per == "total":
        keys = keys[:2]
        frame = frame.groupby([*keys, "site", "year"], sort=True, as_index=False)["count"].sum(
            min_count=1
        )
    out = enc.decode(frame[[*keys, "site", "year", "count"]])
    sites = out["site"].to_numpy(dtype=np.int64)
    out.insert(len(keys) + 1, "site_id", pd.array(enc.site_id[sites], dtype="string"))
    out.insert(len(keys) + 2, "scheme", pd.array(enc.site_scheme[sites], dtype="string"))
    return out


def coverage_counts(counts: pd.DataFrame, years: Sequence[int]) -> tuple[pd.DataFrame, int, int]:
    """Sites counted per year, sites with any count, counted site-years (encoded rows)."""
    counted = counts[counts["count"].notna().to_numpy()]
    site_years = counted[["site", "year"]].drop_duplicates()
    n_sites = int(site_years["site"].nunique())
    per_year = site_years.groupby("year").size()
    frame = pd.DataFrame(
        {
            "year": np.asarray(list(years), dtype=np.int64),
            "sites_counted": [int(per_year.get(y, 0)) for y in years],
            "sites_total": n_sites,
        }
    )
    return frame, n_sites, len(site_years)


def count_matrix(
    enc: Encoded, counts: pd.DataFrame, years: Sequence[int], max_sites: int = MAX_HEATMAP_SITES
) -> tuple[pd.DataFrame, int]:
    """Counts per site × year (encoded rows), cut to ``max_sites`` sites, and the number of
    sites before the cut (see :func:`site_year_matrix`)."""
    totals = counts.groupby(["site", "year"], sort=True)["count"].sum(min_count=1)
    matrix = totals.unstack("year").reindex(columns=list(years))
    n_total = len(matrix)
    if n_total > max_sites:
        counted = matrix.notna().sum(axis=1)
        keep = counted.sort_values(ascending=False, kind="stable").index[:max_sites]
        matrix = matrix.loc[sorted(keep)]
    matrix.index = enc.site_labels(matrix.index.to_numpy())
    matrix.columns = [int(c) for c in matrix.columns]
    return matrix.astype(float), n_total


def coverage_by_year(rows: pd.DataFrame, years: Sequence[int] | None = None) -> pd.DataFrame:
    """Sites counted per year out of all sites of the selection (the gaps are the rest).

    Returns
    -------
    DataFrame
        ``year``, ``sites_counted`` (at least one count filled in), ``sites_total`` (sites
        of the selection counted in any year).
    """
    enc = encode(rows, [])
    if years is None:
        years = sorted(int(y) for y in np.unique(enc.frame["year"].to_numpy()))
    return coverage_counts(enc.frame, years)[0]


def site_year_matrix(
    rows: pd.DataFrame, years: Sequence[int] | None = None, max_sites: int = MAX_HEATMAP_SITES
) -> tuple[pd.DataFrame, int]:
    """Counts per site (rows) and year (columns) for a heatmap; NaN = not counted.

    A site-year's value is the sum over the species of the selection (only the species
    counted that year; NaN when none was). Sites are labelled by ``site_id`` (plus the
    scheme when one id is used by two schemes). With more than ``max_sites`` sites, the
    sites counted in most years are kept (then by id).

    Returns
    -------
    tuple
        The matrix and the number of sites before the cut.
    """
    enc = encode(rows, [])
    if years is None:
        years = sorted(int(y) for y in np.unique(enc.frame["year"].to_numpy()))
    return count_matrix(enc, enc.frame, years, max_sites)
