"""Tests for cop.geo.boundaries: boundary sources and fallbacks, joins, the location check, web output.

A local HTTP server (pytest-httpserver) stands in for PDOK and serves four 0.1-degree
squares written below (a 2 x 2 grid near Utrecht), so every answer can be worked out by
hand. Nothing here touches the internet. The last tests use the real 2025 boundaries in
../shared/data when present.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pytest_httpserver import HTTPServer
from shapely.geometry import Polygon, box
from werkzeug import Request, Response

from cop.geo import boundaries

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_BOUNDARIES = SHARED / "data" / "gemeente_2025.geojson"

# code, name, lower-left corner (lon, lat); each square is 0.1 x 0.1 degrees.
#   GM0003 | GM0004      lat 52.1-52.2
#   GM0001 | GM0002      lat 52.0-52.1
#   lon 5.0-5.1 | 5.1-5.2
SQUARES = [
    ("GM0001", "Eerstedorp", 5.0, 52.0),
    ("GM0002", "Tweestad", 5.1, 52.0),
    ("GM0003", "Derdeveen", 5.0, 52.1),
    ("GM0004", "Vierhuizen", 5.1, 52.1),
]
CODES = [code for code, *_ in SQUARES]
REAL_MINIMUM = boundaries.minimum_municipalities  # the autouse fixture lowers it to 1


def require(condition: bool, reason: str) -> None:
    """Skip without the shared data, but fail in CI, where it must be present."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def square(lon: float, lat: float, size: float = 0.1) -> list[list[list[float]]]:
    return [
        [
            [lon, lat],
            [lon + size, lat],
            [lon + size, lat + size],
            [lon, lat + size],
            [lon, lat],
        ]
    ]


def feature(
    code: str, name: str, rings: list[Any], year: int = 2025, swap: bool = False
) -> dict[str, Any]:
    if swap:
        rings = [[[y, x] for x, y in ring] for ring in rings]
    return {
        "type": "Feature",
        "id": code,
        "geometry": {"type": "Polygon", "coordinates": rings},
        "properties": {
            "statcode": code,
            "statnaam": name,
            "jaarcode": year,
            "jrstatcode": f"{year}{code}",
        },
    }


