"""Boundaries loaded off the page's thread: a page never waits for PDOK (issue 14).

Behind a firewall that drops traffic, :func:`cop.geo.boundaries.load_boundaries` can take
minutes (a timeout per request, a retry, a second source). :class:`BackgroundLoader` runs it
in a daemon thread and lets a page wait only a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from cop.core.config import get_settings
from cop.geo.boundaries import MSG_UNAVAILABLE, BoundaryResult

log = logging.getLogger(__name__)


@dataclass
class _Attempt:
    done: threading.Event = field(default_factory=threading.Event)
    result: BoundaryResult | None = None
    finished_at: float = 0.0
    generation: int = 0
    running: bool = False


class BackgroundLoader:
    """Loads boundaries off the page's thread; a page waits a few seconds at most.

    Behind a firewall that drops traffic, :func:`load_boundaries` can take minutes (a
    timeout per request, a retry, a second source). A page asks :meth:`get` with a short
    ``wait``: it gets the result when it is there by then, else ``None`` (draw the points
    and say the boundaries are on their way); the download goes on in one daemon thread
    per key, never two at once. A failure is remembered for ``retry_seconds``: views in
    that time get the failure at once, without a new attempt; the first view after it
    starts one attempt in the background and still gets the old answer at once.

    ``key`` names what is loaded (file, cache, year, offline: see ``cop.ui.boundaries_key``);
    ``load(key)`` does the work. ``clock`` is injectable so tests never sleep.
    """

    def __init__(
        self,
        load: Callable[[str], BoundaryResult],
        *,
        retry_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 4,
    ) -> None:
        self._load = load
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._attempts: OrderedDict[str, _Attempt] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, wait: float | None) -> tuple[BoundaryResult | None, int]:
        """The result for ``key`` and its generation, waiting at most ``wait`` seconds.

        ``wait=None`` waits until the attempt is done (background work such as the
        prewarm). ``None`` as result: still loading, nothing earlier to show.
        """
        with self._lock:
            attempt = self._attempts.get(key)
            if attempt is None:
                attempt = self._attempts[key] = _Attempt()
                while len(self._attempts) > self._max_keys:
                    self._attempts.popitem(last=False)
            self._attempts.move_to_end(key)
            result = attempt.result
            fresh = result is not None and (
                result.ok or self._clock() - attempt.finished_at < self.retry_seconds
            )
            if fresh:
                return result, attempt.generation
            if not attempt.running:
                attempt.running = True
                attempt.done.clear()
                threading.Thread(
                    target=self._run, args=(key, attempt), name="cop-boundaries", daemon=True
                ).start()
            done = attempt.done
        if result is not None and wait is not None:  # an old failure: answer now
            return result, attempt.generation
        done.wait(wait)
        with self._lock:
            return attempt.result, attempt.generation

    def _run(self, key: str, attempt: _Attempt) -> None:
        try:
            result = self._load(key)
        # Whatever goes wrong in the thread, the pages must hear of it as "no boundaries"
        # (never wait for an answer that does not come); the cause goes to the log.
        except Exception as exc:
            log.exception("boundaries: loading %s failed", key)
            settings = get_settings()
            result = BoundaryResult(
                None, "points", settings.boundaries_year, MSG_UNAVAILABLE, [repr(exc)]
            )
        with self._lock:
            attempt.result = result
            attempt.finished_at = self._clock()
            attempt.generation += 1
            attempt.running = False
            attempt.done.set()
