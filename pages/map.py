"""Map: municipalities coloured by a chosen metric, measures as clustered points."""

import streamlit as st
from streamlit_folium import st_folium

from cop.geo import mapstate, mapview, trendmap
from cop.monitoring import indicators
from cop import ui, ui_session
from cop.core import vocab
from cop.geo import webmap

GOTO_KEY = "map_goto"  # municipality code clicked on the map, waiting to be opened
VIEW_KEY = "map_view"  # what st_folium returned last (set by its on_change)
RESTORE_KEY = "map_restore_view"  # (lat, lon, zoom) to show until the map reports its own
SHOWN_VIEW_KEY = "map_shown_view"  # (lat, lon, zoom) the map showed last
CLICKED_KEY = "map_last_drawing"  # the municipality the map reported as clicked last

goto = st.session_state.pop(GOTO_KEY, None)
if goto:  # a municipality was clicked (see _remember_click): open its profile
    ui.open_profile(goto)

ui.page_title("map.title", "map.intro")
municipalities = ui.table("municipalities")
measures = ui.table("measures")
maturity = ui.table("maturity")
known_codes = set(municipalities["code"])
bounds = mapview.year_bounds(measures)

# Filters, colouring, zoom and centre survive reruns, a visit to another page and a reload,
# and travel in the URL (cop.geo.mapstate).
fields = mapstate.map_fields(bounds)
if ui_session.restore_widgets(
    "map",
    {field.key: field.default for field in fields},
    mapstate.decode(st.query_params, fields),
    anchor="map_metric",
):
    st.session_state.pop(VIEW_KEY, None)  # the last visit's answer is not this map's
    st.session_state.pop(CLICKED_KEY, None)
    st.session_state[RESTORE_KEY] = mapstate.decode_view(
        st.query_params.get(mapstate.VIEW_PARAM)
    ) or st.session_state.get(SHOWN_VIEW_KEY)

with st.sidebar:
    st.subheader(ui.tr("map.filters"))
    themes = st.multiselect(
        ui.tr("map.themes"),
        vocab.THEMES,
        key="map_themes",
        format_func=ui.vocab_label("theme"),
        **ui.empty_prompt(),
    )
    statuses = st.multiselect(
        ui.tr("map.statuses"),
        vocab.MEASURE_STATUSES,
        key="map_statuses",
        format_func=ui.vocab_label("status"),
        **ui.empty_prompt(),
    )
    provinces = st.multiselect(
        ui.tr("map.provinces"), vocab.PROVINCES, key="map_provinces", **ui.empty_prompt()
    )
    levels = st.multiselect(
        ui.tr("map.maturity_levels"),
        list(vocab.LEVELS),
        key="map_levels",
        format_func=ui.vocab_label("level", numbered=True),
        help=ui.tr("map.maturity_levels_help"),
        **ui.empty_prompt(),
    )
    years = None
    if bounds and bounds[0] < bounds[1]:
        picked = st.slider(
            ui.tr("map.years"),
            *bounds,
            key=mapstate.years_field(bounds).key,  # another data range: a new widget
            help=ui.tr("map.years_help"),
        )
        years = None if tuple(picked) == bounds else tuple(picked)
    partners_only = st.toggle(ui.tr("map.partners_only"), key="map_partners_only")
    show_measures = st.toggle(ui.tr("map.show_measures"), key="map_show_measures")

left, middle, right = st.columns([2, 2, 2])
metric = left.selectbox(
    ui.tr("map.metric"),
    [*mapview.METRICS, trendmap.MAP_METRIC],  # issue 5: trend class of a species group
    key="map_metric",
    format_func=ui.option_label(
        "map.metric_{}", others={trendmap.MAP_METRIC: "monitoring.map_metric"}
    ),
)
dimension = theme = None
if metric == "maturity_dimension":
    dimension = middle.selectbox(
        ui.tr("map.dimension"),
        vocab.DIMENSIONS,
        key="map_dimension",
        format_func=ui.vocab_label("dimension"),
    )
elif metric in ("measures", "measures_per_10k"):
    theme = middle.selectbox(
        ui.tr("map.metric_theme"),
        [None, *vocab.THEMES],
        key="map_metric_theme",
        format_func=ui.vocab_label("theme", others={None: "map.all_themes"}),
    )
elif metric == trendmap.MAP_METRIC:
    trend_group = middle.selectbox(
        ui.tr("monitoring.species_group"),
        vocab.SPECIES_GROUPS,
        key="map_trend_group",
        format_func=ui.vocab_label("group"),
    )
    trend_period = right.radio(
        ui.tr("monitoring.map_period"),
        trendmap.PERIODS,
        key="map_trend_period",
        format_func=ui.option_label("monitoring.period_{}"),
        help=ui.tr("monitoring.map_period_help"),
        horizontal=True,
    )

