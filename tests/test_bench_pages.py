"""The page benchmark's plumbing (no timing): which pages it measures and how it reads figures.

``benchmarks/bench_pages.py`` must measure every page, including pages other branches add
later (issue 15: practice, share, questions, join), without a change of its own: it reads
``app.py``'s navigation. These tests fail when a page in ``pages/`` escapes it.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_pages_under_test", ROOT / "benchmarks" / "bench_pages.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_every_page_file_of_the_app_is_measured(bench):
    pages = bench.discover_pages(ROOT)
    on_disk = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")} - {"pages/__init__.py"}
    assert set(pages) == on_disk
    assert pages[0] == "pages/home.py"
    assert len(pages) == len(set(pages))


def _app(tmp_path: Path, body: str, files: list[str]) -> Path:
    (tmp_path / "pages").mkdir()
    for name in files:
        (tmp_path / "pages" / name).write_text("import streamlit as st\n")
    (tmp_path / "app.py").write_text(body)
    return tmp_path


def test_a_page_added_to_the_navigation_is_measured_without_a_change(bench, tmp_path):
    root = _app(
        tmp_path,
        "import streamlit as st\n"
        "from streamlit import Page\n"
        "PAGES = {'': [st.Page('pages/map.py', title='Kaart'),\n"
        "              st.Page('pages/home.py', title='Start', default=True)],\n"
        "         'Samen': [Page('pages/practice.py', title='Praktijk')]}\n"
        "st.navigation(PAGES).run()\n",
        ["home.py", "map.py", "practice.py"],
    )
    assert bench.discover_pages(root) == ["pages/home.py", "pages/map.py", "pages/practice.py"]
    assert bench.unmeasured_pages(root, bench.navigation_pages(root)) == []


def test_a_page_named_through_a_variable_is_reported(bench, tmp_path, capsys):
    root = _app(
        tmp_path,
        "import streamlit as st\n"
        "JOIN = 'pages/join.py'\n"
        "st.navigation([st.Page('pages/home.py'), st.Page(JOIN)]).run()\n",
        ["home.py", "join.py"],
    )
    assert bench.discover_pages(root) == ["pages/home.py"]
    assert "pages/join.py" in capsys.readouterr().out
    assert bench.unmeasured_pages(root, bench.navigation_pages(root)) == ["pages/join.py"]


def test_the_import_benchmark_figures_are_read_from_its_output(bench):
    output = (
        "old = 0123456789, new = this checkout; national data: 1,071,000 rows\n"
        "sqlite old {'init national': '31.5 s', "
        "'import 20,000 measures (CLI, median)': '4.4 s (4.4)'}\n"
        "sqlite new {'init national': '26.9 s (exit 1: boom)', "
        "'import 20,000 measures (CLI, median)': '4.1 s (4.1)'}\n"
        "\n                     sqlite old    sqlite new\n"
    )
    found = bench.import_figures(output)
    assert set(found) == {("sqlite", "old"), ("sqlite", "new")}
    assert bench._seconds(found[("sqlite", "old")]["init national"]) == 31.5
    assert math.isnan(bench._seconds(found[("sqlite", "new")]["init national"]))  # failed
    step = "import 20,000 measures (CLI, median)"
    assert bench._seconds(found[("sqlite", "new")][step]) == 4.1
    assert set(bench.IMPORT_FIGURES) <= set(found[("sqlite", "new")])
    assert math.isnan(bench._seconds(None))


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0])
def test_the_growth_exponent_is_the_log_log_slope(bench, power):
    scales = [0.1, 0.3, 1.0, 3.0]
    assert bench.slope(scales, [7.0 * s**power for s in scales]) == pytest.approx(power)


def test_a_missed_budget_is_reported_and_a_missing_value_is_a_miss(bench):
    report = bench.Report()
    report.add(bench.Figure("pages", "fast", 0.1, "s", 0.3, load=0.0))
    report.add(bench.Figure("pages", "slow", 0.4, "s", 0.3, load=0.0))
    report.add(bench.Figure("pages", "failed", math.nan, "s", 0.3, load=0.0))
    report.add(bench.Figure("pages", "shown only", 9.0, "s", None, load=0.0))
    assert [f.name for f in report.missed()] == ["slow", "failed"]
    table = report.markdown("python benchmarks/bench_pages.py", {"date": "d", "commit": "c"})
    assert "| pages | slow | 0.40 s |" in table and "**no**" in table
