"""Maturity model, peer groups, approach profile and comparison: small hand-computed cases."""

import shutil

import numpy as np
import pandas as pd
import pytest

from cop.core import vocab
from cop.data import storage
from cop.maturity import approach, assessment, comparison, display, peergroups
from cop.maturity import model as maturity_model
from tests.conftest import ROOT

DIMS = list(vocab.DIMENSIONS)


def assessment_rows(code: str, year: int, levels: list[int | None]) -> pd.DataFrame:
    """Rows of the maturity table for one municipality and year (None = not scored)."""
    rows = [(code, year, d, lvl) for d, lvl in zip(DIMS, levels, strict=True) if lvl is not None]
    return pd.DataFrame(rows, columns=["municipality_code", "year", "dimension", "level"])


def table(*parts: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True).astype({"year": "Int64", "level": "Int64"})


@pytest.fixture
def towns() -> pd.DataFrame:
    """Six municipalities: sizes and urbanity chosen so the peer groups are known by hand."""
    return pd.DataFrame(
        {
            "code": ["GM0001", "GM0002", "GM0003", "GM0004", "GM0005", "GM0006"],
            "name": ["Aa", "Bee", "Cee", "Dee", "Ee", "Eff"],
            "province": ["Utrecht", "Utrecht", "Utrecht", "Zeeland", "Zeeland", "Zeeland"],
            "population": [30_000, 45_000, 20_000, 60_000, 19_999, 300_000],
            "urbanity": [3, 3, 4, 3, 3, 1],
        }
    )


# ---------------------------------------------------------------- rubric (data contract)


def test_rubric_file_contract():
    rubric = maturity_model.load_rubric()
    assert list(rubric.columns) == list(maturity_model.RUBRIC_COLUMNS)
    assert rubric.shape == (len(vocab.DIMENSIONS) * len(vocab.LEVELS), 4)
    assert str(rubric["dimension"].dtype) == "string" and str(rubric["level"].dtype) == "Int64"
    assert not rubric.duplicated(["dimension", "level"]).any()
    assert set(zip(rubric["dimension"], rubric["level"], strict=True)) == {
        (d, lvl) for d in vocab.DIMENSIONS for lvl in vocab.LEVELS
    }
    for column in ("description_nl", "description_en"):
        text = rubric[column]
        assert text.str.strip().str.len().min() > 10
        assert not text.str.contains("\n").any()
        assert text.str.len().max() <= maturity_model.RUBRIC_MAX_LENGTH
        assert text.str.endswith(".").all()
    assert rubric["dimension"].tolist()[:5] == ["vision_policy"] * 5
    assert maturity_model.rubric_text(rubric, "monitoring_evaluation", 1, "nl") == (
        "Er wordt niet gemeten wat maatregelen opleveren."
    )


def test_rubric_errors_are_reported(tmp_path):
    rubric = maturity_model.load_rubric()
    broken = rubric.drop(index=3)
    problems = maturity_model.check_rubric(broken)
    assert any("missing" in p and "'vision_policy', 4" in p for p in problems)
    path = tmp_path / "rubric.csv"
    broken.assign(description_en="").to_csv(path, index=False)
    with pytest.raises(maturity_model.RubricError, match="description_en is empty"):
        maturity_model.load_rubric(path)
    assert maturity_model.check_rubric(rubric.rename(columns={"level": "niveau"}))


# ---------------------------------------------------------------- overall and movement


def test_overall_is_mean_of_dimensions_with_one_decimal():
    data = table(
        assessment_rows("GM0001", 2024, [1, 2, 3, 4, 5, 1, 2, 3]),  # 21 / 8 = 2.625 -> 2.6
        assessment_rows("GM0001", 2025, [2, 2, 3, 4, 5, 1, 2, None]),  # 19 / 7 = 2.714 -> 2.7
        assessment_rows("GM0002", 2025, [3, 3, 3, 3, 3, None, None, None]),  # 5 of 8: too few
    )
    out = maturity_model.overall_maturity(data)
    assert list(out.columns) == ["municipality_code", "year", "overall", "n_dimensions"]
    assert out["overall"].tolist()[:2] == [2.6, 2.7]
    assert out["n_dimensions"].tolist() == [8, 7, 5]
    assert pd.isna(out["overall"].iloc[2])
    latest = maturity_model.latest_overall(data)
    assert latest[["municipality_code", "year", "overall"]].values.tolist() == [
        ["GM0001", 2025, 2.7]
    ]


