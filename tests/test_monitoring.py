"""cop.monitoring (selections, trends, wording) on tiny hand-made tables known by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from cop import monitoring as mon
from cop.core import i18n
from cop.geo import trendmap
from cop.monitoring import charts as monitoring_charts
from cop.monitoring.msi import msi_tool
from cop.monitoring.trim import fit_trim, fit_trim_batch

YEARS = [2020, 2021, 2022, 2023]


def rows(
    municipality: str,
    sites: list[str],
    species: str,
    counts: list[list[float | None]],
    *,
    group: str = "butterflies",
    scheme: str = "butterfly_transect",
    years: list[int] = YEARS,
) -> pd.DataFrame:
    """One species at some sites: ``counts[i][j]`` is site i in year j (None = not counted)."""
    records = [
        {
            "municipality_code": municipality,
            "site_id": site,
            "scheme": scheme,
            "species_group": group,
            "species": species,
            "year": year,
            "count": value,
            "lat": 52.0,
            "lon": 5.0,
        }
        for site, site_counts in zip(sites, counts, strict=True)
        for year, value in zip(years, site_counts, strict=True)
    ]
    frame = pd.DataFrame(records)
    frame["count"] = frame["count"].astype("Int64")
    frame["year"] = frame["year"].astype("Int64")
    for column in ("municipality_code", "site_id", "scheme", "species_group", "species"):
        frame[column] = frame[column].astype("string")
    return frame


def table(*parts: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True)


# two sites, counts doubling every year: index 2^t, slope ×2 per year
DOUBLING = rows("GM0001", ["A-1", "A-2"], "atalanta", [[10, 20, 40, 80], [5, 10, 20, 40]])
FLAT = rows("GM0001", ["A-1", "A-2"], "dagpauwoog", [[8, 8, 8, 8], [4, 4, 4, 4]])
ZEROS = rows("GM0001", ["A-1", "A-2"], "kleine vos", [[0, 0, 0, 0], [0, 0, None, 0]])


def test_doubling_counts_give_index_two_to_the_t():
    result = mon.selection_trends(
        DOUBLING, municipality="GM0001", species_group="butterflies", species="atalanta"
    )
    assert result.reason is None
    assert result.kind == "species"
    assert result.base_year == 2020
    assert result.series["index"].tolist() == pytest.approx([1, 2, 4, 8], rel=1e-9)
    assert result.trend["multiplicative"] == pytest.approx(2.0, rel=1e-9)
    assert result.trend["trend_class"] == "strong_increase"
    # the band of the base year has no width; the others contain the index
    assert result.series.loc[0, ["lower", "upper"]].tolist() == pytest.approx([1, 1])
    assert (result.series["lower"] <= result.series["index"] + 1e-12).all()


def test_species_with_all_zeros_reports_the_engines_reason():
    data = table(DOUBLING, ZEROS)
    result = mon.selection_trends(
        data, municipality="GM0001", species_group="butterflies", species="kleine vos"
    )
    assert result.reason == "all_zero"
    assert result.series["index"].isna().all()
    assert mon.trend_text(result.trend, "nl") == i18n.t("monitoring.reason.all_zero", "nl")
    assert "nul" in mon.trend_text(result.trend, "nl")
    badge_text, colour, _icon = mon.trend_badge(result.trend, "en")
    assert badge_text.startswith("Every count is zero") and colour == "gray"


def test_indicator_is_geometric_mean_and_its_trend_the_mean_slope():
    data = table(DOUBLING, FLAT, ZEROS)
    result = mon.selection_trends(data, municipality="GM0001", species_group="butterflies")
    assert result.kind == "indicator"
    assert result.reason is None
    # sqrt(2^t · 1): the all-zero species is in the table, not in the indicator
    assert result.series["index"].tolist() == pytest.approx([2 ** (t / 2) for t in range(4)])
    assert result.series["n_species"].tolist() == [2, 2, 2, 2]
    # the MSI's slope: with the same years for both species, the mean of their slopes
    assert result.trend["additive"] == pytest.approx(math.log(2) / 2, rel=1e-9)
    assert result.trend["n_species"] == 3
    assert result.trend["n_species_estimated"] == 2
    # four years: the last ten years are the whole series
    assert (result.trend["recent_from"], result.trend["recent_upto"]) == (2020, 2023)
    assert result.trend["recent_additive"] == pytest.approx(result.trend["additive"])
    species = result.species.set_index("species")
    assert species.loc["kleine vos", "reason"] == "all_zero"
    assert species.loc["atalanta", "trend_class"] == "strong_increase"
    assert species.loc["dagpauwoog", "multiplicative"] == pytest.approx(1.0, abs=1e-9)
    assert result.intervals["period"].tolist() == ["long_term", "recent"]


NOISY = rows(
    "GM0001",
    ["A-1", "A-2", "A-3"],
    "citroenvlinder",
    [[3, 9, 4, 12], [7, 5, 11, 6], [2, 4, 3, 8]],
)


def _species_indices(data: pd.DataFrame) -> pd.DataFrame:
    """Every species' TRIM indices, fitted one by one (independently of the page)."""
    frames = []
    for name, part in data.groupby("species"):
        fit = fit_trim(part.rename(columns={"site_id": "site"}).astype({"count": "float"}))
        if fit.ok:
            frames.append(fit.indices.assign(species=name))
    return pd.concat(frames, ignore_index=True)


