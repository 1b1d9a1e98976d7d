"""Reusable parts of the browser tests: a Streamlit server, Debian's Chromium, offline CDNs.

Use in a test module::

    from tests.browser_support import browser_page, streamlit_server  # noqa: F401 (fixtures)

    def test_something(streamlit_server, browser_page):
        browser_page.goto(streamlit_server.url + "/map")

* ``streamlit_server``: ``streamlit run app.py`` on a free port in a subprocess, with a
  private copy of the demo database (``COP_DATA_DIR``), ``COP_OFFLINE=1`` and the shared
  boundary file when ``../shared`` is there (else the map draws points); waits for
  ``/_stcore/health`` and stops the server afterwards.
* ``browser_page``: a Playwright page in Debian's ``/usr/bin/chromium`` (never a browser
  that Playwright downloads) whose requests to the internet are answered locally by
  :func:`route_offline`: the map library's JavaScript and CSS from npm packages installed
  by ``.ci/run`` (see :data:`ASSETS_DIR`) when present, everything else (tiles, jQuery,
  Bootstrap, fonts) with an empty ``200`` so that nothing hangs and nothing leaves the
  machine.

Both skip on a laptop without Chromium or Playwright and fail in CI (``require``). Only a
test that draws the map also needs the Leaflet assets and the boundaries: it calls
:func:`require_map_assets` (downloads and accessibility do not depend on them).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_BOUNDARIES, _free_port, require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: ``node_modules`` holding ``leaflet`` and ``leaflet.markercluster`` (``.ci/run`` installs
#: them with ``npm install --prefix .cache/browser-assets ...``); ``COP_BROWSER_ASSETS``
#: may point elsewhere.
ASSETS_DIR = Path(
    os.environ.get("COP_BROWSER_ASSETS") or ROOT / ".cache" / "browser-assets" / "node_modules"
)
OUTPUT_DIR = ROOT / "test-output"
SERVER_START_SECONDS = 90

# URL pattern of a CDN file -> file under ASSETS_DIR (group 1 is the file name).
LOCAL_FILES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/npm/leaflet@[\d.]+/dist/(.+)$"), "leaflet/dist/{}"),
    (re.compile(r"/leaflet\.markercluster/[\d.]+/(.+)$"), "leaflet.markercluster/dist/{}"),
)
CONTENT_TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
# A 1x1 transparent PNG for map tiles and images.
EMPTY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def local_file_for(url: str) -> Path | None:
    """The local copy of a CDN URL, when one of :data:`LOCAL_FILES` covers it."""
    path = url.split("?", 1)[0]
    for pattern, target in LOCAL_FILES:
        match = pattern.search(path)
        if match:
            return ASSETS_DIR / target.format(match.group(1))
    return None


def assets_available() -> bool:
    return (ASSETS_DIR / "leaflet" / "dist" / "leaflet.js").is_file() and (
        ASSETS_DIR / "leaflet.markercluster" / "dist" / "leaflet.markercluster.js"
    ).is_file()


def route_offline(page_or_context) -> list[str]:
    """Answer every non-local request from local files or with an empty 200.

    Returns the list that collects the URLs that got an empty answer (for diagnostics).
    """
    emptied: list[str] = []

    def handle(route, request) -> None:
        url = request.url
        if re.match(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/", url) or url.startswith(
            ("data:", "blob:", "about:")
        ):
            route.continue_()
            return
        local = local_file_for(url)
        if local is not None and local.is_file():
            route.fulfill(
                status=200,
                body=local.read_bytes(),
                content_type=CONTENT_TYPES.get(local.suffix, "application/octet-stream"),
                headers={"Access-Control-Allow-Origin": "*"},
            )
            return
        emptied.append(url)
        is_image = request.resource_type == "image" or url.split("?")[0].endswith(".png")
        route.fulfill(
            status=200,
            body=EMPTY_PNG if is_image else b"",
            content_type="image/png"
            if is_image
            else CONTENT_TYPES.get(Path(url.split("?")[0]).suffix, "text/plain"),
            headers={"Access-Control-Allow-Origin": "*"},
        )

    page_or_context.route("**/*", handle)
    return emptied


#: How long ``expect(...)`` waits: its default, 5 s, is shorter than a run of a page takes
#: on two cores shared with the rest of the suite (CI timed out on it); pages wait 60 s.
EXPECT_TIMEOUT_MS = 60_000


def launch_chromium(playwright):
    """Debian's Chromium with the flags CI needs (no sandbox as root, no GPU)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def require_browser() -> None:
    """Skip (laptop) or fail (CI) unless Chromium and Playwright are there."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "the playwright Python package is not installed")


def require_map_assets() -> None:
    """Skip (laptop) or fail (CI) unless a map can be drawn: Leaflet assets and boundaries."""
    require(
        assets_available(),
        f"leaflet/leaflet.markercluster not found under {ASSETS_DIR} (see .ci/run: npm install)",
    )
    require(SHARED_BOUNDARIES.exists(), "../shared boundaries are needed for the map")


@dataclass
class StreamlitServer:
    url: str
    data_dir: Path
    process: subprocess.Popen
    log: Path


def _wait_healthy(server: StreamlitServer) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling a starting server, not waiting a fixed time
    raise RuntimeError(f"streamlit did not become healthy:\n{server.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def streamlit_server(
    demo_db_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitServer]:
    """``streamlit run app.py`` on a free port with the demo data, offline."""
    require_browser()
    workdir = tmp_path_factory.mktemp("browser-app")
    data_dir = workdir / "appdata"
    data_dir.mkdir()
    shutil.copy(demo_db_file, data_dir / "cop.sqlite")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "COP_BOUNDARIES_FILE")}
    env.update(
        COP_DATA_DIR=str(data_dir),
        COP_OFFLINE="1",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    if SHARED_BOUNDARIES.exists():  # polygons; without them the map falls back to points
        env["COP_BOUNDARIES_FILE"] = str(SHARED_BOUNDARIES)
    port = _free_port()
    log = workdir / "streamlit.log"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = StreamlitServer(f"http://127.0.0.1:{port}", data_dir, process, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        handle.close()


@pytest.fixture
def browser_page() -> Iterator[object]:
    """A Chromium page (1400x1000) with every internet request answered locally."""
    require_browser()
    from playwright.sync_api import sync_playwright

    OUTPUT_DIR.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        route_offline(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


SIGN_OUT = re.compile(r"^(Sign out|Uitloggen)$")
USER_NAME = re.compile(r"^(User name|Gebruikersnaam)$")
PASSWORD_FIELD = re.compile(r"^(Password|Wachtwoord)$")
SIGN_IN = re.compile(r"^(Sign in|Inloggen)$")


def sign_in(page, username: str, password: str) -> None:
    """Sign ``username`` in from the sidebar, signing out whoever is in first (nl or en).

    The sign-in expander may come back open after signing out; clicking its summary then
    folds it and hides the fields. So the summary is clicked only while the ``details``
    element is closed, read from its ``open`` attribute rather than guessed from timing.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    sidebar = page.get_by_test_id("stSidebar")
    sign_out = sidebar.get_by_role("button", name=SIGN_OUT)
    settle(page)  # a run still drawing the sidebar may redraw the form under the typing
    for _ in range(3):  # a rerun may redraw the button between finding and clicking it
        if not sign_out.count():
            break
        try:
            sign_out.click(timeout=15_000)
            break
        except PlaywrightTimeout:
            settle(page)
    sign_out.wait_for(state="detached")
    settle(page)
    # the summary's text also holds the name of its arrow icon: no anchors here
    expander = sidebar.locator("details").filter(
        has=page.locator("summary").filter(has_text=re.compile("Sign in|Inloggen"))
    )
    expander.wait_for()
    if expander.get_attribute("open") is None:
        expander.locator("summary").click()
    for name, value in ((USER_NAME, username), (PASSWORD_FIELD, password)):
        field = sidebar.get_by_role("textbox", name=name)
        field.fill(value)
        expect(field).to_have_value(value)
    sidebar.get_by_role("button", name=SIGN_IN).click()
    sign_out.wait_for()


#: ``stApp`` carries the script's run state; Streamlit's own browser tests wait on it too.
APP_NOT_RUNNING = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page) -> None:
    """Wait until the app's run has ended and nothing on the page is stale any more.

    The status widget is a poor signal on its own: it shows only after a delay, so a
    check right after a click could find it "detached" before the run began. Callers
    first wait for something the new run draws (a title, a heading), then call this.
    """
    page.wait_for_selector(APP_NOT_RUNNING, state="attached")
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
