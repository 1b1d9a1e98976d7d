"""Every page at national scale against the budgets of issue 15 (and the new pages, by path).

What it measures, each figure next to its budget, and exits 1 when one is missed:

``--pages``
    For every page in ``app.py``'s navigation (read from the file, so a new page is
    included without a change here): a fresh process per page, as after a server start or
    an import. AppTest of ``app.py``: the home page first, then a switch to the page, whose
    first view is timed; then the median of ``--reruns`` reruns. Four processes per page:
    *first start* (nothing cached anywhere, the results a server keeps on disk removed:
    the page right after the start, while the background prewarm of ``cop.ui`` still
    runs; no budget), *restart* (the same, with what earlier servers kept on disk),
    *prewarmed* (the start's prewarm finished first) and *after an import* (prewarmed,
    then 20,000 measures imported with one change, then the page at once, while the new
    version's prewarm runs; these run last, as they change the data). The first-start
    processes run first, one per page, and so teach the prewarm which calls are slow
    (``prewarm.json`` in the data folder), as users of a running server do.
    ``--baseline REF`` measures the same pages with the code of git ``REF`` (exported with
    ``git archive``) in the same run, interleaved, so a busy machine does not decide.
``--map``
    The map: bytes the ``st_folium`` component receives per view (``json_args``), the
    page's build time with warm caches (metric, features, folium objects, HTML), the
    bytes of a filter change and whether it re-sends the boundaries; a naive folium build
    of the same map (``bench_map.py``) side by side.
``--memory``
    RSS of a real ``streamlit run`` server after one browser session opened every page, and
    after ``--memory-sessions`` sessions did; the growth per extra session.
``--sessions``
    ``--sessions-n`` (10) sessions at once, each asking for every page: over Streamlit's
    websocket protocol as locust would (the server's share: the budget), and as Chromium
    contexts clicking in the sidebar (shown; ten browsers on the server's own two cores
    measure mostly themselves): p95 of the time from a click until the page is idle
    (script finished); and the time until the map's polygons are visible in Chromium
    after navigating to it.
``--sweep``
    Data scales 0.1, 0.3, 1 and 3 of the national demo data (measures and monitoring sites
    subsampled or duplicated here, never in ``cop.data.demo``): every page's prewarmed
    first view and rerun (CPU seconds of the script thread, which a busy machine inflates
    least), the map bytes, the prewarm time (after a first start, when it computes, and
    after a restart, when it reads what was kept on disk) and the process memory per
    scale, and the fitted exponent (log-log slope) of each: at most ~1.1 (linear).
``--import``
    ``init`` of the national data and an import of 20,000 measures (issue 11's budgets)
    by issue 11's ``benchmarks/bench_import.py`` (SQLite), its old code side by side.

Every figure carries the machine's load (``/proc/loadavg``) when it was taken; times are
wall-clock seconds with the script thread's CPU seconds beside them (``cpu``). The
national database is generated once per generator version (or loaded once from ``--seed
DIR``, CSVs made by ``python -m cop demo --scale national --out DIR``) and kept in
``benchmarks/output/`` (git-ignored), so a second run starts in seconds.

Run: ``python benchmarks/bench_pages.py`` (everything, about an hour on 2 busy cores) or
any of ``--pages --map --memory --sessions --sweep``; ``--only pages/map.py ...`` limits
the pages; ``--results FILE`` writes the table as Markdown. Timings are never asserted in
the test suite.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import datetime as dt
import gzip
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "benchmarks" / "output"
SHARED_BOUNDARIES = ROOT.parent / "shared" / "data" / "gemeente_2025.geojson"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # cop and tests.browser_support of this tree

# ---------------------------------------------------------------- budgets (issue 15)
FIRST_VIEW_S = 3.0
RERUN_S = 0.3
MAP_MB = 1.0
MAP_BUILD_S = 0.2
POLYGONS_S = 3.0
SERVER_GB = 1.5
PER_SESSION_MB = 50.0
IDLE_P95_S = 5.0
MAX_EXPONENT = 1.1
SCALES = (0.1, 0.3, 1.0, 3.0)

# Query parameters that make a page show its content (others open with their defaults).
PAGE_QUERIES: dict[str, dict[str, str]] = {
    "pages/profile.py": {"gemeente": "GM0344"},
    "pages/compare.py": {"gemeenten": "GM0344,GM0363"},
}
# Files whose content decides the generated database (its cache key).
GENERATOR_FILES = (
    "cop/data/demo.py",
    "cop/data/demo_content.py",
    "cop/data/demo_texts.py",
    "cop/data/schema.py",
    "cop/data/storage.py",
    "cop/data/writes.py",
    "cop/data/migrations.py",
    "cop/data/validation.py",
    "data/municipalities_reference.csv",
)


def load() -> float:
    """The one-minute load average (``uptime``)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return math.nan


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, AttributeError, ValueError):
        pass
    import streamlit

    return {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "commit": _git("rev-parse", "--short", "HEAD") or "?",
    }


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


# ---------------------------------------------------------------- results


@dataclass
class Figure:
    """One measured figure against its budget (``budget`` None: shown, not judged)."""

    part: str
    name: str
    value: float
    unit: str
    budget: float | None = None
    note: str = ""
    load: float = field(default_factory=load)
    baseline: float | None = None
    cpu: float | None = None

    @property
    def ok(self) -> bool | None:
        if self.budget is None or math.isnan(self.value):
            return None if self.budget is None else False
        return self.value <= self.budget


class Report:
    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.parts: dict[str, float] = {}

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        verdict = {True: "ok", False: "MISSED", None: ""}[figure.ok]
        budget = "" if figure.budget is None else f"<= {_fmt(figure.budget, figure.unit)}"
        extra = "" if figure.cpu is None else f" (cpu {figure.cpu:.2f} s)"
        before = (
            "" if figure.baseline is None else f" [before {_fmt(figure.baseline, figure.unit)}]"
        )
        print(
            f"  {figure.part:<9} {figure.name:<46} {_fmt(figure.value, figure.unit):>10}{extra}"
            f"{before} {budget:>12} {verdict:<6} load {figure.load:.1f} {figure.note}",
            flush=True,
        )
        return figure

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        print(f"\n== {name}  (load {load():.1f})", flush=True)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.parts[name] = time.perf_counter() - start
            print(f"== {name} took {self.parts[name] / 60:.1f} min", flush=True)

    def missed(self) -> list[Figure]:
        return [f for f in self.figures if f.ok is False]

    def markdown(self, command: str, info: dict[str, str]) -> str:
        lines = [
            f"Command: `{command}`",
            "",
            "Machine: "
            + ", ".join(f"{k} {v}" for k, v in info.items() if k not in ("date", "commit")),
            f"Date: {info['date']}, commit {info['commit']}",
            "",
            "| part | figure | value | cpu | before | budget | met | load | note |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for f in self.figures:
            lines.append(
                f"| {f.part} | {f.name} | {_fmt(f.value, f.unit)} | "
                f"{'' if f.cpu is None else f'{f.cpu:.2f} s'} | "
                f"{'' if f.baseline is None else _fmt(f.baseline, f.unit)} | "
                f"{'' if f.budget is None else '≤ ' + _fmt(f.budget, f.unit)} | "
                f"{ {True: 'yes', False: '**no**', None: ''}[f.ok] } | {f.load:.1f} | "
                + " ".join(f.note.split()).replace("|", "/")  # one line per row
                + " |"
            )
        lines += [
            "",
            "Time per part: " + ", ".join(f"{k} {v / 60:.1f} min" for k, v in self.parts.items()),
        ]
        return "\n".join(lines) + "\n"


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.2f} MB"
    if unit == "GB":
        return f"{value:.2f} GB"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:g} {unit}".strip()


