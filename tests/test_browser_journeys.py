"""The three journeys of issue 14 in Chromium, in Dutch and English, on a desktop and a phone.

* staff: map -> a theme filter -> a municipality's profile (map popup link) -> a practice
  (the profile's practice link);
* coordinator: sign in -> prepare the meeting -> download the brief in Word and PDF;
* newcomer: find peers for a municipality and themes -> the reasons -> the contact route.

After every step the page is photographed (``test-output/journeys/``) and reloaded (F5):
the sign-in, the language (texts and ``?lang=``) and the view (the URL's parameters: the
map's filter, the municipality, the practice) must all still be there. Every wait is for
something a person waits for (a text, a link, a URL); nothing is timed.

One Streamlit server and one Chromium for the whole module (``tests/browser_support.py``);
skipped on a laptop without Chromium, a failure in CI (``tests/conftest.py::require``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.core import i18n
from tests.browser_support import (  # noqa: F401 (fixtures)
    OUTPUT_DIR,
    launch_chromium,
    require_browser,
    require_map_assets,
    route_offline,
    sign_in,
    streamlit_server,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

SHOTS = OUTPUT_DIR / "journeys"
PASSWORD = "a long enough password"
COORDINATOR = "journey.coordinator"
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
THEME = "depaving"  # the filter the staff member and the newcomer choose
SIDEBAR = '[data-testid="stSidebar"]'
STATUS_WIDGET = '[data-testid="stStatusWidget"]'  # shown while the app is running
LANGS = ["nl", "en"]
#: Both languages on a desktop, Dutch only on a phone: the phone changes the layout, not
#: the words, and the English texts are checked on the desktop (tests/test_mobile.py
#: checks the phone layout further). An English phone run cost 45 s of the suite's time.
VIEWS = [("nl", False), ("en", False), ("nl", True)]
VIEW_IDS = ["nl-desktop", "en-desktop", "nl-phone"]


def t(key: str, lang: str, **values: object) -> str:
    """The catalog's text: what the page must show in ``lang``."""
    return i18n.t(key, lang, **values)


def theme_label(lang: str) -> str:
    return t(f"theme.{THEME}", lang)


@pytest.fixture(scope="module", autouse=True)
def no_prewarm():
    """No ahead-of-time computing in this module's server (as tests/test_browser_session.py:
    the prewarm can hold the server while the map component's files are being asked for)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COP_PREWARM", "off")
        yield


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One Chromium for the module; each journey gets its own context (cookies, viewport)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


def _new_page(chromium, viewport: dict[str, int]):
    context = chromium.new_context(viewport=viewport, accept_downloads=True)
    route_offline(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


@pytest.fixture(scope="module")
def coordinator(streamlit_server) -> str:  # noqa: F811
    """A coordinator account in the browser server's own database copy."""
    from cop.access import accounts

    engine = sa.create_engine(f"sqlite:///{streamlit_server.data_dir / 'cop.sqlite'}")
    accounts.add_user(engine, COORDINATOR, PASSWORD, "coordinator", None)
    engine.dispose()
    return COORDINATOR


def _a_partner() -> tuple[str, str]:
    """A partner of the demo data whose name is typed easily and matches no other name."""
    towns = pd.read_csv(ROOT / "data" / "municipalities.csv")
    names = list(towns["name"])
    for row in towns[towns["is_partner"]].sort_values("code").itertuples():
        if row.name.isascii() and sum(row.name.lower() in n.lower() for n in names) == 1:
            return row.code, row.name
    raise AssertionError("no partner with a plain name in the demo data")


def _name_of(code: str) -> str:
    towns = pd.read_csv(ROOT / "data" / "municipalities.csv")
    return str(towns.set_index("code").at[code, "name"])


# ------------------------------------------------------------------ steps and reloads


