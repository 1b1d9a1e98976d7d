"""The engine against TRIM's own output: every trim361 reference run, quantity by quantity.

``../shared/data/trim/trim361`` holds the output files that Statistics Netherlands' TRIM
3.61 (runs 1d–3a, x1) and 3.70 (weighted runs 4a–4f) wrote for the skylark data, with
their control files (see its README). Each run is fitted with the options its control
file names and every number TRIM printed is compared, each test naming the run and the
quantity:

* indices, their SEs, slopes, parameters and p-values within 1e-4 (rtrim's tolerance;
  TRIM prints 4 decimals);
* σ² and ρ within 5e-4 (printed with 3 decimals: ours rounds to TRIM's number);
* Wald statistics, χ², likelihood ratio and AIC within 1e-2 (printed with 2 decimals;
  one unit rather than half, because TRIM's own iterations stop a few 1e-6 (relative)
  short of the solution, which moves a statistic that lies on a rounding boundary by one
  unit: run 1c's deviations test is 16.21495 here and printed as 16.22);
* time totals within 0.5 (printed as integers);
* trend labels exactly (TRIM 3.70 prints none);
* the covariance matrix of x1's imputed totals (``.ocv``) within 1e-4 on the scale of
  the totals' SEs (``|Δ_jk| ≤ 1e-4·se_j·se_k``; the elements are ~10³, so an absolute
  1e-4 would ask TRIM's iterations for 8 significant digits; the largest scaled
  difference is 6e-6);
* rtrim's fitted value of every site and year for model 2 (``skylark-model2-f.csv``).

TRIM 3.70 prints every goodness-of-fit p-value as 0.0000 (a display fault of that
version; rtrim's tests skip them too), so those are compared for TRIM 3.61 only.
Runs 1a, 1b, 1c and 1e are in ``skylark_expected.json``; their indices, totals and
slopes are tested in ``tests/test_trends.py`` and their parameters and Wald tests here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cop.monitoring.trim import TrimResult, fit_trim
from tests.conftest import require
from tests.trim361_support import TrimOut, read_out, read_tcf, read_vcov

TRIM_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "trim"
RUN_DIR = TRIM_DIR / "trim361"
RUNS = ["1d", "1f", "2a", "2b", "3a", "4a", "4b", "4c", "4d", "4e", "4f", "x1"]
STEPWISE_RUNS = ["3a", "4f"]
FIRST_YEAR = 1984  # TRIM's time point 1
COVARIATE_COLUMNS = {1: "habitat", 2: "deposition"}  # the .tcf LABELS, in order

TOL_4 = 1e-4  # values printed with 4 decimals (rtrim's tolerance)
TOL_3 = 5e-4  # sigma², rho: 3 decimals
TOL_2 = 1e-2  # Wald statistics, chi², LR, AIC: 2 decimals (one unit, see below)
TOL_0 = 0.5 + 1e-9  # time totals: integers


def _need_data() -> None:
    require(RUN_DIR.is_dir(), f"TRIM 3.61 reference runs not found in {RUN_DIR}")


@cache
def skylark() -> pd.DataFrame:
    return pd.read_csv(TRIM_DIR / "skylark.csv")


@cache
def skylark_weighted() -> pd.DataFrame:
    """``skylark_wt.dat`` (site time count weight habitat deposition, missing 999)."""
    names = ["site", "time", "count", "weight", "habitat", "deposition"]
    raw = pd.read_csv(RUN_DIR / "skylark_wt.dat", sep=r"\s+", header=None, names=names)
    raw["count"] = raw["count"].where(raw["count"] != 999)
    raw["year"] = raw["time"] + FIRST_YEAR - 1
    return raw.drop(columns="time")


@cache
def reference(run: str) -> TrimOut:
    return read_out(RUN_DIR / f"skylark-{run}.out")


@cache
def fit(run: str) -> TrimResult:
    """The run fitted with the options of its control file."""
    opts = read_tcf(RUN_DIR / f"skylark-{run}.tcf")
    weighted = opts.get("weighting", False)
    data = skylark_weighted() if weighted else skylark()
    changepoints = [c + FIRST_YEAR - 1 for c in opts["changepoints"]] or None
    return fit_trim(
        data,
        model=opts["model"],
        changepoints=changepoints,
        stepwise=opts["stepwise"],
        covariates=[COVARIATE_COLUMNS[c] for c in opts["covariates"]],
        weights="weight" if weighted else None,
        overdispersion=opts.get("overdisp", False),
        serial_correlation=opts.get("serialcor", False),
    )


def _year(time: float) -> int:
    return int(time) + FIRST_YEAR - 1


def _close(ours: Any, theirs: Any, tol: float, what: str) -> None:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs TRIM {theirs.shape}"
    diff = np.abs(ours - theirs)
    assert (diff <= tol).all(), (
        f"{what}: largest difference {diff.max():.3g} > {tol} "
        f"(ours {np.round(ours, 6).tolist()}, TRIM {theirs.tolist()})"
    )


def _test(ours: dict[str, Any], theirs: dict[str, Any], what: str) -> None:
    """A Wald test: statistic (2 decimals), df exactly, p (4 decimals)."""
    _close(ours["wald"], theirs["wald"], TOL_2, f"{what} Wald statistic")
    assert ours["df"] == theirs["df"], f"{what} df: {ours['df']} vs TRIM {theirs['df']}"
    _close(ours["p"], theirs["p"], TOL_4, f"{what} p")


# ------------------------------------------------------------------ every run


def test_weighted_data_are_the_skylark_counts() -> None:
    _need_data()
    plain = skylark().set_index(["site", "year"])["count"]
    weighted = skylark_weighted().set_index(["site", "year"])["count"]
    pd.testing.assert_series_equal(weighted.sort_index(), plain.sort_index())


@pytest.mark.parametrize("run", RUNS)
def test_run_fits_the_control_file(run: str) -> None:
    _need_data()
    result, ref = fit(run), reference(run)
    assert result.ok, f"{run}: {result.reason}"
    assert result.model == ref.model
    assert result.weighted == ref.weighted
    assert (result.n_sites, result.n_observed) == (55, 202)


@pytest.mark.parametrize("column", ["model", "model_se", "imputed", "imputed_se"])
@pytest.mark.parametrize("run", RUNS)
def test_time_indices(run: str, column: str) -> None:
    _need_data()
    ref = reference(run).indices
    ours = fit(run).indices
    assert ours["year"].tolist() == [_year(t) for t in ref["time"]]
    _close(ours[column], ref[column], TOL_4, f"{run} index {column}")


@pytest.mark.parametrize("column", ["model", "model_se", "imputed", "imputed_se"])
@pytest.mark.parametrize("run", RUNS)
def test_time_totals(run: str, column: str) -> None:
    _need_data()
    ref = reference(run).totals
    _close(fit(run).time_totals[column], ref[column], TOL_0, f"{run} time total {column}")


@pytest.mark.parametrize("kind", ["model", "imputed"])
@pytest.mark.parametrize("run", RUNS)
def test_overall_slope(run: str, kind: str) -> None:
    _need_data()
    theirs = reference(run).overall[kind]
    ours = fit(run).overall_slope[kind]
    for key in ("additive", "additive_se", "multiplicative", "multiplicative_se"):
        _close(ours[key], theirs[key], TOL_4, f"{run} overall slope {kind} {key}")
    if theirs["label"] is not None:
        assert ours["label"] == theirs["label"], f"{run} {kind} trend label"


@pytest.mark.parametrize("kind", ["model", "imputed"])
@pytest.mark.parametrize("run", [r for r in RUNS if r.startswith("4")])
def test_overall_slope_through_base_year(run: str, kind: str) -> None:
    """TRIM 3.70 also prints the slope of ln(index) on time without intercept."""
    _need_data()
    theirs = reference(run).overall_through_base[kind]
    ours = fit(run).overall_slope_through_base[kind]
    for key in ("additive", "additive_se", "multiplicative", "multiplicative_se"):
        _close(ours[key], theirs[key], TOL_4, f"{run} slope through base {kind} {key}")


@pytest.mark.parametrize("quantity", ["overdispersion", "serial_correlation"])
@pytest.mark.parametrize("run", RUNS)
def test_dispersion(run: str, quantity: str) -> None:
    _need_data()
    theirs = getattr(reference(run).final, quantity)
    ours = getattr(fit(run), quantity)
    if theirs is None:
        assert ours is None, f"{run}: {quantity} was not asked for"
    else:
        _close(ours, theirs, TOL_3, f"{run} {quantity}")


@pytest.mark.parametrize("run", RUNS)
def test_goodness_of_fit(run: str) -> None:
    _need_data()
    ref = reference(run)
    _check_gof(fit(run).goodness_of_fit, ref.final.gof, run, ref.version)


def _check_gof(ours: dict, theirs: dict, what: str, version: str) -> None:
    for key in ("pearson_chi2", "likelihood_ratio", "aic"):
        _close(ours[key], theirs[key], TOL_2, f"{what} {key}")
    assert ours["df"] == theirs["df"], f"{what} df"
    if version == "3.61":
        for key in ("pearson_p", "likelihood_ratio_p"):
            _close(ours[key], theirs[key], TOL_4, f"{what} {key}")


@pytest.mark.parametrize("run", RUNS)
def test_wald_tests(run: str) -> None:
    _need_data()
    result, block = fit(run), reference(run).final
    _check_wald(result.wald, block, run)


def _check_wald(wald: dict[str, Any], block, what: str) -> None:
    if block.wald_slope is not None:
        _test(wald["slope"], block.wald_slope, f"{what} slope")
    else:
        assert "slope" not in wald
    changes = wald.get("changes_in_slope", [])
    assert [c["year"] for c in changes] == [_year(c["time"]) for c in block.wald_changes]
    for ours, theirs in zip(changes, block.wald_changes, strict=True):
        _test(ours, theirs, f"{what} change in slope at {ours['year']}")
    covariates = wald.get("covariates", [])
    assert [c["covariate"].upper() for c in covariates] == [
        c["covariate"] for c in block.wald_covariates
    ]
    for ours, theirs in zip(covariates, block.wald_covariates, strict=True):
        _test(ours, theirs, f"{what} covariate {ours['covariate']}")


@pytest.mark.parametrize("run", RUNS)
def test_parameters(run: str) -> None:
    """Model 2: the slope of every interval (and covariate class); model 3: every year
    effect (and covariate class)."""
    _need_data()
    result, ref = fit(run), reference(run)
    ours = _our_parameters(result)
    theirs = {_key(row): row for row in ref.parameters}
    assert sorted(ours) == sorted(theirs), f"{run}: parameters {sorted(ours)} vs {sorted(theirs)}"
    for key, row in theirs.items():
        for name in ("additive", "additive_se", "multiplicative", "multiplicative_se"):
            _close(ours[key][name], row[name], TOL_4, f"{run} parameter {key} {name}")


def _key(row: dict[str, Any]) -> tuple:
    block = "baseline" if row["block"] == "baseline" else f"category {row['block'][1]}"
    if "time" in row:
        return (block, _year(row["time"]))
    if "from" in row:
        return (block, _year(row["from"]), _year(row["upto"]))
    return (block, "slope")


def _our_parameters(result: TrimResult) -> dict[tuple, dict[str, Any]]:
    """Our parameters keyed like TRIM's (a covariate class by its number, 1 = first)."""
    classes = {c["covariate"]: c["classes"] for c in result.covariates}

    def block(row: dict[str, Any]) -> str:
        if row["covariate"] is None or pd.isna(row["covariate"]):
            return "baseline"
        return f"category {classes[row['covariate']].index(row['class']) + 1}"

    if result.model == 3:
        rows = result.time_parameters.to_dict("records")
        return {(block(row), row["year"]): row for row in rows}
    if result.wald.get("slope") is not None:
        return {("baseline", "slope"): result.slopes[0]}
    return {(block(row), row["from"], row["upto"]): row for row in result.slopes}