def test_movements_since_previous_and_first():
    data = table(
        assessment_rows("GM0001", 2022, [2] * 8),  # 2.0
        assessment_rows("GM0001", 2023, [2] * 4 + [3] * 4),  # 2.5
        assessment_rows("GM0001", 2025, [3] * 7 + [4]),  # 3.125 -> 3.1
        assessment_rows("GM0002", 2025, [1] * 8),
    )
    out = maturity_model.movements(data).set_index("municipality_code")
    first = out.loc["GM0001"]
    assert (first["first_year"], first["previous_year"], first["year"]) == (2022, 2023, 2025)
    assert first["change_since_previous"] == pytest.approx(0.6)
    assert first["change_since_first"] == pytest.approx(1.1)
    assert pd.isna(out.loc["GM0002", "change_since_previous"])


def test_biggest_movers_only_rises_between_consecutive_years():
    data = table(
        assessment_rows("GM0001", 2024, [2] * 8),
        assessment_rows("GM0001", 2025, [3, 3, 2, 2, 2, 2, 2, 2]),  # +0.25 -> 2.0 to 2.2 (+0.2)
        assessment_rows("GM0002", 2024, [1] * 8),
        assessment_rows("GM0002", 2025, [2] * 8),  # +1.0, all eight up
        assessment_rows("GM0003", 2024, [4] * 8),
        assessment_rows("GM0003", 2025, [3] * 8),  # a fall: not a mover
        assessment_rows("GM0004", 2023, [1] * 8),
        assessment_rows("GM0004", 2025, [5] * 8),  # no 2024 assessment: not "since last year"
    )
    movers = maturity_model.biggest_movers(data)
    assert movers["municipality_code"].tolist() == ["GM0002", "GM0001"]
    assert movers["change"].tolist() == [1.0, 0.2]
    assert movers["dimensions_up"].tolist() == [8, 2]
    assert maturity_model.biggest_movers(data, n=1)["municipality_code"].tolist() == ["GM0002"]


def test_frontrunners_and_starters_from_the_quartiles():
    data = table(*(assessment_rows(f"GM000{i}", 2025, [i] * 8) for i in range(1, 6)))
    groups = maturity_model.maturity_groups(data).set_index("municipality_code")
    # overalls 1..5: Q1 = 2, Q3 = 4
    assert groups["cop_q1"].iloc[0] == 2 and groups["cop_q3"].iloc[0] == 4
    assert groups["group"].to_dict() == {
        "GM0001": "starter",
        "GM0002": "starter",
        "GM0003": "middle",
        "GM0004": "frontrunner",
        "GM0005": "frontrunner",
    }
    same = table(*(assessment_rows(f"GM000{i}", 2025, [3] * 8) for i in range(1, 4)))
    assert set(maturity_model.maturity_groups(same)["group"]) == {"middle"}


def test_dimension_frontrunners_level_four_and_since():
    data = table(
        assessment_rows("GM0001", 2023, [4, 1, 1, 1, 1, 1, 1, 1]),
        assessment_rows("GM0001", 2025, [4, 1, 1, 1, 1, 1, 1, 5]),
        assessment_rows("GM0002", 2024, [5, 1, 1, 1, 1, 1, 1, 3]),
        assessment_rows("GM0003", 2025, [4, 1, 1, 1, 1, 1, 1, 4]),
    )
    leaders = maturity_model.dimension_frontrunners(data)
    vision = leaders[leaders["dimension"] == "vision_policy"]
    # level 5 first, then the one at level 4 the longest (since 2023)
    assert vision["municipality_code"].tolist() == ["GM0002", "GM0001", "GM0003"]
    assert vision["since"].tolist() == [2024, 2023, 2025]
    monitoring = leaders[leaders["dimension"] == "monitoring_evaluation"]
    assert monitoring[["municipality_code", "level"]].values.tolist() == [
        ["GM0001", 5],
        ["GM0003", 4],
    ]
    assert "budget_finance" not in set(leaders["dimension"])


