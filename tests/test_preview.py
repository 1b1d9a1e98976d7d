"""Import preview (issue 12): what an import would add, change and remove, and which names
it read as codes, before anything is stored; on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import pandas as pd
import pytest

from cop.access import editing
from cop.cli import main as cli_main
from cop.data import history, storage
from cop.data.preview import ImportPreview
from tests.test_history import CONTACTS, bram, seeded

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(db_url, tmp_path):
    engine = seeded(db_url, tmp_path)
    yield engine
    engine.dispose()


def _state(engine):
    return (
        storage.read_table(engine, "contacts"),
        storage.data_version(engine),
        len(history.batches(engine)),
    )


def test_a_dry_run_lists_added_changed_and_resolved_and_stores_nothing(engine):
    before = _state(engine)
    loaded = before[0].set_index("id")
    text = CONTACTS + bram() + "90,Den Haag,Noor Visser,Ecoloog,,,,True\n"
    text += "91,utrecht,Sem de Boer,Beleid,,,,True\n"

    report = storage.import_file(
        engine, "contacts", text.encode(), filename="c.csv", dry_run=True, actor="anna"
    )

    assert report.ok, report.messages("en")
    preview = ImportPreview.from_report(report)
    assert preview.counts == {"added": 2, "changed": 1, "removed": 0, "unchanged": 0}
    assert preview.added["id"].tolist() == [90, 91]
    assert preview.added["municipality_code"].tolist() == ["GM0518", "GM0344"]
    assert preview.changed.to_dict("records") == [
        {"id": 1, "column": "role", "before": loaded.at[1, "role"], "after": "Wethouder"}
    ]
    assert preview.removed.empty
    assert preview.resolved.values.tolist() == [
        [3, "municipality_code", "Den Haag", "GM0518"],
        [4, "municipality_code", "utrecht", "GM0344"],
    ]
    lines = preview.lines("en")
    assert lines[0] == (
        "c.csv: importing into 'contacts' would add 2 rows, change 1 and remove 0 "
        "(0 stay the same). Nothing has been stored yet."
    )
    assert "  90 'Noor Visser'" in lines
    assert f"  1 role: '{loaded.at[1, 'role']}' → 'Wethouder'" in lines
    assert "  row 3, municipality_code: 'Den Haag' → GM0518" in lines
    after = _state(engine)
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[1:] == before[1:]

    stored = storage.import_file(engine, "contacts", text.encode(), filename="c.csv")
    assert stored.ok and stored.outcome.counts() == preview.counts
    assert storage.read_table(engine, "contacts").set_index("id").at[90, "municipality_code"] == (
        "GM0518"
    )


def test_a_replace_preview_lists_the_rows_it_would_remove(engine):
    contacts = storage.read_table(engine, "contacts")
    kept = contacts[contacts["id"] <= 3]
    data = kept.to_csv(index=False).encode()

    report = editing.import_upload(
        engine, "contacts", data, "k.csv", role="coordinator", replace=True, dry_run=True
    )

    preview = ImportPreview.from_report(report)
    assert preview.counts["removed"] == len(contacts) - 3 and preview.counts["unchanged"] == 3
    assert sorted(preview.removed["id"]) == sorted(contacts["id"][contacts["id"] > 3])
    assert f"Removed ({len(contacts) - 3}):" in preview.lines("en")
    assert len(storage.read_table(engine, "contacts")) == len(contacts)
    with pytest.raises(PermissionError):
        editing.import_upload(engine, "contacts", data, "k.csv", role="member", dry_run=True)


def test_a_name_of_several_municipalities_or_none_is_not_read_as_a_code(engine):
    text = CONTACTS + "90,Haaren,Noor Visser,Ecoloog,,,,True\n91,Atlantis,Sem,Beleid,,,,True\n"
    report = storage.import_file(engine, "contacts", text.encode(), filename="c.csv", dry_run=True)
    assert not report.ok and report.resolved == []
    assert {(i.row, i.column) for i in report.issues} == {
        (2, "municipality_code"),
        (3, "municipality_code"),
    }
    preview = ImportPreview.from_report(report)
    assert preview.counts["added"] == 0 and len(preview.issues) == len(report.issues)


def test_cli_import_dry_run_prints_the_preview_and_stores_nothing(app_env, tmp_path, capsys):
    engine = storage.make_engine()
    before = _state(engine)
    path = tmp_path / "c.csv"
    path.write_text(CONTACTS + bram() + "90,Den Haag,Noor Visser,Ecoloog,,,,True\n", "utf-8")

    assert cli_main.main(["import", "contacts", str(path), "--dry-run"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("c.csv: importing into 'contacts' would add 1 rows, change 1")
    assert "  90 'Noor Visser'" in out and "  row 3, municipality_code: 'Den Haag' → GM0518" in out
    assert out[-1] == "Dry run (--dry-run): nothing was stored."
    after = _state(engine)
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[1:] == before[1:]
    # the real import names the names it read as codes too
    assert cli_main.main(["import", "contacts", str(path)]) == 0
    assert "  row 3, municipality_code: 'Den Haag' → GM0518" in capsys.readouterr().out
