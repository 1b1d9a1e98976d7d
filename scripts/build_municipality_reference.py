"""Build ``data/municipalities_reference.csv``: one row per Dutch municipality of 2025.

Why this script exists
----------------------
The dashboard needs a small, committed reference table of all 342 municipalities (code,
name, province, size, urbanity and a label point) that works without any download. The
boundary file itself may not be committed, so this script derives the table from it and
from CBS's figures per municipality, and the result is committed instead.

What comes from where
---------------------
- ``code``, ``name``: ``statcode`` / ``statnaam`` of the CBS/Kadaster boundaries (PDOK,
  CC BY 4.0), read from the boundary GeoJSON.
- ``province``: the province polygon (``provincie_2025.geojson`` next to the boundary
  file) that contains the municipality's label point.
- ``lat``, ``lon``: the pole of inaccessibility (``shapely.ops.polylabel``) of the largest
  part of the municipality, computed in RD New (EPSG:28992) and returned in WGS84; it is
  the point inside the polygon farthest from its edge, so a map label sits well inside.
- ``area_km2``: area of the generalised polygon in RD New. The polygons are simplified and
  leave out large inland waters (IJsselmeer, Markermeer, ...), so this is the area the map
  draws, not CBS's land area.
- ``population``, ``urbanity``, ``address_density``: CBS (CC BY 4.0), read from the CBS
  file (``gemeenten_2024.csv``): inhabitants on 1 January 2024, *stedelijkheid* 1 (very
  strongly urban) .. 5 (not urban) and the *omgevingsadressendichtheid* (addresses per km²)
  CBS derives the class from. The density is kept so that anyone can check each class
  against CBS's thresholds (``URBANITY_THRESHOLDS``); the app itself uses the class.

Usage
-----
``python scripts/build_municipality_reference.py [BOUNDARIES] [--provinces FILE] [--cbs FILE]
[--output FILE]``

``BOUNDARIES`` defaults to ``$COP_BOUNDARIES_FILE`` and then to
``../shared/data/gemeente_2025.geojson`` relative to the repository; ``--cbs`` defaults to
``../shared/data/cbs/gemeenten_2024.csv``.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

REPO_DIR = Path(__file__).resolve().parents[1]
DEFAULT_BOUNDARIES = REPO_DIR.parent / "shared" / "data" / "gemeente_2025.geojson"
DEFAULT_CBS = REPO_DIR.parent / "shared" / "data" / "cbs" / "gemeenten_2024.csv"
DEFAULT_OUTPUT = REPO_DIR / "data" / "municipalities_reference.csv"
COLUMNS = [
    "code",
    "name",
    "province",
    "population",
    "area_km2",
    "urbanity",
    "address_density",
    "lat",
    "lon",
]
RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
# polylabel precision in metres (RD New); far below the 4-decimal (~10 m) output rounding.
POLYLABEL_TOLERANCE_M = 5.0

# CBS's lower bounds of the address density (addresses per km²) for urbanity classes 1..4;
# below the last bound is class 5 (not urban).
URBANITY_THRESHOLDS: tuple[int, int, int, int] = (2500, 1500, 1000, 500)
CBS_COLUMNS = ("code", "name", "population", "urbanity", "address_density")


def polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """Return a valid, purely polygonal version of ``geometry``.

    ``make_valid`` can return a GeometryCollection with stray lines (GM1676
    Schouwen-Duiveland, PV29 Zeeland); only the polygon parts describe the area.
    """
    if geometry.is_valid and geometry.geom_type in {"Polygon", "MultiPolygon"}:
        return geometry
    repaired = shapely.make_valid(geometry)
    parts = [
        part
        for part in shapely.get_parts(repaired)
        if part.geom_type in {"Polygon", "MultiPolygon"}
    ]
    return shapely.union_all(parts)


def label_point(geometry: BaseGeometry) -> BaseGeometry:
    """Return the pole of inaccessibility of the largest part of ``geometry``.

    The largest part is used so that a municipality with islands (Texel, Súdwest-Fryslân)
    is labelled on its main land mass; ``polylabel`` needs a single polygon.
    """
    largest = max(shapely.get_parts(geometry), key=lambda part: part.area)
    return polylabel(largest, tolerance=POLYLABEL_TOLERANCE_M)


def load_polygons(path: Path) -> gpd.GeoDataFrame:
    """Read a CBS boundary file and return ``code``, ``name`` and a valid geometry in RD New."""
    frame = gpd.read_file(path)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    frame = frame.rename(columns={"statcode": "code", "statnaam": "name"})
    frame["geometry"] = frame.geometry.map(polygonal)
    return frame[["code", "name", "geometry"]].to_crs(RD_NEW)


def assign_province(points: gpd.GeoSeries, provinces: gpd.GeoDataFrame) -> pd.Series:
    """Name the province polygon that contains each point.

    Raises
    ------
    ValueError
        If a point falls in no province or in more than one; the per-province counts
        would then be wrong silently.
    """
    hits = gpd.sjoin(
        gpd.GeoDataFrame(geometry=points, crs=points.crs),
        provinces[["name", "geometry"]],
        how="left",
        predicate="within",
    )
    counts = hits.groupby(level=0)["name"].count()
    bad = counts[counts != 1]
    if not bad.empty:
        raise ValueError(f"label points not in exactly one province: {list(bad.index)}")
    return hits["name"]


def urbanity_class(address_density: float) -> int:
    """CBS urbanity class (1 very strongly .. 5 not urban) of an address density.

    Examples
    --------
    >>> urbanity_class(2500), urbanity_class(2499), urbanity_class(499)
    (1, 2, 5)
    """
    for urbanity, bound in enumerate(URBANITY_THRESHOLDS, start=1):
        if address_density >= bound:
            return urbanity
    return len(URBANITY_THRESHOLDS) + 1


def load_cbs(path: Path) -> pd.DataFrame:
    """Read the CBS figures per municipality and check them before anything is written.

    Raises
    ------
    ValueError
        If a column is missing, a code is repeated, a figure is empty or not a whole
        number, or an urbanity class disagrees with CBS's own address-density thresholds
        (a sign of a mixed-up or edited file).
    """
    frame = pd.read_csv(path, dtype={"code": str, "name": str})
    missing = [column for column in CBS_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"{path}: columns missing: {missing}")
    frame = frame[list(CBS_COLUMNS)]
    repeated = frame.loc[frame["code"].duplicated(), "code"]
    if not repeated.empty:
        raise ValueError(f"{path}: codes repeated: {sorted(repeated)}")
    figures = ["population", "urbanity", "address_density"]
    if frame[figures].isna().any().any():
        empty = frame.loc[frame[figures].isna().any(axis=1), "code"]
        raise ValueError(f"{path}: figures missing for {sorted(empty)}")
    frame[figures] = frame[figures].astype("int64")
    expected = frame["address_density"].map(urbanity_class)
    wrong = frame.loc[frame["urbanity"] != expected, "code"]
    if not wrong.empty:
        raise ValueError(f"{path}: urbanity disagrees with the address density: {list(wrong)}")
    return frame


def build_reference(boundaries_file: Path, provinces_file: Path, cbs_file: Path) -> pd.DataFrame:
    """Return the reference table (columns ``COLUMNS``), one row per municipality, by code.

    Raises
    ------
    ValueError
        If the boundary file and the CBS file do not list the same municipalities under the
        same names, or a label point does not lie inside its own municipality after rounding.
    """
    municipalities = load_polygons(boundaries_file)
    provinces = load_polygons(provinces_file)
    cbs = load_cbs(cbs_file).set_index("code")
    codes = set(municipalities["code"])
    if codes != set(cbs.index):
        raise ValueError(
            "the CBS file does not match the boundary file: missing "
            f"{sorted(codes - set(cbs.index))}, unknown {sorted(set(cbs.index) - codes)}"
        )
    renamed = municipalities.loc[
        municipalities["name"] != municipalities["code"].map(cbs["name"]), "code"
    ]
    if not renamed.empty:
        raise ValueError(f"names differ between the boundary and CBS files: {list(renamed)}")

    points = gpd.GeoSeries(
        municipalities.geometry.map(label_point), index=municipalities.index, crs=RD_NEW
    )
    points_wgs84 = points.to_crs(WGS84)
    table = pd.DataFrame(
        {
            "code": municipalities["code"],
            "name": municipalities["name"],
            "province": assign_province(points, provinces),
            "population": municipalities["code"].map(cbs["population"]),
            "area_km2": (municipalities.geometry.area / 1e6).round(1),
            "urbanity": municipalities["code"].map(cbs["urbanity"]),
            "address_density": municipalities["code"].map(cbs["address_density"]),
            "lat": points_wgs84.y.round(4),
            "lon": points_wgs84.x.round(4),
        }
    )

    rounded = gpd.GeoSeries(
        gpd.points_from_xy(table["lon"], table["lat"]), index=table.index, crs=WGS84
    )
    outside = table.loc[~rounded.within(municipalities.geometry.to_crs(WGS84)), "code"]
    if not outside.empty:
        raise ValueError(f"label points outside their municipality: {list(outside)}")
    return table.sort_values("code", ignore_index=True)[COLUMNS]


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as UTF-8 (no BOM) CSV with ``\\n`` line endings and fixed decimals."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in table.itertuples(index=False):
            writer.writerow(
                [
                    row.code,
                    row.name,
                    row.province,
                    row.population,
                    f"{row.area_km2:.1f}",
                    row.urbanity,
                    row.address_density,
                    f"{row.lat:.4f}",
                    f"{row.lon:.4f}",
                ]
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line; defaults follow ``COP_BOUNDARIES_FILE`` and ``../shared``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "boundaries",
        nargs="?",
        type=Path,
        default=Path(os.environ.get("COP_BOUNDARIES_FILE") or DEFAULT_BOUNDARIES),
        help="municipality boundaries GeoJSON (default: $COP_BOUNDARIES_FILE or "
        "../shared/data/gemeente_2025.geojson)",
    )
    parser.add_argument(
        "--provinces",
        type=Path,
        help="province boundaries GeoJSON (default: provincie_2025.geojson next to BOUNDARIES)",
    )
    parser.add_argument(
        "--cbs",
        type=Path,
        default=DEFAULT_CBS,
        help="CBS population, urbanity and address density per municipality "
        "(default: ../shared/data/cbs/gemeenten_2024.csv)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="CSV to write")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build and write the table, then print the figures worth checking by eye."""
    args = parse_args(argv)
    provinces_file = args.provinces or args.boundaries.with_name("provincie_2025.geojson")
    for path in (args.boundaries, provinces_file, args.cbs):
        if not path.is_file():
            print(
                f"error: {path} not found; pass the boundary file as an argument (or set "
                "COP_BOUNDARIES_FILE), the provinces with --provinces and the CBS file with --cbs",
                file=sys.stderr,
            )
            return 1
    table = build_reference(args.boundaries, provinces_file, args.cbs)
    write_csv(table, args.output)
    print(f"wrote {len(table)} municipalities to {args.output}")
    print(f"population total: {table['population'].sum():,}")
    print("per province:", table["province"].value_counts().sort_index().to_dict())
    print("per urbanity class:", table["urbanity"].value_counts().sort_index().to_dict())
    return 0


if __name__ == "__main__":
    sys.exit(main())
