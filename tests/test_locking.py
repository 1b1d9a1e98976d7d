"""Optimistic locking (issue 12): two editors never overwrite each other silently.

Each "session" has its own engine (its own connections), as two app processes or two
browser sessions have; on the embedded SQLite file and on a real PostgreSQL server.
"""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest

from cop.access import editing
from cop.data import locking, storage
from cop.maturity.assessment import save_self_assessment
from cop.meetings.records import record_meeting
from tests.test_history import seeded

pytestmark = pytest.mark.postgres


@pytest.fixture
def sessions(db_url, tmp_path):
    """Two engines on one freshly seeded database: Anna's and Bob's."""
    first = seeded(db_url, tmp_path)
    second = storage.make_engine(db_url)
    yield first, second
    first.dispose()
    second.dispose()


def _save(engine, loaded, edited, actor):
    return editing.save_table_edit(
        engine, "contacts", edited, role="coordinator", original=loaded, actor=actor
    )


def _row(frame: pd.DataFrame, contact_id: int) -> pd.Series:
    return frame.set_index("id").loc[contact_id]


def test_the_second_save_of_the_same_row_is_refused_with_the_newer_values(sessions):
    anna, bob = sessions
    anna_loaded = storage.read_table(anna, "contacts")
    bob_loaded = storage.read_table(bob, "contacts")
    loaded_role = _row(bob_loaded, 1)["role"]
    anna_edit = anna_loaded.copy()
    anna_edit.loc[anna_edit["id"] == 1, "role"] = "Wethouder"
    bob_edit = bob_loaded.copy()
    bob_edit.loc[bob_edit["id"] == 1, ["role", "phone"]] = ["Boswachter", "010-2"]
    bob_copy = bob_edit.copy()

    assert _save(anna, anna_loaded, anna_edit, "anna").ok
    refused = _save(bob, bob_loaded, bob_edit, "bob")

    assert isinstance(refused, locking.ConflictReport) and not refused.ok
    (conflict,) = refused.conflicts
    assert conflict.key == (1,) and conflict.by == "anna"
    assert conflict.cells() == [("role", loaded_role, "Wethouder")]
    text = refused.messages("en")
    assert len(text) == 1 and text[0].startswith("Row 1, column 'role': someone else (anna, ")
    assert f"you loaded '{loaded_role}'" in text[0] and "(value: 'Wethouder')" in text[0]
    assert "Er is niets opgeslagen" in refused.messages("nl")[0]
    newer = refused.newer()
    assert newer["id"].tolist() == [1] and newer["role"].tolist() == ["Wethouder"]
    # nothing of Bob's save is stored; Anna's change stands; Bob's edits are untouched
    stored = _row(storage.read_table(anna, "contacts"), 1)
    assert (stored["role"], stored["phone"]) == ("Wethouder", _row(bob_loaded, 1)["phone"])
    pd.testing.assert_frame_equal(bob_edit, bob_copy)

    # "save my edits anyway": Bob's cells over Anna's row, then the save goes through
    loaded2, edited2 = locking.rebase("contacts", bob_loaded, bob_edit, refused)
    assert _row(loaded2, 1)["role"] == "Wethouder"
    assert _save(bob, loaded2, edited2, "bob").ok
    stored = _row(storage.read_table(anna, "contacts"), 1)
    assert (stored["role"], stored["phone"]) == ("Boswachter", "010-2")


def test_rebase_keeps_the_other_persons_change_to_cells_i_did_not_touch(sessions):
    anna, bob = sessions
    loaded = storage.read_table(anna, "contacts")
    anna_edit = loaded.copy()
    anna_edit.loc[anna_edit["id"] == 2, "phone"] = "030-1"
    bob_edit = loaded.copy()
    bob_edit.loc[bob_edit["id"] == 2, "role"] = "Ecoloog"
    assert _save(anna, loaded, anna_edit, "anna").ok
    refused = _save(bob, loaded, bob_edit, "bob")
    assert not refused.ok and [c.key for c in refused.conflicts] == [(2,)]

    loaded2, edited2 = locking.rebase("contacts", loaded, bob_edit, refused)
    assert _save(bob, loaded2, edited2, "bob").ok

    stored = _row(storage.read_table(bob, "contacts"), 2)
    assert (stored["role"], stored["phone"]) == ("Ecoloog", "030-1")


def test_different_rows_both_save(sessions):
    anna, bob = sessions
    loaded = storage.read_table(anna, "contacts")
    anna_edit = loaded.copy()
    anna_edit.loc[anna_edit["id"] == 1, "role"] = "Wethouder"
    bob_edit = loaded.copy()
    bob_edit.loc[bob_edit["id"] == 2, "role"] = "Ecoloog"
    assert _save(anna, loaded, anna_edit, "anna").ok
    assert _save(bob, loaded, bob_edit, "bob").ok
    stored = storage.read_table(anna, "contacts").set_index("id")["role"]
    assert (stored[1], stored[2]) == ("Wethouder", "Ecoloog")


