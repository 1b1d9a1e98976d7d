"""Shared fixtures: a throwaway PostgreSQL server, demo databases, the app environment.

Tests that need something outside the repository (``../shared``, PostgreSQL, Chromium)
skip on a developer's fresh clone but *fail* in CI (``CI=true``), where `.ci/run` provides
them: a skipped check must never pass as a green build.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = ROOT.parent / "shared"
SHARED_BOUNDARIES = SHARED_DIR / "data" / "gemeente_2025.geojson"
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false, except in CI where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


# ---------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    return candidates[0].parent if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL server: ``COP_TEST_DATABASE_URL`` or a throwaway one we start."""
    given = os.environ.get("COP_TEST_DATABASE_URL")
    if given:
        yield given
        return
    bindir = _pg_bindir()
    require(bindir is not None, "PostgreSQL (pg_ctl) is not installed")
    assert bindir is not None
    workdir = Path(tempfile.mkdtemp(prefix="cop-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # pg_ctl refuses root: run the server as the postgres user
        shutil.chown(workdir, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log, port = workdir / "data", workdir / "server.log", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server for one test."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        sa.create_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on the embedded SQLite file and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cop.sqlite'}"
    return request.getfixturevalue("pg_url")


# ---------------------------------------------------------------- demo databases


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file filled with the shipped demo data, built once per test session."""
    from cop.data import storage

    path = tmp_path_factory.mktemp("demo-db") / "cop.sqlite"
    engine = storage.make_engine(f"sqlite:///{path}")
    storage.init_db(engine, ROOT / "data")
    engine.dispose()
    return path


def configure_app_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Point the app at ``data_dir``, offline, with ``COP_DEBUG=1`` (tracebacks, not only
    messages). The boundaries come from ``../shared`` when present (never from the
    network: ``COP_OFFLINE=1``)."""
    monkeypatch.setenv("COP_DATA_DIR", str(data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("COP_OFFLINE", "1")
    # A page's error boundary shows a message, then re-raises: a bug still fails a test.
    monkeypatch.setenv("COP_DEBUG", "1")
    if SHARED_BOUNDARIES.exists():
        monkeypatch.setenv("COP_BOUNDARIES_FILE", str(SHARED_BOUNDARIES))
    else:
        monkeypatch.delenv("COP_BOUNDARIES_FILE", raising=False)


def _demo_copy(demo_db_file: Path, parent: Path) -> Path:
    data_dir = parent / "appdata"
    data_dir.mkdir()
    shutil.copy(demo_db_file, data_dir / "cop.sqlite")
    return data_dir


@pytest.fixture
def app_env(demo_db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for AppTest and CLI tests: a private copy of the demo database (see
    :func:`configure_app_env`). Returns the data directory."""
    data_dir = _demo_copy(demo_db_file, tmp_path)
    configure_app_env(monkeypatch, data_dir)
    return data_dir


@pytest.fixture(scope="module")
def module_monkeypatch() -> Iterator[pytest.MonkeyPatch]:
    """A monkeypatch undone when the module's tests are done."""
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


@pytest.fixture(scope="module")
def module_app_env(
    demo_db_file: Path,
    tmp_path_factory: pytest.TempPathFactory,
    module_monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """:func:`app_env` shared by a module's tests that only read (page × role × language
    sweeps). The app caches per database, so one database fills the caches once for the
    whole sweep instead of once per test (two seconds per page run on the demo data)."""
    data_dir = _demo_copy(demo_db_file, tmp_path_factory.mktemp("module-app"))
    configure_app_env(module_monkeypatch, data_dir)
    return data_dir


def site_fixtures(build, name: str):
    """Fixtures ``name`` (a private database per test) and ``shared_name`` (one per module,
    for page sweeps that only read) of the site ``build(data_dir, monkeypatch)`` makes:
    a dict with at least ``engine``, disposed afterwards."""

    @pytest.fixture(name=name)
    def per_test(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
        site = build(app_env, monkeypatch)
        yield site
        site["engine"].dispose()

    @pytest.fixture(name=f"shared_{name}", scope="module")
    def per_module(module_app_env: Path, module_monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
        site = build(module_app_env, module_monkeypatch)
        yield site
        site["engine"].dispose()

    return per_test, per_module


def make_app(page: str | None = None, *, lang: str | None = None, timeout: float = 60):
    """An AppTest of ``app.py`` run once, switched to ``page`` (``pages/x.py``) if given."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if lang:
        at.session_state["lang"] = lang
    at.run()
    if page:
        at.switch_page(page).run()
    return at


@pytest.fixture(autouse=True)
def entry_point_runs_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make AppTest run ``app.py`` before every page, as a running server does.

    AppTest builds a new ``PagesManager`` on every run, which re-detects the legacy
    ``pages/`` folder and would run a switched-to page without ``app.py``. The app itself
    recovers from that with a rerun (``cop.ui._require_shell``), but a rerun drops the
    button click that caused the run, so tests switch the legacy mode off up front.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
