"""The small ``cop.ui`` helpers pages share: labels, the saved-message flow, choices.

Expected labels are read straight from the catalog files (not through ``cop.core.i18n``),
so a helper that picked the wrong language or prefix fails here.
"""

from __future__ import annotations

import time
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from cop import ui
from cop.access import accounts
from cop.data import storage
from tests.conftest import ROOT

LOCALE = ROOT / "cop" / "core" / "locale"


def catalog_text(file: str, area: str, name: str, lang: str) -> str:
    with (LOCALE / file).open("rb") as handle:
        return tomllib.load(handle)[area][name][lang]


# ---------------------------------------------------------------- labels


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_vocab_label_names_codes_in_the_session_language(lang, monkeypatch):
    monkeypatch.setattr(ui, "lang", lambda: lang)
    theme = ui.vocab_label("theme")
    assert theme("depaving") == catalog_text("vocab.toml", "theme", "depaving", lang)
    assert theme("ecological_mowing") == catalog_text(
        "vocab.toml", "theme", "ecological_mowing", lang
    )
    assert theme("no_such_theme") == "no_such_theme"  # unknown codes stay readable
    level = ui.vocab_label("level", numbered=True)
    assert level(3) == f"3 {catalog_text('vocab.toml', 'level', '3', lang)}"
    with_all = ui.vocab_label("theme", others={None: "map.all_themes"})
    assert with_all(None) == catalog_text("map.toml", "map", "all_themes", lang)
    assert with_all("depaving") == theme("depaving")


def test_vocab_label_keeps_the_language_it_was_made_in(monkeypatch):
    """Streamlit may call a format function after the run (AppTest's select does)."""
    monkeypatch.setattr(ui, "lang", lambda: "en")
    theme = ui.vocab_label("theme")
    monkeypatch.setattr(ui, "lang", lambda: "nl")
    assert theme("depaving") == "Depaving"
    assert ui.vocab_label("theme")("depaving") == "Ontstenen / tegelwippen"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_option_label_reads_the_message_named_after_the_option(lang, monkeypatch):
    monkeypatch.setattr(ui, "lang", lambda: lang)
    mode = ui.option_label("compare.mode_{}")
    assert mode("peers") == catalog_text("maturity.toml", "compare", "mode_peers", lang)
    assert mode("choose") == catalog_text("maturity.toml", "compare", "mode_choose", lang)
    metric = ui.option_label("map.metric_{}", others={"trend_class": "monitoring.map_metric"})
    assert metric("trend_class") == catalog_text(
        "monitoring.toml", "monitoring", "map_metric", lang
    )


# ---------------------------------------------------------------- flash, choices


def _flash_script() -> None:
    import streamlit as st

    from cop import ui

    ui.show_flash("demo")
    if st.button("save", key="save"):
        ui.flash("demo", "Stored 3 rows.")
    st.write("page drawn")


def test_flash_shows_the_message_once_after_the_rerun():
    at = AppTest.from_function(_flash_script).run()
    assert not at.success
    at.button(key="save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Stored 3 rows."]
    assert [m.value for m in at.markdown] == ["page drawn"]  # the rerun drew the page once
    at.run()
    assert not at.success


def _choice_script() -> None:
    import streamlit as st

    from cop import ui

    options = st.session_state.get("options", ["a", "b", "c"])
    ui.keep_choice("pick", options, preferred=st.session_state.get("preferred"))
    st.selectbox("pick", options, key="pick")


def test_keep_choice_replaces_a_value_that_is_no_longer_an_option():
    at = AppTest.from_function(_choice_script)
    at.session_state["preferred"] = "b"
    at.run()
    assert at.selectbox(key="pick").value == "b"
    at.selectbox(key="pick").set_value("c").run()
    assert at.selectbox(key="pick").value == "c"  # a valid choice is kept
    at.session_state["options"] = ["a", "b"]
    at.run()
    assert at.selectbox(key="pick").value == "b"  # "c" is gone: the preferred option
    at.session_state["options"] = ["x", "y"]
    at.run()
    assert at.selectbox(key="pick").value == "x"  # neither: the first option