def test_level_distribution_by_year_shares_add_up():
    data = table(
        assessment_rows("GM0001", 2024, [1] * 8),
        assessment_rows("GM0002", 2024, [3] * 8),
        assessment_rows("GM0001", 2025, [2] * 8),
    )
    dist = maturity_model.level_distribution_by_year(data)
    assert len(dist) == 2 * 8 * 5
    vision_2024 = dist[(dist["year"] == 2024) & (dist["dimension"] == "vision_policy")]
    assert vision_2024["municipalities"].tolist() == [1, 0, 1, 0, 0]
    assert vision_2024["share"].tolist() == [0.5, 0, 0.5, 0, 0]
    assert vision_2024["assessed"].tolist() == [2] * 5
    assert dist.groupby(["year", "dimension"])["share"].sum().eq(1).all()


# ---------------------------------------------------------------- peer groups


@pytest.mark.parametrize(
    ("population", "expected"),
    [(0, 1), (19_999, 1), (20_000, 2), (49_999, 2), (50_000, 3), (100_000, 4), (250_000, 5)],
)
def test_size_class_boundaries(population, expected):
    assert peergroups.size_class(population) == expected


def test_size_class_vectorised_and_labels():
    assert peergroups.size_class([12_000, 300_000]).tolist() == [1, 5]
    assert peergroups.size_class_label(2, "nl") == "20.000 tot 50.000 inwoners"


def test_peer_group_widens_until_big_enough(towns):
    candidates = towns["code"]
    # GM0001: class 2, urbanity 3. Exact: GM0002 only. Urbanity +-1: + GM0003 (class 2, u4).
    assert peergroups.peer_group("GM0001", towns, candidates, min_peers=1).members == ("GM0002",)
    group = peergroups.peer_group("GM0001", towns, candidates, min_peers=2)
    assert group.members == ("GM0002", "GM0003") and group.step == 2 and group.widened
    # size class +-1 as well: GM0004 (class 3, u3) and GM0005 (class 1, u3); not GM0006.
    group = peergroups.peer_group("GM0001", towns, candidates, min_peers=4)
    assert group.members == ("GM0002", "GM0003", "GM0004", "GM0005") and group.step == 3
    group = peergroups.peer_group("GM0001", towns, candidates, min_peers=5)
    assert group.step == 5 and len(group.members) == 5
    assert "5" in group.describe("nl")


def test_peer_group_same_province_first_and_newcomers(towns):
    group = peergroups.peer_group("GM0001", towns, towns["code"], same_province=True, min_peers=1)
    assert group.step == 0 and group.members == ("GM0002",)  # Utrecht, class 2, urbanity 3
    # GM0004 (class 3, urbanity 3, Zeeland): nobody in class 3, so sizes 2..4 and urbanity
    # 2..4 anywhere (step 3); GM0005 is class 1 and GM0006 urbanity 1.
    group = peergroups.peer_group("GM0004", towns, towns["code"], same_province=True, min_peers=1)
    assert group.step == 3 and group.members == ("GM0001", "GM0002", "GM0003")
    # a municipality that is no candidate itself still gets peers
    assert peergroups.peer_group("GM0006", towns, ["GM0001"], min_peers=1).members == ("GM0001",)
    with pytest.raises(KeyError):
        peergroups.peer_group("GM9999", towns, towns["code"])


def test_peer_position_quartiles_and_self_assessment(towns):
    data = table(
        assessment_rows("GM0002", 2025, [1] * 8),
        assessment_rows("GM0003", 2025, [2] * 8),
        assessment_rows("GM0004", 2025, [3] * 8),
        assessment_rows("GM0005", 2025, [4] * 8),
        assessment_rows("GM0006", 2025, [5] * 8),
    )
    position = maturity_model.peer_position(data, towns, code="GM0001")
    # GM0001 has no assessment; peers (all five, widened): levels 1..5
    assert position.group.members == ("GM0002", "GM0003", "GM0004", "GM0005", "GM0006")
    row = position.table.set_index("dimension").loc["vision_policy"]
    assert (row["peer_q1"], row["peer_median"], row["peer_q3"]) == (2, 3, 4)
    assert pd.isna(row["actual"]) and pd.isna(row["position"])
    own = dict.fromkeys(DIMS, 3) | {"vision_policy": 5, "budget_finance": 1}
    position = maturity_model.peer_position(data, towns, code="GM0001", levels=own)
    table_ = position.table.set_index("dimension")
    assert table_.loc["vision_policy", "position"] == "above"
    assert table_.loc["budget_finance", "position"] == "below"
    assert table_.loc["knowledge_data", "position"] == "within"
    assert table_.loc["overall", "actual"] == 3.0  # (5 + 1 + 6 * 3) / 8
    assert table_.loc["overall", "peer_median"] == 3.0
    assert display.position_sentences(position, "en") == [
        "Ahead of similar municipalities: vision and policy.",
        "Behind similar municipalities: budget and finance.",
    ]
    with pytest.raises(ValueError, match="unknown dimension"):
        maturity_model.peer_position(data, towns, code="GM0001", levels={"fun": 3})