def test_group_trend_is_the_msi_tools_on_the_species_indices():
    data = table(DOUBLING, FLAT, NOISY)
    result = mon.selection_trends(
        data, municipality="GM0001", species_group="butterflies", n_sims=400, seed=9
    )
    expected = msi_tool(_species_indices(data), n_sims=400, seed=9)
    assert result.series["index"].tolist() == pytest.approx(
        expected.series["index"].tolist(), rel=1e-6
    )
    assert result.series["upper"].tolist() == pytest.approx(
        expected.series["upper"].tolist(), rel=1e-4
    )
    row = expected.trends.iloc[0]
    assert result.trend["additive"] == pytest.approx(row["additive"], rel=1e-6)
    assert result.trend["additive_se"] == pytest.approx(row["additive_se"], rel=1e-4)
    assert result.trend["trend_class"] == row["trend_class"]
    # the number of simulations and the seed are parameters
    other = mon.selection_trends(
        data, municipality="GM0001", species_group="butterflies", n_sims=400, seed=10
    )
    assert other.trend["additive"] == pytest.approx(result.trend["additive"], rel=1e-12)
    assert other.trend["additive_se"] != result.trend["additive_se"]


def test_group_trends_of_a_summary_pool_the_species_slopes():
    """The mean-of-slopes group trend (kept for fits summaries): SE sqrt(Σ se²) / n."""
    data = table(DOUBLING, FLAT, NOISY)
    fits = {
        name: fit_trim(
            part.rename(columns={"site_id": "site"}).astype({"count": "float"})
        ).overall_slope["imputed"]
        for name, part in data.groupby("species")
    }
    summary = pd.DataFrame(
        {
            "g": "a",
            "ok": True,
            "additive": [f["additive"] for f in fits.values()],
            "additive_se": [f["additive_se"] for f in fits.values()],
            "first_year": 2020,
            "last_year": 2023,
        }
    )
    row = mon.group_trends(summary, ["g"]).iloc[0]
    ses = summary["additive_se"]
    assert row["additive"] == pytest.approx(summary["additive"].mean(), rel=1e-12)
    assert row["additive_se"] == pytest.approx(math.sqrt((ses**2).sum()) / 3, rel=1e-12)


def test_no_species_estimable_and_empty_selection():
    result = mon.selection_trends(ZEROS, municipality="GM0001", species_group="butterflies")
    assert result.reason == "no_species_estimable"
    assert result.trend["trend_class"] is None
    assert i18n.has_key("monitoring.reason.no_species_estimable")
    empty = mon.selection_trends(ZEROS, municipality="GM9999", species_group="butterflies")
    assert empty.reason == "no_data"
    assert empty.series.empty and empty.matrix.empty


def test_single_year_species():
    once = rows("GM0001", ["A-1"], "oranjetipje", [[3]], years=[2022])
    result = mon.selection_trends(
        table(DOUBLING, once), species_group="butterflies", species="oranjetipje"
    )
    assert result.reason == "single_year"


