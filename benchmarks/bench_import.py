"""Imports and ``init``: the one write path (issue 11) against the code before it, same run.

Measures, on SQLite and (with ``--pg-url``) PostgreSQL, for the code of this checkout
("new") and of ``--base`` ("old", by default where this branch left ``main``):

* ``python -m cop init`` of the national demo data (``python -m cop demo --scale
  national``: about 1.09 million rows, 1.05 million of them monitoring counts);
* an import of 20,000 measures with validation (10,000 changed, 10,000 new) into that
  database, as the command line runs it and inside one process;
* on SQLite: an import that changes all 1.05 million monitoring counts while a reader
  process reads the measures table and the data version through the app's engine every
  0.25 s, as pages do; its errors and slowest read.

Old and new run one after the other on copies of their own filled database, the 20,000-row
import ``--repeat`` times (median), so a change in the machine's load hits both.

Usage::

    python benchmarks/bench_import.py [--pg-url postgresql+psycopg://postgres@host:port/postgres]
        [--base REF] [--data DIR] [--repeat N] [--skip-million]

Each run uses fresh databases and a fresh interpreter per step. Prints figures; asserts
nothing (timings depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
READER_PAUSE = 0.25  # seconds between two reads of the reader process

TIMED_IMPORT = """
import sys, time
from cop.data import storage
engine = storage.make_engine()
start = time.perf_counter()
report = storage.import_file(engine, sys.argv[1], sys.argv[2])
print(time.perf_counter() - start, report.ok)
"""

READER = """
import json, sys, time
from pathlib import Path
from cop.data import storage
engine = storage.make_engine()
stop, pause = Path(sys.argv[1]), float(sys.argv[2])
reads, errors, worst, first = 0, 0, 0.0, None
while not stop.exists():
    start = time.perf_counter()
    try:  # what a page does: a table and the data version
        storage.read_table(engine, "measures")
        storage.data_version(engine)
        reads += 1
    except Exception as exc:  # counted: this is what a page would have shown
        errors += 1
        first = first or str(exc).splitlines()[0][:120]
    worst = max(worst, time.perf_counter() - start)
    time.sleep(pause)
print(json.dumps({"reads": reads, "errors": errors, "worst_s": worst, "first_error": first}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", help="a PostgreSQL server URL; its databases are made here")
    parser.add_argument("--base", help="git ref of the old code (default: merge-base with main)")
    parser.add_argument("--data", type=Path, help="national demo data (made when absent)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the 20,000-row import")
    parser.add_argument("--skip-million", action="store_true", help="skip the 1M-row import")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    base = args.base or _git("merge-base", "HEAD", "main")
    codes = {"old": _export(base, work / "old"), "new": ROOT}
    data = args.data or work / "national"
    if not (data / "monitoring.csv").exists():
        _cop(ROOT, ["demo", "--scale", "national", "--out", str(data)], {})
    measures, monitoring = _derived_files(data, work)
    rows = sum(len(pd.read_csv(p, usecols=[0])) for p in data.glob("*.csv"))
    print(f"old = {base[:10]}, new = this checkout; national data: {rows:,} rows", flush=True)
    engines = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    results: dict[tuple[str, str], dict[str, str]] = {}
    for engine in engines:
        filled = {}
        for version, code in codes.items():  # init, old and new one after the other
            url = _database(engine, work, args.pg_url)
            seconds, done = _cop(code, ["init", "--seed-dir", str(data)], _env_for(url, work))
            results.setdefault((engine, version), {})["init national"] = f"{seconds:.1f} s" + _ok(
                done
            )
            filled[version] = url
        timings: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.repeat):  # old and new alternate, each on a copy of its database
            for version, code in codes.items():
                env = _env_for(_copy(filled[version], work, args.pg_url), work)
                seconds, done = _cop(code, ["import", "measures", str(measures)], env)
                timings.setdefault((version, "cli"), []).append(seconds)
                env = _env_for(_copy(filled[version], work, args.pg_url), work)
                inside = _python(code, TIMED_IMPORT, ["measures", str(measures)], env)
                timings.setdefault((version, "inside"), []).append(float(inside.split()[0]))
        for version in codes:
            figures = results[(engine, version)]
            figures["import 20,000 measures (CLI, median)"] = _median(timings[(version, "cli")])
            figures["  same, inside the process (median)"] = _median(timings[(version, "inside")])
        if engine == "sqlite" and not args.skip_million:
            for version, code in codes.items():
                env = _env_for(_copy(filled[version], work, args.pg_url), work)
                results[(engine, version)].update(_million_with_reader(code, monitoring, env, work))
        for version in codes:
            print(engine, version, results[(engine, version)], flush=True)
    _print_table(results, engines)


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s (" + ", ".join(f"{v:.1f}" for v in values) + ")"


def _env_for(url: str, work: Path) -> dict[str, str]:
    return {"DATABASE_URL": url, "COP_DATA_DIR": str(work / f"data-{uuid.uuid4().hex}")}


def _copy(url: str, work: Path, pg_url: str | None) -> str:
    """A copy of the database at ``url``: the file, or ``CREATE DATABASE ... TEMPLATE``."""
    if url.startswith("sqlite:///"):
        source = Path(url.removeprefix("sqlite:///"))
        target = work / f"{uuid.uuid4().hex}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{source}{suffix}").exists():
                shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
        return f"sqlite:///{target}"
    assert pg_url is not None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{url.rsplit("/", 1)[1]}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


