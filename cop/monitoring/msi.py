"""Multi-species indicators: one index for a group of species, from the species' indices.

A species group's index is the geometric mean of its species' TRIM indices (as CBS and
the NEM publish them), not an index of summed counts, which the commonest species would
dominate. :mod:`cop.monitoring.indicators` uses it for the monitoring page's chart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cop.monitoring.engine.classes import Z95
from cop.monitoring.engine.results import TrimInputError

__all__ = ["multi_species_indicator"]


def multi_species_indicator(
    indices_long: pd.DataFrame,
    species: str = "species",
    year: str = "year",
    index: str = "imputed",
    se: str = "imputed_se",
    by: Sequence[str] = (),
    z: float = Z95,
) -> pd.DataFrame:
    """Multi-species indicator: the geometric mean of species indices per year.

    ``MSI_t = exp(mean_s ln I_st)``. Its band uses the delta method on the log scale,
    assuming the species are independent: ``var(ln I) ≈ (se / I)²`` and
    ``se(mean ln I) = sqrt(Σ var(ln I)) / n``; the band is ``exp(mean ± z · se)``.
    Species indices must share the base year (the result is then 1 there, with no
    width). Species without a positive finite index in a year are left out of that year,
    so ``n_species`` can vary: a year with fewer species is less comparable.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns + year, index, lower, upper, se_log, n_species.
    """
    by = list(by)
    missing = [c for c in [*by, species, year, index, se] if c not in indices_long.columns]
    if missing:
        raise TrimInputError("missing_columns", f"missing column(s): {', '.join(missing)}")
    data = indices_long[[*by, species, year, index, se]].copy()
    value = pd.to_numeric(data[index], errors="coerce").astype(float)
    err = pd.to_numeric(data[se], errors="coerce").astype(float)
    usable = value.gt(0) & np.isfinite(value) & np.isfinite(err)
    data = data.loc[usable]
    data["_log"] = np.log(value[usable])
    data["_var"] = (err[usable] / value[usable]) ** 2
    grouped = data.groupby([*by, year], sort=True)
    out = grouped.agg(
        _mean=("_log", "mean"), _var=("_var", "sum"), n_species=(species, "nunique")
    ).reset_index()
    se_log = np.sqrt(out["_var"]) / out["n_species"]
    out["index"] = np.exp(out["_mean"])
    out["lower"] = np.exp(out["_mean"] - z * se_log)
    out["upper"] = np.exp(out["_mean"] + z * se_log)
    out["se_log"] = se_log
    return out[[*by, year, "index", "lower", "upper", "se_log", "n_species"]]
