"""Small pieces of logic that used to sit in pages, now in cop (issue 10), on hand-made tables."""

from __future__ import annotations

import pandas as pd

from cop.maturity.comparison import comparable_codes
from cop.meetings.briefs import invitee_options, stored_themes
from cop.meetings.toolbox import linked_measures
from cop.peers.answerers import match_help_questions


def test_comparable_codes_are_assessed_or_have_measures() -> None:
    maturity = pd.DataFrame(
        {
            "municipality_code": ["GM0001"] * 8,
            "year": [2025] * 8,
            "dimension": [f"d{i}" for i in range(8)],
            "level": [3] * 8,
        }
    )
    measures = pd.DataFrame({"municipality_code": ["GM0003", None, "GM0003"]})
    assert comparable_codes(maturity, measures) == ["GM0001", "GM0003"]


def test_stored_themes_keeps_known_codes_in_order() -> None:
    assert stored_themes("depaving; green_roofs_walls;unknown") == ["depaving", "green_roofs_walls"]
    assert stored_themes(None) == []
    assert stored_themes(pd.NA) == []


def test_invitee_options_put_partners_first() -> None:
    towns = pd.DataFrame({"code": ["GM1", "GM2", "GM3"], "is_partner": [False, True, pd.NA]})
    assert invitee_options(towns) == (["GM2"], ["GM1", "GM3"])


def test_linked_measures_of_one_resource() -> None:
    usage = pd.DataFrame({"resource_id": [1, 2, 1], "measure_id": [10, 11, 12]})
    assert linked_measures(usage, 1) == [10, 12]
    assert linked_measures(usage, 3) == []


def test_help_question_matches_narrow_to_the_chosen_themes() -> None:
    questions = pd.DataFrame(
        {
            "id": [1, 2],
            "municipality_code": ["GM0001", "GM0002"],
            "asked_on": pd.to_datetime(["2026-01-01", "2026-01-02"]),
            "theme": ["depaving", "green_roofs_walls"],
            "question": ["Hoe wippen we tegels op schoolpleinen?", "Welke sedum op daken?"],
            "status": ["open", "open"],
            "answered_by": [None, None],
        }
    )
    towns = pd.DataFrame(
        {
            "code": ["GM0001", "GM0002", "GM0003"],
            "name": ["A", "B", "C"],
            "is_partner": [True, True, True],
            "population": [20_000, 30_000, 40_000],
            "urbanity": [3, 3, 3],
            "lat": [52.0, 52.1, 52.2],
            "lon": [5.0, 5.1, 5.2],
        }
    )
    measures = pd.DataFrame(
        {
            "id": [1, 2],
            "municipality_code": ["GM0003", "GM0003"],
            "title": ["Tegels eruit op het schoolplein", "Sedum op het gemeentehuis"],
            "theme": ["depaving", "green_roofs_walls"],
            "status": ["realised", "realised"],
            "lessons_learned": ["tegels schoolplein", "sedum daken"],
            "description": ["", ""],
        }
    )
    maturity = pd.DataFrame(columns=["municipality_code", "year", "dimension", "level"])
    experts = pd.DataFrame(columns=["id", "name", "kind", "themes", "description", "url"])
    every = match_help_questions(questions, towns, measures, maturity, experts, lang="nl")
    narrowed = match_help_questions(
        questions, towns, measures, maturity, experts, themes=["depaving"], lang="nl"
    )
    assert set(every["question_id"]) == {1, 2}
    assert set(narrowed["question_id"]) == {1}
