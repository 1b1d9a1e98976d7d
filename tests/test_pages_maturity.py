"""AppTest of the Compare and Maturity pages on the demo data: real figures, real sentences.

Expected values are read from the demo database with ``cop.data.storage`` and computed here with
plain pandas (not with ``cop.maturity.model``), so the pages are checked against the data, not
against themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from urllib.parse import parse_qs

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cop import ui
from cop.access import accounts
from cop.core import vocab
from cop.data import storage
from tests.conftest import ROOT, make_app

DIMS = list(vocab.DIMENSIONS)
ZWOLLE, GOUDA, TILBURG, HILVERSUM = "GM0193", "GM0513", "GM0855", "GM0402"
DUTCH_WORDS = {1: "één", 2: "twee", 3: "drie", 4: "vier"}


def latest_levels(code: str) -> dict[str, int]:
    """The demo levels of ``code`` in its latest year, straight from the database."""
    maturity = storage.read_table(storage.make_engine(), "maturity")
    mine = maturity[maturity["municipality_code"] == code]
    latest = mine[mine["year"] == mine["year"].max()]
    return {d: int(v) for d, v in latest.set_index("dimension")["level"].items()}


def open_page(page: str, query: dict[str, str] | None = None, lang: str | None = None) -> AppTest:
    at = make_app(page, lang=lang)
    if query:
        at.query_params.clear()  # a link replaces what the page opened with by itself
        for name, value in query.items():
            at.query_params[name] = value
        at.run()
    assert not at.exception, at.exception
    return at


def spec(at: AppTest, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return json.loads(chart.proto.spec)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def profile_links(at: AppTest) -> set[str]:
    """Codes linked to the profile page: st.page_link once that page exists, else a URL."""
    links = {
        parse_qs(link.proto.query_string).get("gemeente", [""])[0] for link in at.get("page_link")
    }
    links |= set(re.findall(r"\./profile\?gemeente=(GM\d{4})", markdown(at)))
    return links - {""}


# ---------------------------------------------------------------- compare


def test_compare_from_query_parameters(app_env):
    at = open_page("pages/compare.py", {"gemeenten": f"{ZWOLLE},{GOUDA},GM0344,nonsense"})
    warnings = " ".join(w.value for w in at.warning)
    assert "nonsense" in warnings  # not a municipality code
    assert "Utrecht (GM0344)" in warnings  # a real municipality without data in the CoP
    assert at.multiselect(key="compare_codes").value == [ZWOLLE, GOUDA]
    assert at.query_params["gemeenten"] == f"{ZWOLLE},{GOUDA}"

    radar = spec(at, "compare_radar")
    assert [t["name"] for t in radar["data"]] == ["Zwolle", "Gouda"]
    zwolle, gouda = latest_levels(ZWOLLE), latest_levels(GOUDA)
    assert radar["data"][0]["r"] == [zwolle[d] for d in DIMS]
    assert radar["data"][1]["r"] == [gouda[d] for d in DIMS]
    assert radar["data"][0]["theta"][0] == "Visie en beleid"
    assert radar["data"][0]["customdata"][0] in {
        "beginnend",
        "verkennend",
        "ontwikkelend",
        "gevorderd",
        "koploper",
    }
    assert radar["data"][0]["line"]["color"] != radar["data"][1]["line"]["color"]

    # the dimension where they differ most, written out with the right names and number
    gaps = {d: zwolle[d] - gouda[d] for d in DIMS}
    biggest = max(DIMS, key=lambda d: (abs(gaps[d]), -DIMS.index(d)))
    ahead, behind = ("Zwolle", "Gouda") if gaps[biggest] > 0 else ("Gouda", "Zwolle")
    sentences = [line[2:] for line in markdown(at).splitlines() if line.startswith("- ")]
    assert 1 <= len(sentences) <= 3
    label = {
        "vision_policy": "visie en beleid",
        "monitoring_evaluation": "monitoring en evaluatie",
        "organisation_capacity": "organisatie en capaciteit",
        "budget_finance": "budget en financiering",
        "knowledge_data": "kennis en data",
        "management_maintenance": "beheer en onderhoud",
        "spatial_integration": "ruimtelijke integratie",
        "participation_cooperation": "participatie en samenwerking",
    }[biggest]
    assert sentences[0].startswith(
        f"{ahead} is bij {label} {DUTCH_WORDS[abs(gaps[biggest])]} niveau"
    )
    assert f"verder dan {behind}" in sentences[0]

    mix = spec(at, "compare_mix")
    measures = storage.read_table(storage.make_engine(), "measures")
    zwolle_measures = measures[
        (measures["municipality_code"] == ZWOLLE) & (measures["status"] != "stopped")
    ]
    counts = [row[0] for row in mix["data"][0]["customdata"]]
    assert sum(counts) == len(zwolle_measures)
    assert sum(mix["data"][0]["x"]) == pytest.approx(100, abs=0.5)

    timeline = spec(at, "compare_timeline")
    started = (
        zwolle_measures.dropna(subset=["start_year"]).shape[0]
        + measures[(measures["municipality_code"] == ZWOLLE) & (measures["status"] == "stopped")]
        .dropna(subset=["start_year"])
        .shape[0]
    )
    assert sum(row[0] for row in timeline["data"][0]["customdata"]) == started

    table = at.dataframe[0].value
    assert table["Gemeente"].tolist() == ["Zwolle", "Gouda"]
    assert table["Monitoring en evaluatie"].tolist() == [
        zwolle["monitoring_evaluation"],
        gouda["monitoring_evaluation"],
    ]
    buttons = at.get("download_button")
    assert len(buttons) == 2
    assert any(f"gemeenten={ZWOLLE},{GOUDA}" in c.value for c in at.code)


def test_compare_by_widgets_small_multiples_then_overlay(app_env):
    at = open_page("pages/compare.py")
    assert at.radio(key="compare_mode").value == "peers"  # opens with an example (issue 14)
    at.radio(key="compare_mode").set_value("choose").run()
    assert any("minstens twee" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    picker = at.multiselect(key="compare_codes")
    for code in (ZWOLLE, GOUDA, TILBURG, HILVERSUM):
        picker.select(code)
    at.run()
    assert not at.exception
    assert at.query_params["gemeenten"] == f"{ZWOLLE},{GOUDA},{TILBURG},{HILVERSUM}"
    assert at.radio(key="compare_view").value == "multiples"
    multiples = spec(at, "compare_radar")
    assert [t.get("subplot", "polar") for t in multiples["data"]] == [
        "polar",
        "polar2",
        "polar3",
        "polar4",
    ]
    assert multiples["data"][2]["r"] == [latest_levels(TILBURG)[d] for d in DIMS]
    at.radio(key="compare_view").set_value("overlay").run()
    overlay = spec(at, "compare_radar")
    assert [t["name"] for t in overlay["data"]] == ["Zwolle", "Gouda", "Tilburg", "Hilversum"]
    assert {t.get("subplot", "polar") for t in overlay["data"]} == {"polar"}
    assert len(at.dataframe[0].value) == 4


def test_compare_with_peer_group_median_in_english(app_env):
    at = open_page("pages/compare.py", {"gemeenten": ZWOLLE, "modus": "peergroep"}, lang="en")
    assert at.radio(key="compare_mode").value == "peers"
    assert at.selectbox(key="compare_own").value == ZWOLLE
    radar = spec(at, "compare_radar")
    assert [t["name"] for t in radar["data"]] == ["Zwolle", "Peer group median"]
    # the peer group by hand: partners of size class 3-5 (>= 50,000) and urbanity 1-3
    towns = storage.read_table(storage.make_engine(), "municipalities")
    maturity = storage.read_table(storage.make_engine(), "maturity")
    assessed = set(maturity["municipality_code"])
    peers = towns[
        towns["code"].isin(assessed)
        & (towns["code"] != ZWOLLE)
        & (towns["population"] >= 50_000)
        & towns["urbanity"].between(1, 3)
    ]["code"]
    levels = pd.DataFrame({c: latest_levels(c) for c in peers}).T
    assert radar["data"][1]["r"] == levels[DIMS].median().tolist()
    assert any(f"{len(peers)} municipalities" in c.value for c in at.caption)
    text = markdown(at)
    assert "the median of similar municipalities" in text and "ahead of" in text
    assert at.query_params["modus"] == "peergroep"
    table = at.dataframe[0].value
    assert table["Municipality"].tolist() == ["Zwolle", "Peer group median"]


# ---------------------------------------------------------------- maturity overview


def test_maturity_overview_heatmap_frontrunners_movers(app_env):
    at = open_page("pages/maturity.py")
    engine = storage.make_engine()
    maturity = storage.read_table(engine, "maturity")
    towns = storage.read_table(engine, "municipalities").set_index("code")
    latest = maturity[
        maturity["year"] == maturity.groupby("municipality_code")["year"].transform("max")
    ]
    overall = latest.groupby("municipality_code")["level"].mean().round(1)

    heat = spec(at, "maturity_heatmap")["data"][0]
    assert len(heat["y"]) == len(overall)
    top = overall.sort_values(ascending=False)
    best = sorted(c for c in top.index if top[c] == top.iloc[0])
    assert heat["y"][0].startswith(min(towns.loc[best, "name"]))
    assert heat["y"][0].endswith(f"({str(top.iloc[0]).replace('.', ',')})")
    assert "Biodiversiteit" in heat["customdata"][0][0] or ":" in heat["customdata"][0][0]

    at.radio(key="maturity_sort").set_value("province").run()
    heat = spec(at, "maturity_heatmap")["data"][0]
    first_province = next(
        p for p in vocab.PROVINCES if p in set(towns.loc[overall.index, "province"])
    )
    assert heat["y"][0].split(" (")[0] in set(towns[towns["province"] == first_province]["name"])

    distribution = spec(at, "maturity_distribution")
    assert len(distribution["data"]) == len(DIMS) * 5

    leaders = latest[(latest["dimension"] == "vision_policy") & (latest["level"] >= 4)]
    assert set(leaders["municipality_code"]) <= profile_links(at)
    assert "Koplopers" in markdown(at) and "Starters" in markdown(at)
    movers = at.dataframe[0].value
    assert (movers["Verandering"] > 0).all() and len(movers) <= 5


def test_self_assessment_shows_position_without_storing(app_env):
    at = open_page("pages/maturity.py")
    assert any("niet bewaard" in i.value for i in at.info)
    assert [b.proto.label for b in at.main.get("button")] == ["Laat zien waar ik sta"]
    at.selectbox(key="maturity_self_code").set_value("GM0344")  # Utrecht: not a partner
    for dimension in DIMS:
        at.radio(key=f"maturity_self_{dimension}").set_value(1)
    at.radio(key="maturity_self_vision_policy").set_value(5)
    at.button(key="maturity_self_show").click().run()
    assert not at.exception
    chart = spec(at, "maturity_self_chart")
    own = chart["data"][2]
    assert own["name"] == "Utrecht" and own["x"][:2] == [5, 1]
    text = markdown(at)
    assert "Voor op vergelijkbare gemeenten: visie en beleid." in text
    before = storage.read_table(storage.make_engine(), "maturity")
    assert "GM0344" not in set(before["municipality_code"])


def add_member(monkeypatch, username: str, code: str):
    """A member account of municipality ``code`` in the app's database (fast hashing)."""
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    engine = storage.make_engine()
    return accounts.add_user(engine, username, "a long enough password", "member", code)


