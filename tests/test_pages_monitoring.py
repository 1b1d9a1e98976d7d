"""AppTest of the monitoring page: the chart shows the engine's numbers, the badge the class."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cop import monitoring as mon
from cop.core import i18n
from cop.data import storage
from cop.geo import trendmap
from cop.geo.mapview import NO_VALUE_COLOUR, NON_PARTNER_COLOUR
from cop.monitoring import selection
from cop.monitoring.msi import msi_tool
from cop.monitoring.trim import classify_slope, fit_trim
from tests.conftest import SHARED_BOUNDARIES, make_app, require

PAGE = "pages/monitoring.py"


def _monitoring() -> pd.DataFrame:
    return storage.read_table(storage.make_engine(), "monitoring")


def _index_trace(at) -> dict:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return next(t for t in spec["data"] if t.get("meta") == "index")


def _badges(at) -> list[str]:
    """The badges in page order: the whole period's, then the last ten years'."""
    return [m.value for m in at.markdown if "-badge[" in m.value]


def _badge(at) -> str:
    return _badges(at)[0]


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
    last = int(expected.index.max())
    recent = engine_fit.overall_slope_interval(last - 9, last)["imputed"]
    text = mon.trend_text(
        {
            "trend_class": engine_fit.trend_class,
            "reason": None,
            "multiplicative": slope["multiplicative"],
            "multiplicative_se": slope["multiplicative_se"],
        },
        "nl",
    )
    recent_text = mon.trend_text(
        {
            "recent_trend_class": recent["trend_class"],
            "reason": None,
            "recent_multiplicative": recent["multiplicative"],
            "recent_multiplicative_se": recent["multiplicative_se"],
        },
        "nl",
        period="recent",
    )
    long_badge, recent_badge = _badges(at)
    assert text in long_badge and recent_text in recent_badge
    assert "% per jaar (standaardfout" in text
    headers = [m.value for m in at.markdown]
    assert f"**Laatste tien jaar ({last - 9}–{last}):**" in headers
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download CSV", "Download Excel"] * 2
    assert i18n.t("monitoring.explain", "nl") in [i.value for i in at.info]
    # both trends of every species, side by side, in the table
    table = next(d.value for d in at.dataframe if "Soort" in d.value.columns)
    row = table.set_index("Soort").loc[species]
    assert row["Trendklasse hele periode"] == mon.trend_class_label(engine_fit.trend_class, "nl")
    assert row["Trendklasse laatste tien jaar"] == mon.trend_class_label(
        recent["trend_class"], "nl"
    )
    assert row["Jaren, laatste tien jaar"] == f"{last - 9}–{last}"


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
    assert mon.trend_text(result.trend, "en", period="recent") in _badges(at)[1]
    assert "per year" in _badge(at)
    assert any("Multi-species indicator (MSI)" in c.value for c in at.caption)
    assert any("1,000 Monte Carlo simulations" in c.value for c in at.caption)
    periods = next(d.value for d in at.dataframe if "Period" in d.value.columns)
    assert periods["Period"].tolist()[1].startswith("Last ten years (")
    species_rows = next(d.value for d in at.dataframe if "Species" in d.value.columns)
    assert "Trend class, whole period" in species_rows.columns
    assert "Trend class, last ten years" in species_rows.columns
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
    table = next(d.value for d in at.dataframe if "Soort" in d.value.columns)
    assert table.set_index("Soort").loc["zeldzame testsoort", "Toelichting"] == reason


def test_profile_shows_the_municipalitys_monitoring_trends(app_env):
    trends = mon.trend_classes_by_municipality(_monitoring())
    code = str(trends["municipality_code"].iloc[0])
    at = make_app()
    at.switch_page("pages/profile.py")
    at.query_params["gemeente"] = code
    at.run()
    assert not at.exception
    assert i18n.t("monitoring.profile_title", "nl") in [s.value for s in at.subheader]
    own = mon.municipality_trends(trends, code)
    shown = next(d.value for d in at.dataframe if "Trendklasse hele periode" in d.value.columns)
    # both trends side by side, as the MSI of each group computes them
    assert shown["Trendklasse hele periode"].tolist() == [
        mon.trend_class_label(c if pd.notna(c) else None, "nl") for c in own["trend_class"]
    ]
    assert shown["Trendklasse laatste tien jaar"].tolist() == [
        mon.trend_class_label(c if pd.notna(c) else None, "nl") for c in own["recent_trend_class"]
    ]
    assert shown["Soortgroep"].tolist() == [
        i18n.label("group", g, "nl") for g in own["species_group"]
    ]
    assert i18n.t("monitoring.profile_caption", "nl") in [c.value for c in at.caption]
    assert shown["Jaren, laatste tien jaar"].dropna().str.match(r"^\d{4}–\d{4}$").all()


def _map_fills(script: str) -> dict[str, str]:
    """Fill colour per municipality code, read from the view's restyle (webmap.Restyle)."""
    start = script.index('{"fills"')
    view, _ = json.JSONDecoder().raw_decode(script, start)
    return view["fills"]


