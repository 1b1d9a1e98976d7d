"""Stored text is shown as text: no image, link, HTML element or heading comes from data.

Every free-text column of every table of a copy of the demo database holds Markdown and
HTML payloads (:mod:`tests.rendered_payloads`: images, links, autolinks, raw
``<img>``/``<script>``/``<a>``, headings, bold, Streamlit directives, a template and a
terminal escape). Every page is rendered as visitor, member and coordinator, and every
string the app sends to the browser in a Markdown context (bodies of markdown, captions,
notices and headers; labels, help texts, radio options and captions of widgets,
expanders, tabs, page links and metrics) is searched for what a payload would have
produced. Escaped characters do not count: ``\\![`` renders as the text ``![``.

Plain-text contexts (``st.selectbox``/``st.multiselect`` options, tables, ``st.code``,
charts) show the text as it is; that they really are plain text was checked in Chromium
(``tests/test_browser_rendered_text.py`` checks the DOM of two pages).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from cop import ui, ui_a11y
from cop.access import accounts
from cop.data import storage
from cop.maturity import comparison
from cop.meetings import briefs, render
from tests.rendered_payloads import PAYLOADS, fill_with_payloads, leaks

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
ROLES = ("visitor", "member", "coordinator")
PASSWORD = "a long enough password"
# Pages that put stored names, titles or questions in Markdown contexts.
PAGES_WITH_DATA_IN_MARKDOWN = (
    "pages/compare.py",
    "pages/maturity.py",
    "pages/meeting.py",
    "pages/peers.py",
    "pages/profile.py",
)

# Proto fields that are never shown as Markdown (ids, icons, urls, plain-text values).
NOT_SHOWN = frozenset(
    {
        "id", "form_id", "icon", "type", "url", "deferred_file_id", "page", "page_script_hash",
        "query_string", "tag", "autocomplete", "format", "uuid", "placeholder", "raw_value",
        "default", "columns", "element_type", "value", "data", "raw_values",
    }
)  # fmt: skip
# Elements whose strings are plain text or checked elsewhere (charts, tables, maps).
PLAIN_ELEMENTS = frozenset(
    {"PlotlyChart", "Dataframe", "ArrowTable", "Arrow", "Code", "Text", "ComponentInstance",
     "DeckGlJsonChart", "Json", "ArrowVegaLiteChart"}
)  # fmt: skip
# The app's own script (cop.ui.page_frame: document language, navigation roles) is markup
# by design; its values are catalog texts, never data.
APP_SCRIPT_START = ui_a11y.A11Y_SCRIPT.strip().split("%(")[0]
# Options of these widgets are plain text (Chromium shows backslashes there).
PLAIN_OPTIONS = frozenset({"Selectbox", "MultiSelect"})


@pytest.fixture(scope="module")
def payload_app(module_app_env, module_monkeypatch):
    """The app's database full of payloads, with a member and a coordinator account; one
    for the module, whose tests only read it (filling it takes seconds)."""
    monkeypatch = module_monkeypatch
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    database = module_app_env / "cop.sqlite"
    assert fill_with_payloads(database) > 1000
    engine = storage.make_engine(f"sqlite:///{database}")
    home = str(storage.read_table(engine, "contacts")["municipality_code"].iloc[0])
    accounts.add_user(engine, "member1", PASSWORD, "member", home)
    accounts.add_user(engine, "coordinator1", PASSWORD, "coordinator")
    comparable = comparison.comparable_codes(
        storage.read_table(engine, "maturity"), storage.read_table(engine, "measures")
    )
    yield {"engine": engine, "home": home, "compare": ",".join(sorted(comparable)[:3])}
    engine.dispose()


def open_page(page: str, role: str, app: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[ui.LANG_KEY] = "nl"
    if page == "pages/profile.py":
        at.query_params[ui.PROFILE_PARAM] = app["home"]
    if page == "pages/compare.py":
        at.query_params[comparison.CODES_PARAM] = app["compare"]
    if role != "visitor":
        user = accounts.get_user(app["engine"], f"{role}1")
        at.session_state[ui.USER_KEY] = user.username
        at.session_state[ui.ROLE_KEY] = user.role
        at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
        at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def markdown_strings(at: AppTest) -> list[tuple[str, str]]:
    """(where, text) of every string the browser renders as Markdown."""
    found: list[tuple[str, str]] = []

    def fields(message: Message, where: str) -> None:
        kind = message.DESCRIPTOR.name
        if kind in PLAIN_ELEMENTS:
            return
        for field, value in message.ListFields():
            name = f"{where}.{field.name}"
            if field.name in NOT_SHOWN or (field.name == "options" and kind in PLAIN_OPTIONS):
                continue
            values = value if field.is_repeated else [value]
            for item in values:
                if isinstance(item, Message):
                    fields(item, f"{name}")
                elif isinstance(item, str) and not (
                    kind == "Html" and item.startswith(APP_SCRIPT_START)
                ):
                    found.append((f"{kind}:{name}", item))

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            fields(proto, type(node).__name__)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def test_the_leak_check_finds_unescaped_payloads():
    """The check itself: raw payloads leak, escaped ones do not."""
    from cop.core.text import md_escape

    raw = [leaks(p) for p in PAYLOADS]
    assert all(raw), raw
    assert [leaks(md_escape(p)) for p in PAYLOADS] == [[]] * len(PAYLOADS)
    assert leaks(f"- {PAYLOADS[4]}") == ["heading", "bold", "directive"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_no_markdown_or_html_from_data_on_any_page(page, role, payload_app):
    at = open_page(page, role, payload_app)
    strings = markdown_strings(at)
    assert len(strings) > 5
    if page in PAGES_WITH_DATA_IN_MARKDOWN:  # the check would find them if they leaked
        assert any("KOPDATA" in text or "klik" in text for _, text in strings)
    from cop.ui_session import OWN_HTML  # the app's own scripts (cookie, map watch)

    found = {
        (where, text[:160]): kinds
        for where, text in strings
        if not text.startswith(OWN_HTML) and (kinds := leaks(text))
    }
    assert not found, found


def test_the_markdown_brief_copies_no_markdown_or_html(payload_app):
    engine = payload_app["engine"]
    tables = [storage.read_table(engine, name) for name in briefs.BRIEF_TABLES]
    brief = briefs.build_brief(*tables, date="2026-12-10", lang="nl", demo=False)
    text = render.render(brief, "md").decode("utf-8")
    assert "KOPDATA" in text or "Beeld" in text  # the payloads are in the brief
    bad = [line for line in text.splitlines() if leaks(line)]
    assert not bad, bad[:10]


def _show_upload_report() -> None:
    """A page fragment: the report of an upload whose file name is Markdown."""
    from cop import ui
    from cop.data.validation import validate_file

    name = "![x](http://example.invalid/a.png) <img src=x>.csv"
    report = validate_file(b"a,b\n1,2\n", "maturity", known_codes=None, filename=name)
    ui.show_problems(report)
    ui.show_problems(report, key="problems")
    ui.st.session_state["flash_test"] = report.summary("nl")
    ui.show_flash("test")


def test_an_uploaded_file_name_is_shown_as_text():
    at = AppTest.from_function(_show_upload_report, default_timeout=60).run()
    assert not at.exception
    strings = markdown_strings(at)
    assert sum("example" in text for _, text in strings) >= 3  # summary, list, flash
    assert not [(where, text) for where, text in strings if leaks(text)]