def test_chosen_base_year_and_a_species_that_starts_later():
    late = rows("GM0001", ["A-1", "A-2"], "icarusblauwtje", [[0, 2, 4, 8], [0, 1, 2, 4]])
    data = table(DOUBLING, late)
    # by default the MSI's first year; icarusblauwtje (nothing seen in 2020) is chained
    # in at 2021: 1, 2 (atalanta alone), then both double
    auto = mon.selection_trends(data, species_group="butterflies")
    assert auto.base_year == 2020
    assert auto.series["index"].tolist() == pytest.approx([1, 2, 4, 8], rel=1e-6)
    assert auto.series["n_species"].tolist() == [1, 2, 2, 2]
    assert auto.excluded.empty
    assert auto.trend["n_species_estimated"] == 2
    # another base year only rescales the chart; the trend stays
    result = mon.selection_trends(data, species_group="butterflies", base_year=2022)
    assert result.base_year == 2022
    assert result.series["index"].tolist() == pytest.approx([0.25, 0.5, 1, 2], rel=1e-6)
    assert result.trend["additive"] == pytest.approx(auto.trend["additive"], rel=1e-12)
    assert result.trend["additive_se"] == pytest.approx(auto.trend["additive_se"], rel=1e-12)
    missing = mon.selection_trends(data, species_group="butterflies", base_year=2019)
    assert missing.reason == "base_year_not_in_data"
    assert missing.reason_params["base_year"] == 2019
    table_row = auto.species.set_index("species").loc["icarusblauwtje"]
    assert bool(table_row["ok"]) and table_row["multiplicative"] == pytest.approx(2.0)
    # a species view with a base year in which it was never seen says so
    sp = mon.selection_trends(
        data, species_group="butterflies", species="icarusblauwtje", base_year=2020
    )
    assert sp.reason == "base_year_not_estimable"
    assert "2020" in mon.reason_text(sp.reason, "nl", sp.reason_params["base_year"])


LONG_YEARS = list(range(2013, 2027))  # 14 years


def test_recent_trend_is_trims_slope_of_the_last_ten_years():
    counts = [
        [1, 2, 3, 5, 9, 12, 12, 11, 11, 10, 10, 9, 9, 8],
        [2, 2, 4, 6, 8, 13, 11, 12, 10, 11, 9, 10, 8, 8],
    ]
    long = rows("GM0001", ["A-1", "A-2"], "atalanta", counts, years=LONG_YEARS)
    result = mon.selection_trends(long, species_group="butterflies", species="atalanta")
    fit = fit_trim(long.rename(columns={"site_id": "site"}).astype({"count": "float"}))
    recent = fit.overall_slope_interval(2017, 2026)
    trend = result.trend
    assert (trend["recent_from"], trend["recent_upto"]) == (2017, 2026)
    assert trend["recent_additive"] == pytest.approx(recent["imputed"]["additive"], rel=1e-6)
    assert trend["recent_additive_se"] == pytest.approx(recent["imputed"]["additive_se"], rel=1e-5)
    assert trend["recent_trend_class"] == recent["imputed"]["trend_class"]
    assert trend["additive"] == pytest.approx(fit.overall_slope["imputed"]["additive"], rel=1e-6)
    # here the whole period rises and the last ten years decline: both are shown
    assert trend["additive"] > 0 > trend["recent_additive"]
    periods = result.intervals.set_index("period")
    assert periods.loc["recent", "from"] == 2017
    assert periods.loc["long_term", "from"] == 2013
    species_row = result.species.iloc[0]
    assert species_row["recent_trend_class"] == trend["recent_trend_class"]
    # a group's recent trend: the MSI's slope over the same ten years
    group = mon.selection_trends(long, species_group="butterflies")
    msi = np.log(group.series["index"].to_numpy())
    x = np.asarray(LONG_YEARS[4:], dtype=float)
    slope = ((x - x.mean()) * msi[4:]).sum() / ((x - x.mean()) ** 2).sum()
    assert group.trend["recent_additive"] == pytest.approx(slope, rel=1e-9)
    assert (group.trend["recent_from"], group.trend["recent_upto"]) == (2017, 2026)


def test_all_partners_pools_sites_across_municipalities():
    other = rows("GM0002", ["B-1"], "atalanta", [[6, 9, 30, 50]])
    data = table(DOUBLING, other)
    pooled = mon.selection_trends(data, species_group="butterflies", species="atalanta")
    expected = fit_trim(
        data.rename(columns={"site_id": "site"}).astype({"count": "float"})
    ).indices["imputed"]
    assert pooled.series["index"].tolist() == pytest.approx(expected.tolist(), rel=1e-9)
    assert pooled.n_sites == 3