# ---------------------------------------------------------------- data


def generator_key() -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        path = ROOT / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()[:12]


SEED: Path | None = None  # set by --seed: CSVs of ``cop demo --scale national`` made before


def seed_key(seed: Path) -> str:
    """The cache key of a given seed folder: its files' names, sizes and change times."""
    digest = hashlib.sha256()
    for path in sorted(seed.glob("*.csv")):
        stat = path.stat()
        digest.update(f"{path.name} {stat.st_size} {stat.st_mtime_ns}".encode())
    return "seed-" + digest.hexdigest()[:12]


def scale_seed(seed: Path, factor: float, *, monitoring_copies: bool = True) -> None:
    """Scale the generated national CSVs in place: measures and monitoring sites.

    ``factor`` < 1 keeps that share of the measures and of the monitoring sites (whole
    sites, so every kept series is complete); ``factor`` > 1 adds ``round(factor) - 1``
    copies of every measure (new ids, points moved a few metres) and, unless
    ``monitoring_copies`` is false, of every monitoring site (new site ids).
    Municipalities, maturity and people stay as they are: there are 342 municipalities
    whatever the scale. Links to dropped measures go with them.
    """
    import numpy as np
    import pandas as pd

    if factor == 1:
        return
    measures = pd.read_csv(seed / "measures.csv", dtype=str, keep_default_na=False)
    monitoring = pd.read_csv(seed / "monitoring.csv", dtype=str, keep_default_na=False)
    usage = pd.read_csv(seed / "resource_usage.csv", dtype=str, keep_default_na=False)
    sites = monitoring["site_id"].drop_duplicates()
    rng = np.random.default_rng(15)
    if factor < 1:
        measures = measures[rng.random(len(measures)) < factor]
        keep = set(sites[rng.random(len(sites)) < factor])
        monitoring = monitoring[monitoring["site_id"].isin(keep)]
        usage = usage[usage["measure_id"].isin(set(measures["id"]))]
    else:
        copies = round(factor)
        top = int(pd.to_numeric(measures["id"]).max())
        frames, site_frames = [measures], [monitoring]
        for i in range(1, copies):
            extra = measures.copy()
            extra["id"] = (pd.to_numeric(extra["id"]) + i * top).astype(str)
            extra["url"] = "https://www.example.org/demo/praktijk/" + extra["id"]
            for column in ("lat", "lon"):
                value = pd.to_numeric(extra[column], errors="coerce") + 0.0003 * i
                extra[column] = value.round(5).astype(str).where(value.notna(), "")
            frames.append(extra)
            if monitoring_copies:
                copy = monitoring.copy()
                copy["site_id"] = copy["site_id"] + f"-k{i}"
                site_frames.append(copy)
        measures = pd.concat(frames, ignore_index=True)
        monitoring = pd.concat(site_frames, ignore_index=True)
    measures.to_csv(seed / "measures.csv", index=False, lineterminator="\n")
    monitoring.to_csv(seed / "monitoring.csv", index=False, lineterminator="\n")
    usage.to_csv(seed / "resource_usage.csv", index=False, lineterminator="\n")


