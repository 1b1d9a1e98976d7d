"""The TRIM trend engine: validation against TRIM 3.61, hand-made cases, edge cases, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cop.cli.trend import trend_cli
from cop.monitoring.msi import multi_species_indicator
from cop.monitoring.trim import (
    REASONS,
    TREND_CLASSES,
    TrimInputError,
    classify_slope,
    fit_trim,
    fit_trim_batch,
    trends_by,
    trim_label,
)
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
TRIM_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "trim"
SKYLARK = TRIM_DIR / "skylark.csv"
EXPECTED = TRIM_DIR / "skylark_expected.json"

# TRIM runs on the skylark data that are model 3 (1e: model 2 with a changepoint at every
# time point, which is the same model): run -> (overdispersion, serial correlation).
RUNS = {
    "skylark-1a": (False, False),
    "skylark-1b": (True, False),
    "skylark-1c": (True, True),
    "skylark-1e": (True, True),
}


@pytest.fixture(scope="module")
def skylark() -> tuple[pd.DataFrame, dict]:
    require(
        SKYLARK.is_file() and EXPECTED.is_file(), f"TRIM reference data not found in {TRIM_DIR}"
    )
    return pd.read_csv(SKYLARK), json.loads(EXPECTED.read_text(encoding="utf-8"))


def _series(counts: list[list[float | None]], years: list[int] | None = None) -> pd.DataFrame:
    """Long frame from a site × year matrix (None = not counted)."""
    years = years or list(range(2010, 2010 + len(counts[0])))
    rows = [
        {"site": f"s{i}", "year": y, "count": np.nan if c is None else c}
        for i, row in enumerate(counts)
        for y, c in zip(years, row, strict=True)
    ]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ TRIM 3.61


@pytest.mark.parametrize("run", sorted(RUNS))
def test_reproduces_trim(skylark, run: str) -> None:
    data, expected = skylark
    ref = expected["runs"][run]
    overdispersion, serial_correlation = RUNS[run]
    result = fit_trim(data, overdispersion=overdispersion, serial_correlation=serial_correlation)
    assert result.ok and result.base_year == 1984
    assert result.n_sites == ref["data_summary"]["n_sites"]
    assert result.n_observed == ref["data_summary"]["n_observed_counts"]

    idx = pd.DataFrame(ref["time_indices"])
    assert result.indices["year"].tolist() == idx["year"].tolist()
    for ours, theirs in [
        ("model", "model"),
        ("model_se", "se_model"),
        ("imputed", "imputed"),
        ("imputed_se", "se_imputed"),
    ]:
        np.testing.assert_allclose(result.indices[ours], idx[theirs], rtol=0, atol=1e-4)

    totals = pd.DataFrame(ref["time_totals"])  # TRIM prints totals as integers
    for ours, theirs in [
        ("model", "model"),
        ("model_se", "se_model"),
        ("imputed", "imputed"),
        ("imputed_se", "se_imputed"),
    ]:
        np.testing.assert_allclose(result.time_totals[ours], totals[theirs], rtol=0, atol=0.5)

    for kind in ("model", "imputed"):
        ours, theirs = result.overall_slope[kind], ref["overall_slope"][kind]
        for key, ref_key in [
            ("additive", "additive"),
            ("additive_se", "se_additive"),
            ("multiplicative", "multiplicative"),
            ("multiplicative_se", "se_multiplicative"),
        ]:
            assert ours[key] == pytest.approx(theirs[ref_key], abs=1e-4), (kind, key)
        assert ours["label"] == theirs["classification"].rstrip(" *")
    assert result.trend_class == result.trend_class_model == "moderate_increase"

    if overdispersion:
        assert result.overdispersion == pytest.approx(ref["overdispersion"], abs=1e-3)
    else:
        assert result.overdispersion is None
    if serial_correlation:
        assert result.serial_correlation == pytest.approx(ref["serial_correlation"], abs=1e-3)
    else:
        assert result.serial_correlation is None
    gof = ref["goodness_of_fit"]
    assert result.goodness_of_fit["pearson_chi2"] == pytest.approx(
        gof["pearson_chi2"]["value"], rel=1e-3
    )
    assert result.goodness_of_fit["likelihood_ratio"] == pytest.approx(
        gof["likelihood_ratio"]["value"], rel=1e-3
    )
    assert result.goodness_of_fit["df"] == gof["pearson_chi2"]["df"]


def test_model3_index_equals_time_parameter(skylark) -> None:
    data, expected = skylark
    result = fit_trim(data, overdispersion=False, serial_correlation=False)
    params = pd.DataFrame(expected["runs"]["skylark-1a"]["time_parameters"])
    np.testing.assert_allclose(result.indices["model"], params["multiplicative"], atol=1e-4)
    np.testing.assert_allclose(result.indices["model_se"], params["se_multiplicative"], atol=1e-4)


def test_batch_matches_single_fits(skylark) -> None:
    """Stacking, padding and bucketing must not change any number."""
    data, _ = skylark
    batch = fit_trim_batch(data, ["habitat"])
    for habitat, part in data.groupby("habitat"):
        single = fit_trim(part)
        row = batch.summary.loc[batch.summary["habitat"] == habitat].iloc[0]
        slope = single.overall_slope["imputed"]
        assert row["multiplicative"] == pytest.approx(slope["multiplicative"], rel=1e-9)
        assert row["multiplicative_se"] == pytest.approx(slope["multiplicative_se"], rel=1e-9)
        assert row["serial_correlation"] == pytest.approx(single.serial_correlation, rel=1e-9)
        idx = batch.indices.loc[batch.indices["habitat"] == habitat]
        np.testing.assert_allclose(idx["imputed_se"], single.indices["imputed_se"], rtol=1e-9)


def test_base_year_is_selectable(skylark) -> None:
    data, _ = skylark
    first = fit_trim(data)
    other = fit_trim(data, base_year=1988)
    expected = first.indices["imputed"] / first.indices["imputed"].iloc[4]
    np.testing.assert_allclose(other.indices["imputed"], expected, rtol=1e-10)
    assert other.indices["imputed_se"].iloc[4] == 0.0
    assert other.overall_slope["imputed"]["additive"] == pytest.approx(
        first.overall_slope["imputed"]["additive"], rel=1e-10
    )


# ------------------------------------------------------------------ interval slopes


def test_interval_over_all_years_is_the_overall_slope(skylark) -> None:
    data, _ = skylark
    result = fit_trim(data)
    whole = result.overall_slope_interval(1984, 1991)
    assert (whole["from"], whole["upto"]) == (1984, 1991)
    for kind in ("model", "imputed"):
        for key in ("additive", "additive_se", "multiplicative", "multiplicative_se"):
            assert whole[kind][key] == pytest.approx(result.overall_slope[kind][key], rel=1e-12)
        assert whole[kind]["trend_class"] == result.overall_slope[kind]["trend_class"]


def test_interval_slope_is_ols_with_sandwich_se_on_the_interval(skylark) -> None:
    """Recomputed from the printed totals and their covariance, by hand."""
    data, _ = skylark
    result = fit_trim(data)
    part = result.overall_slope_interval(1987, 1991)
    years = np.arange(1987, 1992)
    for kind in ("model", "imputed"):
        tt = result.time_totals.set_index("year").loc[years, kind].to_numpy()
        var = result.time_totals_vcov[kind].loc[years, years].to_numpy()
        X = np.column_stack([np.ones(5), years - years.mean()])
        L = np.linalg.solve(X.T @ X, X.T)
        slope = (L @ np.log(tt))[1]
        se = np.sqrt((L @ (var / np.outer(tt, tt)) @ L.T)[1, 1])
        assert part[kind]["additive"] == pytest.approx(slope, rel=1e-10)
        assert part[kind]["additive_se"] == pytest.approx(se, rel=1e-10)
        assert part[kind]["multiplicative_se"] == pytest.approx(np.exp(slope) * se, rel=1e-10)


def test_interval_slopes_follow_a_break_in_the_trend() -> None:
    # doubling until 2013, constant afterwards: exact, so the slopes are exact too
    data = _series([[1, 2, 4, 8, 8, 8], [3, 6, 12, 24, 24, 24]])
    result = fit_trim(data, overdispersion=False, serial_correlation=False)
    up = result.overall_slope_interval(2010, 2013)
    flat = result.overall_slope_interval(2013, 2015)
    assert up["imputed"]["multiplicative"] == pytest.approx(2.0)
    assert up["imputed"]["trend_class"] == "strong_increase"
    assert flat["model"]["multiplicative"] == pytest.approx(1.0)
    assert (flat["from"], flat["upto"]) == (2013, 2015)


def test_interval_uses_only_years_with_an_index() -> None:
    data = _series([[10, None, 14, 20, 25], [4, None, 6, 7, 9]])
    result = fit_trim(data)
    part = result.overall_slope_interval(2011, 2014)
    assert (part["from"], part["upto"]) == (2012, 2014)
    single = result.overall_slope_interval(2013, 2013 + 0.5)
    assert np.isnan(single["imputed"]["additive"]) and single["imputed"]["trend_class"] is None
    with pytest.raises(ValueError, match="before"):
        result.overall_slope_interval(2014, 2012)
    failed = fit_trim(_series([[5, None, None], [3, None, None]]))
    assert failed.overall_slope_interval(2010, 2012)["model"]["trend_class"] is None


def test_batch_recent_years_equal_single_fit_intervals(skylark) -> None:
    data, _ = skylark
    summary = fit_trim_batch(data, ["habitat"], recent_years=5).summary
    for habitat, part in data.groupby("habitat"):
        row = summary.loc[summary["habitat"] == habitat].iloc[0]
        single = fit_trim(part).overall_slope_interval(1987, 1991)
        assert (row["recent_from"], row["recent_upto"]) == (1987, 1991)
        for kind, suffix in (("imputed", ""), ("model", "_model")):
            for key in ("additive", "multiplicative"):
                assert row[f"recent_{key}{suffix}"] == pytest.approx(single[kind][key], rel=1e-9)
                assert row[f"recent_{key}{suffix}_se"] == pytest.approx(
                    single[kind][f"{key}_se"], rel=1e-9
                )
            assert row[f"recent_trend_class{suffix}"] == single[kind]["trend_class"]
        significance = row["recent_significance"]
        assert (None if pd.isna(significance) else significance) == single["imputed"][
            "significance"
        ]


def test_batch_recent_window_is_per_series() -> None:
    short = _series([[10, 12, 15]], years=[2018, 2019, 2020]).assign(k="short")
    long = _series([[10, 12, 15, 17, 20, 26]], years=list(range(2015, 2021))).assign(k="long")
    stopped = _series([[10, 12, 15, None, None]], years=list(range(2016, 2021))).assign(k="stop")
    summary = trends_by(pd.concat([short, long, stopped]), ["k"], recent_years=4)
    rows = summary.set_index("k")
    assert (rows.loc["long", "recent_from"], rows.loc["long", "recent_upto"]) == (2017, 2020)
    assert (rows.loc["short", "recent_from"], rows.loc["short", "recent_upto"]) == (2018, 2020)
    assert (rows.loc["stop", "recent_from"], rows.loc["stop", "recent_upto"]) == (2016, 2018)
    with pytest.raises(ValueError, match="recent_years"):
        trends_by(short, ["k"], recent_years=1)


# ------------------------------------------------------------------ tiny cases


def test_exact_doubling_gives_powers_of_two() -> None:
    data = _series([[1, 2, 4, 8, 16], [3, 6, 12, 24, 48]])
    for overdispersion in (False, True):
        result = fit_trim(data, overdispersion=overdispersion, serial_correlation=overdispersion)
        assert result.ok
        np.testing.assert_allclose(result.indices["imputed"], 2.0 ** np.arange(5), rtol=1e-9)
        np.testing.assert_allclose(result.indices["model"], 2.0 ** np.arange(5), rtol=1e-9)
        assert result.overall_slope["imputed"]["multiplicative"] == pytest.approx(2.0)
        assert result.trend_class == "strong_increase"


def test_gaps_are_imputed_from_the_model() -> None:
    # site 2 misses the last year; its imputed count follows the common doubling
    data = _series([[10, 20, 40], [5, 10, None]])
    result = fit_trim(data, overdispersion=False, serial_correlation=False)
    np.testing.assert_allclose(result.time_totals["imputed"], [15, 30, 60], rtol=1e-8)
    np.testing.assert_allclose(result.indices["imputed"], [1, 2, 4], rtol=1e-8)


def test_single_site_index_is_the_count_ratio() -> None:
    result = fit_trim(_series([[10, 12, 9, 15]]))
    assert result.ok and result.n_sites == 1
    np.testing.assert_allclose(result.indices["imputed"], [1, 1.2, 0.9, 1.5], rtol=1e-9)
    assert result.overdispersion == 1.0  # no residual degrees of freedom: TRIM's default


def test_site_counted_once_leaves_model_indices_alone() -> None:
    base = [[10, 14, 9, 20], [4, 6, 5, 7]]
    with_once = fit_trim(_series([*base, [None, 30, None, None]]), serial_correlation=False)
    without = fit_trim(_series(base), serial_correlation=False)
    assert with_once.ok and with_once.n_sites == 3
    np.testing.assert_allclose(with_once.indices["model"], without.indices["model"], rtol=1e-8)


def test_all_zero_site_is_dropped_and_reported() -> None:
    base = [[10, 14, 9, 20], [4, 6, 5, 7]]
    result = fit_trim(_series([*base, [0, 0, None, 0]]))
    reference = fit_trim(_series(base))
    assert result.dropped_sites == [{"site": "s2", "reason": "site_all_zero"}]
    assert result.n_sites == 2
    np.testing.assert_allclose(result.indices["imputed"], reference.indices["imputed"])


def test_year_without_counts_gets_a_reason() -> None:
    data = _series([[10, None, 14, 20], [4, None, 6, 7]])
    result = fit_trim(data)
    assert result.ok
    row = result.indices.set_index("year").loc[2011]
    assert np.isnan(row["imputed"]) and row["reason"] == "year_without_counts"
    assert result.indices["imputed"].notna().sum() == 3

    zero_year = fit_trim(_series([[10, 0, 14, 20], [4, 0, 6, 7]]))
    assert zero_year.indices.set_index("year").loc[2011, "reason"] == "year_all_zero"


def test_year_seen_only_at_a_once_counted_site_is_not_connected() -> None:
    data = _series([[10, 12, 14, None], [4, 6, 5, None], [None, None, None, 8]])
    result = fit_trim(data)
    assert result.ok
    assert result.indices.set_index("year").loc[2013, "reason"] == "year_not_connected"
    assert result.dropped_sites == [{"site": "s2", "reason": "site_not_connected"}]


def test_very_large_counts_scale_out() -> None:
    counts = [[10, 14, 9, 20, 25], [4, 6, 5, 7, None], [30, None, 28, 35, 41]]
    small = fit_trim(_series(counts))
    big = fit_trim(_series([[None if c is None else c * 1e7 for c in row] for row in counts]))
    assert big.ok
    np.testing.assert_allclose(big.indices["imputed"], small.indices["imputed"], rtol=1e-7)
    assert big.overdispersion == pytest.approx(small.overdispersion * 1e7, rel=1e-6)


def test_serial_correlation_that_does_not_converge_falls_back() -> None:
    # sparse counts (from a random search) where the GEE with rho wanders off
    m = 1e6
    counts = [
        [None, 5 * m, None, None, m, 0, m, None, 2 * m, 0, None],
        [None, 2 * m, None, 0, m, None, m, None, m, None, m],
        [None, None, None, None, m, None, m, None, m, None, None],
        [None, 0, 2 * m, m, m, None, None, None, 0, None, None],
    ]
    result = fit_trim(_series(counts))
    assert result.ok and result.serial_correlation is None
    assert result.warnings == [{"code": "serial_correlation_not_converged"}]
    plain = fit_trim(_series(counts), serial_correlation=False)
    assert result.overall_slope == plain.overall_slope
    summary = trends_by(_series(counts).assign(k=1), ["k"])
    assert summary.loc[0, "serial_correlation_dropped"]


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ([[None, None, None]], "no_counts"),
        ([[0, 0, None], [0, None, 0]], "all_zero"),
        ([[5, None, None], [3, None, None]], "single_year"),
        ([[5, 0, 0], [3, 0, None]], "single_year"),
    ],
)
def test_not_estimable_gives_reason(counts, reason: str) -> None:
    result = fit_trim(_series(counts))
    assert not result.ok and result.reason == reason and reason in REASONS
    payload = result.to_json_dict()
    assert payload["indices"] == [] and payload["overall_slope"]["multiplicative"] is None


def test_empty_frame_has_no_counts() -> None:
    result = fit_trim(pd.DataFrame({"site": [], "year": [], "count": []}))
    assert (result.ok, result.reason) == (False, "no_counts")


def test_base_year_problems() -> None:
    data = _series([[10, None, 14, 20], [4, None, 6, 7]])
    missing = fit_trim(data, base_year=1990)
    assert (missing.reason, missing.reason_params) == ("base_year_not_in_data", {"base_year": 1990})
    assert fit_trim(data, base_year=2011).reason == "base_year_not_estimable"


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (pd.DataFrame({"site": [1], "year": [2020]}), "missing_columns"),
        (pd.DataFrame({"site": [1, 1], "year": [2020, 2021], "count": [3, -1]}), "negative_counts"),
        (
            pd.DataFrame({"site": [1, 1], "year": [2020, 2021], "count": ["3", "x"]}),
            "non_numeric_counts",
        ),
        (
            pd.DataFrame({"site": [1, 1], "year": [2020, 2020], "count": [3, 4]}),
            "duplicate_site_year",
        ),
        (
            pd.DataFrame({"site": [1, 1], "year": ["2020", "later"], "count": [3, 4]}),
            "non_numeric_years",
        ),
    ],
)
def test_unusable_input_raises(frame: pd.DataFrame, code: str) -> None:
    with pytest.raises(TrimInputError) as err:
        fit_trim(frame)
    assert err.value.code == code


def test_duplicates_can_be_summed() -> None:
    data = pd.DataFrame(
        {
            "site": [1, 1, 1, 2, 2],
            "year": [2020, 2020, 2021, 2020, 2021],
            "count": [3, 2, 10, 5, 10],
        }
    )
    result = fit_trim(data, duplicates="sum", overdispersion=False, serial_correlation=False)
    assert result.time_totals["imputed"].tolist() == pytest.approx([10, 20])


def test_json_shape() -> None:
    payload = fit_trim(_series([[10, 14, 9, 20], [4, 6, 5, 7]])).to_json_dict()
    assert set(payload["indices"][0]) >= {"year", "model", "model_se", "imputed", "imputed_se"}
    assert set(payload["overall_slope"]) == {
        "multiplicative",
        "multiplicative_se",
        "additive",
        "additive_se",
    }
    assert payload["trend_class"] in TREND_CLASSES
    assert {"overdispersion", "serial_correlation"} <= set(payload)
    json.dumps(payload, allow_nan=False)


# ------------------------------------------------------------------ models 1 and 2, covariates, weights


def test_model1_has_no_time_effect() -> None:
    # complete data, Poisson ML: each site's fitted count is its mean, so every model
    # total is the sum of the means (25), the imputed totals are the observed ones, and
    # var(model total) = Σ mu_i / J, var(imputed total) = Σ mu_i (worked out by hand)
    data = _series([[10, 20, 30], [5, 5, 5]])
    result = fit_trim(data, model=1, overdispersion=False, serial_correlation=False)
    assert result.ok and result.model == 1
    np.testing.assert_allclose(result.time_totals["model"], [25, 25, 25])
    np.testing.assert_allclose(result.time_totals["imputed"], [15, 25, 35])
    np.testing.assert_allclose(result.time_totals["model_se"], np.sqrt(25 / 3))
    np.testing.assert_allclose(result.time_totals["imputed_se"], [5, 5, 5])
    np.testing.assert_allclose(result.indices["model"], [1, 1, 1])
    assert result.overall_slope["model"]["trend_class"] == "stable"
    assert result.goodness_of_fit["df"] == 6 - 2
    assert result.slopes == [] and result.changepoints == []


def test_model2_slopes_between_changepoints_are_exact_on_exact_data() -> None:
    data = _series([[1, 2, 4, 8, 4, 2], [3, 6, 12, 24, 12, 6]])
    result = fit_trim(
        data, model=2, changepoints=[2010, 2013], overdispersion=False, serial_correlation=False
    )
    assert [(s["from"], s["upto"]) for s in result.slopes] == [(2010, 2013), (2013, 2015)]
    assert [s["multiplicative"] for s in result.slopes] == pytest.approx([2.0, 0.5])
    np.testing.assert_allclose(result.indices["model"], [1, 2, 4, 8, 4, 2], rtol=1e-9)
    assert [c["year"] for c in result.changepoints] == [2010, 2013]
    assert set(result.wald) == {"changes_in_slope"}
    assert result.goodness_of_fit["pearson_chi2"] == pytest.approx(0, abs=1e-9)


def test_model2_default_is_one_slope_from_the_first_year() -> None:
    data = _series([[2, 3, 5, 7], [4, 6, 9, 15]])
    result = fit_trim(data, model=2, overdispersion=False, serial_correlation=False)
    assert len(result.slopes) == 1 and (result.slopes[0]["from"], result.slopes[0]["upto"]) == (
        2010,
        2013,
    )
    slope = result.slopes[0]
    test = result.wald["slope"]
    assert test["wald"] == pytest.approx((slope["additive"] / slope["additive_se"]) ** 2)
    assert test["df"] == 1


def test_model2_with_all_changepoints_is_model3(skylark) -> None:
    data, _ = skylark
    m2 = fit_trim(data, model=2, changepoints="all")
    m3 = fit_trim(data)
    np.testing.assert_allclose(m2.indices["imputed"], m3.indices["imputed"], rtol=1e-8)
    np.testing.assert_allclose(m2.indices["model_se"], m3.indices["model_se"], rtol=1e-6)
    assert len(m2.changepoints) == 7


def test_covariate_classes_get_their_own_trend() -> None:
    # class a doubles, class b is constant: the baseline (a) slope is ln 2 and b's effect
    # on it is -ln 2, exactly
    a = _series([[1, 2, 4, 8], [2, 4, 8, 16]]).assign(habitat="a")
    b = _series([[5, 5, 5, 5], [7, 7, 7, 7]]).assign(habitat="b", site=lambda f: f["site"] + "b")
    data = pd.concat([a, b])
    kwargs = {"overdispersion": False, "serial_correlation": False, "covariates": ["habitat"]}
    result = fit_trim(data, model=2, **kwargs)
    by_class = {row["class"]: row for row in result.slopes}
    assert by_class[None]["multiplicative"] == pytest.approx(2.0)
    assert by_class["b"]["multiplicative"] == pytest.approx(0.5)
    assert result.covariates[0]["covariate"] == "habitat"
    assert result.covariates[0]["classes"] == ["a", "b"]
    assert result.covariates[0]["df"] == 1
    m3 = fit_trim(data, model=3, **kwargs)
    totals = np.array([3 + 12, 6 + 12, 12 + 12, 24 + 12])
    np.testing.assert_allclose(m3.indices["model"], totals / totals[0], rtol=1e-9)
    assert m3.covariates[0]["df"] == 3


def test_covariate_checks() -> None:
    data = _series([[10, 12, 15], [5, 6, 8]])
    with pytest.raises(TrimInputError, match="constant within a site") as err:
        fit_trim(data.assign(h=[1, 2, 1, 1, 1, 1]), covariates=["h"])
    assert err.value.code == "covariate_varies_within_site"
    with pytest.raises(TrimInputError, match="categorical") as err:
        fit_trim(data.assign(h=[0.5] * 3 + [1.5] * 3), covariates=["h"])
    assert err.value.code == "covariate_not_categorical"
    with pytest.raises(TrimInputError, match="no value"):
        fit_trim(data.assign(h=[1, 1, 1, None, None, None]), covariates=["h"])
    # a missing value is filled from the site's other rows
    filled = fit_trim(data.assign(h=[1, None, 1, 2, 2, None]), covariates=["h"], model=2)
    assert filled.ok and filled.covariates[0]["classes"] == [1, 2]
    single = fit_trim(data.assign(h=7), covariates=["h"])
    assert single.warnings == [{"code": "covariate_single_class", "covariate": "h"}]
    assert single.covariates == []


def test_covariate_class_without_information_stops_the_fit() -> None:
    # class b's only site is counted once: its year effects cannot be estimated
    data = _series([[10, 12, 15], [5, 6, 8], [None, 4, None]]).assign(h=["a"] * 6 + ["b"] * 3)
    result = fit_trim(data, model=3, covariates=["h"])
    assert (result.ok, result.reason) == (False, "covariate_not_estimable")


def test_weights_scale_the_time_totals() -> None:
    data = _series([[10, 20, 30], [5, 5, 5]]).assign(w=lambda f: np.where(f["site"] == "s0", 2, 1))
    result = fit_trim(data, weights="w", overdispersion=False, serial_correlation=False)
    assert result.weighted
    np.testing.assert_allclose(result.time_totals["imputed"], [25, 45, 65])  # 2·s0 + s1
    plain = fit_trim(data, overdispersion=False, serial_correlation=False)
    np.testing.assert_allclose(result.fitted_counts["fitted"], plain.fitted_counts["fitted"])
    equal = fit_trim(data.assign(w=3.0), weights="w")
    np.testing.assert_allclose(equal.indices["imputed"], fit_trim(data).indices["imputed"])
    np.testing.assert_allclose(equal.time_totals["model"], 3 * fit_trim(data).time_totals["model"])


@pytest.mark.parametrize(
    ("weights", "code"),
    [
        ([1, 1, 1, -2, -2, -2], "invalid_weights"),
        ([1, 1, 1, 0, 0, 0], "invalid_weights"),
        (["a"] * 6, "invalid_weights"),
        ([1, 2, 1, 1, 1, 1], "weights_vary_within_site"),
        ([1, 1, 1, None, None, None], "weights_missing"),
    ],
)
def test_weight_checks(weights: list, code: str) -> None:
    data = _series([[10, 12, 15], [5, 6, 8]]).assign(w=weights)
    with pytest.raises(TrimInputError) as err:
        fit_trim(data, weights="w")
    assert err.value.code == code


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"model": 4}, "invalid_model"),
        ({"model": 3, "changepoints": [2011]}, "changepoints_need_model_2"),
        ({"model": 3, "stepwise": True}, "stepwise_needs_model_2"),
        ({"model": 2, "changepoints": "some"}, "invalid_changepoints"),
        ({"model": 2, "changepoints": [2013]}, "changepoint_outside_data"),
        ({"model": 2, "changepoints": [2009]}, "changepoint_outside_data"),
        ({"model": 2, "changepoints": [2011], "stepwise": True}, "stepwise_needs_changepoints"),
        ({"overall_changepoints": [2013]}, "overall_changepoint_outside_data"),
    ],
)
def test_model_option_checks(kwargs: dict, code: str) -> None:
    with pytest.raises(TrimInputError) as err:
        fit_trim(_series([[10, 12, 15, 20], [5, 6, 8, 9]]), **kwargs)
    assert err.value.code == code


def test_overall_changepoints_split_the_overall_slope(skylark) -> None:
    data, _ = skylark
    result = fit_trim(data, overall_changepoints=[1984, 1987])
    assert [(i["from"], i["upto"]) for i in result.overall_slope_intervals] == [
        (1984, 1987),
        (1987, 1991),
    ]
    assert result.overall_slope_intervals[1] == result.overall_slope_interval(1987, 1991)


def test_stepwise_score_test_agrees_with_the_likelihood_ratio(skylark) -> None:
    """The re-entry score test is asymptotically the likelihood-ratio test (Poisson ML):
    for every changepoint the selection removed, both give about the same p-value."""
    from cop.monitoring.engine.batch import prepare_long
    from cop.monitoring.engine.design import ModelSpec
    from cop.monitoring.engine.single import fit_single
    from cop.monitoring.engine.stepwise import score_test
    from cop.monitoring.engine.wald import chi2_sf

    data, _ = skylark
    spec = ModelSpec(model=2, changepoints="auto")
    prepared = prepare_long(data, [], "site", "year", "count", None, "error", spec)
    final = fit_trim(
        data, model=2, changepoints="auto", overdispersion=False, serial_correlation=False
    )
    kept = [c["year"] for c in final.changepoints]
    years = list(range(1984, 1991))
    removed = [y for y in years if y not in kept]
    assert removed, "the selection removed nothing: no re-entry to test"
    single = fit_single(prepared, ModelSpec(model=2, changepoints=tuple(kept)), False, False)
    from cop.monitoring.engine.single import _as_candidate

    current = _as_candidate(single.fitted, single.design, prepared, spec, False, False)
    for year in removed:
        columns = sorted([years.index(y) for y in kept] + [years.index(year)])
        p_score = score_test(current, columns, columns.index(years.index(year)))
        bigger = fit_trim(
            data,
            model=2,
            changepoints=sorted([*kept, year]),
            overdispersion=False,
            serial_correlation=False,
        )
        lr = final.goodness_of_fit["likelihood_ratio"] - bigger.goodness_of_fit["likelihood_ratio"]
        assert p_score == pytest.approx(chi2_sf(lr, 1), abs=0.05), year
        assert p_score >= 0.15  # else TRIM's rule would have re-entered it


def test_stepwise_reenters_a_changepoint_whose_score_test_is_significant(
    skylark, monkeypatch
) -> None:
    """The re-entry branch (rare on real data): a removed changepoint whose score test
    says p < 0.15 comes back, the model is refitted and the selection goes on."""
    from cop.monitoring.engine import stepwise

    data, _ = skylark
    real = stepwise.score_test
    asked: list[int] = []

    def first_time_significant(current, columns, new):
        year = int(current["design"].years[columns[new]])
        asked.append(year)
        return 0.01 if asked.count(year) == 1 else real(current, columns, new)

    monkeypatch.setattr(stepwise, "score_test", first_time_significant)
    result = fit_trim(data, model=2, changepoints="all", covariates=["habitat"], stepwise=True)
    steps = [(s["action"], s["year"]) for s in result.stepwise["steps"]]
    assert steps[:3] == [("remove", 1990), ("add", 1990), ("remove", 1990)]
    assert result.stepwise["steps"][1]["p"] == 0.01
    assert [c["year"] for c in result.changepoints] == [1984, 1985]  # as without re-entry


def test_fitted_counts_cover_every_site_and_year(skylark) -> None:
    data, _ = skylark
    result = fit_trim(data, model=2)
    cells = result.fitted_counts
    assert len(cells) == 55 * 8
    observed = cells["observed"].notna()
    assert observed.sum() == 202
    np.testing.assert_allclose(cells.loc[observed, "imputed"], cells.loc[observed, "observed"])
    np.testing.assert_allclose(cells.loc[~observed, "imputed"], cells.loc[~observed, "fitted"])
    totals = cells.groupby("year")["fitted"].sum().to_numpy()
    np.testing.assert_allclose(totals, result.time_totals["model"], rtol=1e-10)


def test_batch_models_match_single_fits(skylark) -> None:
    data, _ = skylark
    data = data.assign(w=np.where(data["site"] % 3 == 0, 2.0, 1.0))
    options = {
        "model": 2,
        "changepoints": [1984, 1987],
        "covariates": ["deposition"],
        "weights": "w",
    }
    batch = fit_trim_batch(data, ["habitat"], **options)
    for habitat, part in data.groupby("habitat"):
        single = fit_trim(part, **options)
        row = batch.summary.loc[batch.summary["habitat"] == habitat].iloc[0]
        assert row["ok"] == single.ok
        assert row["multiplicative"] == pytest.approx(
            single.overall_slope["imputed"]["multiplicative"], rel=1e-8
        )
        idx = batch.indices.loc[batch.indices["habitat"] == habitat]
        np.testing.assert_allclose(idx["imputed_se"], single.indices["imputed_se"], rtol=1e-7)
    with pytest.raises(TrimInputError, match="per series"):
        fit_trim_batch(data, ["habitat"], model=2, changepoints="auto")


def test_batch_changepoints_apply_within_each_series() -> None:
    """A changepoint before a series' first year acts at that year (its interval's slope
    starts there); one after the series' years has no slope to estimate there."""
    early = _series([[10, 12, 15, 20], [5, 6, 8, 9]], years=[2010, 2011, 2012, 2013])
    late = _series([[10, 8, 6, 5], [5, 4, 3, 3]], years=[2014, 2015, 2016, 2017])
    data = pd.concat([early.assign(k="early"), late.assign(k="late")])
    batch = fit_trim_batch(data, ["k"], model=2, changepoints=[2010, 2015])
    assert batch.summary["ok"].tolist() == [True, True]
    expected = {
        "early": fit_trim(early, model=2, changepoints=[2010]),
        "late": fit_trim(late, model=2, changepoints=[2014, 2015]),
    }
    for key, single in expected.items():
        idx = batch.indices.loc[batch.indices["k"] == key]
        np.testing.assert_allclose(idx["model"], single.indices["model"], rtol=1e-8)
        np.testing.assert_allclose(idx["model_se"], single.indices["model_se"], rtol=1e-6)


