"""Backup and restore (issue 12, item 6), on SQLite and on a real PostgreSQL server.

restore(backup) gives identical tables; the backup is one moment while others write; every
kind of value survives (bytes of a photo included); a hostile, truncated or changed file is
refused with one line and nothing changes; a restore killed with SIGKILL halfway (a real
``python -m cop restore`` process reading the backup from a pipe that the test stops
feeding) leaves the previous data as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.access import accounts
from cop.cli import main as cli_main
from cop.data import backup as backups
from cop.data import storage
from tests.conftest import ROOT

SEED_TABLES = ("municipalities", "measures", "maturity", "help_questions", "contacts")


def _seeded(url: str, folder: Path) -> sa.engine.Engine:
    """Part of the demo data (enough for every kind of table), plus one account."""
    seed = folder / "seed"
    seed.mkdir(exist_ok=True)
    for name in SEED_TABLES:
        (seed / f"{name}.csv").write_bytes((ROOT / "data" / f"{name}.csv").read_bytes())
    engine = storage.make_engine(url)
    storage.init_db(engine, seed)
    accounts.add_user(engine, "anna", "een lang wachtwoord", "member", "GM0344")
    return engine


def snapshot(engine: sa.engine.Engine, tables=None) -> dict[str, list[tuple]]:
    """Every row of every table, read independently of the backup code (sorted)."""
    found = {}
    with engine.connect() as conn:
        for table in tables or backups.backup_tables():
            rows = conn.execute(sa.select(table)).all()
            found[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return found


def _without_version(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The tables without what a restore renews: ``data_version``, the table stamps and the
    identity of the data (``database_key``, ``data_token``: results cached on disk)."""
    renewed = {"data_version", "database_key", "data_token"}
    meta = [r for r in tables["meta"] if r[0] not in renewed and not r[0].startswith("version:")]
    return {**tables, "meta": meta}


def _change_everything(engine: sa.engine.Engine) -> None:
    """After the backup: edits, removals, a new row and a new account."""
    header = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
    contacts = header + "1,GM0344,Iemand Anders,Wethouder,,,,True\n999,GM0307,Nieuw,,,,,False\n"
    assert storage.import_file(engine, "contacts", contacts.encode(), filename="c.csv").ok
    measures = storage.read_table(engine, "measures")
    kept = measures.iloc[10:]  # ten measures removed
    item = storage.TableWrite("measures", kept, mode="replace")
    assert storage.write(engine, [item], actor="t", source="t").applied
    accounts.add_user(engine, "bram", "nog een lang wachtwoord", "coordinator")
    accounts.remove_user(engine, "anna")


