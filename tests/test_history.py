"""History and undo (issue 12): every write path is recorded, undo puts rows back as a new
change and refuses when the record changed since; on SQLite and on a real PostgreSQL server.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.access import editing
from cop.cli import main as cli_main
from cop.data import history, storage, undo
from cop.maturity.assessment import save_self_assessment
from cop.meetings.records import record_meeting
from cop.peers.questions import post_help_question
from tests.conftest import ROOT

pytestmark = pytest.mark.postgres

CONTACTS = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
# contact 1 of the shipped data with another role (and, with {phone}, another phone)
BRAM = (
    "1,GM0047,Bram Mulder,{role},bram.mulder@veendam.example,{phone},"
    "dark_sky_lighting;depaving;policy_vision,True\n"
)


def bram(role: str = "Wethouder", phone: str = "06-91 834 370") -> str:
    return BRAM.format(role=role, phone=phone)


def seeded(db_url: str, folder: Path) -> sa.engine.Engine:
    """Every shipped table except the (big) monitoring one, loaded as the first batch."""
    seed = folder / "seed"
    seed.mkdir()
    for path in (ROOT / "data").glob("*.csv"):
        if path.stem != "monitoring":
            shutil.copy(path, seed / path.name)
    engine = storage.make_engine(db_url)
    storage.init_db(engine, seed)
    return engine


@pytest.fixture
def engine(db_url, tmp_path):
    engine = seeded(db_url, tmp_path)
    yield engine
    engine.dispose()


def _contacts(engine) -> pd.DataFrame:
    return storage.read_table(engine, "contacts").set_index("id")


def _import_contacts(engine, text: str, *, actor: str = "anna", replace: bool = False):
    report = storage.import_file(
        engine,
        "contacts",
        (CONTACTS + text).encode(),
        filename="c.csv",
        replace=replace,
        actor=actor,
    )
    assert report.ok, report.messages("en")
    return report.outcome


# ---------------------------------------------------------------- recording


def test_the_first_load_is_one_batch_without_rows_and_cannot_be_undone(engine):
    found = history.batches(engine)
    assert len(found) == 1
    first = found.iloc[0]
    assert first["actor"] == "system" and first["source"] == "init:seed"
    assert first["added"] == sum(count for name, count in storage.table_counts(engine).items())
    assert history.changes(engine) == []
    result = undo.undo_batch(engine, first["batch_id"], actor="anna")
    assert not result.ok and result.refusal == "history.no_rows"
    assert "first load" in result.message("en") and "eerste vulling" in result.message("nl")


def test_every_write_path_records_who_which_record_and_before_and_after(engine):
    before = _contacts(engine).loc[1]
    # an import (as the command line names its user)
    _import_contacts(engine, bram(), actor="cli:deploy")
    # the table editor
    shown = storage.read_table(engine, "contacts")
    edited = shown.copy()
    edited.loc[edited["id"] == 2, "phone"] = "010-1234567"
    assert editing.save_table_edit(
        engine, "contacts", edited, role="coordinator", original=shown, actor="bob"
    ).ok
    # forms: a help question, a meeting, a self-assessment, toolbox links
    question = post_help_question(
        engine,
        "GM0344",
        "depaving",
        "Hoe ontharden jullie schoolpleinen samen met ouders?",
        role="coordinator",
        actor="carla",
        today=dt.date(2026, 3, 1),
    )
    assert question.ok, question.messages("en")
    meeting = record_meeting(
        engine, role="coordinator", date=dt.date(2026, 5, 1), title="Voorjaar", actor="dirk"
    )
    assert meeting.ok, meeting.messages("en")
    levels = dict.fromkeys(storage.read_table(engine, "maturity")["dimension"].unique(), 3)
    assessment = save_self_assessment(
        engine,
        "GM0344",
        2026,
        levels,
        role="coordinator",
        actor="eva",
        today=dt.date(2026, 6, 1),
    )
    assert assessment.ok, assessment.messages("en")
    assert editing.save_links(engine, 1, [1, 2], role="coordinator", actor="fenna").ok

    found = history.changes(engine, limit=None, newest_first=False)
    by_source = {}
    for change in found:
        by_source.setdefault((change.actor, change.source, change.table), []).append(change)
    import_change = by_source[("cli:deploy", "c.csv", "contacts")]
    assert [(c.kind, c.key, c.before, c.after) for c in import_change] == [
        ("update", (1,), {"role": before["role"]}, {"role": "Wethouder"})
    ]
    (edit,) = by_source[("bob", "editor", "contacts")]
    assert (edit.kind, edit.key, edit.after) == ("update", (2,), {"phone": "010-1234567"})
    (asked,) = by_source[("carla", "help_question", "help_questions")]
    assert asked.kind == "insert" and asked.key == (int(question.frame["id"].iloc[0]),)
    assert asked.after["question"].startswith("Hoe ontharden")
    (met,) = by_source[("dirk", "meeting_form", "meetings")]
    assert met.kind == "insert" and met.after["title"] == "Voorjaar"
    scored = by_source[("eva", "self-assessment", "maturity")]
    assert len(scored) == len(levels) and {c.key[:2] for c in scored} == {("GM0344", 2026)}
    links = by_source[("fenna", "editor", "resource_usage")]
    stored_before = set(
        pd.read_csv(ROOT / "data" / "resource_usage.csv").query("resource_id == 1")["measure_id"]
    )
    assert {c.key for c in links if c.kind == "insert"} == {(1, m) for m in {1, 2} - stored_before}
    assert {c.key for c in links if c.kind == "delete"} == {(1, m) for m in stored_before - {1, 2}}
    # one record's history, newest first, and the batch list names who and what
    record = history.changes(engine, table="contacts", key=(1,))
    assert [c.actor for c in record] == ["cli:deploy"]
    batches = history.batches(engine)
    assert list(batches["actor"][:6]) == ["fenna", "eva", "dirk", "carla", "bob", "cli:deploy"]


def test_a_refused_or_dry_run_write_records_nothing(engine):
    count = len(history.batches(engine))
    bad = CONTACTS + "1,GM9999,Bram,Wethouder,,,,True\n"
    report = storage.import_file(engine, "contacts", bad.encode(), filename="b.csv")
    assert not report.ok
    frame = _contacts(engine).reset_index().iloc[:1].assign(role="Nieuw")
    outcome = storage.write(
        engine, [storage.TableWrite("contacts", frame)], actor="a", source="s", dry_run=True
    )
    assert outcome.counts()["changed"] == 1 and not outcome.applied
    assert len(history.batches(engine)) == count and history.changes(engine) == []


# ---------------------------------------------------------------- undo


def test_undo_one_change_puts_the_old_cells_back_as_a_recorded_change(engine):
    old_role = _contacts(engine).at[1, "role"]
    _import_contacts(engine, bram())
    (change,) = history.changes(engine, table="contacts", key=(1,))

    result = undo.undo_change(engine, change.id, actor="bob")

    assert result.ok, result.message("en")
    assert _contacts(engine).at[1, "role"] == old_role
    assert result.message("en").startswith(f"Change {change.id} was undone: 0 rows put back, 1")
    latest = history.changes(engine, table="contacts", key=(1,))[0]
    assert (latest.actor, latest.reverts, latest.source) == ("bob", change.id, f"undo:{change.id}")
    assert latest.after == {"role": old_role} and latest.before == {"role": "Wethouder"}
    # the same change again: already undone, and nothing changes
    version = storage.data_version(engine)
    again = undo.undo_change(engine, change.id, actor="bob")
    assert not again.ok and again.refusal == "history.already_undone"
    assert f"already been undone, by change {latest.id}" in again.message("en")
    assert storage.data_version(engine) == version
    # undoing the undo brings the edit back
    assert undo.undo_change(engine, latest.id, actor="bob").ok
    assert _contacts(engine).at[1, "role"] == "Wethouder"


def test_undo_refuses_when_the_record_was_changed_again_and_names_that_change(engine):
    _import_contacts(engine, bram(), actor="anna")
    (first,) = history.changes(engine, table="contacts", key=(1,))
    _import_contacts(engine, bram(phone="010-99"), actor="bob")
    later = history.changes(engine, table="contacts", key=(1,))[0]
    stored = _contacts(engine)
    version = storage.data_version(engine)

    result = undo.undo_change(engine, first.id, actor="carla")

    assert not result.ok and result.refusal == "history.changed_since"
    text = result.message("en")
    assert f"Change {first.id} was not undone" in text
    assert f"change {later.id} by bob" in text and "phone: '06-91 834 370' → '010-99'" in text
    assert "Nothing was changed" in text and "Er is niets gewijzigd" in result.message("nl")
    pd.testing.assert_frame_equal(_contacts(engine), stored)
    assert storage.data_version(engine) == version
    # undo the later change first, then the first one goes through
    assert undo.undo_change(engine, later.id, actor="carla").ok
    assert undo.undo_change(engine, first.id, actor="carla").ok
    assert _contacts(engine).at[1, "role"] == "Projectleider biodiversiteit"


def test_undo_a_replace_import_brings_back_removed_rows_and_their_links(engine):
    contacts = storage.read_table(engine, "contacts")
    resources = storage.read_table(engine, "resources")
    links = storage.read_table(engine, "resource_usage")
    kept = resources.iloc[:3]
    report = storage.import_frame_report(
        engine,
        "resources",
        storage.validate_frame(
            kept.assign(title=kept["title"] + " (nieuw)"), "resources", known_codes=None
        ),
        replace=True,
        actor="anna",
    )
    assert report.ok, report.messages("en")
    gone_links = len(links) - int(links["resource_id"].isin(kept["id"]).sum())
    assert report.outcome.tables["resources"].counts()["removed"] == len(resources) - 3
    assert report.outcome.tables["resource_usage"].counts()["removed"] == gone_links > 0
    assert len(storage.read_table(engine, "resource_usage")) == len(links) - gone_links
    batch = history.batches(engine).iloc[0]
    assert (batch["removed"], batch["changed"]) == (len(resources) - 3 + gone_links, 3)

    result = undo.undo_batch(engine, batch["batch_id"], actor="bob")

    assert result.ok, result.message("en")
    pd.testing.assert_frame_equal(storage.read_table(engine, "resources"), resources)
    pd.testing.assert_frame_equal(storage.read_table(engine, "resource_usage"), links)
    pd.testing.assert_frame_equal(storage.read_table(engine, "contacts"), contacts)
    undone = history.batches(engine).iloc[0]
    assert undone["reverts_batch"] == batch["batch_id"] and undone["actor"] == "bob"
    assert (undone["added"], undone["changed"]) == (batch["removed"], 3)
    again = undo.undo_batch(engine, batch["batch_id"], actor="bob")
    assert not again.ok and again.refusal == "history.batch_already_undone"


def test_undo_a_batch_refuses_as_a_whole_when_one_record_changed_since(engine):
    _import_contacts(
        engine,
        bram() + "80,GM0344,Nieuw Contact,Ecoloog,,,,True\n",
        actor="anna",
    )
    batch_id = history.batches(engine).iloc[0]["batch_id"]
    _import_contacts(engine, "80,GM0344,Nieuw Contact,Boswachter,,,,True\n", actor="bob")
    stored = _contacts(engine)

    result = undo.undo_batch(engine, batch_id, actor="carla")

    assert not result.ok and result.refusal == "history.changed_since"
    assert "Nieuw Contact" in result.message("en") and "by bob" in result.message("en")
    pd.testing.assert_frame_equal(_contacts(engine), stored)


def test_undo_of_a_row_the_database_numbered_removes_it(engine):
    report = post_help_question(
        engine,
        "GM0344",
        "depaving",
        "Welke tegels wippen jullie het eerst bij ontharden?",
        role="coordinator",
        actor="carla",
    )
    new_id = int(report.frame["id"].iloc[0])
    (change,) = history.changes(engine, table="help_questions", key=(new_id,))
    assert undo.undo_change(engine, change.id, actor="carla").ok
    assert new_id not in set(storage.read_table(engine, "help_questions")["id"])


def test_unknown_change_and_batch_say_so(engine):
    assert undo.undo_change(engine, 987654, actor="a").refusal == "history.no_change"
    missing = undo.undo_batch(engine, "0" * 32, actor="a")
    assert missing.refusal == "history.no_batch" and "does not exist" in missing.message("en")


# ---------------------------------------------------------------- the command line


def test_cli_history_and_undo(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("COP_DATA_DIR", str(tmp_path))
    engine = seeded(db_url, tmp_path)
    path = tmp_path / "c.csv"
    path.write_text(CONTACTS + bram(), encoding="utf-8")
    assert cli_main.main(["import", "contacts", str(path)]) == 0
    capsys.readouterr()
    assert cli_main.main(["history", "--table", "contacts", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    (change,) = history.changes(engine, table="contacts")
    assert "Bram Mulder" in out and "'Wethouder'" in out and str(change.id) in out
    assert change.actor.startswith("cli")
    assert cli_main.main(["history", "--batches"]) == 0
    assert history.short_batch(change.batch_id) in capsys.readouterr().out

    assert cli_main.main(["undo", str(change.id)]) == 0
    assert f"Change {change.id} was undone" in capsys.readouterr().out
    assert _contacts(engine).at[1, "role"] == "Projectleider biodiversiteit"
    assert cli_main.main(["undo", str(change.id)]) == 2
    assert "already been undone" in capsys.readouterr().err
    assert cli_main.main(["undo", "--batch", history.short_batch(change.batch_id)]) == 2
    assert cli_main.main(["--lang", "nl", "undo", "--batch", "zzzz"]) == 2
    assert "Geen (of meer dan één) import" in capsys.readouterr().err
    engine.dispose()


def test_undo_a_self_assessment_restores_the_previous_levels_of_a_composite_key(engine):
    stored = storage.read_table(engine, "maturity")
    code, year = stored.iloc[0][["municipality_code", "year"]]
    old = stored[(stored["municipality_code"] == code) & (stored["year"] == year)]
    levels = {
        d: 1 if level != 1 else 2 for d, level in zip(old["dimension"], old["level"], strict=True)
    }
    report = save_self_assessment(
        engine, code, int(year), levels, role="coordinator", actor="eva", today=dt.date(2026, 1, 1)
    )
    assert report.ok, report.messages("en")
    batch_id = history.batches(engine).iloc[0]["batch_id"]
    keys = {c.key for c in history.batch_changes(engine, batch_id)}
    assert keys == {(code, int(year), d) for d in old["dimension"]}

    assert undo.undo_batch(engine, batch_id, actor="eva").ok

    pd.testing.assert_frame_equal(storage.read_table(engine, "maturity"), stored)


def test_a_photo_removed_by_mistake_comes_back_byte_for_byte(engine):
    """Binary cells (photos) are recorded too, and an undo puts the very bytes back."""
    import io

    from PIL import Image

    from cop.data import writes

    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), (10, 120, 30)).save(buffer, format="PNG")
    picture = buffer.getvalue()
    row = {
        "id": 1,
        "measure_id": int(storage.read_table(engine, "measures")["id"].iloc[0]),
        "mime": "image/png",
        "width": 3,
        "height": 2,
        "caption": "Bloemrijke berm",
        "data": picture,
        "uploaded_by": "anna",
        "uploaded_at": pd.Timestamp("2026-11-30"),
        "review_state": "published",
    }
    frame = pd.DataFrame([row])
    writes.write(engine, [writes.TableWrite("photos", frame)], actor="anna", source="test")
    writes.write(
        engine,
        [writes.TableWrite("photos", frame.iloc[:0], delete=frame[["id"]])],
        actor="anna",
        source="test",
    )
    assert storage.read_table(engine, "photos").empty
    (removal, added) = history.changes(engine, table="photos", key=(1,))
    assert added.after["data"] == picture and removal.before["data"] == picture

    assert undo.undo_change(engine, removal.id, actor="bob").ok
    back = storage.read_table(engine, "photos", blobs=True)
    assert bytes(back["data"].iloc[0]) == picture and back["caption"].iloc[0] == "Bloemrijke berm"