def test_trend_classes_by_municipality_matches_the_page():
    other = table(
        rows("GM0002", ["B-1", "B-2"], "atalanta", [[6, 5, 7, 6], [3, 4, 3, 3]]),
        rows(
            "GM0002",
            ["B-1", "B-2"],
            "huismus",
            [[9, 7, 5, 4], [20, 15, 11, 9]],
            group="birds",
            scheme="urban_bird_count",
        ),
    )
    data = table(DOUBLING, FLAT, ZEROS, other)
    trends = mon.trend_classes_by_municipality(data)
    assert list(trends.columns[:6]) == [
        "municipality_code",
        "species_group",
        "trend_class",
        "multiplicative",
        "multiplicative_se",
        "additive",
    ]
    assert "reason" in trends.columns
    assert len(trends) == 3
    for row in trends.itertuples():
        page = mon.selection_trends(
            data, municipality=row.municipality_code, species_group=row.species_group
        )
        assert page.trend["trend_class"] == row.trend_class
        assert page.trend["multiplicative"] == pytest.approx(row.multiplicative, rel=1e-8)
        # the same simulations: the same uncertainty and recent trend
        assert page.trend["additive_se"] == pytest.approx(row.additive_se, rel=1e-6)
        assert page.trend["recent_trend_class"] == row.recent_trend_class
        assert page.trend["recent_from"] == row.recent_from
    gm1 = mon.municipality_trends(trends, "GM0001").iloc[0]
    assert (gm1["n_species"], gm1["n_species_estimated"], gm1["n_sites"]) == (3, 2, 2)
    order = mon.municipality_trends(trends, "GM0002")["species_group"].tolist()
    assert order == ["butterflies", "birds"]  # vocabulary order, not alphabetical
    assert mon.trend_classes_by_municipality(data.iloc[0:0]).empty


def test_sites_are_per_scheme_and_not_counted_is_not_zero():
    garden = rows(
        "GM0001", ["S-1"], "merel", [[4, 0, None, 6]], group="birds", scheme="garden_bird_count"
    )
    mus = rows(
        "GM0001", ["S-1"], "merel", [[2, 3, 3, None]], group="birds", scheme="urban_bird_count"
    )
    data = table(garden, mus)
    counts = mon.site_year_counts(data)
    assert counts["site"].nunique() == 2  # same id, two schemes: two sites
    result = mon.selection_trends(data, species_group="birds")
    assert result.matrix.shape == (2, 4)
    labels = list(result.matrix.index)
    assert labels[0].startswith("S-1 (") and labels[0] != labels[1]
    garden_row = result.matrix.loc["S-1 (garden_bird_count)"]
    assert garden_row[2021] == 0 and math.isnan(garden_row[2022])
    assert result.coverage["sites_counted"].tolist() == [2, 2, 1, 1]
    assert result.coverage["sites_total"].iloc[0] == 2
    assert result.n_site_years_counted == 6 and result.share_counted == pytest.approx(6 / 8)


def test_group_totals_sum_species_and_keep_not_counted():
    other = rows("GM0001", ["A-1", "A-2"], "dagpauwoog", [[1, None, 1, 1], [None, None, 2, 2]])
    data = table(DOUBLING.assign(count=DOUBLING["count"].mask(DOUBLING["year"] == 2021)), other)
    totals = mon.site_year_counts(data, per="total").set_index(["site_id", "year"])["count"]
    assert totals[("A-1", 2020)] == 11
    assert math.isnan(totals[("A-2", 2021)])  # nobody counted there that year
    assert totals[("A-1", 2021)] != totals[("A-1", 2021)]  # NaN: neither species counted
    with pytest.raises(ValueError):
        mon.site_year_counts(data, per="site")


def test_selection_options_follow_the_choices_above():
    birds = rows(
        "GM0002", ["B-1"], "merel", [[1, 2, 3, 4]], group="birds", scheme="garden_bird_count"
    )
    data = table(DOUBLING, FLAT, birds)
    everything = mon.selection_options(data)
    assert everything["municipalities"] == ["GM0001", "GM0002"]
    assert everything["species_groups"] == ["butterflies", "birds"]
    one = mon.selection_options(data, municipality="GM0001")
    assert one["schemes"] == ["butterfly_transect"]
    assert mon.selection_options(data, species_group="birds")["species"] == ["merel"]
    assert one["years"] == YEARS


