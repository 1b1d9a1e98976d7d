"""WCAG 2.1 AA in Chromium: axe-core on every page, the document language, tab titles and
text alternatives of charts and the map (issue 14, item 7).

Every page listed in ``app.py`` is checked, so a page added later is covered without
touching this file. Pages are reached through the sidebar navigation (a click keeps the
Streamlit session, and with it the sign-in and the language), as a visitor and as a
coordinator, in Dutch; the language and tab title also in English.

"Ours" are all violations except the few that Streamlit renders and the app cannot
change; they are listed in :data:`STREAMLIT_OWNED` with the reason, and in
docs/accessibility.md. A violation is a failure when its impact is serious or critical.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from cop.core import i18n
from tests.browser_support import (
    OUTPUT_DIR,
    launch_chromium,
    require_browser,
    route_offline,
    settle,
    streamlit_server,  # noqa: F401 (fixture)
)
from tests.conftest import ROOT, require

pytestmark = pytest.mark.browser

PASSWORD = "toegankelijk-en-veilig-42"
COORDINATOR = "coordinator_a11y"
STATUS_WIDGET = '[data-testid="stStatusWidget"]'
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
#: Violations in what Streamlit renders that no CSS or script of ours can repair, by
#: axe rule and a pattern of the offending element (docs/accessibility.md says why).
STREAMLIT_OWNED: dict[str, re.Pattern[str]] = {}
# For each chart in the page: is the element right after it the expander with its table?
FOLLOWED_BY_TABLE_JS = """
label => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(chart => {
  const box = chart.closest('[data-testid="stElementContainer"]');
  const next = box && box.nextElementSibling;
  return Boolean(next && next.querySelector('[data-testid="stExpander"]')
                 && next.textContent.includes(label));
})
"""
CHART_TABLE_LABEL = {lang: i18n.t("a11y.chart_as_table", lang) for lang in i18n.LANGUAGES}


@dataclass(frozen=True)
class AppPage:
    path: str  # "/" or "/map"
    title_key: str  # catalog key of its navigation title


def app_pages() -> list[AppPage]:
    """The pages of ``app.py``'s navigation, read from its source (never a fixed list)."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = []
    for match in re.finditer(
        r'st\.Page\(\s*"pages/(\w+)\.py",\s*title=ui\.tr\("([\w.]+)"\)([^)]*)\)', source
    ):
        stem, key, rest = match.groups()
        pages.append(AppPage("/" if "default=True" in rest else f"/{stem}", key))
    return pages


PAGES = app_pages()


def test_every_page_of_app_py_is_found():
    """The reading of app.py above misses none of its st.Page entries."""
    source = (ROOT / "app.py").read_text(encoding="utf-8")
    assert len(PAGES) == source.count("st.Page(") >= 11
    assert {page.path for page in PAGES} >= {"/", "/map", "/accessibility"}


@pytest.fixture(scope="module")
def demo_db_file(demo_db_file, tmp_path_factory):  # the server of this module has a coordinator
    from cop.access import accounts
    from cop.data import storage

    path = tmp_path_factory.mktemp("a11y-db") / "cop.sqlite"
    shutil.copy(demo_db_file, path)
    engine = storage.make_engine(f"sqlite:///{path}")
    accounts.add_user(engine, COORDINATOR, PASSWORD, "coordinator")
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require_browser()
    try:
        import axe_playwright_python  # noqa: F401
    except ImportError:
        require(False, "axe-playwright-python is not installed (requirements-dev.txt)")
    from playwright.sync_api import sync_playwright

    OUTPUT_DIR.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


def _settled(page) -> None:
    page.locator("h1").first.wait_for()
    page.wait_for_selector(STATUS_WIDGET, state="detached")
    settle(page)