def test_compare_levels_with_peer_median(towns):
    data = table(
        assessment_rows("GM0001", 2025, [5] * 8),
        assessment_rows("GM0002", 2024, [1] * 8),
        assessment_rows("GM0003", 2025, [2] * 8),
        assessment_rows("GM0004", 2025, [3] * 8),
        assessment_rows("GM0005", 2025, [4] * 8),
    )
    levels = maturity_model.compare_levels(
        data, towns, codes=["GM0001", "GM0006"], peer_median_of="GM0001"
    )
    assert levels.index.tolist() == ["GM0001", "GM0006", maturity_model.PEER_KEY]
    assert levels.loc["GM0001", DIMS].tolist() == [5.0] * 8
    assert levels.loc["GM0006", DIMS].isna().all()
    assert levels.loc[maturity_model.PEER_KEY, DIMS].tolist() == [2.5] * 8  # median of 1, 2, 3, 4
    assert maturity_model.unassessed(levels) == ["GM0006"]


# ---------------------------------------------------------------- sentences


def test_difference_sentences_in_dutch_and_english():
    levels = pd.DataFrame(
        {"monitoring_evaluation": [5.0, 3.0], "vision_policy": [2.0, 3.0]},
        index=["GM0344", "GM0363"],
    )
    names = {"GM0344": "Utrecht", "GM0363": "Amsterdam"}
    assert display.difference_sentences(levels, names, "en") == [
        "Utrecht is two levels ahead of Amsterdam on monitoring and evaluation "
        "(frontrunner versus developing).",
        "Amsterdam is one level ahead of Utrecht on vision and policy "
        "(developing versus exploring).",
    ]
    assert display.difference_sentences(levels, names, "nl", n=1) == [
        "Utrecht is bij monitoring en evaluatie twee niveaus verder dan Amsterdam "
        "(koploper tegenover ontwikkelend)."
    ]


def test_difference_sentences_ties_many_and_peer_median():
    levels = pd.DataFrame(
        {"budget_finance": [4.0, 4.0, 1.0], "knowledge_data": [2.0, 2.0, 2.0]},
        index=["GM0001", "GM0002", maturity_model.PEER_KEY],
    )
    names = {"GM0001": "Aa", "GM0002": "Bee"}
    assert display.difference_sentences(levels, names, "nl") == [
        "Aa en Bee zijn bij budget en financiering drie niveaus verder dan de mediaan van "
        "vergelijkbare gemeenten (gevorderd tegenover beginnend)."
    ]
    half = pd.DataFrame({"budget_finance": [1.0, 2.5]}, index=["GM0001", maturity_model.PEER_KEY])
    assert display.difference_sentences(half, names, "en") == [
        "The median of similar municipalities is 1.5 levels ahead of Aa on budget and finance "
        "(level 2.5 versus beginner)."
    ]
    same = pd.DataFrame({"budget_finance": [3.0, 3.0]}, index=["GM0001", "GM0002"])
    assert display.difference_sentences(same, names, "nl") == []


def test_largest_differences_order_and_number_words():
    levels = pd.DataFrame(
        {d: [3.0, 3.0] for d in DIMS}
        | {"knowledge_data": [1.0, 2.0], "budget_finance": [5.0, 2.0]},
        index=["A", "B"],
    )
    out = maturity_model.largest_differences(levels)
    assert out["dimension"].tolist() == ["budget_finance", "knowledge_data"]
    assert out["spread"].tolist() == [3.0, 1.0]
    assert out["ahead"].tolist() == [("A",), ("B",)]
    assert [display.number_word(n, "nl") for n in (1, 2, 4)] == ["één", "twee", "vier"]
    assert display.number_word(1.5, "nl") == "1,5"
    assert display.join_names(["A", "B", "C"], "nl") == "A, B en C"


# ---------------------------------------------------------------- approach profile


