"""AppTest of the practice page and the share page: share, review, publish, edit (issue 13)."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cop import ui
from cop.access import accounts
from cop.community import submissions
from cop.data import storage
from tests.test_rendered_text import payload_app  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a long enough password"
HOME = "GM0344"  # Utrecht: a partner in the demo data


def jpeg(colour: str = "green", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def site(app_env, monkeypatch):
    """The demo database with a member of Utrecht, a member of another town and a coordinator."""
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    monkeypatch.delenv("COP_SMTP_URL", raising=False)
    engine = storage.make_engine(f"sqlite:///{app_env / 'cop.sqlite'}")
    towns = storage.read_table(engine, "municipalities")
    assert HOME in set(towns["code"])
    other = str(towns.loc[towns["code"] != HOME, "code"].iloc[0])
    accounts.add_user(engine, "member1", PASSWORD, "member", HOME)
    accounts.add_user(engine, "member2", PASSWORD, "member", other)
    accounts.add_user(engine, "coordinator1", PASSWORD, "coordinator")
    yield {"engine": engine, "towns": towns, "other": other}
    engine.dispose()


def open_page(page: str, username: str | None, site: dict, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if username:
        user = accounts.get_user(site["engine"], username)
        at.session_state[ui.USER_KEY] = user.username
        at.session_state[ui.ROLE_KEY] = user.role
        at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
        at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    at.switch_page(page)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in (*at.error, *at.warning, *at.info, *at.success)]
    parts += [h.value for h in (*at.header, *at.subheader, *at.title)]
    return "\n".join(str(p) for p in parts)


def centre(site: dict, code: str = HOME) -> tuple[float, float]:
    row = site["towns"].set_index("code").loc[code]
    return float(row["lat"]), float(row["lon"])


def fill(at: AppTest, site: dict, title: str, *, point: tuple[float, float] | None = None) -> None:
    at.text_input(key="share_f_title").input(title)
    at.selectbox(key="share_f_theme").set_value("depaving")
    at.selectbox(key="share_f_status").set_value("realised")
    at.number_input(key="share_f_start_year").set_value(2024)
    at.text_area(key="share_f_description").input(
        "We haalden 400 tegels weg.\n\nDe buurt deed mee."
    )
    at.text_input(key="share_f_funding").input("Subsidie Groen in de wijk")
    lat, lon = point or centre(site)
    at.number_input(key="share_f_lat").set_value(lat)
    at.number_input(key="share_f_lon").set_value(lon)


def test_practice_page_shows_one_practice_with_similar_and_resources(site):
    engine = site["engine"]
    usage = storage.read_table(engine, "resource_usage")
    measures = storage.read_table(engine, "measures")
    measure_id = int(usage["measure_id"].iloc[0])
    practice = measures.set_index("id").loc[measure_id]
    resource_ids = set(usage.loc[usage["measure_id"] == measure_id, "resource_id"])
    resources = storage.read_table(engine, "resources").set_index("id")
    at = open_page("pages/practice.py", None, site, query={"maatregel": str(measure_id)})
    shown = texts(at)
    assert practice["title"].replace("-", "\\-")[:20] in shown or practice["title"][:20] in shown
    # similar practices: same theme, other municipalities, as links to their pages
    links = [p for p in at.get("page_link")]
    practice_links = [p for p in links if "maatregel" in str(p.proto.query_string)]
    same_theme_elsewhere = measures[
        (measures["theme"] == practice["theme"])
        & (measures["municipality_code"] != practice["municipality_code"])
    ]
    assert len(practice_links) == min(5, len(same_theme_elsewhere)) > 0
    for link in practice_links:
        other = int(str(link.proto.query_string).split("=")[1])
        assert other in set(same_theme_elsewhere["id"])
    table = next(f.value for f in at.dataframe)
    assert set(table.iloc[:, 0]) == {resources.at[r, "title"] for r in resource_ids}
    # a visitor is told how to reach the contact, never shown it
    assert any("alleen leden" in i.value for i in at.info)


def test_practice_page_bad_ids_are_messages(site):
    at = open_page("pages/practice.py", None, site, query={"maatregel": "12;drop table"})
    assert any("geen nummer van een praktijkvoorbeeld" in e.value for e in at.error)
    at = open_page("pages/practice.py", None, site, query={"maatregel": "987654"})
    assert any("987654 bestaat niet" in w.value for w in at.warning)
    at = open_page("pages/practice.py", None, site)
    assert any("Geen praktijkvoorbeeld gekozen" in i.value for i in at.info)
    assert at.selectbox(key="practice_choice") is not None


def test_visitor_cannot_share(site):
    at = open_page("pages/share.py", None, site)
    assert any("Log in" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "share_submit"]


def test_member_shares_coordinator_asks_changes_then_publishes(site):
    engine = site["engine"]
    before = len(storage.read_table(engine, "measures", unpublished=True))
    at = open_page("pages/share.py", "member1", site)
    fill(at, site, "Tegelwippen <b>Lombok</b>")
    at.button(key="share_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("wacht nu op beoordeling" in s.value for s in at.success), texts(at)
    every = storage.read_table(engine, "measures", unpublished=True)
    assert len(every) == before + 1
    new = every[every["title"] == "Tegelwippen <b>Lombok</b>"].iloc[0]
    new_id = int(new["id"])
    assert (new["review_state"], new["submitted_by"], new["municipality_code"]) == (
        "pending",
        "member1",
        HOME,
    )
    assert new["description"] == "We haalden 400 tegels weg.\n\nDe buurt deed mee."
    assert new_id not in set(storage.read_table(engine, "measures")["id"])
    assert "Lombok" in texts(at)  # the member's own list

    # another member does not see it; a visitor cannot open its page
    other = open_page("pages/share.py", "member2", site)
    assert "Lombok" not in texts(other)
    page = open_page("pages/practice.py", None, site, query={"maatregel": str(new_id)})
    assert any("bestaat niet" in w.value for w in page.warning)

    coordinator = open_page("pages/share.py", "coordinator1", site)
    assert any("Lombok" in e.label for e in coordinator.expander)
    coordinator.button(key=f"share_request_changes_{new_id}").click().run()
    assert any("minstens 5 tekens" in e.value for e in coordinator.error)
    coordinator.text_input(key=f"share_msg_{new_id}").input("Graag de kosten erbij.")
    coordinator.button(key=f"share_request_changes_{new_id}").click().run()
    assert any("gevraagd" in s.value for s in coordinator.success)

    at = open_page("pages/share.py", "member1", site)
    assert any("Graag de kosten erbij." in w.value for w in at.warning)
    at.button(key=f"share_edit_{new_id}").click().run()
    assert at.text_input(key="share_f_title").value == "Tegelwippen <b>Lombok</b>"
    at.number_input(key="share_f_cost_eur").set_value(12500.0)
    at.button(key="share_submit").click().run()
    assert any("wacht nu op beoordeling" in s.value for s in at.success), texts(at)
    row = storage.read_table(engine, "measures", unpublished=True).set_index("id").loc[new_id]
    assert (row["review_state"], float(row["cost_eur"])) == ("pending", 12500.0)
    assert row["review_message"] is None or str(row["review_message"]) == "<NA>"

    coordinator = open_page("pages/share.py", "coordinator1", site)
    coordinator.button(key=f"share_publish_{new_id}").click().run()
    assert any("gepubliceerd" in s.value for s in coordinator.success)
    assert new_id in set(storage.read_table(engine, "measures")["id"])
    page = open_page("pages/practice.py", None, site, query={"maatregel": str(new_id)})
    shown = texts(page)
    assert "Tegelwippen \\<b\\>Lombok\\</b\\>" in shown or "Tegelwippen &lt;b&gt;" in shown
    assert "Subsidie Groen in de wijk" in shown and "12.500" in shown


def test_bad_input_is_refused_per_field_and_nothing_stored(site):
    engine = site["engine"]
    before = len(storage.read_table(engine, "measures", unpublished=True))
    at = open_page("pages/share.py", "member1", site)
    fill(at, site, "", point=centre(site, site["other"]))
    at.text_input(key="share_f_url").input("javascript:alert(1)")
    at.number_input(key="share_f_start_year").set_value(1850)
    at.button(key="share_submit").click().run()
    assert any("Er is niets opgeslagen" in e.value for e in at.error)
    problems = texts(at)
    assert "Titel" in problems and "verplicht" in problems
    assert "Link: een link begint met http" in problems, problems
    assert "1990" in problems  # the start year
    assert "Plaats: het punt ligt niet in Utrecht" in problems
    assert len(storage.read_table(engine, "measures", unpublished=True)) == before


def test_member_cannot_edit_another_municipality(site):
    engine = site["engine"]
    measures = storage.read_table(engine, "measures")
    foreign = int(measures.loc[measures["municipality_code"] != HOME, "id"].iloc[0])
    at = open_page("pages/share.py", "member1", site, query={"bewerk": str(foreign)})
    assert any("niet bewerken" in e.value for e in at.error)
    with pytest.raises(PermissionError):
        submissions.share_practice(
            engine,
            {"title": "x"},
            municipality_code=site["other"],
            role="member",
            account_municipality=HOME,
            username="member1",
            municipalities=site["towns"],
            boundaries_gdf=None,
        )


def test_member_removes_a_photo_of_a_waiting_submission(site):
    engine = site["engine"]
    lat, lon = centre(site)
    result = submissions.share_practice(
        engine,
        {
            "title": "Bijenlint",
            "theme": "flower_verges",
            "status": "planned",
            "lat": lat,
            "lon": lon,
        },
        municipality_code=HOME,
        role="member",
        account_municipality=HOME,
        username="member1",
        municipalities=site["towns"],
        boundaries_gdf=None,
        uploads=[submissions.Upload(jpeg("yellow"), "Zomer")],
    )
    assert result.ok
    at = open_page("pages/share.py", "member1", site)
    at.button(key=f"share_edit_{result.measure_id}").click().run()
    assert at.text_input(key="share_f_title").value == "Bijenlint"
    at.button(key=f"share_remove_photo_{result.photo_ids[0]}").click().run()
    assert not at.exception
    assert submissions.photos_of(engine, result.measure_id).empty


def test_practice_and_review_pages_show_stored_text_as_text(payload_app):  # noqa: F811
    """Markdown/HTML payloads in every text column (tests/rendered_payloads.py) stay text on
    the practice page (member and visitor) and in the review queue and a member's own list."""
    from tests.rendered_payloads import PAYLOADS, leaks
    from tests.test_rendered_text import markdown_strings

    engine = payload_app["engine"]
    measures = storage.read_table(engine, "measures")
    usage = storage.read_table(engine, "resource_usage")
    home = payload_app["home"]
    own = measures[measures["municipality_code"] == home]
    linked = own[own["id"].isin(set(usage["measure_id"]))]
    measure_id = int((linked if not linked.empty else own)["id"].iloc[0])
    towns = storage.read_table(engine, "municipalities")
    town = towns.set_index("code").loc[home]
    submitted = submissions.share_practice(
        engine,
        {
            "title": PAYLOADS[0],
            "theme": "depaving",
            "status": "idea",
            "description": PAYLOADS[3] + "\n" + PAYLOADS[1],
            "lessons_learned": PAYLOADS[2],
            "funding": PAYLOADS[1],
            "lat": float(town["lat"]),
            "lon": float(town["lon"]),
        },
        municipality_code=home,
        role="member",
        account_municipality=home,
        username="member1",
        municipalities=towns,
        boundaries_gdf=None,
    )
    assert submitted.ok, submitted.report.messages("en")
    assert submissions.review(
        engine, submitted.measure_id, "request_changes", role="coordinator", actor="c",
        message=PAYLOADS[1],
    ).ok  # fmt: skip
    site = {"engine": engine}
    for page, username, query in (
        ("pages/practice.py", "member1", {"maatregel": str(measure_id)}),
        ("pages/practice.py", None, {"maatregel": str(measure_id)}),
        ("pages/share.py", "coordinator1", {}),
        ("pages/share.py", "member1", {}),
    ):
        at = open_page(page, username, site, query=query)
        strings = markdown_strings(at)
        assert len(strings) > 20
        leaked = [(where, text, kinds) for where, text in strings if (kinds := leaks(text))]
        assert leaked == [], (page, username, leaked[:3])
