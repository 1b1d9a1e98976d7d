"""Municipality boundaries: load them once, check the data against them, ship them to a map.

The official source is the CBS "gemeente gegeneraliseerd" layer that CBS and Kadaster
publish through PDOK. It is read at run time, in this order, stopping at the first source
that gives a complete, valid set for the configured year:

1. a local file (``COP_BOUNDARIES_FILE``): a municipality's GIS team often has one, and
   development and CI use it so that nothing needs the network; when it is set, nothing
   is downloaded;
2. the download cache (``<data_dir>/cache/gemeente_<year>.geojson``), so the network is hit
   once per year of boundaries;
3. the PDOK OGC API Features endpoint (paged through its ``rel=next`` links);
4. the yearly PDOK WFS, as second source;
5. nothing: the map falls back to one point per municipality and says so
   (``BoundaryResult.source == "points"``, ``message_key`` set).

Every download is validated before it is used or cached: a FeatureCollection, every
feature a ``GM`` + 4 digits code, every year property equal to the requested year (one
feature of another year rejects the whole download: years are never mixed), coordinates
in the Netherlands, and complete: a download or cache with fewer municipalities than
:data:`MIN_COMPLETE_SHARE` of the reference (342 in 2025) is refused with a logged reason
and the next source is tried (a cache once held 100 of 342 and was used without a word).
A local file is the administrator's choice and is only warned about. Geometries are repaired (``make_valid``) and reduced to their polygonal
parts, because the source has a few invalid rings whose repair yields polygon + line.

Everything else here is pure: joining data to boundaries by code (never by name),
flagging measures whose point lies outside their own municipality, and turning the
boundaries into a compact GeoJSON for the map.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urljoin
from urllib.request import Request, urlopen

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon

from cop.core.config import SHIPPED_DATA_DIR, Settings, get_settings

log = logging.getLogger(__name__)

#: Credit line the map must show (licence of the PDOK data).
ATTRIBUTION = "CBS / Kadaster (PDOK), CC BY 4.0"

#: OGC API Features items endpoint; query parameters are added by :func:`load_boundaries`.
OGC_ITEMS_URL = (
    "https://api.pdok.nl/cbs/gebiedsindelingen/ogc/v1/collections/gemeente_gegeneraliseerd/items"
)
#: Yearly WFS endpoint; ``{year}`` is filled in, query parameters are added.
WFS_URL = "https://service.pdok.nl/cbs/gebiedsindelingen/{year}/wfs/v1_0"
WFS_TYPE_NAME = "gebiedsindelingen:gemeente_gegeneraliseerd"

DEFAULT_TIMEOUT = 20.0
OGC_PAGE_LIMIT = 1000
#: A guard against a server whose ``next`` links never end.
MAX_PAGES = 50
USER_AGENT = "cop-dashboard (municipality boundaries)"

WGS84 = "EPSG:4326"
#: Dutch national grid (Rijksdriehoekstelsel), metres: used for every distance and tolerance.
RD_NEW = "EPSG:28992"
#: Generous lon/lat envelope of the Netherlands including its coastal waters.
NL_BOUNDS = (2.5, 50.0, 8.0, 54.5)

GM_CODE = re.compile(r"^GM\d{4}$")

#: A cache or download must hold at least this share of the municipalities of the
#: reference (``data/municipalities_reference.csv``, 2025). A count rather than the codes
#: themselves, so that other years pass: earlier years had more municipalities, and a
#: merger removes only a few.
MIN_COMPLETE_SHARE = 0.95
REFERENCE_FILE = SHIPPED_DATA_DIR / "municipalities_reference.csv"

#: i18n keys (cop/locale) for the notice shown when the map falls back to points.
MSG_UNAVAILABLE = "geo.boundaries_unavailable"
MSG_FILE_UNUSABLE = "geo.boundaries_file_unusable"

# Column names accepted in a local file, in order of preference (a GIS team's export may
# use CBS wijk- en buurtkaart names rather than the PDOK ones).
_FILE_CODE_COLUMNS = ("statcode", "code", "gemeentecode", "gm_code")
_FILE_NAME_COLUMNS = ("statnaam", "name", "naam", "gemeentenaam", "gm_naam")

#: Distance (m) a measure may lie outside its own municipality before it is flagged.
OUTSIDE_TOLERANCE_M = 250.0

OUTSIDE_COLUMNS = [
    "id",
    "municipality_code",
    "title",
    "lat",
    "lon",
    "falls_in_code",
    "falls_in_name",
    "distance_m",
]


class BoundaryError(Exception):
    """A boundary source could not be used; the message says why (it ends up in ``errors``)."""


class _TransientError(BoundaryError):
    """A failure worth one retry: timeout, connection error, HTTP 5xx, truncated JSON."""


@dataclass
class BoundaryResult:
    """What :func:`load_boundaries` found.

    Attributes
    ----------
    gdf
        Columns ``code``, ``name``, ``geometry`` (EPSG:4326, valid, Polygon/MultiPolygon),
        one row per municipality, sorted by code; ``None`` when every source failed.
    source
        ``"file"``, ``"cache"``, ``"ogc"``, ``"wfs"`` or ``"points"`` (nothing usable: draw
        :func:`points_fallback` instead).
    year
        CBS year of the boundaries.
    message_key
        i18n key of the notice to show the user, or ``None`` when boundaries were loaded.
    errors
        What failed on the way, one sentence per attempt (also logged); may be non-empty
        even when a later source succeeded.
    """

    gdf: gpd.GeoDataFrame | None
    source: str
    year: int
    message_key: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.gdf is not None


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=4)
def reference_count(path: Path = REFERENCE_FILE) -> int:
    """Number of municipalities in the reference file (342 for 2025)."""
    with path.open(encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip()) - 1  # minus the header


def minimum_municipalities() -> int:
    """The fewest municipalities a cache or download may hold (325 of 342)."""
    return math.ceil(MIN_COMPLETE_SHARE * reference_count())


def _check_complete(gdf: gpd.GeoDataFrame, what: str) -> None:
    """Raise :class:`BoundaryError` when ``gdf`` lacks too many municipalities."""
    needed = minimum_municipalities()
    if len(gdf) < needed:
        raise BoundaryError(
            f"{what} holds {len(gdf)} municipalities, fewer than {needed} "
            f"({MIN_COMPLETE_SHARE:.0%} of the {reference_count()} of the reference): incomplete"
        )


def boundaries_cache_path(year: int, settings: Settings | None = None) -> Path:
    """Where the validated download of ``year`` is cached."""
    settings = settings or get_settings()
    return settings.cache_dir / f"gemeente_{year}.geojson"


def load_boundaries(
    year: int | None = None,
    *,
    settings: Settings | None = None,
    ogc_url: str = OGC_ITEMS_URL,
    wfs_url: str = WFS_URL,
    timeout: float = DEFAULT_TIMEOUT,
) -> BoundaryResult:
    """Load the municipality boundaries of one year from the first source that works.

    Order: ``settings.boundaries_file`` (exclusively, when set), the disk cache, the OGC
    API, the WFS. Each network source gets one retry after a transient failure
    (timeout, connection error, HTTP 5xx, unreadable JSON); a download that is complete
    but wrong (another year, bad codes, not a FeatureCollection) is not retried. With
    ``settings.offline`` no request is made. Never raises for a failing source: the
    failure is recorded in ``errors`` and the next source is tried, down to
    ``source="points"``.

    Parameters
    ----------
    year
        CBS year; default ``settings.boundaries_year``.
    settings
        Default :func:`cop.core.config.get_settings`.
    ogc_url, wfs_url
        Endpoints (tests point them at a local server); ``wfs_url`` may contain ``{year}``.
    timeout
        Seconds per HTTP request.

    Examples
    --------
    With boundaries already downloaded once (not run as a doctest: it may need the
    network)::

        result = load_boundaries()
        result.source, len(result.gdf)  # ('cache', 342)
    """
    settings = settings or get_settings()
    year = int(year or settings.boundaries_year)
    errors: list[str] = []

    def failed(key: str) -> BoundaryResult:
        return BoundaryResult(None, "points", year, key, errors)

    if settings.boundaries_file is not None:
        try:
            gdf = read_boundaries_file(settings.boundaries_file, year)
        except BoundaryError as exc:
            _record(errors, f"boundaries file {settings.boundaries_file}: {exc}")
            return failed(MSG_FILE_UNUSABLE)
        try:
            _check_complete(gdf, f"boundaries file {settings.boundaries_file}")
        except BoundaryError as exc:  # the administrator's choice (a region?): used, noted
            _record(errors, f"{exc}; used because COP_BOUNDARIES_FILE names it")
        return BoundaryResult(gdf, "file", year, None, errors)

    cache_path = boundaries_cache_path(year, settings)
    if cache_path.exists():
        try:
            return BoundaryResult(_read_cache(cache_path, year), "cache", year, None, errors)
        except BoundaryError as exc:
            _record(errors, f"cache {cache_path} ignored: {exc}")

    if settings.offline:
        _record(errors, "offline (COP_OFFLINE): no download attempted")
        return failed(MSG_UNAVAILABLE)

    sources: list[tuple[str, Callable[[], gpd.GeoDataFrame]]] = [
        ("ogc", lambda: _download_ogc(ogc_url, year, timeout)),
        ("wfs", lambda: _download_wfs(wfs_url, year, timeout)),
    ]
    for source, download in sources:
        gdf = _with_one_retry(source, download, errors)
        if gdf is not None:
            _write_cache(cache_path, gdf, year, source, errors)
            return BoundaryResult(gdf, source, year, None, errors)
    return failed(MSG_UNAVAILABLE)


def read_boundaries_file(path: str | os.PathLike[str], year: int) -> gpd.GeoDataFrame:
    """Read a local boundary file (GeoJSON, GeoPackage, Shapefile, GeoParquet).

    More lenient than a download, because a GIS team's export is not a PDOK response:
    the code may be called ``statcode``, ``code`` or ``gemeentecode`` and may be bare
    digits (``363`` becomes ``GM0363``), any CRS is reprojected to EPSG:4326, and several
    features with one code (e.g. land and water parts) are merged. A year column
    (``jaarcode``/``jrstatcode``), when present, must still match ``year``.

    Raises
    ------
    BoundaryError
        When the file is missing, unreadable or not usable as municipality boundaries.
    """
    path = Path(path)
    if not path.is_file():
        raise BoundaryError(f"file not found: {path}")
    try:
        if path.suffix.lower() in {".parquet", ".geoparquet"}:
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path)
    # Readers raise many unrelated types (pyogrio, pyarrow, OSError, ValueError) for a
    # file they cannot read; every one means the same to the user: this file is unusable.
    except Exception as exc:
        raise BoundaryError(f"cannot read {path.name}: {type(exc).__name__}: {exc}") from exc
    return _normalise(
        frame,
        year,
        code_columns=_FILE_CODE_COLUMNS,
        name_columns=_FILE_NAME_COLUMNS,
        lenient=True,
    )


def _record(errors: list[str], message: str) -> None:
    log.warning("boundaries: %s", message)
    errors.append(message)


def _with_one_retry(
    source: str, download: Callable[[], gpd.GeoDataFrame], errors: list[str]
) -> gpd.GeoDataFrame | None:
    for attempt in (1, 2):
        try:
            return download()
        except _TransientError as exc:
            _record(errors, f"{source} attempt {attempt}: {exc}")
        except BoundaryError as exc:
            # The server answered, but with the wrong thing: asking again will not help.
            _record(errors, f"{source} rejected: {exc}")
            return None
    return None


def _with_query(url: str, params: dict[str, Any]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _get_json(url: str, timeout: float) -> Any:
    request = Request(
        url,
        headers={
            "Accept": "application/geo+json, application/json;q=0.9",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            body = response.read()
    except HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise _TransientError(f"HTTP {exc.code} from {url}") from exc
        raise BoundaryError(f"HTTP {exc.code} from {url}") from exc
    except (URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _TransientError(f"{type(exc).__name__} ({reason}) for {url}") from exc
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _TransientError(f"response of {url} is not valid JSON ({exc})") from exc


def _page_features(doc: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise BoundaryError(f"response of {url} is not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list) or not all(
        isinstance(f, dict) and f.get("type") == "Feature" for f in features
    ):
        raise BoundaryError(f"response of {url} has no valid 'features' list")
    return features


def _next_link(doc: dict[str, Any], url: str) -> str | None:
    for link in doc.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return urljoin(url, str(link["href"]))
    return None


def _download_pages(first_url: str, year: int, timeout: float) -> gpd.GeoDataFrame:
    features: list[dict[str, Any]] = []
    seen: set[str] = set()
    url: str | None = first_url
    while url is not None:
        if url in seen or len(seen) >= MAX_PAGES:
            raise BoundaryError(f"paging does not end (page {len(seen) + 1}: {url})")
        seen.add(url)
        doc = _get_json(url, timeout)
        features.extend(_page_features(doc, url))
        url = _next_link(doc, url)
    if not features:
        raise BoundaryError(f"no features for {year} at {first_url}")
    frame = gpd.GeoDataFrame.from_features(features, crs=WGS84)
    gdf = _normalise(
        frame,
        year,
        code_columns=("statcode",),
        name_columns=("statnaam",),
        lenient=False,
    )
    _check_complete(gdf, f"the download from {first_url}")
    return gdf


def _download_ogc(url: str, year: int, timeout: float) -> gpd.GeoDataFrame:
    params = {"f": "json", "jaarcode": year, "limit": OGC_PAGE_LIMIT}
    return _download_pages(_with_query(url, params), year, timeout)


def _download_wfs(url: str, year: int, timeout: float) -> gpd.GeoDataFrame:
    params = {
        "service": "WFS",
        "version": "2.0.0",
        "request": "GetFeature",
        "typeNames": WFS_TYPE_NAME,
        "outputFormat": "application/json",
        "srsName": "EPSG:4326",
    }
    # WFS 2.0 with EPSG:4326 may answer in lat/lon order; _normalise detects and swaps.
    return _download_pages(_with_query(url.format(year=year), params), year, timeout)


def _read_cache(path: Path, year: int) -> gpd.GeoDataFrame:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryError(f"unreadable ({type(exc).__name__}: {exc})") from exc
    features = _page_features(doc, str(path))
    if doc.get("cop_year") != year or not features:
        raise BoundaryError(f"not a cache of year {year}")
    frame = gpd.GeoDataFrame.from_features(features, crs=WGS84)
    gdf = _normalise(
        frame,
        year,
        code_columns=("statcode",),
        name_columns=("statnaam",),
        lenient=False,
    )
    _check_complete(gdf, "the cache")
    return gdf


def _write_cache(
    path: Path, gdf: gpd.GeoDataFrame, year: int, source: str, errors: list[str]
) -> None:
    """Write atomically (temp file + rename): a crash never leaves half a cache behind."""
    geometries = shapely.to_geojson(gdf.geometry.to_numpy())
    lines = []
    for code, name, geometry in zip(gdf["code"], gdf["name"], geometries, strict=True):
        properties = json.dumps(
            {"statcode": code, "statnaam": name, "jrstatcode": f"{year}{code}"},
            ensure_ascii=False,
        )
        lines.append(f'{{"type":"Feature","properties":{properties},"geometry":{geometry}}}')
    text = (
        json.dumps({"type": "FeatureCollection", "cop_year": year, "cop_source": source})[:-1]
        + ',"features":[\n'
        + ",\n".join(lines)
        + "\n]}"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=path.parent,
            prefix=path.name,
            suffix=".tmp",
            delete=False,
        ) as handle:
            handle.write(text)
        os.replace(handle.name, path)
    except OSError as exc:
        _record(errors, f"cache {path} not written: {exc}")


# --------------------------------------------------------------------------- cleaning


def make_valid_polygonal(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Repair geometries and keep only their polygonal parts.

    ``make_valid`` turns a ring that touches itself at a spike into polygon + line (a
    GeometryCollection), which neither a choropleth nor a point-in-polygon test wants.
    A geometry without any area becomes an empty polygon.
    """
    repaired = shapely.make_valid(geometries.to_numpy())
    kinds = shapely.get_type_id(repaired)
    polygonal = (kinds == shapely.GeometryType.POLYGON) | (
        kinds == shapely.GeometryType.MULTIPOLYGON
    )
    for i in np.flatnonzero(~polygonal):
        parts = [
            part
            for part in shapely.get_parts(repaired[i])
            if isinstance(part, Polygon | MultiPolygon) and not part.is_empty
        ]
        repaired[i] = shapely.union_all(parts) if parts else Polygon()
    return gpd.GeoSeries(repaired, index=geometries.index, crs=geometries.crs)


