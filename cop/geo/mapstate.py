"""What the map page shows, as URL query parameters: filters, colouring, zoom and centre.

Why in the URL
    A person who set up a view (bees in Utrecht and Gelderland, zoomed to the Veluwe) can
    reload, come back from a municipality's profile with the browser's back button or send
    the link to a colleague and see the same map. The page also remembers the last view in
    the session for a return through the menu (whose links carry no parameters).

Only known values are read back: a parameter with an unknown code, a year outside the
data or a zoom outside the map's range is ignored (the default stands), so a hand-edited
or old link never breaks the page. Defaults are left out of the URL, which keeps links
short.

Examples
--------
>>> fields = map_fields((2015, 2024))
>>> encode({"map_themes": ["depaving"], "map_years_2015_2024": (2018, 2024)}, fields)["thema"]
'depaving'
>>> decode({"jaren": "2018-2024", "thema": "depaving,nonsense"}, fields)
{'map_themes': ['depaving'], 'map_years_2015_2024': (2018, 2024)}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from cop.core import vocab
from cop.geo import mapview, trendmap

VIEW_PARAM = "kaart"  # "lat,lon,zoom" of the map's centre and zoom
MIN_ZOOM, MAX_ZOOM = 5, 19
#: Decimals of the centre in the URL: 5 is about a metre.
VIEW_DECIMALS = 5


@dataclass(frozen=True)
class Field:
    """One widget of the map page and its query parameter.

    ``kind``: ``list`` (several codes, comma-separated), ``choice`` (one of ``options``),
    ``bool`` (``1``/``0``) or ``range`` (``from-to`` years within ``options``' two bounds).
    """

    key: str
    param: str
    kind: str
    options: tuple[object, ...]
    default: object


def map_fields(year_bounds: tuple[int, int] | None) -> list[Field]:
    """The map page's widgets (their session keys) and parameters, for the data's years."""
    fields = [
        Field("map_themes", "thema", "list", tuple(vocab.THEMES), []),
        Field("map_statuses", "status", "list", tuple(vocab.MEASURE_STATUSES), []),
        Field("map_provinces", "provincie", "list", tuple(vocab.PROVINCES), []),
        Field("map_levels", "niveau", "list", tuple(vocab.LEVELS), []),
        Field("map_partners_only", "partners", "bool", (), False),
        Field("map_show_measures", "maatregelen", "bool", (), True),
        Field(
            "map_metric",
            "kleur",
            "choice",
            (*mapview.METRICS, trendmap.MAP_METRIC),
            mapview.METRICS[0],
        ),
        Field("map_dimension", "dimensie", "choice", tuple(vocab.DIMENSIONS), vocab.DIMENSIONS[0]),
        Field("map_metric_theme", "kleurthema", "choice", (None, *vocab.THEMES), None),
        Field(
            "map_trend_group",
            "soortgroep",
            "choice",
            tuple(vocab.SPECIES_GROUPS),
            vocab.SPECIES_GROUPS[0],
        ),
        Field(
            "map_trend_period", "periode", "choice", tuple(trendmap.PERIODS), trendmap.PERIODS[0]
        ),
    ]
    if year_bounds and year_bounds[0] < year_bounds[1]:
        fields.append(years_field(year_bounds))
    return fields


def years_field(year_bounds: tuple[int, int]) -> Field:
    """The year slider; its key names the data's range (another range: a new widget)."""
    low, high = year_bounds
    return Field(f"map_years_{low}_{high}", "jaren", "range", (low, high), (low, high))


def _text(value: object) -> str:
    return str(value)


def _parse_option(text: str, options: tuple[object, ...]) -> object:
    """The option whose text is ``text`` (options may be ints: maturity levels)."""
    for option in options:
        if option is not None and _text(option) == text:
            return option
    raise KeyError(text)


def decode(params: Mapping[str, str], fields: list[Field]) -> dict[str, object]:
    """Widget values from query parameters; unknown or invalid values are left out."""
    values: dict[str, object] = {}
    for field in fields:
        text = params.get(field.param)
        if text is None:
            continue
        text = str(text).strip()
        if field.kind == "list":
            chosen = []
            for part in text.split(","):
                try:
                    option = _parse_option(part.strip(), field.options)
                except KeyError:
                    continue
                if option not in chosen:
                    chosen.append(option)
            # in the order of the options, as the widget lists them
            values[field.key] = [o for o in field.options if o in chosen]
        elif field.kind == "choice":
            try:
                values[field.key] = _parse_option(text, field.options)
            except KeyError:
                continue
        elif field.kind == "bool" and text in ("0", "1"):
            values[field.key] = text == "1"
        elif field.kind == "range":
            years = _parse_range(text, field.options)
            if years is not None:
                values[field.key] = years
    return values


def _parse_range(text: str, bounds: tuple[object, ...]) -> tuple[int, int] | None:
    low, high = (int(b) for b in bounds)  # type: ignore[call-overload]
    parts = text.split("-")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        return None
    start, end = int(parts[0]), int(parts[1])
    if not low <= start <= end <= high:
        return None
    return start, end


def encode(values: Mapping[str, object], fields: list[Field]) -> dict[str, str | None]:
    """Query parameters of widget values; ``None`` for a default (the parameter goes)."""
    params: dict[str, str | None] = {}
    for field in fields:
        value = values.get(field.key, field.default)
        if field.kind == "list":
            chosen = list(value or [])  # type: ignore[call-overload]
            text = ",".join(_text(o) for o in field.options if o in chosen)
            params[field.param] = text or None
        elif field.kind == "choice":
            params[field.param] = None if value == field.default or value is None else _text(value)
        elif field.kind == "bool":
            params[field.param] = None if bool(value) == field.default else ("1" if value else "0")
        elif field.kind == "range":
            start, end = (int(v) for v in value)  # type: ignore[union-attr]
            params[field.param] = None if (start, end) == tuple(field.default) else f"{start}-{end}"  # type: ignore[arg-type]
    return params


def decode_view(text: str | None) -> tuple[float, float, int] | None:
    """``(lat, lon, zoom)`` of ``"52.1,5.3,9"`` when it lies over the Netherlands, else ``None``."""
    if not text:
        return None
    parts = str(text).split(",")
    if len(parts) != 3:
        return None
    try:
        lat, lon, zoom = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (49.0 <= lat <= 55.5 and 1.0 <= lon <= 9.5 and MIN_ZOOM <= zoom <= MAX_ZOOM):
        return None
    return round(lat, VIEW_DECIMALS), round(lon, VIEW_DECIMALS), zoom


def view_from_map(returned: Mapping[str, object] | None) -> tuple[float, float, int] | None:
    """``(lat, lon, zoom)`` from what ``st_folium`` returned (``center``, ``zoom``), rounded."""
    if not returned:
        return None
    center, zoom = returned.get("center"), returned.get("zoom")
    if not isinstance(center, Mapping) or zoom is None:
        return None
    try:
        text = f"{float(center['lat'])},{float(center['lng'])},{int(zoom)}"  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return None
    return decode_view(text)


def encode_view(view: tuple[float, float, int] | None) -> str | None:
    """The ``kaart`` parameter of a view (see :func:`decode_view`)."""
    if view is None:
        return None
    lat, lon, zoom = view
    return f"{lat:.{VIEW_DECIMALS}f},{lon:.{VIEW_DECIMALS}f},{int(zoom)}"
