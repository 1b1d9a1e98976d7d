"""The map in a real browser: polygons drawn, a click on a municipality opens its profile.

Runs ``streamlit run app.py`` and Debian's Chromium (see ``tests/browser_support.py``);
screenshots go to ``test-output/`` (git-ignored).
"""

from __future__ import annotations

import pytest

from tests.browser_support import (  # noqa: F401 (fixtures)
    OUTPUT_DIR,
    browser_page,
    require_map_assets,
    streamlit_server,
)

pytestmark = pytest.mark.browser


def _a_partner() -> tuple[str, str, tuple[float, float]]:
    """The first partner of the demo data: code, name and its CBS label point (inside it)."""
    import pandas as pd

    from tests.conftest import ROOT

    towns = pd.read_csv(ROOT / "data" / "municipalities.csv")
    row = towns[towns["is_partner"]].sort_values("code").iloc[0]
    return row["code"], row["name"], (float(row["lat"]), float(row["lon"]))


def test_map_polygons_and_click_to_profile(streamlit_server, browser_page):  # noqa: F811
    require_map_assets()  # the only browser test that draws the map
    page = browser_page
    code, name, point = _a_partner()
    page.goto(streamlit_server.url + "/map")
    frame_element = page.wait_for_selector('iframe[title*="st_folium"]')
    frame = frame_element.content_frame()
    # Every municipality is drawn as an SVG path (plus any unclustered measure).
    frame.locator("path.leaflet-interactive").nth(341).wait_for(state="attached")
    assert frame.locator("path.leaflet-interactive").count() >= 342
    frame.locator(".cop-legend").first.wait_for()
    assert (
        "CBS / Kadaster (PDOK), CC BY 4.0"
        in frame.locator(".leaflet-control-attribution").inner_text()
    )
    frame.locator(".marker-cluster").first.wait_for()  # measures arrived and were clustered
    page.screenshot(path=str(OUTPUT_DIR / "map.png"), full_page=True)

    # Click the polygon itself: measure clusters sit on top, so let clicks pass through them.
    frame.add_style_tag(
        content=".leaflet-marker-pane, .leaflet-marker-pane * {pointer-events: none !important}"
    )
    x, y = frame.evaluate(
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        list(point),
    )
    frame.locator("#map_div").click(position={"x": x, "y": y})
    # Streamlit changes the URL with the history API (no page load): wait for the URL itself.
    page.wait_for_function(f"() => location.search.includes('gemeente={code}')")
    page.get_by_role("heading", name=name, exact=True).wait_for()
    assert f"gemeente={code}" in page.url
    page.locator(".js-plotly-plot").first.wait_for()  # the maturity radar
    page.get_by_text("Gemeentecodes, -namen en provincies").wait_for()  # the page's last line
    page.screenshot(path=str(OUTPUT_DIR / "profile.png"), full_page=True)
