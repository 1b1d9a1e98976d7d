"""AppTest of "Bijeenkomst voorbereiden" and "Toolbox": content, downloads, coordinator forms."""

import io
import re
import time

import openpyxl
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from cop.access import accounts
from cop.data import storage
from cop.meetings import layout
from tests.conftest import make_app


def _as_coordinator(at):
    """Sign a coordinator in the way the sidebar does (a role alone is never trusted)."""
    engine = storage.make_engine()
    if accounts.get_user(engine, "coordinator") is None:
        accounts.add_user(engine, "coordinator", "een-lang-wachtwoord-42", "coordinator")
    at.session_state["user"] = "coordinator"
    at.session_state["role"] = "coordinator"
    at.session_state["signed_in_at"] = time.time()
    return at


class Downloads(dict):
    """File name -> bytes of every download of the runs; a deferred one (built when the
    button is clicked) is built as a click would, when the test asks for it."""

    def __init__(self) -> None:
        super().__init__()
        self.deferred: dict[str, object] = {}

    def __getitem__(self, name: str) -> bytes:
        if not dict.__contains__(self, name) and name in self.deferred:
            data = self.deferred[name]()
            self[name] = data.encode() if isinstance(data, str) else data
        return dict.__getitem__(self, name)


@pytest.fixture
def downloads(monkeypatch):
    files = Downloads()
    original = MemoryMediaFileStorage.load_and_get_id
    original_deferred = MediaFileManager.add_deferred

    def spy(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes) and filename:
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    def spy_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        if file_name:
            files.deferred[file_name] = data_callable
        return original_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", spy)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    return files


def test_meeting_page_previews_the_brief_for_the_next_meeting(app_env, downloads):
    at = make_app("pages/meeting.py")
    assert not at.exception
    assert at.selectbox(key="meeting_choice").value == 5  # 10 december 2026, upcoming first
    headers = [h.value for h in at.subheader]
    assert "Open hulpvragen" in headers and "Wat is er veranderd?" in headers
    assert "Biodiversiteit en Gemeenten: koplopers per thema" in headers  # the yearly event
    editor = at.dataframe[0]  # the agenda editor
    assert "meeting_agenda" in editor.proto.id
    assert editor.value["item"].iloc[0] == "Opening en kennismaking"
    markdown = downloads["bijeenkomst_2026-12-10.md"].decode("utf-8")
    assert "10 december 2026" in markdown and "Demodata" in markdown
    assert "1. Opening en kennismaking" in markdown
    assert "bijeenkomst_2026-12-10.docx" not in downloads  # built only when clicked
    assert "bijeenkomst_2026-12-10.docx" in downloads.deferred
    assert not any(b.proto.label == "Bijeenkomst opslaan" for b in at.get("button"))
    assert "Bijeenkomst vastleggen" not in headers  # a visitor does not record meetings


def test_meeting_page_offers_the_brief_one_workbook_and_one_csv(app_env, downloads):
    """Seven downloads instead of two per table: the brief in three formats, one workbook
    with a sheet per table (all rows), one CSV of a chosen table, and the meetings table."""
    at = make_app("pages/meeting.py")
    keys = sorted(b.proto.id.split("-")[-1] for b in at.get("download_button"))
    brief_keys = [f"meeting_download_{f}" for f in ("csv", "docx", "md", "pdf", "xlsx")]
    assert [k for k in keys if k.startswith("meeting_download_")] == brief_keys
    assert len(keys) == 7  # the two others belong to the recorded meetings table

    markdown = downloads["bijeenkomst_2026-12-10.md"].decode("utf-8")
    shown = re.search(r"… en nog (\d+) rijen", markdown)
    assert shown, "the demo brief has a long trends table that the documents cut short"
    book = openpyxl.load_workbook(io.BytesIO(downloads["bijeenkomst_2026-12-10.xlsx"]))
    assert "Hulpvragen" in book.sheetnames and "Koplopers" in book.sheetnames
    trends = book["Veranderde trends"]
    assert trends.cell(1, 1).value == "Gemeente"
    # the workbook has every row: the 25 the documents print and the rest they refer to
    assert trends.max_row - 1 == layout.MAX_ROWS + int(shown.group(1))

    first = downloads["bijeenkomst_2026-12-10_help_questions.csv"].decode("utf-8-sig")
    assert first.splitlines()[0].startswith("Gesteld op;Gemeente;Thema;Vraag")
    at.selectbox(key="meeting_csv_table").set_value("Veranderde trends").run()
    rows = downloads["bijeenkomst_2026-12-10_trends.csv"].decode("utf-8-sig").splitlines()
    assert len(rows) - 1 == trends.max_row - 1


