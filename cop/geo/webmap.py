"""Folium maps of municipalities and measures, built by plain functions (no Streamlit).

Why the map is built this way
    * The choropleth is one ``folium.GeoJson`` with only ``code``, ``name``, ``value``
      and a ready tooltip per feature; geometry was simplified and rounded once
      (:func:`cop.geo.boundaries.simplify_for_web`), so 342 municipalities stay a few hundred KB.
    * Measures are sent as one compact JSON array (``[lat, lon, theme, status, year,
      title, scale, municipality]`` with small lookup tables) and turned into clustered
      circle markers by a JavaScript callback, instead of 20,000 folium ``Marker``
      objects with their own popups: about 70 bytes per measure instead of ~1 KB.
      Popups are built in the browser only when a marker is clicked.
    * Everything a person typed (titles, names, scale text) is HTML-escaped in Python
      before it goes into the page; the JSON is also made safe for a ``<script>``
      element (``<``, ``>``, ``&`` and quotes as ``\\u0022``-style escapes), so a title like
      ``</script><script>alert(1)</script>`` stays text.
    * Only Leaflet (and Leaflet.markercluster when measures are drawn) is loaded: the
      jQuery, Bootstrap and Font Awesome files folium adds by default are not needed.

Colours: :mod:`cop.geo.mapview` (YlGnBu for the choropleth); themes use Okabe–Ito followed
by Paul Tol's "muted" colours. Fourteen categories cannot all be told apart by colour
alone, so the popup and the sidebar filter name the theme.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import folium
import pandas as pd
import shapely.geometry
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.map import ElementAddToElement
from folium.plugins import MarkerCluster
from folium.template import Template
from folium.utilities import JsCode, get_obj_in_upper_tree

from cop.core import i18n, vocab
from cop.data.presentation import municipality_names
from cop.geo import boundaries, mapview
from cop.geo.boundaries import ATTRIBUTION

#: Centre and zoom that show the whole of the Netherlands.
NL_CENTER = (52.2, 5.4)
NL_BOUNDS = [[50.75, 3.36], [53.55, 7.22]]
NL_ZOOM = 7
#: South-west and north-east corners of the country (the map opens fitted to them).
NL_BOUNDS = [[50.75, 3.36], [53.55, 7.22]]
TILES = "OpenStreetMap"

#: One colour per theme, in :data:`cop.core.vocab.THEMES` order.
THEME_COLOURS: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#332288",
    "#117733",
    "#882255",
    "#44AA99",
    "#999933",
    "#AA4499",
    "#DDCC77",
)

#: Where a popup links to: the profile page, relative to the map component's iframe
#: (``<base>/component/<name>/index.html``), so it works under any base URL path.
PROFILE_HREF = "../../profile?gemeente="
#: Where a popup opens the practice itself (issue 13; the page of ``pages/practice.py``).
PRACTICE_HREF = "../../practice?maatregel="

#: Opens a popup's link in the app's own tab, without a reload: the map lives in a
#: same-origin frame, so it puts the link's address in the app's history and tells the app
#: (Streamlit follows ``popstate`` to the page and its query parameters: the session,
#: sign-in and language stay). Where the app's window is out of reach the link opens as
#: an ordinary link in a new tab (sign-in and language then come from the cookie and URL).
OPEN_IN_APP_JS = """
window.copOpenInApp = function (link) {
    try {
        var target = new URL(link.getAttribute("href"), document.baseURI);
        var app = window.parent;
        if (!app || app === window || app.location.origin !== target.origin) { return true; }
        app.history.pushState(null, "", target.pathname + target.search);
        app.dispatchEvent(new PopStateEvent("popstate", {state: null}));
        return false;
    } catch (error) {
        return true;
    }
};
"""


def profile_href_tail(lang: str | None) -> str:
    """What follows the code in a popup's profile link: the UI language (``&lang=en``).

    Written as ``&amp;`` because the popup is HTML; the browser reads it as ``&``.
    """
    return "&amp;lang=" + i18n.normalise_language(lang)


_JINJA_OPENER = re.compile(r"\{(?=[{%#])")

_LEAFLET_ONLY_JS = [js for js in folium.Map.default_js if js[0] == "leaflet"]
_LEAFLET_ONLY_CSS = [css for css in folium.Map.default_css if css[0] == "leaflet_css"]


def escape(text: object) -> str:
    """HTML-escape anything a person typed (``None``/NA become an empty string).

    Braces become character references too: folium (through branca) parses the output
    of every element's script once more as a Jinja template, so a title containing
    ``{{ ... }}`` would otherwise be *executed on the server* when the map is rendered.
    ``&#123;`` displays as ``{`` in the browser and means nothing to Jinja.
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element, an HTML attribute and Jinja.

    ``<``, ``>``, ``&`` and ``'`` become ``\\u003c``-style escapes (no ``</script>`` can end
    the element early); so do the Jinja openers ``{{``, ``{%`` and ``{#``, which never
    occur in JSON's own syntax, only inside strings (see :func:`escape` for why).
    """
    text = (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return _JINJA_OPENER.sub(r"\\u007b", text)


def _base_map(location: tuple[float, float], zoom: int, *, tiles: str | None) -> folium.Map:
    m = folium.Map(location=list(location), zoom_start=zoom, tiles=tiles, control_scale=True)
    # Instance attributes win over folium's class defaults: only Leaflet itself is loaded.
    m.default_js = list(_LEAFLET_ONLY_JS)
    m.default_css = list(_LEAFLET_ONLY_CSS)
    return m


# ---------------------------------------------------------------- measures, compactly


def scale_text(value: object, unit: object, lang: str | None) -> str:
    """``1.278 m²`` style text of a measure's scale; empty when unknown."""
    if value is None or pd.isna(value):
        return ""
    number = i18n.format_number(float(value), 0 if float(value) >= 10 else 1, lang)
    if unit is None or pd.isna(unit):
        return number
    return f"{number} {i18n.label('unit', unit, lang)}"


#: Coordinates travel as integers of 1e-5 degree (about a metre, as the data store them),
#: relative to a reference point per municipality, so most need four or five digits.
COORDINATE_SCALE = 100_000
#: Numbers per measure in the flat ``rows`` array of :func:`measure_payload`.
ROW_STRIDE = 9


def measure_payload(
    measures: pd.DataFrame, municipalities: pd.DataFrame, lang: str | None
) -> dict[str, Any]:
    """The compact data the browser needs for every measure marker and popup.

    Measures without coordinates are left out (they cannot be placed). Every text is
    HTML-escaped here, once. About 30 bytes per measure: small integers in one flat array
    and every text once in a lookup table (titles and scale texts repeat across measures),
    so 20,000 measures stay far below a megabyte.

    Returns
    -------
    dict
        ``rows``: :data:`ROW_STRIDE` integers per measure, one after the other: ``dlat,
        dlon, theme_index, status_index, year, title_index, scale_index,
        municipality_index``, where ``lat = (towns[i][2] + dlat) / scale`` (likewise
        ``lon`` with ``towns[i][3]``) and ``year = year0 + year`` (``year`` 0: unknown);
        ``scale``, ``year0``, ``stride``; ``titles``, ``scales``: escaped texts by index;
        ``themes``, ``colours``, ``statuses``: lookups by index; ``towns``: ``[code,
        name, lat, lon]`` by index (``lat``, ``lon``: the reference point in 1e-5
        degree); ``text``: escaped labels.
    """
    located = measures[measures["lat"].notna() & measures["lon"].notna()]
    theme_index = {code: i for i, code in enumerate(vocab.THEMES)}
    status_index = {code: i for i, code in enumerate(vocab.MEASURE_STATUSES)}
    codes = sorted(located["municipality_code"].dropna().astype(str).unique())
    town_index = {code: i for i, code in enumerate(codes)}
    names = municipality_names(municipalities)
    units = located["scale_unit"] if "scale_unit" in located else pd.Series(pd.NA, located.index)
    # Column-wise (20,000 rows): each distinct text is escaped and formatted once.
    scale_keys = list(zip(located["scale_value"].astype(object), units.astype(object), strict=True))
    scale_codes, scale_keys_unique = pd.factorize(pd.Series(scale_keys, dtype=object), sort=False)
    title_codes, titles = pd.factorize(located["title"].astype(object), sort=False)
    years = located["start_year"].astype("Float64")
    year0 = int(years.min()) - 1 if years.notna().any() else 0
    town = located["municipality_code"].astype(str).map(town_index).astype(int)
    lat = (located["lat"].astype(float) * COORDINATE_SCALE).round().astype(int)
    lon = (located["lon"].astype(float) * COORDINATE_SCALE).round().astype(int)
    reference = pd.DataFrame({"town": town, "lat": lat, "lon": lon}).groupby("town").median()
    reference = reference.round().astype(int)
    columns = [
        (lat - town.map(reference["lat"])).tolist(),
        (lon - town.map(reference["lon"])).tolist(),
        located["theme"].map(theme_index).fillna(0).astype(int).tolist(),
        located["status"].map(status_index).fillna(0).astype(int).tolist(),
        (years - year0).fillna(0).astype(int).tolist(),
        title_codes.tolist(),
        scale_codes.tolist(),
        town.tolist(),
        located["id"].astype(int).tolist(),  # issue 13: the practice page of this measure
    ]
    rows = [value for row in zip(*columns, strict=True) for value in row]
    return {
        "rows": rows,
        "stride": ROW_STRIDE,
        "scale": COORDINATE_SCALE,
        "year0": year0,
        "titles": [escape(title) for title in titles],
        "scales": [escape(scale_text(*key, lang)) for key in scale_keys_unique],
        "themes": [escape(i18n.label("theme", t, lang)) for t in vocab.THEMES],
        "colours": list(THEME_COLOURS),
        "statuses": [escape(i18n.label("status", s, lang)) for s in vocab.MEASURE_STATUSES],
        "towns": [
            [code, escape(names.get(code, code)), *map(int, reference.loc[i, ["lat", "lon"]])]
            for i, code in enumerate(codes)
        ],
        "text": {
            "status": escape(i18n.t("map.popup_status", lang)),
            "year": escape(i18n.t("map.popup_year", lang)),
            "scale": escape(i18n.t("map.popup_scale", lang)),
            "profile": escape(i18n.t("map.popup_profile", lang)),
            "practice": escape(i18n.t("practice.popup_open", lang)),
        },
        "href": PROFILE_HREF,
        "practice_href": PRACTICE_HREF,
        "hrefTail": profile_href_tail(lang),
    }


def measure_payload_json(
    measures: pd.DataFrame, municipalities: pd.DataFrame, lang: str | None
) -> str:
    """:func:`measure_payload` as script-safe JSON (what the page caches and sends)."""
    return script_json(measure_payload(measures, municipalities, lang))


class _RawScript(Element):
    """Script text inserted as it is, never compiled as a template again."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "RawScript"
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_script_raw(element: MacroElement, kwargs: dict[str, Any]) -> None:
    """Render ``element``'s script macro once and add the text as it is.

    branca's ``MacroElement.render`` wraps the macro's output in a new ``Element``, which
    compiles that output as a Jinja template: for a 1.5 MB payload that is slow (about
    0.1 s per render) and it would evaluate any ``{{ }}`` in the data. The links to the
    element's JavaScript and CSS are added as ``JSCSSMixin.render`` does.
    """
    figure = element.get_root()
    for name, url in getattr(element, "default_js", []):
        figure.header.add_child(JavascriptLink(url), name=name)
    for name, url in getattr(element, "default_css", []):
        figure.header.add_child(CssLink(url), name=name)
    script = element._template.module.__dict__["script"]
    figure.script.add_child(_RawScript(script(element, kwargs)), name=element.get_name())


class ChoroplethLayer(folium.GeoJson):
    """``folium.GeoJson`` whose script is rendered once and inserted raw.

    Same output as ``folium.GeoJson`` with ``embed=True`` and no Python style or
    highlight function (styles are in the features); skips branca's second template
    pass over ~250 KB of GeoJSON on every render (see :func:`_render_script_raw`).
    """

    def render(self, **kwargs: Any) -> None:
        self.parent_map = get_obj_in_upper_tree(self, folium.Map)
        if self.show:
            self.add_child(
                ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=self._parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        _render_script_raw(self, kwargs)
        for child in self._children.values():
            child.render(**kwargs)


_MEASURE_CALLBACK = """
function (P, row) {
    var town = P.towns[row[7]];
    var marker = L.circleMarker([(town[2] + row[0]) / P.scale, (town[3] + row[1]) / P.scale], {
        radius: 6, weight: 1, color: "#333333", fillColor: P.colours[row[2]], fillOpacity: 0.9
    });
    marker.bindPopup(function () {
        var parts = ["<b>" + P.titles[row[5]] + "</b>", P.themes[row[2]],
                     P.text.status + ": " + P.statuses[row[3]]];
        if (row[4]) { parts.push(P.text.year + ": " + (row[4] + P.year0)); }
        if (P.scales[row[6]]) { parts.push(P.text.scale + ": " + P.scales[row[6]]); }
        parts.push('<a href="' + P.practice_href + row[8] + P.hrefTail + '" target="_blank"'
                   + ' rel="noopener noreferrer" onclick="return window.copOpenInApp(this)">'
                   + P.text.practice + "</a>");
        parts.push('<a href="' + P.href + town[0] + P.hrefTail + '" target="_blank"'
                   + ' rel="noopener noreferrer" onclick="return window.copOpenInApp(this)">'
                   + P.text.profile + " " + town[1] + "</a>");
        return parts.join("<br>");
    });
    return marker;
}
"""


class MeasureCluster(MarkerCluster):
    """Clustered measure markers from one compact, pre-serialised JSON payload.

    Like ``folium.plugins.FastMarkerCluster``, but the payload is a ready string (built
    and cached once per filter choice), so rendering does no per-row Python work, and
    the callback reads lookup tables instead of repeating labels per row.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function(){
                {{ this.open_in_app }}
                var P = {{ this.payload_json }};
                var build = {{ this.callback }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                var parent = {{ this._parent.get_name() }};
                // After the polygons are drawn: 20,000 markers take a moment to make.
                setTimeout(function () {
                    var markers = [];
                    for (var i = 0; i < P.rows.length; i += P.stride) {
                        markers.push(build(P, P.rows.slice(i, i + P.stride)));
                    }
                    cluster.addLayers(markers);
                    cluster.addTo(parent);
                }, 0);
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(self, payload_json: str, name: str | None = None, **options: Any) -> None:
        super().__init__(name=name, chunkedLoading=True, **options)
        self._name = "MeasureCluster"
        self.payload_json = payload_json
        self.callback = _MEASURE_CALLBACK.strip()
        self.open_in_app = OPEN_IN_APP_JS.strip()

    def render(self, **kwargs: Any) -> None:
        _render_script_raw(self, kwargs)


# ---------------------------------------------------------------- legend


#: A map narrower than this (CSS pixels: a phone held upright) starts with its legends folded.
NARROW_MAP_PX = 600


class Legend(MacroElement):
    """A legend box (Leaflet control) and the data credit in the attribution line.

    Added to the map, or to a feature group (``map_element`` then names the map): a
    control cannot be a layer of the group, so it is put on the map and taken off again
    when the group is (``st_folium`` replaces the group on every change of the view).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function(){
                var map = {{ (this.map_element or this._parent).get_name() }};
                {%- if this.attribution_json %}
                map.attributionControl.addAttribution({{ this.attribution_json }});
                {%- endif %}
                // On a narrow map all legends share one corner, stacked, not overlapping.
                var narrow = map.getSize().x < {{ this.narrow_px }};
                var legend = L.control({position: narrow ? "bottomright" : {{ this.position_json }}});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "cop-legend");
                    div.setAttribute("role", "group");
                    div.setAttribute("aria-label", {{ this.title_json }});
                    div.style.cssText = "background:rgba(255,255,255,0.92);padding:6px 8px;"
                        + "font:12px/1.4 sans-serif;border-radius:4px;"
                        + "box-shadow:0 1px 4px rgba(0,0,0,0.3);";
                    div.innerHTML = {{ this.html_json }};
                    // A phone-sized map starts with the legend folded: open it covered
                    // a third of the map (issue 14); its heading unfolds it.
                    var fold = div.querySelector("details");
                    if (fold && narrow) { fold.open = false; }
                    div.style.maxHeight = Math.round(map.getSize().y * 0.45) + "px";
                    div.style.overflowY = "auto";
                    L.DomEvent.disableClickPropagation(div);
                    return div;
                };
                legend.addTo(map);
                {%- if this.map_element %}
                {{ this._parent.get_name() }}.on("remove", function () { legend.remove(); });
                {%- endif %}
            })();
        {% endmacro %}"""
    )

    def __init__(
        self,
        title: str,
        items: list[tuple[str, str]],
        attribution: str | None = None,
        *,
        position: str = "bottomright",
        collapsed: bool = False,
        map_element: folium.Map | None = None,
    ) -> None:
        super().__init__()
        self._name = "Legend"
        self.map_element = map_element
        self.position_json = script_json(position)
        rows = "".join(
            f'<div><span style="display:inline-block;width:14px;height:10px;'
            f'background:{escape(colour)};border:1px solid #777;margin-right:5px"></span>'
            f"{escape(label)}</div>"
            for colour, label in items
        )
        heading = f"<b>{escape(title)}</b>"
        # Always foldable (a <details>, a button to screen readers and keyboards); open
        # unless ``collapsed``, and folded on a map narrower than NARROW_MAP_PX.
        body = (
            f"<details{'' if collapsed else ' open'}>"
            f'<summary style="cursor:pointer">{heading}</summary>{rows}</details>'
        )
        self.narrow_px = NARROW_MAP_PX
        self.html_json = script_json(body)
        self.title_json = script_json(title)
        self.attribution_json = script_json(escape(attribution)) if attribution else ""

    def render(self, **kwargs: Any) -> None:
        _render_script_raw(self, kwargs)


# ---------------------------------------------------------------- the national map


def choropleth_features(
    boundaries_geojson: dict[str, Any],
    metric_frame: pd.DataFrame,
    fills: list[str],
    *,
    value_label: str,
    lang: str | None,
    decimals: int,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Features with only ``code``, ``value`` and an escaped ``tip``; and fills by code.

    ``boundaries_geojson`` comes from :func:`cop.geo.boundaries.boundaries_geojson` (``code`` and
    ``name`` per feature) and is not modified: a new FeatureCollection is returned. The
    name travels only inside the escaped tooltip, which keeps every text a person or a
    boundary file supplied out of the JSON as raw text.
    """
    by_code = metric_frame.set_index("code")
    fill_by_code = dict(zip(metric_frame["code"].astype(str), fills, strict=True))
    not_partner = escape(i18n.t("map.not_partner", lang))
    no_value = escape(i18n.t("map.no_value", lang))
    features = []
    for feature in boundaries_geojson["features"]:
        props = feature["properties"]
        code = str(props["code"])
        row = by_code.loc[code] if code in by_code.index else None
        value = None if row is None or pd.isna(row["value"]) else round(float(row["value"]), 2)
        partner = bool(row["is_partner"]) if row is not None else False
        if not partner:
            detail = not_partner
        elif value is None:
            detail = no_value
        else:
            detail = f"{escape(value_label)}: {i18n.format_number(value, decimals, lang)}"
        name = props.get("name") if row is None else row["name"]
        tip = f"<b>{escape(name)}</b><br>{detail}"
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "value": value, "tip": tip},
                "geometry": feature["geometry"],
            }
        )
        fill_by_code.setdefault(code, mapview.NON_PARTNER_COLOUR)
    return {"type": "FeatureCollection", "features": features}, fill_by_code


_HIGHLIGHT_JS = """
function (feature, layer) {
    layer.on({
        mouseover: function (e) { e.target.setStyle({weight: 2.5, color: "#000000"}); },
        mouseout: function (e) { e.target.setStyle(feature.properties.style); }
    });
}
"""


class _Expose(MacroElement):
    """Name the base map's choropleth for the view's script (``window.copChoropleth``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            window.copChoropleth = {{ this.layer.get_name() }};
        {% endmacro %}"""
    )

    def __init__(self, layer: folium.GeoJson) -> None:
        super().__init__()
        self._name = "Expose"
        self.layer = layer


class _Attribution(MacroElement):
    """The data credit in the map's attribution line."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_json }});
        {% endmacro %}"""
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text_json = script_json(escape(text))

    def render(self, **kwargs: Any) -> None:
        _render_script_raw(self, kwargs)


class Restyle(MacroElement):
    """Colour and tooltip of every municipality of the base map, for one view.

    The base map (:func:`base_map`) holds the polygons once; a change of metric or filter
    only replaces the view's feature group (:func:`view_layer`), whose script restyles the
    polygons it finds in ``window.copChoropleth``: the map is not rebuilt, keeps its zoom,
    and ``st_folium`` keeps the same component.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function(){
                var P = {{ this.payload_json }};
                var layer = window.copChoropleth;
                if (!layer) { return; }
                layer.eachLayer(function (l) {
                    var code = l.feature.properties.code;
                    var style = Object.assign({}, P.base, {fillColor: P.fills[code] || P.other});
                    l.feature.properties.style = style;
                    l.feature.properties.tip = P.tips[code] || "";
                    l.setStyle(style);
                });
            })();
        {% endmacro %}"""
    )

    def __init__(
        self, fills: dict[str, str], tips: dict[str, str], base: dict[str, object]
    ) -> None:
        super().__init__()
        self._name = "Restyle"
        self.payload_json = script_json(
            {"fills": fills, "tips": tips, "base": base, "other": mapview.NON_PARTNER_COLOUR}
        )

    def render(self, **kwargs: Any) -> None:
        _render_script_raw(self, kwargs)


def _base_style(points: bool) -> dict[str, object]:
    # ``fill`` explicitly: folium's CircleMarker defaults to ``fill: false``, which drew
    # every municipality of the point view as a hollow ring whatever its legend colour.
    return {
        "fill": True,
        "color": "#555555",
        "weight": 1 if points else 0.6,
        "fillOpacity": 0.9 if points else 0.75,
    }


def base_map(
    shapes: dict[str, Any], *, points: bool, lang: str | None, tiles: str | None = TILES
) -> folium.Map:
    """The part of the national map that never changes: tiles, municipalities, credit.

    ``shapes`` is :func:`cop.geo.boundaries.boundaries_geojson` (or :func:`points_geojson`):
    each feature keeps only its geometry and ``code`` (and an empty tooltip and a neutral
    style, filled in by the view's :class:`Restyle`). The same boundaries always give the
    same script, so ``st_folium`` keeps the component when the view changes.
    """
    m = _base_map(NL_CENTER, NL_ZOOM, tiles=tiles)
    _fit(m, NL_BOUNDS)  # fill the frame with the country, whatever its size
    style = {**_base_style(points), "fillColor": mapview.NO_VALUE_COLOUR}
    features = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": str(f["properties"]["code"]),
                "properties": {"code": str(f["properties"]["code"]), "tip": "", "style": style},
                "geometry": f["geometry"],
            }
            for f in shapes["features"]
        ],
    }
    # Styles travel in the features and are applied in the browser (folium then sets
    # ``feature.properties.style``): a Python style_function would make folium build a
    # style map with one JSON dump per feature on every render.
    layer = ChoroplethLayer(
        features,
        name=i18n.t("map.layer_municipalities", lang),
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=False),
        marker=folium.CircleMarker(radius=7, fill=True) if points else None,
        zoom_on_click=False,
        on_each_feature=JsCode(_HIGHLIGHT_JS),
    )
    layer.add_to(m)
    _Expose(layer).add_to(m)
    _Attribution(ATTRIBUTION).add_to(m)
    return m


def view_layer(
    m: folium.Map,
    features: dict[str, Any],
    fill_by_code: dict[str, str],
    *,
    legend_title: str,
    legend_items: list[tuple[str, str]],
    measures_json: str | None,
    points: bool,
    lang: str | None,
) -> folium.FeatureGroup:
    """What one view of the national map adds to :func:`base_map` ``m``, as a feature group.

    Colours and tooltips of the municipalities (:class:`Restyle`), the clustered measures
    and the legends. The page passes it to ``st_folium(feature_group_to_add=...)``, which
    replaces it in the browser without rebuilding the map.

    Parameters
    ----------
    features
        From :func:`choropleth_features` (their ``tip`` per code is used).
    fill_by_code
        Fill colour per municipality code.
    legend_title, legend_items
        Legend heading and ``(colour, label)`` rows (plain text; escaped here).
    measures_json
        From :func:`measure_payload_json`; ``None`` draws no measures.
    points
        True when boundaries were unavailable and the municipalities are points.
    lang
        Language of the few texts made here.
    """
    group = folium.FeatureGroup(name=i18n.t("map.layer_view", lang), control=False)
    tips = {str(f["id"]): f["properties"]["tip"] for f in features["features"]}
    Restyle(dict(fill_by_code), tips, _base_style(points)).add_to(group)
    if measures_json is not None:
        MeasureCluster(measures_json, name=i18n.t("map.layer_measures", lang)).add_to(group)
        Legend(
            i18n.t("map.legend_themes", lang),
            theme_items(vocab.THEMES, lang),
            position="bottomleft",
            collapsed=True,
            map_element=m,
        ).add_to(group)
    Legend(legend_title, legend_items, map_element=m).add_to(group)
    return group


def build_map(
    features: dict[str, Any],
    fill_by_code: dict[str, str],
    *,
    legend_title: str,
    legend_items: list[tuple[str, str]],
    measures_json: str | None,
    points: bool,
    lang: str | None,
    tiles: str | None = TILES,
) -> folium.Map:
    """The whole national map in one folium object: :func:`base_map` with its
    :func:`view_layer` added (a static HTML file, tests). Arguments as those two take.
    """
    m = base_map(features, points=points, lang=lang, tiles=tiles)
    view_layer(
        m,
        features,
        fill_by_code,
        legend_title=legend_title,
        legend_items=legend_items,
        measures_json=measures_json,
        points=points,
        lang=lang,
    ).add_to(m)
    return m


def _fit(m: folium.Map, bounds: list[list[float]]) -> None:
    """Fit the map to ``bounds`` at once, before any layer is added.

    Without animation and never again after the measures: a view that moves while
    Leaflet.markercluster is still adding 20,000 markers in chunks throws in the cluster's
    ``moveend`` handler; at national scale that stopped the rest of the map script (no
    click on a municipality opened its profile).
    """
    fit = folium.FitBounds(bounds)
    fit.options["animate"] = False
    m.add_child(fit)


def theme_items(themes: list[str] | tuple[str, ...], lang: str | None) -> list[tuple[str, str]]:
    """Legend rows for the marker colours of ``themes``."""
    colour = dict(zip(vocab.THEMES, THEME_COLOURS, strict=True))
    return [(colour[t], i18n.label("theme", t, lang)) for t in vocab.THEMES if t in set(themes)]


def legend_items(
    classes: mapview.Classes, lang: str | None, decimals: int
) -> list[tuple[str, str]]:
    """Legend rows: one per class, then the two neutral greys."""
    items = list(zip(classes.colours, classes.labels(lang, decimals), strict=True))
    items.append((mapview.NO_VALUE_COLOUR, i18n.t("map.no_value", lang)))
    items.append((mapview.NON_PARTNER_COLOUR, i18n.t("map.not_partner", lang)))
    return items


# ---------------------------------------------------------------- the profile's small map


def profile_map(
    measures: pd.DataFrame,
    outline: dict[str, Any] | None,
    center: tuple[float, float],
    municipalities: pd.DataFrame,
    *,
    lang: str | None,
    tiles: str | None = TILES,
) -> folium.Map:
    """A small map of one municipality: its outline (when known) and its measures."""
    m = _base_map(center, 11, tiles=tiles)
    if outline is not None and outline.get("bbox"):
        west, south, east, north = outline["bbox"]
        _fit(m, [[south, west], [north, east]])
    if outline is not None:
        style = {"fillOpacity": 0.05, "color": "#2c7fb8", "weight": 2}
        ChoroplethLayer(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"style": style},
                        "geometry": f["geometry"],
                    }
                    for f in outline["features"]
                ],
            }
        ).add_to(m)
    if measures["lat"].notna().any():
        MeasureCluster(measure_payload_json(measures, municipalities, lang)).add_to(m)
    items = theme_items(tuple(measures["theme"].dropna().unique()), lang)
    Legend(i18n.t("map.legend_themes", lang), items, ATTRIBUTION).add_to(m)
    return m


# ---------------------------------------------------------------- cached building blocks


def filtered_measure_payload_json(
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    maturity: pd.DataFrame,
    *,
    chosen: dict[str, Any],
    lang: str,
) -> str:
    """Filter the measures (``chosen``: :meth:`MeasureFilter.as_params`) and encode them.

    A function of whole tables and JSON parameters, so pages cache it per data version
    with ``ui.compute``: the 20,000-row encoding runs once per filter choice.
    """
    result = mapview.filter_measures(
        measures, municipalities, maturity, mapview.MeasureFilter.from_params(chosen)
    )
    return measure_payload_json(result.measures, municipalities, lang)


def points_geojson(municipalities: pd.DataFrame) -> dict[str, Any]:
    """Municipalities as points (their label point), for a map without boundaries."""
    return boundaries.boundaries_geojson(boundaries.points_fallback(municipalities))


def outline(boundaries_geojson: dict[str, Any] | None, code: str) -> dict[str, Any] | None:
    """One municipality's feature as a FeatureCollection with its ``bbox``; ``None`` if absent."""
    if not boundaries_geojson:
        return None
    for feature in boundaries_geojson["features"]:
        if feature["properties"].get("code") == code:
            bounds = shapely.geometry.shape(feature["geometry"]).bounds
            if feature["geometry"]["type"] == "Point":
                return None
            return {"type": "FeatureCollection", "features": [feature], "bbox": list(bounds)}
    return None


# ---------------------------------------------------------------- picking a place (issue 13)


def place_picker_map(
    outline: dict[str, Any] | None,
    center: tuple[float, float],
    point: tuple[float, float] | None,
    *,
    tiles: str | None = TILES,
) -> folium.Map:
    """A map of one municipality to click a practice's place on: its outline and the point.

    The page reads the click from ``st_folium(..., returned_objects=["last_clicked"])``
    (:func:`cop.community.location.clicked_point`). The outline does not catch clicks
    (``interactive: false``), so a click anywhere, inside or outside, gives its position
    and the check says whether it lies in the municipality.
    """
    m = _base_map(point or center, 12, tiles=tiles)
    if outline is not None:
        style = {"fillOpacity": 0.05, "color": "#2c7fb8", "weight": 2}
        layer = ChoroplethLayer(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"style": style}, "geometry": f["geometry"]}
                    for f in outline["features"]
                ],
            },
            interactive=False,
        )
        layer.add_to(m)
        if point is None and outline.get("bbox"):
            west, south, east, north = outline["bbox"]
            m.fit_bounds([[south, west], [north, east]])
    if point is not None:
        folium.CircleMarker(
            list(point), radius=8, color="#D55E00", fill=True, fill_opacity=0.9, weight=2
        ).add_to(m)
    return m
