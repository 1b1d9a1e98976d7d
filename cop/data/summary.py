"""Key figures and small aggregates for the home page."""

from __future__ import annotations

import pandas as pd

from cop.core import vocab
from cop.data.presentation import municipality_names


def key_figures(
    municipalities: pd.DataFrame, measures: pd.DataFrame, questions: pd.DataFrame
) -> dict[str, float]:
    """Partners, provinces covered, measures, share realised, open help questions."""
    partners = municipalities[municipalities["is_partner"].fillna(False).astype(bool)]
    realised = (measures["status"] == "realised").sum()
    return {
        "partners": len(partners),
        "provinces": partners["province"].nunique(),
        "measures": len(measures),
        "realised_share": float(realised / len(measures)) if len(measures) else 0.0,
        "open_questions": int((questions["status"] == "open").sum()),
        "inhabitants": int(partners["population"].sum()),
    }


def measures_per_theme(measures: pd.DataFrame) -> pd.DataFrame:
    """Count of measures per theme and status, every theme present (zero when none)."""
    counts = (
        measures.groupby(["theme", "status"], observed=True).size().rename("measures").reset_index()
    )
    grid = pd.MultiIndex.from_product(
        [vocab.THEMES, vocab.MEASURE_STATUSES], names=["theme", "status"]
    ).to_frame(index=False)
    out = grid.merge(counts, on=["theme", "status"], how="left")
    out["measures"] = out["measures"].fillna(0).astype(int)
    return out


def newest_practices(
    measures: pd.DataFrame, municipalities: pd.DataFrame, n: int = 8
) -> pd.DataFrame:
    """The ``n`` most recently updated measures with their municipality's name."""
    names = municipality_names(municipalities)
    newest = measures.sort_values(["updated_at", "id"], ascending=[False, False]).head(n)
    return newest.assign(municipality=newest["municipality_code"].map(names))[
        ["updated_at", "municipality", "title", "theme", "status"]
    ].reset_index(drop=True)