def _pick_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    by_lower = {str(column).lower(): column for column in frame.columns}
    for candidate in candidates:
        if candidate in by_lower:
            return by_lower[candidate]
    return None


def _examples(values: pd.Series | list[Any], limit: int = 5) -> str:
    values = list(dict.fromkeys(str(v) for v in values))
    more = f" (+{len(values) - limit} more)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def _check_year(frame: pd.DataFrame, year: int) -> None:
    wrong: list[str] = []
    jaarcode = _pick_column(frame, ("jaarcode",))
    if jaarcode is not None:
        # A numeric column may come back as floats ("2025.0") when some values are missing.
        values = frame[jaarcode].dropna().astype(str).str.strip().str.removesuffix(".0")
        wrong += values[values != str(year)].tolist()
    jrstatcode = _pick_column(frame, ("jrstatcode",))
    if jrstatcode is not None:
        values = frame[jrstatcode].dropna().astype(str).str.strip()
        wrong += values[~values.str.startswith(str(year))].str[:4].tolist()
    if wrong:
        raise BoundaryError(
            f"{len(wrong)} feature(s) of year {_examples(wrong)} where {year} was asked "
            "(years are never mixed)"
        )


def _swap_if_lat_lon(geometries: np.ndarray) -> np.ndarray:
    # In the Netherlands latitudes are 50-54 and longitudes 3-7, so lat/lon order is
    # unambiguous: x values that look like latitudes mean the axes came swapped.
    min_x, _, _, max_y = shapely.total_bounds(geometries)
    if min_x > 45 and max_y < 15:
        return shapely.transform(geometries, lambda coords: coords[:, ::-1])
    return geometries