@pytest.mark.parametrize("run", RUNS)
def test_changepoints_of_the_final_model(run: str) -> None:
    _need_data()
    ref = reference(run)
    expected = (
        ref.remaining if ref.stepwise else ref.changepoints or ([1] if ref.model == 2 else [])
    )
    assert [c["year"] for c in fit(run).changepoints] == [_year(t) for t in expected]


# ------------------------------------------------------------------ stepwise selection


@pytest.mark.parametrize("run", STEPWISE_RUNS)
def test_stepwise_steps(run: str) -> None:
    """The changepoints TRIM removed (or re-entered), in order, with their p-values."""
    _need_data()
    ours = fit(run).stepwise["steps"]
    theirs = reference(run).stepwise
    assert [(s["action"], s["year"]) for s in ours] == [
        (s["action"], _year(s["time"])) for s in theirs
    ]
    _close([s["p"] for s in ours], [s["p"] for s in theirs], TOL_4, f"{run} stepwise p")


@pytest.mark.parametrize("run", STEPWISE_RUNS)
def test_stepwise_initial_model(run: str) -> None:
    """What TRIM prints for the model with all proposed changepoints."""
    _need_data()
    initial, ref = fit(run).stepwise["initial"], reference(run)
    block = ref.blocks[0]
    _close(initial["overdispersion"], block.overdispersion, TOL_3, f"{run} initial sigma²")
    _close(initial["serial_correlation"], block.serial_correlation, TOL_3, f"{run} initial rho")
    _check_gof(initial["goodness_of_fit"], block.gof, f"{run} initial", ref.version)
    wald = {"changes_in_slope": initial["changepoints"]}
    if "covariates" in initial:
        wald["covariates"] = initial["covariates"]
    _check_wald(wald, block, f"{run} initial")


