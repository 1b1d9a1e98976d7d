"""The Data page's import preview, conflict handling and history (issue 12), driven in
AppTest with two signed-in coordinator sessions on one database."""

from __future__ import annotations

import pandas as pd
import pytest

from cop.access import accounts
from cop.data import history, storage
from tests.conftest import ROOT
from tests.test_access_pages import PASSWORD, frame_with, open_page

pytestmark = pytest.mark.postgres

HEADER = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def demo(request, app_env, monkeypatch):
    """The demo data with two coordinators, in the app's SQLite file or (``postgresql``) on
    a real PostgreSQL server the app reaches through ``DATABASE_URL``."""
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("DATABASE_URL", url)
        engine = storage.make_engine(url)
        storage.init_db(engine, ROOT / "data")
    else:
        engine = storage.make_engine(f"sqlite:///{app_env / 'cop.sqlite'}")
    accounts.add_user(engine, "coordinator1", PASSWORD, "coordinator")
    accounts.add_user(engine, "coordinator2", PASSWORD, "coordinator")
    yield {"engine": engine}
    engine.dispose()


def _contacts_page(demo, user: str = "coordinator1"):
    at = open_page("pages/data.py", "coordinator", demo)
    if user != "coordinator1":
        at.session_state["user"] = user
    at.selectbox(key="data_table").select("contacts").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _editor_key(at) -> str:
    """The editor's key: the table and the token of the load it shows (cop.ui.loaded_for_edit)."""
    return f"data_editor_contacts_{at.session_state['data_loaded_contacts']['token']}"


def _edit(at, row: int, column: str, value: object) -> None:
    """Type into the editor (its session-state edit state, as the browser sends it)."""
    key = _editor_key(at)
    at.session_state[key] = {
        "edited_rows": {row: {column: value}},
        "added_rows": [],
        "deleted_rows": [],
    }


def test_upload_shows_a_preview_and_stores_only_after_confirm(demo):
    engine = demo["engine"]
    contacts = storage.read_table(engine, "contacts").set_index("id")
    first = contacts.loc[1]
    row = f"1,{first['municipality_code']},{first['name']},Wethouder,{first['email']},"
    row += f"{first['phone']},{first['themes']},{first['show_to_members']}\n"
    data = (HEADER + row + "990,Den Haag,Noor Visser,Ecoloog,,,,True\n").encode()
    version = storage.data_version(engine)
    at = _contacts_page(demo)

    at.get("file_uploader")[0].upload("c.csv", data, "text/csv").run()
    at.button(key="data_import").click().run()

    assert not at.exception, [e.message for e in at.exception]
    assert "would add 1 rows, change 1 and remove 0" in at.info[0].value or (
        "zou 1 rijen toevoegen, 1 wijzigen" in at.info[0].value
    )
    changed = frame_with(at, "before")
    assert changed[["column", "before", "after"]].values.tolist() == [
        ["role", first["role"], "Wethouder"]
    ]
    resolved = frame_with(at, "code")
    assert resolved[["name", "code"]].values.tolist() == [["Den Haag", "GM0518"]]
    assert storage.data_version(engine) == version  # nothing stored yet

    at.button(key="data_import_confirm").click().run()

    assert not at.exception and at.success and "c.csv" in at.success[0].value
    stored = storage.read_table(engine, "contacts").set_index("id")
    assert stored.at[1, "role"] == "Wethouder" and stored.at[990, "municipality_code"] == "GM0518"
    batch = history.batches(engine).iloc[0]
    assert (batch["actor"], batch["source"], batch["added"], batch["changed"]) == (
        "coordinator1",
        "c.csv",
        1,
        1,
    )


def test_cancel_stores_nothing(demo):
    engine = demo["engine"]
    version = storage.data_version(engine)
    at = _contacts_page(demo)
    at.get("file_uploader")[0].upload(
        "c.csv", (HEADER + "990,GM0344,Noor,Ecoloog,,,,True\n").encode(), "text/csv"
    ).run()
    at.button(key="data_import").click().run()
    at.button(key="data_import_cancel").click().run()
    assert not at.exception
    assert "niets opgeslagen" in at.success[0].value  # the app speaks Dutch by default
    assert storage.data_version(engine) == version
    assert not [b for b in at.button if b.key == "data_import_confirm"]