def _normalise(
    frame: gpd.GeoDataFrame,
    year: int,
    *,
    code_columns: tuple[str, ...],
    name_columns: tuple[str, ...],
    lenient: bool,
) -> gpd.GeoDataFrame:
    """Turn any boundary frame into ``code, name, geometry`` or raise :class:`BoundaryError`."""
    if frame.empty:
        raise BoundaryError("no features")
    code_column = _pick_column(frame, code_columns)
    if code_column is None:
        raise BoundaryError(f"no code property (expected one of {', '.join(code_columns)})")
    codes = frame[code_column].astype("string").str.strip()
    if lenient:
        digits = codes.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
        codes = codes.where(~digits, "GM" + codes.str.zfill(4))
    bad = ~codes.str.fullmatch(GM_CODE.pattern).fillna(False).astype(bool)
    if bad.any():
        raise BoundaryError(
            f"{int(bad.sum())} feature(s) without a GM code: {_examples(codes[bad].fillna('<none>'))}"
        )
    _check_year(frame, year)
    name_column = _pick_column(frame, name_columns)
    names = frame[name_column].astype("string") if name_column is not None else codes

    if frame.geometry.isna().any() or frame.geometry.is_empty.any():
        missing = codes[frame.geometry.isna() | frame.geometry.is_empty]
        raise BoundaryError(f"feature(s) without geometry: {_examples(missing)}")
    geometries = frame.geometry
    if geometries.crs is None:
        geometries = geometries.set_crs(WGS84)
    elif not geometries.crs.equals(WGS84):
        geometries = geometries.to_crs(WGS84)
    geometries = gpd.GeoSeries(
        _swap_if_lat_lon(geometries.to_numpy()), index=frame.index, crs=WGS84
    )
    geometries = make_valid_polygonal(geometries)
    if geometries.is_empty.any():
        raise BoundaryError(
            f"feature(s) without area (not polygons): {_examples(codes[geometries.is_empty])}"
        )

    result = gpd.GeoDataFrame(
        {"code": codes.to_numpy(), "name": names.to_numpy()},
        geometry=geometries.to_numpy(),
        crs=WGS84,
    )
    duplicated = result["code"].duplicated(keep=False)
    if duplicated.any():
        if not lenient:
            raise BoundaryError(
                f"codes occur more than once: {_examples(result.loc[duplicated, 'code'])}"
            )
        result = result.dissolve(by="code", aggfunc="first", as_index=False)[
            ["code", "name", "geometry"]
        ]
        result["geometry"] = make_valid_polygonal(result.geometry)

    min_x, min_y, max_x, max_y = result.total_bounds
    west, south, east, north = NL_BOUNDS
    if min_x < west or min_y < south or max_x > east or max_y > north:
        raise BoundaryError(
            f"coordinates outside the Netherlands (bounds {min_x:.3f}, {min_y:.3f}, "
            f"{max_x:.3f}, {max_y:.3f}); is the coordinate system right?"
        )
    return result.sort_values("code", ignore_index=True)


