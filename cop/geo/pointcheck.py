"""``python -m cop validate measures FILE``: warn about measures outside their municipality.

A measure whose point lies more than :data:`cop.geo.boundaries.OUTSIDE_TOLERANCE_M` outside its own
municipality is usually a wrong code or a swapped/mistyped coordinate. It is reported as a
**warning** and does not change the exit code (still 0 for a valid file), because:

* the file is valid by the data model and ``import`` stores it; a check that blocks
  ``validate`` but not ``import`` would make ``validate`` a false gate;
* some such points are right: a corridor or bank project run together with a neighbour,
  or a site just over a border that the generalised boundaries draw a little off;
* the check depends on boundaries that may be unavailable (offline, no file); the same
  file must not pass or fail depending on the network.

The Data page shows the same list (``ui.measures_outside``).
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from cop.core import i18n
from cop.data.validation import ValidationReport
from cop.geo import boundaries

ROW_LIMIT = 200


def outside_rows(frame: pd.DataFrame, gdf: object) -> pd.DataFrame:
    """Flagged measures with the spreadsheet row they came from (``row``)."""
    flagged = boundaries.measures_outside_municipality(frame, gdf)  # type: ignore[arg-type]
    rows = pd.Series(frame.index, index=frame["id"].to_numpy())
    flagged.insert(0, "row", flagged["id"].map(rows).astype("Int64"))
    return flagged


def check_measure_locations(args: argparse.Namespace, report: ValidationReport) -> bool:
    """Print measures outside their own municipality; always ``True`` (warnings only)."""
    if args.table != "measures" or not report.ok or report.frame is None:
        return True
    lang = args.lang
    result = boundaries.load_boundaries()
    if not result.ok:
        reason = "; ".join(result.errors[-1:]) or result.source
        print(i18n.t("datacheck.cli_unchecked", lang, reason=reason))
        return True
    flagged = outside_rows(report.frame, result.gdf)
    if flagged.empty:
        print(i18n.t("datacheck.cli_none", lang, year=result.year))
        return True
    print(
        i18n.t(
            "datacheck.cli_summary",
            lang,
            count=len(flagged),
            tolerance=int(boundaries.OUTSIDE_TOLERANCE_M),
            year=result.year,
        ),
        file=sys.stdout,
    )
    nowhere = i18n.t("datacheck.cli_nowhere", lang)
    for item in flagged.head(ROW_LIMIT).itertuples():
        falls_in = (
            f"{item.falls_in_name} ({item.falls_in_code})"
            if pd.notna(item.falls_in_code)
            else nowhere
        )
        print(
            "  "
            + i18n.t(
                "datacheck.cli_row",
                lang,
                file=report.source,
                row=item.row,
                id=item.id,
                title=item.title,
                code=item.municipality_code,
                falls_in=falls_in,
                distance=i18n.format_number(item.distance_m, 0, lang),
            )
        )
    if len(flagged) > ROW_LIMIT:
        print(f"  … (+{len(flagged) - ROW_LIMIT})")
    return True
