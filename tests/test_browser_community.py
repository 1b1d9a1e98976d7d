"""Issue 13 in Debian's Chromium: answer a help question and close it; a visitor asks to
join and a coordinator turns the request into a partner. Screenshots of every step go to
``test-output/`` (``answer-*.png``, ``join-*.png``); the outcome is read back from the
server's database, not from the page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cop.access import accounts
from cop.data import storage
from tests.browser_support import OUTPUT_DIR, browser_page, settle, sign_in, streamlit_server  # noqa: F401

pytestmark = pytest.mark.browser

STATUS_WIDGET = '[data-testid="stStatusWidget"]'  # shown while the app is running
PASSWORD = "a long enough password"


def _engine(server):
    return storage.make_engine(f"sqlite:///{server.data_dir / 'cop.sqlite'}")


def _idle(page) -> None:
    """The run has finished and no element of the previous run is left (faded) on the page."""
    page.wait_for_selector(STATUS_WIDGET, state="detached")
    settle(page)


def _shot(page, name: str) -> None:
    _idle(page)
    OUTPUT_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT_DIR / f"{name}.png"), full_page=True)


def _sign_in(page, username: str) -> None:
    sign_in(page, username, PASSWORD)
    page.get_by_test_id("stSidebar").get_by_text(username).first.wait_for()
    _idle(page)


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` (a part of its text) in the select box or multiselect ``label``.

    A rerun that ends just after the click redraws the box and closes its list, so the
    list is opened again (at most three times) until the option shows and takes the click.
    (CI: the option showed, then the list closed before the click reached it.)
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    _idle(page)
    for _attempt in range(3):
        page.get_by_role("combobox", name=label).click()
        listed = page.get_by_role("option").filter(has_text=option).first
        try:
            listed.wait_for(timeout=15_000)
            listed.click(timeout=15_000)
        except PlaywrightTimeout:
            _idle(page)
            continue
        _idle(page)
        return
    _shot(page, "failed-choose")
    raise AssertionError(f"option {option!r} of {label!r} never showed")


def _has_value(locator, value: str) -> None:
    """Wait until ``locator`` holds ``value`` (a rerun may still be on its way)."""
    from playwright.sync_api import expect

    expect(locator).to_have_value(value, timeout=60_000)


def test_answer_a_help_question_and_mark_it_answered(streamlit_server, browser_page):  # noqa: F811
    page, engine = browser_page, _engine(streamlit_server)
    towns = storage.read_table(engine, "municipalities").set_index("code")
    questions = storage.read_table(engine, "help_questions")
    question = questions[questions["status"] == "open"].iloc[0]
    qid, asker = int(question["id"]), str(question["municipality_code"])
    helper = next(c for c in towns.index[towns["is_partner"].astype(bool)] if c != asker)
    accounts.add_user(engine, "bea.helper", PASSWORD, "member", helper)
    accounts.add_user(engine, "ann.asker", PASSWORD, "member", asker)

    page.goto(f"{streamlit_server.url}/questions?lang=en&vraag={qid}")
    page.get_by_text("Who can probably answer this question").wait_for()
    _sign_in(page, "bea.helper")
    page.get_by_text(f"You answer on behalf of {towns.at[helper, 'name']}").wait_for()
    _shot(page, "answer-1-question-with-suggestions")

    text = "Wij hangen de kasten op de noordgevel, <b>niet</b> boven ramen."
    page.get_by_label("Your answer").fill(text)
    page.get_by_role("button", name="Post answer").click()
    page.get_by_text("Your answer has been added").wait_for()
    page.get_by_text("niet</b> boven ramen").wait_for()  # shown as text, not as HTML
    _has_value(page.get_by_role("textbox", name="Your answer"), "")  # empty again
    _shot(page, "answer-2-answer-posted")
    stored = storage.read_table(engine, "answers")
    mine = stored[stored["question_id"] == qid].iloc[-1]
    assert (mine["municipality_code"], mine["text"], mine["author"]) == (helper, text, "bea.helper")

    _sign_in(page, "ann.asker")
    helper_name = towns.at[helper, "name"]
    _choose(page, "These answers helped", f"{int(mine['id'])}. {helper_name}")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Mark as answered").click()
    page.get_by_text(f"Question {qid} is now answered").wait_for()
    page.get_by_text("This answer helped").first.wait_for()
    _shot(page, "answer-3-marked-answered")
    closed = storage.read_table(engine, "help_questions").set_index("id").loc[qid]
    assert closed["status"] == "answered" and closed["answered_by"] == helper_name
    assert bool(storage.read_table(engine, "answers").set_index("id").at[int(mine["id"]), "helped"])
    engine.dispose()


def test_visitor_asks_to_join_and_a_coordinator_makes_a_partner(streamlit_server, browser_page):  # noqa: F811
    page, engine = browser_page, _engine(streamlit_server)
    towns = storage.read_table(engine, "municipalities")
    requested = set(storage.read_table(engine, "join_requests")["municipality_code"])
    outside = towns[~towns["is_partner"].astype(bool) & ~towns["code"].isin(requested)]
    town = outside.sort_values("name").iloc[len(outside) // 2]
    accounts.add_user(engine, "coco.ordinator", PASSWORD, "coordinator")

    page.goto(f"{streamlit_server.url}/?lang=en")
    page.get_by_role("link", name="Join the CoP?").first.click()
    page.get_by_role("heading", name="Join the CoP?").wait_for()
    _idle(page)
    search = page.get_by_role("textbox", name="Search your municipality")
    search.fill(town["name"].lower())
    search.press("Enter")
    _idle(page)
    _has_value(page.get_by_role("combobox", name="Municipality"), town["name"])
    page.get_by_role("textbox", name="Your name", exact=True).fill("Sam Visser")
    page.get_by_role("textbox", name="Your role", exact=True).fill("Beleidsmedewerker groen")
    page.get_by_role("textbox", name="Your e-mail address", exact=True).fill(
        "sam.visser@example.org"
    )
    page.get_by_role("textbox", name="Message (optional)", exact=True).fill(
        "Wij willen graag meedoen."
    )
    _shot(page, "join-1-visitor-fills-the-form")
    page.get_by_role("button", name="Send request").click()
    page.get_by_text("Thank you!").wait_for()
    assert not page.get_by_text("sam.visser@example.org").count()  # not shown back
    _shot(page, "join-2-thank-you")
    stored = storage.read_table(engine, "join_requests").iloc[-1]
    assert (stored["municipality_code"], stored["name"], stored["status"]) == (
        town["code"],
        "Sam Visser",
        "new",
    )

    _sign_in(page, "coco.ordinator")
    page.get_by_text("Requests to join (coordinators only)").wait_for()
    _choose(page, "Request", "Sam Visser")
    _choose(page, "New status", "Joined")
    page.get_by_role("button", name="Save status").click()
    page.get_by_text("is now a partner").wait_for()
    _shot(page, "join-3-coordinator-marks-joined")
    after = storage.read_table(engine, "municipalities").set_index("code").loc[town["code"]]
    assert bool(after["is_partner"]) and int(after["joined_year"]) == dt.date.today().year
    request = storage.read_table(engine, "join_requests").set_index("id").loc[int(stored["id"])]
    assert request["status"] == "joined"

    page.goto(f"{streamlit_server.url}/profile?lang=en&gemeente={town['code']}")
    page.get_by_text(f"{dt.date.today().year}").first.wait_for()
    _shot(page, "join-4-profile-of-the-new-partner")
    assert pd.notna(after["joined_year"])
    engine.dispose()
