"""The map keeps filters, colouring, zoom and centre: in the URL and across page changes."""

from __future__ import annotations

import json

import pytest

from cop.core import vocab
from cop.geo import mapstate
from tests.conftest import make_app

BOUNDS = (2012, 2024)


def test_encode_leaves_defaults_out_and_decode_reads_back():
    fields = mapstate.map_fields(BOUNDS)
    defaults = {f.key: f.default for f in fields}
    assert all(v is None for v in mapstate.encode(defaults, fields).values())
    chosen = {
        **defaults,
        "map_themes": ["green_roofs_walls", "depaving"],
        "map_provinces": ["Noord-Holland", "Fryslân"],
        "map_levels": [4, 2],
        "map_partners_only": True,
        "map_show_measures": False,
        "map_metric": "maturity_dimension",
        "map_dimension": vocab.DIMENSIONS[1],
        "map_years_2012_2024": (2016, 2020),
    }
    params = mapstate.encode(chosen, fields)
    # lists in vocabulary order, whatever the order of choosing
    assert params["thema"] == "depaving,green_roofs_walls"
    assert params["provincie"] == "Fryslân,Noord-Holland"
    assert params["niveau"] == "2,4"
    assert (params["partners"], params["maatregelen"], params["jaren"]) == ("1", "0", "2016-2020")
    assert params["kleur"] == "maturity_dimension" and params["status"] is None
    back = mapstate.decode({k: v for k, v in params.items() if v is not None}, fields)
    expected = {k: v for k, v in chosen.items() if k in back}
    expected["map_themes"] = ["depaving", "green_roofs_walls"]
    expected["map_provinces"] = ["Fryslân", "Noord-Holland"]
    expected["map_levels"] = [2, 4]
    assert back == expected
    assert set(back) == {f.key for f in fields if params[f.param] is not None}


@pytest.mark.parametrize(
    "params",
    [
        {"thema": "nonsense"},
        {"kleur": "drop table"},
        {"jaren": "2000-2024"},
        {"jaren": "2020-2016"},
        {"jaren": "x"},
        {"partners": "yes"},
        {"niveau": "9"},
    ],
)
def test_decode_ignores_unknown_values(params):
    decoded = mapstate.decode(params, mapstate.map_fields(BOUNDS))
    assert decoded in ({}, {"map_themes": []}, {"map_levels": []})


def test_view_parameter_is_checked_and_rounded():
    assert mapstate.decode_view("52.123456789,5.1,9") == (52.12346, 5.1, 9)
    for bad in ("", "52,5", "a,b,c", "0,0,9", "52.1,5.1,40", "nan,5,9", "52,5,9,1"):
        assert mapstate.decode_view(bad) is None
    assert mapstate.encode_view((52.1, 5.25, 9)) == "52.10000,5.25000,9"
    returned = {"center": {"lat": 51.9876543, "lng": 4.4}, "zoom": 11}
    assert mapstate.view_from_map(returned) == (51.98765, 4.4, 11)
    assert mapstate.view_from_map({"zoom": 11}) is None


def _args(at) -> dict:
    return json.loads(at.get("component_instance")[0].proto.json_args)


def _param(at, name):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def _report_view(at, lat: float, lon: float, zoom: int):
    """Rerun as the browser does after the person zoomed or moved the map."""
    component = at.get("component_instance")[0]
    states = at._tree.get_widget_states()
    moved = states.widgets.add()
    moved.id = component.proto.id
    moved.json_value = json.dumps(
        {"last_active_drawing": None, "center": {"lat": lat, "lng": lon}, "zoom": zoom}
    )
    return at._run(states)


def test_filters_and_view_go_into_the_url_and_survive_a_visit_to_a_profile(app_env):
    at = make_app("pages/map.py")
    assert _args(at)["returned_objects"] == ["last_active_drawing", "center", "zoom"]
    assert _args(at)["center"] is None  # nothing to restore: the map opens on the country
    at.multiselect(key="map_themes").select("depaving").run()
    at.multiselect(key="map_provinces").select("Zeeland").run()
    at.toggle(key="map_partners_only").set_value(True).run()
    assert _param(at, "thema") == "depaving" and _param(at, "provincie") == "Zeeland"
    assert _param(at, "partners") == "1"
    _report_view(at, 51.5, 3.8, 10)
    assert not at.exception
    assert _param(at, "kaart") == "51.50000,3.80000,10"

    at.switch_page("pages/profile.py").run()
    # Streamlit forgets the values of widgets a run did not draw (in a browser, once the
    # profile has rerun); as it is not certain when in AppTest, forget them here.
    from cop.data import storage
    from cop.geo import mapview

    bounds = mapview.year_bounds(storage.read_table(storage.make_engine(), "measures"))
    for field in mapstate.map_fields(bounds):
        if field.key in at.session_state:
            del at.session_state[field.key]
    for name in list(at.query_params):  # the menu's link carries no parameters
        del at.query_params[name]
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert at.multiselect(key="map_themes").value == ["depaving"]
    assert at.multiselect(key="map_provinces").value == ["Zeeland"]
    assert at.toggle(key="map_partners_only").value is True
    args = _args(at)
    assert (args["center"], args["zoom"]) == ([51.5, 3.8], 10)  # back where the person was
    assert _param(at, "thema") == "depaving" and _param(at, "kaart") == "51.50000,3.80000,10"


def test_a_shared_link_opens_the_same_view(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/map.py")
    at.query_params.update(
        {"lang": "en", "thema": "depaving", "kleur": "measures_per_10k", "kaart": "52.09,5.12,11"}
    )
    at.run()
    assert not at.exception
    assert at.multiselect(key="map_themes").value == ["depaving"]
    assert at.selectbox(key="map_metric").value == "measures_per_10k"
    assert (_args(at)["center"], _args(at)["zoom"]) == ([52.09, 5.12], 11)
    assert at.title[0].value == "Map of practice"  # the link's language
    _report_view(at, 52.09, 5.12, 11)  # the map arrived there: nothing left to restore
    assert _args(at)["center"] is None