# --------------------------------------------------------------------------- using


def simplify_for_web(
    gdf: gpd.GeoDataFrame, tolerance_m: float = 50.0, precision: int = 4
) -> gpd.GeoDataFrame:
    """Generalise and round boundaries once, for a map of the whole country.

    Simplifies in metres (EPSG:28992) as a coverage, so neighbours keep sharing their
    border (no slivers or gaps); falls back to per-polygon topology-preserving
    simplification when coverage simplification is unavailable or fails. Coordinates are
    then rounded to ``precision`` decimals (4 = about 10 m), which with the default
    tolerance keeps all 342 municipalities well under 1 MB of GeoJSON. Cache the result;
    use the unsimplified boundaries for spatial checks.
    """
    projected = gdf.geometry.to_crs(RD_NEW).to_numpy()
    simplified = None
    if hasattr(shapely, "coverage_simplify"):
        try:
            simplified = shapely.coverage_simplify(projected, tolerance_m)
        except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
            log.info("coverage simplification failed (%s); simplifying per polygon", exc)
        if simplified is not None and not (
            shapely.is_valid(simplified).all() and not shapely.is_empty(simplified).any()
        ):
            log.info("coverage simplification gave invalid output; simplifying per polygon")
            simplified = None
    if simplified is None:
        simplified = shapely.simplify(projected, tolerance_m, preserve_topology=True)
    back = gpd.GeoSeries(simplified, index=gdf.index, crs=RD_NEW).to_crs(WGS84)
    rounded = gpd.GeoSeries(
        shapely.set_precision(back.to_numpy(), 10.0**-precision),
        index=gdf.index,
        crs=WGS84,
    )
    result = gdf.copy()
    result["geometry"] = make_valid_polygonal(rounded)
    return result


