"""What AppTest cannot see: real downloads and basic accessibility, in Debian's Chromium.

AppTest never calls the deferred download callables (Excel, Word, PDF are built only when
clicked), so these tests click the buttons in a browser and open the files that arrive.
"""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

from tests.browser_support import OUTPUT_DIR, browser_page, streamlit_server  # noqa: F401

pytestmark = pytest.mark.browser

# Every form control must have a name a screen reader can say.
UNNAMED_CONTROLS_JS = """
() => [...document.querySelectorAll('input, button, select, textarea, [role="combobox"]')]
  .filter(el => el.checkVisibility({checkVisibilityCSS: true}) && el.type !== 'hidden')
  .filter(el => !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
                  || (el.labels && el.labels.length) || el.textContent.trim()
                  || el.getAttribute('title')))
  .map(el => el.outerHTML.slice(0, 400))
"""


STATUS_WIDGET = '[data-testid="stStatusWidget"]'  # shown while the app is running


def _download(page, button_text: str) -> bytes:
    """Click a download button as a person does: once it is there and enabled."""
    from playwright.sync_api import expect

    button = page.get_by_role("button", name=button_text).first
    expect(button).to_be_enabled()
    with page.expect_download() as info:
        button.click()
    return Path(info.value.path()).read_bytes()


def test_data_page_csv_and_excel_downloads(streamlit_server, browser_page):  # noqa: F811
    """Two downloads right after each other both arrive (the second used to do nothing)."""
    page = browser_page
    page.goto(streamlit_server.url + "/data")
    page.get_by_text("342 van 342 rijen").wait_for()
    page.wait_for_selector(STATUS_WIDGET, state="detached")  # the page has finished
    csv = _download(page, "Download CSV")
    assert csv.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", sep=";", decimal=",")
    assert len(table) == 342 and "Naam" in table.columns
    assert "Súdwest-Fryslân" in set(table["Naam"])

    book = openpyxl.load_workbook(io.BytesIO(_download(page, "Download Excel")))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.max_row == 343


def test_meeting_brief_word_download(streamlit_server, browser_page):  # noqa: F811
    page = browser_page
    page.goto(streamlit_server.url + "/meeting")
    page.get_by_role("button", name="Download Word").wait_for()
    document = docx.Document(io.BytesIO(_download(page, "Download Word")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Demodata" in text or "demodata" in text
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / "meeting.png"), full_page=True)


@pytest.mark.parametrize("path", ["/", "/data", "/compare", "/peers", "/monitoring"])
def test_pages_have_one_heading_and_named_controls(streamlit_server, browser_page, path):  # noqa: F811
    page = browser_page
    page.goto(streamlit_server.url + path)
    page.locator("h1").first.wait_for()
    page.wait_for_selector(STATUS_WIDGET, state="detached")
    assert page.locator("h1").count() == 1
    assert page.evaluate(UNNAMED_CONTROLS_JS) == []
    assert not page.get_by_text("Traceback").count()
