"""Unit tests of the map's pure functions: metrics, classes, filters, escaping, selection.

Every expected value below was worked out by hand from the tiny tables in this file.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cop.core import vocab
from cop.geo import mapview, webmap
from cop.maturity import model as maturity_model
from cop.peers import profile

DIMS = vocab.DIMENSIONS


def _towns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["GM0001", "GM0002", "GM0003", "GM0004"],
            "name": ["Aadorp", "Beekdal", "Cleeve", "'s-Dorp {{ 'pw' ~ 'ned' }}"],
            "province": ["Utrecht", "Utrecht", "Zeeland", "Zeeland"],
            "population": [10_000, 40_000, 45_000, 300_000],
            "area_km2": [10.0, 20.0, 30.0, 40.0],
            "urbanity": [4, 2, 2, 1],
            "is_partner": [True, True, True, False],
            "joined_year": [2021, 2022, None, None],
            "lat": [52.0, 52.1, 51.5, 51.6],
            "lon": [5.0, 5.1, 3.9, 4.0],
        }
    ).astype({"joined_year": "Int64"})


def _measures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "municipality_code": ["GM0001", "GM0001", "GM0002", "GM0003", "GM0004"],
            "title": [
                "<script>alert(1)</script>",
                "\"quotes' & ampersands",
                "{{ 'pw' ~ 'ned' }}",
                "Bloemrijke berm",
                "Niet-partner",
            ],
            "theme": ["depaving", "flower_verges", "depaving", "depaving", "depaving"],
            "status": ["realised", "planned", "realised", "in_progress", "realised"],
            "start_year": pd.array([2020, None, 2022, 2024, 2023], dtype="Int64"),
            "scale_value": [120.0, None, 5.0, 1500.0, 1.0],
            "scale_unit": ["m2", None, "count", "m", "count"],
            "lat": [52.01, 52.02, None, 51.51, 51.61],
            "lon": [5.01, 5.02, None, 3.91, 4.01],
        }
    )


def _maturity() -> pd.DataFrame:
    rows = []
    # GM0001: 2023 all level 1, 2024 all level 3 except two at 4 -> latest mean 3.25
    for dim in DIMS:
        rows.append(("GM0001", 2023, dim, 1))
    for i, dim in enumerate(DIMS):
        rows.append(("GM0001", 2024, dim, 4 if i < 2 else 3))
    # GM0002: 2022 only, all level 2 -> mean 2.0
    for dim in DIMS:
        rows.append(("GM0002", 2022, dim, 2))
    # GM0003 never assessed
    return pd.DataFrame(rows, columns=["municipality_code", "year", "dimension", "level"])


# ---------------------------------------------------------------- metrics


def test_map_maturity_is_each_municipalitys_latest_overall():
    """The map reads the one definition of "latest overall" (cop.maturity.model)."""
    overall = maturity_model.latest_overall(_maturity())
    assert overall["municipality_code"].tolist() == ["GM0001", "GM0002"]
    assert overall["year"].tolist() == [2024, 2022]
    assert overall["overall"].tolist() == pytest.approx([3.2, 2.0], abs=0.051)
    assert maturity_model.latest_overall_levels(_maturity()).to_dict() == {"GM0001": 3, "GM0002": 2}
    frame = mapview.municipality_metric(_towns(), _measures(), _maturity(), "maturity")
    assert frame["value"].tolist()[:2] == pytest.approx([3.25, 2.0], abs=0.051)


def test_metric_values_and_non_partners_without_value():
    towns, measures, maturity = _towns(), _measures(), _maturity()
    counts = mapview.municipality_metric(towns, measures, maturity, "measures")
    assert counts["value"].tolist()[:3] == [2.0, 1.0, 1.0]
    assert np.isnan(counts["value"].iloc[3])  # non-partner: no value, not 1
    depaving = mapview.municipality_metric(towns, measures, maturity, "measures", theme="depaving")
    assert depaving["value"].tolist()[:3] == [1.0, 1.0, 1.0]
    per_10k = mapview.municipality_metric(towns, measures, maturity, "measures_per_10k")
    assert per_10k["value"].tolist()[:3] == pytest.approx([2.0, 0.25, 1 / 4.5])
    dim = mapview.municipality_metric(
        towns, measures, maturity, "maturity_dimension", dimension=DIMS[0]
    )
    assert dim["value"].tolist()[:2] == [4.0, 2.0] and np.isnan(dim["value"].iloc[2])
    with pytest.raises(ValueError):
        mapview.municipality_metric(towns, measures, maturity, "nonsense")


# ---------------------------------------------------------------- classes


def test_maturity_classes_are_the_five_levels():
    classes = mapview.maturity_classes()
    assert classes.classify([1.0, 1.49, 1.5, 2.6, 4.5, 5.0, np.nan]).tolist() == [
        0,
        0,
        1,
        2,
        4,
        4,
        -1,
    ]
    assert classes.labels("nl")[0] == "1 Beginnend" and classes.labels("en")[4] == "5 Frontrunner"
    assert classes.colours == mapview.YLGNBU_5


def test_count_classes_are_nice_quantiles():
    assert mapview.nice_number(4.37) == 5 and mapview.nice_number(13) == 20
    assert mapview.nice_number(0.33) == 0.5 and mapview.nice_number(880) == 1000
    classes = mapview.count_classes([0, 1, 2, 3, 4, 5, 6, 7, 8, 40, np.nan])
    assert classes.edges == (0.0, 2.0, 5.0, 10.0, 50.0)
    assert len(classes.colours) == 4
    assert classes.colours[0] == mapview.YLGNBU_5[0] and classes.colours[-1] == mapview.YLGNBU_5[-1]
    assert classes.labels("nl") == ["0–2", "2–5", "5–10", "10–50"]
    assert classes.classify([0, 2, 49, 50]).tolist() == [0, 1, 3, 3]
    assert mapview.count_classes([0, 0, np.nan]).edges == (0.0, 1.0)


def test_fill_colours_grey_for_non_partners_and_missing_values():
    towns, measures, maturity = _towns(), _measures(), _maturity()
    frame = mapview.municipality_metric(towns, measures, maturity, "maturity")
    fills = mapview.fill_colours(frame, mapview.maturity_classes())
    assert fills == [
        mapview.YLGNBU_5[2],  # 3.25 -> level 3
        mapview.YLGNBU_5[1],  # 2.0 -> level 2
        mapview.NO_VALUE_COLOUR,  # partner, never assessed
        mapview.NON_PARTNER_COLOUR,
    ]


# ---------------------------------------------------------------- filters


def test_filters_combine_and_count():
    towns, measures, maturity = _towns(), _measures(), _maturity()
    everything = mapview.filter_measures(measures, towns, maturity, mapview.MeasureFilter())
    assert (everything.n_measures, everything.n_municipalities) == (5, 4)
    depaving = mapview.filter_measures(
        measures, towns, maturity, mapview.MeasureFilter(themes=("depaving",))
    )
    assert depaving.measures["id"].tolist() == [1, 3, 4, 5]
    realised_utrecht = mapview.filter_measures(
        measures,
        towns,
        maturity,
        mapview.MeasureFilter(statuses=("realised",), provinces=("Utrecht",)),
    )
    assert realised_utrecht.measures["id"].tolist() == [1, 3]
    assert realised_utrecht.n_municipalities == 2 and realised_utrecht.n_with_measures == 2
    level_3 = mapview.filter_measures(
        measures, towns, maturity, mapview.MeasureFilter(maturity_levels=(3,))
    )
    assert level_3.municipalities["code"].tolist() == ["GM0001"]
    years = mapview.filter_measures(
        measures, towns, maturity, mapview.MeasureFilter(years=(2021, 2023))
    )
    assert years.measures["id"].tolist() == [3, 5]  # no start year: left out
    partners = mapview.filter_measures(
        measures, towns, maturity, mapview.MeasureFilter(partners_only=True)
    )
    assert partners.n_municipalities == 3 and 5 not in partners.measures["id"].tolist()
    with pytest.raises(ValueError):
        mapview.filter_measures(measures, towns, maturity, mapview.MeasureFilter(themes=("x",)))


def test_filter_params_round_trip():
    chosen = mapview.MeasureFilter(
        ("depaving",), ("realised",), ("Zeeland",), (2, 3), (2020, 2024), True
    )
    params = json.loads(json.dumps(chosen.as_params()))
    assert mapview.MeasureFilter.from_params(params) == chosen


def test_map_view_counts_only_shown_measures():
    towns, measures, maturity = _towns(), _measures(), _maturity()
    view = mapview.map_view(
        measures, towns, maturity, mapview.MeasureFilter(provinces=("Zeeland",)), "measures"
    )
    assert view.metric["value"].tolist()[2] == 1.0
    assert np.isnan(view.metric["value"].iloc[0])  # left out by the province filter
    assert view.fills[0] == mapview.NO_VALUE_COLOUR


# ---------------------------------------------------------------- selection


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("GM0002", "GM0002"),
        (" gm0002 ", "GM0002"),
        ("GM9999", None),  # well formed, but not a municipality
        ("GM002", None),
        ("GM0002<script>", None),
        ("'; DROP TABLE", None),
        (None, None),
        (["GM0002"], None),
    ],
)
def test_valid_code(value, expected):
    assert mapview.valid_code(value, set(_towns()["code"])) == expected


def test_clicked_code_from_st_folium_return():
    known = set(_towns()["code"])
    polygon = {"type": "Feature", "properties": {"code": "GM0003", "tip": "x"}, "geometry": {}}
    assert mapview.clicked_code({"last_active_drawing": polygon}, known) == "GM0003"
    marker = {"type": "Feature", "properties": {}, "geometry": {"type": "Point"}}
    assert mapview.clicked_code({"last_active_drawing": marker}, known) is None
    assert mapview.clicked_code({"last_active_drawing": None}, known) is None
    assert mapview.clicked_code(None, known) is None
    forged = {"last_active_drawing": {"properties": {"code": 'GM0003"><img>'}}}
    assert mapview.clicked_code(forged, known) is None


def test_shown_param_strips_markup():
    assert mapview.shown_param("[x](http://e)<b>GM12") == "xhttpebGM12"
    assert len(mapview.shown_param("A" * 100)) == 41


# ---------------------------------------------------------------- escaping and the folium map


def test_escape_and_script_json():
    assert webmap.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert webmap.escape("\"quotes' & ampersands") == "&quot;quotes&#x27; &amp; ampersands"
    assert webmap.escape("{{ 7*7 }}") == "&#123;&#123; 7*7 &#125;&#125;"
    assert webmap.escape(None) == "" and webmap.escape(pd.NA) == ""
    text = webmap.script_json({"t": "</script><b>{{x}} {%y%} {#z#}"})
    assert "<" not in text and ">" not in text
    assert "{{" not in text and "{%" not in text and "{#" not in text
    assert json.loads(text) == {"t": "</script><b>{{x}} {%y%} {#z#}"}


def test_measure_payload_is_compact_and_escaped():
    payload = webmap.measure_payload(_measures(), _towns(), "nl")
    rows = payload["rows"]
    assert len(rows) == 4  # measure 3 has no coordinates
    first = rows[0]
    assert first[:5] == [52.01, 5.01, vocab.THEMES.index("depaving"), 3, 2020]
    assert first[5] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert first[6] == "120 m²"
    assert rows[1][5] == "&quot;quotes&#x27; &amp; ampersands" and rows[1][4] == 0
    assert payload["towns"][first[7]] == ["GM0001", "Aadorp"]
    assert payload["towns"][-1] == [
        "GM0004",
        "&#x27;s-Dorp &#123;&#123; &#x27;pw&#x27; ~ &#x27;ned&#x27; &#125;&#125;",
    ]


def _rendered_map(points: bool = False) -> str:
    towns, measures, maturity = _towns(), _measures(), _maturity()
    view = mapview.map_view(measures, towns, maturity, mapview.MeasureFilter(), "maturity")
    squares = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": code,
                "properties": {"code": code, "name": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[x, 52], [x + 0.1, 52], [x + 0.1, 52.1], [x, 52.1], [x, 52]]],
                },
            }
            for x, code, name in zip(
                [4.0, 4.1, 4.2, 4.3], towns["code"], towns["name"], strict=True
            )
        ],
    }
    features, fills = webmap.choropleth_features(
        squares, view.metric, view.fills, value_label=view.legend_title, lang="nl", decimals=1
    )
    m = webmap.build_map(
        features,
        fills,
        legend_title=view.legend_title,
        legend_items=webmap.legend_items(view.classes, "nl", view.legend_decimals),
        measures_json=webmap.measure_payload_json(measures, towns, "nl"),
        points=points,
        lang="nl",
        tiles=None,
    )
    return m.get_root().render()


def test_rendered_map_escapes_everything_typed_and_never_evaluates_templates():
    html = _rendered_map()
    assert "<script>alert(1)" not in html and "quotes'" not in html
    # In the page the "&" of each entity is itself a JSON escape (\u0026).
    text = html.replace("\\u0026", "&")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;quotes&#x27; &amp; ampersands" in text
    assert "&amp;quot;quotes" not in text  # escaped once, not twice
    # "{{ 'pw' ~ 'ned' }}" in a title and in a name stays text: never evaluated.
    assert "pwned" not in html
    assert "&#123;&#123; &#x27;pw&#x27; ~ &#x27;ned&#x27; &#125;&#125;" in text
    assert "CBS / Kadaster (PDOK), CC BY 4.0" in html
    assert "markerClusterGroup" in html and "circleMarker" in html
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    # The choropleth: every feature once, with its fill colour and escaped tooltip.
    assert html.count('"code": "GM000') == 4
    assert mapview.NON_PARTNER_COLOUR in html and "Geen partner" in html
    assert "3 Ontwikkelend" in html  # legend in the words of the maturity model


def test_points_map_when_boundaries_are_missing():
    html = _rendered_map(points=True)
    assert "pointToLayer" in html and "circleMarker" in html


def test_profile_map_outline_and_measures():
    squares = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "GM0001",
                "properties": {"code": "GM0001", "name": "{{ 'pw' ~ 'ned' }}"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52.1], [5, 52]]],
                },
            }
        ],
    }
    outline = webmap.outline(squares, "GM0001")
    assert outline["bbox"] == [5.0, 52.0, 5.1, 52.1]
    assert webmap.outline(squares, "GM0002") is None
    own = profile.municipality_measures(_measures(), "GM0001")
    html = webmap.profile_map(own, outline, (52.05, 5.05), _towns(), lang="en", tiles=None)
    rendered = html.get_root().render()
    assert "pwned" not in rendered and "fitBounds" in rendered
    assert "Theme of the measure" in rendered


# ---------------------------------------------------------------- profile


def test_profile_facts_similar_and_maturity_comparison():
    towns, maturity = _towns(), _maturity()
    facts = profile.key_facts(towns, "GM0002")
    assert (facts.size_class, facts.urbanity, facts.is_partner, facts.joined_year) == (
        2,
        2,
        True,
        2022,
    )
    assert profile.key_facts(towns, "GM0004").size_class == 5
    with pytest.raises(KeyError):
        profile.key_facts(towns, "GM9999")
    # Same size class (20-50k) and urbanity (2): GM0002 and GM0003 are each other's peers.
    assert profile.similar_codes(towns, "GM0002") == ["GM0003"]
    assert profile.similar_codes(towns, "GM0001") == []
    comparison = profile.maturity_comparison(maturity, towns, "GM0001")
    assert comparison["own"].tolist()[:3] == [4.0, 4.0, 3.0]
    # CoP median over GM0001 (4, 4, 3...) and GM0002 (2...): (4+2)/2 = 3, (3+2)/2 = 2.5
    assert comparison["cop_median"].tolist()[:3] == [3.0, 3.0, 2.5]
    assert comparison["similar_median"].isna().all()  # no similar municipality assessed
    assert comparison["n_cop"].iloc[0] == 2 and comparison["year"].iloc[0] == 2024
    fig = profile.maturity_radar(comparison, "Aadorp", "nl")
    names = [trace.name for trace in fig.data]
    assert names == ["Mediaan CoP", "Aadorp"]
    assert fig.data[1].r[0] == fig.data[1].r[-1] == 4.0  # ring closed


def test_profile_measures_and_questions():
    own = profile.municipality_measures(_measures(), "GM0001", themes=("depaving",))
    assert own["id"].tolist() == [1]
    questions = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "municipality_code": ["GM0001", "GM0001", "GM0002"],
            "asked_on": pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-01"]),
            "theme": ["depaving"] * 3,
            "question": ["b", "a", "c"],
            "status": ["open", "open", "answered"],
        }
    )
    assert profile.open_questions(questions, "GM0001")["question"].tolist() == ["a", "b"]
    assert profile.open_questions(questions, "GM0002").empty