def _session(chromium, server, role: str, lang: str):
    """A page in a fresh context, signed in as ``role``, on the home page in ``lang``."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    route_offline(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/?lang={lang}")
    _settled(page)
    if role == "coordinator":
        page.get_by_text(i18n.t("auth.sign_in", lang), exact=True).first.click()
        page.get_by_label(i18n.t("auth.username", lang)).fill(COORDINATOR)
        page.get_by_label(i18n.t("auth.password", lang)).fill(PASSWORD)
        page.get_by_role("button", name=i18n.t("auth.sign_in", lang)).click()
        page.get_by_role("button", name=i18n.t("auth.sign_out", lang)).wait_for()
        _settled(page)
    return context, page


def _open(page, server, app_page: AppPage, lang: str) -> None:
    """Go to ``app_page`` through the sidebar navigation (the session is kept)."""
    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{server.url}{app_page.path}"]')
    link.click()
    page.wait_for_url(re.compile(re.escape(server.url + app_page.path) + r"(\?.*)?$"))
    expected = i18n.t("a11y.tab_title", lang, page=i18n.t(app_page.title_key, lang), app="")
    page.wait_for_function(
        "prefix => document.title.startsWith(prefix)", arg=expected.rstrip(" ·").strip()
    )
    _settled(page)


def _language(page, expected: str) -> str:
    """``<html lang>`` once the app's script has run (it runs after Streamlit renders)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # the caller's assertion reports the value
        page.wait_for_function(
            "lang => document.documentElement.lang === lang", arg=expected, timeout=15_000
        )
    return page.evaluate("document.documentElement.lang")


def _ours(violation: dict) -> list[dict]:
    owned = STREAMLIT_OWNED.get(violation["id"])
    return [node for node in violation["nodes"] if not (owned and owned.search(node["html"]))]