# ------------------------------------------------------------------ classes


@pytest.mark.parametrize(
    ("mult", "se", "expected"),
    [
        (1.10, 0.01, "strong_increase"),
        (1.04, 0.01, "moderate_increase"),
        (1.06, 0.01, "moderate_increase"),  # lower limit 1.04: significant, not strong
        (1.00, 0.01, "stable"),
        (1.00, 0.05, "uncertain"),
        (0.97, 0.01, "moderate_decline"),
        (0.90, 0.01, "steep_decline"),
        (float("nan"), 0.01, "uncertain"),
    ],
)
def test_classify_slope(mult: float, se: float, expected: str) -> None:
    assert classify_slope(mult, se) == expected


def test_trim_label_significance_and_precedence() -> None:
    assert trim_label(1.0497, 0.0112) == (
        "moderate_increase",
        "p<0.01",
        "Moderate increase (p<0.01)",
    )
    assert trim_label(1.03, 0.013)[1] == "p<0.05"  # lower limit > 1 only at z = 1.96
    # strong at p<0.05 outranks moderate at p<0.01
    assert trim_label(1.10, 0.02)[:2] == ("strong_increase", "p<0.05")
    assert trim_label(1.0, 0.01) == ("stable", None, "Stable")


def test_vectorised_classes_equal_the_scalar_rules() -> None:
    from cop.monitoring.engine.classes import classify_slopes, trim_labels

    rng = np.random.default_rng(7)
    mult = np.concatenate([rng.normal(1.0, 0.06, 3000), [np.nan, 1.0, 1.0]])
    se = np.concatenate([np.abs(rng.normal(0, 0.02, 3000)), [0.01, np.nan, 0.0]])
    codes, sigs = trim_labels(mult, se)
    classes = classify_slopes(mult, se)
    for m, s_, code, sig, cls in zip(mult, se, codes, sigs, classes, strict=True):
        assert (code, sig) == trim_label(m, s_)[:2]
        assert cls == classify_slope(m, s_)
    assert classify_slope(1.0, 0.0) == "stable"  # an exact 1 is no change


