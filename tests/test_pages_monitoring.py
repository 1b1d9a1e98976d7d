"""AppTest of the monitoring page: the chart shows the engine's numbers, the badge the class."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from cop import monitoring as mon
from cop.core import i18n
from cop.data import storage
from cop.geo import trendmap
from cop.geo.mapview import NO_VALUE_COLOUR, NON_PARTNER_COLOUR
from cop.monitoring.trim import classify_slope, fit_trim
from tests.conftest import SHARED_BOUNDARIES, make_app, require

PAGE = "pages/monitoring.py"


def _monitoring() -> pd.DataFrame:
    return storage.read_table(storage.make_engine(), "monitoring")


def _index_trace(at) -> dict:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return next(t for t in spec["data"] if t.get("meta") == "index")


def _badge(at) -> str:
    return next(m.value for m in at.markdown if "-badge[" in m.value)


def test_species_index_is_the_engines_and_badge_shows_class_and_slope(app_env):
    at = make_app(PAGE)
    assert not at.exception
    data = _monitoring()
    # a municipality and one of its species
    town = sorted(data["municipality_code"].unique())[0]
    own = data[data["municipality_code"] == town]
    group = str(own["species_group"].iloc[0])
    species = str(own.loc[own["species_group"] == group, "species"].iloc[0])
    at.selectbox(key="monitoring_municipality").set_value(town).run()
    at.selectbox(key="monitoring_group").set_value(group).run()
    at.selectbox(key="monitoring_species").set_value(species).run()
    assert not at.exception

    rows = own[(own["species_group"] == group) & (own["species"] == species)]
    counts = pd.DataFrame(
        {
            "site": rows["scheme"] + "|" + rows["site_id"],
            "year": rows["year"].astype(int),
            "count": rows["count"].astype(float),
        }
    )
    engine_fit = fit_trim(counts)
    assert engine_fit.ok
    expected = engine_fit.indices.set_index("year")["imputed"] * 100
    trace = _index_trace(at)
    shown = pd.Series(trace["y"], index=trace["x"], dtype=float).dropna()
    assert shown.to_numpy() == pytest.approx(expected.loc[shown.index].to_numpy(), rel=1e-6)
    assert len(shown) == expected.notna().sum()

    slope = engine_fit.overall_slope["imputed"]
    text = mon.trend_text(
        {
            "trend_class": engine_fit.trend_class,
            "reason": None,
            "multiplicative": slope["multiplicative"],
            "multiplicative_se": slope["multiplicative_se"],
        },
        "nl",
    )
    assert text in _badge(at)
    assert "% per jaar (standaardfout" in text
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel"]
    assert i18n.t("monitoring.explain", "nl") in [i.value for i in at.info]


def test_group_indicator_in_english(app_env):
    at = make_app(PAGE, lang="en")
    assert not at.exception
    assert at.title[0].value == "Monitoring: species trends"
    group = at.selectbox(key="monitoring_group").value
    result = mon.selection_trends(_monitoring(), species_group=group)
    trace = _index_trace(at)
    expected = (result.series["index"] * 100).tolist()
    assert trace["y"] == pytest.approx(expected, rel=1e-9)
    assert mon.trend_text(result.trend, "en") in _badge(at)
    assert "per year" in _badge(at)
    assert any("Indicator: geometric mean" in c.value for c in at.caption)
    species_rows = at.dataframe[0].value
    assert "Trend class" in species_rows.columns
    assert len(species_rows) == len(result.species)
    heat = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any(t.get("meta") == "counts" for fig in heat for t in fig["data"])


def test_unestimable_selection_shows_the_reason_in_words(app_env):
    engine = storage.make_engine()
    data = storage.read_table(engine, "monitoring")
    town = sorted(data["municipality_code"].unique())[0]
    site = data.loc[data["municipality_code"] == town].iloc[0]
    zeros = pd.DataFrame(
        {
            "municipality_code": town,
            "site_id": site["site_id"],
            "scheme": site["scheme"],
            "species_group": site["species_group"],
            "species": "zeldzame testsoort",
            "year": [2020, 2021, 2022],
            "count": 0,
        }
    )
    report = storage.import_file(
        engine, "monitoring", zeros.to_csv(index=False).encode(), filename="zeros.csv"
    )
    assert report.ok, report.summary("en")
    at = make_app(PAGE)
    at.selectbox(key="monitoring_municipality").set_value(town).run()
    at.selectbox(key="monitoring_group").set_value(str(site["species_group"])).run()
    at.selectbox(key="monitoring_species").set_value("zeldzame testsoort").run()
    assert not at.exception
    reason = i18n.t("monitoring.reason.all_zero", "nl")
    assert reason in [w.value for w in at.warning]
    assert reason in _badge(at)
    assert not any(
        t.get("meta") == "index"
        for c in at.get("plotly_chart")
        for t in json.loads(c.proto.spec)["data"]
    )
    table = at.dataframe[0].value.set_index("Soort")
    assert table.loc["zeldzame testsoort", "Toelichting"] == reason


def test_profile_shows_the_municipalitys_monitoring_trends(app_env):
    trends = mon.trend_classes_by_municipality(_monitoring())
    code = str(trends["municipality_code"].iloc[0])
    at = make_app()
    at.switch_page("pages/profile.py")
    at.query_params["gemeente"] = code
    at.run()
    assert not at.exception
    assert i18n.t("monitoring.profile_title", "nl") in [s.value for s in at.subheader]
    expected = mon.trends_table(mon.municipality_trends(trends, code), "nl")
    shown = next(d.value for d in at.dataframe if "Trendklasse" in d.value.columns)
    assert shown["Trendklasse"].tolist() == expected["Trendklasse"].tolist()
    assert shown["Soortgroep"].tolist() == expected["Soortgroep"].tolist()


def _map_fills(script: str) -> dict[str, str]:
    """Fill colour per municipality code, read from the features the map script draws."""
    start = script.index('_add({"features"') + len("_add(")
    features, _ = json.JSONDecoder().raw_decode(script, start)
    return {f["id"]: f["properties"]["style"]["fillColor"] for f in features["features"]}


def _group_class_by_hand(rows: pd.DataFrame) -> str | None:
    """A municipality's group trend class from single-species TRIM fits, recomputed here.

    The group's log slope is the mean of the species' slopes and its SE ``sqrt(Σ se²) / n``
    (species independent); the class follows TRIM's rule on ``exp(slope) ± 1.96 SE``.
    None when no species has a trend.
    """
    slopes, variances = [], []
    for _, species_rows in rows.groupby("species"):
        fit = fit_trim(
            pd.DataFrame(
                {
                    "site": species_rows["scheme"] + "|" + species_rows["site_id"],
                    "year": species_rows["year"].astype(int),
                    "count": species_rows["count"].astype(float),
                }
            )
        )
        if fit.ok:
            slopes.append(fit.overall_slope["imputed"]["additive"])
            variances.append(fit.overall_slope["imputed"]["additive_se"] ** 2)
    if not slopes:
        return None
    mult = math.exp(sum(slopes) / len(slopes))
    return classify_slope(mult, mult * math.sqrt(sum(variances)) / len(slopes))


@pytest.mark.parametrize("shapes", ["points", "polygons"])
def test_map_colours_municipalities_by_trend_class(app_env, monkeypatch, shapes):
    if shapes == "points":
        monkeypatch.delenv("COP_BOUNDARIES_FILE", raising=False)  # fast, no ../shared
    else:
        require(SHARED_BOUNDARIES.exists(), f"boundaries not found: {SHARED_BOUNDARIES}")
    at = make_app("pages/map.py")
    at.selectbox(key="map_metric").select(trendmap.MAP_METRIC).run()
    at.selectbox(key="map_trend_group").select("birds").run()
    assert not at.exception
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    assert "Vogels: trend (% per jaar)" in script
    fills = _map_fills(script)
    if shapes == "polygons":
        assert "Polygon" in script and '"type": "Point"' not in script

    engine = storage.make_engine()
    towns = storage.read_table(engine, "municipalities")
    birds = _monitoring().query("species_group == 'birds'")
    partners = set(towns.loc[towns["is_partner"].fillna(False).astype(bool), "code"])
    # every partner's class recomputed by hand: its fill is exactly the class colour
    by_hand = {
        code: _group_class_by_hand(rows)
        for code, rows in birds.groupby("municipality_code")
        if code in partners
    }
    classes = {c for c in by_hand.values() if c is not None}
    assert len(classes) >= 3 and sum(c is not None for c in by_hand.values()) >= 20
    for code, trend_class in by_hand.items():
        expected = mon.TREND_CLASS_COLOURS[trend_class] if trend_class else NO_VALUE_COLOUR
        assert fills[code] == expected, (code, trend_class)
    assert all(mon.trend_class_label(c, "nl") in script for c in classes)  # legend
    # partners without birds counts keep the no-value grey, non-partners their own grey
    unmonitored = partners - set(by_hand)
    assert unmonitored and {fills[c] for c in unmonitored} == {NO_VALUE_COLOUR}
    assert {fills[c] for c in set(towns["code"]) - partners} == {NON_PARTNER_COLOUR}