@pytest.fixture
def member(app_env, monkeypatch):
    return add_member(monkeypatch, "zwolle1", ZWOLLE)


def signed_in_maturity_page(user) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.USER_KEY] = user.username
    at.session_state[ui.ROLE_KEY] = user.role
    at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
    at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    at.switch_page("pages/maturity.py").run()
    assert not at.exception
    return at


def stored_maturity() -> pd.DataFrame:
    return storage.read_table(storage.make_engine(), "maturity")


def test_member_saves_own_self_assessment_only(member):
    at = signed_in_maturity_page(member)
    assert at.selectbox(key="maturity_self_code").value == ZWOLLE  # their own municipality
    previous = latest_levels(ZWOLLE)["monitoring_evaluation"]
    radio = at.radio(key="maturity_self_monitoring_evaluation")
    assert radio.value is None  # nothing pre-selected: the latest level is only a reminder
    assert str(previous) in radio.help and "Laatste meting" in radio.help
    for dimension in DIMS:
        at.radio(key=f"maturity_self_{dimension}").set_value(3)
    at.button(key="maturity_self_save").click().run()
    assert not at.exception
    year = dt.date.today().year
    assert any(f"meting {year} van Zwolle" in s.value for s in at.success)
    stored = stored_maturity()
    mine = stored[(stored["municipality_code"] == ZWOLLE) & (stored["year"] == year)]
    assert mine["level"].tolist() == [3] * 8

    at.selectbox(key="maturity_self_code").set_value(GOUDA)
    at.button(key="maturity_self_save").click().run()
    assert any("eigen gemeente" in w.value for w in at.warning)
    assert stored_maturity().equals(stored)


