"""The municipality reference table carries CBS's figures, whole and consistent.

``data/municipalities_reference.csv`` is built by ``scripts/build_municipality_reference.py``
from the 2025 boundaries and CBS's population, urbanity and address density per municipality
(1 January 2024). The shipped file must stand on its own (a fresh clone has no ``../shared``):
it carries the address density, so every urbanity class can be checked against CBS's
thresholds here. Where ``../shared`` exists (always in CI) the codes are compared with the
boundaries and every figure with the CBS file itself.
"""

import json

import pandas as pd
import pytest

from tests.conftest import ROOT, SHARED_BOUNDARIES, SHARED_DIR, require

REFERENCE = ROOT / "data" / "municipalities_reference.csv"
SHIPPED = ROOT / "data" / "municipalities.csv"
CBS_FILE = SHARED_DIR / "data" / "cbs" / "gemeenten_2024.csv"
NATIONAL_POPULATION_2024 = 17_942_942  # CBS, 1 January 2024


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, dtype={"code": str, "name": str, "province": str})


def cbs_urbanity(address_density: int) -> int:
    """CBS *stedelijkheid* by address density: >= 2500 -> 1, 1500 -> 2, 1000 -> 3, 500 -> 4."""
    if address_density >= 2500:
        return 1
    if address_density >= 1500:
        return 2
    if address_density >= 1000:
        return 3
    if address_density >= 500:
        return 4
    return 5


def test_cbs_urbanity_thresholds_at_their_edges():
    edges = [2500, 2499, 1500, 1499, 1000, 999, 500, 499, 0]
    assert [cbs_urbanity(d) for d in edges] == [1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_all_342_municipalities_once_each(reference):
    assert len(reference) == 342
    assert reference["code"].is_unique
    assert reference["code"].str.fullmatch(r"GM\d{4}").all()
    assert reference["code"].tolist() == sorted(reference["code"])


def test_population_adds_up_to_the_national_total(reference):
    assert reference["population"].dtype == "int64"
    assert int(reference["population"].sum()) == NATIONAL_POPULATION_2024
    assert (reference["population"] > 0).all()


def test_every_urbanity_class_follows_the_address_density(reference):
    expected = reference["address_density"].map(cbs_urbanity)
    wrong = reference.loc[
        reference["urbanity"] != expected, ["code", "urbanity", "address_density"]
    ]
    assert wrong.empty, wrong.to_dict("records")
    assert set(reference["urbanity"]) == {1, 2, 3, 4, 5}


def test_shipped_municipalities_carry_the_reference_figures(reference):
    """The seed table the app loads has exactly the reference's population and urbanity."""
    shipped = pd.read_csv(SHIPPED, dtype={"code": str})
    assert shipped["code"].tolist() == reference["code"].tolist()
    for column in ("name", "province", "population", "urbanity", "area_km2", "lat", "lon"):
        assert shipped[column].tolist() == reference[column].tolist(), column


def test_codes_equal_the_2025_boundaries(reference):
    require(SHARED_BOUNDARIES.is_file(), f"{SHARED_BOUNDARIES} not available")
    features = json.loads(SHARED_BOUNDARIES.read_text(encoding="utf-8"))["features"]
    boundary_names = {f["properties"]["statcode"]: f["properties"]["statnaam"] for f in features}
    assert set(reference["code"]) == set(boundary_names)
    assert dict(zip(reference["code"], reference["name"], strict=True)) == boundary_names


def test_figures_equal_the_cbs_file(reference):
    require(CBS_FILE.is_file(), f"{CBS_FILE} not available")
    cbs = pd.read_csv(CBS_FILE, dtype={"code": str}).set_index("code").sort_index()
    ours = reference.set_index("code").sort_index()
    assert ours.index.tolist() == cbs.index.tolist()
    for column in ("name", "population", "urbanity", "address_density"):
        differs = ours.index[ours[column] != cbs[column]].tolist()
        assert not differs, (column, differs[:5])
    # the municipality the old estimates got most wrong (population 14 % too high)
    vught = ours.loc["GM0865"]
    assert (vught["population"], vught["urbanity"]) == (
        cbs.at["GM0865", "population"],
        cbs.at["GM0865", "urbanity"],
    )
