"""Storage on the embedded SQLite file and on a real PostgreSQL server (never mocked)."""

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.data import storage
from cop.data.schema import TABLE_ORDER, TABLES
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
    for table in TABLE_ORDER:
        expected = len(pd.read_csv(ROOT / "data" / f"{table}.csv"))
        assert counts[table] == expected, table
    measures = storage.read_table(engine, "measures")
    assert list(measures.columns) == TABLES["measures"].columns
    assert str(measures["id"].dtype) == "Int64"
    assert str(measures["updated_at"].dtype).startswith("datetime64")
    towns = storage.read_table(engine, "municipalities")
    assert len(towns) == 342 and towns["code"].is_unique
    assert "'s-Gravenhage" in set(towns["name"]) and "Súdwest-Fryslân" in set(towns["name"])
    assert storage.demo_tables(engine) == sorted(TABLE_ORDER)
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