def collection(features: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    links = [{"rel": "self", "href": "ignored"}]
    if next_url:
        links.append({"rel": "next", "href": next_url, "type": "application/geo+json"})
    return {"type": "FeatureCollection", "features": features, "links": links}


def all_squares(year: int = 2025, swap: bool = False) -> list[dict[str, Any]]:
    return [
        feature(code, name, square(lon, lat), year=year, swap=swap)
        for code, name, lon, lat in SQUARES
    ]


def geojson_response(doc: Any) -> Response:
    return Response(json.dumps(doc), content_type="application/geo+json")


def requests_to(httpserver, path: str) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path == path]


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch, tmp_path):
    """Caches go to a temporary folder; no setting from the developer's shell leaks in.

    The four squares stand for the whole country: a download or cache of four
    municipalities counts as complete (the completeness tests set their own minimum).
    """
    monkeypatch.setenv("COP_DATA_DIR", str(tmp_path))
    for name in ("COP_BOUNDARIES_FILE", "COP_OFFLINE", "COP_BOUNDARIES_YEAR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(boundaries, "minimum_municipalities", lambda: 1)


@pytest.fixture
def urls(httpserver) -> dict[str, str]:
    return {
        "ogc_url": httpserver.url_for("/ogc/items"),
        "wfs_url": httpserver.url_for("/wfs/{year}/v1_0"),
    }


def serve_wfs(httpserver, features: list[dict[str, Any]] | None = None) -> None:
    httpserver.expect_request("/wfs/2025/v1_0").respond_with_json(
        collection(features if features is not None else all_squares())
    )


# --------------------------------------------------------------------------- sources


def test_ogc_pages_are_followed_through_next_links(httpserver, urls):
    features = all_squares()
    next_url = httpserver.url_for("/ogc/items") + "?f=json&jaarcode=2025&limit=2&cursor=p2"

    def pages(request: Request) -> Response:
        if request.args.get("cursor") == "p2":
            return geojson_response(collection(features[2:]))
        return geojson_response(collection(features[:2], next_url=next_url))

    httpserver.expect_request("/ogc/items").respond_with_handler(pages)

    result = boundaries.load_boundaries(**urls)

    assert result.source == "ogc"
    assert result.message_key is None
    assert result.errors == []
    assert result.gdf["code"].tolist() == CODES
    assert result.gdf["name"].tolist() == [name for _, name, *_ in SQUARES]
    assert result.gdf.crs.to_epsg() == 4326
    first, second = requests_to(httpserver, "/ogc/items")
    assert first.args.to_dict() == {"f": "json", "jaarcode": "2025", "limit": "1000"}
    assert second.args["cursor"] == "p2"
    assert boundaries.boundaries_cache_path(2025).is_file()


@pytest.fixture
def threaded_httpserver():
    """A server that answers while a slow handler sleeps (the default one is serial)."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_timeout_is_retried_once_then_wfs_is_used(threaded_httpserver):
    """The OGC API never answers while the client waits: only its timeout can move on.

    The handler holds every answer until the test releases it after ``load_boundaries``
    returned, so the WFS result proves the timeout was passed to the request and fired
    (twice: one retry). Without a timeout the OGC API would answer after the safety wait
    and the source would be ``ogc``; nothing here measures time.
    """
    server = threaded_httpserver
    release = threading.Event()
    slow_calls = []

    def slow(request: Request) -> Response:
        slow_calls.append(request.args.to_dict())  # the log is written only on return
        release.wait(30)  # a safety net, not a measurement: the client gives up first
        return geojson_response(collection(all_squares()))

    server.expect_request("/ogc/items").respond_with_handler(slow)
    serve_wfs(server)

    try:
        result = boundaries.load_boundaries(
            timeout=0.2,
            ogc_url=server.url_for("/ogc/items"),
            wfs_url=server.url_for("/wfs/{year}/v1_0"),
        )
    finally:
        release.set()

    assert result.source == "wfs"
    assert len(slow_calls) == 2
    assert len(result.errors) == 2
    assert all("timed out" in error for error in result.errors)
    assert result.gdf["code"].tolist() == CODES


def test_bad_json_is_retried_once_then_wfs_is_used(httpserver, urls):
    httpserver.expect_request("/ogc/items").respond_with_data(
        '{"type": "FeatureCollection", "features": [', content_type="application/json"
    )
    serve_wfs(httpserver)

    result = boundaries.load_boundaries(**urls)

    assert result.source == "wfs"
    assert len(requests_to(httpserver, "/ogc/items")) == 2
    assert "not valid JSON" in result.errors[0]


@pytest.mark.parametrize("year_property", ["jaarcode", "jrstatcode"])
def test_a_feature_of_another_year_rejects_the_whole_download(httpserver, urls, year_property):
    features = all_squares()
    wrong = features[3]["properties"]
    if year_property == "jaarcode":
        wrong["jaarcode"] = 2024
    else:
        del wrong["jaarcode"]
        wrong["jrstatcode"] = "2024GM0004"
    httpserver.expect_request("/ogc/items").respond_with_json(collection(features))
    serve_wfs(httpserver)

    result = boundaries.load_boundaries(**urls)

    assert result.source == "wfs"
    # Rejected, not retried: the server answered, with the wrong year.
    assert len(requests_to(httpserver, "/ogc/items")) == 1
    assert "2024" in result.errors[0] and "never mixed" in result.errors[0]


def test_wrong_year_in_every_source_gives_points(httpserver, urls):
    httpserver.expect_request("/ogc/items").respond_with_json(collection(all_squares(2024)))
    serve_wfs(httpserver, all_squares(2024))

    result = boundaries.load_boundaries(**urls)

    assert result.source == "points"
    assert result.gdf is None
    assert not boundaries.boundaries_cache_path(2025).exists()


def test_features_without_gm_code_are_rejected(httpserver, urls):
    features = all_squares()
    features[0]["properties"]["statcode"] = "PV26"
    httpserver.expect_request("/ogc/items").respond_with_json(collection(features))
    serve_wfs(httpserver)

    result = boundaries.load_boundaries(**urls)

    assert result.source == "wfs"
    assert "PV26" in result.errors[0]


def test_wfs_lat_lon_axis_order_is_swapped(httpserver, urls):
    httpserver.expect_request("/ogc/items").respond_with_data("gone", status=404)
    serve_wfs(httpserver, all_squares(swap=True))

    result = boundaries.load_boundaries(**urls)

    assert result.source == "wfs"
    assert len(requests_to(httpserver, "/ogc/items")) == 1  # a 404 is not retried
    np.testing.assert_allclose(result.gdf.total_bounds, [5.0, 52.0, 5.2, 52.2])
    (wfs_request,) = requests_to(httpserver, "/wfs/2025/v1_0")
    assert wfs_request.args["typeNames"] == "gebiedsindelingen:gemeente_gegeneraliseerd"
    assert wfs_request.args["srsName"] == "EPSG:4326"
    assert wfs_request.args["outputFormat"] == "application/json"


def test_everything_failing_gives_points_and_a_notice(httpserver, urls):
    httpserver.expect_request("/ogc/items").respond_with_data("busy", status=503)
    httpserver.expect_request("/wfs/2025/v1_0").respond_with_data("busy", status=503)

    result = boundaries.load_boundaries(**urls)

    assert result.source == "points"
    assert result.gdf is None
    assert result.message_key == boundaries.MSG_UNAVAILABLE
    assert len(requests_to(httpserver, "/ogc/items")) == 2
    assert len(requests_to(httpserver, "/wfs/2025/v1_0")) == 2
    assert len(result.errors) == 4 and all("503" in error for error in result.errors)
    assert not boundaries.boundaries_cache_path(2025).exists()

    municipalities = pd.DataFrame(
        {
            "code": ["GM0001", "GM0002"],
            "name": ["Eerstedorp", "Tweestad"],
            "lat": [52.05, np.nan],
            "lon": [5.05, 5.15],
        }
    )
    points = boundaries.points_fallback(municipalities)
    assert points["code"].tolist() == ["GM0001"]  # no coordinates: cannot be drawn
    assert points.geometry.iloc[0].equals(shapely.Point(5.05, 52.05))
    assert points.crs.to_epsg() == 4326


def test_second_call_is_served_from_the_cache(httpserver, urls):
    httpserver.expect_request("/ogc/items").respond_with_json(collection(all_squares()))
    first = boundaries.load_boundaries(**urls)
    requests_before = len(httpserver.log)

    second = boundaries.load_boundaries(**urls)

    assert (first.source, second.source) == ("ogc", "cache")
    assert len(httpserver.log) == requests_before
    assert second.gdf["code"].tolist() == CODES
    assert second.gdf.geom_equals(first.gdf).all()


def test_corrupt_cache_is_ignored_and_replaced(httpserver, urls):
    cache = boundaries.boundaries_cache_path(2025)
    cache.parent.mkdir(parents=True)
    cache.write_text('{"type": "FeatureCollection", "feat', encoding="utf-8")
    httpserver.expect_request("/ogc/items").respond_with_json(collection(all_squares()))

    result = boundaries.load_boundaries(**urls)

    assert result.source == "ogc"
    assert "cache" in result.errors[0]
    assert boundaries.load_boundaries(**urls).source == "cache"
    assert not list(cache.parent.glob("*.tmp"))  # the atomic write left nothing behind


def test_cache_of_another_year_is_not_used(httpserver, urls, monkeypatch):
    httpserver.expect_request("/ogc/items").respond_with_json(collection(all_squares()))
    boundaries.load_boundaries(**urls)
    cache = boundaries.boundaries_cache_path(2025)
    # Someone copies the 2025 cache to the 2024 name: it must not pass as 2024.
    cache.rename(boundaries.boundaries_cache_path(2024))
    monkeypatch.setenv("COP_OFFLINE", "1")

    result = boundaries.load_boundaries(2024, **urls)

    assert result.source == "points"
    assert "2024" in result.errors[0]


def many_squares(count: int) -> list[dict[str, Any]]:
    """``count`` municipalities as 0.05-degree squares in a grid inside the Netherlands."""
    return [
        feature(f"GM{i + 1:04d}", f"Gemeente {i + 1}", square(4.0 + (i % 40) * 0.06,
                51.0 + (i // 40) * 0.06, size=0.05))
        for i in range(count)
    ]  # fmt: skip


@pytest.fixture
def real_minimum(monkeypatch):
    """The real completeness rule: 95% of the 342 municipalities of the reference."""
    monkeypatch.setattr(boundaries, "minimum_municipalities", REAL_MINIMUM)
    assert boundaries.minimum_municipalities() == 325


def write_cache(features: list[dict[str, Any]], year: int = 2025) -> Path:
    gdf = boundaries._normalise(
        gpd.GeoDataFrame.from_features(features, crs="EPSG:4326"),
        year,
        code_columns=("statcode",),
        name_columns=("statnaam",),
        lenient=False,
    )
    cache = boundaries.boundaries_cache_path(year)
    boundaries._write_cache(cache, gdf, year, "ogc", [])
    return cache


def test_an_incomplete_cache_is_refused_with_a_logged_reason(real_minimum, monkeypatch, caplog):
    cache = write_cache(many_squares(100))
    monkeypatch.setenv("COP_OFFLINE", "1")
    with caplog.at_level("WARNING", logger="cop.geo.boundaries"):
        result = boundaries.load_boundaries()
    assert result.source == "points" and not result.ok
    assert "holds 100 municipalities, fewer than 325" in result.errors[0]
    assert "fewer than 325" in caplog.text
    assert cache.exists()  # left for the next complete download to replace


def test_an_incomplete_download_is_refused_and_the_next_source_used(real_minimum, httpserver, urls):
    write_cache(many_squares(100))
    httpserver.expect_request("/ogc/items").respond_with_json(collection(many_squares(100)))
    serve_wfs(httpserver, many_squares(342))

    result = boundaries.load_boundaries(**urls)

    assert result.source == "wfs" and len(result.gdf) == 342
    assert any("cache" in e and "100 municipalities" in e for e in result.errors)
    assert any(e.startswith("ogc rejected") and "100 municipalities" in e for e in result.errors)
    assert len(requests_to(httpserver, "/ogc/items")) == 1  # incomplete: not asked again
    again = boundaries.load_boundaries(**urls)  # the complete download replaced the cache
    assert again.source == "cache" and len(again.gdf) == 342


def test_an_incomplete_boundaries_file_is_used_with_a_warning(real_minimum, monkeypatch, tmp_path):
    path = tmp_path / "regio.geojson"
    path.write_text(json.dumps(collection(many_squares(40))), encoding="utf-8")
    monkeypatch.setenv("COP_BOUNDARIES_FILE", str(path))
    result = boundaries.load_boundaries()
    assert result.source == "file" and len(result.gdf) == 40
    assert (
        "holds 40 municipalities" in result.errors[0] and "COP_BOUNDARIES_FILE" in result.errors[0]
    )


def test_boundaries_file_is_used_without_network(httpserver, urls, monkeypatch, tmp_path):
    # A GIS team's export: other column names, bare digits, Dutch grid, and one
    # municipality split into land and water parts.
    rows = [
        ("1", "Eerstedorp", box(5.0, 52.0, 5.05, 52.1)),
        ("1", "Eerstedorp", box(5.05, 52.0, 5.1, 52.1)),
        ("2", "Tweestad", box(5.1, 52.0, 5.2, 52.1)),
    ]
    export = gpd.GeoDataFrame(
        {"gemeentecode": [r[0] for r in rows], "gemeentenaam": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=4326,
    ).to_crs(28992)
    path = tmp_path / "gemeenten.gpkg"
    export.to_file(path)
    monkeypatch.setenv("COP_BOUNDARIES_FILE", str(path))

    result = boundaries.load_boundaries(**urls)

    assert result.source == "file"
    assert httpserver.log == []
    assert result.gdf["code"].tolist() == ["GM0001", "GM0002"]
    assert result.gdf.crs.to_epsg() == 4326
    merged = result.gdf.geometry.iloc[0]
    assert merged.geom_type == "Polygon"
    np.testing.assert_allclose(merged.bounds, [5.0, 52.0, 5.1, 52.1], atol=1e-6)
    assert not boundaries.boundaries_cache_path(2025).exists()  # a local file is not cached


def test_unusable_boundaries_file_gives_points_without_network(httpserver, urls, monkeypatch):
    monkeypatch.setenv("COP_BOUNDARIES_FILE", "/nonexistent/gemeenten.geojson")

    result = boundaries.load_boundaries(**urls)

    assert result.source == "points"
    assert result.message_key == boundaries.MSG_FILE_UNUSABLE
    assert "not found" in result.errors[0]
    assert httpserver.log == []


def test_offline_makes_no_request(httpserver, urls, monkeypatch):
    monkeypatch.setenv("COP_OFFLINE", "1")

    result = boundaries.load_boundaries(**urls)

    assert result.source == "points"
    assert result.message_key == boundaries.MSG_UNAVAILABLE
    assert "offline" in result.errors[0]
    assert httpserver.log == []


def test_offline_still_reads_the_cache(httpserver, urls, monkeypatch):
    httpserver.expect_request("/ogc/items").respond_with_json(collection(all_squares()))
    boundaries.load_boundaries(**urls)
    requests_before = len(httpserver.log)
    monkeypatch.setenv("COP_OFFLINE", "1")

    assert boundaries.load_boundaries(**urls).source == "cache"
    assert len(httpserver.log) == requests_before


def test_invalid_geometry_is_repaired_to_its_polygonal_parts(httpserver, urls):
    features = all_squares()
    # GM0001 becomes a square with a spike (like GM1676 in the real data): make_valid
    # returns polygon + line; only the polygon must remain.
    spiky = [
        [
            [5.0, 52.0],
            [5.1, 52.0],
            [5.1, 52.1],
            [5.05, 52.1],
            [5.05, 52.15],
            [5.05, 52.1],
            [5.0, 52.1],
            [5.0, 52.0],
        ]
    ]
    assert shapely.make_valid(Polygon(spiky[0])).geom_type == "GeometryCollection"
    features[0]["geometry"]["coordinates"] = spiky
    httpserver.expect_request("/ogc/items").respond_with_json(collection(features))

    result = boundaries.load_boundaries(**urls)

    assert result.source == "ogc"
    assert result.gdf.is_valid.all()
    assert set(result.gdf.geom_type) == {"Polygon"}
    assert result.gdf.geometry.iloc[0].equals(box(5.0, 52.0, 5.1, 52.1))


def test_make_valid_polygonal():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    line = shapely.LineString([(0, 0), (1, 1)])
    series = gpd.GeoSeries([bowtie, box(0, 0, 1, 1), line], index=[7, 8, 9])

    repaired = boundaries.make_valid_polygonal(series)

    assert repaired.index.tolist() == [7, 8, 9]
    assert repaired.iloc[0].geom_type == "MultiPolygon"
    assert repaired.iloc[0].area == pytest.approx(2.0)
    assert repaired.iloc[1].equals(box(0, 0, 1, 1))
    assert repaired.iloc[2].is_empty and repaired.iloc[2].geom_type == "Polygon"


# --------------------------------------------------------------------------- using


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": CODES, "name": [name for _, name, *_ in SQUARES]},
        geometry=[box(lon, lat, lon + 0.1, lat + 0.1) for _, _, lon, lat in SQUARES],
        crs=4326,
    )


def test_join_is_by_code_and_reports_missing_codes(squares):
    municipalities = pd.DataFrame(
        {
            "code": ["GM0002", "GM0001", "GM9999"],
            # Spelled differently from the boundaries on purpose: names never join.
            "name": ["Tweestad (gem.)", "Eerstedorp", "Nergenshuizen"],
            "members": [3, 5, 1],
        }
    )

    joined, missing = boundaries.join_boundaries(municipalities, squares)

    assert missing == ["GM9999"]
    assert joined["code"].tolist() == ["GM0001", "GM0002"]
    assert joined["name"].tolist() == ["Eerstedorp", "Tweestad (gem.)"]
    assert joined["members"].tolist() == [5, 3]
    np.testing.assert_allclose(joined.geometry.iloc[1].bounds, [5.1, 52.0, 5.2, 52.1])

    everything, _ = boundaries.join_boundaries(municipalities, squares, keep_all_boundaries=True)
    assert everything["code"].tolist() == CODES
    assert everything["name"].tolist()[2:] == ["Derdeveen", "Vierhuizen"]
    assert everything["members"].isna().tolist() == [False, False, True, True]


def test_measures_outside_their_municipality_are_flagged(squares):
    # At 52.05 N, 0.001 degree of longitude is about 69 m.
    measures = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6, 7],
            "municipality_code": [
                "GM0001",  # inside its own square
                "GM0001",  # ~100 m across the border into GM0002: within tolerance
                "GM0001",  # ~3.4 km inside GM0002: flagged
                "GM0004",  # far outside every square (in "water"): flagged, no host
                "GM0002",  # no coordinates: skipped
                "GM9999",  # no boundary for this code: skipped
                "GM0003",  # ~690 m below its square, inside GM0001: flagged
            ],
            "title": list("abcdefg"),
            "lat": [52.05, 52.05, 52.05, 52.50, np.nan, 52.05, 52.0938],
            "lon": [5.05, 5.1015, 5.15, 5.50, 5.15, 5.05, 5.05],
        }
    )

    flagged = boundaries.measures_outside_municipality(measures, squares, tolerance_m=250)

    assert flagged.columns.tolist() == boundaries.OUTSIDE_COLUMNS
    assert flagged["id"].tolist() == [3, 4, 7]
    assert flagged["falls_in_code"].tolist()[0] == "GM0002"
    assert flagged["falls_in_name"].tolist()[0] == "Tweestad"
    assert pd.isna(flagged["falls_in_code"].iloc[1])
    assert flagged["falls_in_code"].tolist()[2] == "GM0001"
    assert flagged["distance_m"].iloc[0] == pytest.approx(0.05 * 68_700, rel=0.02)
    assert flagged["distance_m"].iloc[2] == pytest.approx(690, rel=0.02)

    strict = boundaries.measures_outside_municipality(measures, squares, tolerance_m=50)
    assert strict["id"].tolist() == [2, 3, 4, 7]


def test_measures_check_with_nothing_to_check(squares):
    measures = pd.DataFrame(
        {
            "id": [1],
            "municipality_code": ["GM0001"],
            "title": ["a"],
            "lat": [None],
            "lon": [None],
        }
    )
    flagged = boundaries.measures_outside_municipality(measures, squares)
    assert flagged.empty and flagged.columns.tolist() == boundaries.OUTSIDE_COLUMNS
    with pytest.raises(ValueError, match="lat"):
        boundaries.measures_outside_municipality(measures.drop(columns="lat"), squares)


def test_boundaries_geojson_is_compact(squares):
    values = pd.DataFrame({"code": ["GM0002", "GM0001"], "measures": [4, np.nan]})

    doc = boundaries.boundaries_geojson(squares, values)

    assert doc["type"] == "FeatureCollection"
    first, second, third, _ = doc["features"]
    assert first["id"] == "GM0001"
    assert first["properties"] == {
        "code": "GM0001",
        "name": "Eerstedorp",
        "measures": None,
    }
    assert second["properties"]["measures"] == 4
    assert third["properties"]["measures"] is None
    assert first["geometry"]["type"] == "Polygon"
    json.dumps(doc, allow_nan=False)  # strict JSON: no NaN, no numpy types

    assert set(boundaries.boundaries_geojson(squares)["features"][0]["properties"]) == {
        "code",
        "name",
    }
    with pytest.raises(ValueError, match="duplicate"):
        boundaries.boundaries_geojson(squares, pd.concat([values, values]))


def test_simplify_for_web_rounds_and_stays_valid(squares):
    wobbly = squares.copy()
    wobbly["geometry"] = wobbly.geometry.segmentize(0.01).affine_transform(
        [1, 0, 0, 1, 0.0000123, 0.0000456]
    )

    web = boundaries.simplify_for_web(wobbly, tolerance_m=50, precision=4)

    assert web["code"].tolist() == CODES
    assert web.is_valid.all() and set(web.geom_type) <= {"Polygon", "MultiPolygon"}
    coordinates = shapely.get_coordinates(web.geometry.to_numpy())
    np.testing.assert_allclose(coordinates, np.round(coordinates, 4), atol=1e-12)
    # Straight edges lose their extra vertices; the squares keep their shape.
    assert len(coordinates) < len(shapely.get_coordinates(wobbly.geometry.to_numpy()))
    original = wobbly.geometry.iloc[0]
    assert web.geometry.iloc[0].symmetric_difference(original).area < 0.005 * original.area


# --------------------------------------------------------------------------- real data


@pytest.fixture
def real_boundaries(monkeypatch, httpserver, urls) -> gpd.GeoDataFrame:
    require(SHARED_BOUNDARIES.is_file(), f"{SHARED_BOUNDARIES} not available")
    monkeypatch.setenv("COP_BOUNDARIES_FILE", str(SHARED_BOUNDARIES))
    result = boundaries.load_boundaries(**urls)
    assert result.source == "file", result.errors
    assert httpserver.log == []
    return result.gdf


def test_real_boundaries_load_valid_and_polygonal(real_boundaries):
    gdf = real_boundaries
    assert len(gdf) == 342
    assert gdf["code"].str.fullmatch(r"GM\d{4}").all()
    assert gdf["code"].is_unique
    assert gdf.is_valid.all()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    # The three quirks of the source data are repaired.
    for code in ("GM0293", "GM1676"):
        assert gdf.loc[gdf["code"] == code].geometry.iloc[0].area > 0
    assert gdf.loc[gdf["code"] == "GM0363", "name"].item() == "Amsterdam"


def test_real_boundaries_simplified_size(real_boundaries):
    web = boundaries.simplify_for_web(real_boundaries)
    text = json.dumps(boundaries.boundaries_geojson(web), separators=(",", ":"), ensure_ascii=False)
    size = len(text.encode("utf-8"))
    assert len(web) == 342 and web.is_valid.all()
    assert size < 1_500_000


def test_real_outside_check_at_national_scale(real_boundaries):
    gdf = real_boundaries
    rng = np.random.default_rng(42)
    inside = gdf.geometry.representative_point()
    n = 20_000
    pick = rng.integers(0, len(gdf), n)
    # Half the measures carry their own code, half the code of another municipality.
    wrong = rng.random(n) < 0.5
    claimed = np.where(wrong, (pick + 1 + rng.integers(0, len(gdf) - 1, n)) % len(gdf), pick)
    measures = pd.DataFrame(
        {
            "id": np.arange(n),
            "municipality_code": gdf["code"].to_numpy()[claimed],
            "title": "maatregel",
            "lat": inside.y.to_numpy()[pick],
            "lon": inside.x.to_numpy()[pick],
        }
    )

    flagged = boundaries.measures_outside_municipality(measures, gdf)

    # Every correct point passes; a wrong code is flagged unless the two neighbour
    # within the tolerance, and the host found is always the true municipality.
    assert wrong[flagged["id"].to_numpy()].all()
    assert len(flagged) > 0.45 * n
    truth = gdf["code"].to_numpy()[pick[flagged["id"].to_numpy()]]
    assert (flagged["falls_in_code"].to_numpy() == truth).all()