def prepare_db(factor: float = 1.0) -> tuple[Path, dict[str, float]]:
    """The national demo database at ``factor``, generated once per generator version.

    With ``--seed DIR`` the CSVs of that folder (``cop demo --scale national --out DIR``)
    are loaded instead of generating them. Returns its path and the seconds taken by
    ``demo`` (or the copy of the seed) and ``init`` when it was made now.
    """
    OUTPUT.mkdir(parents=True, exist_ok=True)
    key = generator_key() if SEED is None else seed_key(SEED)
    target = OUTPUT / f"national-{key}-x{factor:g}.sqlite"
    if target.exists():
        return target, {}
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cop-bench-data-") as tmp:
        seed, data = Path(tmp) / "seed", Path(tmp) / "data"
        env = _env(data)
        start = time.perf_counter()
        if SEED is not None:  # scale_seed changes the files: work on a copy
            shutil.copytree(SEED, seed)
        else:
            subprocess.run(
                [sys.executable, "-m", "cop", "demo", "--scale", "national", "--out", str(seed)],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        # Above x1 the monitoring file would pass the import limits (200 MB, 1.5 million
        # rows: cop.data.readers.Limits), so its copies are added in the database after init.
        scale_seed(seed, factor, monitoring_copies=False)
        timings["demo"] = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cop", "init", "--seed-dir", str(seed)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        timings["init"] = time.perf_counter() - start
        if factor > 1:
            copy_monitoring_sites(data / "cop.sqlite", round(factor))
        shutil.move(str(data / "cop.sqlite"), target)
    return target, timings


def copy_monitoring_sites(db: Path, copies: int) -> None:
    """``copies - 1`` more copies of every monitoring site (ids ``<site>-k<i>``), in SQL."""
    import sqlite3

    columns = "municipality_code, scheme, species_group, species, year, count, lat, lon"
    with sqlite3.connect(db) as conn:
        for i in range(1, copies):
            conn.execute(
                f"INSERT INTO monitoring (site_id, {columns}) "
                f"SELECT site_id || '-k{i}', {columns} FROM monitoring "
                "WHERE instr(site_id, '-k') = 0"
            )


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        COP_DATA_DIR=str(data_dir),
        COP_OFFLINE="1",
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if SHARED_BOUNDARIES.exists() and "COP_BOUNDARIES_FILE" not in os.environ:
        env["COP_BOUNDARIES_FILE"] = str(SHARED_BOUNDARIES)
    env.update(extra)
    return env


def fresh_data_dir(db: Path, parent: Path, name: str) -> Path:
    """A data folder holding a copy of ``db`` (pages may write; the cached file never changes)."""
    folder = parent / name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(db, folder / "cop.sqlite")
    return folder


# ---------------------------------------------------------------- pages


def discover_pages(root: Path = ROOT) -> list[str]:
    """The page files of ``app.py``'s navigation, in order (``st.Page("pages/x.py", ...)``).

    Read from the file, so a page another branch adds to the navigation is measured with
    no change here. Home first (every worker opens it before the page it measures). A
    file in ``pages/`` that the navigation does not name as a literal path (a page built
    from a variable, or not in the navigation at all) cannot be measured: it is printed,
    and ``tests/test_bench_pages.py`` fails on it.
    """
    pages = navigation_pages(root)
    for missed in unmeasured_pages(root, pages):
        print(f"  not measured: {missed} is not named as st.Page('...') in app.py")
    ordered = sorted(set(pages), key=pages.index)
    return [p for p in ordered if p == "pages/home.py"] + [
        p for p in ordered if p != "pages/home.py"
    ]


def navigation_pages(root: Path = ROOT) -> list[str]:
    """Literal paths of every ``Page(...)`` call in ``app.py``, in the order written."""
    tree = ast.parse((root / "app.py").read_text(encoding="utf-8"))
    pages = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "Page"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            pages.append(node.args[0].value)
    return pages


def unmeasured_pages(root: Path, pages: Sequence[str]) -> list[str]:
    """Files in ``pages/`` that :func:`navigation_pages` did not find."""
    on_disk = {f"pages/{path.name}" for path in (root / "pages").glob("*.py")}
    return sorted(on_disk - {p.removeprefix("./") for p in pages} - {"pages/__init__.py"})


PROFILE_DIR: Path | None = None  # set by --profile: every worker writes its profile there


def run_worker(
    root: Path,
    data_dir: Path,
    page: str,
    *,
    prewarmed: bool,
    reruns: int,
    timeout: float = 900,
    after_import: bool = False,
    forget_results: bool = False,
) -> dict[str, object]:
    """One fresh process: home, then ``page`` (see :func:`page_worker`); its JSON result.

    ``forget_results``: the results a server keeps on disk are removed first (a first
    start on these data, as after a new database); ``after_import``: see
    :func:`page_worker`.
    """
    if forget_results:
        shutil.rmtree(data_dir / "cache" / "results", ignore_errors=True)
    args = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        page,
        "--root",
        str(root),
        "--reruns",
        str(reruns),
    ]
    if prewarmed:
        args.append("--prewarmed")
    if after_import:
        args.append("--after-import")
    if PROFILE_DIR is not None and root == ROOT:
        args += ["--profile", str(PROFILE_DIR)]
    start_load = load()
    try:
        done = subprocess.run(
            args,
            cwd=root,
            env=_env(data_dir, COP_PREWARM="on"),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s", "load": start_load}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            result = json.loads(line)
            result["load"] = max(start_load, load())
            return result
    return {"error": (done.stderr or done.stdout)[-800:], "load": start_load}


def page_worker(
    page: str,
    root: Path,
    reruns: int,
    prewarmed: bool,
    profile_dir: Path | None = None,
    after_import: bool = False,
) -> dict[str, object]:
    """In a fresh process: the page's first view after home and its reruns, as JSON.

    ``after_import``: once the start's prewarm is done, 20,000 measures are imported (one
    of them changed, as a coordinator's re-import of the national file), and the page is
    viewed right away, while the prewarm of the new data version runs: what a user who
    arrives just after an import waits for.

    The script thread's CPU time is read around every script run (``time.thread_time``
    inside the thread), so the figures also say what the page costs on a quiet machine.
    """
    sys.path.insert(0, str(root))
    os.chdir(root)
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    original_init = PagesManager.__init__

    def init(self, *args: object, **kwargs: object) -> None:
        # As a running server does after its first request: the entry point runs first
        # (see tests/conftest.py::entry_point_runs_first), so a page runs once per click.
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    cpu: list[float] = []
    original_exec = script_runner.exec_func_with_error_handling

    def timed_exec(func: Callable[[], object], ctx: object) -> object:
        start = time.thread_time()
        try:
            return original_exec(func, ctx)
        finally:
            cpu.append(time.thread_time() - start)

    profiler = None
    if profile_dir is not None:  # pyinstrument inside the script thread, all runs of the page
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        timed_inner = timed_exec

        def profiled_exec(func: Callable[[], object], ctx: object) -> object:
            if len(cpu) == 0:  # the home page's run is not profiled
                return timed_inner(func, ctx)
            profiler.start()
            try:
                return timed_inner(func, ctx)
            finally:
                profiler.stop()

        script_runner.exec_func_with_error_handling = profiled_exec
    else:
        script_runner.exec_func_with_error_handling = timed_exec
    result: dict[str, object] = {"page": page}
    prewarm_seconds = math.nan
    if prewarmed:
        from cop import ui

        if hasattr(ui, "prewarm_wait"):
            start = time.perf_counter()
            ui.data_version()  # what the first request of a started server does
            ui.prewarm_wait(timeout=600)
            prewarm_seconds = time.perf_counter() - start
    result["prewarm"] = prewarm_seconds
    if after_import:
        result["import_seconds"] = _import_measures()

    def timed(action: Callable[[], object]) -> tuple[float, float]:
        before = len(cpu)
        start = time.perf_counter()
        action()
        return time.perf_counter() - start, sum(cpu[before:])

    at = AppTest.from_file(str(root / "app.py"), default_timeout=600)
    result["home_first"], result["home_first_cpu"] = timed(at.run)
    if page == "*" or "," in page:  # teach the prewarm its slow calls: every page (or
        # the listed ones) once in this process
        for other in discover_pages(root)[1:] if page == "*" else page.split(","):
            at.switch_page(other)
            for name, value in PAGE_QUERIES.get(other, {}).items():
                at.query_params[name] = value
            at.run()
        return result
    if page != "pages/home.py":

        def first() -> None:
            at.switch_page(page)
            for name, value in PAGE_QUERIES.get(page, {}).items():
                at.query_params[name] = value
            at.run()

        result["first"], result["first_cpu"] = timed(first)
    else:
        result["first"], result["first_cpu"] = result["home_first"], result["home_first_cpu"]
    if at.exception:
        result["error"] = str(at.exception[0].value)[:500]
    walls, cpus = [], []
    for _ in range(reruns):
        wall, used = timed(at.run)
        walls.append(wall)
        cpus.append(used)
    result["reruns"] = walls
    result["rerun"] = statistics.median(walls) if walls else math.nan
    result["rerun_cpu"] = statistics.median(cpus) if cpus else math.nan
    components = at.get("component_instance")
    result["component_bytes"] = sum(len(c.proto.json_args.encode()) for c in components)
    result["component_gzip"] = sum(
        len(gzip.compress(c.proto.json_args.encode(), 6)) for c in components
    )
    if page == "pages/map.py" and components:
        result.update(_map_filter_change(at))
    if profiler is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        name = Path(page).stem + ("-prewarmed" if prewarmed else "-cold")
        (profile_dir / f"{name}.txt").write_text(
            profiler.output_text(unicode=False, color=False), encoding="utf-8"
        )
        (profile_dir / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")
    import resource

    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _import_measures() -> float:
    """Import the stored measures again with one title changed (the CLI's path); seconds."""
    from cop.data import storage

    engine = storage.make_engine()
    measures = storage.read_table(engine, "measures")
    title = f"Gewijzigd na de import {time.time_ns()}"  # a change every time it runs
    changed = measures.assign(title=measures["title"].mask(measures.index == 0, title))
    start = time.perf_counter()
    report = storage.import_file(
        engine, "measures", changed.to_csv(index=False).encode(), filename="measures.csv"
    )
    if not report.ok:
        raise RuntimeError(report.messages("en", 3))
    return time.perf_counter() - start


def _map_filter_change(at: object) -> dict[str, object]:
    """Bytes the component gets when a theme filter changes, and whether the boundaries
    (the base map's script, which holds the municipality polygons) travel again."""
    before = json.loads(at.get("component_instance")[0].proto.json_args)  # type: ignore[attr-defined]
    at.multiselect(key="map_themes").select("depaving").run()  # type: ignore[attr-defined]
    after_raw = at.get("component_instance")[0].proto.json_args  # type: ignore[attr-defined]
    after = json.loads(after_raw)
    geometry = _polygon_marker(before)
    return {
        "filter_bytes": len(after_raw.encode()),
        "filter_resends_boundaries": bool(geometry) and geometry in json.dumps(after),
        "filter_same_map": before.get("script") == after.get("script"),
        "filter_key_same": before.get("key") == after.get("key"),
    }


def _polygon_marker(args: dict[str, object]) -> str:
    """A run of coordinates from the municipality polygons in the component's arguments."""
    text = json.dumps(args)
    match = re.search(r"\[\[\[?-?\d+\.\d+, ?-?\d+\.\d+\], ?\[-?\d+\.\d+, ?-?\d+\.\d+\]", text)
    return match.group(0) if match else ""


def bench_pages(
    report: Report,
    db: Path,
    workdir: Path,
    pages: Sequence[str],
    reruns: int,
    baseline: Path | None,
) -> dict[str, dict[str, object]]:
    """Cold then prewarmed first view and reruns of every page (see the module doc)."""
    current_dir = fresh_data_dir(db, workdir, "pages-current")
    base_dir = fresh_data_dir(db, workdir, "pages-baseline") if baseline else None
    cold: dict[str, dict[str, object]] = {}
    for page in pages:  # teaches the prewarm, as users of a running server do
        cold[page] = run_worker(
            ROOT, current_dir, page, prewarmed=False, reruns=1, forget_results=True
        )
        print(f"  first     {page:<24} {_brief(cold[page])}", flush=True)
    warm: dict[str, dict[str, object]] = {}
    befores: dict[str, dict[str, object] | None] = {}
    for page in pages:  # each waits for the start's prewarm, which keeps its results on disk
        befores[page] = None
        if base_dir is not None:
            befores[page] = run_worker(baseline, base_dir, page, prewarmed=False, reruns=reruns)
        warm[page] = run_worker(ROOT, current_dir, page, prewarmed=True, reruns=reruns)
        print(f"  prewarmed {page:<24} {_brief(warm[page])}", flush=True)
    restarted: dict[str, dict[str, object]] = {}
    for page in pages:  # a server that ran before: what it kept on disk is there
        restarted[page] = run_worker(ROOT, current_dir, page, prewarmed=False, reruns=1)
        print(f"  restart   {page:<24} {_brief(restarted[page])}", flush=True)
    for page in pages:
        result, before = warm[page], befores[page]
        error = result.get("error")
        note = f"ERROR {error}" if error else ""
        if not error and not math.isnan(float(result.get("prewarm", math.nan))):
            note = f"prewarm {float(result['prewarm']):.1f} s"
        name = page.removeprefix("pages/").removesuffix(".py")
        report.add(
            Figure(
                "pages",
                f"{name}: first view (prewarmed)",
                math.nan if error else float(result["first"]),
                "s",
                FIRST_VIEW_S,
                note,
                load=float(result["load"]),
                cpu=result.get("first_cpu"),
                baseline=None if before is None else before.get("first"),
            )
        )
        report.add(
            Figure(
                "pages",
                f"{name}: rerun (median of {reruns})",
                math.nan if error else float(result["rerun"]),
                "s",
                RERUN_S,
                "",
                load=float(result["load"]),
                cpu=result.get("rerun_cpu"),
                baseline=None if before is None else before.get("rerun"),
            )
        )
        for label, runs, budget, note in (
            ("right after a restart", restarted, FIRST_VIEW_S, "slow results on disk"),
            ("on a first start (nothing cached)", cold, None, "prewarm still running"),
        ):
            first_cold = runs[page]
            report.add(
                Figure(
                    "pages",
                    f"{name}: first view {label}",
                    float(first_cold.get("first", math.nan)),
                    "s",
                    budget,
                    "ERROR" if first_cold.get("error") else note,
                    load=float(first_cold["load"]),
                    cpu=first_cold.get("first_cpu"),
                )
            )
    for page in pages:  # last: each changes the data of current_dir
        result = run_worker(ROOT, current_dir, page, prewarmed=True, reruns=1, after_import=True)
        print(f"  import    {page:<24} {_brief(result)}", flush=True)
        name = page.removeprefix("pages/").removesuffix(".py")
        error = result.get("error")
        report.add(
            Figure(
                "pages",
                f"{name}: first view right after an import of 20,000 measures",
                math.nan if error else float(result["first"]),
                "s",
                FIRST_VIEW_S,
                f"ERROR {error}"[:300]
                if error
                else f"import {float(result.get('import_seconds', math.nan)):.1f} s; "
                "the new version's prewarm running",
                load=float(result["load"]),
                cpu=result.get("first_cpu"),
            )
        )
    home = warm.get("pages/home.py")
    if home:
        report.add(
            Figure(
                "pages",
                "prewarm after a first start (all tables, learned calls)",
                float(home.get("prewarm", math.nan)),
                "s",
                None,
                "background thread, nothing on disk yet; pages never wait for it",
                load=float(home["load"]),
            )
        )
    return warm


def _brief(result: dict[str, object]) -> str:
    if result.get("error"):
        return f"ERROR {str(result['error'])[:200]}"
    return (
        f"home {float(result['home_first']):.2f} s, first {float(result['first']):.2f} s "
        f"(cpu {float(result['first_cpu']):.2f}), rerun {float(result['rerun']):.2f} s, "
        f"load {float(result['load']):.1f}"
    )


# ---------------------------------------------------------------- map


def bench_map(report: Report, db: Path, workdir: Path, warm: dict[str, dict[str, object]]) -> None:
    """Bytes per view and per filter change, the page's build time, and the naive build."""
    data_dir = fresh_data_dir(db, workdir, "map")
    os.environ.update(_env(data_dir))
    sys.path.insert(0, str(ROOT))
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_map", ROOT / "benchmarks" / "bench_map.py")
    naive_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(naive_bench)  # type: ignore[union-attr]
    from cop.data import storage
    from cop.geo import boundaries, mapview, webmap

    page = warm.get("pages/map.py") or run_worker(
        ROOT, data_dir, "pages/map.py", prewarmed=True, reruns=1
    )
    if page.get("error"):
        report.add(Figure("map", "map page", math.nan, "MB", MAP_MB, f"ERROR {page['error']}"))
        return
    engine = storage.make_engine()
    municipalities = storage.read_table(engine, "municipalities")
    measures = storage.read_table(engine, "measures")
    maturity = storage.read_table(engine, "maturity")
    gdf = boundaries.load_boundaries().gdf
    web = boundaries.boundaries_geojson(boundaries.simplify_for_web(gdf))
    payload = webmap.filtered_measure_payload_json(
        measures, municipalities, maturity, chosen=mapview.MeasureFilter().as_params(), lang="nl"
    )

    def page_build() -> float:
        from streamlit_folium import _get_header, _get_html, _get_map_string

        start = time.perf_counter()
        view = mapview.map_view(
            measures, municipalities, maturity, mapview.MeasureFilter(), "maturity"
        )
        features, fills = webmap.choropleth_features(
            web, view.metric, view.fills, value_label=view.legend_title, lang="nl", decimals=1
        )
        m = webmap.build_map(
            features,
            fills,
            legend_title=view.legend_title,
            legend_items=webmap.legend_items(view.classes, "nl", view.legend_decimals),
            measures_json=payload,
            points=False,
            lang="nl",
        )
        m.get_root().render()  # what st_folium does first
        _get_html(m), _get_header(m), _get_map_string(m)
        return time.perf_counter() - start

    builds = [page_build() for _ in range(5)]
    sent = float(page["component_bytes"]) / 1e6
    report.add(Figure("map", "bytes to the browser per view (json_args)", sent, "MB", MAP_MB))
    report.add(
        Figure(
            "map",
            "  same, compressed (websocket deflate)",
            _gzip_size(page) / 1e6,
            "MB",
            None,
            "if server.enableWebsocketCompression",
        )
    )
    report.add(
        Figure(
            "map",
            "page build per view (warm caches, median of 5)",
            statistics.median(builds),
            "s",
            MAP_BUILD_S,
            "metric, features, folium, HTML as st_folium renders it",
        )
    )
    report.add(
        Figure("map", "bytes of a theme filter change", float(page["filter_bytes"]) / 1e6, "MB")
    )
    resent = bool(page.get("filter_resends_boundaries"))
    report.add(
        Figure(
            "map",
            "filter change re-sends the boundaries (1 = yes)",
            float(resent),
            "x",
            0.0,
            ("same map script, no remount; " if page.get("filter_key_same") else "map remounts; ")
            + "st_folium sends all its arguments in one message",
        )
    )
    naive, naive_build = naive_bench._naive(municipalities, measures, gdf)
    naive_bytes, naive_render = naive_bench._rendered(naive)
    report.add(
        Figure(
            "map",
            "naive folium map (Marker per measure): HTML",
            naive_bytes / 1e6,
            "MB",
            None,
            f"build {naive_build + naive_render:.2f} s",
        )
    )


def _gzip_size(page: dict[str, object]) -> int:
    return int(page.get("component_gzip", 0))


# ---------------------------------------------------------------- a real server


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def _status(self, field: str) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024

    def rss_mb(self) -> float:
        return self._status("VmRSS")

    def peak_mb(self) -> float:
        return self._status("VmHWM")


@contextmanager
def streamlit_server(data_dir: Path, root: Path = ROOT) -> Iterator[Server]:
    """``streamlit run app.py`` on a free port (offline, prewarm as in production)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = data_dir / "streamlit.log"
    handle = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(root / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=root,
        env=_env(data_dir),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not become healthy") from None
                time.sleep(0.3)  # polling a starting server
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        handle.close()


def url_path(page: str) -> str:
    """Streamlit's URL of a page file (``pages/map.py`` → ``map``; home is the root)."""
    return "" if page == "pages/home.py" else Path(page).stem


def _chromium(playwright: object) -> object:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)  # type: ignore[attr-defined]


# Only requests that leave the machine are routed: a regex is matched in Playwright's
# driver, so the app's own requests never wait for a round trip through Python.
REMOTE = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")


def _offline(context: object) -> None:
    """Serve Leaflet from the local npm copy; answer the rest of the internet with nothing."""
    from tests.browser_support import CONTENT_TYPES, EMPTY_PNG, local_file_for

    def handle(route: object, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        local = local_file_for(url)
        if local is not None and local.is_file():
            route.fulfill(  # type: ignore[attr-defined]
                status=200,
                body=local.read_bytes(),
                content_type=CONTENT_TYPES.get(local.suffix, "application/octet-stream"),
            )
            return
        image = url.split("?")[0].endswith(".png")
        route.fulfill(  # type: ignore[attr-defined]
            status=200,
            body=EMPTY_PNG if image else b"",
            content_type="image/png" if image else "text/plain",
        )

    context.route(REMOTE, handle)  # type: ignore[attr-defined]


IDLE_JS = """([previous]) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const title = document.querySelector('[data-testid="stMain"] h1');
    return !!title && title.textContent !== previous;
}"""


def _title(page: object) -> str:
    return page.evaluate(  # type: ignore[attr-defined]
        "() => { const h = document.querySelector('[data-testid=\"stMain\"] h1');"
        " return h ? h.textContent : ''; }"
    )


def click_through(
    page: object, server: Server, pages: Sequence[str], timings: list[tuple[str, float]]
) -> None:
    """Open the app, then click every page in the sidebar; time each until idle."""
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    page.wait_for_function(IDLE_JS, arg=[""], timeout=300_000)  # type: ignore[attr-defined]
    for target in pages[1:] + pages[:1]:
        previous = _title(page)
        link = page.locator(  # type: ignore[attr-defined]
            f'[data-testid="stSidebarNav"] a[href$="/{url_path(target)}"]'
        ).first
        start = time.perf_counter()
        link.click()
        page.wait_for_function(IDLE_JS, arg=[previous], timeout=300_000)  # type: ignore[attr-defined]
        timings.append((target, time.perf_counter() - start))


def bench_server(
    report: Report,
    db: Path,
    workdir: Path,
    pages: Sequence[str],
    *,
    memory: bool,
    sessions: bool,
    memory_sessions: int,
    sessions_n: int,
) -> None:
    """Memory of a real server per session, concurrent sessions and the polygons in Chromium."""
    if not CHROMIUM.exists():
        report.add(Figure("server", "Chromium", math.nan, "s", 0, f"{CHROMIUM} missing"))
        return
    from playwright.sync_api import sync_playwright

    data_dir = fresh_data_dir(db, workdir, "server")
    with streamlit_server(data_dir) as server:
        playwright_context = sync_playwright()
        playwright = playwright_context.__enter__()
        browser = _chromium(playwright)
        contexts = []

        def session() -> None:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            _offline(context)
            click_through(context.new_page(), server, pages, [])
            contexts.append(context)  # kept open: its server session stays alive

        session()  # the first user: after it every shared cache is filled
        if memory:
            time.sleep(2)  # let the server's per-session work settle before reading RSS
            one, peak = server.rss_mb(), server.peak_mb()
            report.add(
                Figure(
                    "memory",
                    "server RSS, 1 session (every page)",
                    one / 1024,
                    "GB",
                    SERVER_GB,
                    f"peak so far {peak / 1024:.2f} GB",
                )
            )
            for _ in range(memory_sessions - 1):
                session()
            time.sleep(2)
            many = server.rss_mb()
            per = (many - one) / max(1, memory_sessions - 1)
            report.add(
                Figure(
                    "memory",
                    f"growth per extra session ({memory_sessions} sessions open)",
                    per,
                    "MB",
                    PER_SESSION_MB,
                    f"RSS {many / 1024:.2f} GB with {memory_sessions}, "
                    f"peak {server.peak_mb() / 1024:.2f} GB",
                )
            )
        for context in contexts:
            context.close()
        if sessions:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            _offline(context)
            tab = context.new_page()
            opened = []
            for _ in range(3):  # in an open session: click "map" in the sidebar
                tab.goto(server.url + "/")
                tab.wait_for_function(IDLE_JS, arg=[""], timeout=300_000)
                link = tab.locator('[data-testid="stSidebarNav"] a[href$="/map"]').first
                start = time.perf_counter()
                link.click()
                _polygons(tab)
                opened.append(time.perf_counter() - start)
            report.add(
                Figure(
                    "browser",
                    "polygons visible after clicking the map (median of 3)",
                    statistics.median(opened),
                    "s",
                    POLYGONS_S,
                    "open session, warm server: script, component, Leaflet, 342 polygons",
                )
            )
            fresh = []
            for _ in range(3):  # a new tab: Streamlit's own files are loaded first
                other = browser.new_context(viewport={"width": 1400, "height": 1000})
                _offline(other)
                start = time.perf_counter()
                other_tab = other.new_page()
                other_tab.goto(server.url + "/map")
                _polygons(other_tab)
                fresh.append(time.perf_counter() - start)
                other.close()
            report.add(
                Figure(
                    "browser",
                    "  same, opening /map in a new tab (median of 3)",
                    statistics.median(fresh),
                    "s",
                    None,
                    "includes loading the Streamlit app into an empty browser cache",
                )
            )
            context.close()
        browser.close()
        playwright_context.__exit__(None, None, None)  # asyncio needs the thread's loop back
        if sessions:
            served: list[tuple[str, float, int]] = []
            failed: list[str] = []
            start = time.perf_counter()
            asyncio.run(_protocol_sessions(server, pages, sessions_n, served, failed))
            report.add(
                _idle_figure(
                    f"{sessions_n} sessions on the server (websocket): p95 until finished",
                    [(page, t) for page, t, _ in served],
                    failed,
                    time.perf_counter() - start,
                )
            )
            if served:
                per_page: dict[str, list[int]] = {}
                for page, _, size in served:
                    per_page.setdefault(page, []).append(size)
                largest = max(per_page.items(), key=lambda kv: statistics.median(kv[1]))
                report.add(
                    Figure(
                        "browser",
                        "  largest page's messages to the browser",
                        statistics.median(largest[1]) / 1e6,
                        "MB",
                        None,
                        f"{url_path(largest[0]) or 'home'}, a session without cached messages",
                    )
                )
            timings: list[tuple[str, float]] = []
            errors: list[str] = []
            start = time.perf_counter()
            asyncio.run(_concurrent_sessions(server, pages, sessions_n, timings, errors))
            report.add(
                _idle_figure(
                    f"  {sessions_n} Chromium sessions clicking every page: p95 until idle",
                    timings,
                    errors,
                    time.perf_counter() - start,
                    # the budget allows either way to measure; ten browsers on the
                    # server's own two cores measure mostly themselves (load ~14), so the
                    # budget goes with the server's share above (what locust would measure)
                    budget=None,
                    note="browsers on the server's 2 cores; ",
                )
            )


def _idle_figure(
    name: str,
    timings: Sequence[tuple[str, float]],
    errors: Sequence[str],
    seconds: float,
    budget: float | None = IDLE_P95_S,
    note: str = "",
) -> Figure:
    """p95 of the page times, with the slowest pages and any errors in the note."""
    values = [t for _, t in timings]
    by_page: dict[str, list[float]] = {}
    for target, t in timings:
        by_page.setdefault(url_path(target) or "home", []).append(t)
    slowest = sorted(by_page.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
    return Figure(
        "browser",
        name,
        _percentile(values, 95) if values else math.nan,
        "s",
        budget,
        note + f"{len(values)} pages in {seconds:.0f} s, median "
        f"{statistics.median(values) if values else math.nan:.2f} s; slowest (median) "
        + ", ".join(f"{page} {statistics.median(v):.1f} s" for page, v in slowest)
        + (f"; {len(errors)} errors, first: {errors[0]}" if errors else ""),
    )


async def _protocol_sessions(
    server: Server,
    pages: Sequence[str],
    n: int,
    timings: list[tuple[str, float, int]],
    errors: list[str],
) -> None:
    """``n`` sessions at once speaking Streamlit's websocket protocol (what locust would do).

    Each opens the app, then asks for every page in its own shuffled order, as a click in
    the sidebar does (``rerun_script`` with the page's script hash), and times the page
    until the server says the script finished; no browser renders anything, so this is
    the server's share. The bytes of every page's messages are kept too.
    """
    import random

    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async def finished(ws: object) -> int:
        size = 0
        while True:
            raw = await ws.recv()  # type: ignore[attr-defined]
            size += len(raw)
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "navigation":
                for page in message.navigation.app_pages:
                    hashes[page.url_pathname] = page.page_script_hash
            if kind == "script_finished" and message.script_finished in (0, 1):
                return size

    hashes: dict[str, str] = {}
    url = server.url.replace("http", "ws", 1) + "/_stcore/stream"

    async def user(index: int) -> None:
        order = list(pages)
        random.Random(index).shuffle(order)
        try:
            async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
                start = BackMsg()
                start.rerun_script.query_string = ""
                await ws.send(start.SerializeToString())
                await finished(ws)
                for target in order:
                    ask = BackMsg()
                    ask.rerun_script.page_script_hash = hashes[url_path(target)]
                    ask.rerun_script.page_name = url_path(target)
                    query = "&".join(f"{k}={v}" for k, v in PAGE_QUERIES.get(target, {}).items())
                    ask.rerun_script.query_string = query
                    begin = time.perf_counter()
                    await ws.send(ask.SerializeToString())
                    size = await finished(ws)
                    timings.append((target, time.perf_counter() - begin, size))
        except Exception as exc:  # a failed session is reported with the figure
            errors.append(f"session {index}: {type(exc).__name__}: {exc}"[:300])

    await asyncio.gather(*(user(i) for i in range(n)))


async def _concurrent_sessions(
    server: Server,
    pages: Sequence[str],
    n: int,
    timings: list[tuple[str, float]],
    errors: list[str],
) -> None:
    """``n`` sessions at once in one Chromium (a context each), each clicking every page.

    One browser with ``n`` contexts rather than ``n`` browsers: the clients share the
    machine with the server, and ten whole browsers would measure mostly themselves.
    """
    import random

    from playwright.async_api import async_playwright

    from tests.browser_support import CONTENT_TYPES, EMPTY_PNG, local_file_for

    async def offline(route: object, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        local = local_file_for(url)
        if local is not None and local.is_file():
            await route.fulfill(  # type: ignore[attr-defined]
                status=200,
                body=local.read_bytes(),
                content_type=CONTENT_TYPES.get(local.suffix, "application/octet-stream"),
            )
            return
        image = url.split("?")[0].endswith(".png")
        await route.fulfill(  # type: ignore[attr-defined]
            status=200,
            body=EMPTY_PNG if image else b"",
            content_type="image/png" if image else "text/plain",
        )

    async def title(tab: object) -> str:
        return await tab.evaluate(  # type: ignore[attr-defined]
            "() => { const h = document.querySelector('[data-testid=\"stMain\"] h1');"
            " return h ? h.textContent : ''; }"
        )

    async def user(browser: object, index: int) -> None:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        await context.route(REMOTE, offline)
        tab = await context.new_page()
        try:
            await tab.goto(server.url + "/")
            await tab.wait_for_function(IDLE_JS, arg=[""], timeout=600_000)
            order = list(pages[1:])
            random.Random(index).shuffle(order)  # users do not all click the same page at once
            for target in [*order, pages[0]]:
                previous = await title(tab)
                link = tab.locator(f'[data-testid="stSidebarNav"] a[href$="/{url_path(target)}"]')
                begin = time.perf_counter()
                await link.first.click()
                await tab.wait_for_function(IDLE_JS, arg=[previous], timeout=600_000)
                timings.append((target, time.perf_counter() - begin))
        except Exception as exc:  # a failed session is reported with the figure
            errors.append(f"session {index}: {exc}"[:300])
        finally:
            await context.close()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        await asyncio.gather(*(user(browser, i) for i in range(n)))
        await browser.close()


def _polygons(tab: object) -> None:
    """Wait until the map's 342 municipality polygons are in the component's page."""
    frame = tab.frame_locator('iframe[title*="st_folium"]')  # type: ignore[attr-defined]
    frame.locator("path.leaflet-interactive").nth(341).wait_for(state="attached", timeout=300_000)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(q / 100 * len(ordered)) - 1)
    return ordered[rank]


# ---------------------------------------------------------------- growth


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log(y) on log(x): the growth exponent."""
    pairs = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if y > 0]
    if len(pairs) < 2:
        return math.nan
    mx = statistics.mean(p[0] for p in pairs)
    my = statistics.mean(p[1] for p in pairs)
    sxx = sum((p[0] - mx) ** 2 for p in pairs)
    return sum((p[0] - mx) * (p[1] - my) for p in pairs) / sxx if sxx else math.nan


def bench_sweep(
    report: Report, workdir: Path, pages: Sequence[str], scales: Sequence[float]
) -> None:
    """Each figure per data scale and its fitted exponent (see the module doc)."""
    table: dict[str, dict[float, float]] = {}
    for factor in scales:
        db, made = prepare_db(factor)
        if made:
            print(
                f"  x{factor:g}: generated in {made.get('demo', 0):.0f} s, init {made.get('init', 0):.0f} s"
            )
        data_dir = fresh_data_dir(db, workdir, f"sweep-{factor:g}")
        others = [p for p in pages if p != "pages/home.py"]
        teach = "*" if set(pages) == set(discover_pages()) else ",".join(others)
        run_worker(ROOT, data_dir, teach or "*", prewarmed=False, reruns=0)  # teach the prewarm
        # the prewarm with nothing on disk (a first start, new data): what it computes
        first = run_worker(
            ROOT, data_dir, "pages/home.py", prewarmed=True, reruns=0, forget_results=True
        )
        if not first.get("error"):
            table.setdefault("prewarm after a first start (s)", {})[factor] = float(
                first["prewarm"]
            )
        for page in pages:
            result = run_worker(ROOT, data_dir, page, prewarmed=True, reruns=3)
            name = page.removeprefix("pages/").removesuffix(".py")
            if result.get("error"):
                print(f"  x{factor:g} {name}: ERROR {str(result['error'])[:200]}")
                continue
            table.setdefault(f"{name}: first view cpu (s)", {})[factor] = float(result["first_cpu"])
            table.setdefault(f"{name}: rerun cpu (s)", {})[factor] = float(result["rerun_cpu"])
            table.setdefault(f"{name}: process memory (MB)", {})[factor] = float(
                result["max_rss_mb"]
            )
            if page == "pages/map.py":
                table.setdefault("map: bytes per view (MB)", {})[factor] = (
                    float(result["component_bytes"]) / 1e6
                )
            if page == "pages/home.py":
                table.setdefault("prewarm after a restart (s)", {})[factor] = float(
                    result["prewarm"]
                )
            print(f"  x{factor:g} {name:<12} {_brief(result)}", flush=True)
    print("\n  figure" + "".join(f"{'x' + format(f, 'g'):>10}" for f in scales) + "   exponent")
    for name, values in table.items():
        row = [values.get(f, math.nan) for f in scales]
        exponent = slope(
            [f for f in scales if f in values], [values[f] for f in scales if f in values]
        )
        print(f"  {name:<36}" + "".join(f"{v:>10.3f}" for v in row) + f"{exponent:>10.2f}")
        report.add(
            Figure(
                "growth",
                f"{name} exponent",
                exponent,
                "x",
                MAX_EXPONENT,
                " / ".join(f"{v:.3g}" for v in row),
            )
        )


# ---------------------------------------------------------------- import (issue 11)


INIT_S = 30.0  # issue 11's budgets, measured by its own benchmark
IMPORT_S = 10.0
IMPORT_FIGURES = {  # bench_import.py's step -> (figure, budget)
    "init national": ("init of the national data", INIT_S),
    "import 20,000 measures (CLI, median)": ("import of 20,000 measures (CLI)", IMPORT_S),
}


def import_figures(output: str) -> dict[tuple[str, str], dict[str, str]]:
    """``bench_import.py``'s result lines (``sqlite new {...}``) by engine and code version."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"^(sqlite|postgresql) (old|new) (\{.*\})$", line.strip())
        if match:
            found[(match[1], match[2])] = ast.literal_eval(match[3])
    return found


def _seconds(cell: str | None) -> float:
    """``"26.9 s"`` or ``"4.1 s (4.1, 4.3)"`` as seconds; NaN when the step failed."""
    match = re.match(r"^([0-9.]+) s(?: \(|$)", cell or "")
    return float(match[1]) if match and "exit" not in (cell or "") else math.nan


def bench_import(report: Report, baseline: str | None) -> None:
    """Issue 11's budgets (init <= 30 s, an import of 20,000 measures <= 10 s), measured by
    its own ``bench_import.py`` (SQLite, one import each, ``--baseline`` or ``main`` as its
    old code side by side); its figures are judged here."""
    script = ROOT / "benchmarks" / "bench_import.py"
    if not script.exists():
        print("  benchmarks/bench_import.py is missing: init and import not measured")
        return
    args = [sys.executable, str(script), "--skip-million", "--repeat", "1"]
    args += ["--base", baseline or "main"]
    if SEED is not None:
        args += ["--data", str(SEED)]
    start_load = load()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    print(done.stdout[-3000:] or done.stderr[-2000:])
    results = import_figures(done.stdout)
    new, old = results.get(("sqlite", "new"), {}), results.get(("sqlite", "old"), {})
    for step, (name, budget) in IMPORT_FIGURES.items():
        report.add(
            Figure(
                "import",
                name,
                _seconds(new.get(step)),
                "s",
                budget,
                "SQLite, bench_import.py" if new else f"ERROR exit {done.returncode}",
                load=max(start_load, load()),
                baseline=_seconds(old.get(step)) if old else None,
            )
        )


# ---------------------------------------------------------------- main


def export_baseline(ref: str) -> Path:
    """The tree of git ``ref`` (``git archive``) under ``benchmarks/output/``."""
    sha = _git("rev-parse", "--short", ref)
    if not sha:
        raise SystemExit(f"unknown git ref: {ref}")
    target = OUTPUT / f"baseline-{sha}"
    if not (target / "app.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", action="store_true")
    parser.add_argument("--map", action="store_true")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--sessions", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--import", dest="import_", action="store_true")
    parser.add_argument("--only", nargs="*", help="page files to measure (default: all)")
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--baseline", help="git ref measured side by side (e.g. main)")
    parser.add_argument("--memory-sessions", type=int, default=5)
    parser.add_argument("--sessions-n", type=int, default=10)
    parser.add_argument("--scales", default=",".join(f"{s:g}" for s in SCALES))
    parser.add_argument("--results", type=Path, help="write the table as Markdown here")
    parser.add_argument(
        "--seed",
        type=Path,
        help="CSVs of `python -m cop demo --scale national --out DIR` to load (default: generate)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="write pyinstrument profiles of every page's first view and reruns here",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--prewarmed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--after-import", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        result = page_worker(
            args.worker,
            args.root.resolve(),
            args.reruns,
            args.prewarmed,
            args.profile,
            after_import=args.after_import,
        )
        print(json.dumps(result, default=float))
        return 0

    global PROFILE_DIR, SEED
    PROFILE_DIR = args.profile.resolve() if args.profile else None
    SEED = args.seed.resolve() if args.seed else None
    chosen = [args.pages, args.map, args.memory, args.sessions, args.sweep, args.import_]
    everything = not any(chosen)
    pages = discover_pages()
    if args.only:
        pages = [p for p in pages if p in args.only or p == "pages/home.py"]
    info = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    print("pages: " + ", ".join(pages))
    report = Report()
    with report.part("data"):
        db, made = prepare_db(1.0)
        print(
            f"  database {db.name}"
            + (
                f" (generated: demo {made['demo']:.0f} s, init {made['init']:.0f} s)"
                if made
                else " (cached)"
            )
        )
    baseline = export_baseline(args.baseline) if args.baseline else None
    with tempfile.TemporaryDirectory(prefix="cop-bench-pages-") as tmp:
        workdir = Path(tmp)
        warm: dict[str, dict[str, object]] = {}
        if everything or args.pages or args.map:
            with report.part("pages"):
                only = pages if (everything or args.pages) else ["pages/home.py", "pages/map.py"]
                warm = bench_pages(report, db, workdir, only, args.reruns, baseline)
        if everything or args.map:
            with report.part("map"):
                bench_map(report, db, workdir, warm)
        if everything or args.memory or args.sessions:
            with report.part("server"):
                bench_server(
                    report,
                    db,
                    workdir,
                    pages,
                    memory=everything or args.memory,
                    sessions=everything or args.sessions,
                    memory_sessions=args.memory_sessions,
                    sessions_n=args.sessions_n,
                )
        if everything or args.sweep:
            with report.part("sweep"):
                scales = [float(s) for s in args.scales.split(",")]
                bench_sweep(report, workdir, pages, scales)
        if everything or args.import_:
            with report.part("import"):
                bench_import(report, args.baseline)
    missed = report.missed()
    print(f"\nbudgets missed: {len(missed)}")
    for figure in missed:
        print(
            f"  {figure.part}: {figure.name} = {_fmt(figure.value, figure.unit)} (budget {_fmt(figure.budget, figure.unit)})"
        )
    if args.results:
        command = "python benchmarks/bench_pages.py " + " ".join(argv or sys.argv[1:])
        args.results.write_text(report.markdown(command.strip(), info), encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
