"""Tests for cop.peers.recommend, cop.peers.search and cop.core.textmatch on small hand-made cases.

The little world below (answers worked out by hand):

    code    name      partner  pop      urb  province    lat    lon   maturity (latest)
    GM0001  Asker     no       30,000   3    Utrecht     52.00  5.00  none (a newcomer)
    GM0004  Tweeling  yes      30,500   3    Utrecht     51.95  5.00  all dimensions 2
    GM0002  Gelijke   yes      31,000   3    Utrecht     52.05  5.00  all dimensions 2
    GM0003  Koploper  yes      120,000  2    Gelderland  52.20  5.90  5 on management and
                                                                       monitoring, else 3
    GM0005  Buiten    no       30,000   3    Utrecht     52.00  5.01  -

GM0002 and GM0004 are identical and equally far from GM0001 (0.05 degrees of latitude
north and south), so they tie; GM0004 is listed first in the input to prove the tie is
broken by code, not by input order. Koploper has 6 realised measures in ecological
mowing, the others none.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from cop.core import i18n, vocab
from cop.core.textmatch import normalise, stem, tokens
from cop.peers import answerers
from cop.peers import recommend as peer_scores
from cop.peers.search import search_municipalities

ROOT = Path(__file__).resolve().parents[1]


def municipalities_frame() -> pd.DataFrame:
    rows = [
        ("GM0001", "Asker", "Utrecht", 30_000, 3, False, 52.00, 5.00),
        ("GM0004", "Tweeling", "Utrecht", 30_500, 3, True, 51.95, 5.00),
        ("GM0002", "Gelijke", "Utrecht", 31_000, 3, True, 52.05, 5.00),
        ("GM0003", "Koploper", "Gelderland", 120_000, 2, True, 52.20, 5.90),
        ("GM0005", "Buiten", "Utrecht", 30_000, 3, False, 52.00, 5.01),
    ]
    frame = pd.DataFrame(
        rows,
        columns=["code", "name", "province", "population", "urbanity", "is_partner", "lat", "lon"],
    )
    frame["is_partner"] = frame["is_partner"].astype("boolean")
    frame["population"] = frame["population"].astype("Int64")
    frame["urbanity"] = frame["urbanity"].astype("Int64")
    return frame


def maturity_frame() -> pd.DataFrame:
    rows = []
    for code in ("GM0002", "GM0004"):
        rows += [(code, 2025, dim, 2) for dim in vocab.DIMENSIONS]
        rows += [(code, 2024, dim, 1) for dim in vocab.DIMENSIONS]  # older year is ignored
    for dim in vocab.DIMENSIONS:
        high = dim in ("management_maintenance", "monitoring_evaluation")
        rows.append(("GM0003", 2025, dim, 5 if high else 3))
    return pd.DataFrame(rows, columns=["municipality_code", "year", "dimension", "level"])


def measures_frame(lessons: str = "Neem de aannemer vanaf het begin mee.") -> pd.DataFrame:
    rows = [
        (
            i,
            "GM0003",
            f"Sinusbeheer {i}",
            "ecological_mowing",
            "realised",
            "Maaien.",
            lessons,
            pd.Timestamp(2025, 1, i),
        )
        for i in range(1, 7)
    ]
    rows.append(
        (
            7,
            "GM0003",
            "Idee bijenlint",
            "flower_verges",
            "idea",
            None,
            None,
            pd.Timestamp(2025, 2, 1),
        )
    )
    rows.append(
        (
            8,
            "GM0002",
            "Tegelwippen",
            "depaving",
            "realised",
            "Tegels eruit.",
            None,
            pd.Timestamp(2025, 3, 1),
        )
    )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "municipality_code",
            "title",
            "theme",
            "status",
            "description",
            "lessons_learned",
            "updated_at",
        ],
    )


def recommend(asker="GM0001", themes=("ecological_mowing",), **kwargs) -> pd.DataFrame:
    return peer_scores.recommend_peers(
        asker, themes, municipalities_frame(), measures_frame(), maturity_frame(), **kwargs
    )


# ---------------------------------------------------------------- recommend_peers


def test_frontrunner_in_the_theme_beats_a_similar_municipality_without_measures():
    ranked = recommend()
    assert ranked["code"].tolist() == ["GM0003", "GM0002", "GM0004"]
    top = ranked.iloc[0]
    assert top["maturity_score"] == 1.0  # (5 - 1) / (5 - 1) on both relevant dimensions
    assert top["measures_score"] == pytest.approx(6 / 9)
    assert top["realised_in_themes"] == 6


def test_components_and_score_of_the_similar_peer_by_hand():
    row = recommend().set_index("code").loc["GM0002"]
    km = 6371.0088 * math.radians(0.05)  # same meridian: distance = R * delta latitude
    assert row["distance_km"] == pytest.approx(km, abs=0.05)
    expected = {
        "size_score": 1.0,
        "urbanity_score": 1.0,
        "distance_score": 50 / (50 + km),
        "province_score": 1.0,
        "maturity_score": 0.25,  # level 2 vs newcomer 1: (2 - 1) / (5 - 1)
        "measures_score": 0.0,
    }
    for column, value in expected.items():
        assert row[column] == pytest.approx(value, abs=1e-6), column
    weights = peer_scores.PeerWeights()
    total = sum(getattr(weights, c) for c in peer_scores.PEER_COMPONENTS)
    by_hand = (
        sum(getattr(weights, c) * expected[f"{c}_score"] for c in peer_scores.PEER_COMPONENTS)
        / total
    )
    assert row["score"] == pytest.approx(by_hand, abs=1e-6)


def test_the_asker_and_non_partners_are_never_recommended():
    for asker in ("GM0001", "GM0002", "GM0003", "GM0005"):
        ranked = recommend(asker, limit=None)
        assert asker not in set(ranked["code"])
        assert not {"GM0001", "GM0005"} & set(ranked["code"])


def test_ties_are_broken_by_code_whatever_the_input_order():
    ranked = recommend()
    tied = ranked[ranked["code"].isin(["GM0002", "GM0004"])]
    assert tied["score"].nunique() == 1
    assert tied["code"].tolist() == ["GM0002", "GM0004"]
    shuffled = municipalities_frame().sample(frac=1, random_state=3)
    again = peer_scores.recommend_peers(
        "GM0001", ["ecological_mowing"], shuffled, measures_frame(), maturity_frame()
    )
    assert again["code"].tolist() == ranked["code"].tolist()


def test_reasons_in_plain_words_in_both_languages():
    english = recommend(lang="en").set_index("code")["reasons"]
    assert english["GM0003"].startswith(
        "frontrunner on management and maintenance; frontrunner on monitoring and evaluation; "
        "6 realised measures in ecological mowing; "
    )
    assert english["GM0003"].endswith("km away")
    assert english["GM0002"] == "same size class and urbanity; 6 km away; also in Utrecht"
    dutch = recommend(lang="nl").set_index("code")["reasons"]
    assert "koploper op beheer en onderhoud" in dutch["GM0003"]
    assert "6 gerealiseerde maatregelen in ecologisch maaibeheer" in dutch["GM0003"]
    assert dutch["GM0002"].startswith("even groot en even stedelijk")


def test_scoring_gives_numbers_and_wording_turns_them_into_reasons():
    """score_peers computes, peer_reasons words: the words follow from the numbers alone."""
    scores = peer_scores.score_peers(
        "GM0001", ["ecological_mowing"], municipalities_frame(), measures_frame(), maturity_frame()
    )
    assert "reasons" not in scores.table.columns
    assert scores.table.index.tolist() == ["GM0003", "GM0002", "GM0004"]
    assert scores.asker_levels.to_dict() == {
        "management_maintenance": 1.0,
        "monitoring_evaluation": 1.0,
    }
    assert scores.theme_counts.loc["GM0003", "ecological_mowing"] == 6
    assert peer_scores.peer_reasons(scores, "GM0002", "en") == (
        "same size class and urbanity; 6 km away; also in Utrecht"
    )
    # Another asker level changes the words, not the scoring code: no longer "ahead".
    ahead = peer_scores.peer_reasons(scores, "GM0003", "en")
    level5 = replace(scores, asker_levels=scores.asker_levels.clip(lower=5))
    assert "frontrunner on" in ahead and "frontrunner on" not in peer_scores.peer_reasons(
        level5, "GM0003", "en"
    )


def test_self_assessment_decides_who_is_ahead():
    ranked = recommend(
        self_assessment={"management_maintenance": 5, "monitoring_evaluation": 5}
    ).set_index("code")
    assert ranked.loc["GM0003", "maturity_score"] == 0.0
    assert ranked.loc["GM0002", "maturity_score"] == 0.0
    with pytest.raises(ValueError):
        recommend(self_assessment={"management_maintenance": 6})
    with pytest.raises(ValueError):
        recommend(self_assessment={"no_such_dimension": 3})


def test_weights_change_the_order_and_are_validated():
    only_distance = peer_scores.PeerWeights(
        size=0, urbanity=0, distance=1, province=0, maturity=0, measures=0
    )
    ranked = recommend(weights=only_distance)
    assert ranked["code"].tolist() == ["GM0002", "GM0004", "GM0003"]
    with pytest.raises(ValueError):
        peer_scores.PeerWeights(size=-1)
    with pytest.raises(ValueError):
        peer_scores.PeerWeights(size=0, urbanity=0, distance=0, province=0, maturity=0, measures=0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown theme"):
        recommend(themes=("knitting",))
    with pytest.raises(ValueError, match="unknown municipality"):
        recommend(asker="GM9999")


def test_every_theme_maps_to_known_dimensions():
    assert set(peer_scores.THEME_DIMENSIONS) == set(vocab.THEMES)
    for dims in peer_scores.THEME_DIMENSIONS.values():
        assert dims and set(dims) <= set(vocab.DIMENSIONS)


def test_relevant_practices_and_contacts_keep_the_peer_order():
    practices = peer_scores.relevant_practices(
        measures_frame(), ["GM0003", "GM0002"], [], per_peer=2
    )
    assert practices["id"].tolist() == [6, 5, 8]  # newest first, the idea is left out
    contacts = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "municipality_code": ["GM0002", "GM0003", "GM0003"],
            "name": [pd.NA, "Kim", pd.NA],
            "role": ["Beleid", "Beheer", "Ecoloog"],
            "email": [pd.NA, "kim@x.example", pd.NA],
            "phone": [pd.NA, pd.NA, "06-1"],
            "themes": ["depaving", "depaving", "ecological_mowing"],
        }
    )
    out = peer_scores.peer_contacts(contacts, ["GM0003", "GM0002"], ["ecological_mowing"], "en")
    assert out["id"].tolist() == [3, 2, 1]  # on-theme contact of the best peer first
    assert out["how_to_reach"].tolist() == ["06-1", "kim@x.example", "Via the CoP coordinator"]


# ---------------------------------------------------------------- help questions


def questions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2],
            "municipality_code": ["GM0003", "GM0001"],
            "asked_on": pd.to_datetime(["2025-01-01", "2025-01-02"]),
            "theme": ["ecological_mowing", "ecological_mowing"],
            "question": [
                "Hoe krijgen we de aannemer mee in sinusbeheer?",
                "Al beantwoord: welke aannemer?",
            ],
            "status": ["open", "answered"],
            "answered_by": [pd.NA, "Koploper"],
        }
    )


def experts_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [2, 1, 3],
            "name": ["Bureau Twee", "Bureau Een", "Stenenclub"],
            "kind": ["consultancy", "consultancy", "network"],
            "themes": ["ecological_mowing", "ecological_mowing", "depaving"],
            "description": ["Advies over maaien.", "Advies over maaien.", pd.NA],
        }
    )


def match(measures: pd.DataFrame | None = None, **kwargs) -> pd.DataFrame:
    return answerers.match_help_questions(
        questions_frame(),
        municipalities_frame(),
        measures_frame() if measures is None else measures,
        maturity_frame(),
        experts_frame(),
        **kwargs,
    )


def test_only_open_questions_are_matched_and_the_asker_is_never_suggested():
    matches = match(lang="en")
    assert set(matches["question_id"]) == {1}
    towns = matches[matches["kind"] == "municipality"]
    assert "GM0003" not in set(towns["candidate"])  # the frontrunner asked this one itself
    assert set(towns["candidate"]) == {"GM0002", "GM0004"}


def test_a_frontrunner_in_the_theme_is_suggested_first():
    questions = questions_frame().assign(municipality_code=["GM0002", "GM0001"])
    matches = answerers.match_help_questions(
        questions,
        municipalities_frame(),
        measures_frame(),
        maturity_frame(),
        experts_frame(),
        lang="en",
    )
    towns = matches[matches["kind"] == "municipality"]
    assert towns["candidate"].tolist() == ["GM0003", "GM0004"]
    best = towns.iloc[0]
    assert best["theme_score"] == pytest.approx(6 / 9)
    assert best["maturity_score"] == 1.0
    assert best["shared_words"] == "aannemer, sinusbeheer"
    assert best["reasons"] == (
        "6 realised measures in ecological mowing; frontrunner on management and "
        "maintenance; shares the words: aannemer, sinusbeheer"
    )


def test_keyword_overlap_counts():
    base = measures_frame(lessons="Geen bijzonderheden.")
    with_word = pd.concat(
        [
            base,
            pd.DataFrame(
                {
                    "id": [9],
                    "municipality_code": ["GM0004"],
                    "title": ["Bermen"],
                    "theme": ["flower_verges"],
                    "status": ["planned"],
                    "description": ["De aannemer maait twee keer."],
                    "lessons_learned": [pd.NA],
                    "updated_at": [pd.Timestamp(2025, 4, 1)],
                }
            ),
        ],
        ignore_index=True,
    )
    without = match(base).query("kind == 'municipality'").set_index("candidate")
    assert without.loc["GM0002", "score"] == without.loc["GM0004", "score"]
    ranked = match(with_word).query("kind == 'municipality'")
    assert ranked["candidate"].tolist() == ["GM0004", "GM0002"]  # the shared word lifts it
    row = ranked.iloc[0]
    assert row["shared_words"] == "aannemer"
    assert row["keyword_score"] == pytest.approx(1 / 2)  # aannemer of {aannemer, sinusbeheer}


def test_experts_by_theme_ties_broken_by_id_and_zero_scores_left_out():
    experts = match(lang="nl").query("kind == 'expert'")
    assert experts["candidate"].tolist() == ["1", "2"]  # equal scores: id order
    assert "3" not in set(experts["candidate"])  # other theme, no shared words
    assert experts.iloc[0]["reasons"] == "deskundig op ecologisch maaibeheer"
    assert experts["rank"].tolist() == [1, 2]


def test_answerer_scores_are_numbers_and_reasons_are_worded_from_them():
    pool = answerers.answerer_pool(
        municipalities_frame(), measures_frame(), maturity_frame(), experts_frame()
    )
    question = questions_frame().iloc[0]
    scored = answerers.score_candidates(question["question"], "ecological_mowing", "GM0001", pool)
    frontrunner = next(c for c in scored if c.candidate == "GM0003")
    assert (frontrunner.realised, frontrunner.best_level) == (6, (5, "management_maintenance"))
    assert frontrunner.theme_score == pytest.approx(6 / 9) and frontrunner.maturity_score == 1.0
    assert "GM0001" not in {c.candidate for c in scored}  # the asker
    assert answerers.answerer_reasons(frontrunner, "ecological_mowing", "en").startswith(
        "6 realised measures in ecological mowing; frontrunner on management and maintenance"
    )
    by_hand = answerers.Candidate(
        "expert", "7", "Bureau", 0.5, 1.0, math.nan, 0.0, (), covers_theme=True
    )
    assert answerers.answerer_reasons(by_hand, "depaving", "en") == "expert in depaving"


def test_limit_per_kind():
    assert match(limit=1).groupby("kind").size().to_dict() == {"expert": 1, "municipality": 1}


# ---------------------------------------------------------------- search and text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Den Haag", "GM0518"),
        ("den haag", "GM0518"),
        ("s-Gravenhage", "GM0518"),
        ("'s-Gravenhage", "GM0518"),
        ("Bosch", "GM0796"),
        ("Den Bosch", "GM0796"),
        ("Sudwest", "GM1900"),
        ("súdwest-fryslân", "GM1900"),
        ("Noardeast", "GM1970"),
    ],
)
def test_search_finds_official_names_from_what_people_type(query, expected):
    towns = pd.DataFrame(
        {
            "code": ["GM0518", "GM0796", "GM1900", "GM1970", "GM0344"],
            "name": [
                "'s-Gravenhage",
                "'s-Hertogenbosch",
                "Súdwest-Fryslân",
                "Noardeast-Fryslân",
                "Utrecht",
            ],
        }
    )
    found = search_municipalities(query, towns)
    assert found["code"].iloc[0] == expected


REFERENCE = pd.read_csv(
    Path(__file__).resolve().parents[1] / "data" / "municipalities_reference.csv"
)


@pytest.mark.parametrize(
    ("query", "codes", "former"),
    [
        ("Nuenen c.a.", ["GM0820"], "Nuenen c.a."),
        ("nuenen ca", ["GM0820"], "Nuenen c.a."),
        ("Haaren", ["GM0757", "GM0824", "GM0855", "GM0865"], "Haaren"),  # split over four
        ("Weesp", ["GM0363"], "Weesp"),
        ("Beemster", ["GM0439"], "Beemster"),
        ("Heerhugowaard", ["GM1980"], "Heerhugowaard"),
        ("Hellevoetsluis", ["GM1992"], "Hellevoetsluis"),
        ("Kollumerland", ["GM1970"], "Kollumerland en Nieuwkruisland"),
    ],
)
def test_former_names_find_the_municipality_and_say_so(query, codes, former):
    found = search_municipalities(query, REFERENCE)
    best = found[found["quality"] == found["quality"].min()]
    assert sorted(best["code"]) == codes
    assert set(best["former"]) == {former}


def test_a_current_name_is_not_reported_as_former():
    found = search_municipalities("Cuijk", REFERENCE)  # former Cuijk is now Land van Cuijk
    assert found["code"].iloc[0] == "GM1982" and found["former"].iloc[0] == "Cuijk"
    utrecht = search_municipalities("Utrecht", REFERENCE)
    assert utrecht["code"].iloc[0] == "GM0344" and pd.isna(utrecht["former"].iloc[0])
    grave = search_municipalities("Grave", REFERENCE)  # exact former name before 's-Gravenhage
    assert grave["code"].tolist()[:2] == ["GM1982", "GM0518"]


def test_former_names_file_agrees_with_the_reference():
    """Every row points at a municipality of 2025 by code and name, and no former name is
    still a current name (the file's columns are documented in data/README.md)."""
    formers = pd.read_csv(
        Path(__file__).resolve().parents[1] / "data" / "municipality_former_names.csv",
        dtype={"year": "Int64"},
    )
    assert list(formers.columns) == ["former_name", "code", "name", "year", "kind"]
    names = REFERENCE.set_index("code")["name"]
    assert formers["code"].isin(names.index).all()
    assert (formers["name"] == formers["code"].map(names)).all()
    assert not formers["former_name"].isin(set(REFERENCE["name"])).any()
    assert set(formers["kind"]) == {"merged", "split", "renamed"}
    assert formers["year"].dropna().between(2018, 2025).all()
    assert not formers.duplicated(["former_name", "code"]).any()
    split = formers[formers["kind"] == "split"].groupby("former_name")["code"].nunique()
    assert (split >= 2).all()  # a split lists every municipality that received a part
    merged = formers[formers["kind"] == "merged"]
    assert not merged["former_name"].duplicated().any()
    assert formers["former_name"].tolist() == sorted(formers["former_name"], key=str.lower)


def test_the_peers_page_says_formerly(app_env):
    from tests.conftest import make_app

    at = make_app("pages/peers.py", lang="nl")
    at.text_input(key="peers_search").input("Haaren").run()
    assert not at.exception
    options = at.selectbox(key="peers_municipality").options
    assert sorted(options) == [
        "Boxtel (voorheen Haaren)",
        "Oisterwijk (voorheen Haaren)",
        "Tilburg (voorheen Haaren)",
        "Vught (voorheen Haaren)",
    ]


def test_search_ranks_exact_before_prefix_before_contains_and_empty_lists_all():
    towns = pd.DataFrame(
        {"code": ["GM0003", "GM0002", "GM0001"], "name": ["Oss", "Bosschenhoofd", "Boss"]}
    )
    assert search_municipalities("boss", towns)["name"].tolist() == ["Boss", "Bosschenhoofd"]
    assert search_municipalities("oss", towns)["name"].tolist() == ["Oss", "Boss", "Bosschenhoofd"]
    assert search_municipalities("  ", towns)["name"].tolist() == ["Boss", "Bosschenhoofd", "Oss"]
    assert search_municipalities("xyz", towns).empty


def test_text_normalisation_and_tokens():
    assert normalise("'s-Hertogenbosch") == "s hertogenbosch"
    assert normalise("Wadi's en Súdwest-Fryslân!") == "wadis en sudwest fryslan"
    assert stem("oevers") == "oever" and stem("bermen") == "berm" and stem("gras") == "gras"
    assert tokens("Hoe krijgen we de aannemer mee in sinusbeheer zonder meerkosten?") == {
        "aannemer",
        "sinusbeheer",
        "meerkost",
    }
    assert tokens(None) == set() and tokens("de het een 2024") == set()


def test_page_catalog_keys_built_at_run_time_exist():
    for name in (*peer_scores.PEER_COMPONENTS, "distance_km", "measures_half"):
        assert i18n.has_key(f"peers.w_{name}")
    for column in ("role", "themes", "how_to_reach", "name", "kind", "candidate"):
        assert i18n.has_key(f"peers.col_{column}")
    for kind in ("municipality", "expert"):
        assert i18n.has_key(f"peers.kind_{kind}")
    for column in ("row", "column", "value", "problem"):
        assert i18n.has_key(f"edit.col_{column}")
    for role in ("visitor", "member", "coordinator"):
        assert i18n.has_key(f"auth.roles.{role}")


# ---------------------------------------------------------------- the demo data


def test_works_for_every_municipality_of_the_demo_data(demo_db_file):
    from cop.data import storage

    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    towns = storage.read_table(engine, "municipalities")
    measures = storage.read_table(engine, "measures")
    maturity = storage.read_table(engine, "maturity")
    partners = int(towns["is_partner"].sum())
    assert len(towns) == 342
    # every partner and every 8th other municipality (a sweep of all 342 takes ~10 s;
    # it was run by hand for the closing note)
    askers = towns.loc[towns["is_partner"].astype(bool) | (towns.index % 8 == 0), "code"]
    for code in askers:
        ranked = peer_scores.recommend_peers(code, ["depaving"], towns, measures, maturity, limit=3)
        assert len(ranked) == 3 and code not in set(ranked["code"])
        assert ranked["score"].is_monotonic_decreasing
    every = peer_scores.recommend_peers("GM0518", [], towns, measures, maturity, limit=None)
    assert len(every) == partners  # 's-Gravenhage is not a partner in the demo
    engine.dispose()


def test_demo_names_with_accents_and_apostrophes_are_searchable():
    towns = pd.read_csv(ROOT / "data" / "municipalities.csv", dtype={"code": "string"})
    for name in ("'s-Gravenhage", "'s-Hertogenbosch", "Súdwest-Fryslân", "Bergen (NH.)"):
        assert name in search_municipalities(normalise(name), towns)["name"].tolist()
    assert search_municipalities("Den Haag", towns)["name"].tolist() == ["'s-Gravenhage"]
    assert search_municipalities("Den Bosch", towns)["name"].tolist() == ["'s-Hertogenbosch"]
