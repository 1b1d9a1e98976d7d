"""A phone (390 x 844 CSS pixels) in Chromium: map, peers, compare and home are usable
(issue 14, item 6). Screenshots go to ``test-output/mobile/``.

* the map's legends start folded and together cover far less than a third of the map;
  unfolded, a legend stays within half the map's height and scrolls;
* the map's filters are reachable from the top of the page through a button that says
  so in words, and are labelled;
* the peers' reasons are shown as cards that fit the screen (the wide table is hidden);
* no page scrolls sideways.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from cop.core import i18n
from tests.browser_support import (
    OUTPUT_DIR,
    launch_chromium,
    require_browser,
    require_map_assets,
    route_offline,
    settle,
    streamlit_server,  # noqa: F401 (fixture)
)
from tests.conftest import require
from tests.test_accessibility import AXE_TAGS

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
SHOTS = OUTPUT_DIR / "mobile"
STATUS_WIDGET = '[data-testid="stStatusWidget"]'


@pytest.fixture
def phone(streamlit_server) -> Iterator[object]:  # noqa: F811
    """A page in a phone-sized Chromium context, every internet request answered locally."""
    require_browser()
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(
            viewport={"width": WIDTH, "height": HEIGHT}, is_mobile=True, has_touch=True
        )
        route_offline(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.locator("h1").first.wait_for()
    page.wait_for_selector(STATUS_WIDGET, state="detached")
    settle(page)


def _area(box: dict) -> float:
    return box["width"] * box["height"]


def _overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _no_sideways_scroll(page) -> None:
    main = page.locator('[data-testid="stMain"]')
    widths = main.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1] + 1, widths


def test_map_legend_is_folded_and_small(streamlit_server, phone):  # noqa: F811
    require_map_assets()
    page = phone
    _open(page, streamlit_server.url + "/map")
    page.locator("iframe").first.scroll_into_view_if_needed()
    frame = page.frame_locator("iframe").first
    legends = frame.locator(".cop-legend")
    legends.first.wait_for()
    assert legends.count() == 2  # the colours of the municipalities and of the measures
    map_box = frame.locator(".leaflet-container").bounding_box()
    assert map_box and map_box["width"] <= WIDTH
    themes_title = i18n.t("map.legend_themes", "nl")
    theme_legend = legends.filter(has_text=themes_title)
    colour_legend = legends.filter(has_not_text=themes_title)
    assert theme_legend.count() == colour_legend.count() == 1
    folded = [legends.nth(i).bounding_box() for i in range(legends.count())]
    assert all(box is not None for box in folded)
    # folded: the headings only, together well under a third of the map
    assert sum(_area(box) for box in folded) < _area(map_box) / 6
    for i in range(legends.count()):
        assert legends.nth(i).locator("details").evaluate("d => d.open") is False
    colour_legend.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "map-legend-folded.png"))

    # unfolded by its heading, the colour legend shows its classes and stays within half
    # the map's height (it scrolls when longer)
    before = colour_legend.bounding_box()
    colour_legend.locator("summary").click()
    assert colour_legend.locator("details").evaluate("d => d.open") is True
    opened = colour_legend.bounding_box()
    assert before and opened and opened["height"] > before["height"]
    assert opened["height"] <= map_box["height"] * 0.45 + 1
    assert colour_legend.locator("details > div").count() >= 5  # the class rows
    other = theme_legend.bounding_box()
    assert other and not _overlap(other, opened)  # stacked in one corner, not on each other
    page.screenshot(path=str(SHOTS / "map-legend-open.png"))
    _no_sideways_scroll(page)


def test_map_filters_are_reachable_and_labelled(streamlit_server, phone):  # noqa: F811
    from playwright.sync_api import expect

    page = phone
    _open(page, streamlit_server.url + "/map")
    opener = page.get_by_role("button", name=i18n.t("a11y.menu", "nl"), exact=True)
    box = opener.bounding_box()
    assert box and box["y"] + box["height"] <= HEIGHT  # in the first screen, not below all
    assert (
        i18n.t("a11y.menu", "nl") in opener.inner_text()
        or opener.evaluate("el => getComputedStyle(el, '::after').content")
        == f'"{i18n.t("a11y.menu", "nl")}"'
    )
    page.screenshot(path=str(SHOTS / "map-top.png"))
    opener.click()
    themes = page.get_by_label(i18n.t("map.themes", "nl"))
    themes.wait_for()
    themes.scroll_into_view_if_needed()
    filter_box = themes.bounding_box()
    assert filter_box and filter_box["x"] >= 0 and filter_box["x"] + filter_box["width"] <= WIDTH
    expect(page.get_by_role("heading", name=i18n.t("map.filters", "nl"))).to_be_visible()
    expect(page.get_by_label(i18n.t("map.statuses", "nl"))).to_be_visible()
    page.screenshot(path=str(SHOTS / "map-filters.png"))


def test_peers_reasons_are_readable(streamlit_server, phone):  # noqa: F811
    from playwright.sync_api import expect

    page = phone
    _open(page, streamlit_server.url + "/peers")
    cards = page.locator(
        '[class*="st-key-narrow_only_peers_cards"] [data-testid="stVerticalBlock"]'
    )
    cards.first.wait_for()
    table = page.locator(
        '[data-testid="stElementContainer"]:has(+ [data-testid="stLayoutWrapper"]'
        ' > [class*="st-key-narrow_only_peers_cards"])'
    )
    expect(table).to_have_count(1)
    expect(table).to_be_hidden()  # the wide table gives way (once the page's style applies)
    texts = [text for text in cards.all_inner_texts() if re.match(r"^\d+\. ", text.strip())]
    assert len(texts) == 10
    for text in texts:
        heading, _, reasons = text.strip().partition("\n")
        assert "·" in heading  # "1. Gouda · Zuid-Holland"
        assert len(reasons.strip()) > 20  # the reasons, as words
    first = cards.first.bounding_box()
    assert first and first["x"] >= 0 and first["x"] + first["width"] <= WIDTH
    cards.first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "peers-cards.png"))
    _no_sideways_scroll(page)


@pytest.mark.parametrize("path", ["/", "/compare"])
def test_home_and_compare_fit_the_screen(streamlit_server, phone, path):  # noqa: F811
    page = phone
    _open(page, streamlit_server.url + path)
    heading = page.locator("h1").first.bounding_box()
    assert heading and heading["x"] + heading["width"] <= WIDTH
    _no_sideways_scroll(page)
    name = "home" if path == "/" else path.strip("/")
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("path", ["/map", "/peers"])
def test_phone_layout_has_no_serious_axe_violation(streamlit_server, phone, path):  # noqa: F811
    """The phone-only parts (cards, folded legends, labelled menu button) pass axe too."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        require(False, "axe-playwright-python is not installed (requirements-dev.txt)")
    page = phone
    _open(page, streamlit_server.url + path)
    page.get_by_role("button", name=i18n.t("a11y.menu", "nl"), exact=True).wait_for()
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    serious = [
        f"{v['id']}: {node['html'][:160]}"
        for v in result.response["violations"]
        if v.get("impact") in ("serious", "critical")
        for node in v["nodes"]
    ]
    assert serious == []