def _group_classes_by_hand(rows: pd.DataFrame) -> tuple[str | None, str | None] | None:
    """A municipality's group classes (whole period, last ten years), recomputed here.

    Every species fitted on its own with TRIM (its sites per scheme), then the MSI tool
    on their indices with its default simulations and seed. None when no species has an
    index.
    """
    frames = []
    for name, species_rows in rows.groupby("species"):
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
            frames.append(fit.indices.assign(species=name))
    if not frames:
        return None
    trend = msi_tool(pd.concat(frames, ignore_index=True)).trends.iloc[0]
    long_term, recent = trend["trend_class"], trend["recent_trend_class"]
    return (None if pd.isna(long_term) else str(long_term)), (
        None if pd.isna(recent) else str(recent)
    )


@pytest.mark.parametrize(
    ("shapes", "period"), [("points", "long_term"), ("points", "recent"), ("polygons", "recent")]
)
def test_map_colours_municipalities_by_trend_class(app_env, monkeypatch, shapes, period):
    if shapes == "points":
        monkeypatch.delenv("COP_BOUNDARIES_FILE", raising=False)  # fast, no ../shared
    else:
        require(SHARED_BOUNDARIES.exists(), f"boundaries not found: {SHARED_BOUNDARIES}")
    at = make_app("pages/map.py")
    at.selectbox(key="map_metric").select(trendmap.MAP_METRIC).run()
    at.selectbox(key="map_trend_group").select("birds").run()
    at.radio(key="map_trend_period").set_value(period).run()
    assert not at.exception
    args = json.loads(at.get("component_instance")[0].proto.json_args)
    script = args["script"] + args["feature_group"]  # the base map, then the view on it
    title = (
        "Vogels: trend (% per jaar)"
        if period == "long_term"
        else "Vogels: trend laatste tien jaar (% per jaar)"
    )
    assert title in script
    fills = _map_fills(script)
    if shapes == "polygons":
        assert "Polygon" in script and '"type": "Point"' not in script

    engine = storage.make_engine()
    towns = storage.read_table(engine, "municipalities")
    birds = _monitoring().query("species_group == 'birds'")
    partners = set(towns.loc[towns["is_partner"].fillna(False).astype(bool), "code"])
    # every partner's classes recomputed by hand: its fill is exactly the class colour
    by_hand = {
        code: _group_classes_by_hand(rows)
        for code, rows in birds.groupby("municipality_code")
        if code in partners
    }
    position = 0 if period == "long_term" else 1
    chosen = {code: c[position] if c else None for code, c in by_hand.items()}
    classes = {c for c in chosen.values() if c is not None}
    assert len(classes) >= 2  # the colours tell classes apart, not one colour for all
    assert sum(c is not None for c in chosen.values()) >= 20
    for code, trend_class in chosen.items():
        expected = mon.TREND_CLASS_COLOURS[trend_class] if trend_class else NO_VALUE_COLOUR
        assert fills[code] == expected, (code, trend_class)
    assert all(mon.trend_class_label(c, "nl") in script for c in classes)  # legend
    # the two periods colour the map differently somewhere (the point of the choice)
    assert any(c and c[0] != c[1] for c in by_hand.values())
    # partners without birds counts keep the no-value grey, non-partners their own grey
    unmonitored = partners - set(by_hand)
    assert unmonitored and {fills[c] for c in unmonitored} == {NO_VALUE_COLOUR}
    assert {fills[c] for c in set(towns["code"]) - partners} == {NON_PARTNER_COLOUR}