def test_words_and_numbers():
    assert mon.slope_text(1.032, 0.011, "nl") == "+3,2% per jaar (standaardfout 1,1%)"
    assert mon.slope_text(0.968, 0.011, "en") == "-3.2% per year (standard error 1.1%)"
    assert mon.slope_text(float("nan"), 0.1, "nl") == "–"
    trend = {
        "trend_class": "moderate_increase",
        "multiplicative": 1.032,
        "multiplicative_se": 0.011,
        "reason": None,
    }
    assert mon.trend_text(trend, "nl") == "Matige toename, +3,2% per jaar (standaardfout 1,1%)"
    assert mon.trend_badge(trend, "nl")[1:] == ("blue", ":material/trending_up:")
    nl_classes = [mon.trend_class_label(c, "nl") for c in mon.TREND_CLASS_ORDER]
    assert nl_classes == [
        "Sterke toename",
        "Matige toename",
        "Stabiel",
        "Matige afname",
        "Sterke afname",
        "Onzeker",
    ]
    assert mon.reason_text("no_such_code", "nl") == "no_such_code"
    from cop.monitoring.trim import REASONS

    for code in [*REASONS, *mon.REASON_CODES]:
        assert i18n.has_key(f"monitoring.reason.{code}"), code


def test_tables_for_people():
    data = table(DOUBLING, ZEROS)
    result = mon.selection_trends(data, species_group="butterflies")
    shown = mon.species_table(result.species, "nl")
    assert list(shown.columns) == [
        "Soortgroep",
        "Soort",
        "Trendklasse hele periode",
        "Verandering per jaar, hele periode (%)",
        "Standaardfout, hele periode (%)",
        "Jaren, hele periode",
        "Trendklasse laatste tien jaar",
        "Verandering per jaar, laatste tien jaar (%)",
        "Standaardfout, laatste tien jaar (%)",
        "Jaren, laatste tien jaar",
        "Meetpunten",
        "Toelichting",
    ]
    by_species = shown.set_index("Soort")
    assert by_species.loc["atalanta", "Trendklasse hele periode"] == "Sterke toename"
    assert by_species.loc["atalanta", "Verandering per jaar, hele periode (%)"] == pytest.approx(
        100.0
    )
    assert by_species.loc["atalanta", "Jaren, laatste tien jaar"] == "2020–2023"
    assert by_species.loc["kleine vos", "Trendklasse hele periode"] == "–"
    assert by_species.loc["kleine vos", "Trendklasse laatste tien jaar"] == "–"
    assert by_species.loc["kleine vos", "Toelichting"].startswith("Alle tellingen zijn nul")
    trends = mon.trend_classes_by_municipality(data)
    people = mon.trends_table(mon.municipality_trends(trends, "GM0001"), "en")
    assert people.iloc[0]["Species with a trend"] == "1 of 2"
    assert people.iloc[0]["Trend class, whole period"] == "Strong increase"
    assert people.iloc[0]["Trend class, last ten years"] == "Strong increase"
    assert people.iloc[0]["Years, last ten years"] == "2020–2023"
    periods = mon.intervals_table(result.intervals, "nl")
    assert list(periods.columns) == [
        "Periode",
        "Trendklasse",
        "Verandering per jaar (%)",
        "Standaardfout (%)",
    ]
    assert periods["Periode"].tolist() == [
        "Hele periode (2020–2023)",
        "Laatste tien jaar (2020–2023)",
    ]
    assert mon.period_label("interval", "en", 2015, 2019) == "2015–2019"
    recent = dict(result.trend, recent_trend_class="stable", recent_multiplicative=1.001)
    assert mon.trend_text(recent, "en", period="recent").startswith("Stable, +0.1% per year")
    with pytest.raises(ValueError):
        mon.period_prefix("short")


def test_trend_class_map_frame():
    data = table(DOUBLING, rows("GM0002", ["B-1"], "atalanta", [[0, 0, 0, 0]]))
    trends = mon.trend_classes_by_municipality(data)
    towns = pd.DataFrame(
        {"code": ["GM0001", "GM0002", "GM0003", "GM0004"], "is_partner": [True, True, True, False]}
    )
    frame = trendmap.trend_class_map_frame(trends, towns, "butterflies", "nl").set_index("code")
    assert frame.loc["GM0001", "colour"] == mon.TREND_CLASS_COLOURS["strong_increase"]
    assert frame.loc["GM0001", "change"] == pytest.approx(100.0)
    assert pd.isna(frame.loc["GM0002", "colour"])
    assert frame.loc["GM0002", "label"].startswith("Van geen enkele soort")
    assert frame.loc["GM0003", "label"] == "Niet gemonitord"
    assert not frame.loc["GM0004", "is_partner"]
    assert len(set(mon.TREND_CLASS_COLOURS.values())) == 6
    fills = trendmap.trend_fill_colours(frame.reset_index(), "#f0f0f0", "#bdbdbd")
    assert fills == [mon.TREND_CLASS_COLOURS["strong_increase"], "#f0f0f0", "#f0f0f0", "#bdbdbd"]
    legend = trendmap.trend_legend("en")
    assert legend[0] == ("Strong increase", mon.TREND_CLASS_COLOURS["strong_increase"])


