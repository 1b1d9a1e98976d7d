"""Measures whose point lies outside their own municipality.

A measure whose point lies more than :data:`cop.geo.boundaries.OUTSIDE_TOLERANCE_M` outside its own
municipality is usually a wrong code or a swapped/mistyped coordinate. ``python -m cop
validate measures FILE`` (:mod:`cop.cli.tables`) reports it as a **warning** and does not
change the exit code (still 0 for a valid file), because:

* the file is valid by the data model and ``import`` stores it; a check that blocks
  ``validate`` but not ``import`` would make ``validate`` a false gate;
* some such points are right: a corridor or bank project run together with a neighbour,
  or a site just over a border that the generalised boundaries draw a little off;
* the check depends on boundaries that may be unavailable (offline, no file); the same
  file must not pass or fail depending on the network.

The Data page shows the same list (``ui.measures_outside``).
"""

from __future__ import annotations

import pandas as pd

from cop.geo import boundaries


def outside_rows(frame: pd.DataFrame, gdf: object) -> pd.DataFrame:
    """Flagged measures with the spreadsheet row they came from (``row``)."""
    flagged = boundaries.measures_outside_municipality(frame, gdf)  # type: ignore[arg-type]
    rows = pd.Series(frame.index, index=frame["id"].to_numpy())
    flagged.insert(0, "row", flagged["id"].map(rows).astype("Int64"))
    return flagged
