"""The multi-species indicator as CBS's MSI tool computes it, on cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cop.monitoring.engine.classes import Z95, classify_slope
from cop.monitoring.msi import (
    msi_tool,
    multi_species_indicator,
    rebase,
    recent_interval,
)

YEARS = [2020, 2021, 2022, 2023]
# Three species; C starts a year later (its own base year 2021, index 1 there, SE 0).
A = [1.0, 1.2, 1.5, 1.8]
A_SE = [0.0, 0.12, 0.15, 0.27]
B = [1.0, 0.8, 0.9, 0.6]
B_SE = [0.0, 0.08, 0.09, 0.06]
C = [None, 1.0, 1.1, 1.3]
C_SE = [None, 0.0, 0.11, 0.13]


def long(**species: tuple[list, list]) -> pd.DataFrame:
    """Species indices in long form, as ``fit_trim_batch(...).indices`` gives them."""
    records = [
        {"species": name, "year": y, "imputed": v, "imputed_se": s}
        for name, (values, ses) in species.items()
        for y, v, s in zip(YEARS, values, ses, strict=True)
        if v is not None
    ]
    return pd.DataFrame(records)


THREE = long(a=(A, A_SE), b=(B, B_SE), c=(C, C_SE))


def ols_slope(years: list[int], values: list[float]) -> float:
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    return float(((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum())


def test_hand_computed_msi_chains_the_species_that_starts_later():
    result = msi_tool(THREE, n_sims=50, seed=3)
    # 2020: only a and b, both 1. 2021: their geometric mean (c enters here).
    msi_2021 = math.sqrt(1.2 * 0.8)
    # c is linked at its first year to the MSI so far: c' = c · MSI_2021 / c_2021
    c_linked = [v * msi_2021 / 1.0 for v in (1.0, 1.1, 1.3)]
    msi_2022 = (1.5 * 0.9 * c_linked[1]) ** (1 / 3)
    msi_2023 = (1.8 * 0.6 * c_linked[2]) ** (1 / 3)
    # the same as chaining: mean log change of the species counted in both years
    assert msi_2022 == pytest.approx(msi_2021 * (1.5 / 1.2 * 0.9 / 0.8 * 1.1) ** (1 / 3))
    expected = [1.0, msi_2021, msi_2022, msi_2023]
    series = result.series
    assert series["year"].tolist() == YEARS
    assert series["index"].tolist() == pytest.approx(expected, rel=1e-12)
    assert series["n_species"].tolist() == [2, 3, 3, 3]
    assert series["reason"].isna().all()
    # the base year has no error; the others have a band around the index
    assert series.loc[0, ["lower", "upper"]].tolist() == pytest.approx([1.0, 1.0])
    assert (series["lower"] < series["index"]).iloc[1:].all()
    assert (series["upper"] > series["index"]).iloc[1:].all()

    trend = result.trends.iloc[0]
    slope = ols_slope(YEARS, [math.log(v) for v in expected])
    assert trend["additive"] == pytest.approx(slope, rel=1e-12)
    assert trend["multiplicative"] == pytest.approx(math.exp(slope), rel=1e-12)
    assert trend["multiplicative_se"] == pytest.approx(math.exp(slope) * trend["additive_se"])
    assert trend["trend_class"] == classify_slope(
        trend["multiplicative"], trend["multiplicative_se"]
    )
    assert (trend["first_year"], trend["last_year"], trend["n_species"]) == (2020, 2023, 3)
    # a four-year series: the last ten years are the whole series
    assert (trend["recent_from"], trend["recent_upto"]) == (2020, 2023)
    assert trend["recent_additive"] == pytest.approx(trend["additive"])
    assert pd.isna(trend["reason"])


def test_geometric_mean_when_all_species_share_the_base_year():
    two = long(a=(A, A_SE), b=(B, B_SE))
    result = msi_tool(two, n_sims=20, seed=1)
    by_hand = [math.sqrt(a * b) for a, b in zip(A, B, strict=True)]
    assert result.series["index"].tolist() == pytest.approx(by_hand, rel=1e-12)


def _analytic_var_three() -> list[float]:
    """var(ln MSI) by the delta method, written out for THREE (SE base year 2020).

    With v = (se / I)² per species-year and a..c the log indices:
    ln MSI_2021 = (a1 + b1)/2                      (a0 = b0 = 0, no error)
    ln MSI_2022 = a1/6 + b1/6 + (a2 + b2 + c2 − c1)/3
    ln MSI_2023 = a1/6 + b1/6 + (a3 + b3 + c3 − c1)/3   (the chain telescopes)
    """

    def v(values: list, ses: list, t: int) -> float:
        return (ses[t] / values[t]) ** 2

    va = [v(A, A_SE, t) for t in range(4)]
    vb = [v(B, B_SE, t) for t in range(4)]
    vc = [0.0] + [v(C, C_SE, t) for t in range(1, 4)]
    return [
        0.0,
        (va[1] + vb[1]) / 4,
        (va[1] + vb[1]) / 36 + (va[2] + vb[2] + vc[2] + vc[1]) / 9,
        (va[1] + vb[1]) / 36 + (va[3] + vb[3] + vc[3] + vc[1]) / 9,
    ]


def test_monte_carlo_band_and_trend_se_tend_to_the_delta_method():
    result = msi_tool(THREE, n_sims=200_000, seed=11)
    series = result.series
    var = _analytic_var_three()
    sd = np.sqrt(var)
    log_index = np.log(series["index"].to_numpy())
    assert series["se_log"].to_numpy() == pytest.approx(sd, rel=5e-3, abs=1e-12)
    assert series["lower"].to_numpy() == pytest.approx(np.exp(log_index - Z95 * sd), rel=3e-3)
    assert series["upper"].to_numpy() == pytest.approx(np.exp(log_index + Z95 * sd), rel=3e-3)
    # the trend: the OLS slope is Σ w_t ln MSI_t, re-drawn per year: var = Σ w_t² var_t
    x = np.asarray(YEARS, dtype=float)
    w = (x - x.mean()) / ((x - x.mean()) ** 2).sum()
    trend = result.trends.iloc[0]
    assert trend["additive_se"] == pytest.approx(math.sqrt((w**2 * var).sum()), rel=1e-2)


def test_monte_carlo_band_agrees_with_the_delta_method_function():
    two = long(a=(A, A_SE), b=(B, B_SE))
    mc = msi_tool(two, n_sims=200_000, seed=5).series
    delta = multi_species_indicator(two)
    assert mc["index"].to_numpy() == pytest.approx(delta["index"].to_numpy(), rel=1e-12)
    assert mc["lower"].to_numpy() == pytest.approx(delta["lower"].to_numpy(), rel=3e-3)
    assert mc["upper"].to_numpy() == pytest.approx(delta["upper"].to_numpy(), rel=3e-3)
    assert mc["se_log"].to_numpy() == pytest.approx(delta["se_log"].to_numpy(), rel=5e-3)


def test_seed_and_number_of_simulations_are_parameters():
    first = msi_tool(THREE, n_sims=500, seed=7)
    again = msi_tool(THREE, n_sims=500, seed=7)
    other = msi_tool(THREE, n_sims=500, seed=8)
    pd.testing.assert_frame_equal(first.series, again.series)
    pd.testing.assert_frame_equal(first.trends, again.trends)
    assert first.series["index"].tolist() == other.series["index"].tolist()
    assert first.series["upper"].iloc[1:].tolist() != other.series["upper"].iloc[1:].tolist()
    assert first.trends["additive_se"].iloc[0] != other.trends["additive_se"].iloc[0]
    with pytest.raises(ValueError):
        msi_tool(THREE, n_sims=1)


def test_each_indicator_has_its_own_generator():
    """An indicator's numbers do not depend on the other indicators in the same call."""
    other = long(a=(B, B_SE), b=(A, A_SE)).assign(group="g2")
    both = pd.concat([THREE.assign(group="g1"), other], ignore_index=True)
    together = msi_tool(both, by=["group"], n_sims=300, seed=4)
    alone = msi_tool(THREE, n_sims=300, seed=4)
    g1 = together.series[together.series["group"] == "g1"].drop(columns="group")
    pd.testing.assert_frame_equal(g1.reset_index(drop=True), alone.series)
    row = together.trends.set_index("group").loc["g1"]
    assert row["additive_se"] == alone.trends["additive_se"].iloc[0]
    assert together.trends["group"].tolist() == ["g1", "g2"]