def _blocking(result: dict) -> list[str]:
    found = []
    for violation in result["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        for node in _ours(violation):
            found.append(f"{violation['id']} ({violation['impact']}): {node['html'][:200]}")
    return found


@pytest.mark.parametrize("role", ["visitor", "coordinator"])
def test_axe_finds_no_serious_violation_on_any_page(streamlit_server, chromium, role):  # noqa: F811
    """Dutch, every page: no serious or critical axe violation; lang="nl"; own tab title."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context, page = _session(chromium, streamlit_server, role, "nl")
    problems: dict[str, list[str]] = {}
    try:
        for app_page in PAGES:
            _open(page, streamlit_server, app_page, "nl")
            assert _language(page, "nl") == "nl", app_page.path
            if role == "coordinator":  # still signed in: the pages are seen as a coordinator
                assert page.get_by_role("button", name=i18n.t("auth.sign_out", "nl")).count() == 1
            title = i18n.t(
                "a11y.tab_title",
                "nl",
                page=i18n.t(app_page.title_key, "nl"),
                app=i18n.t("app.title", "nl"),
            )
            assert page.title() == title
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
            found = _blocking(result.response)
            if found:
                problems[app_page.path] = found
                page.screenshot(
                    path=str(OUTPUT_DIR / f"a11y-{role}{app_page.path.replace('/', '-')}.png")
                )
    finally:
        context.close()
    assert problems == {}


def test_english_pages_say_so(streamlit_server, chromium):  # noqa: F811
    """In English every page has lang="en" and its English tab title.

    Each page is opened by its URL with ``?lang=en``: a click in the navigation falls
    back to Dutch today (issue 14 item 2, on another branch).
    """
    context, page = _session(chromium, streamlit_server, "visitor", "en")
    try:
        for app_page in PAGES:
            page.goto(f"{streamlit_server.url}{app_page.path}?lang=en")
            _settled(page)
            assert _language(page, "en") == "en", app_page.path
            expected = i18n.t(
                "a11y.tab_title",
                "en",
                page=i18n.t(app_page.title_key, "en"),
                app=i18n.t("app.title", "en"),
            )
            page.wait_for_function("title => document.title === title", arg=expected)
            assert page.title() == expected
    finally:
        context.close()


def test_language_switch_changes_the_document_language(streamlit_server, chromium):  # noqa: F811
    context, page = _session(chromium, streamlit_server, "visitor", "nl")
    try:
        assert _language(page, "nl") == "nl"
        page.get_by_text("English", exact=True).click()
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.get_by_role("heading", level=1, name=i18n.t("home.title", "en")).wait_for()
    finally:
        context.close()


def test_sidebar_navigation_is_a_list_per_section(streamlit_server, chromium):  # noqa: F811
    """The script of cop.ui.page_frame gives each navigation section the list role."""
    context, page = _session(chromium, streamlit_server, "visitor", "nl")
    try:
        from playwright.sync_api import expect

        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav).to_have_attribute("aria-label", i18n.t("a11y.nav_label", "nl"))
        sections = [i18n.t(key, "nl") for key in ("nav.section_explore", "nav.section_together")]
        for name in sections:
            group = page.get_by_role("list", name=name)
            assert group.get_by_role("listitem").count() >= 3
        assert (
            page.get_by_role("list", name=sections[0])
            .get_by_role("link", name=i18n.t("map.nav", "nl"))
            .count()
            == 1
        )
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/maturity", "/monitoring"])
def test_every_chart_has_its_data_as_a_table(streamlit_server, chromium, path):  # noqa: F811
    """Each plotly chart on the page is followed right below by the expander with its numbers."""
    context, page = _session(chromium, streamlit_server, "visitor", "nl")
    try:
        _open(page, streamlit_server, next(p for p in PAGES if p.path == path), "nl")
        charts = page.locator('[data-testid="stPlotlyChart"]')
        charts.first.wait_for()
        followed = page.evaluate(FOLLOWED_BY_TABLE_JS, CHART_TABLE_LABEL["nl"])
        assert len(followed) == charts.count() >= 1
        assert all(followed), followed  # tabs not shown yet hold more charts, checked alike
    finally:
        context.close()


def test_map_has_a_table_of_what_it_shows(streamlit_server, chromium):  # noqa: F811
    context, page = _session(chromium, streamlit_server, "visitor", "nl")
    try:
        _open(page, streamlit_server, next(p for p in PAGES if p.path == "/map"), "nl")
        summary = page.locator('[data-testid="stExpander"] summary').filter(
            has_text=i18n.t("a11y.map_as_table", "nl")
        )
        summary.click()
        table = page.locator('[data-testid="stExpander"] table').filter(visible=True)
        table.first.wait_for()
        headers = table.first.locator("th").all_inner_texts()
        assert i18n.t("a11y.map_municipality", "nl") in headers
        assert i18n.t("map.metric_maturity", "nl") in " ".join(headers)  # the default colouring
        values = table.first.locator("tbody tr").all_inner_texts()
        assert len(values) >= 10  # partners with an assessment
        assert all(re.search(r"\d,\d$", row.strip()) for row in values)  # "3,9": Dutch decimals
    finally:
        context.close()


def test_statement_page_has_the_parts_of_a_dutch_statement(streamlit_server, chromium):  # noqa: F811
    """Status, known issues, contact and date, in Dutch and English."""
    from playwright.sync_api import expect

    from cop.core import statement

    for lang in ("nl", "en"):
        context, page = _session(chromium, streamlit_server, "visitor", lang)
        try:
            _open(
                page, streamlit_server, next(p for p in PAGES if p.path == "/accessibility"), lang
            )
            page.get_by_role("heading", level=1, name=i18n.t("a11y.title", lang)).wait_for()
            for key in ("status_title", "issues_title", "contact_title", "date_title"):
                # waits: the h1 can be drawn before the rest of the page has arrived
                expect(
                    page.get_by_role("heading", level=2, name=i18n.t(f"a11y.{key}", lang))
                ).to_have_count(1)
            body = page.locator('[data-testid="stMain"]').inner_text()
            assert statement.statement_date(lang) in body
            assert "WCAG 2.1" in body
        finally:
            context.close()
