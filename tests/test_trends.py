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
