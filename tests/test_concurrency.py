"""Writes that never lose a row: simultaneous writers in separate processes, on both engines.

Issue 11: two ``python -m cop import measures`` at once each added a row, both exited 0,
and one row was gone (on PostgreSQL the second often crashed with a ``UniqueViolation``);
two help questions posted at once got the same id. Here eight spawned processes (see
``tests/concurrency_workers.py``) write at the same moment, round after round, through
the command line and the help-question form, on SQLite and on a real PostgreSQL server;
afterwards every row must be there with the values its last writer gave it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cop.access import editing
from cop.data import storage
from cop.data.bulk import db_rows, upsert
from cop.data.schema import coerce_types
from cop.data.transactions import locked
from tests import concurrency_workers as workers
from tests.conftest import ROOT

pytestmark = pytest.mark.postgres

WRITERS = 8
ROUNDS = 20
FIRST_ID = 1000
HEADER = "id,municipality_code,title,theme,status,updated_at\n"


@pytest.fixture(scope="module")
def pool():
    """Eight writer processes, spawned once for every test of this module."""
    with workers.spawned_pool(WRITERS) as processes:
        yield processes


def _seeded(db_url: str, folder: Path) -> sa.engine.Engine:
    """The 342 municipalities and the demo help questions, nothing else."""
    seed = folder / "seed"
    seed.mkdir()
    for name in ("municipalities", "help_questions"):
        shutil.copy(ROOT / "data" / f"{name}.csv", seed / f"{name}.csv")
    engine = storage.make_engine(db_url)
    storage.init_db(engine, seed)
    return engine


def _round_rows(writer: int, round_: int) -> list[dict[str, object]]:
    """Writer ``writer``'s rows of one round: a new measure, and its previous one retitled."""
    rows = [_measure(_measure_id(writer, round_), f"w{writer} r{round_} new", "idea")]
    if round_:
        previous = _measure_id(writer, round_ - 1)
        rows.append(_measure(previous, f"w{writer} r{round_} update", "planned"))
    return rows


def _measure(measure_id: int, title: str, status: str) -> dict[str, object]:
    return {
        "id": measure_id,
        "municipality_code": "GM0344",
        "title": title,
        "theme": "depaving",
        "status": status,
        "updated_at": pd.Timestamp("2025-01-02"),
    }


def _measure_id(writer: int, round_: int) -> int:
    return FIRST_ID + round_ * WRITERS + writer


def _expected_titles(rounds: int) -> dict[int, str]:
    """Each writer's rows after ``rounds`` rounds: retitled by the next round, if any."""
    expected = {}
    for writer in range(WRITERS):
        for round_ in range(rounds):
            if round_ + 1 < rounds:
                expected[_measure_id(writer, round_)] = f"w{writer} r{round_ + 1} update"
            else:
                expected[_measure_id(writer, round_)] = f"w{writer} r{round_} new"
    return expected


def test_simultaneous_writers_keep_every_row(db_url, tmp_path, pool):
    """8 processes x 20 rounds, each adding one row and changing its previous one."""
    engine = _seeded(db_url, tmp_path)
    version = storage.data_version(engine)
    for round_ in range(ROUNDS):
        tasks = [(db_url, _round_rows(w, round_)) for w in range(WRITERS)]
        expected_counts = {"added": 1, "changed": 1 if round_ else 0, "removed": 0, "unchanged": 0}
        for applied, counts in pool.starmap(workers.write_measures, tasks):
            assert applied and counts == expected_counts
    stored = storage.read_table(engine, "measures").set_index("id")
    expected = _expected_titles(ROUNDS)
    assert stored["title"].to_dict() == expected
    assert stored["status"].to_dict() == {
        key: "planned" if "update" in title else "idea" for key, title in expected.items()
    }
    # every write bumped the data version once: no increment was lost either
    assert storage.data_version(engine) == version + WRITERS * ROUNDS
    engine.dispose()


