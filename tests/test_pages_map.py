"""AppTest of the Map and Profile pages, the Data page's location check and the CLI check."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from cop.cli.main import main as cli_main
from cop.data import storage
from tests.conftest import ROOT, SHARED_BOUNDARIES, make_app, require


def _count_caption(at) -> str:
    return next(c.value for c in at.caption if "maatregelen getoond" in c.value)


def _json_args(at) -> str:
    components = at.get("component_instance")
    assert components, "no map component on the page"
    return components[0].proto.json_args


def test_map_page_choropleth_counts_and_filters(app_env):
    require(SHARED_BOUNDARIES.exists(), "../shared boundaries are needed for the polygons")
    at = make_app("pages/map.py")
    assert not at.exception
    engine = storage.make_engine()
    measures = storage.read_table(engine, "measures")
    towns = storage.read_table(engine, "municipalities")
    total = f"{len(measures)} van {len(measures)} maatregelen getoond"
    assert _count_caption(at).startswith(total)

    args = json.loads(_json_args(at))
    script = args["script"]
    # Every municipality is a polygon in the choropleth, with its escaped tooltip.
    assert len(re.findall(r'"code":\s*"GM\d{4}"', script)) == 342
    assert script.count('"Polygon"') + script.count('"MultiPolygon"') >= 342
    assert "CBS / Kadaster (PDOK), CC BY 4.0" in script
    # What a choice changes travels as a feature group: colours, tooltips, measures.
    view = args["feature_group"]
    assert "markerClusterGroup" in view and '"rows":' in view
    assert "copChoropleth" in script and "copChoropleth" in view
    assert len(re.findall(r'"GM\d{4}":\s*"#[0-9a-f]{6}"', view)) == 342  # a fill per code
    assert args["returned_objects"] == ["last_active_drawing", "center", "zoom"]
    assert [link for link in args["js_links"] if "jquery" in link or "bootstrap" in link] == []
    assert not any(w.value for w in at.warning)  # every municipality has a boundary

    at.multiselect(key="map_themes").select("depaving").run()
    changed = json.loads(_json_args(at))
    assert changed["script"] == script  # the same base map: the browser keeps the map
    assert changed["key"] == args["key"] and changed["feature_group"] != view
    depaving = int((measures["theme"] == "depaving").sum())
    assert _count_caption(at).startswith(f"{depaving} van {len(measures)} maatregelen")
    at.multiselect(key="map_provinces").select("Zeeland").run()
    in_zeeland = set(towns.loc[towns["province"] == "Zeeland", "code"])
    expected = int(
        ((measures["theme"] == "depaving") & measures["municipality_code"].isin(in_zeeland)).sum()
    )
    caption = _count_caption(at)
    assert caption.startswith(f"{expected} van {len(measures)} maatregelen")
    assert f"{len(in_zeeland)} van 342 gemeenten" in caption

    at.selectbox(key="map_metric").select("measures_per_10k").run()
    assert not at.exception
    assert "Maatregelen per 10.000 inwoners" in _json_args(at)


def test_map_page_offline_without_boundaries_shows_points_and_notice(app_env, monkeypatch):
    monkeypatch.delenv("COP_BOUNDARIES_FILE", raising=False)
    monkeypatch.setenv("COP_OFFLINE", "1")
    at = make_app("pages/map.py", lang="en")
    assert not at.exception
    assert any("boundaries could not be loaded" in i.value for i in at.info)
    script = json.loads(_json_args(at))["script"]
    assert script.count('"Point"') >= 342 and "pointToLayer" in script


def _click(at, properties: dict[str, object]):
    """Rerun ``at`` as the browser does after a click on the map, and return it.

    In a browser, st_folium's frontend sets the component's value to what it returns
    (here ``last_active_drawing``: the clicked layer as GeoJSON) and sends it with the
    other widget states; Streamlit sees the value change and calls the component's
    ``on_change`` before the script runs. AppTest only sends the states of the widgets it
    knows, not of a custom component, so this adds the component's state to those
    states by its element id (``proto.id``) and starts the rerun with them. Everything
    after that is the app's own code: st_folium's callback stores the value under
    ``map_view``, the page's ``_remember_click`` reads it through
    ``mapview.clicked_code`` and the next lines switch to the profile.
    """
    component = at.get("component_instance")[0]
    states = at._tree.get_widget_states()  # what the browser sends for the other widgets
    clicked = states.widgets.add()
    clicked.id = component.proto.id
    feature = {"type": "Feature", "properties": properties, "geometry": None}
    clicked.json_value = json.dumps({"last_active_drawing": feature})
    return at._run(states)


def test_map_click_opens_the_profile(app_env):
    """A click on a polygon goes through the component's value and the page's callback."""
    at = make_app("pages/map.py")
    assert "map_view" not in at.session_state  # nothing clicked yet
    _click(at, {"code": "GM0344", "name": "Utrecht"})
    assert not at.exception
    assert at.session_state["map_view"]["last_active_drawing"]["properties"]["code"] == "GM0344"
    assert at.header[0].value == "Utrecht"
    assert at.query_params["gemeente"] in ("GM0344", ["GM0344"])


@pytest.mark.parametrize(
    "properties",
    [{"title": "Bloemrijke berm"}, {"code": "GM0344<script>"}, {"code": "GM9999"}],
    ids=["measure marker", "not a code", "unknown code"],
)
def test_map_click_on_anything_else_stays_on_the_map(app_env, properties):
    """A measure marker or a forged code reaches the callback but opens no profile."""
    at = make_app("pages/map.py")
    _click(at, properties)
    assert not at.exception
    assert at.session_state["map_view"]["last_active_drawing"]["properties"] == properties
    assert "gemeente" not in at.query_params
    assert "maatregelen getoond" in _count_caption(at)  # still the map page


def _profile(code: str | None, lang: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if lang:
        at.session_state["lang"] = lang
    at.run()
    at.switch_page("pages/profile.py")
    if code is not None:
        at.query_params["gemeente"] = code
    return at.run()


def test_profile_of_a_partner_from_the_query_parameter(app_env):
    engine = storage.make_engine()
    towns = storage.read_table(engine, "municipalities")
    measures = storage.read_table(engine, "measures")
    partner = towns[towns["is_partner"]].sort_values("code").iloc[0]
    at = _profile(partner["code"])
    assert not at.exception
    assert at.header[0].value == partner["name"]
    assert at.selectbox(key="profile_code").value == partner["code"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Provincie"] == partner["province"]
    assert metrics["Partner sinds"] == str(partner["joined_year"])
    assert metrics["Inwoners"] == f"{int(partner['population']):,}".replace(",", ".")
    assert any(c.value.startswith("Bron inwoners") and "CBS" in c.value for c in at.caption)
    radar = at.get("plotly_chart")[0].proto.spec
    assert "scatterpolar" in radar and "Mediaan CoP" in radar
    own = measures[measures["municipality_code"] == partner["code"]]
    assert any(c.value == f"{len(own)} van {len(own)} maatregelen" for c in at.caption)
    theme = own["theme"].value_counts().index[0]
    at.multiselect(key="profile_themes").select(theme).run()
    shown = int((own["theme"] == theme).sum())
    assert any(c.value == f"{shown} van {len(own)} maatregelen" for c in at.caption)
    assert len(at.get("component_instance")) == 1  # the small map
    assert len(at.get("page_link")) >= 1  # peers to talk to, each a link to its profile

    # Choosing another municipality keeps the shareable URL in sync.
    other = towns[towns["is_partner"]].sort_values("code").iloc[1]["code"]
    at.selectbox(key="profile_code").select(other).run()
    assert at.query_params["gemeente"] in (other, [other])


def test_profile_of_a_non_partner_and_invalid_parameter(app_env):
    at = _profile("GM0344")  # Utrecht is no partner in the demo data
    assert not at.exception
    assert any("geen partnergemeente" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    assert at.get("page_link")  # partners that resemble it

    bad = _profile("GM12<b>", lang="en")
    assert not bad.exception
    assert any(
        "'GM12b' in the link is not a known municipality code" in w.value for w in bad.warning
    )
    assert not bad.header  # nothing chosen yet


def test_data_page_flags_measures_outside_their_municipality(app_env):
    require(SHARED_BOUNDARIES.exists(), "../shared boundaries are needed for the location check")
    engine = storage.make_engine()
    # Move measure 1 to Utrecht's city centre (a private database: no cache to invalidate).
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE measures SET lat = 52.0907, lon = 5.1214 WHERE id = 1")
    at = make_app("pages/data.py")
    at.selectbox(key="data_table").select("measures").run()
    assert not at.exception
    assert any("buiten de grens van de eigen gemeente" in w.value for w in at.warning)
    flagged = at.dataframe[-1].value
    row = flagged[flagged["Id"] == 1].iloc[0]
    assert row["Ligt in gemeente"] == "Utrecht"


def _tiny_boundaries(tmp_path):
    def square(code: str, x: float) -> dict:
        ring = [[x, 52.0], [x + 0.1, 52.0], [x + 0.1, 52.1], [x, 52.1], [x, 52.0]]
        return {
            "type": "Feature",
            "properties": {"statcode": code, "statnaam": f"Gemeente {code}"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    path = tmp_path / "tiny.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [square("GM0014", 5.0), square("GM0034", 5.1)],
            }
        ),
        encoding="utf-8",
    )
    return path


def test_cli_validate_warns_about_measures_outside_but_exits_0(
    app_env, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("COP_BOUNDARIES_FILE", str(_tiny_boundaries(tmp_path)))
    frame = pd.read_csv(ROOT / "data" / "measures.csv").head(2).copy()
    frame["municipality_code"] = ["GM0014", "GM0014"]
    frame.loc[0, ["lat", "lon"]] = [52.05, 5.05]  # inside its own square
    frame.loc[1, ["lat", "lon"]] = [52.05, 5.15]  # inside GM0034's square
    frame.loc[1, "title"] = "<b>Verplaatst</b>"
    path = tmp_path / "measures.csv"
    frame.to_csv(path, index=False)
    assert cli_main(["validate", "measures", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 measure(s) lie more than 250 m outside" in out
    assert (
        "row 3: measure 2 '<b>Verplaatst</b>' belongs to GM0014 but lies in Gemeente GM0034 (GM0034)"
        in out
    )


def test_cli_validate_without_boundaries_says_unchecked(app_env, monkeypatch, capsys):
    monkeypatch.delenv("COP_BOUNDARIES_FILE", raising=False)
    path = ROOT / "data" / "measures.csv"
    assert cli_main(["validate", "measures", str(path)]) == 0
    assert "Measure locations not checked" in capsys.readouterr().out


@pytest.mark.parametrize("table", ["maturity"])
def test_cli_location_check_only_for_measures(app_env, table, capsys):
    assert cli_main(["validate", table, str(ROOT / "data" / f"{table}.csv")]) == 0
    assert "Measure locations" not in capsys.readouterr().out
