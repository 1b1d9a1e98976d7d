"""Storage on the embedded SQLite file and on a real PostgreSQL server (never mocked)."""

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.data import storage
from cop.data.schema import DATA_TABLES, TABLES
from tests.conftest import ROOT

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(db_url):
    engine = storage.make_engine(db_url)
    yield engine
    engine.dispose()


def test_init_loads_every_seed_table_with_declared_types(engine):
    assert storage.init_db(engine, ROOT / "data") is True
    counts = storage.table_counts(engine)
    for table in DATA_TABLES:
        expected = len(pd.read_csv(ROOT / "data" / f"{table}.csv"))
        assert counts[table] == expected, table
    measures = storage.read_table(engine, "measures")
    assert list(measures.columns) == TABLES["measures"].public_columns
    assert str(measures["id"].dtype) == "Int64"
    assert str(measures["updated_at"].dtype).startswith("datetime64")
    towns = storage.read_table(engine, "municipalities")
    assert len(towns) == 342 and towns["code"].is_unique
    assert "'s-Gravenhage" in set(towns["name"]) and "Súdwest-Fryslân" in set(towns["name"])
    assert storage.demo_tables(engine) == sorted(DATA_TABLES)
    assert storage.current_version(engine) == storage.MIGRATIONS[-1][0]


def test_init_is_idempotent_and_migrations_are_recorded_once(engine):
    storage.init_db(engine, ROOT / "data")
    version = storage.data_version(engine)
    assert storage.init_db(engine, ROOT / "data") is False
    assert storage.data_version(engine) == version
    with engine.connect() as conn:
        versions = conn.execute(sa.text("select version from schema_version")).scalars().all()
    assert sorted(versions) == [m[0] for m in storage.MIGRATIONS]


def test_bad_import_changes_nothing(engine):
    storage.init_db(engine, ROOT / "data")
    before = storage.read_table(engine, "maturity")
    version = storage.data_version(engine)
    bad = (
        b"municipality_code,year,dimension,level,note\n"
        b"GM0344,2025,vision_policy,3,\nGM9999,2025,vision_policy,6,\n"
    )
    report = storage.import_file(engine, "maturity", bad, replace=True, filename="bad.csv")
    assert not report.ok and len(report.issues) == 2
    pd.testing.assert_frame_equal(storage.read_table(engine, "maturity"), before)
    assert storage.data_version(engine) == version


def test_upsert_replaces_rows_by_key_and_keeps_the_rest(engine):
    storage.init_db(engine, ROOT / "data")
    before = storage.read_table(engine, "measures")
    first = before.iloc[0]
    csv = (
        "id,municipality_code,title,theme,status,updated_at\n"
        f"{first['id']},{first['municipality_code']},Nieuwe titel,depaving,realised,2026-01-02\n"
        f"999999,{first['municipality_code']},Extra,depaving,idea,2026-01-02\n"
    ).encode()
    report = storage.import_file(engine, "measures", csv, filename="upd.csv")
    assert report.ok, report.messages()
    after = storage.read_table(engine, "measures")
    assert len(after) == len(before) + 1
    assert after.set_index("id").loc[first["id"], "title"] == "Nieuwe titel"
    assert "measures" in storage.demo_tables(engine)  # partly demo still


def test_replace_import_clears_the_demo_flag_for_that_table(engine):
    storage.init_db(engine, ROOT / "data")
    csv = (
        b"id,title,kind,theme,level,url,description\n"
        b"1,Handreiking,guide,depaving,starter,https://example.org/a,\n"
    )
    assert storage.import_file(engine, "resources", csv, replace=True, filename="r.csv").ok
    assert storage.table_counts(engine)["resources"] == 1
    assert "resources" not in storage.demo_tables(engine)


def test_municipality_still_referenced_cannot_be_removed(engine):
    storage.init_db(engine, ROOT / "data")
    towns = storage.read_table(engine, "municipalities")
    used = storage.read_table(engine, "measures")["municipality_code"].iloc[0]
    keep = towns[towns["code"] != used]
    report = storage.import_frame_report(
        engine,
        "municipalities",
        storage.validate_frame(keep, "municipalities", known_codes=None),
        replace=True,
    )
    assert not report.ok
    assert {i.key for i in report.issues} == {"err.referenced"}
    assert storage.table_counts(engine)["municipalities"] == 342


def test_read_table_filters_by_municipality(engine):
    storage.init_db(engine, ROOT / "data")
    code = storage.read_table(engine, "monitoring")["municipality_code"].iloc[0]
    part = storage.read_table(engine, "monitoring", municipality_codes=[code])
    assert len(part) > 0 and set(part["municipality_code"]) == {code}


