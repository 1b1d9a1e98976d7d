"""Failures are messages: the page error boundary, the database away or read-only, the CLI.

* pages: a bug shows one sentence and a reference id, the traceback only in the log; a
  database that is unreachable (a PostgreSQL server of our own, stopped and started
  again) or read-only shows a notice and the app recovers by itself;
* sign-in on a read-only database still works;
* the command line: a user's mistake (missing file, a folder, a read-only or unreachable
  database, a bad DATABASE_URL) is one line and exit code 2; a bug is one line and exit
  code 1, its traceback only with ``--debug`` or ``COP_DEBUG=1``;
* control characters of a cell are shown escaped in reports and problem tables.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from cop import ui
from cop.access import accounts
from cop.cli import main as cli_main
from cop.core import i18n
from cop.data import failures, storage
from cop.data.validation import validate_file
from tests.conftest import ROOT, _free_port, _pg_bindir, require

PASSWORD = "a long enough password"


def closed_port_url() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/cop"


def read_only_sqlite(monkeypatch) -> None:
    """Every engine the app or the CLI makes refuses writes, as on a read-only disk.

    The tests run as root, for whom file permissions do not stop writes; SQLite's
    ``query_only`` gives the same error a read-only file gives (SQLITE_READONLY).
    """
    make_engine = storage.make_engine

    def read_only(url: str | None = None) -> sa.Engine:
        engine = make_engine(url)
        sa.event.listen(
            engine, "connect", lambda conn, record: conn.execute("PRAGMA query_only = ON")
        )
        return engine

    monkeypatch.setattr(storage, "make_engine", read_only)


def shown_text(at: AppTest) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


# ---------------------------------------------------------------- describing failures


def test_database_failures_are_recognised_from_real_errors(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    sa.event.listen(engine, "connect", lambda conn, record: conn.execute("PRAGMA query_only = ON"))
    with pytest.raises(sa.exc.OperationalError) as read_only, engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (a)"))
    assert failures.describe(read_only.value).kind == "read_only"
    missing_folder = sa.create_engine(f"sqlite:///{tmp_path / 'no' / 'x.sqlite'}")
    with pytest.raises(sa.exc.OperationalError) as cannot_open:
        missing_folder.connect()
    assert failures.describe(cannot_open.value).kind == "unreachable"
    server_away = sa.create_engine(closed_port_url(), connect_args={"connect_timeout": 5})
    with pytest.raises(sa.exc.OperationalError) as refused:
        server_away.connect()
    failure = failures.describe(refused.value)
    assert failure.kind == "unreachable" and failure.expected
    assert "127.0.0.1" not in failure.message("en")  # no host, port or SQL for the person
    with pytest.raises(sa.exc.ArgumentError) as bad_url:
        sa.create_engine("not a url")
    assert failures.describe(bad_url.value).kind == "database_url"
    assert failures.describe(ZeroDivisionError()).kind == "bug"
    assert not failures.describe(ZeroDivisionError()).expected


def test_file_failures_name_the_file(tmp_path):
    for make, kind in [
        (lambda: (tmp_path / "gone.csv").read_bytes(), "file_missing"),
        (lambda: tmp_path.read_bytes(), "file_is_directory"),
        (lambda: (tmp_path / "f.txt" / "x").write_text(""), "file_is_directory"),
    ]:
        (tmp_path / "f.txt").write_text("")
        with pytest.raises(OSError) as raised:
            make()
        failure = failures.describe(raised.value)
        assert failure.kind == kind
        assert failure.params["file"].startswith(str(tmp_path))
    denied = PermissionError(13, "Permission denied", "/etc/x\x1b[31m")
    assert failures.describe(denied).message("en") == (
        "No access to /etc/x\\x1b[31m: its permissions or a read-only disk do not allow it."
    )


# ---------------------------------------------------------------- the page error boundary


def test_a_page_bug_is_a_message_with_a_reference_and_the_traceback_is_in_the_log(
    app_env, monkeypatch, caplog
):
    from cop.data import summary

    monkeypatch.delenv("COP_DEBUG")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("secret detail /srv/cop/cop.sqlite")

    monkeypatch.setattr(summary, "key_figures", broken)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.LANG_KEY] = "nl"
    with caplog.at_level(logging.ERROR, logger="cop.ui"):
        at.run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert i18n.t("failure.page_bug", "nl").split(";")[0] in error
    reference = error.rsplit(" ", 1)[1].rstrip(".")
    assert len(reference) == 8
    text = shown_text(at)
    assert "secret detail" not in text and "ZeroDivisionError" not in text
    assert "Traceback" not in text
    assert reference in caplog.text and "ZeroDivisionError: secret detail" in caplog.text
    assert at.button(key="failure_retry").label == "Opnieuw proberen"


def test_with_cop_debug_the_boundary_still_shows_the_message_and_re_raises(app_env, monkeypatch):
    from cop.data import summary

    monkeypatch.setattr(summary, "key_figures", lambda *a, **k: 1 / 0)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert at.exception and at.exception[0].message == "division by zero"
    assert at.error  # the person's message is there too


def test_an_unreachable_database_is_a_notice_without_host_or_port(app_env, monkeypatch):
    monkeypatch.delenv("COP_DEBUG")
    url = closed_port_url()
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [e.value.split(". ")[0] for e in at.error] == ["De database is niet bereikbaar"]
    text = shown_text(at)
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert port not in text and "OperationalError" not in text and "psycopg" not in text


@pytest.fixture
def own_pg_server():
    """A PostgreSQL server of this test alone, which it may stop and start again."""
    bindir = _pg_bindir()
    require(bindir is not None, "PostgreSQL (pg_ctl) is not installed")
    workdir = Path(tempfile.mkdtemp(prefix="cop-pg-own-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log, port = workdir / "data", workdir / "server.log", _free_port()
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"

    def pg_ctl(*args: str) -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    initdb = [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]
    subprocess.run(
        [*prefix, *initdb, "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = {
        "url": f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
        "start": lambda: pg_ctl("-o", options, "-l", str(log), "-w", "start"),
        "stop": lambda: pg_ctl("-m", "fast", "-w", "stop"),
    }
    server["start"]()
    try:
        yield server
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.postgres
def test_the_app_recovers_when_postgresql_comes_back(app_env, monkeypatch, own_pg_server):
    monkeypatch.delenv("COP_DEBUG")
    monkeypatch.setenv("DATABASE_URL", own_pg_server["url"])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state[ui.LANG_KEY] = "nl"
    at.run()
    assert not at.exception and not at.error
    assert len(at.metric) == 4  # the home page's key figures
    own_pg_server["stop"]()
    at.run()
    assert not at.exception
    assert [e.value.split(". ")[0] for e in at.error] == ["De database is niet bereikbaar"]
    own_pg_server["start"]()
    at.button(key="failure_retry").click().run()  # what the person does
    assert not at.exception and not at.error
    assert len(at.metric) == 4


def test_a_read_only_database_shows_pages_signs_in_and_refuses_writes_clearly(app_env, monkeypatch):
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    engine = storage.make_engine(f"sqlite:///{app_env / 'cop.sqlite'}")
    home = str(storage.read_table(engine, "contacts")["municipality_code"].iloc[0])
    accounts.add_user(engine, "member1", PASSWORD, "member", home)
    engine.dispose()
    monkeypatch.delenv("COP_DEBUG")
    read_only_sqlite(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.LANG_KEY] = "nl"
    at.run()
    assert not at.exception and not at.error  # reading works
    at.text_input(key="sign_in_username").input("member1")
    at.text_input(key="sign_in_password").input("wrong password!")
    at.button(key="sign_in_submit").click().run()
    assert [e.value for e in at.sidebar.error] == [i18n.t(accounts.FAILED, "nl")]
    at.text_input(key="sign_in_username").input("member1")
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception
    assert at.session_state[ui.ROLE_KEY] == "member"  # signed in, bookkeeping not stored
    at.switch_page("pages/peers.py").run()
    at.text_area(key="peers_post_text").input("Hoe tellen jullie bijen in bermen?")
    at.button(key="peers_post_submit").click().run()
    assert not at.exception
    assert [e.value.split(":")[0] for e in at.error] == ["De database kan nu alleen gelezen worden"]


# ---------------------------------------------------------------- the command line


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cop", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_cli_user_mistakes_are_one_line_and_exit_2(app_env, tmp_path):
    cases = {
        "missing": (["validate", "maturity", str(tmp_path / "gone.csv")], {}, "does not exist"),
        "folder": (["import", "maturity", str(tmp_path)], {}, "is a folder"),
        "unreachable": (["init"], {"DATABASE_URL": closed_port_url()}, "cannot be reached"),
        "bad url": (["init"], {"DATABASE_URL": "nonsense"}, "not a usable database URL"),
        "export": (["export", "--out", str(tmp_path / "f.csv" / "x")], {}, "folder"),
    }
    (tmp_path / "f.csv").write_text("a\n")
    for name, (args, env, expected) in cases.items():
        done = run_cli(*args, env=env)
        assert done.returncode == 2, (name, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], (name, done.stderr)
        assert "Traceback" not in done.stderr


def test_cli_read_only_database_is_one_line_and_exit_2(app_env, tmp_path, monkeypatch, capsys):
    good = tmp_path / "levels.csv"
    good.write_text("municipality_code,year,dimension,level\nGM0344,2024,vision_policy,3\n")
    read_only_sqlite(monkeypatch)
    assert cli_main.main(["import", "maturity", str(good)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "can only be read" in err[0]


def test_cli_bug_is_one_line_and_exit_1_and_a_traceback_only_on_request(
    app_env, monkeypatch, capsys
):
    from cop.cli import demo

    monkeypatch.delenv("COP_DEBUG")

    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(demo, "cmd_demo", broken)
    argv = ["demo", "--out", "x"]
    assert cli_main.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ZeroDivisionError: division by zero" in err[0] and "--debug" in err[0]
    with pytest.raises(ZeroDivisionError):
        cli_main.main([*argv, "--debug"])
    with pytest.raises(ZeroDivisionError):
        cli_main.main(["--debug", *argv])
    monkeypatch.setenv("COP_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli_main.main(argv)


def test_cli_ctrl_c_is_exit_130_without_a_traceback(app_env, monkeypatch, capsys):
    from cop.cli import demo

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "cmd_demo", interrupted)
    assert cli_main.main(["demo", "--out", "x"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"


# ---------------------------------------------------------------- control characters


def test_control_characters_are_shown_escaped_by_validate_and_in_problem_tables(
    app_env, tmp_path, capsys
):
    bad = tmp_path / "levels.csv"
    bad.write_bytes(
        b'municipality_code,year,dimension,level\nGM0344,2024,vision_policy,"\x1b[31m9\r\x07"\n'
    )
    assert cli_main.main(["validate", "maturity", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\r" not in err
    assert "\\x1b[31m9\\r\\x07" in err
    report = validate_file(bad, "maturity", known_codes={"GM0344"})
    value = report.to_frame("nl")["value"].tolist()
    assert value == ["\\x1b[31m9\\r\\x07"]
    assert all("\x1b" not in message for message in report.messages("nl"))
