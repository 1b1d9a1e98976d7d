"""Is a shared practice's point in its own municipality? Boundaries first, distance otherwise.

A member picks the point of a practice on a map of their municipality (or types it); it
must lie in that municipality, within :data:`cop.geo.boundaries.OUTSIDE_TOLERANCE_M` of
its boundary (the boundaries are generalised, and a practice on a border road is not an
error). This is the same test ``validate measures`` and the Data page use
(:func:`cop.geo.boundaries.measures_outside_municipality`); here it refuses the point,
because the member can simply click again.

Without boundaries (offline and no file or cache) the municipality is only a label point.
Then the point may be at most :func:`reach_km` from it: twice the radius of a circle with
the municipality's area, and at least :data:`MIN_REACH_KM`. That is a rough test, and the
result says so (``method="distance"``), so the page can tell the member that the point was
checked against the distance to the municipality's centre only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from cop.geo import boundaries

MIN_REACH_KM = 3.0
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class PlaceCheck:
    """The outcome: ``ok``, how it was checked, and a catalog key (``share.place_*``)."""

    ok: bool
    method: Literal["none", "boundary", "distance"]
    key: str
    params: dict[str, object] = field(default_factory=dict)


def reach_km(area_km2: float | None) -> float:
    """How far from the label point a practice may lie when no boundary is known.

    >>> round(reach_km(100.0), 1)
    11.3
    >>> reach_km(None)
    3.0
    """
    if area_km2 is None or pd.isna(area_km2) or area_km2 <= 0:
        return MIN_REACH_KM
    return max(MIN_REACH_KM, 2 * math.sqrt(float(area_km2) / math.pi))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine).

    >>> round(distance_km(52.0, 5.0, 52.0, 6.0), 1)
    68.5
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def check_place(
    lat: float | None,
    lon: float | None,
    code: str,
    municipalities: pd.DataFrame,
    gdf: object | None,
) -> PlaceCheck:
    """Whether ``(lat, lon)`` lies in municipality ``code``.

    ``gdf`` are the full-detail boundaries (:class:`cop.geo.boundaries.BoundaryResult`
    ``.gdf``) or ``None`` when unavailable. No point at all is fine (a policy practice has
    no place); it is then not on the map.
    """
    if lat is None or lon is None or pd.isna(lat) or pd.isna(lon):
        return PlaceCheck(True, "none", "share.place_none")
    towns = municipalities.set_index("code")
    name = str(towns.at[code, "name"]) if code in towns.index else code
    has_outline = gdf is not None and code in set(gdf["code"].astype(str))  # type: ignore[index]
    if has_outline:
        one = pd.DataFrame(
            {"id": [0], "municipality_code": [code], "title": [""], "lat": [lat], "lon": [lon]}
        )
        outside = boundaries.measures_outside_municipality(one, gdf)  # type: ignore[arg-type]
        if outside.empty:
            return PlaceCheck(True, "boundary", "share.place_inside", {"name": name})
        found = outside.iloc[0]
        params = {"name": name, "distance_m": int(found["distance_m"])}
        if pd.notna(found["falls_in_name"]):
            return PlaceCheck(
                False,
                "boundary",
                "share.place_in_other",
                {**params, "other": found["falls_in_name"]},
            )
        return PlaceCheck(False, "boundary", "share.place_outside", params)
    if code not in towns.index:
        return PlaceCheck(False, "distance", "share.place_unknown_town", {"name": name})
    centre = towns.loc[code]
    away = distance_km(float(lat), float(lon), float(centre["lat"]), float(centre["lon"]))
    reach = reach_km(centre.get("area_km2"))
    params = {"name": name, "distance_km": round(away, 1), "reach_km": round(reach, 1)}
    if away <= reach:
        return PlaceCheck(True, "distance", "share.place_near", params)
    return PlaceCheck(False, "distance", "share.place_far", params)


def clicked_point(returned: object) -> tuple[float, float] | None:
    """The position a person clicked, from the dict ``st_folium`` returns (``last_clicked``),
    rounded to 6 decimals (about 10 cm); ``None`` when there was no click or it is malformed.

    >>> clicked_point({"last_clicked": {"lat": 52.0907374, "lng": 5.1214201}})
    (52.090737, 5.12142)
    >>> clicked_point({"last_clicked": None}) is None
    True
    """
    if not isinstance(returned, dict):
        return None
    click = returned.get("last_clicked")
    if not isinstance(click, dict):
        return None
    try:
        lat, lon = float(click["lat"]), float(click["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return round(lat, 6), round(lon, 6)