def test_simultaneous_cli_imports_all_succeed_without_a_traceback(db_url, tmp_path, pool):
    """The command line the issue ran: ``python -m cop import measures`` eight times at once
    (once the second of two crashed with a ``UniqueViolation`` on PostgreSQL)."""
    engine = _seeded(db_url, tmp_path)
    rounds = 3
    for round_ in range(rounds):
        tasks = []
        for writer in range(WRITERS):
            path = tmp_path / f"w{writer}-r{round_}.csv"
            pd.DataFrame(_round_rows(writer, round_)).to_csv(path, index=False)
            tasks.append((db_url, str(tmp_path), ["import", "measures", str(path)]))
        for code, out, err in pool.starmap(workers.cli, tasks):
            assert "Traceback" not in err, err
            assert code == 0, (round_, out, err)
            assert "Stored: 1 added" in out
    stored = storage.read_table(engine, "measures").set_index("id")
    assert stored["title"].to_dict() == _expected_titles(rounds)
    engine.dispose()


def test_simultaneous_help_questions_get_their_own_database_ids(db_url, tmp_path, pool):
    engine = _seeded(db_url, tmp_path)
    before = storage.read_table(engine, "help_questions")
    today = dt.date(2026, 3, 1)
    posted: dict[int, str] = {}
    for round_ in range(3):
        texts = [f"Vraag {round_}-{w}: hoe doen jullie dat?" for w in range(WRITERS)]
        tasks = [(db_url, "GM0344", text, today) for text in texts]
        for text, (new_id, messages) in zip(
            texts, pool.starmap(workers.post_question, tasks), strict=True
        ):
            assert new_id is not None, messages
            posted[new_id] = text
    assert len(posted) == 3 * WRITERS  # every post got an id of its own
    assert min(posted) > int(before["id"].max())  # never one of the imported ids
    stored = storage.read_table(engine, "help_questions").set_index("id")
    assert len(stored) == len(before) + 3 * WRITERS
    assert {i: stored.at[i, "question"] for i in posted} == posted
    engine.dispose()


def test_removing_a_municipality_while_it_is_being_used_leaves_no_dangling_code(
    db_url, tmp_path, pool
):
    """One writer replaces the municipalities without code X while seven add measures of X:
    whichever commits first wins, the others are refused with exit 2 and a message."""
    engine = _seeded(db_url, tmp_path)
    towns = pd.read_csv(ROOT / "data" / "municipalities.csv", dtype=str)
    codes = ["GM0014", "GM0034", "GM0037"]
    for round_, code in enumerate(codes):
        without = tmp_path / f"towns-{round_}.csv"
        towns[towns["code"] != code].to_csv(without, index=False)
        tasks = [(db_url, str(tmp_path), ["import", "municipalities", str(without), "--replace"])]
        for writer in range(1, WRITERS):
            path = tmp_path / f"uses-{round_}-{writer}.csv"
            row = f"{5000 + round_ * WRITERS + writer},{code},Gebruikt {code},depaving,idea,2025-01-02"
            path.write_text(HEADER + row + "\n", encoding="utf-8")
            tasks.append((db_url, str(tmp_path), ["import", "measures", str(path)]))
        results = pool.starmap(workers.cli, tasks)
        for exit_code, _, err in results:
            assert "Traceback" not in err, err
            assert exit_code in (0, 2), err
            assert exit_code == 0 or "Nothing was stored" in err
        removed = results[0][0] == 0
        stored_codes = storage.known_codes(engine)
        used = set(storage.read_table(engine, "measures")["municipality_code"])
        assert used <= stored_codes  # never a measure of a municipality that is gone
        assert (code not in stored_codes) == removed
        added = sum(1 for exit_code, _, _ in results[1:] if exit_code == 0)
        assert (added == 0) == removed  # the code went only when nobody had used it
        assert ("referenced" in results[0][2] or "still used" in results[0][2]) == (not removed)
    engine.dispose()


def test_readers_and_a_second_writer_wait_for_nothing_but_the_commit(tmp_path):
    """SQLite in WAL mode: while a big write is open, readers read the last committed
    state (no "database is locked"), and a second writer waits instead of failing."""
    url = f"sqlite:///{tmp_path / 'cop.sqlite'}"
    engine = _seeded(url, tmp_path)
    reader = storage.make_engine(url)
    count = sa.select(sa.func.count()).select_from(storage.SQL_TABLES["monitoring"])
    rows = _monitoring_rows(100_000)  # ~10 MB: spills SQLite's page cache before the commit
    second: list[object] = []

    def post() -> None:
        second.append(
            storage.write(
                engine,
                [storage.TableWrite("meetings", _meeting())],
                actor="second",
                source="test",
            )
        )

    with locked(engine, exclusive=["monitoring"]) as conn:
        upsert(conn, storage.SQL_TABLES["monitoring"], db_rows(rows, list(rows.columns)))
        waiting = threading.Thread(target=post)
        waiting.start()
        for _ in range(3):
            with reader.connect() as other:
                assert other.execute(count).scalar() == 0  # the committed state, at once
            assert len(storage.read_table(reader, "municipalities")) == 342
    waiting.join()
    with reader.connect() as other:
        assert other.execute(count).scalar() == len(rows)
        mode = other.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = other.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert (mode, timeout) == ("wal", storage.SQLITE_BUSY_TIMEOUT_MS)
    assert second[0].applied and len(storage.read_table(reader, "meetings")) == 1
    reader.dispose()
    engine.dispose()