def test_meeting_page_does_not_send_the_user_to_itself(app_env):
    """The preview shows whole tables; no text points to "the downloads on the page
    Bijeenkomst voorbereiden" while the user is on it."""
    for lang in ("nl", "en"):
        at = make_app("pages/meeting.py", lang=lang)
        texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
        assert not [t for t in texts if "Bijeenkomst voorbereiden" in t or "Prepare a" in t]
        assert not [t for t in texts if "… en nog" in t or "more rows" in t]


def test_coordinator_records_a_new_meeting(app_env):
    at = _as_coordinator(make_app())
    at.switch_page("pages/meeting.py").run()
    assert any(h.value == "Bijeenkomst vastleggen" for h in at.header)
    at.selectbox(key="meeting_choice").set_value("new").run()
    at.text_input(key="meeting_rec_title_new").input("Evaluatie tegelwippen")
    at.text_area(key="meeting_rec_summary_new").input("Verslag: drie gemeenten delen cijfers.")
    at.multiselect(key="meeting_rec_themes_new").set_value(["depaving"])
    at.button(key="meeting_rec_submit_new").click().run()
    assert not at.exception
    stored = storage.read_table(storage.make_engine(), "meetings")
    row = stored[stored["title"] == "Evaluatie tegelwippen"]
    assert len(row) == 1 and row.iloc[0]["themes"] == "depaving"
    assert row.iloc[0]["summary"] == "Verslag: drie gemeenten delen cijfers."
    assert any("opgeslagen" in s.value for s in at.success)


def test_toolbox_filters_and_shows_practices_that_used_a_resource(app_env):
    at = make_app("pages/toolbox.py")
    assert not at.exception
    at.multiselect(key="toolbox_kinds").set_value(["guide"]).run()
    shown = at.dataframe[0].value
    assert set(shown["Soort"]) == {"Handreiking"} and "Gebruikt in praktijken" in shown.columns
    used = at.dataframe[1].value
    assert len(used) == int(shown["Gebruikt in praktijken"].sum())
    assert len(at.get("download_button")) == 4
    assert not any(h.value == "Toolbox bijwerken" for h in at.header)


def test_downloaded_toolbox_table_neutralises_formulas(app_env, downloads):
    engine = storage.make_engine()
    csv = (
        b"id,title,kind,theme,level,url,description\n"
        b'90,"=HYPERLINK(""http://x"")",tool,depaving,starter,,@SUM(A1)\n'
    )
    assert storage.import_file(engine, "resources", csv, filename="r.csv").ok
    at = make_app("pages/toolbox.py")
    at.text_input(key="toolbox_search").input("hyperlink").run()
    text = downloads["cop_toolbox.csv"].decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert "\n=HYPERLINK" not in text


def test_coordinator_links_a_practice_to_a_resource(app_env):
    at = _as_coordinator(make_app())
    at.switch_page("pages/toolbox.py").run()
    assert any(h.value == "Toolbox bijwerken" for h in at.header)
    resource_id = at.selectbox(key="toolbox_link_resource").value
    picker = at.multiselect(key=f"toolbox_links_{resource_id}")
    first = picker.options[0]
    at.multiselect(key=f"toolbox_links_{resource_id}").set_value([first]).run()
    at.button(key="toolbox_save_links").click().run()
    assert not at.exception
    links = storage.read_table(storage.make_engine(), "resource_usage")
    mine = links[links["resource_id"] == resource_id]
    assert len(mine) == 1