def test_index_chart_json():
    data = table(DOUBLING, rows("GM0001", ["A-3"], "atalanta", [[3, None, 12, 24]]))
    result = mon.selection_trends(data, species_group="butterflies", species="atalanta")
    gap = result.series.copy()
    gap.loc[1, ["index", "lower", "upper"]] = np.nan
    fig = json.loads(monitoring_charts.index_chart(gap, result.base_year, "nl").to_json())
    trace = next(t for t in fig["data"] if t.get("meta") == "index")
    assert trace["y"][0] == pytest.approx(100.0)
    assert trace["y"][1] is None
    assert trace["y"][2:] == pytest.approx([400.0, 800.0], rel=1e-6)
    shapes = fig["layout"]["shapes"]
    assert any(s.get("y0") == 100 and s.get("y1") == 100 for s in shapes)  # 100 line
    assert any(s.get("x0") == 2020 and s.get("x1") == 2020 for s in shapes)  # base year
    assert fig["layout"]["yaxis"]["title"]["text"] == "Index (basisjaar = 100)"


def test_index_chart_draws_the_interval_slopes():
    steps = rows("GM0001", ["A-1", "A-2"], "atalanta", [[10, 20, 40, 40], [5, 10, 20, 20]])
    result = mon.selection_trends(steps, species_group="butterflies", species="atalanta")
    slopes = pd.DataFrame(
        {
            "from": [2020, 2022],
            "upto": [2022, 2023],
            "additive": [math.log(2), 0.0],
            "multiplicative": [2.0, 1.0],
        }
    )
    fig = json.loads(monitoring_charts.index_chart(result.series, 2020, "nl", slopes).to_json())
    traces = {t.get("meta"): t for t in fig["data"]}
    # doubling to 2022, flat after: each line goes exactly through the index of its years
    assert traces["slope_2020_2022"]["x"] == [2020, 2021, 2022]
    assert traces["slope_2020_2022"]["y"] == pytest.approx([100, 200, 400], rel=1e-6)
    assert traces["slope_2022_2023"]["y"] == pytest.approx([400, 400], rel=1e-6)
    assert traces["slope_2020_2022"]["name"] == "Trend 2020–2022"
    assert "+100,0% per jaar" in traces["slope_2020_2022"]["hovertemplate"]
    assert traces["slope_2020_2022"]["line"]["dash"] == "dash"
    # of a selection's intervals only those between changepoints are drawn
    periods = pd.concat(
        [slopes.assign(period="interval"), result.intervals.assign(period="long_term")]
    )
    drawn = json.loads(monitoring_charts.index_chart(result.series, 2020, "nl", periods).to_json())
    metas = [t.get("meta") for t in drawn["data"] if str(t.get("meta", "")).startswith("slope_")]
    assert metas == ["slope_2020_2022", "slope_2022_2023"]
    # no slopes asked for: no slope traces
    plain = json.loads(monitoring_charts.index_chart(result.series, 2020, "nl").to_json())
    assert not any(str(t.get("meta", "")).startswith("slope_") for t in plain["data"])


def test_heatmap_and_coverage_json():
    data = rows("GM0001", ["A-1", "A-2"], "atalanta", [[0, 5, None, 50], [None, 1, 2, 3]])
    result = mon.selection_trends(data, species_group="butterflies")
    fig = json.loads(monitoring_charts.count_heatmap(result.matrix, "en").to_json())
    heat = fig["data"][0]
    assert heat["z"][0][0] == 0  # counted zero: a colour (the palest)
    assert heat["z"][0][2] is None and heat["text"][0][2] == "not counted"
    assert heat["customdata"][0][3] == 50
    assert fig["layout"]["plot_bgcolor"] == monitoring_charts.NOT_COUNTED_COLOUR
    cov = json.loads(monitoring_charts.coverage_chart(result.coverage, "nl").to_json())
    counted, gaps = cov["data"]
    assert counted["y"] == [1, 2, 1, 2] and gaps["y"] == [1, 0, 1, 0]


def test_matrix_keeps_the_most_counted_sites():
    many = rows(
        "GM0001",
        [f"S-{i:02d}" for i in range(5)],
        "atalanta",
        [[1, 1, 1, 1]] * 3 + [[1, None, None, None]] * 2,
    )
    matrix, total = mon.site_year_matrix(many, max_sites=3)
    assert total == 5 and list(matrix.index) == ["S-00", "S-01", "S-02"]
    cov = mon.coverage_by_year(many)
    assert cov["sites_counted"].tolist() == [5, 3, 3, 3]


