"""Several app processes on one database (issue 12, item 7).

* Four ``python -m cop init`` started at the same moment (a barrier) on an empty database
  upgrade it once and fill it once, on SQLite and on PostgreSQL: the migrations run under
  :func:`cop.data.transactions.locked` (``BEGIN IMMEDIATE``; an advisory lock).
* Two real ``streamlit run`` servers on different ports share one PostgreSQL database: a
  change stored through the command line shows in each of them, and a help question
  posted through the first server's page shows in the second, at the next interaction of
  a session that was already open, because the caches of :mod:`cop.ui` are keyed on the
  data version read from the database, not held per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.access import accounts
from cop.data import storage
from cop.data.migrations import MIGRATIONS, SCHEMA_VERSION
from tests import concurrency_workers as workers
from tests.browser_support import (
    StreamlitServer,
    _wait_healthy,
    launch_chromium,
    require_browser,
    route_offline,
    settle,
    sign_in,
)
from tests.conftest import ROOT, _free_port

pytestmark = pytest.mark.postgres

PROCESSES = 4
PASSWORD = "een lang genoeg wachtwoord"
#: expect() waits 5 s by default; two servers sharing two cores with the suite need longer.
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def pool():
    with workers.spawned_pool(PROCESSES) as processes:
        yield processes


@pytest.mark.parametrize("attempt", [1, 2])
def test_processes_starting_at_once_migrate_and_fill_the_database_once(
    db_url, tmp_path, pool, attempt
):
    tasks = [(db_url, str(tmp_path), ["init"]) for _ in range(PROCESSES)]
    results = pool.starmap(workers.cli, tasks)

    for code, _, err in results:
        assert "Traceback" not in err, err
        assert code == 0, err
    loaded = [out for _, out, _ in results if ": loaded" in out]
    assert len(loaded) == 1  # the others found it filled
    engine = storage.make_engine(db_url)
    with engine.connect() as conn:
        versions = conn.execute(sa.select(SCHEMA_VERSION.c.version)).scalars().all()
    assert sorted(versions) == [version for version, _, _ in MIGRATIONS]
    expected = {
        name: len(pd.read_csv(ROOT / "data" / f"{name}.csv"))
        for name in ("municipalities", "measures", "maturity", "help_questions")
    }
    counts = storage.table_counts(engine)
    assert {name: counts[name] for name in expected} == expected
    engine.dispose()


# ---------------------------------------------------------------- two app servers


def _start(url: str, workdir: Path) -> StreamlitServer:
    """``streamlit run app.py`` on a free port on the database ``url``, offline."""
    port = _free_port()
    data_dir = workdir / f"appdata-{port}"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "COP_BOUNDARIES_FILE"}
    env.update(
        DATABASE_URL=url,
        COP_DATA_DIR=str(data_dir),
        COP_OFFLINE="1",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    log = workdir / f"streamlit-{port}.log"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")),
            *("--server.port", str(port), "--server.address", "127.0.0.1"),
            *("--server.headless", "true", "--server.fileWatcherType", "none"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    server = StreamlitServer(f"http://127.0.0.1:{port}", data_dir, process, log)
    try:
        _wait_healthy(server)
    except BaseException:
        process.kill()
        raise
    return server


@pytest.fixture
def two_servers(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, StreamlitServer, ...]]:
    require_browser()
    servers = []
    try:
        for _ in range(2):
            servers.append(_start(pg_url, tmp_path))
        yield (pg_url, *servers)
    finally:
        for server in servers:
            server.process.terminate()
            server.process.wait(timeout=30)


def _measures_shown(page) -> object:
    """The "measures" key figure on Home (its value as the page shows it)."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Measures")
    return metric.locator('[data-testid="stMetricValue"]')


def _open_questions(page) -> object:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Open help questions")
    return metric.locator('[data-testid="stMetricValue"]')


def _post_question(page, text: str) -> None:
    """Sign in as a member and post a help question, all in the page's open session."""
    from playwright.sync_api import expect

    sidebar = page.locator('[data-testid="stSidebar"]')
    sign_in(page, "anna", PASSWORD)  # waits for the signed-in sidebar (60 s, not expect's 5)
    _settled(page)
    expect(sidebar.get_by_text("Signed in as anna", exact=False)).to_be_visible(timeout=WAIT_MS)
    sidebar.get_by_role("link", name="Find peers").click()
    page.get_by_text("Post a help question", exact=True).wait_for()
    _settled(page)
    page.get_by_role("textbox", name="Your question").fill(text)
    page.get_by_role("button", name="Send help question").click()
    page.get_by_text("Your help question has been saved", exact=False).wait_for()


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")
    settle(page)


def test_a_change_shows_in_both_app_servers_at_the_next_interaction(two_servers, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, first, second = two_servers
    shipped = len(pd.read_csv(ROOT / "data" / "measures.csv"))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        pages = []
        for server in (first, second):  # both start at once on the empty database
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            route_offline(context)
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(server.url + "/?lang=nl")
            pages.append(page)
        for page in pages:
            page.get_by_text("Maatregelen", exact=True).first.wait_for()
            _settled(page)
            value = page.locator('[data-testid="stMetric"]').filter(has_text="Maatregelen")
            expect(value.locator('[data-testid="stMetricValue"]')).to_have_text(
                str(shipped), timeout=WAIT_MS
            )

        new = tmp_path / "new.csv"
        new.write_text(
            "id,municipality_code,title,theme,status,updated_at\n"
            "90001,GM0344,Tweede server ziet dit,depaving,idea,2025-01-02\n",
            encoding="utf-8",
        )
        env = {**os.environ, "DATABASE_URL": url, "COP_OFFLINE": "1"}
        done = subprocess.run(
            [sys.executable, "-m", "cop", "import", "measures", str(new)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr

        for page in reversed(pages):  # the same open sessions: switching language reruns
            page.get_by_text("English", exact=True).click()
            _settled(page)
            expect(_measures_shown(page)).to_have_text(str(shipped + 1), timeout=WAIT_MS)

        # a change saved through the first server's page shows in the second
        accounts.add_user(storage.make_engine(url), "anna", PASSWORD, "member", "GM0344")
        first_page, second_page = pages
        open_questions = _open_questions(second_page).inner_text()
        _post_question(first_page, "Wie heeft ervaring met bermbeheer langs provinciale wegen?")
        second_page.get_by_text("Nederlands", exact=True).click()
        _settled(second_page)
        value = second_page.locator('[data-testid="stMetric"]').filter(has_text="Open hulpvragen")
        expect(value.locator('[data-testid="stMetricValue"]')).to_have_text(
            str(int(open_questions) + 1), timeout=WAIT_MS
        )
        browser.close()
    engine = storage.make_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(sa.select(SCHEMA_VERSION.c.version)).scalars().all()
    assert sorted(versions) == [version for version, _, _ in MIGRATIONS]
    assert len(storage.read_table(engine, "measures")) == shipped + 1
    engine.dispose()