# ------------------------------------------------------------------ batch + MSI


def test_trends_by_reports_each_key() -> None:
    good = _series([[1, 2, 4, 8], [2, 4, 8, 16]]).assign(species="a")
    once = _series([[5, None, None, None]]).assign(species="b")
    zero = _series([[0, 0, 0, 0]]).assign(species="c")
    table = trends_by(pd.concat([good, once, zero]), ["species"])
    assert table["species"].tolist() == ["a", "b", "c"]
    assert table["ok"].tolist() == [True, False, False]
    assert table["reason"].tolist()[1:] == ["single_year", "all_zero"]
    assert table.loc[0, "trend_class"] == "strong_increase"
    assert table.loc[0, "multiplicative"] == pytest.approx(2.0)


def test_multi_species_indicator_is_a_geometric_mean() -> None:
    long = pd.DataFrame(
        {
            "species": ["a"] * 3 + ["b"] * 3,
            "year": [2020, 2021, 2022] * 2,
            "imputed": [1.0, 2.0, 4.0, 1.0, 0.5, 0.5],
            "imputed_se": [0.0, 0.2, 0.4, 0.0, 0.05, 0.05],
        }
    )
    msi = multi_species_indicator(long)
    np.testing.assert_allclose(msi["index"], [1.0, 1.0, np.sqrt(2.0)])
    assert msi["n_species"].tolist() == [2, 2, 2]
    se_log = np.sqrt(0.1**2 + 0.1**2) / 2
    assert msi.loc[1, "se_log"] == pytest.approx(se_log)
    assert msi.loc[1, "lower"] == pytest.approx(np.exp(-1.959963984540054 * se_log))
    assert msi.loc[0, "lower"] == msi.loc[0, "upper"] == 1.0