def _table_script() -> None:
    import pandas as pd
    import streamlit as st

    from cop import ui

    st.session_state["lang"] = "nl"
    text = pd.DataFrame({"name": ["Groningen", None]}, dtype="string")
    numbers = pd.DataFrame({"name": ["Groningen", "Almere"], "count": [1234.5, None]})
    ui.show_table(text, None, key="text")
    ui.show_table(numbers, None, key="numbers")


def test_show_table_styles_only_tables_with_numbers_and_shows_empty_cells_as_a_dash():
    """A Styler costs ~15 µs per cell to send; a text-only table has nothing to format
    (the meeting preview's 3,500-row trend table paid 0.2 s per rerun for it)."""
    import io

    import pyarrow as pa

    at = AppTest.from_function(_table_script).run()
    assert not at.exception
    text, numbers = (frame.proto for frame in at.dataframe)
    assert not text.arrow_data.HasField("styler") and text.placeholder == "–"
    assert numbers.arrow_data.HasField("styler")
    styler = numbers.arrow_data.styler
    shown = pa.ipc.open_stream(io.BytesIO(styler.display_values)).read_all()
    assert shown.column(1).to_pylist() == ["1.234,5", "–"]


# ---------------------------------------------------------------- the flow on real pages


def signed_in(role: str, municipality: str | None = None) -> AppTest:
    """The app run once with an account of ``role`` signed in as the sidebar does."""
    engine = storage.make_engine()
    username = f"{role}_flash"
    if accounts.get_user(engine, username) is None:
        accounts.add_user(engine, username, "een-lang-wachtwoord-42", role, municipality)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.USER_KEY] = username
    at.session_state[ui.ROLE_KEY] = role
    at.session_state[ui.MUNICIPALITY_KEY] = municipality
    at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    return at.run()


@pytest.fixture
def fast_hashing(app_env, monkeypatch):
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    return app_env


def test_data_page_import_success_is_shown_once(fast_hashing):
    at = signed_in("coordinator")
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_table").select("resources").run()
    csv = b"id,title,kind,theme,level,url,description\n91,Zaadmengsels kiezen,guide,flower_verges,starter,,\n"
    at.get("file_uploader")[0].upload("nieuw.csv", csv, "text/csv").run()
    at.button(key="data_import").click().run()  # the preview first (issue 12), then confirm
    at.button(key="data_import_confirm").click().run()
    assert not at.exception
    assert len(at.success) == 1
    assert "nieuw.csv" in at.success[0].value and "resources" in at.success[0].value
    assert 91 in set(storage.read_table(storage.make_engine(), "resources")["id"])
    at.run()
    assert not at.success


def test_toolbox_links_saved_message_is_shown_once(fast_hashing):
    at = signed_in("coordinator")
    at.switch_page("pages/toolbox.py").run()
    resource_id = at.selectbox(key="toolbox_link_resource").value
    picker = at.multiselect(key=f"toolbox_links_{resource_id}")
    picker.set_value([picker.options[0]]).run()
    at.button(key="toolbox_save_links").click().run()
    assert not at.exception
    # the message is escaped for Markdown (the table name has an underscore)
    assert len(at.success) == 1 and "resource\\_usage" in at.success[0].value
    at.run()
    assert not at.success
    assert not at.error


def test_meeting_record_message_is_shown_once_and_a_refusal_is_explained(fast_hashing):
    at = signed_in("coordinator")
    at.switch_page("pages/meeting.py").run()
    at.selectbox(key="meeting_choice").set_value("new").run()
    at.button(key="meeting_rec_submit_new").click().run()  # no title: refused
    assert not at.exception and not at.success
    assert at.error and any(m.value.startswith("- ") for m in at.markdown)
    at.text_input(key="meeting_rec_title_new").input("Flash-test bijeenkomst")
    at.button(key="meeting_rec_submit_new").click().run()
    assert [s.value for s in at.success] == [catalog_text("meeting.toml", "meeting", "saved", "nl")]
    at.run()
    assert not at.success