@pytest.fixture
def measures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_code": ["GM0001"] * 4 + ["GM0006"] * 6,
            "theme": ["depaving", "depaving", "flower_verges", "depaving"]
            + ["depaving"] * 3
            + ["flower_verges"] * 3,
            "status": ["realised", "idea", "realised", "stopped"] + ["realised"] * 6,
            "start_year": [2020, 2021, 2021, None, 2019, 2019, 2020, 2020, 2020, 2022],
        }
    )


def test_theme_mix_normalises_per_10k_and_as_shares(towns, measures):
    mix = approach.theme_mix(measures, towns).set_index(["municipality_code", "theme"])
    # GM0001 (30,000 inhabitants): 2 depaving + 1 verge, the stopped one left out
    assert mix.loc[("GM0001", "depaving"), ["measures", "share"]].tolist() == [
        2,
        pytest.approx(2 / 3),
    ]
    assert mix.loc[("GM0001", "depaving"), "per_10k"] == pytest.approx(2 / 3)
    # GM0006 (300,000): 3 + 3; ten times larger, so ten times fewer per 10k
    assert mix.loc[("GM0006", "depaving"), "per_10k"] == pytest.approx(0.1)
    assert mix.loc[("GM0006", "depaving"), "share"] == 0.5
    assert mix.groupby(level=0)["share"].sum().tolist() == [1.0, 1.0]
    assert len(mix) == 2 * len(vocab.THEMES)
    empty = approach.theme_mix(measures, towns, codes=["GM0002"])
    assert empty["share"].eq(0).all() and empty["per_10k"].eq(0).all()


def test_approach_profile_by_theme_and_status(towns, measures):
    profile = approach.approach_profile(measures, towns, codes=["GM0001"])
    assert len(profile) == len(vocab.THEMES) * len(vocab.MEASURE_STATUSES)
    row = profile.set_index(["theme", "status"]).loc[("depaving", "stopped")]
    assert row["measures"] == 1 and row["share"] == 0.25
    assert row["per_10k"] == pytest.approx(1 / 3)
    assert profile["share"].sum() == pytest.approx(1.0)


def test_group_mix_is_the_mean_of_members(towns, measures):
    mix = approach.theme_mix(measures, towns, codes=["GM0001", "GM0006"])
    group = approach.group_mix(mix, ["GM0001", "GM0006"], "peer").set_index("theme")
    assert group.loc["depaving", "share"] == pytest.approx((2 / 3 + 0.5) / 2)
    assert group.loc["depaving", "measures"] == 2.5
    assert group["share"].sum() == pytest.approx(1.0)
    both = approach.with_group_mix(mix, mix, ["GM0001", "GM0006"], "peer")
    assert both["municipality_code"].unique().tolist() == ["GM0001", "GM0006", "peer"]


def test_start_timeline(measures):
    timeline = approach.start_timeline(measures, codes=["GM0006", "GM0001"])
    assert timeline["municipality_code"].tolist()[:1] == ["GM0006"]
    rows = timeline.set_index(["municipality_code", "start_year"])
    assert rows.loc[("GM0006", 2020), "measures"] == 3
    assert rows.loc[("GM0006", 2020), "themes"] == "flower_verges;depaving"
    assert rows.loc[("GM0001", 2021), "themes"] == "depaving;flower_verges"
    assert rows["measures"].sum() == 9  # one without a start year


# ---------------------------------------------------------------- selection from a URL


def test_parse_selection_validates_codes():
    known = {"GM0344", "GM0363", "GM0193", "GM0513"}
    selection = comparison.parse_selection(
        "gm0193, 0513;GM0344,GM0193,GM12345678901234,<script>", known, {"GM0193", "GM0513"}
    )
    assert selection.codes == ("GM0193", "GM0513")
    assert selection.without_data == ("GM0344",)
    assert selection.unknown == ("GM123456789…", "<script>")
    many = comparison.parse_selection(
        ["GM0001,GM0002", "GM0003,GM0004,GM0005,GM0006,GM0007"],
        {f"GM000{i}" for i in range(1, 8)},
        {f"GM000{i}" for i in range(1, 8)},
    )
    assert len(many.codes) == 6 and many.dropped == ("GM0007",)
    assert comparison.parse_selection(None, known, known) == comparison.Selection()
    assert comparison.parse_mode("Peergroep") == "peers" and comparison.parse_mode("x") == "choose"