# ---------------------------------------------------------------- the one write path


def _measure_rows(engine, *rows: tuple[int, str, str]) -> pd.DataFrame:
    """Typed measure rows (id, title, status) of the first stored measure's municipality."""
    code = storage.read_table(engine, "measures")["municipality_code"].iloc[0]
    frame = pd.DataFrame(
        {
            "id": [r[0] for r in rows],
            "municipality_code": code,
            "title": [r[1] for r in rows],
            "theme": "depaving",
            "status": [r[2] for r in rows],
            "updated_at": pd.Timestamp("2026-01-02"),
        },
        index=range(2, len(rows) + 2),  # spreadsheet rows
    )
    return storage.validate_frame(frame, "measures", known_codes={code}).frame


def test_a_write_stores_only_what_changed_and_says_what_it_was(engine):
    storage.init_db(engine, ROOT / "data")
    before = storage.read_table(engine, "measures")
    rows = before.iloc[:2].copy()  # the first changes, the second stays as it is
    rows.loc[0, ["title", "status"]] = ["Nieuwe titel", "stopped"]
    rows = pd.concat([rows, _measure_rows(engine, (999_999, "Extra", "idea"))])
    rows.index = [2, 3, 4]  # spreadsheet rows
    first = int(rows.at[2, "id"])
    version = storage.data_version(engine)

    outcome = storage.write(
        engine, [storage.TableWrite("measures", rows)], actor="anna", source="upd.csv"
    )

    assert outcome.applied and (outcome.actor, outcome.source) == ("anna", "upd.csv")
    assert outcome.counts() == {"added": 1, "changed": 1, "removed": 0, "unchanged": 1}
    changes = outcome.tables["measures"]
    assert changes.inserted["id"].tolist() == [999_999] and changes.inserted.index.tolist() == [4]
    cells = changes.cell_changes()
    assert cells[["id", "column", "before", "after"]].values.tolist() == [
        [first, "title", before.at[0, "title"], "Nieuwe titel"],
        [first, "status", before.at[0, "status"], "stopped"],
    ]
    kinds = [(c.kind, c.key, c.row) for c in outcome.rows()]
    assert kinds == [("insert", (999_999,), 4), ("update", (first,), 2)]
    update = next(c for c in outcome.rows() if c.kind == "update")
    assert update.before["title"] == before.at[0, "title"] and update.after["status"] == "stopped"
    assert storage.data_version(engine) == version + 1
    stored = storage.read_table(engine, "measures").set_index("id")
    assert len(stored) == len(before) + 1 and stored.at[first, "title"] == "Nieuwe titel"


def test_a_dry_run_computes_the_changes_and_stores_nothing(engine):
    storage.init_db(engine, ROOT / "data")
    before = storage.read_table(engine, "resources")
    keep = before.head(2).copy()
    keep.loc[keep.index[0], "title"] = "Andere titel"
    version = storage.data_version(engine)

    outcome = storage.write(
        engine,
        [storage.TableWrite("resources", keep, mode="replace")],
        actor="cli",
        source="preview",
        dry_run=True,
    )

    assert not outcome.applied and outcome.dry_run
    assert outcome.tables["resources"].counts() == {
        "added": 0,
        "changed": 1,
        "removed": len(before) - 2,
        "unchanged": 1,
    }
    links = outcome.tables["resource_usage"].deleted  # what --replace would take along
    all_links = storage.read_table(engine, "resource_usage")
    assert len(links) == int((~all_links["resource_id"].isin(keep["id"])).sum()) > 0
    assert outcome.counts()["removed"] == len(before) - 2 + len(links)
    pd.testing.assert_frame_equal(storage.read_table(engine, "resources"), before)
    assert storage.data_version(engine) == version


def test_replace_removes_only_the_rows_the_file_leaves_out(engine):
    storage.init_db(engine, ROOT / "data")
    before = storage.read_table(engine, "experts")
    keep = before.iloc[1:].copy()
    outcome = storage.write(
        engine, [storage.TableWrite("experts", keep, mode="replace")], actor="cli", source="x"
    )
    # the removed organisation's answers to help questions go with it (issue 13)
    answers = storage.read_table(engine, "answers") if "answers" in outcome.tables else None
    gone = len(outcome.tables["answers"].deleted) if answers is not None else 0
    assert outcome.counts() == {
        "added": 0,
        "changed": 0,
        "removed": 1 + gone,
        "unchanged": len(keep),
    }
    assert outcome.tables["experts"].deleted["id"].tolist() == [int(before["id"].iloc[0])]
    if answers is not None:
        assert not (answers["expert_id"] == int(before["id"].iloc[0])).any()
        assert set(outcome.tables["answers"].deleted["expert_id"]) == {int(before["id"].iloc[0])}
    pd.testing.assert_frame_equal(
        storage.read_table(engine, "experts"), keep.reset_index(drop=True)
    )