def _species_counts(data: pd.DataFrame, town: str, group: str, species: str) -> pd.DataFrame:
    rows = data[
        (data["municipality_code"] == town)
        & (data["species_group"] == group)
        & (data["species"] == species)
    ]
    return pd.DataFrame(
        {
            "site": rows["scheme"] + "|" + rows["site_id"],
            "year": rows["year"].astype(int),
            "count": rows["count"].astype(float),
        }
    )


def _pick_species(at) -> tuple[str, str, str]:
    data = _monitoring()
    town = sorted(data["municipality_code"].unique())[0]
    own = data[data["municipality_code"] == town]
    group = str(own["species_group"].iloc[0])
    species = str(own.loc[own["species_group"] == group, "species"].iloc[0])
    at.selectbox(key="monitoring_municipality").set_value(town).run()
    at.selectbox(key="monitoring_group").set_value(group).run()
    at.selectbox(key="monitoring_species").set_value(species).run()
    return town, group, species


def test_advanced_panel_fits_model_2_with_changepoints_and_draws_its_slopes(app_env):
    at = make_app(PAGE)
    town, group, species = _pick_species(at)
    at.radio(key="monitoring_model").set_value(2).run()
    at.selectbox(key="monitoring_changepoint_mode").set_value("given").run()
    at.multiselect(key="monitoring_changepoint_years").set_value([2020]).run()
    assert not at.exception

    counts = _species_counts(_monitoring(), town, group, species)
    first, last = int(counts["year"].min()), int(counts["year"].max())
    fit = fit_trim(counts, model=2, changepoints=[first, 2020])
    assert fit.ok and [(s["from"], s["upto"]) for s in fit.slopes] == [(first, 2020), (2020, last)]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    traces = {t.get("meta"): t for t in spec["data"]}
    index = pd.Series(traces["index"]["y"], index=traces["index"]["x"], dtype=float)
    for slope in fit.slopes:
        line = traces[f"slope_{slope['from']}_{slope['upto']}"]
        xs = np.asarray(line["x"], dtype=float)
        ys = np.log(np.asarray(line["y"], dtype=float))
        # the engine's model-2 slope, through the index of the interval's years
        assert np.diff(ys) / np.diff(xs) == pytest.approx(slope["additive"], rel=1e-6)
        shown = np.log(index.loc[line["x"]].to_numpy())
        assert ys.mean() == pytest.approx(shown.mean(), rel=1e-9, abs=1e-9)
    periods = next(d.value for d in at.dataframe if "Periode" in d.value.columns)
    assert periods["Periode"].tolist() == [
        f"Hele periode ({first}–{last})",
        f"Laatste tien jaar ({last - 9}–{last})",
        f"{first}–2020",
        f"2020–{last}",
    ]
    expected = [
        mon.trend_class_label(classify_slope(s["multiplicative"], s["multiplicative_se"]), "nl")
        for s in fit.slopes
    ]
    assert periods["Trendklasse"].tolist()[2:] == expected
    assert periods["Verandering per jaar (%)"].tolist()[2] == pytest.approx(
        round((fit.slopes[0]["multiplicative"] - 1) * 100, 2)
    )
    table = next(d.value for d in at.dataframe if "Soort" in d.value.columns)
    column = "Trends tussen knikpunten (model 2)"
    assert table.set_index("Soort").loc[species, column].startswith(f"{first}–2020: ")
    # the whole period's trend is the model-2 fit's overall slope
    assert mon.trend_text(
        {
            "trend_class": fit.trend_class,
            "reason": None,
            "multiplicative": fit.overall_slope["imputed"]["multiplicative"],
            "multiplicative_se": fit.overall_slope["imputed"]["multiplicative_se"],
        },
        "nl",
    ) in _badge(at)