def test_batch_engine_agrees_with_selection_for_a_species():
    """The page's numbers are the engine's: one fit per species, nothing added."""
    data = table(DOUBLING, FLAT)
    result = mon.selection_trends(data, species_group="butterflies", species="dagpauwoog")
    batch = fit_trim_batch(
        data.rename(columns={"site_id": "site"}).astype({"count": "float"}), ["species"]
    )
    expected = batch.indices[batch.indices["species"] == "dagpauwoog"]["imputed"]
    assert result.series["index"].tolist() == pytest.approx(expected.tolist(), rel=1e-9)


def test_trend_map_view_recolours_the_maps_view():
    """The map's metric option: classes, greys and filters of cop.geo.mapview are respected."""
    from cop.geo import mapview, webmap

    towns = pd.DataFrame(
        {
            "code": ["GM0001", "GM0002", "GM0003"],
            "name": ["Aa", "Bee", "Cee"],
            "province": ["Utrecht", "Zeeland", "Utrecht"],
            "population": [10_000, 20_000, 30_000],
            "is_partner": [True, True, False],
            "lat": [52.0, 51.5, 52.1],
            "lon": [5.0, 3.8, 5.1],
        }
    )
    measures = pd.DataFrame(
        {c: pd.Series(dtype="string") for c in ("municipality_code", "theme", "status")}
        | {"start_year": pd.Series(dtype="Int64")}
    )
    maturity = pd.DataFrame(
        {
            "municipality_code": pd.Series(dtype="string"),
            "year": pd.Series(dtype="Int64"),
            "dimension": pd.Series(dtype="string"),
            "level": pd.Series(dtype="Int64"),
        }
    )
    data = table(DOUBLING, rows("GM0002", ["B-1"], "atalanta", [[5, 5, 5, 5]]))
    trends = mon.trend_classes_by_municipality(data)
    chosen = mapview.MeasureFilter(provinces=("Utrecht",))
    base = mapview.map_view(measures, towns, maturity, chosen, "measures", lang="nl")
    view = trendmap.trend_map_view(base, trends, towns, "butterflies", "nl")
    fills = dict(zip(view.metric["code"], view.fills, strict=True))
    assert fills["GM0001"] == mon.TREND_CLASS_COLOURS["strong_increase"]
    assert fills["GM0002"] == mapview.NO_VALUE_COLOUR  # left out by the province filter
    assert fills["GM0003"] == mapview.NON_PARTNER_COLOUR
    assert view.metric.set_index("code").loc["GM0001", "value"] == pytest.approx(100.0)
    assert view.legend_title == "Dagvlinders: trend (% per jaar)"
    items = webmap.legend_items(view.classes, "nl", view.legend_decimals)
    assert items[0] == (mon.TREND_CLASS_COLOURS["strong_increase"], "Sterke toename")
    assert [label for _, label in items[:6]] == [
        mon.trend_class_label(c, "nl") for c in mon.TREND_CLASS_ORDER
    ]


def test_model_options_offer_site_columns_and_weights():
    birds = rows(
        "GM0002", ["B-1"], "merel", [[1, 2, 3, 4]], group="birds", scheme="garden_bird_count"
    )
    data = table(DOUBLING, FLAT, birds)
    # one municipality, one scheme: nothing to tell sites apart by, nothing to pool
    assert mon.model_options(data, municipality="GM0001") == {"covariates": [], "weights": []}
    # all partners: municipality and scheme are constant per site, with two classes each
    pooled = mon.model_options(data)
    assert pooled["covariates"] == ["municipality_code", "scheme"]
    assert pooled["weights"] == [mon.EQUAL_PER_MUNICIPALITY]
    # a column a data set adds qualifies the same way; one that varies within a site not
    habitat = data.assign(
        habitat=np.where(data["site_id"] == "A-1", "park", "verge"),
        visit=np.arange(len(data)) % 3,
    )
    assert "habitat" in mon.model_options(habitat)["covariates"]
    assert "visit" not in mon.model_options(habitat)["covariates"]