def test_se_base_year_and_rebasing_for_the_chart():
    result = msi_tool(THREE, n_sims=2000, seed=2, se_base_year=2021)
    default = msi_tool(THREE, n_sims=2000, seed=2)
    # the MSI is 1 in its SE base year, without error; ratios between years are unchanged
    assert result.series.loc[1, "index"] == pytest.approx(1.0)
    assert result.series.loc[1, "se_log"] == pytest.approx(0.0, abs=1e-12)
    ratio = default.series["index"] / default.series.loc[1, "index"]
    assert result.series["index"].tolist() == pytest.approx(ratio.tolist(), rel=1e-12)
    assert result.trends["additive"].iloc[0] == pytest.approx(default.trends["additive"].iloc[0])
    # the chart's base year only rescales (the MSI tool's plotbaseyear)
    shown = rebase(default.series, 2022)
    scale = default.series.loc[2, "index"]
    assert shown.loc[2, "index"] == pytest.approx(1.0)
    assert shown["upper"].tolist() == pytest.approx((default.series["upper"] / scale).tolist())
    assert rebase(default.series, 1999)["index"].isna().all()


def test_recent_is_the_last_ten_years_and_intervals_on_request():
    years = list(range(2011, 2027))  # 16 years
    growth = [1.03**t for t in range(16)]
    decline = [0.97**t if y < 2017 else 0.97**6 * 1.02 ** (y - 2016) for t, y in enumerate(years)]
    frame = pd.DataFrame(
        {
            "species": ["a"] * 16 + ["b"] * 16,
            "year": years * 2,
            "imputed": growth + decline,
            "imputed_se": [0.0] + [0.01] * 15 + [0.0] + [0.01] * 15,
        }
    )
    result = msi_tool(frame, n_sims=400, seed=1, intervals=[(2011, 2016), (2016, 2026)])
    trend = result.trends.iloc[0]
    assert (trend["recent_from"], trend["recent_upto"]) == (2017, 2026)
    log_msi = np.log(result.series["index"].to_numpy())
    assert trend["recent_additive"] == pytest.approx(ols_slope(years[6:], log_msi[6:]))
    assert trend["additive"] == pytest.approx(ols_slope(years, log_msi))
    periods = result.intervals
    assert periods["period"].tolist() == ["long_term", "recent", "interval", "interval"]
    assert periods[["from", "upto"]].to_numpy().tolist() == [
        [2011, 2026],
        [2017, 2026],
        [2011, 2016],
        [2016, 2026],
    ]
    before = periods.iloc[2]
    assert before["additive"] == pytest.approx(ols_slope(years[:6], log_msi[:6]))
    assert recent_interval(2015, 2026) == (2017, 2026)
    assert recent_interval(2021, 2026) == (2021, 2026)
    assert recent_interval(2015, 2026, recent_years=12) == (2015, 2026)