def test_rows_without_an_id_get_one_from_the_database_past_every_imported_id(engine):
    storage.init_db(engine, ROOT / "data")
    highest = int(storage.read_table(engine, "meetings")["id"].max())
    csv = b"id,date,host_code,title,themes,summary\n500,2026-05-01,,Geimporteerd,,\n"
    assert storage.import_file(engine, "meetings", csv, filename="m.csv").ok
    frame = pd.DataFrame(
        {"date": ["2026-06-01", "2026-07-01"], "title": ["Nieuw", "Nog een"]}, index=[1, 2]
    )
    report = storage.store(
        engine, storage.validate_frame(frame, "meetings", known_codes=set()), actor="anna"
    )
    assert report.ok
    assigned = report.outcome.tables["meetings"].assigned_ids
    assert assigned.tolist() == [501, 502] and report.frame["id"].tolist() == [501, 502]
    stored = storage.read_table(engine, "meetings").set_index("id")
    assert stored.loc[[501, 502], "title"].tolist() == ["Nieuw", "Nog een"]
    assert highest < 500


def test_a_reference_removed_after_validation_is_refused_inside_the_write(engine):
    """A file validated against the codes of a moment ago: the write checks them again."""
    storage.init_db(engine, ROOT / "data")
    towns = storage.read_table(engine, "municipalities")
    used = set(storage.read_table(engine, "measures")["municipality_code"])
    spare = sorted(set(towns["code"]) - used - _used_codes(engine))[0]
    frame = pd.DataFrame(
        {
            "id": [777_777],
            "municipality_code": [spare],
            "title": ["Te laat"],
            "theme": ["depaving"],
            "status": ["idea"],
            "updated_at": ["2026-01-02"],
        },
        index=[2],
    )
    report = storage.validate_frame(frame, "measures", known_codes=set(towns["code"]))
    assert report.ok
    gone = towns[towns["code"] != spare]
    assert storage.import_frame_report(
        engine,
        "municipalities",
        storage.validate_frame(gone, "municipalities", known_codes=None),
        replace=True,
    ).ok
    count = storage.table_counts(engine)["measures"]
    refused = storage.import_frame_report(engine, "measures", report)
    assert not refused.ok
    assert [(i.row, i.column, i.key) for i in refused.issues] == [
        (2, "municipality_code", "err.unknown_municipality")
    ]
    assert storage.table_counts(engine)["measures"] == count


def _used_codes(engine) -> set[str]:
    used: set[str] = set()
    for table in storage.TABLES:
        frame = storage.read_table(engine, table)
        for column in ("municipality_code", "host_code"):
            if column in frame:
                used |= set(frame[column].dropna())
    return used


def test_data_version_is_one_meta_row_that_counts_every_write(engine):
    storage.init_db(engine, ROOT / "data")
    start = storage.data_version(engine)
    for n in range(3):
        rows = _measure_rows(engine, (900_000 + n, f"Rij {n}", "idea"))
        storage.write(engine, [storage.TableWrite("measures", rows)], actor="t", source="t")
    nothing = _measure_rows(engine, (900_000, "Rij 0", "idea"))  # changes nothing
    storage.write(engine, [storage.TableWrite("measures", nothing)], actor="t", source="t")
    assert storage.data_version(engine) == start + 3
    with engine.connect() as conn:
        keys = conn.execute(sa.select(storage.META.c.key)).scalars().all()
    stamps = {key for key in keys if key.startswith("version:")}
    assert sorted(set(keys) - stamps) == [
        "data_token",
        "data_version",
        "database_key",
        "demo_tables",
    ]
    assert "version:measures" in stamps