def test_two_sessions_edit_one_row_the_second_sees_the_newer_values_and_keeps_its_edits(demo):
    engine = demo["engine"]
    anna = _contacts_page(demo)
    bob = _contacts_page(demo, "coordinator2")
    contacts = storage.read_table(engine, "contacts")
    first_role = contacts["role"].iloc[0]

    _edit(anna, 0, "role", "Wethouder")
    anna.run()
    anna.button(key="data_editor_save").click().run()
    assert not anna.exception and anna.success, [e.message for e in anna.exception]
    assert storage.read_table(engine, "contacts")["role"].iloc[0] == "Wethouder"

    _edit(bob, 0, "role", "Boswachter")
    bob.run()
    bob.button(key="data_editor_save").click().run()

    assert not bob.exception, [e.message for e in bob.exception]
    assert bob.warning and (
        "changed since you loaded" in bob.warning[0].value
        or ("gewijzigd sinds je de tabel laadde" in bob.warning[0].value)
    )
    problems = frame_with(bob, "problem")
    assert (
        "coordinator1" in problems["problem"].iloc[0] and first_role in problems["problem"].iloc[0]
    )
    newer = next(
        f.value for f in bob.dataframe if len(f.value) == 1 and "Wethouder" in f.value.to_csv()
    )
    assert newer is not None
    # Bob's edit is still in his editor (same key, same edit state), and nothing of his is stored
    assert bob.session_state[_editor_key(bob)]["edited_rows"] == {0: {"role": "Boswachter"}}
    assert storage.read_table(engine, "contacts")["role"].iloc[0] == "Wethouder"

    bob.button(key="data_editor_overwrite").click().run()

    assert not bob.exception and bob.success, [e.message for e in bob.exception]
    assert storage.read_table(engine, "contacts")["role"].iloc[0] == "Boswachter"
    actors = [c.actor for c in history.changes(engine, table="contacts", limit=2)]
    assert actors == ["coordinator2", "coordinator1"]


def test_history_tab_lists_changes_and_undoes_one(demo):
    engine = demo["engine"]
    at = _contacts_page(demo)
    first_role = storage.read_table(engine, "contacts")["role"].iloc[0]
    _edit(at, 0, "role", "Wethouder")
    at.run()
    at.button(key="data_editor_save").click().run()
    (change,) = history.changes(engine, table="contacts")

    changes = frame_with(at, "what")
    assert changes["change"].tolist()[0] == change.id
    assert f"role: '{first_role}' → 'Wethouder'" in changes["what"].iloc[0]
    at.selectbox(key="data_history_change_contacts").select(change.id).run()
    at.button(key="data_history_undo_change").click().run()

    assert not at.exception and at.success, [e.message for e in at.exception]
    assert f"{change.id}" in at.success[0].value
    assert storage.read_table(engine, "contacts")["role"].iloc[0] == first_role
    # undoing it again is refused with the reason, nothing changes
    at.selectbox(key="data_history_change_contacts").select(change.id).run()
    at.button(key="data_history_undo_change").click().run()
    assert at.error and (
        "already been undone" in at.error[0].value or ("al ongedaan gemaakt" in at.error[0].value)
    )
    assert storage.read_table(engine, "contacts")["role"].iloc[0] == first_role


def test_history_tab_undoes_a_whole_import(demo):
    engine = demo["engine"]
    before = storage.read_table(engine, "contacts")
    text = HEADER + "990,GM0344,Noor Visser,Ecoloog,,,,True\n991,Den Haag,Sem,Beleid,,,,True\n"
    assert storage.import_file(engine, "contacts", text.encode(), filename="c.csv").ok
    at = _contacts_page(demo)
    batch_id = history.batches(engine).iloc[0]["batch_id"]
    assert at.selectbox(key="data_history_batch").value == batch_id  # the newest first
    assert sorted(frame_with(at, "what")["record"].str.contains("Noor Visser|Sem"))[-2:] == [
        True,
        True,
    ]

    at.button(key="data_history_undo_batch").click().run()

    assert not at.exception and at.success, [e.message for e in at.exception]
    assert history.short_batch(batch_id) in at.success[0].value
    pd.testing.assert_frame_equal(storage.read_table(engine, "contacts"), before)


def test_an_editor_without_edits_shows_what_another_session_saved(demo):
    engine = demo["engine"]
    at = _contacts_page(demo)
    old_key = _editor_key(at)
    text = HEADER + "990,GM0344,Noor Visser,Ecoloog,,,,True\n"
    assert storage.import_file(engine, "contacts", text.encode(), filename="c.csv").ok

    at.run()

    assert _editor_key(at) != old_key
    assert 990 in set(at.data_editor[0].value["id"])


def test_meeting_form_refuses_a_save_over_a_newer_summary_and_keeps_the_typed_text(demo):
    engine = demo["engine"]
    at = open_page("pages/meeting.py", "coordinator", demo)
    at.selectbox(key="meeting_choice").set_value(1).run()
    at.text_area(key="meeting_rec_summary_1").input("Verslag van deze sessie")
    meetings = storage.read_table(engine, "meetings")  # another coordinator saves first
    other = meetings[meetings["id"] == 1].assign(summary="Verslag van de ander")
    storage.write(engine, [storage.TableWrite("meetings", other)], actor="ander", source="form")

    at.button(key="meeting_rec_submit_1").click().run()

    assert not at.exception, [e.message for e in at.exception]
    assert at.warning and "ander" in frame_with(at, "problem")["problem"].iloc[0]
    stored = storage.read_table(engine, "meetings").set_index("id")
    assert stored.at[1, "summary"] == "Verslag van de ander"
    assert at.text_area(key="meeting_rec_summary_1").value == "Verslag van deze sessie"
    # saving again, having seen theirs, puts this session's text over it
    at.button(key="meeting_rec_submit_1").click().run()
    assert storage.read_table(engine, "meetings").set_index("id").at[1, "summary"] == (
        "Verslag van deze sessie"
    )