def points_fallback(municipalities: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per municipality (its ``lat``/``lon``), for a map without boundaries.

    Rows without coordinates are left out (they cannot be drawn).
    """
    _require_columns(municipalities, ["code", "name", "lat", "lon"], "municipalities")
    lat = pd.to_numeric(municipalities["lat"], errors="coerce")
    lon = pd.to_numeric(municipalities["lon"], errors="coerce")
    keep = lat.notna() & lon.notna()
    return gpd.GeoDataFrame(
        {
            "code": municipalities.loc[keep, "code"].astype("string").to_numpy(),
            "name": municipalities.loc[keep, "name"].astype("string").to_numpy(),
        },
        geometry=gpd.points_from_xy(lon[keep], lat[keep]),
        crs=WGS84,
    )


def join_boundaries(
    municipalities: pd.DataFrame,
    gdf: gpd.GeoDataFrame,
    *,
    keep_all_boundaries: bool = False,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Attach boundaries to municipality data by CBS code (names differ in spelling).

    Parameters
    ----------
    municipalities
        Data with a ``code`` column (``GM0363``); all its columns are kept.
    gdf
        Boundaries as returned by :func:`load_boundaries` (``code``, ``name``, ``geometry``).
    keep_all_boundaries
        False: only municipalities in the data. True: every boundary, with empty data
        columns where the data has no row (a national map that greys out non-members).

    Returns
    -------
    joined, missing
        The joined GeoDataFrame (the data's ``name`` wins; the boundary's fills gaps) and
        the sorted codes of the data that have no boundary, to report.
    """
    _require_columns(municipalities, ["code"], "municipalities")
    data = municipalities.drop(columns=["geometry"], errors="ignore").copy()
    data["code"] = data["code"].astype("string").str.strip()
    boundaries = gdf[["code", "name", "geometry"]].rename(columns={"name": "_boundary_name"})
    missing = sorted(set(data["code"].dropna()) - set(boundaries["code"]))
    joined = boundaries.merge(data, on="code", how="left" if keep_all_boundaries else "inner")
    if "name" in joined.columns:
        joined["name"] = joined["name"].fillna(joined["_boundary_name"])
    else:
        joined["name"] = joined["_boundary_name"]
    joined = joined.drop(columns="_boundary_name")
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=gdf.crs), missing


