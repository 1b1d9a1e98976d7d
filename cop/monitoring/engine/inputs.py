"""From a long site × year table to checked integer codes, one fit per key.

Everything the user can get wrong is caught here, with a :class:`TrimInputError` whose code
a user interface can translate; the numerical parts downstream assume clean input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cop.monitoring.engine.results import TrimInputError


def validate(df: pd.DataFrame, cols: Sequence[str], count: str, year: str) -> pd.DataFrame:
    """The columns ``cols`` of ``df`` with float counts (NaN = not counted) and int years.

    Raises
    ------
    TrimInputError
        ``missing_columns``, ``non_numeric_counts``, ``negative_counts`` or
        ``non_numeric_years``.
    """
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise TrimInputError(
            "missing_columns", f"missing column(s): {', '.join(missing)}", columns=missing
        )
    out = df[list(cols)].copy()
    out[count] = _counts(out[count], count)
    out[year] = _years(out[year], year)
    return out


def _counts(raw: pd.Series, count: str) -> pd.Series:
    """Counts as floats; an empty cell is "not counted", anything else must be a number ≥ 0."""
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype("string").str.strip() != "")
    if bad.any():
        examples = [str(v) for v in raw[bad].unique()[:3]]
        raise TrimInputError(
            "non_numeric_counts",
            f"column {count!r} has non-numeric values, e.g. {', '.join(examples)}",
            column=count,
            examples=examples,
        )
    values = values.astype(float)
    if (values < 0).any():
        raise TrimInputError(
            "negative_counts",
            f"column {count!r} has negative counts ({int((values < 0).sum())} rows); "
            "use an empty cell for 'not counted'",
            column=count,
            n_rows=int((values < 0).sum()),
        )
    if np.isinf(values).any():
        raise TrimInputError("non_numeric_counts", f"column {count!r} has infinite values")
    return values


def _years(raw: pd.Series, year: str) -> pd.Series:
    yr = pd.to_numeric(raw, errors="coerce")
    if yr.isna().any() or (yr != np.round(yr)).any():
        raise TrimInputError(
            "non_numeric_years", f"column {year!r} must hold whole years", column=year
        )
    return yr.astype(np.int64)


@dataclass
class CodedCounts:
    """A validated long table as integer codes: row r is count ``counts[r]`` of site
    ``sid[r]`` (numbered within its fit) in year ``years[yid[r]]`` of fit ``kid[r]``.

    ``key_table`` has one row per fit (the key columns; one empty row without keys),
    ``n_sites`` the number of sites per fit and ``site_labels`` the site of every
    (fit, site) pair in fit order.
    """

    key_table: pd.DataFrame
    years: np.ndarray
    kid: np.ndarray
    sid: np.ndarray
    yid: np.ndarray
    counts: np.ndarray
    n_sites: np.ndarray
    site_labels: np.ndarray


def to_codes(
    df: pd.DataFrame, keys: list[str], site: str, year: str, count: str, duplicates: str
) -> CodedCounts:
    """Number the fits, their sites and the years; sum or refuse duplicate site-years."""
    kid, key_table = _key_ids(df, keys)
    years = np.sort(df[year].unique())
    yid = np.searchsorted(years, df[year].to_numpy())
    pair = pd.MultiIndex.from_arrays([kid, df[site].to_numpy()])
    pcode, puniq = pd.factorize(pair, sort=True)
    pkid = puniq.get_level_values(0).to_numpy()
    first_of_key = np.searchsorted(pkid, np.arange(len(key_table)))
    sid_of_pair = np.arange(len(puniq)) - first_of_key[pkid]
    sid = sid_of_pair[pcode]
    counts = df[count].to_numpy(dtype=float)
    flat = (kid * (sid.max(initial=0) + 1) + sid) * len(years) + yid
    if pd.Series(flat).duplicated().any():
        kid, sid, yid, counts = _sum_duplicates(flat, kid, sid, yid, counts, duplicates)
    return CodedCounts(
        key_table=key_table,
        years=years,
        kid=kid,
        sid=sid,
        yid=yid,
        counts=counts.astype(float),
        n_sites=np.bincount(pkid, minlength=len(key_table)),
        site_labels=puniq.get_level_values(1).to_numpy(),
    )


def _key_ids(df: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Fit number of every row, and the key columns of every fit (sorted by key)."""
    if not keys:
        return np.zeros(len(df), dtype=np.int64), pd.DataFrame(index=[0])
    kid = df.groupby(keys, sort=True, dropna=False).ngroup().to_numpy()
    key_table = (df[keys].assign(_kid=kid).groupby("_kid", sort=True)[keys].first()).reset_index(
        drop=True
    )
    return kid, key_table


def _sum_duplicates(
    flat: np.ndarray,
    kid: np.ndarray,
    sid: np.ndarray,
    yid: np.ndarray,
    counts: np.ndarray,
    duplicates: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per fit-site-year, counts summed (NaN only when none was counted)."""
    if duplicates != "sum":
        n_dup = int(pd.Series(flat).duplicated().sum())
        raise TrimInputError(
            "duplicate_site_year",
            f"{n_dup} duplicate site-year rows; aggregate them first or pass duplicates='sum'",
            n_rows=n_dup,
        )
    agg = pd.DataFrame({"flat": flat, "c": counts, "k": kid, "s": sid, "y": yid})
    agg = agg.groupby("flat", sort=False).agg(
        c=("c", lambda v: v.sum(min_count=1)),
        k=("k", "first"),
        s=("s", "first"),
        y=("y", "first"),
    )
    kid, sid, yid, counts = (agg[c].to_numpy() for c in ("k", "s", "y", "c"))
    return kid, sid, yid, counts