def test_advanced_panel_switches_overdispersion_and_serial_correlation_off(app_env):
    at = make_app(PAGE)
    town, group, species = _pick_species(at)
    at.toggle(key="monitoring_overdispersion").set_value(False).run()
    at.toggle(key="monitoring_serial_correlation").set_value(False).run()
    assert not at.exception
    counts = _species_counts(_monitoring(), town, group, species)
    fit = fit_trim(counts, overdispersion=False, serial_correlation=False)
    default = fit_trim(counts)
    slope = fit.overall_slope["imputed"]
    assert slope["multiplicative_se"] != pytest.approx(
        default.overall_slope["imputed"]["multiplicative_se"], rel=1e-3
    )
    text = mon.trend_text(
        {
            "trend_class": fit.trend_class,
            "reason": None,
            "multiplicative": slope["multiplicative"],
            "multiplicative_se": slope["multiplicative_se"],
        },
        "nl",
    )
    assert text in _badge(at)


def _keep_few_towns_in_group(group: str, keep: int) -> list[str]:
    """Leave ``group``'s counts of only the ``keep`` best-counted municipalities (private DB)."""
    import sqlalchemy as sa

    data = _monitoring()
    rows = data[data["species_group"] == group]
    towns = rows["municipality_code"].value_counts().index[:keep].tolist()
    engine = storage.make_engine()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "DELETE FROM monitoring WHERE species_group = :group "
                "AND municipality_code NOT IN (" + ", ".join(f"'{t}'" for t in towns) + ")"
            ),
            {"group": group},
        )
        # a new data version, as every write makes, so the app's caches read the change;
        # without its stamp the table's version is that data version (cop.data.writes)
        conn.execute(
            sa.text(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                "WHERE key = 'data_version'"
            )
        )
        conn.execute(sa.text("DELETE FROM meta WHERE key = 'version:monitoring'"))
    engine.dispose()
    return towns


def test_advanced_panel_offers_the_selections_covariates_and_weights(app_env):
    data = _monitoring()
    towns_per_group = data.groupby("species_group")["municipality_code"].nunique()
    # a municipality covariate with more classes than the limit is never offered
    crowded = towns_per_group[towns_per_group > selection.MAX_COVARIATE_CLASSES]
    for crowded_group in crowded.index:
        offered = mon.model_options(data, species_group=crowded_group)["covariates"]
        assert "municipality_code" not in offered
    # a group that a few municipalities monitor: the municipality is a site covariate
    first = make_app(PAGE, lang="en").selectbox(key="monitoring_group").value
    _keep_few_towns_in_group(first, 4)
    data = _monitoring()
    at = make_app(PAGE, lang="en")
    group = at.selectbox(key="monitoring_group").value
    assert group == first
    # all partners pooled: the municipality (4 of them monitor this group) is a site
    # covariate, and the municipalities may weigh the same
    options = mon.model_options(data, species_group=group)
    assert options["covariates"] == ["municipality_code"]
    assert at.multiselect(key="monitoring_covariates").options == ["Municipality"]
    assert at.selectbox(key="monitoring_weights").options == [
        "Equal weights (every site the same)",
        "Every municipality equally",
    ]
    at.multiselect(key="monitoring_covariates").set_value(["municipality_code"]).run()
    at.selectbox(key="monitoring_weights").set_value("equal_per_municipality").run()
    assert not at.exception
    expected = mon.selection_trends(
        data,
        species_group=group,
        covariates=["municipality_code"],
        weights=mon.EQUAL_PER_MUNICIPALITY,
    )
    plain = mon.selection_trends(data, species_group=group)
    assert expected.trend["multiplicative"] != pytest.approx(plain.trend["multiplicative"])
    assert mon.trend_text(expected.trend, "en") in _badge(at)
    trace = _index_trace(at)
    assert trace["y"] == pytest.approx((expected.series["index"] * 100).tolist(), rel=1e-9)
    # one municipality: nothing to pool, so no weights and no municipality covariate
    town = sorted(_monitoring()["municipality_code"].unique())[0]
    at.selectbox(key="monitoring_municipality").set_value(town).run()
    assert at.selectbox(key="monitoring_weights").options == ["Equal weights (every site the same)"]
    assert at.multiselect(key="monitoring_covariates").value == []