def test_indicator_from_batch_indices() -> None:
    frames = [
        _series([[1, 2, 4], [2, 4, 8]]).assign(group="birds", species="a"),
        _series([[8, 4, 2], [4, 2, 1]]).assign(group="birds", species="b"),
    ]
    batch = fit_trim_batch(pd.concat(frames), ["group", "species"])
    msi = multi_species_indicator(batch.indices, by=["group"])
    np.testing.assert_allclose(msi["index"], [1, 1, 1], rtol=1e-9)


# ------------------------------------------------------------------ CLI


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_prints_json(tmp_path: Path, capsys) -> None:
    csv = _write(tmp_path / "c.csv", "plek;jaar;n\nA;2020;10\nA;2021;20\nB;2020;5\nB;2021;\n")
    code = trend_cli([str(csv), "--site", "plek", "--year", "jaar", "--count", "n"])
    out = capsys.readouterr().out
    assert code == 0
    payload = json.loads(out)
    assert [row["imputed"] for row in payload["indices"]] == pytest.approx([1.0, 2.0])
    assert set(payload) >= {"indices", "overall_slope", "trend_class", "overdispersion"}


def test_cli_on_skylark(skylark, capsys) -> None:
    assert trend_cli([str(SKYLARK), "--no-serial-correlation"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["overdispersion"] == pytest.approx(1.344, abs=1e-3)
    assert payload["serial_correlation"] is None
    assert payload["overall_slope"]["multiplicative"] == pytest.approx(1.0497, abs=1e-4)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, [], "file not found"),
        ("site,year\n1,2020\n", [], "missing column"),
        ("site,year,count\n1,2020,a\n1,2021,3\n", [], "non-numeric"),
        ("site,year,count\n1,2020,-2\n1,2021,3\n", [], "negative"),
        ("site,year,count\n", [], "no_counts"),
        ("", [], "cannot read"),
        ("site,year,count\n1,2020,3\n", ["--base-year", "x"], "invalid int"),
    ],
)
def test_cli_rejects_unusable_input(tmp_path: Path, capsys, content, args, message) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        _write(path, content)
    assert trend_cli([str(path), *args]) == 2
    assert message in capsys.readouterr().err