chosen = mapview.MeasureFilter(
    tuple(themes), tuple(statuses), tuple(provinces), tuple(levels), years, partners_only
)
view = mapview.map_view(
    measures,
    municipalities,
    maturity,
    chosen,
    "measures" if metric == trendmap.MAP_METRIC else metric,
    dimension=dimension,
    theme=theme,
    lang=ui.lang(),
)
if metric == trendmap.MAP_METRIC:  # same filters, coloured by the group's trend class
    with st.spinner(ui.tr("map.computing_trends")):  # first time after a data change only
        trends = ui.compute(indicators.trend_classes_by_municipality, "monitoring")
    view = trendmap.trend_map_view(
        view, trends, municipalities, trend_group, ui.lang(), trend_period
    )
shown = view.filtered
st.caption(
    ui.tr(
        "map.shown",
        measures=ui.num(shown.n_measures),
        total_measures=ui.num(shown.total_measures),
        with_measures=ui.num(shown.n_with_measures),
        municipalities=ui.num(shown.n_municipalities),
        total_municipalities=ui.num(shown.total_municipalities),
    )
)

web = ui.web_boundaries()
if web["source"] == ui_session.BOUNDARY_PENDING:  # still loading in the background: points for now
    ui_session.boundaries_pending_notice()
    shapes = ui.compute(webmap.points_geojson, "municipalities")
elif web["geojson"] is None:
    st.info(ui.tr(web["message_key"] or "geo.boundaries_unavailable"), icon=":material/wifi_off:")
    shapes = ui.compute(webmap.points_geojson, "municipalities")
else:
    shapes = web["geojson"]
    missing = sorted(known_codes - set(web["codes"]))
    if missing:
        st.warning(
            ui.tr(
                "map.missing_boundaries",
                count=len(missing),
                year=web["year"],
                codes=ui.md(", ".join(missing[:20]) + (" …" if len(missing) > 20 else "")),
            )
        )

features, fills = webmap.choropleth_features(
    shapes,
    view.metric,
    view.fills,
    value_label=view.legend_title,
    lang=ui.lang(),
    decimals=view.decimals,
)
payload = None
if show_measures:
    with st.spinner(ui.tr("session.measures_preparing")):  # once per filter choice
        payload = ui.compute(
            webmap.filtered_measure_payload_json,
            "measures",
            "municipalities",
            "maturity",
            chosen=chosen.as_params(),
            lang=ui.lang(),
        )

# The polygons are the base map, the same on every run; what a choice changes (colours,
# tooltips, measures, legends) is a feature group st_folium swaps in the browser, so the
# map is not rebuilt and keeps its zoom.
points = web["geojson"] is None
m = webmap.base_map(shapes, points=points, lang=ui.lang())
view_group = webmap.view_layer(
    m,
    features,
    fills,
    legend_title=view.legend_title,
    legend_items=webmap.legend_items(view.classes, ui.lang(), view.legend_decimals),
    measures_json=payload,
    points=points,
    lang=ui.lang(),
)


def _remember_click() -> None:
    returned = st.session_state.get(VIEW_KEY) or {}
    drawing = returned.get("last_active_drawing")
    if drawing == st.session_state.get(CLICKED_KEY):
        return  # the map moved; nothing was clicked
    st.session_state[CLICKED_KEY] = drawing
    code = mapview.clicked_code(returned, known_codes)
    if code:
        st.session_state[GOTO_KEY] = code


shown_view = mapstate.view_from_map(st.session_state.get(VIEW_KEY))
if shown_view is not None:  # the map reported its view: nothing left to restore
    st.session_state.pop(RESTORE_KEY, None)
    st.session_state[SHOWN_VIEW_KEY] = shown_view
restore = st.session_state.get(RESTORE_KEY)
kept = ui_session.remember_widgets("map", [field.key for field in fields])
ui.keep_in_url(
    {
        ui.PROFILE_PARAM: None,  # a profile's parameter left by the way back
        **mapstate.encode(kept, fields),
        mapstate.VIEW_PARAM: mapstate.encode_view(restore or st.session_state.get(SHOWN_VIEW_KEY)),
    }
)
ui_session.map_load_watch("national")
st_folium(
    m,
    key=VIEW_KEY,
    height=640,
    use_container_width=True,
    returned_objects=["last_active_drawing", "center", "zoom"],
    feature_group_to_add=view_group,
    on_change=_remember_click,
    center=restore[:2] if restore else None,
    zoom=restore[2] if restore else None,
)
st.caption(ui.tr("map.click_hint") + " " + ui.tr("map.credit", year=web["year"]))
ui.map_as_table(view.metric, view.legend_title, decimals=view.decimals)
