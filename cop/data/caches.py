"""Per-data-version caches shared by every session, and their background prewarm.

Plain Python, no Streamlit: :mod:`cop.ui` wires these to Streamlit's caches and pages
(``ui.table``, ``ui.compute``). Two parts:

:class:`SharedTables`
    Whole tables as read from the database, one frame per database and table, shared
    by every session. ``st.cache_data`` would hand every caller an unpickled copy: about
    0.1 s per call for the measures (20,000 rows) and 0.6 s plus 130 MB for the
    monitoring table (a million rows), per session and per call. Callers get a shallow
    copy instead; pandas' copy-on-write (always on since pandas 3) makes any change a
    session makes to its copy private, so the shared frame never changes.
:class:`Prewarm`
    After a server start or an import, one background thread per data version fills the
    caches before the first user asks: it runs the given steps (read every table, import
    large libraries, load the boundaries) and then replays the calls that were slow
    before, remembered in a small JSON file so that a restarted server knows them too.
    Only public functions of the allowed packages are ever called from that file.

:class:`ResultStore`
    The slow results on disk, so a restarted server has them at once instead of
    recomputing them for ten seconds and more while its first users wait.
:func:`call_key`, :func:`function`, :func:`warm_steps`
    The small pieces of ``ui.compute`` and the prewarm that need no Streamlit.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import io
import json
import logging
import os
import pickle
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path

import pandas as pd

from cop.data.schema import TABLES

_log = logging.getLogger(__name__)

Call = dict[str, object]  # {"module", "name", "tables", "params"} of one remembered call

PREWARM_MIN_SECONDS = 0.2  # a computation slower than this is computed ahead next time
PREWARM_MAX_CALLS = 40  # remembered calls (most recent first)
PREWARM_FILE = "prewarm.json"  # in the cache folder: survives a server restart
PREWARM_PACKAGES = ("cop.",)  # the file names functions; only these are ever called


def call_key(
    func: Callable[..., object], tables: Sequence[str], params: Mapping[str, object]
) -> tuple[str, str, str]:
    """Module, name and JSON parameters of a cached call on whole tables.

    The cache key holds these, never a large frame. Tables with personal data are read
    as a visitor sees them (``cop.ui._guarded``): a cached result is shared by every
    session, whatever its reader may see.
    """
    return func.__module__, func.__name__, json.dumps(params, sort_keys=True, default=str)


def function(module: str, name: str) -> Callable[..., object]:
    """The function a remembered call names (the prewarm has no function object)."""
    return getattr(importlib.import_module(module), name)


def warm_steps(
    get: Callable[[str, int, str], object], url: str, version: int, modules: Iterable[str]
) -> list[Callable[[], object]]:
    """The prewarm's first steps: read every table (the largest, monitoring, last), then
    import ``modules`` (libraries the pages import on their first view)."""
    names = sorted(TABLES, key=lambda t: t == "monitoring")
    steps: list[Callable[[], object]] = [partial(get, url, version, n) for n in names]
    return steps + [partial(importlib.import_module, module) for module in modules]


class SharedTables:
    """One frame per ``(url, table)``, of the newest data version asked for; LRU-bounded.

    ``read(url, name)`` reads a table; while one thread reads it, the others asking for
    the same table wait for that frame instead of reading it again.
    """

    def __init__(self, read: Callable[[str, str], pd.DataFrame], max_entries: int) -> None:
        self._read = read
        self._frames: OrderedDict[tuple[str, str], tuple[int, pd.DataFrame]] = OrderedDict()
        self._reading: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self._max_entries = max_entries

    def _hit(self, key: tuple[str, str], version: int) -> pd.DataFrame | None:
        with self._guard:
            found = self._frames.get(key)
            if found is None or found[0] != version:
                return None
            self._frames.move_to_end(key)
            return found[1]

    def get(self, url: str, version: int, name: str) -> pd.DataFrame:
        """Table ``name`` of version ``version`` (read once, then shared: never modify it)."""
        key = (url, name)
        frame = self._hit(key, version)
        if frame is not None:
            return frame
        with self._guard:
            lock = self._reading.setdefault(key, threading.Lock())
        with lock:
            frame = self._hit(key, version)
            if frame is not None:
                return frame
            frame = self._read(url, name)
            with self._guard:
                self._frames[key] = (version, frame)
                self._frames.move_to_end(key)
                while len(self._frames) > self._max_entries:
                    self._frames.popitem(last=False)
            return frame

    def private(self, url: str, version: int, name: str) -> pd.DataFrame:
        """A shallow copy of the shared frame: whatever the caller changes stays its own."""
        return self.get(url, version, name).copy(deep=False)

    def clear(self) -> None:
        with self._guard:
            self._frames.clear()


class Prewarm:
    """Compute the caches of a new data version in the background, once per process.

    Parameters
    ----------
    file
        Where the remembered calls are kept (called each time: settings may change).
    steps
        ``steps(url, version)``: the callables to run first (tables, libraries, ...).
    replay
        ``replay(module, name, url, version, tables, params)``: compute one remembered
        call into the cache (``tables`` a tuple, ``params`` the JSON of the call).
    packages
        Module prefixes whose public functions may be replayed from the file.
    min_seconds
        A call that took at least this long is remembered (:meth:`learn`).
    max_calls
        How many calls are remembered (most recent first).

    The thread never blocks a page: a page that needs a value the thread is computing
    waits for that value (each cache computes a value once), which is sooner than
    computing it again. A newer data version of the same database stops the older thread
    at its next step.
    """

    def __init__(
        self,
        *,
        file: Callable[[], Path],
        steps: Callable[[str, int], Iterable[Callable[[], object]]],
        replay: Callable[[str, str, str, int, tuple[str, ...], str], object],
        packages: tuple[str, ...] = PREWARM_PACKAGES,
        min_seconds: float = PREWARM_MIN_SECONDS,
        max_calls: int = PREWARM_MAX_CALLS,
    ) -> None:
        self._file = file
        self._steps = steps
        self._replay = replay
        self.packages = packages
        self.min_seconds = min_seconds
        self.max_calls = max_calls
        self._guard = threading.Lock()
        self._started: set[tuple[str, int]] = set()
        self._latest: dict[str, int] = {}
        self._threads: list[threading.Thread] = []
        self._calls: list[Call] | None = None

    # ------------------------------------------------------------ the remembered calls

    def _load(self) -> list[Call]:
        if self._calls is None:
            path = self._file()
            try:
                calls = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                calls = []
            except (OSError, ValueError) as exc:
                _log.warning("prewarm: ignoring unreadable %s (%s)", path, exc)
                calls = []
            found = calls if isinstance(calls, list) else []
            self._calls = [c for c in found if isinstance(c, dict)][: self.max_calls]
        return self._calls

    def calls(self) -> list[Call]:
        """The remembered calls, most recent first (copies)."""
        with self._guard:
            return [dict(call) for call in self._load()]

    def learn(self, call: Call, seconds: float) -> None:
        """Remember a call that took ``seconds``, when that is slow (``min_seconds``)."""
        if seconds < self.min_seconds:
            return
        with self._guard:
            calls = [c for c in self._load() if c != call]
            self._calls = [call, *calls][: self.max_calls]
            self._save()

    def forget(self, call: Call) -> None:
        with self._guard:
            self._calls = [c for c in self._load() if c != call]
            self._save()

    def allowed(self, call: Call) -> bool:
        """A remembered call names a public function of the allowed packages."""
        module, name = str(call.get("module", "")), str(call.get("name", ""))
        return module.startswith(self.packages) and name.isidentifier() and not name.startswith("_")

    def _save(self) -> None:
        path = self._file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_suffix(".part")
            part.write_text(json.dumps(self._calls, indent=1), encoding="utf-8")
            part.replace(path)
        except OSError as exc:  # the cache folder is a convenience; memory still has them
            _log.warning("prewarm: could not write %s (%s)", path, exc)

    # ------------------------------------------------------------ the thread

    def ensure(self, url: str, version: int) -> None:
        """Start the thread for ``version`` of ``url`` unless it ran or runs already."""
        with self._guard:
            if (url, version) in self._started:
                return
            self._started.add((url, version))
            self._latest[url] = max(version, self._latest.get(url, version))
        thread = threading.Thread(
            target=self._run, args=(url, version), name=f"cop-prewarm-{version}", daemon=True
        )
        with self._guard:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _current(self, url: str, version: int) -> bool:
        with self._guard:
            return self._latest.get(url) == version

    def _run(self, url: str, version: int) -> None:
        start = time.perf_counter()
        for step in self._steps(url, version):
            if not self._current(url, version):
                return
            try:
                step()
            except Exception as exc:  # a page that needs it shows the error itself
                _log.warning("prewarm: %s failed (%s)", getattr(step, "__name__", step), exc)
        for call in self.calls():
            if not self._current(url, version):
                return
            if not self.allowed(call):
                _log.warning("prewarm: ignoring %s.%s", call.get("module"), call.get("name"))
                self.forget(call)
                continue
            try:
                tables = tuple(str(t) for t in call["tables"])  # type: ignore[union-attr]
                module, name, params = str(call["module"]), str(call["name"]), str(call["params"])
                self._replay(module, name, url, version, tables, params)
            except Exception as exc:  # a stale call must not stop the others
                _log.info("prewarm: dropping %s.%s (%s)", call.get("module"), call.get("name"), exc)
                self.forget(call)
        _log.info("prewarm of data version %s took %.1f s", version, time.perf_counter() - start)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running threads; ``True`` when none is left running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._guard:
            threads = list(self._threads)
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)


# ---------------------------------------------------------------- results kept across a restart

RESULTS_FOLDER = "results"  # in the cache folder
STORE_MIN_SECONDS = PREWARM_MIN_SECONDS  # a result that took this long is kept on disk
STORE_MAX_FILES = 64  # per cache folder; the least recently used go first
STORE_MAX_BYTES = 512 * 1024 * 1024
STORE_TABLE_ROWS = 5_000  # tables this long are kept too (reading them is the slow part)
_TAG_BYTES = hashlib.sha256().digest_size


def code_fingerprint(package: str = "cop") -> str:
    """A digest of the package's source and of the libraries results are pickled with.

    Part of every stored result's name: a server restarted on new code (or a new pandas)
    never reads what the old code computed.
    """
    root = Path(importlib.import_module(package).__file__ or "").parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    digest.update(f"{sys.version}|{pd.__version__}|{pickle.HIGHEST_PROTOCOL}".encode())
    return digest.hexdigest()


class ResultStore:
    """Slow results and large tables on disk, one file each, signed with the database's
    secret.

    A file is ``HMAC-SHA256(secret, payload) + payload``, the payload a pickle (results)
    or Parquet (tables): a file that does not carry the tag of this database's secret
    (written by someone else, damaged, of another database) is never unpickled, but
    removed. The name is a keyed digest of the code fingerprint and the ``parts`` the
    caller gives (the function, its tables with their stamps, its parameters), so a
    result is found again only for exactly the data and code that made it, also after a
    write to other tables and a restart. At most ``max_files`` files and ``max_bytes``
    are kept; the least recently used go first.
    """

    def __init__(
        self,
        folder: Callable[[], Path],
        *,
        max_files: int = STORE_MAX_FILES,
        max_bytes: int = STORE_MAX_BYTES,
    ) -> None:
        self._folder = folder
        self.max_files = max_files
        self.max_bytes = max_bytes
        self._fingerprint: str | None = None
        self._guard = threading.Lock()

    def name(self, secret: str, parts: Sequence[object]) -> str:
        if self._fingerprint is None:
            self._fingerprint = code_fingerprint()
        text = json.dumps([self._fingerprint, *parts], default=str)
        return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()

    def load(self, secret: str, name: str) -> tuple[bool, object]:
        """``(True, value)`` for a stored result of this secret, else ``(False, None)``."""
        payload = self._read(secret, name, "pickle")
        if payload is None:
            return False, None
        try:
            return True, pickle.loads(payload)
        except Exception as exc:  # a library changed under the same fingerprint
            _log.warning("results: removing unreadable %s (%s)", name, exc)
            (self._folder() / f"{name}.pickle").unlink(missing_ok=True)
            return False, None

    def save(self, secret: str, name: str, value: object) -> None:
        """Keep ``value``; a full disk or an unpicklable value only costs the speed-up."""
        try:
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            _log.warning("results: could not keep %s (%s)", name, exc)
            return
        self._write(secret, name, "pickle", payload)

    def load_frame(self, secret: str, name: str) -> pd.DataFrame | None:
        """A stored table (Parquet: no code runs when it is read), or ``None``."""
        payload = self._read(secret, name, "parquet")
        if payload is None:
            return None
        try:
            return pd.read_parquet(io.BytesIO(payload))
        except Exception as exc:
            _log.warning("results: removing unreadable %s (%s)", name, exc)
            (self._folder() / f"{name}.parquet").unlink(missing_ok=True)
            return None

    def save_frame(self, secret: str, name: str, frame: pd.DataFrame) -> None:
        """Keep a table as Parquet (its dtypes come back exactly; 6.5 MB and 0.3 s for
        the national monitoring table, against 4 s to read it from SQLite)."""
        buffer = io.BytesIO()
        try:
            frame.to_parquet(buffer, index=True)
        except Exception as exc:
            _log.warning("results: could not keep %s (%s)", name, exc)
            return
        self._write(secret, name, "parquet", buffer.getvalue())

    def _read(self, secret: str, name: str, suffix: str) -> bytes | None:
        if not secret:
            return None
        path = self._folder() / f"{name}.{suffix}"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        tag, payload = data[:_TAG_BYTES], data[_TAG_BYTES:]
        if not hmac.compare_digest(tag, hmac.new(secret.encode(), payload, "sha256").digest()):
            _log.warning("results: removing %s, not signed with this database's key", path.name)
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used: kept longest
        return payload

    def _write(self, secret: str, name: str, suffix: str, payload: bytes) -> None:
        if not secret:
            return
        folder = self._folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            part = folder / f"{name}.{os.getpid()}-{threading.get_ident()}.part"
            part.write_bytes(hmac.new(secret.encode(), payload, "sha256").digest() + payload)
            part.replace(folder / f"{name}.{suffix}")
        except OSError as exc:
            _log.warning("results: could not keep %s (%s)", name, exc)
            return
        self._prune(folder)

    def _prune(self, folder: Path) -> None:
        with self._guard:
            try:
                found = [*folder.glob("*.pickle"), *folder.glob("*.parquet")]
                files = sorted(
                    ((p.stat().st_mtime, p.stat().st_size, p) for p in found), reverse=True
                )
            except OSError:  # another process pruned at the same time
                return
            kept_bytes = 0
            for number, (_, size, path) in enumerate(files):
                kept_bytes += size
                if number >= self.max_files or kept_bytes > self.max_bytes:
                    path.unlink(missing_ok=True)

    def clear(self) -> None:
        for path in [*self._folder().glob("*.pickle"), *self._folder().glob("*.parquet")]:
            path.unlink(missing_ok=True)
