"""Sign-in, language and map view survive a reload (F5), a new tab and a shared link.

Runs ``streamlit run app.py`` and Debian's Chromium (``tests/browser_support.py``); the
account is added to the server's own database copy. Screenshots go to ``test-output/``.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser_support import (  # noqa: F401 (fixtures)
    OUTPUT_DIR,
    browser_page,
    require_map_assets,
    sign_in,
    streamlit_server,
)

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


@pytest.fixture(scope="module", autouse=True)
def no_prewarm():
    """The server of this module computes nothing ahead (``COP_PREWARM=off``).

    With the prewarm on, its work right after the first sessions held the server so long
    that the map component's own files did not arrive in time ("Your app is having trouble
    loading the streamlit_folium.st_folium component"); that is the prewarm's matter and
    is reported, not what these tests are about.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COP_PREWARM", "off")
        yield


@pytest.fixture(scope="module")
def member(streamlit_server):  # noqa: F811
    """A member account in the browser server's database: (user name, municipality)."""
    from cop.access import accounts

    engine = sa.create_engine(f"sqlite:///{streamlit_server.data_dir / 'cop.sqlite'}")
    with engine.connect() as conn:
        home = conn.execute(
            sa.text("select code from municipalities where is_partner order by code limit 1")
        ).scalar()
    accounts.add_user(engine, "browser.member", PASSWORD, "member", home)
    engine.dispose()
    return "browser.member", home


def _sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def _sign_in(page, username: str) -> None:
    """The shared helper: it waits for the run and never folds an open sign-in box."""
    sign_in(page, username, PASSWORD)


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == "cop_session"), None)


def test_sign_in_and_language_survive_reload_new_tab_and_sign_out(
    streamlit_server,  # noqa: F811
    browser_page,  # noqa: F811
    member,
):
    page = browser_page
    username, _ = member
    page.goto(streamlit_server.url + "/")
    _sidebar(page).get_by_text("English", exact=True).click()
    page.wait_for_function("() => location.search.includes('lang=en')")
    _sign_in(page, username)
    signed_in = _sidebar(page).get_by_text(f"Signed in as {username} (member)")
    signed_in.wait_for()
    page.wait_for_function("() => document.cookie.includes('cop_session=')")
    cookie = _session_cookie(page.context)
    assert cookie is not None and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["value"].startswith("v1.") and username not in page.url
    assert "cop_session" not in page.url and cookie["value"] not in page.url

    # F5: a new Streamlit session, the same sign-in and language.
    page.reload()
    _sidebar(page).get_by_text(f"Signed in as {username} (member)").wait_for()
    assert "lang=en" in page.url
    page.screenshot(path=str(OUTPUT_DIR / "session-reload-signed-in.png"), full_page=True)

    # A page change keeps the language in the URL.
    page.get_by_role("link", name="Find peers").first.click()
    page.wait_for_function("() => location.pathname.endsWith('/peers')")
    page.wait_for_function("() => location.search.includes('lang=en')")

    # A new tab with the copied link: signed in, in English.
    other = page.context.new_page()
    other.goto(page.url)
    _sidebar(other).get_by_text(f"Signed in as {username} (member)").wait_for()
    other.screenshot(path=str(OUTPUT_DIR / "session-new-tab.png"), full_page=True)

    # Sign out: the cookie is gone, a reload stays signed out, the other tab follows.
    _sidebar(page).get_by_role("button", name="Sign out").click()
    _sidebar(page).get_by_text("Sign in", exact=True).first.wait_for()
    page.wait_for_function("() => !document.cookie.includes('cop_session=')")
    assert _session_cookie(page.context) is None
    page.reload()
    _sidebar(page).get_by_text("Sign in", exact=True).first.wait_for()
    assert _sidebar(page).get_by_text("Signed in as").count() == 0
    other.reload()
    _sidebar(other).get_by_text("Sign in", exact=True).first.wait_for()
    assert _sidebar(other).get_by_text("Signed in as").count() == 0


def _map_frame(page):
    try:
        return page.wait_for_selector('iframe[title*="st_folium"]').content_frame()
    except Exception:
        page.screenshot(path=str(OUTPUT_DIR / "session-map-frame-missing.png"), full_page=True)
        raise


