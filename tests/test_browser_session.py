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
    streamlit_server,
)

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


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


def _sign_in(page, username: str, label: str = "Inloggen") -> None:
    sidebar = _sidebar(page)
    sidebar.get_by_text(label, exact=True).first.click()
    sidebar.get_by_label(re.compile("Gebruikersnaam|User name")).fill(username)
    sidebar.get_by_label(re.compile("Wachtwoord|Password")).fill(PASSWORD)
    sidebar.get_by_role("button", name=label).click()


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
    _sign_in(page, username, "Sign in")
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