def test_module_entry_point(tmp_path: Path) -> None:
    csv = _write(tmp_path / "c.csv", "site,year,count\nA,2020,10\nA,2021,20\nB,2020,5\nB,2021,9\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "cop", "trend", str(csv)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "overall_slope" in json.loads(done.stdout)
    bad = subprocess.run(
        [sys.executable, "-m", "cop", "trend", str(tmp_path / "missing.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "file not found" in bad.stderr


# ------------------------------------------------------------------ CLI: model options
# Expected numbers are TRIM 3.61/3.70's own output for the same options (trim361 runs).


def _trend_json(capsys, *args: str) -> dict:
    code = trend_cli([str(SKYLARK), *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.fixture
def weighted_csv(tmp_path: Path) -> Path:
    """``trim361/skylark_wt.dat`` converted to a CSV with real years."""
    source = TRIM_DIR / "trim361" / "skylark_wt.dat"
    require(source.is_file(), f"TRIM reference data not found in {source.parent}")
    names = ["site", "time", "count", "weight", "habitat", "deposition"]
    raw = pd.read_csv(source, sep=r"\s+", header=None, names=names)
    raw["count"] = raw["count"].where(raw["count"] != 999)
    raw["year"] = raw.pop("time") + 1983
    path = tmp_path / "skylark_weighted.csv"
    raw.to_csv(path, index=False)
    return path


def test_cli_model2_one_slope(skylark, capsys) -> None:  # TRIM run 1d
    payload = _trend_json(capsys, "--model", "2")
    assert payload["model"] == 2
    assert [s["from"] for s in payload["slopes"]] == [1984]
    assert payload["slopes"][0]["upto"] == 1991
    assert payload["slopes"][0]["multiplicative"] == pytest.approx(1.0496, abs=1e-4)
    assert payload["slopes"][0]["multiplicative_se"] == pytest.approx(0.0149, abs=1e-4)
    cp = payload["changepoints"][0]
    assert (cp["year"], cp["df"]) == (1984, 1)
    assert cp["wald"] == pytest.approx(11.69, abs=1e-2) and cp["p"] == pytest.approx(6e-4, abs=1e-4)
    assert payload["overall_slope"]["multiplicative"] == pytest.approx(1.0522, abs=1e-4)


def test_cli_changepoint_years(skylark, capsys) -> None:  # TRIM run x1
    payload = _trend_json(capsys, "--changepoints", "1984, 1985")
    assert payload["model"] == 2  # changepoints imply model 2
    assert [(c["year"], round(c["wald"], 2)) for c in payload["changepoints"]] == [
        (1984, 11.08),
        (1985, 14.9),
    ]
    slopes = [(s["from"], s["upto"], round(s["additive"], 4)) for s in payload["slopes"]]
    assert slopes == [(1984, 1985, -0.3029), (1985, 1991, 0.0757)]
    assert {"additive_se", "multiplicative", "multiplicative_se"} <= set(payload["slopes"][0])


def test_cli_all_changepoints_is_model3(skylark, capsys) -> None:  # TRIM run 1e
    everything = _trend_json(capsys, "--changepoints", "all")
    model3 = _trend_json(capsys)
    assert [c["year"] for c in everything["changepoints"]] == list(range(1984, 1991))
    ours = [row["imputed"] for row in everything["indices"]]
    assert ours == pytest.approx([row["imputed"] for row in model3["indices"]], abs=1e-8)


def test_cli_stepwise_with_covariate(skylark, capsys) -> None:  # TRIM run 3a
    payload = _trend_json(capsys, "--changepoints", "auto", "--covariates", "habitat")
    assert [c["year"] for c in payload["changepoints"]] == [1984, 1985]
    assert [c["df"] for c in payload["changepoints"]] == [2, 2]
    removed = [(s["action"], s["year"]) for s in payload["stepwise"]["steps"]]
    assert removed == [("remove", y) for y in (1990, 1989, 1988, 1987, 1986)]
    (habitat,) = payload["covariates"]
    assert (habitat["covariate"], habitat["df"]) == ("habitat", 2)
    assert habitat["wald"] == pytest.approx(18.51, abs=1e-2)
    assert habitat["p"] == pytest.approx(1e-4, abs=1e-4)
    classes = {(s["class"], s["from"]) for s in payload["slopes"]}
    assert classes == {(None, 1984), (None, 1985), (2, 1984), (2, 1985)}


def test_cli_covariates_in_model3(skylark, capsys) -> None:  # TRIM run 2b
    payload = _trend_json(capsys, "--covariates", "habitat")
    (habitat,) = payload["covariates"]
    assert (habitat["df"], round(habitat["wald"], 2)) == (7, 21.55)
    assert payload["overall_slope"]["multiplicative"] == pytest.approx(1.0384, abs=1e-4)
    assert payload["slopes"] == [] and payload["changepoints"] == []


def test_cli_weights(weighted_csv: Path, capsys) -> None:  # TRIM run 4b
    args = ["--weights", "weight", "--changepoints", "1984,1985"]
    args += ["--no-overdispersion", "--no-serial-correlation"]
    code = trend_cli([str(weighted_csv), *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    payload = json.loads(captured.out)
    assert payload["weighted"] is True
    totals = [round(row["model"]) for row in payload["time_totals"]]
    assert totals == [1424, 1044, 1130, 1224, 1326, 1436, 1556, 1685]
    assert payload["overall_slope"]["additive"] == pytest.approx(0.0206, abs=1e-4)


def test_cli_overall_changepoints(skylark, capsys) -> None:
    payload = _trend_json(capsys, "--overall-changepoints", "1984,1988")
    intervals = payload["overall_slope_intervals"]
    assert [(i["from"], i["upto"]) for i in intervals] == [(1984, 1988), (1988, 1991)]
    expected = fit_trim(pd.read_csv(SKYLARK)).overall_slope_interval(1988, 1991)
    for kind in ("model", "imputed"):
        for key in ("additive", "additive_se", "multiplicative", "multiplicative_se"):
            assert intervals[1][kind][key] == pytest.approx(expected[kind][key], rel=1e-12)


def test_cli_vcov(skylark, capsys) -> None:
    assert "vcov" not in _trend_json(capsys)
    payload = _trend_json(capsys, "--changepoints", "1984,1985", "--vcov")  # TRIM run x1
    vcov = payload["vcov"]
    assert vcov["years"] == list(range(1984, 1992))
    imputed = np.array(vcov["imputed"])
    assert imputed.shape == (8, 8) and np.allclose(imputed, imputed.T)
    assert imputed[0, 0] == pytest.approx(1861.8241, rel=1e-5)  # skylark-x1.ocv
    se = [row["imputed_se"] for row in payload["time_totals"]]
    np.testing.assert_allclose(np.sqrt(np.diag(imputed)), se, rtol=1e-12)
    assert np.array(vcov["model"]).shape == (8, 8)


def test_cli_model1(skylark, capsys) -> None:
    payload = _trend_json(capsys, "--model", "1")
    assert payload["model"] == 1
    assert {row["model"] for row in payload["indices"]} == {1.0}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--covariates", "nope"], "missing column(s): nope"),
        (["--weights", "nope"], "missing column(s): nope"),
        (["--changepoints", "1995"], "changepoint year(s) 1995 not in the data"),
        (["--changepoints", "1991"], "changepoint year(s) 1991 not in the data"),
        (["--changepoints", "soon"], "--changepoints takes comma-separated years"),
        (["--overall-changepoints", "1991"], "overall changepoint year(s) 1991"),
        (["--overall-changepoints", ","], "--overall-changepoints takes comma-separated"),
        (["--covariates", "count"], "covariate 'count' must be constant within a site"),
        (["--covariates", "ratio"], "covariate 'ratio' must be categorical"),
        (["--weights", "negative"], "weights in 'negative' must be positive"),
        (["--weights", "count"], "weights in 'count' must be constant within a site"),
        (["--model", "3", "--changepoints", "1985"], "changepoints belong to model 2"),
        (["--model", "4"], "invalid choice"),
    ],
)
def test_cli_rejects_bad_model_options(skylark, tmp_path: Path, capsys, args, message) -> None:
    data, _ = skylark
    path = tmp_path / "skylark.csv"
    data.assign(ratio=data["site"] / 7, negative=-1.0).to_csv(path, index=False)
    assert trend_cli([str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err
    if message != "invalid choice":  # argparse prints its usage; ours is one line
        assert err.count("\n") == 1 and err.startswith("error: ")


def test_module_entry_point_with_model_options(weighted_csv: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["--changepoints", "auto", "--weights", "weight", "--overall-changepoints", "1984,1988"]
    done = subprocess.run(
        [sys.executable, "-m", "cop", "trend", str(weighted_csv), *args, "--vcov"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert [c["year"] for c in payload["changepoints"]] == [1984, 1985]  # TRIM run 4f
    assert payload["stepwise"]["steps"][0] == pytest.approx(
        {"action": "remove", "year": 1988, "p": 0.9735}, abs=1e-4
    )
    assert len(payload["overall_slope_intervals"]) == 2 and "vcov" in payload