def test_restore_of_a_backup_gives_identical_tables(db_url, tmp_path, monkeypatch, capsys):
    engine = _seeded(db_url, tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    before = snapshot(engine)
    assert len(before["measures"]) > 100 and len(before["users"]) == 1
    version = storage.data_version(engine)
    file = tmp_path / "cop.backup"

    assert cli_main.main(["backup", "--out", str(file)]) == 0
    assert file.stat().st_mode & 0o777 == 0o600  # personal data and password hashes
    _change_everything(engine)
    changed = snapshot(engine)
    assert changed["measures"] != before["measures"] and changed["users"] != before["users"]
    assert cli_main.main(["restore", str(file), "--yes"]) == 0

    after = snapshot(engine)
    assert _without_version(after) == _without_version(before)
    # a restore is new data for every cache of every app process
    assert storage.data_version(engine) > version
    assert int(dict(after["meta"])["data_version"]) > int(dict(changed["meta"])["data_version"])
    new_version, versions = storage.data_versions(engine)
    assert set(versions.values()) == {new_version}  # every table is new: all caches renew
    for key in ("database_key", "data_token"):  # nothing cached on disk is taken for it
        assert dict(after["meta"])[key] not in (
            dict(before["meta"])[key],
            dict(changed["meta"])[key],
        )
    out = capsys.readouterr().out
    assert f"measures: {len(before['measures']):,} rows" in out
    # ids the database hands out later never collide with restored or removed ones
    question = pd.DataFrame(
        {
            "municipality_code": ["GM0344"],
            "asked_on": [pd.Timestamp("2026-01-05")],
            "theme": ["depaving"],
            "question": ["Na het herstel"],
            "status": ["open"],
        }
    )
    outcome = storage.write(
        engine, [storage.TableWrite("help_questions", question)], actor="t", source="t"
    )
    new_id = int(outcome.tables["help_questions"].assigned_ids.iloc[0])
    assert new_id > max(row[0] for row in before["help_questions"])
    engine.dispose()


def _probe_table() -> sa.Table:
    """A table with every kind of column, like a photos table with its picture bytes."""
    return sa.Table(
        "backup_probe",
        sa.MetaData(),
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("label", sa.Text),
        sa.Column("picture", sa.LargeBinary),
        sa.Column("taken_at", sa.DateTime),
        sa.Column("taken_on", sa.Date),
        sa.Column("shown", sa.Boolean),
        sa.Column("share", sa.Float),
    )


def test_every_kind_of_value_survives_bytes_included(db_url, tmp_path):
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    probe = _probe_table()
    probe.metadata.create_all(engine)
    rows = [
        {
            "id": 1,
            "label": 'regel 1\nregel 2 "quote" \\ é ✓',
            "picture": bytes(range(256)) * 40,
            "taken_at": dt.datetime(2025, 6, 1, 12, 30, 15, 123456),
            "taken_on": dt.date(2024, 2, 29),
            "shown": True,
            "share": -0.1,
        },
        {"id": 2**40, "label": "", "picture": b"", "shown": False, "share": 1e300},
        {"id": 3},
    ]
    rows = [{c.name: row.get(c.name) for c in probe.columns} for row in rows]
    with engine.begin() as conn:
        conn.execute(probe.insert(), rows)
    before = snapshot(engine, [probe])
    file = tmp_path / "probe.backup"
    backups.backup(engine, file, tables=[probe])
    with engine.begin() as conn:
        conn.execute(probe.delete().where(probe.c.id == 1))
        conn.execute(probe.insert().values(id=4, label="later"))

    backups.restore(engine, file, tables=[probe])

    assert snapshot(engine, [probe]) == before
    assert before["backup_probe"][0][2] == bytes(range(256)) * 40
    engine.dispose()


def test_a_backup_is_one_moment_while_the_app_keeps_writing(db_url, tmp_path):
    """Rows written by another connection after the backup started are not in it, neither
    in a table already written nor in one still to come."""
    engine = _seeded(db_url, tmp_path)
    before = snapshot(engine)
    writer = storage.make_engine(db_url)
    order = [t.name for t in backups.backup_tables()]
    first = order[0]
    wrote: list[str] = []

    def write_meanwhile(table: str, rows: int) -> None:
        if table != first:
            return
        header = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
        late = header + "4242,GM0344,Te Laat,,,,,True\n"
        assert storage.import_file(writer, "contacts", late.encode(), filename="l.csv").ok
        measure = "id,municipality_code,title,theme,status,updated_at\n"
        measure += "4243,GM0344,Te laat,depaving,idea,2025-01-02\n"
        assert storage.import_file(writer, "measures", measure.encode(), filename="m.csv").ok
        wrote.append(table)

    file = tmp_path / "moment.backup"
    backups.backup(engine, file, progress=write_meanwhile)
    assert wrote == [first] and order.index("contacts") <= order.index("measures")
    assert len(storage.read_table(writer, "measures")) == len(before["measures"]) + 1

    # restored into a fresh SQLite database: exactly the state when the backup began
    fresh = storage.make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    storage.migrate(fresh)
    backups.restore(fresh, file)
    assert _without_version(snapshot(fresh)) == _without_version(before)
    for engine_ in (engine, writer, fresh):
        engine_.dispose()


# ---------------------------------------------------------------- files that are not right


def _lines(file: Path) -> list[bytes]:
    return gzip.decompress(file.read_bytes()).splitlines(keepends=True)


def _gz(lines: list[bytes]) -> bytes:
    return gzip.compress(b"".join(lines))


def _with_checksum(lines: list[bytes]) -> list[bytes]:
    """``lines`` with a correct trailer (so only the change under test is wrong)."""
    import hashlib

    body = lines[:-1]
    trailer = {"end_of_backup": True, "sha256": hashlib.sha256(b"".join(body)).hexdigest()}
    return [*body, json.dumps(trailer).encode() + b"\n"]


def _edit_header(lines: list[bytes], change) -> list[bytes]:
    header = json.loads(lines[0])
    change(header)
    return _with_checksum([json.dumps(header).encode() + b"\n", *lines[1:]])


def _hostile(name: str, good: bytes) -> bytes:
    lines = gzip.decompress(good).splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith(b"["))
    if name == "empty":
        return b""
    if name == "csv":
        return b"code,name\nGM0344,Utrecht\n"
    if name == "gzip_of_text":
        return gzip.compress(b"hello\n")
    if name == "truncated_half":
        return good[: len(good) // 2]
    if name == "truncated_before_trailer":
        return _gz(lines[:-1])
    if name == "one_value_changed":
        changed = lines[row].replace(b"GM0", b"GM9", 1)
        assert changed != lines[row]
        return _gz([*lines[:row], changed, *lines[row + 1 :]])
    if name == "row_wrong_kind":
        values = json.loads(lines[row])
        values[0] = {"$": "object"}
        bad = json.dumps(values).encode() + b"\n"
        return _gz(_with_checksum([*lines[:row], bad, *lines[row + 1 :]]))
    if name == "row_missing":
        return _gz(_with_checksum([*lines[:row], *lines[row + 1 :]]))
    if name == "duplicate_key":
        return _gz(_with_checksum([*lines[: row + 1], lines[row], *lines[row + 1 :]]))
    if name == "other_version":
        return _gz(_edit_header(lines, lambda h: h.update(version=99)))
    if name == "newer_migrations":
        return _gz(_edit_header(lines, lambda h: h["migrations"].append(999)))
    if name == "unknown_table":
        return _gz(_edit_header(lines, lambda h: h["tables"][0].update(name="pg_authid")))
    if name == "unknown_column":
        return _gz(
            _edit_header(lines, lambda h: h["tables"][0]["columns"][0].__setitem__(0, "x;--"))
        )
    if name == "data_after_the_end":
        return _gz([*lines, b"[1]\n"])
    raise AssertionError(name)


HOSTILE = {
    "empty": "not a backup",
    "csv": "not a backup",
    "gzip_of_text": "not a backup",
    "truncated_half": "incomplete",
    "truncated_before_trailer": "incomplete",
    "one_value_changed": "checksum",
    "row_wrong_kind": "does not fit its columns",
    "row_missing": "number of rows",
    "duplicate_key": "number of rows",
    "other_version": "format version 99",
    "newer_migrations": "newer version of the dashboard (migrations 999)",
    "unknown_table": "does not have: pg_authid",
    "unknown_column": "x;--",
    "data_after_the_end": "line",
}


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory) -> tuple[Path, bytes]:
    """A SQLite database with part of the demo data and its backup."""
    folder = tmp_path_factory.mktemp("good")
    engine = _seeded(f"sqlite:///{folder / 'cop.sqlite'}", folder)
    file = folder / "good.backup"
    backups.backup(engine, file)
    engine.dispose()
    return folder / "cop.sqlite", file.read_bytes()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_bad_backup_file_is_refused_in_one_line_and_nothing_changes(
    name, good_backup, tmp_path, monkeypatch, capsys
):
    database, good = good_backup
    copy = tmp_path / "cop.sqlite"
    copy.write_bytes(database.read_bytes())
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = storage.make_engine(url)
    _change_everything(engine)  # so that a restore, had it happened, would show
    before = snapshot(engine)
    bad = tmp_path / "bad.backup"
    bad.write_bytes(_hostile(name, good))

    assert cli_main.main(["restore", str(bad), "--yes"]) == 2

    err = capsys.readouterr().err
    assert "Traceback" not in err
    first, second = err.strip().splitlines()
    assert first.startswith("error: ") and HOSTILE[name] in first, first
    assert second == "Nothing was changed."
    assert snapshot(engine) == before
    engine.dispose()