# ------------------------------------------------------------------ x1 and rtrim's cells


def test_x1_covariance_of_imputed_totals() -> None:
    _need_data()
    theirs = read_vcov(RUN_DIR / "skylark-x1.ocv").to_numpy()
    vcov = fit("x1").time_totals_vcov["imputed"]
    assert vcov.index.tolist() == list(range(FIRST_YEAR, FIRST_YEAR + 8))
    ours = vcov.to_numpy()
    se = np.sqrt(np.diag(theirs))
    _close(ours / np.outer(se, se), theirs / np.outer(se, se), TOL_4, "x1 vcov / (se se')")


def test_model2_fitted_values_per_site_and_year() -> None:
    """rtrim's ``results()`` of ``trim(count ~ site + time, data=skylark, model=2)``."""
    _need_data()
    theirs = pd.read_csv(RUN_DIR / "skylark-model2-f.csv")
    result = fit_trim(skylark(), model=2, overdispersion=False, serial_correlation=False)
    ours = result.fitted_counts.assign(time=lambda f: f["year"] - FIRST_YEAR + 1)
    merged = theirs.merge(ours, on=["site", "time"], suffixes=("_rtrim", ""), validate="1:1")
    assert len(merged) == len(theirs) == 440
    pd.testing.assert_series_equal(
        merged["observed"], merged["observed_rtrim"].astype(float), check_names=False
    )
    for column in ("fitted", "imputed"):
        _close(merged[column], merged[f"{column}_rtrim"], 1e-6, f"model 2 cells {column}")