def test_a_write_stamps_only_the_tables_it_changed(engine):
    """Caches key on a table's stamp: a posted answer must not invalidate the trends of
    the monitoring table (a million rows nationally), nor an unchanged write anything."""
    storage.init_db(engine, ROOT / "data")
    version, before = storage.data_versions(engine)
    assert before["monitoring"] <= version and before["measures"] <= version
    rows = _measure_rows(engine, (900_000, "Rij 0", "idea"))
    storage.write(engine, [storage.TableWrite("measures", rows)], actor="t", source="t")
    version, after = storage.data_versions(engine)
    assert after["measures"] == version > before["measures"]
    assert {k: v for k, v in after.items() if k != "measures"} == {
        k: v for k, v in before.items() if k != "measures"
    }
    tables = ["measures", "monitoring"]
    secret, stamps = storage.cache_identity(engine, tables)
    storage.write(engine, [storage.TableWrite("measures", rows)], actor="t", source="t")
    assert storage.data_versions(engine) == (version, after)  # nothing changed: no stamp
    assert storage.cache_identity(engine, tables) == (secret, stamps)
    rows = rows.assign(title="Rij 0, anders")
    storage.write(engine, [storage.TableWrite("measures", rows)], actor="t", source="t")
    new_secret, (measures, monitoring) = storage.cache_identity(engine, tables)
    assert len(secret) == 64 and new_secret == secret
    assert monitoring == stamps[1] and measures != stamps[0]
    # a stamp is the version and a random token: an older copy of the database file that
    # counts the same versions again with other data never matches a result kept on disk
    version, token = measures.split(":")
    assert int(version) == storage.data_version(engine) and len(token) == 32


def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'cop.sqlite'}")
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert (mode, timeout) == ("wal", storage.SQLITE_BUSY_TIMEOUT_MS)
    engine.dispose()


def test_a_database_in_a_folder_we_may_not_write_is_read_without_wal_files(tmp_path, monkeypatch):
    """WAL needs a -shm file next to the database even to read; a read-only data folder
    is opened read-only and immutable instead, so reading keeps working."""
    url = f"sqlite:///{tmp_path / 'cop.sqlite'}"
    engine = storage.make_engine(url)
    storage.init_db(engine, ROOT / "data")
    engine.dispose()
    monkeypatch.setattr(storage, "_writable", lambda folder: False)
    readonly = storage.make_engine(url)
    assert "immutable=1" in str(readonly.url)
    assert len(storage.read_table(readonly, "municipalities")) == 342
    with pytest.raises(sa.exc.OperationalError, match="readonly"), readonly.begin() as conn:
        conn.execute(storage.META.delete())
    readonly.dispose()


def test_ids_upgrade_of_a_database_made_before_migration_4(db_url):
    """Tables as migrations 1-3 created them (a BIGINT key without AUTOINCREMENT on
    SQLite, a sequence left at 1 on PostgreSQL) keep their rows, and the next id the
    database assigns comes after the highest one."""
    engine = storage.make_engine(db_url)
    old = sa.MetaData()
    for name, table in storage.SQL_TABLES.items():  # the shape migration 1 used to create
        sa.Table(
            name,
            old,
            *[
                sa.Column(
                    c.name, sa.BigInteger if c.name == "id" else c.type, primary_key=c.primary_key
                )
                for c in table.columns
            ],
        )
    questions = old.tables["help_questions"]
    with engine.begin() as conn:
        storage.SCHEMA_VERSION.create(conn)
        storage.META.create(conn)
        storage.USERS.create(conn)
        old.create_all(conn)
        conn.execute(
            questions.insert(),
            [
                {"id": i, "municipality_code": "GM0344", "asked_on": dt.datetime(2025, 1, i),
                 "theme": "depaving", "question": f"Vraag {i}", "status": "open"}
                for i in (3, 7)
            ],
        )  # fmt: skip
        for version in (1, 2, 3):
            conn.execute(storage.SCHEMA_VERSION.insert().values(version=version))
    assert storage.migrate(engine) == storage.MIGRATIONS[-1][0]
    assert storage.migrate(engine) == storage.MIGRATIONS[-1][0]  # idempotent
    assert storage.import_file(engine, "municipalities", ROOT / "data" / "municipalities.csv").ok
    new = pd.DataFrame(
        {"municipality_code": ["GM0344"], "asked_on": [pd.Timestamp("2025-02-01")],
         "theme": ["depaving"], "question": ["Nieuwe vraag"], "status": ["open"]}
    )  # fmt: skip
    outcome = storage.write(
        engine, [storage.TableWrite("help_questions", new)], actor="t", source="t"
    )
    assert outcome.tables["help_questions"].assigned_ids.tolist() == [8]
    stored = storage.read_table(engine, "help_questions")
    assert stored["id"].tolist() == [3, 7, 8]
    assert stored["question"].tolist() == ["Vraag 3", "Vraag 7", "Nieuwe vraag"]
    engine.dispose()