def _expect_theme(page, label: str) -> None:
    """The theme filter shows ``label``, waiting while a reload still draws the sidebar (a
    full run read the box's label before its chips were there)."""
    from playwright.sync_api import expect

    themes = _sidebar(page).locator('[data-testid="stMultiSelect"]').filter(has_text="Themes")
    expect(themes.first).to_contain_text(label)


def _wait_for_map(frame, zoom: int) -> None:
    frame.wait_for_function("() => window.map && window.L")
    frame.wait_for_function(f"() => window.map.getZoom() === {zoom}")


def test_map_view_survives_reload_popup_link_back_and_menu(
    streamlit_server,  # noqa: F811
    browser_page,  # noqa: F811
    member,
):
    require_map_assets()
    page = browser_page
    username, _ = member
    page.goto(streamlit_server.url + "/map?lang=en&thema=depaving&kaart=52.09000,5.12000,11")
    _sign_in(page, username)
    _sidebar(page).get_by_text(f"Signed in as {username} (member)").wait_for()
    page.wait_for_function("() => document.cookie.includes('cop_session=')")
    frame = _map_frame(page)
    _wait_for_map(frame, 11)  # the shared link's view
    _expect_theme(page, "Depaving")

    # Zoom in: the new view goes into the URL and survives F5.
    frame.evaluate("() => window.map.setView([52.1, 5.15], 12, {animate: false})")
    page.wait_for_function("() => location.search.includes('kaart=52.10000%2C5.15000%2C12')")
    page.reload()
    _sidebar(page).get_by_text(f"Signed in as {username} (member)").wait_for()
    frame = _map_frame(page)
    _wait_for_map(frame, 12)
    lat, lon = frame.evaluate("() => [window.map.getCenter().lat, window.map.getCenter().lng]")
    assert abs(lat - 52.1) < 0.01 and abs(lon - 5.15) < 0.01
    _expect_theme(page, "Depaving")
    assert "lang=en" in page.url
    frame.locator(".marker-cluster, .leaflet-interactive").first.wait_for(state="attached")
    page.screenshot(path=str(OUTPUT_DIR / "session-map-after-reload.png"), full_page=True)

    # A measure's popup link opens the profile in this tab, signed in, in English.
    frame.wait_for_function(
        "() => { let c = null; window.map.eachLayer(l => { if (l instanceof window.L.MarkerClusterGroup) c = l; });"
        " return c && c.getLayers().length > 0; }"
    )
    frame.evaluate(
        "() => { let c = null; window.map.eachLayer(l => { if (l instanceof window.L.MarkerClusterGroup) c = l; });"
        " const m = c.getLayers()[0]; const p = m.getPopup();"
        " window.map.setView(m.getLatLng(), 12, {animate: false});"
        " L.popup({autoPan: false}).setLatLng(m.getLatLng())"
        ".setContent(p._content(m)).openOn(window.map); }"
    )
    link = frame.locator('.leaflet-popup-content a[href*="gemeente="]')
    link.wait_for()
    assert "lang=en" in link.get_attribute("href")
    link.click()
    page.wait_for_function("() => location.pathname.endsWith('/profile')")
    assert len(page.context.pages) == 1  # the same tab
    assert re.search(r"gemeente=GM\d{4}", page.url) and "lang=en" in page.url
    _sidebar(page).get_by_text(f"Signed in as {username} (member)").wait_for()
    page.get_by_role("heading", level=1).first.wait_for()
    page.screenshot(path=str(OUTPUT_DIR / "session-profile-from-popup.png"), full_page=True)

    # The menu's link back to the map: the filter is still set, the view kept.
    page.get_by_role("link", name="Map").first.click()
    page.wait_for_function("() => location.pathname.endsWith('/map')")
    page.wait_for_function("() => location.search.includes('thema=depaving')")
    page.wait_for_function("() => location.search.includes('kaart=')")
    _expect_theme(page, "Depaving")
    assert "lang=en" in page.url and "gemeente=" not in page.url


def test_map_says_so_when_leaflet_cannot_load(streamlit_server, browser_page):  # noqa: F811
    page = browser_page
    page.context.route(re.compile(r".*leaflet.*\.js(\?.*)?$"), lambda route: route.abort())
    page.goto(streamlit_server.url + "/map?lang=en")
    notice = page.get_by_text("could not load the map library")
    notice.wait_for()
    page.screenshot(path=str(OUTPUT_DIR / "session-map-leaflet-blocked.png"), full_page=True)