def _ok(done: subprocess.CompletedProcess) -> str:
    if done.returncode == 0:
        return ""
    last = (done.stderr.strip().splitlines() or ["?"])[-1][:80]
    return f" (exit {done.returncode}: {last})"


def _million_with_reader(code: Path, monitoring: Path, env: dict, work: Path) -> dict[str, str]:
    stop = work / f"stop-{uuid.uuid4().hex}"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(stop), str(READER_PAUSE)],
        env=_env(code, env),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(5)  # the reader has imported pandas and read once
    seconds, done = _cop(code, ["import", "monitoring", str(monitoring)], env)
    stop.touch()
    seen = json.loads(reader.communicate(timeout=120)[0])
    error = f"; first: {seen['first_error']}" if seen["errors"] else ""
    return {
        "import 1M monitoring changes (CLI)": f"{seconds:.1f} s" + _ok(done),
        "reader: reads / errors / slowest": (
            f"{seen['reads']} / {seen['errors']} / {seen['worst_s']:.2f} s{error}"
        ),
    }


def _derived_files(data: Path, work: Path) -> tuple[Path, Path]:
    """20,000 measures (10,000 retitled, 10,000 new) and every monitoring count + 1."""
    measures = pd.read_csv(data / "measures.csv", dtype=str, keep_default_na=False)
    changed = measures.iloc[:10_000].copy()
    changed["title"] = changed["title"] + " (bijgewerkt)"
    added = measures.iloc[:10_000].copy()
    added["id"] = (added["id"].astype(int) + 1_000_000).astype(str)
    measures_path = work / "measures_20000.csv"
    pd.concat([changed, added]).to_csv(measures_path, index=False)
    counts = pd.read_csv(data / "monitoring.csv", dtype=str, keep_default_na=False)
    present = counts["count"] != ""
    counts.loc[present, "count"] = (counts.loc[present, "count"].astype(int) + 1).astype(str)
    monitoring_path = work / "monitoring_changed.csv"
    counts.to_csv(monitoring_path, index=False)
    return measures_path, monitoring_path


def _database(engine: str, work: Path, pg_url: str | None) -> str:
    if engine == "sqlite":
        return f"sqlite:///{work / f'{uuid.uuid4().hex}.sqlite'}"
    assert pg_url is not None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return pg_url.rsplit("/", 1)[0] + f"/{name}"


def _env(code: Path, extra: dict) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "COP_OFFLINE": "1", **extra}


def _cop(code: Path, argv: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cop", *argv],
        cwd=code,
        env=_env(code, env),
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, done


def _python(code: Path, source: str, argv: list[str], env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-c", source, *argv],
        cwd=code,
        env=_env(code, env),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def _export(ref: str, target: Path) -> Path:
    """The tree of ``ref`` in ``target`` (``git archive``; no worktree is touched)."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def _print_table(results: dict, engines: list[str]) -> None:
    columns = [(e, v) for e in engines for v in ("old", "new")]
    steps = list(dict.fromkeys(step for figures in results.values() for step in figures))
    width = max(len(s) for s in steps) + 2
    print()
    print("".ljust(width) + "".join(f"{e} {v}".ljust(34) for e, v in columns))
    for step in steps:
        cells = [results.get(c, {}).get(step, "-") for c in columns]
        print(step.ljust(width) + "".join(cell.ljust(34) for cell in cells))


if __name__ == "__main__":
    main()