def measures_outside_municipality(
    measures: pd.DataFrame, gdf: gpd.GeoDataFrame, tolerance_m: float = OUTSIDE_TOLERANCE_M
) -> pd.DataFrame:
    """Measures whose point lies outside their own municipality (a likely data error).

    A point within ``tolerance_m`` metres of its own municipality passes: the boundaries
    are generalised, and a measure on a border road is not an error. Measures without
    coordinates, or whose municipality has no boundary (see :func:`join_boundaries`), are
    not checked. Vectorised with prepared geometries and an STRtree: 20,000 points take
    well under a second.

    Parameters
    ----------
    measures
        Columns ``id``, ``municipality_code``, ``title``, ``lat``, ``lon``.
    gdf
        Boundaries (``code``, ``name``, polygonal ``geometry``), not simplified for the web.
    tolerance_m
        Allowed distance outside the own municipality, in metres.

    Returns
    -------
    DataFrame
        One row per flagged measure, in input order: the measure's columns plus
        ``falls_in_code``/``falls_in_name`` (the municipality whose polygon contains the
        point; missing when it lies in water or outside the country) and ``distance_m``
        (metres to its own municipality).
    """
    _require_columns(measures, ["id", "municipality_code", "title", "lat", "lon"], "measures")
    if gdf is None or gdf.empty:
        raise ValueError("boundaries are needed to check measure locations")
    frame = measures[["id", "municipality_code", "title", "lat", "lon"]].copy()
    frame["lat"] = pd.to_numeric(frame["lat"], errors="coerce")
    frame["lon"] = pd.to_numeric(frame["lon"], errors="coerce")
    codes = pd.Index(gdf["code"].astype(str))
    own_position = codes.get_indexer(frame["municipality_code"].astype("string").fillna(""))
    checkable = frame["lat"].notna() & frame["lon"].notna() & (own_position >= 0)
    frame = frame[checkable.to_numpy()]
    own_position = own_position[checkable.to_numpy()]
    if frame.empty:
        return pd.DataFrame(columns=OUTSIDE_COLUMNS)

    polygons = gdf.geometry.to_crs(RD_NEW).to_numpy()
    shapely.prepare(polygons)
    to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
    x, y = to_rd.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    points = shapely.points(x, y)
    own = polygons[own_position]
    outside = ~shapely.dwithin(own, points, tolerance_m)

    flagged = frame[outside].copy()
    distance = shapely.distance(own[outside], points[outside])
    point_index, polygon_index = shapely.STRtree(polygons).query(
        points[outside], predicate="within"
    )
    # A point exactly on a shared border is within neither polygon's interior but may
    # match both in edge cases; the first match is as good as any.
    first, where = np.unique(point_index, return_index=True)
    containing = np.full(len(flagged), -1)
    containing[first] = polygon_index[where]
    names = gdf["name"].astype(str).to_numpy()
    found = containing >= 0
    flagged["falls_in_code"] = pd.array(
        np.where(found, codes.to_numpy()[containing], None), dtype="string"
    )
    flagged["falls_in_name"] = pd.array(np.where(found, names[containing], None), dtype="string")
    flagged["distance_m"] = np.round(distance, 0)
    return flagged.reset_index(drop=True)[OUTSIDE_COLUMNS]