def test_changepoint_choice_and_model_choice():
    assert mon.changepoint_choice(2, "given", [2022, 2021]) == [2021, 2022]
    assert mon.changepoint_choice(2, "given", []) is None
    assert mon.changepoint_choice(2, "auto", []) == "auto"
    assert mon.changepoint_choice(3, "given", [2021]) is None
    with pytest.raises(ValueError):
        mon.changepoint_choice(2, "sometimes", [])
    choice = mon.ModelChoice.of(2, [2021], (), None, True, True)
    assert choice.given_intervals([2020, 2021, 2022, 2023]) == [(2020, 2021), (2021, 2023)]
    assert choice.fit_kwargs([2021, 2022, 2023])["changepoints"] == (2021,)
    assert not choice.batch and mon.ModelChoice.of(3, [2021], (), None, True, True).batch
    assert mon.ModelChoice.of(3, [2021], (), None, True, True).changepoints is None
    with pytest.raises(ValueError):
        mon.ModelChoice.of(4, None, (), None, True, True)


STEPS = rows(
    "GM0001",
    ["A-1", "A-2"],
    "atalanta",
    [[10, 20, 40, 40, 40, 40], [5, 10, 20, 20, 20, 20]],
    years=[2018, 2019, 2020, 2021, 2022, 2023],
)


def test_model_2_with_changepoints_for_a_species_and_the_indicator():
    flat = rows(
        "GM0001",
        ["A-1", "A-2"],
        "dagpauwoog",
        [[8, 8, 8, 8, 8, 8], [4, 4, 4, 4, 4, 4]],
        years=[2018, 2019, 2020, 2021, 2022, 2023],
    )
    data = table(STEPS, flat)
    result = mon.selection_trends(
        data, species_group="butterflies", species="atalanta", model=2, changepoints=[2020]
    )
    fit = fit_trim(
        STEPS.rename(columns={"site_id": "site"}).astype({"count": "float"}),
        model=2,
        changepoints=[2018, 2020],
    )
    between = result.intervals[result.intervals["period"] == "interval"]
    assert between[["from", "upto"]].to_numpy().tolist() == [[2018, 2020], [2020, 2023]]
    assert between["additive"].tolist() == pytest.approx(
        [s["additive"] for s in fit.slopes], rel=1e-6
    )
    assert between["trend_class"].tolist()[0] == "strong_increase"
    assert result.trend["additive"] == pytest.approx(
        fit.overall_slope["imputed"]["additive"], rel=1e-6
    )
    text = mon.species_table(result.species, "nl", result.species_intervals).set_index("Soort")
    assert text.loc["atalanta", "Trends tussen knikpunten (model 2)"].startswith(
        "2018–2020: Sterke toename (+100,0%); 2020–2023: Stabiel"
    )
    # the indicator: its trend split at the same changepoint (the MSI's own slopes)
    group = mon.selection_trends(data, species_group="butterflies", model=2, changepoints=[2020])
    msi = np.log(group.series["index"].to_numpy())
    periods = group.intervals.set_index(["period", "from"])
    x = np.arange(2018, 2021, dtype=float)
    assert periods.loc[("interval", 2018), "additive"] == pytest.approx(
        ((x - x.mean()) * msi[:3]).sum() / ((x - x.mean()) ** 2).sum(), rel=1e-6
    )
    assert periods.loc[("interval", 2020), "upto"] == 2023
    # stepwise selection per species; a model-1 fit has no trend in time
    auto = mon.selection_trends(data, species_group="butterflies", model=2, changepoints="auto")
    assert auto.reason is None
    none = mon.selection_trends(data, species_group="butterflies", species="dagpauwoog", model=1)
    assert none.trend["trend_class"] == "stable"


def test_equal_weights_per_municipality():
    other = rows("GM0002", ["B-1"], "atalanta", [[6, 9, 30, 50]])
    data = table(DOUBLING, other)
    rows_ = mon.filter_selection(data, species_group="butterflies")
    from cop.monitoring.selection import equal_municipality_weights

    weights = equal_municipality_weights(rows_)
    by_town = pd.Series(weights).groupby(rows_["municipality_code"].to_numpy()).first()
    assert by_town.to_dict() == {"GM0001": 0.5, "GM0002": 1.0}
    weighted = mon.selection_trends(
        data, species_group="butterflies", species="atalanta", weights=mon.EQUAL_PER_MUNICIPALITY
    )
    expected = fit_trim(
        data.rename(columns={"site_id": "site"}).astype({"count": "float"}).assign(w=weights),
        weights="w",
    )
    assert weighted.series["index"].tolist() == pytest.approx(
        expected.indices["imputed"].tolist(), rel=1e-6
    )
    plain = mon.selection_trends(data, species_group="butterflies", species="atalanta")
    assert weighted.series["index"].tolist() != pytest.approx(plain.series["index"].tolist())