def _monitoring_rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {
            "municipality_code": "GM0344",
            "site_id": [f"S{i // 40:05d}" for i in range(n)],
            "scheme": "butterflies",
            "species_group": "butterflies",
            "species": [f"Soort {i % 40}" for i in range(n)],
            "year": 2020,
            "count": rng.integers(0, 50, n),
            "lat": 52.09,
            "lon": 5.12,
        }
    )
    return coerce_types(frame, "monitoring")


def _meeting() -> pd.DataFrame:
    return coerce_types(
        pd.DataFrame(
            {
                "date": [pd.Timestamp("2026-02-01")],
                "host_code": ["GM0344"],
                "title": ["Tweede schrijver"],
            }
        ),
        "meetings",
    )


# ---------------------------------------------------------------- lost updates in the editors


def test_a_table_edit_keeps_what_someone_else_stored_meanwhile(db_url, tmp_path):
    """The editor writes the rows the coordinator changed or removed, not its whole copy."""
    engine = _seeded(db_url, tmp_path)
    header = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
    first = header + "1,GM0344,Kim,Ecoloog,,,,True\n2,GM0307,Sam,Beheer,,,,False\n"
    assert storage.import_file(engine, "contacts", first.encode(), filename="c.csv").ok
    shown = storage.read_table(engine, "contacts")  # what the editor shows
    # meanwhile another coordinator adds a contact and changes Sam's role
    other = header + "2,GM0307,Sam,Wethouder,,,,False\n3,GM0344,Lou,Beleid,,,,True\n"
    assert storage.import_file(engine, "contacts", other.encode(), filename="o.csv").ok
    edited = shown.copy()
    edited.loc[0, "role"] = "Projectleider"  # Kim changed; Sam untouched

    report = editing.save_table_edit(engine, "contacts", edited, role="coordinator", original=shown)

    assert report.ok, report.messages("en")
    assert report.outcome.counts() == {"added": 0, "changed": 1, "removed": 0, "unchanged": 0}
    stored = storage.read_table(engine, "contacts").set_index("id")
    assert stored["role"].to_dict() == {1: "Projectleider", 2: "Wethouder", 3: "Beleid"}
    shown = storage.read_table(engine, "contacts")  # the editor reloads after a save
    removed = shown[shown["id"] != 1]
    assert editing.save_table_edit(
        engine, "contacts", removed, role="coordinator", original=shown
    ).ok
    assert storage.read_table(engine, "contacts")["id"].tolist() == [2, 3]  # only Kim went
    engine.dispose()


def test_saving_one_resources_links_leaves_the_other_resources_links_alone(db_url, tmp_path):
    engine = _seeded(db_url, tmp_path)
    resources = "id,title,kind,theme,level,url,description\n1,A,guide,depaving,starter,,\n"
    resources += "2,B,tool,depaving,starter,,\n"
    assert storage.import_file(engine, "resources", resources.encode(), filename="r.csv").ok
    measures = pd.DataFrame([_measure(n, f"Maatregel {n}", "idea") for n in (11, 12, 13)])
    storage.write(engine, [storage.TableWrite("measures", measures)], actor="t", source="t")
    links = "resource_id,measure_id\n1,11\n1,12\n2,12\n"
    assert storage.import_file(engine, "resource_usage", links.encode(), filename="l.csv").ok

    report = editing.save_links(engine, 1, [13, 11], role="coordinator")

    assert report.ok, report.messages("en")
    assert report.outcome.counts() == {"added": 1, "changed": 0, "removed": 1, "unchanged": 1}
    stored = storage.read_table(engine, "resource_usage")
    assert stored.values.tolist() == [[1, 11], [1, 13], [2, 12]]
    with pytest.raises(PermissionError):
        editing.save_links(engine, 1, [], role="member")
    engine.dispose()