def test_restore_asks_first_and_needs_yes_without_a_terminal(good_backup, tmp_path):
    database, good = good_backup
    copy = tmp_path / "cop.sqlite"
    copy.write_bytes(database.read_bytes())
    file = tmp_path / "good.backup"
    file.write_bytes(good)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{copy}", "COP_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "cop", "restore", str(file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    assert "Restoring replaces ALL data in sqlite:///" in done.stdout
    assert done.stderr.strip() == (
        "error: Restoring replaces all data and therefore asks first; without a terminal add --yes."
    )


# ---------------------------------------------------------------- killed halfway


def _writer_end(pipe: Path, process: subprocess.Popen):
    """The pipe's writing end, once the restore has opened it for reading (or has ended)."""
    while True:
        try:
            descriptor = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:  # ENXIO: no reader yet
            if process.poll() is not None:
                raise AssertionError(f"restore ended early: {process.stderr.read()}") from exc
            time.sleep(0.05)
            continue
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "wb")


def test_a_restore_killed_halfway_leaves_the_previous_data(db_url, tmp_path):
    """``python -m cop restore`` reads the backup from a pipe; the test feeds it half the
    file, waits until the restore has replaced at least one table (its progress line,
    printed inside the transaction), and kills it with SIGKILL."""
    engine = _seeded(db_url, tmp_path)
    full = tmp_path / "full.backup"
    backups.backup(engine, full)
    _change_everything(engine)
    before = snapshot(engine)
    data = full.read_bytes()
    pipe = tmp_path / "restore.pipe"
    os.mkfifo(pipe)
    env = {**os.environ, "DATABASE_URL": db_url, "COP_OFFLINE": "1", "COP_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cop", "restore", str(pipe), "--yes"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr: list[str] = []
    threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True).start()
    with _writer_end(pipe, process) as feed:
        feed.write(data[: len(data) * 3 // 4])
        feed.flush()
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("  ") and " rows" in line:  # one table replaced, not committed
                break
        assert any(" rows" in line for line in seen), (seen, stderr)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=120) == -signal.SIGKILL
    assert "Restored" not in "".join(seen)

    assert snapshot(engine) == before
    # nothing is left locked: the next restore of the whole file goes through
    assert backups.restore(engine, full).total_rows > 0
    assert snapshot(engine)["contacts"] != before["contacts"]
    engine.dispose()


def test_a_wrong_path_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cop.sqlite'}")
    missing = tmp_path / "nowhere" / "cop.backup"
    assert cli_main.main(["backup", "--out", str(missing)]) == 2
    assert cli_main.main(["backup", "--out", str(tmp_path)]) == 2
    assert cli_main.main(["restore", str(tmp_path / "absent.backup"), "--yes"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        f"error: The file {missing.parent} does not exist. Check the name and the folder.",
        f"error: {tmp_path} is a folder, not a file (or part of the path is not a folder).",
        f"error: The file {tmp_path / 'absent.backup'} does not exist. "
        "Check the name and the folder.",
    ]
    assert list(tmp_path.glob("*.partial")) == [] and not missing.parent.exists()