def test_member_of_a_non_partner_compares_without_storing(app_env, monkeypatch):
    """A member of Utrecht (not a partner) tries the self-assessment: no way to store it."""
    utrecht = "GM0344"
    towns = storage.read_table(storage.make_engine(), "municipalities")
    assert not towns.set_index("code").loc[utrecht, "is_partner"]
    at = signed_in_maturity_page(add_member(monkeypatch, "utrecht1", utrecht))
    assert at.selectbox(key="maturity_self_code").value == utrecht
    assert [b.proto.label for b in at.main.get("button")] == ["Laat zien waar ik sta"]
    assert any("geen partner" in i.value and "niet bewaard" in i.value for i in at.info)
    before = stored_maturity()
    for dimension in DIMS:
        at.radio(key=f"maturity_self_{dimension}").set_value(2)
    at.radio(key="maturity_self_budget_finance").set_value(5)
    at.button(key="maturity_self_show").click().run()
    assert not at.exception
    own = spec(at, "maturity_self_chart")["data"][2]
    assert own["name"] == "Utrecht" and own["x"][:3] == [2, 2, 5]
    assert "Voor op vergelijkbare gemeenten: budget en financiering." in markdown(at)
    assert stored_maturity().equals(before)


def test_dimensions_left_open_are_named_and_nothing_is_stored(member):
    at = signed_in_maturity_page(member)
    before = stored_maturity()
    for dimension in DIMS[:6]:  # the last two questions are left open
        at.radio(key=f"maturity_self_{dimension}").set_value(4)
    at.button(key="maturity_self_save").click().run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Participatie en samenwerking, Monitoring en evaluatie" in warning
    assert not at.success and "maturity_self_result" not in at.session_state
    assert stored_maturity().equals(before)
