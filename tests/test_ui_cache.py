"""The per-data-version caches of ``cop.ui``: shared tables, ``compute_for`` and the prewarm.

No timing is asserted (issue 15's budgets are measured by ``benchmarks/bench_pages.py``);
these tests check *what* is computed, read and shared, and when.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cop import ui
from cop.access import visibility
from cop.core.config import get_settings
from cop.data import caches, storage

computed: list[tuple[str, int]] = []  # (tag, rows) of every real computation of count_rows


def count_rows(measures: pd.DataFrame, *, tag: str) -> int:
    """A compute() target that records each time it really runs."""
    computed.append((tag, len(measures)))
    return len(measures)


def contact_cells(contacts: pd.DataFrame) -> int:
    return int(contacts["email"].notna().sum())


def seen_codes(monitoring: pd.DataFrame, municipalities: pd.DataFrame) -> dict[str, object]:
    return {
        "monitoring": sorted(set(monitoring["municipality_code"])),
        "municipalities": len(municipalities),
    }


@pytest.fixture
def fresh_caches(app_env, monkeypatch):
    """Empty process-wide caches and a prewarm of its own for this test's database.

    Prewarm threads of earlier tests are waited for, before and after: one still replaying
    its slow calls (a brief, a heatmap) would teach them to this test's prewarm, because
    every slow call is learned by whichever prewarm is ``ui._PREWARM`` at that moment.
    """
    assert ui._PREWARM.wait(300), "an earlier prewarm thread is still running"
    ui._SHARED_TABLES.clear()
    prewarm = ui._new_prewarm()
    prewarm.packages = ("cop.", "tests.")  # count_rows lives here
    monkeypatch.setattr(ui, "_PREWARM", prewarm)
    computed.clear()
    yield app_env
    assert prewarm.wait(300), "this test's prewarm thread is still running"


def test_tables_are_read_once_and_shared_but_a_change_stays_private(fresh_caches):
    url, (version,) = get_settings().database_url, ui.table_versions("measures")
    shared = ui._SHARED_TABLES.get(url, version, "measures")
    assert ui._SHARED_TABLES.get(url, version, "measures") is shared  # read once
    mine = ui.table("measures")
    assert mine is not shared
    first_title = shared["title"].iloc[0]
    mine["title"] = "changed by one session"
    mine.loc[mine.index[0], "status"] = "stopped"
    other = ui.table("measures")
    assert other["title"].iloc[0] == first_title  # copy-on-write: the change stayed private
    assert other["status"].iloc[0] == shared["status"].iloc[0]
    assert shared["title"].iloc[0] == first_title


def _import_changed_title(engine, measures: pd.DataFrame) -> pd.DataFrame:
    first = measures.iloc[[0]].assign(title="Een nieuwe titel na de import")
    report = storage.import_file(
        engine, "measures", first.to_csv(index=False).encode(), filename="m.csv"
    )
    assert report.ok, report.messages("en", 5)
    return first


def test_an_import_gives_the_new_data_to_the_next_reader(fresh_caches):
    first = _import_changed_title(storage.make_engine(), ui.table("measures"))
    after = ui.table("measures")
    assert after.loc[after["id"] == first["id"].iloc[0], "title"].iloc[0] == (
        "Een nieuwe titel na de import"
    )


def test_a_write_recomputes_only_what_reads_a_table_it_changed(fresh_caches):
    """A new help question, answer or edited practice must not cost the next reader of
    the trends a recomputation over the monitoring table (a million rows nationally)."""
    measures = ui.compute(count_rows, "measures", tag="measures")
    monitoring = ui.compute(count_rows, "monitoring", tag="monitoring")
    (monitoring_version,) = ui.table_versions("monitoring")
    computed.clear()
    _import_changed_title(storage.make_engine(), ui.table("measures"))
    assert ui.table_versions("monitoring") == (monitoring_version,)
    assert ui.compute(count_rows, "monitoring", tag="monitoring") == monitoring
    assert ui.compute(count_rows, "measures", tag="measures") == measures
    assert computed == [("measures", measures)]  # only what reads the measures ran again
    assert ui.table("measures")["title"].eq("Een nieuwe titel na de import").any()


def test_compute_for_reads_only_the_rows_of_the_chosen_municipalities(fresh_caches):
    monitoring = storage.read_table(storage.make_engine(), "monitoring")
    code = sorted(set(monitoring["municipality_code"]))[0]
    seen = ui.compute_for([code], seen_codes, "monitoring", "municipalities")
    assert seen["monitoring"] == [code]
    assert seen["municipalities"] == 342  # a table without the column is read whole
    # personal data is read as a visitor sees it: the cached result is shared by every role
    raw = storage.read_table(storage.make_engine(), "contacts")
    shown = ui.compute_for(sorted(set(raw["municipality_code"])), contact_cells, "contacts")
    assert raw["email"].notna().any()
    assert shown == visibility.visible_frame("contacts", raw, "visitor")["email"].notna().sum() == 0


def test_a_slow_call_is_remembered_and_computed_ahead_after_an_import(fresh_caches, monkeypatch):
    monkeypatch.setenv("COP_PREWARM", "on")
    ui._PREWARM.min_seconds = 0.0  # every call counts as slow here
    rows = ui.compute(count_rows, "measures", tag="a")
    assert computed == [("a", rows)]
    saved = json.loads((get_settings().cache_dir / caches.PREWARM_FILE).read_text())
    assert saved[0] == {
        "module": __name__,
        "name": "count_rows",
        "tables": ["measures"],
        "params": json.dumps({"tag": "a"}),
    }
    assert ui.prewarm_wait(60)  # the start's own prewarm (tables, then this call) is done
    computed.clear()

    # An import makes a new data version: the next request starts one background run.
    version = ui.data_version()
    _import_changed_title(storage.make_engine(), ui.table("measures"))
    assert ui.data_version() != version
    ui.data_version()  # a second request for the same version starts nothing more
    assert ui.prewarm_wait(60)
    assert computed == [("a", rows)]  # computed once, ahead of the page
    assert ui.compute(count_rows, "measures", tag="a") == rows
    assert computed == [("a", rows)]  # the page found it ready


def test_a_restarted_server_knows_the_slow_calls_and_drops_stale_ones(fresh_caches, monkeypatch):
    monkeypatch.setenv("COP_PREWARM", "on")
    cache = get_settings().cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    stale = {"module": __name__, "name": "no_such_function", "tables": [], "params": "{}"}
    good = {
        "module": __name__,
        "name": "count_rows",
        "tables": ["measures"],
        "params": '{"tag": "b"}',
    }
    (cache / caches.PREWARM_FILE).write_text(json.dumps([stale, good]))
    ui.data_version()  # the first request after the start
    assert ui.prewarm_wait(60)
    assert [tag for tag, _ in computed] == ["b"]
    assert ui._PREWARM.calls() == [good]  # the stale call is forgotten


def test_the_prewarm_file_never_calls_anything_outside_the_app(fresh_caches, monkeypatch):
    monkeypatch.setenv("COP_PREWARM", "on")
    ui._PREWARM.packages = caches.PREWARM_PACKAGES
    cache = get_settings().cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    foreign = [
        {"module": "os", "name": "system", "tables": [], "params": '{"command": "true"}'},
        {"module": __name__, "name": "count_rows", "tables": ["measures"], "params": "{}"},
        {"module": "cop.ui", "name": "_engine", "tables": [], "params": "{}"},
    ]
    (cache / caches.PREWARM_FILE).write_text(json.dumps(foreign))
    ui.data_version()
    assert ui.prewarm_wait(60)
    assert computed == []
    assert ui._PREWARM.calls() == []  # all three dropped


def test_no_prewarm_outside_a_server_unless_asked(fresh_caches, monkeypatch):
    monkeypatch.setenv("COP_PREWARM", "auto")  # tests, scripts and AppTest: no Streamlit server
    cache = get_settings().cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    call = {
        "module": __name__,
        "name": "count_rows",
        "tables": ["measures"],
        "params": '{"tag": "c"}',
    }
    (cache / caches.PREWARM_FILE).write_text(json.dumps([call]))
    ui.data_version()
    assert ui.prewarm_wait(5)
    assert computed == []


def test_the_prewarm_reads_every_table_the_largest_last_then_imports():
    from cop.data.schema import TABLES

    read: list[tuple[str, int, str]] = []
    steps = caches.warm_steps(lambda *key: read.append(key), "sqlite:///x", 7, ["json"])
    assert len(steps) == len(TABLES) + 1
    results = [step() for step in steps]
    assert {name for _, _, name in read} == set(TABLES)
    assert read[-1] == ("sqlite:///x", 7, "monitoring")  # a million rows: after the others
    assert results[-1].__name__ == "json"  # then the libraries


# ---------------------------------------------------------------- results kept across a restart


def slow_rows(measures: pd.DataFrame, *, tag: str) -> int:
    """A compute() target slow enough to be kept on disk (caches.STORE_MIN_SECONDS)."""
    import time

    time.sleep(caches.STORE_MIN_SECONDS + 0.1)
    computed.append((tag, len(measures)))
    return len(measures)


def _restart() -> None:
    """What a server restart forgets: every in-memory cache."""
    ui._compute.clear()
    ui._SHARED_TABLES.clear()


def _stored_files() -> list:
    return sorted((get_settings().cache_dir / caches.RESULTS_FOLDER).glob("*.pickle"))


def test_a_restarted_server_finds_slow_results_on_disk_for_the_same_data(fresh_caches):
    rows = ui.compute(slow_rows, "measures", tag="slow")
    assert computed == [("slow", rows)] and len(_stored_files()) == 1
    _restart()
    assert ui.compute(slow_rows, "measures", tag="slow") == rows
    assert computed == [("slow", rows)]  # read from disk, not computed again
    assert ui._SHARED_TABLES._frames == {}  # and no table was read for it
    # a fast result is not kept: recomputing it costs less than the file
    ui.compute(count_rows, "measures", tag="fast")
    assert len(_stored_files()) == 1
    # a write to the measures: after the next restart what reads them is computed
    # afresh, what reads only other tables is still found on disk
    counted = ui.compute(slow_rows, "monitoring", tag="monitoring")
    _import_changed_title(storage.make_engine(), ui.table("measures"))
    _restart()
    ui.compute(slow_rows, "measures", tag="slow")
    assert ui.compute(slow_rows, "monitoring", tag="monitoring") == counted
    assert computed == [("slow", rows), ("fast", rows), ("monitoring", counted), ("slow", rows)]


def test_a_stored_result_not_signed_with_the_database_key_is_never_unpickled(fresh_caches):
    import pickle

    rows = ui.compute(slow_rows, "measures", tag="slow")
    (path,) = _stored_files()
    payload = pickle.dumps("planted")
    path.write_bytes(b"\0" * 32 + payload)  # someone else's file under the right name
    _restart()
    assert ui.compute(slow_rows, "measures", tag="slow") == rows  # computed, not "planted"
    assert computed == [("slow", rows), ("slow", rows)]
    assert _stored_files() == [path] and path.read_bytes()[32:] != payload  # replaced


def test_results_of_other_code_or_another_database_are_not_found(fresh_caches, monkeypatch):
    store = ui._RESULTS
    secret, (token,) = storage.cache_identity(storage.make_engine(), ["measures"])
    assert secret and token
    name = store.name(secret, [token, "x"])
    store.save(secret, name, {"value": 1})
    assert store.load(secret, name) == (True, {"value": 1})
    assert store.load("another database", name) == (False, None)  # and the file is removed
    store.save(secret, name, {"value": 1})
    monkeypatch.setattr(store, "_fingerprint", "other code")
    assert store.name(secret, [token, "x"]) != name


def test_the_store_keeps_the_most_recently_used_results_only(tmp_path):
    import os

    store = caches.ResultStore(lambda: tmp_path, max_files=2)
    for number in range(3):
        store.save("key", f"r{number}", number)
        os.utime(tmp_path / f"r{number}.pickle", (number, number))  # r0 oldest
    store.load("key", "r1")  # used now: newest
    store.save("key", "r3", 3)
    assert sorted(p.stem for p in tmp_path.glob("*.pickle")) == ["r1", "r3"]


def test_a_large_table_is_kept_as_parquet_and_read_back_after_a_restart(fresh_caches, monkeypatch):
    """After a restart the national monitoring table (a million rows) comes from its copy
    on disk in 0.3 s instead of 4 s from SQLite, with exactly the same dtypes."""
    monkeypatch.setattr(caches, "STORE_TABLE_ROWS", 1)
    first = ui.table("measures")
    folder = get_settings().cache_dir / caches.RESULTS_FOLDER
    assert len(list(folder.glob("*.parquet"))) == 1
    _restart()

    def no_sql(*args, **kwargs):
        raise AssertionError("read from the database")

    with monkeypatch.context() as patch:
        patch.setattr(storage, "read_table", no_sql)
        pd.testing.assert_frame_equal(ui.table("measures"), first, check_exact=True)
    # a copy planted under the right name, not signed with the database key, is not used
    (path,) = folder.glob("*.parquet")
    path.write_bytes(b"\0" * 32 + path.read_bytes()[32:])
    _restart()
    pd.testing.assert_frame_equal(ui.table("measures"), first, check_exact=True)
    assert path.read_bytes()[:32] != b"\0" * 32  # read from SQLite and kept again
    # personal data stays in the database: no copy of the contacts on disk
    ui.table("contacts")
    assert len(list(folder.glob("*.parquet"))) == 1
