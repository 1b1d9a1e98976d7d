"""Sharing a practice in a real browser: a member shares it with a map click and a photo,
a coordinator publishes it, and it is on the map, the profile and its own page.

Runs ``streamlit run app.py`` and Debian's Chromium (see ``tests/browser_support.py``);
a screenshot of every step goes to ``test-output/share-*.png``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from cop.access import accounts
from cop.community import submissions
from cop.data import storage
from tests.browser_support import (  # noqa: F401 (fixtures)
    OUTPUT_DIR,
    browser_page,
    require_map_assets,
    settle,
    sign_in,
    streamlit_server,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
PASSWORD = "a long enough password"
TITLE = "Tegelwippen bij de bibliotheek"


def _a_partner() -> tuple[str, str, tuple[float, float]]:
    """The first partner of the demo data: code, name and its CBS label point (inside it)."""
    towns = pd.read_csv(ROOT / "data" / "municipalities.csv")
    row = towns[towns["is_partner"]].sort_values("code").iloc[0]
    return row["code"], row["name"], (float(row["lat"]), float(row["lon"]))


def _photo_with_gps(path) -> None:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 1.0)}
    exif[0xA431] = "SERIAL-98765"
    Image.new("RGB", (320, 240), (30, 160, 60)).save(path, "JPEG", exif=exif)


def _sign_in(page, username: str) -> None:
    sign_in(page, username, PASSWORD)
    page.get_by_test_id("stSidebar").get_by_text(username).first.wait_for()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(OUTPUT_DIR / f"share-{name}.png"), full_page=True)


def test_member_shares_coordinator_publishes_found_everywhere(
    streamlit_server,  # noqa: F811
    browser_page,  # noqa: F811
    tmp_path,
):
    require_map_assets()
    code, _name, point = _a_partner()
    engine = storage.make_engine(f"sqlite:///{streamlit_server.data_dir / 'cop.sqlite'}")
    accounts.add_user(engine, "lid1", PASSWORD, "member", code)
    accounts.add_user(engine, "coordinator9", PASSWORD, "coordinator")
    page = browser_page

    # 1. The member signs in and opens the share page.
    page.goto(streamlit_server.url + "/share")
    _sign_in(page, "lid1")
    page.get_by_label("Titel *").wait_for()
    _shot(page, "1-signed-in")

    # 2. Fills in the form, clicks the place on the map of the municipality, adds a photo.
    page.get_by_label("Titel *").fill(TITLE)
    page.get_by_label("Beschrijving").fill("Tweehonderd tegels eruit, geveltuinen erin.")
    page.get_by_label("Financiering (subsidie, eigen budget, partners)").fill("Eigen budget")
    page.keyboard.press("Tab")
    frame = page.wait_for_selector('iframe[title*="st_folium"]').content_frame()
    frame.locator("#map_div").wait_for()
    frame.wait_for_function("() => window.map !== undefined")
    x, y = frame.evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        list(point),
    )
    frame.locator("#map_div").click(position={"x": x, "y": y})
    page.get_by_text("Gekozen punt:").wait_for()
    photo = tmp_path / "foto.jpg"
    _photo_with_gps(photo)
    page.locator('input[type="file"]').set_input_files(str(photo))
    page.get_by_text("foto.jpg").wait_for()
    # as a person does: submit once the photo is uploaded and its run is over (a full run
    # clicked while the upload's spinner turned, and the submission never showed)
    page.get_by_test_id("stFileChipIconSpinner").wait_for(state="detached")
    settle(page)
    _shot(page, "2-form-filled")

    # 3. Submits: it waits for review and is stored without the photo's metadata.
    page.get_by_role("button", name="Insturen ter beoordeling").click()
    page.get_by_text("wacht nu op beoordeling").wait_for()
    _shot(page, "3-submitted")
    every = submissions.all_practices(engine)
    row = every[every["title"] == TITLE].iloc[0]
    measure_id = int(row["id"])
    assert (row["review_state"], row["municipality_code"]) == ("pending", code)
    assert abs(float(row["lat"]) - point[0]) < 0.001 and abs(float(row["lon"]) - point[1]) < 0.001
    shots = submissions.photos_of(engine, measure_id)
    assert len(shots) == 1
    stored = storage.read_photo(engine, int(shots["id"].iloc[0]), unpublished=True)["data"]
    assert b"SERIAL-98765" not in stored and b"Exif" not in stored
    assert measure_id not in set(storage.read_table(engine, "measures")["id"])

    # 4. The coordinator signs in and publishes it from the review queue.
    page.get_by_role("button", name="Uitloggen").click()
    _sign_in(page, "coordinator9")
    page.get_by_text(TITLE).first.wait_for()
    page.get_by_role("button", name="Publiceren").first.scroll_into_view_if_needed()
    _shot(page, "4-review-queue")
    page.get_by_role("button", name="Publiceren").first.click()
    page.get_by_text(f"Praktijk {measure_id} is gepubliceerd.").wait_for()
    _shot(page, "5-published")
    assert measure_id in set(storage.read_table(engine, "measures")["id"])

    # 5. On the map: the marker payload holds it and its popup links to its page.
    page.goto(streamlit_server.url + "/map")
    frame = page.wait_for_selector('iframe[title*="st_folium"]').content_frame()
    frame.locator(".marker-cluster").first.wait_for()
    # The markers come as a feature group that st_folium adds in the browser (not in the
    # iframe's HTML): read the popups of the cluster's markers.
    popups = frame.evaluate(
        "() => { const out = []; window.map.eachLayer(l => {"
        " if (l instanceof window.L.MarkerClusterGroup) l.getLayers().forEach(m => {"
        " const p = m.getPopup(); if (!p) return; const c = p._content;"
        " out.push(typeof c === 'function' ? String(c(m)) : String(c.outerHTML || c)); });"
        " }); return out; }"
    )
    mine = [html for html in popups if TITLE in html]
    assert len(mine) == 1 and f"practice?maatregel={measure_id}" in mine[0], len(popups)
    _shot(page, "6-map")

    # 6. On the profile: one more practice than before, and on its small map.
    page.goto(streamlit_server.url + f"/profile?gemeente={code}")
    published = storage.read_table(engine, "measures")
    total = int((published["municipality_code"] == code).sum())
    page.get_by_text(f"{total} van {total} maatregelen").wait_for()
    frame = page.locator('iframe[title*="st_folium"]').first.content_frame
    frame.locator("#map_div").wait_for()
    assert TITLE in frame.locator("html").inner_html()
    _shot(page, "7-profile")

    # 7. Its own page: title, funding and the photo.
    page.goto(streamlit_server.url + f"/practice?maatregel={measure_id}")
    page.get_by_role("heading", name=TITLE).wait_for()
    page.get_by_text("Eigen budget").wait_for()
    page.get_by_test_id("stImage").first.wait_for()
    _shot(page, "8-practice")
    engine.dispose()
