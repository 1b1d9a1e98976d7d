"""What the writer processes of ``tests/test_concurrency.py`` run.

The processes are *spawned* (fresh interpreters, as eight ``python -m cop import`` would
be) once per test module and serve every round of every test there: importing pandas,
pandera and SQLAlchemy costs more CPU than a whole round of writes, so each process pays it
once. Every task first waits at a shared barrier, so the writes of one round really start
at the same moment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import multiprocessing
import os
import sys
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

BARRIER_TIMEOUT = 300  # seconds; a hung round fails the test instead of hanging it
#: A round waits this long for its results: a worker that died loses its task, and
#: ``Pool.starmap`` would wait for it forever.
ROUND_TIMEOUT = BARRIER_TIMEOUT + 60

_barrier: Any = None
_engines: dict[str, Any] = {}


class WriterPool:
    """The spawned processes of one test module; every round has a deadline."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def starmap(self, func: Callable[..., Any], tasks: Sequence[tuple]) -> list[Any]:
        """One task per process at the same moment; their results, in order."""
        pending = self._pool.starmap_async(func, tasks, chunksize=1)
        return pending.get(timeout=ROUND_TIMEOUT)


@contextlib.contextmanager
def spawned_pool(processes: int) -> Iterator[WriterPool]:
    """``processes`` fresh interpreters that run :func:`start` once and then the tasks.

    Spawning re-runs the parent's ``__main__`` file in every child. After an AppTest in
    the same test process that file is ``app.py`` (Streamlit installs its script as
    ``__main__`` and leaves it there), which crashes outside a Streamlit run; the pool
    then replaced the crashed child forever and the suite hung until CI's timeout. The
    children therefore get an empty ``__main__``.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    borrowed_main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        with context.Pool(processes, initializer=start, initargs=(barrier,)) as pool:
            yield WriterPool(pool)
    finally:
        sys.modules["__main__"] = borrowed_main


def start(barrier: Any) -> None:
    """Pool initializer: keep the barrier and import the code the tasks run."""
    global _barrier
    _barrier = barrier
    import cop.cli.main
    import cop.peers.questions  # noqa: F401


def cli(url: str, data_dir: str, argv: list[str]) -> tuple[int, str, str]:
    """``python -m cop ARGV`` in this process: (exit code, stdout, stderr).

    An exception that would end ``python -m cop`` with a traceback is printed to the
    returned stderr with exit code 1, as the interpreter would.
    """
    from cop.cli.main import main

    os.environ.update(DATABASE_URL=url, COP_DATA_DIR=data_dir, COP_OFFLINE="1")
    out, err = io.StringIO(), io.StringIO()
    _barrier.wait(timeout=BARRIER_TIMEOUT)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:
            traceback.print_exc()
            code = 1
    gc.collect()  # the command's engine and its connections go, as at the end of a process
    return code, out.getvalue(), err.getvalue()


def _engine(url: str) -> Any:
    """One engine per database, as a long-running app process has (the previous test's
    engine is closed when the next test's database comes)."""
    from cop.data import storage

    if url not in _engines:
        for old in _engines.values():
            old.dispose()
        _engines.clear()
        _engines[url] = storage.make_engine(url)
    return _engines[url]


def write_measures(url: str, rows: list[dict[str, Any]]) -> tuple[bool, dict[str, int]]:
    """Upsert measure rows through the one write path: (stored?, counts of the outcome)."""
    import pandas as pd

    from cop.data import storage

    item = storage.TableWrite("measures", pd.DataFrame(rows))
    engine = _engine(url)
    _barrier.wait(timeout=BARRIER_TIMEOUT)
    outcome = storage.write(engine, [item], actor="writer", source="test")
    return outcome.applied, outcome.counts()


def post_question(url: str, code: str, text: str, today: dt.date) -> tuple[int | None, list[str]]:
    """Post one help question as a coordinator: (the id it got, or ``None``; messages)."""
    from cop.peers import questions

    engine = _engine(url)
    _barrier.wait(timeout=BARRIER_TIMEOUT)
    report = questions.post_help_question(
        engine, code, "depaving", text, role="coordinator", today=today
    )
    if not report.ok:
        return None, report.messages("en")
    return int(report.frame.at[0, "id"]), []
