"""Compare and Profile open with something and say how to change it (issue 14, item 5).

A visitor sees a frontrunner (the highest latest overall maturity, computed here from the
demo data independently of :func:`cop.maturity.comparison.showcase_code`), a member their
own municipality; the profile shows each measure's description and lessons, the
monitoring trends as a chart and download buttons under its tables.
"""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from cop import ui
from cop.access import accounts
from cop.data import storage
from cop.maturity import comparison
from tests.conftest import make_app

ZWOLLE = "GM0193"


def frontrunner() -> str:
    """The partner with the highest mean level in its latest year, by hand."""
    engine = storage.make_engine()
    maturity = storage.read_table(engine, "maturity")
    measures = storage.read_table(engine, "measures")
    latest = maturity[
        maturity["year"] == maturity.groupby("municipality_code")["year"].transform("max")
    ]
    means = latest.groupby("municipality_code")["level"].mean().round(1)
    counts = measures["municipality_code"].value_counts()
    best = means[means == means.max()].index
    return sorted(best, key=lambda code: (-counts.get(code, 0), code))[0]


def as_member(at, code: str) -> None:
    at.session_state[ui.USER_KEY] = "member1"
    at.session_state[ui.ROLE_KEY] = "member"
    at.session_state[ui.MUNICIPALITY_KEY] = code
    at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()


def test_showcase_is_the_frontrunner(app_env):
    engine = storage.make_engine()
    code = comparison.showcase_code(
        storage.read_table(engine, "maturity"), storage.read_table(engine, "measures")
    )
    assert code == frontrunner()
    assert (
        comparison.showcase_code(
            pd.DataFrame(columns=["municipality_code", "year", "dimension", "level"]),
            pd.DataFrame({"municipality_code": []}),
        )
        is None
    )


def test_visitor_compare_opens_with_a_frontrunner_and_its_peer_group(app_env):
    at = make_app("pages/compare.py")
    assert not at.exception
    best = frontrunner()
    assert at.radio(key="compare_mode").value == "peers"
    assert at.selectbox(key="compare_own").value == best
    assert any("koploper" in i.value and "Gemeenten naar keuze" in i.value for i in at.info)
    radar = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(radar["data"]) == 2  # the municipality and its peer-group median
    assert at.query_params["gemeenten"] == best


@pytest.mark.parametrize("page", ["pages/compare.py", "pages/profile.py"])
def test_member_pages_open_with_their_own_municipality(app_env, page, monkeypatch):
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    accounts.add_user(storage.make_engine(), "member1", "a long enough password", "member", ZWOLLE)
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    as_member(at, ZWOLLE)
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    key = "compare_own" if page.endswith("compare.py") else "profile_code"
    assert at.selectbox(key=key).value == ZWOLLE
    assert any("eigen gemeente" in i.value for i in at.info)


def test_visitor_profile_opens_with_details_chart_and_downloads(app_env):
    at = make_app("pages/profile.py")
    assert not at.exception
    best = frontrunner()
    assert at.selectbox(key="profile_code").value == best
    assert any("koploper" in i.value and "kaart" in i.value for i in at.info)
    measures = storage.read_table(storage.make_engine(), "measures")
    own = measures[measures["municipality_code"] == best]
    expanders = at.get("expander")
    titles = [e.proto.label for e in expanders]
    assert sum(ui.md(t) in " ".join(titles) for t in own["title"]) == min(len(own), 40)
    # the description and the lessons of the newest measure are in its expander
    newest = own.sort_values(["start_year", "id"], ascending=[False, True]).iloc[0]
    text = " ".join(m.value for m in at.markdown)
    assert ui.md(newest["description"]) in text
    if isinstance(newest["lessons_learned"], str):
        assert ui.md(newest["lessons_learned"]) in text
    trend = next(c for c in at.get("plotly_chart") if "profile_trends_chart" in c.proto.id)
    spec = json.loads(trend.proto.spec)
    assert spec["layout"]["separators"] == ",."
    assert {t["name"] for t in spec["data"]} == {
        "Verandering per jaar, hele periode (%)",
        "Verandering per jaar, laatste tien jaar (%)",
    }
    keys = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    for table in ("profile_measures_download", "profile_trends_download"):
        assert any(table in k for k in keys), keys
    # the practice page is in the navigation: each measure links to its own page
    linked = [p for p in at.get("page_link") if "maatregel" in p.proto.query_string]
    assert linked and all(p.proto.page.endswith("practice") for p in linked)


def test_practice_link_only_when_the_practice_page_is_in_the_navigation(tmp_path):
    """The profile's measure links appear once ``pages/practice.py`` is a page of the app."""
    from streamlit.testing.v1 import AppTest

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "practice.py").write_text("import streamlit as st\nst.write('praktijk')\n")
    (pages / "other.py").write_text(
        "import streamlit as st\nfrom cop import ui\n"
        "st.write(f\"practice={ui.page_in_navigation('pages/practice.py')}\")\n"
        "st.write(f\"missing={ui.page_in_navigation('pages/join.py')}\")\n"
    )
    script = (
        "import streamlit as st\n"
        f"pages = [st.Page({str(pages / 'other.py')!r}, default=True),"
        f" st.Page({str(pages / 'practice.py')!r})]\n"
        "st.navigation(pages).run()\n"
    )
    at = AppTest.from_string(script, default_timeout=60).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "practice=True" in text and "missing=False" in text