class Journey:
    """Numbers the steps, photographs them and checks what a reload must keep."""

    def __init__(self, page, name: str, lang: str, phone: bool) -> None:
        self.page = page
        self.lang = lang
        self.prefix = f"{name}-{lang}" + ("-phone" if phone else "")
        self.step = 0
        self.signed_in: str | None = None  # "Ingelogd als ..." once signed in

    def shot(self, step: str) -> Path:
        self.step += 1
        path = SHOTS / f"{self.prefix}-{self.step}-{step}.png"
        self.page.wait_for_selector(STATUS_WIDGET, state="detached")  # the run has finished
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def wait_params(self, params: dict[str, str]) -> None:
        for name, value in params.items():
            self.page.wait_for_function(
                "([name, value]) => new URLSearchParams(location.search).get(name) === value",
                arg=[name, value],
            )

    def check(self, texts: list[str | re.Pattern[str]], params: dict[str, str]) -> None:
        """What this step shows is there; then F5, and it is all still there."""
        for reload in (False, True):
            if reload:
                self.page.reload()
            self.wait_params({"lang": self.lang, **params})
            for text in texts:
                self.page.get_by_text(text).first.wait_for()
            if self.signed_in:
                # on a phone the sidebar is folded away: the text is there, not visible
                self.page.locator(SIDEBAR).get_by_text(self.signed_in).wait_for(state="attached")
            # the menu is in the chosen language, not in the other one
            menu = self.page.locator(SIDEBAR)
            menu.get_by_role("link", name=t("peers.nav", self.lang)).wait_for(state="attached")
            other = "en" if self.lang == "nl" else "nl"
            assert not menu.get_by_role("link", name=t("peers.nav", other)).count()
            assert self.page.locator("h1").first.inner_text(), "every page opens with a title"
            assert not self.page.get_by_text("Traceback").count()


def _open_sidebar(page) -> None:
    """Fold the sidebar out on a phone: its "Menu and filters" button (issue 14, item 6)."""
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    page.locator('[data-testid="stSidebarCollapseButton"]').wait_for()


def _close_sidebar(page) -> None:
    page.locator('[data-testid="stSidebarCollapseButton"] button').first.click()
    page.locator('[data-testid="stExpandSidebarButton"]').wait_for()