def test_selection_messages_and_links(towns):
    selection = comparison.Selection(codes=("GM0001",), unknown=("foo",), without_data=("GM0002",))
    messages = comparison.selection_messages(selection, towns, "nl")
    assert len(messages) == 2 and "foo" in messages[0] and "Bee (GM0002)" in messages[1]
    query = comparison.selection_query(["GM0344", "GM0363"])
    assert comparison.share_url("http://localhost:8501/compare?x=1", query) == (
        "http://localhost:8501/compare?gemeenten=GM0344,GM0363"
    )
    assert comparison.share_url(None, comparison.selection_query(["GM0001"], "peers")) == (
        "?gemeenten=GM0001&modus=peergroep"
    )
    assert comparison.profile_url("GM0344") == "./profile?gemeente=GM0344"


def test_comparison_table(towns, measures):
    data = table(assessment_rows("GM0001", 2025, [2] * 8), assessment_rows("GM0006", 2024, [4] * 8))
    out = comparison.comparison_table(data, measures, towns, codes=["GM0001", "GM0006"], lang="en")
    assert out["Municipality"].tolist() == ["Aa", "Eff"]
    assert out["Overall level"].tolist() == [2.0, 4.0]
    assert out["Latest assessment"].tolist() == [2025, 2024]
    assert out["Measures"].tolist() == [3, 6]
    assert out["Measures per 10,000 inhabitants"].tolist() == [1.0, 0.2]
    assert out["Depaving (%)"].tolist() == [66.7, 50.0]
    assert out["Vision and policy"].tolist() == [2.0, 4.0]


# ---------------------------------------------------------------- saving


def _seeded_engine(db_url: str, tmp_path) -> object:
    seed = tmp_path / "seed"
    seed.mkdir()
    for name in ("municipalities", "maturity"):
        shutil.copy(ROOT / "data" / f"{name}.csv", seed / f"{name}.csv")
    engine = storage.make_engine(db_url)
    storage.init_db(engine, seed)
    return engine


def test_save_self_assessment_upserts_and_validates(db_url, tmp_path):
    """On SQLite and PostgreSQL: the rows of that year are replaced, bad input stores nothing."""
    engine = _seeded_engine(db_url, tmp_path)
    before = storage.read_table(engine, "maturity")
    code = "GM0193"
    year = int(before.loc[before["municipality_code"] == code, "year"].max())
    levels = dict.fromkeys(DIMS, 2) | {"monitoring_evaluation": 5}
    report = assessment.save_self_assessment(engine, code, year, levels, role="coordinator")
    assert report.ok, report.messages("en")
    after = storage.read_table(engine, "maturity")
    assert len(after) == len(before)  # replaced, not added
    mine = after[(after["municipality_code"] == code) & (after["year"] == year)]
    assert mine.set_index("dimension")["level"].to_dict() == levels
    bad = assessment.save_self_assessment(
        engine, code, year, dict.fromkeys(DIMS, 6), role="coordinator"
    )
    assert not bad.ok and "at most 5" in " ".join(bad.messages("en"))
    unknown = assessment.save_self_assessment(engine, "GM9999", year, levels, role="coordinator")
    assert not unknown.ok
    assert storage.read_table(engine, "maturity").equals(after)
    with pytest.raises(ValueError, match="unknown dimensions: fun"):
        assessment.save_self_assessment(engine, code, year, levels | {"fun": 3}, role="coordinator")
    engine.dispose()


def test_only_partner_members_for_their_own_and_coordinators_store(db_url, tmp_path):
    """The permission is decided in cop, with the role and the account's municipality."""
    engine = _seeded_engine(db_url, tmp_path)
    towns = storage.read_table(engine, "municipalities")
    partner = towns[towns["is_partner"]].sort_values("code")["code"].iloc[0]
    other_partner = towns[towns["is_partner"]].sort_values("code")["code"].iloc[1]
    non_partner = towns[~towns["is_partner"]].sort_values("code")["code"].iloc[0]
    before = storage.read_table(engine, "maturity")
    year = int(before["year"].max())
    levels = dict.fromkeys(DIMS, 3)
    refused = [
        ("visitor", None, partner, "sign_in"),
        ("nonsense", partner, partner, "sign_in"),
        ("member", None, partner, "no_municipality"),
        ("member", partner, other_partner, "not_own"),
        ("member", non_partner, non_partner, "not_partner"),  # the defect: this used to store
    ]
    for role, own, code, reason in refused:
        with pytest.raises(assessment.AssessmentRefused) as caught:
            assessment.save_self_assessment(
                engine, code, year, levels, role=role, account_municipality=own
            )
        assert caught.value.reason == reason, (role, own, code)
    assert storage.read_table(engine, "maturity").equals(before)

    member = assessment.save_self_assessment(
        engine, partner, year, levels, role="member", account_municipality=partner
    )
    coordinator = assessment.save_self_assessment(
        engine, non_partner, year, levels, role="coordinator"
    )
    assert member.ok and coordinator.ok
    stored = storage.read_table(engine, "maturity")
    for code in (partner, non_partner):
        mine = stored[(stored["municipality_code"] == code) & (stored["year"] == year)]
        assert mine["level"].tolist() == [3] * 8
    engine.dispose()


