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
    cols = list(dict.fromkeys(cols))
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
    (fit, site) pair in fit order; ``pair_of_row`` is the pair of every input row and
    ``pair_kid``/``pair_sid`` the fit and site number of every pair.
    """

    key_table: pd.DataFrame
    years: np.ndarray
    kid: np.ndarray
    sid: np.ndarray
    yid: np.ndarray
    counts: np.ndarray
    n_sites: np.ndarray
    site_labels: np.ndarray
    pair_of_row: np.ndarray | None = None
    pair_kid: np.ndarray | None = None
    pair_sid: np.ndarray | None = None


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
        pair_of_row=pcode,
        pair_kid=pkid,
        pair_sid=sid_of_pair,
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


# ------------------------------------------------------------- site attributes


@dataclass
class SiteAttributes:
    """Covariate classes and weights of every (fit, site) pair (in pair order).

    ``covariates`` lists ``(name, class labels)`` of the covariates kept (a covariate with
    a single class is dropped, as TRIM does, and named in ``dropped``); ``combos``
    ``(G, n)`` the class numbers of every combination that occurs and ``group`` the
    combination of every pair; ``weight`` the site weight of every pair (None: no weights).
    """

    covariates: list[tuple[str, list]]
    combos: np.ndarray
    group: np.ndarray
    weight: np.ndarray | None
    dropped: list[str]


def site_attributes(
    df: pd.DataFrame,
    pair_of_row: np.ndarray,
    n_pairs: int,
    site: str,
    covariates: Sequence[str],
    weights: str | None,
) -> SiteAttributes:
    """Per-site covariate classes and weights, checked.

    A covariate is categorical (text or whole numbers) and constant within a site; a
    weight is a positive number, constant within a site. Empty cells take the site's
    value from its other rows.

    Raises
    ------
    TrimInputError
        ``covariate_not_categorical``, ``covariate_varies_within_site``,
        ``covariate_missing``, ``invalid_weights``, ``weights_vary_within_site`` or
        ``weights_missing``.
    """
    codes, kept, dropped = [], [], []
    for name in covariates:
        labels, per_pair = _site_covariate(df[name], pair_of_row, n_pairs, df[site], name)
        if len(labels) < 2:
            dropped.append(name)
            continue
        kept.append((name, labels))
        codes.append(per_pair)
    if codes:
        combos, group = np.unique(np.column_stack(codes), axis=0, return_inverse=True)
    else:
        combos, group = np.zeros((1, 0), dtype=np.int64), np.zeros(n_pairs, dtype=np.int64)
    weight = None
    if weights is not None:
        weight = _site_weights(df[weights], pair_of_row, n_pairs, df[site], weights)
    return SiteAttributes(kept, combos, np.asarray(group).ravel(), weight, dropped)


def _per_site(values: pd.Series, pair_of_row: np.ndarray, n_pairs: int) -> pd.Series:
    """The one value of every pair, or raises through the caller when there are several."""
    frame = pd.DataFrame({"pair": pair_of_row, "v": values.to_numpy()}).dropna()
    return frame.groupby("pair")["v"].agg(["nunique", "first"]).reindex(range(n_pairs))


def _site_covariate(
    raw: pd.Series, pair_of_row: np.ndarray, n_pairs: int, sites: pd.Series, name: str
) -> tuple[list, np.ndarray]:
    values = raw
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        num = pd.to_numeric(raw, errors="coerce")
        if ((num != np.round(num)) & num.notna()).any():
            raise TrimInputError(
                "covariate_not_categorical",
                f"covariate {name!r} must be categorical (text or whole numbers), "
                "not a measurement",
                column=name,
            )
        values = num.astype("Int64")
    per = _per_site(values.astype("object").where(values.notna()), pair_of_row, n_pairs)
    varies = per["nunique"] > 1
    if varies.any():
        example = sites.iloc[int(np.nonzero(pair_of_row == varies.idxmax())[0][0])]
        raise TrimInputError(
            "covariate_varies_within_site",
            f"covariate {name!r} must be constant within a site (site {example} has "
            "several values); a covariate describes a site, not a count",
            column=name,
            site=str(example),
        )
    if per["first"].isna().any():
        pair = int(per["first"].isna().idxmax())
        example = sites.iloc[int(np.nonzero(pair_of_row == pair)[0][0])]
        raise TrimInputError(
            "covariate_missing",
            f"covariate {name!r} has no value for site {example}",
            column=name,
            site=str(example),
        )
    labels = sorted(per["first"].unique(), key=lambda v: (isinstance(v, str), v))
    lookup = {v: i for i, v in enumerate(labels)}
    return [_plain(v) for v in labels], per["first"].map(lookup).to_numpy(dtype=np.int64)


def _site_weights(
    raw: pd.Series, pair_of_row: np.ndarray, n_pairs: int, sites: pd.Series, name: str
) -> np.ndarray:
    values = pd.to_numeric(raw, errors="coerce")
    bad = (values.isna() & raw.notna()) | ~np.isfinite(values.fillna(1.0)) | (values <= 0)
    if bad.any():
        example = raw[bad].iloc[0]
        raise TrimInputError(
            "invalid_weights",
            f"weights in {name!r} must be positive numbers (found {example})",
            column=name,
        )
    per = _per_site(values, pair_of_row, n_pairs)
    if (per["nunique"] > 1).any():
        pair = int((per["nunique"] > 1).idxmax())
        example = sites.iloc[int(np.nonzero(pair_of_row == pair)[0][0])]
        raise TrimInputError(
            "weights_vary_within_site",
            f"weights in {name!r} must be constant within a site (site {example} has several)",
            column=name,
            site=str(example),
        )
    if per["first"].isna().any():
        pair = int(per["first"].isna().idxmax())
        example = sites.iloc[int(np.nonzero(pair_of_row == pair)[0][0])]
        raise TrimInputError(
            "weights_missing", f"no weight for site {example} in {name!r}", column=name
        )
    return per["first"].to_numpy(dtype=float)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