def _choose(page, scope, label: str, option: str, *, typed: str | None = None) -> None:
    """Pick ``option`` in the select box or multiselect labelled ``label``, by typing."""
    box = scope.get_by_label(label, exact=True)
    box.click()
    box.fill(typed or option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


# ------------------------------------------------------------------ 1. staff


@pytest.mark.parametrize(("lang", "phone"), VIEWS, ids=VIEW_IDS)
def test_staff_map_filter_municipality_practice(streamlit_server, chromium, lang, phone):  # noqa: F811
    from playwright.sync_api import expect

    require_map_assets()
    context, page = _new_page(chromium, PHONE if phone else DESKTOP)
    journey = Journey(page, "staff", lang, phone)
    try:
        # 1. The map.
        page.goto(f"{streamlit_server.url}/map?lang={lang}")
        frame = page.wait_for_selector('iframe[title*="st_folium"]').content_frame()
        frame.wait_for_function("() => window.map && window.L")
        journey.shot("map")
        journey.check([t("map.title", lang)], {})

        # 2. A theme filter: into the URL, kept by F5.
        if phone:
            _open_sidebar(page)
        _choose(page, page.locator(SIDEBAR), t("map.themes", lang), theme_label(lang))
        journey.wait_params({"thema": THEME})
        if phone:
            _close_sidebar(page)
        journey.shot("filter")
        journey.check([t("map.title", lang)], {"thema": THEME})
        # after F5 the filters may still be on their way (a full run read them half drawn)
        chips = (
            page.locator(SIDEBAR)
            .locator('[data-testid="stMultiSelect"]')
            .filter(has_text=t("map.themes", lang))
        )
        expect(chips).to_contain_text(theme_label(lang))

        # 3. A municipality: the link in a measure's popup opens its profile in this tab.
        frame = page.wait_for_selector('iframe[title*="st_folium"]').content_frame()
        frame.wait_for_function(
            "() => { let c = null; window.map.eachLayer(l => {"
            " if (l instanceof window.L.MarkerClusterGroup) c = l; });"
            " return c && c.getLayers().length > 0; }"
        )
        # Zoom to the first measure and wait, as a person does, until the page has taken
        # the new view (into the URL): a click during that run could lose the profile.
        frame.evaluate(
            "() => { let c = null; window.map.eachLayer(l => {"
            " if (l instanceof window.L.MarkerClusterGroup) c = l; });"
            " window.map.setView(c.getLayers()[0].getLatLng(), 12, {animate: false}); }"
        )
        page.wait_for_function(
            "() => (new URLSearchParams(location.search).get('kaart') || '').endsWith(',12')"
        )
        page.wait_for_selector(STATUS_WIDGET, state="detached")
        frame.evaluate(
            "() => { let c = null; window.map.eachLayer(l => {"
            " if (l instanceof window.L.MarkerClusterGroup) c = l; });"
            " const m = c.getLayers()[0]; const p = m.getPopup();"
            " L.popup({autoPan: false}).setLatLng(m.getLatLng())"
            ".setContent(p._content(m)).openOn(window.map); }"
        )
        link = frame.locator('.leaflet-popup-content a[href*="gemeente="]').first
        link.wait_for()
        assert f"lang={lang}" in link.get_attribute("href")
        link.click()
        page.wait_for_function("() => location.pathname.endsWith('/profile')")
        code = re.search(r"gemeente=(GM\d{4})", page.url).group(1)
        name = _name_of(code)
        assert len(context.pages) == 1  # the same tab
        page.get_by_role("heading", name=name, exact=True).wait_for()
        journey.shot("municipality")
        journey.check(
            [t("profile.title", lang), t("content.measure_details", lang)], {"gemeente": code}
        )
        page.get_by_role("heading", name=name, exact=True).wait_for()

        # 4. A practice: a measure's details on the profile link to its page.
        page.get_by_text(t("content.measure_details", lang)).scroll_into_view_if_needed()
        # the measures' details: "<title> · <theme>", folded; the link is inside
        details = page.locator('[data-testid="stExpander"]').filter(has_text=" · ").first
        details.locator("summary").click()
        practice_link = details.get_by_role("link", name=t("content.open_practice", lang))
        practice_link.click()
        page.wait_for_function("() => location.pathname.endsWith('/practice')")
        page.wait_for_function("() => /maatregel=\\d+/.test(location.search)")
        measure_id = re.search(r"maatregel=(\d+)", page.url).group(1)
        title = page.locator("h2").first
        title.wait_for()
        practice_title = title.inner_text()
        journey.shot("practice")
        journey.check(
            [t("practice.title", lang), t("practice.open_profile", lang, name=name)],
            {"maatregel": measure_id},
        )
        expect(page.locator("h2").first).to_have_text(practice_title)
    except Exception:
        page.screenshot(path=str(SHOTS / f"{journey.prefix}-failed.png"), full_page=True)
        raise
    finally:
        context.close()


# ------------------------------------------------------------------ 2. coordinator


def _download(page, label: str) -> bytes:
    from playwright.sync_api import expect

    button = page.get_by_role("button", name=label).first
    expect(button).to_be_enabled()
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize("lang", LANGS)
def test_coordinator_sign_in_meeting_downloads(streamlit_server, chromium, coordinator, lang):  # noqa: F811
    context, page = _new_page(chromium, DESKTOP)
    journey = Journey(page, "coordinator", lang, phone=False)
    try:
        # 1. Sign in.
        page.goto(f"{streamlit_server.url}/?lang={lang}")
        sidebar = page.locator(SIDEBAR)
        # the shared helper waits for the first run and opens the sign-in only when it is
        # closed (a full run clicked its summary while it was open and folded the fields)
        sign_in(page, coordinator, PASSWORD)
        journey.signed_in = t(
            "auth.signed_in_as", lang, username=coordinator, role=t("auth.roles.coordinator", lang)
        )
        sidebar.get_by_text(journey.signed_in).wait_for()
        page.wait_for_function("() => document.cookie.includes('cop_session=')")
        journey.shot("sign-in")
        journey.check([t("home.title", lang)], {})

        # 2. Prepare the meeting: the menu's link; the coordinator may also record it.
        menu_link = page.locator(SIDEBAR).get_by_role("link", name=t("meeting.nav", lang))
        if not menu_link.count():  # the menu shows its first pages; Streamlit folds the rest
            page.locator(SIDEBAR).get_by_text(re.compile(r"View \d+ more")).click()
        menu_link.first.click()
        page.wait_for_function("() => location.pathname.endsWith('/meeting')")
        meeting_texts = [
            t("meeting.title", lang),
            t("meeting.agenda", lang),
            t("meeting.record", lang),  # only for who can edit: the sign-in held
        ]
        page.get_by_role("button", name=t("meeting.download_docx", lang)).wait_for()
        journey.shot("meeting")
        journey.check(meeting_texts, {})

        # 3. The brief in Word and PDF.
        docx = _download(page, t("meeting.download_docx", lang))
        pdf = _download(page, t("meeting.download_pdf", lang))
        assert docx and zipfile.is_zipfile(io.BytesIO(docx))
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx)).namelist()
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000
        (SHOTS / f"{journey.prefix}-brief.docx").write_bytes(docx)
        (SHOTS / f"{journey.prefix}-brief.pdf").write_bytes(pdf)
        page.get_by_role(
            "button", name=t("meeting.download_pdf", lang)
        ).scroll_into_view_if_needed()
        journey.shot("downloads")
        journey.check(meeting_texts, {})
        page.get_by_role("button", name=t("meeting.download_pdf", lang)).wait_for()
    except Exception:
        page.screenshot(path=str(SHOTS / f"{journey.prefix}-failed.png"), full_page=True)
        raise
    finally:
        context.close()