def boundaries_geojson(
    gdf: gpd.GeoDataFrame,
    values: pd.DataFrame | None = None,
    *,
    value_columns: list[str] | None = None,
) -> dict[str, Any]:
    """A compact GeoJSON FeatureCollection for folium: ``code``, ``name`` and the values.

    Parameters
    ----------
    gdf
        Boundaries, already passed through :func:`simplify_for_web` (or points from
        :func:`points_fallback`); geometry is written as it is.
    values
        Optional data per municipality with a unique ``code`` column; joined by code.
    value_columns
        Which columns of ``values`` to include (default: all except ``code``/``name``).
        Missing values become JSON ``null``.

    Examples
    --------
    With ``gdf`` from :func:`load_boundaries` and a frame ``counts`` (code, measures)::

        geo = boundaries_geojson(simplify_for_web(gdf), counts)
        geo["features"][0]["properties"]  # {'code': 'GM0014', 'name': 'Groningen', 'measures': 12}
    """
    properties = gdf[["code", "name"]].astype(object)
    if values is not None:
        _require_columns(values, ["code"], "values")
        if values["code"].duplicated().any():
            raise ValueError(
                f"values has duplicate codes: {_examples(values.loc[values['code'].duplicated(), 'code'])}"
            )
        columns = value_columns or [c for c in values.columns if c not in ("code", "name")]
        _require_columns(values, columns, "values")
        extra = values[["code", *columns]].copy()
        extra["code"] = extra["code"].astype(str)
        properties = properties.merge(extra, on="code", how="left")
    properties = properties.astype(object).where(properties.notna(), None)
    geometries = shapely.to_geojson(gdf.geometry.to_numpy())
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": props["code"],
                "properties": props,
                "geometry": json.loads(geometry),
            }
            for props, geometry in zip(properties.to_dict("records"), geometries, strict=True)
        ],
    }


def _require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s): {', '.join(missing)}")