# ------------------------------------------------------------------ runs 1a, 1b, 1c, 1e


@cache
def expected_runs() -> dict[str, Any]:
    return json.loads((TRIM_DIR / "skylark_expected.json").read_text(encoding="utf-8"))["runs"]


JSON_RUNS = {  # run -> (model, changepoints, overdispersion, serial correlation)
    "skylark-1a": (3, None, False, False),
    "skylark-1b": (3, None, True, False),
    "skylark-1c": (3, None, True, True),
    "skylark-1e": (2, "all", True, True),
}


@cache
def fit_json_run(run: str) -> TrimResult:
    model, changepoints, od, sc = JSON_RUNS[run]
    return fit_trim(
        skylark(),
        model=model,
        changepoints=changepoints,
        overdispersion=od,
        serial_correlation=sc,
    )


@pytest.mark.parametrize("run", sorted(JSON_RUNS))
def test_json_runs_wald_tests(run: str) -> None:
    require(TRIM_DIR.is_dir(), f"TRIM reference data not found in {TRIM_DIR}")
    theirs = expected_runs()[run]["wald_tests"]
    ours = fit_json_run(run).wald
    if "deviations_from_linear_trend" in theirs:
        ref = theirs["deviations_from_linear_trend"]
        _test(ours["deviations_from_linear_trend"], {**ref, "wald": ref["W"]}, run)
    for mine, ref in zip(
        ours.get("changes_in_slope", []), theirs.get("changes_in_slope", []), strict=True
    ):
        assert mine["year"] == _year(ref["changepoint"])
        _test(mine, {**ref, "wald": ref["W"]}, f"{run} change at {mine['year']}")
    assert len(ours.get("changes_in_slope", [])) == len(theirs.get("changes_in_slope", []))


@pytest.mark.parametrize("run", ["skylark-1a", "skylark-1b", "skylark-1c"])
def test_json_runs_time_parameters_and_linear_trend(run: str) -> None:
    require(TRIM_DIR.is_dir(), f"TRIM reference data not found in {TRIM_DIR}")
    ref, result = expected_runs()[run], fit_json_run(run)
    params = pd.DataFrame(ref["time_parameters"])
    ours = result.time_parameters
    assert ours["year"].tolist() == params["year"].tolist()
    for mine, theirs in _PAIRS:
        _close(ours[mine], params[theirs], TOL_4, f"{run} time parameter {mine}")
    trend = ref["linear_trend_plus_deviations"]
    for mine, theirs in _PAIRS:
        _close(result.linear_trend["slope"][mine], trend["slope"][theirs], TOL_4, f"{run} slope")
        deviations = pd.DataFrame(trend["deviations"])
        _close(result.linear_trend["deviations"][mine], deviations[theirs], TOL_4, f"{run} dev")


_PAIRS = [
    ("additive", "additive"),
    ("additive_se", "se_additive"),
    ("multiplicative", "multiplicative"),
    ("multiplicative_se", "se_multiplicative"),
]


def test_json_run_1e_interval_slopes() -> None:
    require(TRIM_DIR.is_dir(), f"TRIM reference data not found in {TRIM_DIR}")
    ref = pd.DataFrame(expected_runs()["skylark-1e"]["slope_parameters_per_interval"])
    slopes = pd.DataFrame(fit_json_run("skylark-1e").slopes)
    assert slopes["from"].tolist() == [_year(t) for t in ref["from_time"]]
    assert slopes["upto"].tolist() == [_year(t) for t in ref["upto_time"]]
    for mine, theirs in _PAIRS:
        _close(slopes[mine], ref[theirs], TOL_4, f"1e interval slopes {mine}")