# ------------------------------------------------------------------ 3. newcomer

REASON_WORDS = {
    lang: re.compile(
        "|".join(
            re.escape(t(key, lang, km="", province="", count="", theme="").strip())
            for key in ("peers.reason_km", "peers.reason_measures_any")
        )
    )
    for lang in LANGS
}


@pytest.mark.parametrize(("lang", "phone"), VIEWS, ids=VIEW_IDS)
def test_newcomer_peers_reasons_contact(streamlit_server, chromium, lang, phone):  # noqa: F811
    context, page = _new_page(chromium, PHONE if phone else DESKTOP)
    journey = Journey(page, "newcomer", lang, phone)
    code, name = _a_partner()
    try:
        # 1. Find peers for a municipality and a theme.
        page.goto(f"{streamlit_server.url}/peers?lang={lang}")
        page.get_by_text(t("peers.title", lang)).first.wait_for()
        _choose(page, page, t("peers.municipality", lang), name)
        _choose(page, page, t("peers.themes", lang), theme_label(lang))
        view = {"gemeente": code, "thema": THEME}
        journey.wait_params(view)
        ranked = t("peers.ranked", lang, name=name)
        page.get_by_text(ranked).wait_for()
        journey.shot("peers")
        journey.check([t("peers.title", lang), ranked], view)

        # 2. The reasons, in words in the chosen language (cards on a phone).
        # each of the five nearest peers unfolds as "<rank>. <name> — <reasons>"
        reasons = page.locator("summary").filter(has_text=REASON_WORDS[lang]).first
        reasons.scroll_into_view_if_needed()
        reasons.wait_for()
        if phone:  # the table's reasons would need sideways scrolling: cards instead
            cards = page.locator(".st-key-narrow_only_peers_cards")
            cards.get_by_text(REASON_WORDS[lang]).first.wait_for()
        journey.shot("reasons")
        journey.check([ranked], view)
        page.locator("summary").filter(has_text=REASON_WORDS[lang]).first.wait_for()
        other = "en" if lang == "nl" else "nl"
        assert not page.locator("summary").filter(has_text=REASON_WORDS[other]).count()

        # 3. The contact route: without an account, through the coordinator.
        contact = page.get_by_role("link", name=t("join.coordinator_link", lang)).first
        contact.scroll_into_view_if_needed()
        page.get_by_text(t("peers.contacts_visitor", lang)).wait_for()
        journey.shot("contact")
        journey.check([t("peers.contacts_visitor", lang), t("join.coordinator_link", lang)], view)
        page.get_by_role("link", name=t("join.coordinator_link", lang)).first.click()
        page.wait_for_function("() => location.pathname.endsWith('/join')")
        join_texts = [t("join.title", lang), t("join.form_title", lang)]
        page.get_by_text(t("join.form_title", lang)).first.wait_for()
        journey.shot("join")
        journey.check(join_texts, {})
    except Exception:
        page.screenshot(path=str(SHOTS / f"{journey.prefix}-failed.png"), full_page=True)
        raise
    finally:
        context.close()
