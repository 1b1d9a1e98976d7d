"""The toolbox: filters, practices that used a resource, and the resource_usage table.

The link table comes with migration 3 and id checks; both run on SQLite and PostgreSQL.
"""

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.data import demo, storage
from cop.data.schema import TABLES, coerce_types
from cop.data.validation import validate_frame
from cop.meetings import toolbox
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def tables():
    return demo.generate("small", seed=42)


def test_filters_combine_and_search_ignores_accents_and_case(tables):
    resources = coerce_types(tables["resources"], "resources")
    guides = toolbox.filter_resources(resources, kinds=["guide"], levels=["starter"])
    assert len(guides) and set(guides["kind"]) == {"guide"} and set(guides["level"]) == {"starter"}
    assert guides["title"].tolist() == sorted(guides["title"])
    found = toolbox.filter_resources(resources, text="TINY forest")
    assert len(found) >= 1 and found["title"].str.contains("Tiny Forest").all()
    assert len(toolbox.filter_resources(resources)) == len(resources)


def test_demo_links_practices_of_the_same_theme(tables):
    usage, measures, resources = (
        tables["resource_usage"],
        tables["measures"],
        tables["resources"],
    )
    linked = usage.merge(measures, left_on="measure_id", right_on="id").merge(
        resources, left_on="resource_id", right_on="id", suffixes=("_m", "_r")
    )
    assert len(linked) == len(usage) > 0
    assert (linked["theme_m"] == linked["theme_r"]).all()
    assert linked["status"].isin(["realised", "in_progress"]).all()


def test_practices_using_and_usage_counts():
    resources = coerce_types(
        pd.DataFrame(
            {"id": [1, 2], "title": ["Gids", "Tool"], "kind": ["guide", "tool"],
             "theme": ["depaving", "depaving"], "level": ["starter", "advanced"]}
        ),
        "resources",
    )  # fmt: skip
    measures = coerce_types(
        pd.DataFrame(
            {"id": [10, 11], "municipality_code": ["GM1900", "GM0344"], "title": ["A", "B"],
             "theme": ["depaving", "depaving"], "status": ["realised", "realised"],
             "updated_at": ["2026-01-01", "2026-02-01"]}
        ),
        "measures",
    )  # fmt: skip
    towns = pd.DataFrame({"code": ["GM1900", "GM0344"], "name": ["Súdwest-Fryslân", "Utrecht"]})
    usage = coerce_types(pd.DataFrame({"resource_id": [1, 1], "measure_id": [10, 11]}),
                         "resource_usage")  # fmt: skip
    assert toolbox.with_usage(resources, usage)["practices"].tolist() == [2, 0]
    used = toolbox.practices_using(resources, usage, measures, towns)
    assert used["municipality"].tolist() == ["Utrecht", "Súdwest-Fryslân"]  # newest first
    assert set(used["resource"]) == {"Gids"}
    replaced = toolbox.usage_frame(1, [11], usage)
    assert replaced[["resource_id", "measure_id"]].values.tolist() == [[1, 11]]
    assert toolbox.usage_choices(measures, towns, "depaving").tolist() == [
        "A (Súdwest-Fryslân)",
        "B (Utrecht)",
    ]


def test_unknown_ids_are_reported_per_row():
    frame = pd.DataFrame({"resource_id": ["1", "99"], "measure_id": ["5", "5"]})
    frame.index = frame.index + 2
    report = validate_frame(
        frame, "resource_usage", known_codes=set(), known_ids={"resources": {1}, "measures": {5}}
    )
    assert [(i.row, i.column, i.key) for i in report.issues] == [
        (3, "resource_id", "err.unknown_reference")
    ]
    assert "resources" in report.messages("nl")[0]
    assert validate_frame(frame, "resource_usage", known_codes=set()).ok  # no ids: not checked


@pytest.mark.postgres
def test_migration_adds_resource_usage_to_an_older_database(db_url):
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    with engine.begin() as conn:  # the database as migration 2 left it
        storage.SQL_TABLES["resource_usage"].drop(conn)
        conn.execute(sa.text("delete from schema_version where version >= 3"))
    assert storage.current_version(engine) == 2
    latest = storage.MIGRATIONS[-1][0]
    assert storage.migrate(engine) == latest
    assert storage.migrate(engine) == latest  # idempotent
    assert "resource_usage" in sa.inspect(engine).get_table_names()
    assert (
        list(storage.read_table(engine, "resource_usage").columns)
        == TABLES["resource_usage"].columns
    )
    engine.dispose()


@pytest.mark.postgres
def test_links_are_checked_on_import_and_follow_removed_resources(db_url):
    engine = storage.make_engine(db_url)
    storage.init_db(engine, ROOT / "data")
    links = storage.read_table(engine, "resource_usage")
    assert len(links) == len(pd.read_csv(ROOT / "data" / "resource_usage.csv"))
    bad = b"resource_id,measure_id\n1,1\n999,1\n"
    report = storage.import_file(engine, "resource_usage", bad, filename="links.csv")
    assert not report.ok and {i.key for i in report.issues} == {"err.unknown_reference"}
    assert storage.table_counts(engine)["resource_usage"] == len(links)
    # replacing the toolbox with one item drops the links of the items that are gone
    keep = b"id,title,kind,theme,level,url,description\n1,Gids,guide,depaving,starter,,\n"
    assert storage.import_file(engine, "resources", keep, replace=True, filename="r.csv").ok
    after = storage.read_table(engine, "resource_usage")
    assert set(after["resource_id"]) <= {1}
    assert len(after) == int((links["resource_id"] == 1).sum())
    engine.dispose()
