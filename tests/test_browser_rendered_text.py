"""In Chromium: stored Markdown and HTML make no request and no element on the pages.

The AppTest walk (``tests/test_rendered_text.py``) checks the strings the app sends; this
checks what the browser does with them, on the pages of the issue: the peers page (help
questions and peers in expander labels), the maturity page (names in lists and page
links) and the meeting page (the brief's preview). Every free-text cell of the database
holds a payload (:mod:`tests.rendered_payloads`).
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser_support import browser_page, streamlit_server  # noqa: F401
from tests.rendered_payloads import fill_with_payloads

pytestmark = pytest.mark.browser

# Images and links that point at the payloads' domain, mail links, and headings made from
# a payload, anywhere in the document.
FROM_DATA_JS = """
() => {
  const found = [];
  for (const el of document.querySelectorAll('img, a, script, iframe, source, video, audio')) {
    const target = el.getAttribute('src') || el.getAttribute('href') || el.textContent || '';
    if (/example\\.invalid|^mailto:|alert\\(1\\)/i.test(target)) found.push(el.outerHTML.slice(0, 200));
  }
  for (const el of document.querySelectorAll('h1, h2, h3, h4, h5, h6, strong, b')) {
    if (/KOPDATA|VETDATA/.test(el.textContent) && !/VETDATA\\*\\*|# KOPDATA/.test(el.textContent))
      found.push(el.outerHTML.slice(0, 200));
  }
  return found;
}
"""
# Escapes must be invisible: "\\[" or "\\(" on screen would mean a plain-text context
# was escaped as if it were Markdown.
SHOWN_ESCAPES_JS = """
() => (document.body.innerText.match(/\\\\[\\[\\]()!*_.#<>]/g) || []).length
"""


@pytest.fixture(scope="module")
def demo_db_file(demo_db_file, tmp_path_factory):  # the server of this module gets payloads
    path = tmp_path_factory.mktemp("payload-db") / "cop.sqlite"
    shutil.copy(demo_db_file, path)
    fill_with_payloads(path)
    return path


@pytest.mark.parametrize(
    ("path", "shown"), [("/peers", "klik"), ("/maturity", "KOPDATA"), ("/meeting", "KOPDATA")]
)
def test_payloads_make_no_request_and_no_element(streamlit_server, browser_page, path, shown):  # noqa: F811
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(streamlit_server.url + path)
    page.locator("h1").first.wait_for()
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
    # the payloads are on the page, as text (the first match may be a hidden editor cell)
    page.get_by_text(shown).filter(visible=True).first.wait_for()
    for expander in page.locator('[data-testid="stExpander"] summary').all()[:8]:
        expander.click()  # open a few: their bodies render too
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
    assert page.evaluate(FROM_DATA_JS) == []
    assert page.evaluate(SHOWN_ESCAPES_JS) == 0
    assert not [url for url in requested if "example.invalid" in url]
    assert not page.get_by_text("Traceback").count()