def test_dimensions_not_chosen_are_never_stored(db_url, tmp_path):
    """No default level: an open (None) or absent dimension refuses the whole assessment."""
    engine = _seeded_engine(db_url, tmp_path)
    before = storage.read_table(engine, "maturity")
    year = int(before["year"].max())
    levels = dict.fromkeys(DIMS, 4) | {"budget_finance": None}
    del levels["knowledge_data"]
    with pytest.raises(assessment.AssessmentRefused) as caught:
        assessment.save_self_assessment(engine, "GM0193", year, levels, role="coordinator")
    assert caught.value.reason == "incomplete"
    assert caught.value.dimensions == ("budget_finance", "knowledge_data")  # vocabulary order
    assert caught.value.message("nl") == (
        "Kies eerst een niveau voor: Budget en financiering, Kennis en data."
    )
    assert caught.value.message("en") == (
        "First choose a level for: Budget and finance, Knowledge and data."
    )
    assert storage.read_table(engine, "maturity").equals(before)
    assert assessment.missing_dimensions(dict.fromkeys(DIMS, 2)) == []
    assert assessment.missing_dimensions({}) == DIMS
    engine.dispose()


def test_previous_levels_and_heatmap_order(towns):
    data = table(
        assessment_rows("GM0001", 2024, [1] * 8),
        assessment_rows("GM0001", 2025, [2, None, 2, 2, 2, 2, 2, 2]),
        assessment_rows("GM0004", 2025, [4] * 8),
        assessment_rows("GM0006", 2025, [3] * 8),
    )
    previous = assessment.previous_levels(data, "GM0001")
    assert previous["vision_policy"] == (2, 2025)
    assert "organisation_capacity" not in previous  # not scored in the latest assessment
    assert assessment.previous_levels(data, "GM0002") == {}
    data = data[data["year"] == 2025]
    by_overall = maturity_model.heatmap_rows(data, towns, sort_by="overall")
    assert by_overall.index.tolist() == ["GM0004", "GM0006", "GM0001"]
    by_size = maturity_model.heatmap_rows(data, towns, sort_by="size_class")
    assert by_size.index.tolist() == ["GM0006", "GM0004", "GM0001"]
    by_province = maturity_model.heatmap_rows(data, towns, sort_by="province")
    assert by_province["province"].tolist() == ["Utrecht", "Zeeland", "Zeeland"]
    assert np.isnan(by_overall.loc["GM0001", "organisation_capacity"])
    with pytest.raises(ValueError):
        maturity_model.heatmap_rows(data, towns, sort_by="colour")


def test_charts_carry_the_values(towns):
    from cop.maturity import charts as maturity_charts

    levels = pd.DataFrame(
        [[1.0] * 8, [2.5] * 8], index=["GM0001", maturity_model.PEER_KEY], columns=DIMS
    )
    names = {"GM0001": "Aa", maturity_model.PEER_KEY: "Mediaan peergroep"}
    radar = maturity_charts.maturity_radar(levels, names, "nl")
    assert [t.name for t in radar.data] == ["Aa", "Mediaan peergroep"]
    assert list(radar.data[1].r) == [2.5] * 8
    assert radar.data[0].customdata[0] == "beginnend"
    assert radar.data[1].customdata[0] == "niveau 2,5"
    multiples = maturity_charts.maturity_small_multiples(levels, names, "en")
    assert {t.subplot for t in multiples.data} == {"polar", "polar2"}
    rows = maturity_model.heatmap_rows(table(assessment_rows("GM0001", 2025, [3] * 8)), towns)
    heat = maturity_charts.maturity_heatmap(rows, maturity_model.load_rubric(), "en")
    assert heat.data[0].y == ("Aa (3.0)",)
    assert heat.data[0].customdata[0][0].startswith("3 Developing: A biodiversity vision")