def test_the_tools_truncations_and_cv_rule():
    frame = long(
        a=([1.0, 0.5, 0.08, 0.004], [0.0, 0.05, 0.01, 0.001]),  # below 0.01: set to 0.01
        b=([1.0, 1.0, 1.0, 1.0], [0.0, 0.1, 0.1, 0.1]),
        noisy=([1.0, 1.2, 0.9, 1.1], [0.0, 4.0, 4.0, 4.0]),  # mean CV > 3: left out
    )
    result = msi_tool(frame, n_sims=100, seed=1)
    assert result.excluded["species"].tolist() == ["noisy"]
    assert result.excluded["reason"].tolist() == ["msi_high_cv"]
    expected = [1.0, math.sqrt(0.5), math.sqrt(0.08), math.sqrt(0.01)]
    assert result.series["index"].tolist() == pytest.approx(expected, rel=1e-12)
    capped = long(a=([1.0, 50.0, 50.0, 50.0], [0.0] * 4))
    series = msi_tool(capped, n_sims=10).series
    assert series["index"].tolist() == pytest.approx([1.0, 10.0, 10.0, 10.0])  # ratio ≤ 10


def test_a_year_no_species_links_has_no_msi():
    frame = long(
        a=([1.0, 2.0, None, None], [0.0, 0.1, None, None]),
        b=([None, None, 1.0, 3.0], [None, None, 0.0, 0.3]),
    )
    result = msi_tool(frame, n_sims=50)
    assert result.series["index"].iloc[:2].tolist() == pytest.approx([1.0, 2.0])
    assert result.series["index"].iloc[2:].isna().all()
    assert result.series["reason"].iloc[2:].tolist() == ["msi_not_linked"] * 2
    assert result.trends["additive"].iloc[0] == pytest.approx(math.log(2.0))
    assert result.trends["last_year"].iloc[0] == 2021


def test_empty_input_and_missing_columns():
    empty = msi_tool(THREE.assign(group="g").iloc[0:0], by=["group"], n_sims=10)
    assert empty.series.empty and empty.trends.empty
    with pytest.raises(ValueError):
        msi_tool(THREE.drop(columns="imputed_se"))


def test_worker_processes_give_the_same_indicators(monkeypatch):
    from cop.monitoring import msi

    monkeypatch.setattr(msi, "_PARALLEL_MIN_INDICATORS", 2)
    groups = pd.concat(
        [THREE.assign(group=f"g{i}", imputed=THREE["imputed"] ** (1 + i / 4)) for i in range(4)],
        ignore_index=True,
    )
    alone = msi_tool(groups, by=["group"], n_sims=200, seed=3)
    pooled = msi_tool(groups, by=["group"], n_sims=200, seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(alone.series, pooled.series)
    pd.testing.assert_frame_equal(alone.trends, pooled.trends)
    assert alone.trends["group"].tolist() == ["g0", "g1", "g2", "g3"]