def test_removed_meanwhile_and_changed_meanwhile_rows_refuse_edits_and_removals(sessions):
    anna, bob = sessions
    loaded = storage.read_table(anna, "contacts")
    assert _save(anna, loaded, loaded[loaded["id"] != 3], "anna").ok  # Anna removes 3
    bob_edit = loaded.copy()
    bob_edit.loc[bob_edit["id"] == 3, "role"] = "Ecoloog"
    refused = _save(bob, loaded, bob_edit, "bob")
    assert [(c.key, c.current) for c in refused.conflicts] == [((3,), None)]
    assert "removed this row since you loaded it" in refused.messages("en")[0]
    assert 3 not in set(storage.read_table(bob, "contacts")["id"])

    now = storage.read_table(anna, "contacts")
    anna_edit = now.copy()
    anna_edit.loc[anna_edit["id"] == 4, "role"] = "Wethouder"
    assert _save(anna, now, anna_edit, "anna").ok
    refused = _save(bob, now, now[now["id"] != 4], "bob")  # Bob removes the row Anna changed
    assert [c.key for c in refused.conflicts] == [(4,)]
    assert 4 in set(storage.read_table(bob, "contacts")["id"])


@pytest.mark.parametrize("writers", [4])
def test_simultaneous_saves_of_one_row_let_exactly_one_through(db_url, tmp_path, writers):
    """Every session loaded the same table and changes the same cell at the same moment:
    the check runs under the write lock, so exactly one save wins and the rest are refused."""
    seeded(db_url, tmp_path).dispose()
    engines = [storage.make_engine(db_url) for _ in range(writers)]
    loaded = storage.read_table(engines[0], "contacts")
    barrier = threading.Barrier(writers)
    results: dict[int, object] = {}

    def save(n: int) -> None:
        edited = loaded.copy()
        edited.loc[edited["id"] == 1, "role"] = f"schrijver {n}"
        barrier.wait()
        results[n] = _save(engines[n], loaded, edited, f"user{n}")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [n for n, report in results.items() if report.ok]
    assert len(results) == writers and len(winners) == 1
    losers = [r for n, r in results.items() if n not in winners]
    assert all(isinstance(r, locking.ConflictReport) for r in losers)
    assert {r.conflicts[0].by for r in losers} == {f"user{winners[0]}"}
    assert _row(storage.read_table(engines[0], "contacts"), 1)["role"] == f"schrijver {winners[0]}"
    for engine in engines:
        engine.dispose()


def test_a_save_without_what_was_loaded_is_not_checked(sessions):
    """Imports (and a form that adds a row) carry no loaded rows: they upsert as before."""
    anna, bob = sessions
    loaded = storage.read_table(anna, "contacts")
    anna_edit = loaded.copy()
    anna_edit.loc[anna_edit["id"] == 1, "role"] = "Wethouder"
    assert _save(anna, loaded, anna_edit, "anna").ok
    text = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
    text += "1,GM0047,Bram Mulder,Import,,,,True\n"
    assert storage.import_file(bob, "contacts", text.encode(), filename="c.csv").ok
    assert _row(storage.read_table(bob, "contacts"), 1)["role"] == "Import"


def test_two_forms_editing_one_meeting(sessions):
    anna, bob = sessions
    meetings = storage.read_table(anna, "meetings")
    loaded = meetings[meetings["id"] == 1]
    first = loaded.iloc[0]

    def record(engine, summary, actor):
        return record_meeting(
            engine,
            role="coordinator",
            date=first["date"].date(),
            title=first["title"],
            host_code=first["host_code"],
            themes=str(first["themes"]).split(";"),
            summary=summary,
            meeting_id=1,
            actor=actor,
            loaded=loaded,
        )

    assert record(anna, "Verslag van Anna", "anna").ok
    refused = record(bob, "Verslag van Bob", "bob")
    assert isinstance(refused, locking.ConflictReport)
    assert refused.newer()["summary"].tolist() == ["Verslag van Anna"]
    assert storage.read_table(bob, "meetings").set_index("id").at[1, "summary"] == (
        "Verslag van Anna"
    )


def test_two_self_assessments_of_one_municipality_and_year(sessions):
    anna, bob = sessions
    stored = storage.read_table(anna, "maturity")
    levels = dict.fromkeys(stored["dimension"].unique(), 2)

    def save(engine, level, actor):
        return save_self_assessment(
            engine,
            "GM0344",
            2026,
            dict.fromkeys(levels, level),
            role="coordinator",
            actor=actor,
            loaded=stored,  # both forms read the table before either saved
            today=dt.date(2026, 6, 1),
        )

    assert save(anna, 2, "anna").ok
    refused = save(bob, 4, "bob")
    assert isinstance(refused, locking.ConflictReport)
    assert len(refused.conflicts) == len(levels)
    assert "added a row with this key since you loaded it" in refused.messages("en")[0]
    now = storage.read_table(bob, "maturity")
    assert set(now[(now["municipality_code"] == "GM0344") & (now["year"] == 2026)]["level"]) == {2}
