"""The brief's charts: the figures, and their PNG images for Word and PDF.

On paper a chart is read at arm's length and at the text width of an A4 page (17 cm), so
:func:`for_print` redraws each figure before it becomes an image: white background, text
large enough to print at about 9 pt, category labels wrapped over lines instead of cut off
(automatic margins make room for them), the axis title kept clear of the tick labels, and
a height that follows the number of bars. The page keeps the interactive figure as it is.

Charts become PNG images through plotly's static export (kaleido 1.x drives a Chromium;
Debian's ``/usr/bin/chromium`` is found on the PATH, or set ``BROWSER_PATH``). Without a
working browser, within :data:`CHART_TIMEOUT` seconds, or with ``COP_BRIEF_CHARTS=off``,
:func:`chart_images` gives no images and every chart is shown as its table instead: a
brief never fails for want of a browser. Markdown always shows the table (a text format
has no place for a picture).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import html
import logging
import textwrap
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import plotly.graph_objects as go

from cop.core import charts, config, i18n
from cop.meetings.briefs import ThemeChanges

log = logging.getLogger(__name__)

CHART_TIMEOUT = 40.0  # seconds for all chart images together (browser start included)
EXPORT_ATTEMPTS = 2  # a browser that fails to start is started once more
RETRY_MIN_SECONDS = 15.0  # ...when at least this much of the timeout is left
# Drawn 720 px wide for a 17 cm text width: 1 px is about 0.24 mm, so 15 px text prints at
# about 10 pt and 13 px tick labels at about 9 pt (images are made at scale 2 for sharpness).
CHART_WIDTH, CHART_HEIGHT = 720, 460
PRINT_FONT_SIZE = 15
PRINT_TICK_SIZE = 13
LABEL_CHARS = 32  # category labels longer than this wrap onto a second (third) line
BAR_HEIGHT = 30  # px per bar with a one-line label
LINE_HEIGHT = 15  # px more per extra line of a wrapped label
FRAME_HEIGHT = 120  # px for the legend on top and the axis with its title below


def changes_chart(per_theme: Sequence[ThemeChanges], lang: str) -> go.Figure:
    """Horizontal bars per theme: new and newly realised measures since the last meeting."""
    rows = [c for c in per_theme if c.new or c.realised]
    rows.sort(key=lambda c: c.new + c.realised)
    labels = [charts.chart_text(i18n.label("theme", c.theme, lang)) for c in rows]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=[c.new for c in rows],
        name=i18n.t("briefs.col_new", lang),
        orientation="h",
        marker_color=charts.STATUS_COLOURS["in_progress"],
    )
    fig.add_bar(
        y=labels,
        x=[c.realised for c in rows],
        name=i18n.t("briefs.col_realised", lang),
        orientation="h",
        marker_color=charts.STATUS_COLOURS["realised"],
    )
    fig.update_layout(
        barmode="stack",
        height=max(260, 40 + 28 * len(rows)),
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        xaxis_title=i18n.t("briefs.axis_measures", lang),
        separators=charts.separators(lang),
    )
    return fig


# ---------------------------------------------------------------- charts on paper


def wrap_label(text: str, width: int = LABEL_CHARS) -> str:
    """A category label over lines of at most ``width`` characters (plotly's ``<br>``).

    ``text`` is a label as the chart functions made it: plain text escaped with
    :func:`cop.core.charts.chart_text`, no markup. Lines are counted in the characters a
    reader sees (``&amp;`` is one), each line is escaped again and the ``<br>`` between
    them is the app's own markup.

    Examples
    --------
    >>> wrap_label("Klimaatadaptief groen en wadi's", 20)
    "Klimaatadaptief<br>groen en wadi's"
    >>> wrap_label("Bomen &amp; struiken &lt;b&gt;", 10)
    'Bomen &amp;<br>struiken<br>&lt;b&gt;'
    """
    lines = textwrap.wrap(html.unescape(str(text)), width, break_long_words=False)
    return "<br>".join(charts.chart_text(line) for line in lines) or str(text)


def for_print(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` laid out for an A4 page (module doc); ``fig`` is left unchanged.

    Horizontal bars get wrapped category labels and a height of :data:`BAR_HEIGHT` per
    bar; both axes get automatic margins, so no label is cut and the axis title stands
    below the tick labels instead of on them.
    """
    out = go.Figure(fig)
    categories: list[str] = []
    for trace in out.data:
        if getattr(trace, "orientation", None) == "h" and trace.y is not None:
            trace.y = [wrap_label(v) for v in trace.y]
            categories += [v for v in trace.y if v not in categories]
    height = fig.layout.height or CHART_HEIGHT
    if categories:
        extra_lines = sum(label.count("<br>") for label in categories)
        height = FRAME_HEIGHT + BAR_HEIGHT * len(categories) + LINE_HEIGHT * extra_lines
    out.update_layout(
        template="plotly_white",
        width=CHART_WIDTH,
        height=height,
        font=dict(family="DejaVu Sans, Arial, sans-serif", size=PRINT_FONT_SIZE, color="#222222"),
        margin=dict(l=10, r=20, t=10, b=10, autoexpand=True),
        legend=dict(
            orientation="h",
            yanchor="bottom",
            y=1.02,
            x=0,
            xanchor="left",
            traceorder="normal",
            font=dict(size=PRINT_TICK_SIZE),
        ),
        bargap=0.25,
    )
    out.update_xaxes(
        automargin=True,
        tickfont_size=PRINT_TICK_SIZE,
        title_font_size=PRINT_TICK_SIZE + 1,
        title_standoff=10,
    )
    out.update_yaxes(automargin=True, tickfont_size=PRINT_TICK_SIZE, ticklabelstandoff=6)
    return out


# ---------------------------------------------------------------- chart images


def charts_enabled() -> bool:
    """``COP_BRIEF_CHARTS=off`` (or 0/false/no) turns chart images off."""
    return config.get_settings().brief_charts


#: PNGs already made, by the printed figure's JSON (see :func:`chart_images`).
IMAGE_CACHE_SIZE = 64
_images: OrderedDict[str, bytes] = OrderedDict()
_images_lock = threading.Lock()


def _figure_key(printed: go.Figure) -> str:
    return hashlib.sha256(printed.to_json().encode()).hexdigest()


def _remembered(key: str) -> bytes | None:
    with _images_lock:
        image = _images.get(key)
        if image is not None:
            _images.move_to_end(key)
        return image


def _remember(key: str, image: bytes) -> None:
    with _images_lock:
        _images[key] = image
        _images.move_to_end(key)
        while len(_images) > IMAGE_CACHE_SIZE:
            _images.popitem(last=False)


def forget_chart_images() -> None:
    """Empty the image cache (tests of the no-browser fallback need a cold one)."""
    with _images_lock:
        _images.clear()


def chart_images(
    figures: dict[str, go.Figure], *, timeout: float = CHART_TIMEOUT
) -> dict[str, bytes]:
    """PNG images of ``figures`` (as :func:`for_print` lays them out) made in one browser
    session; ``{}`` when that fails.

    A browser start and one export per chart take seconds, and the same brief is asked
    for as Word and then as PDF, by several coordinators before one meeting: images are
    kept (the last :data:`IMAGE_CACHE_SIZE`, some 100 kB each) by the printed figure, so
    an unchanged chart is drawn once per process.

    The export runs in its own thread with its own event loop, so it works the same from
    the command line and inside Streamlit's script thread. Failing is normal on a machine
    without Chromium: the reason is logged and the callers show tables instead.
    """
    if not figures or not charts_enabled():
        return {}
    printed = {name: for_print(fig) for name, fig in figures.items()}
    keys = {name: _figure_key(fig) for name, fig in printed.items()}
    images = {name: image for name in printed if (image := _remembered(keys[name]))}
    missing = {name: fig for name, fig in printed.items() if name not in images}
    for name, image in (_export(missing, timeout) if missing else {}).items():
        _remember(keys[name], image)
        images[name] = image
    return {name: images[name] for name in figures if name in images}


def _export(printed: dict[str, go.Figure], timeout: float) -> dict[str, bytes]:
    """PNGs of figures already laid out for print, in one kaleido session; ``{}`` on failure.

    A browser that dies while starting (seen on a loaded machine: "the browser seemed to
    close immediately") is started once more when at least :data:`RETRY_MIN_SECONDS` of
    ``timeout`` are left, so one bad start does not turn a coordinator's charts into
    tables. A missing browser is not retried, and the whole stays within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    for attempt in range(1, EXPORT_ATTEMPTS + 1):
        try:
            return _export_once(printed, deadline - time.monotonic())
        except Exception as exc:  # no browser, a crash or a timeout: tables instead of images
            left = deadline - time.monotonic()
            if attempt < EXPORT_ATTEMPTS and left >= RETRY_MIN_SECONDS and not _no_browser(exc):
                log.info("chart export failed (%s), starting the browser again", exc)
                continue
            log.warning("chart images unavailable, showing tables instead: %s", exc)
            break
    return {}


def _no_browser(exc: BaseException) -> bool:
    """Whether ``exc`` says that no browser is installed: trying again cannot help."""
    return type(exc).__name__ == "ChromeNotFoundError"


def _export_once(printed: dict[str, go.Figure], timeout: float) -> dict[str, bytes]:
    """One kaleido session for ``printed``; raises whatever stopped it."""

    async def render() -> dict[str, bytes]:
        import kaleido

        opts = {"format": "png", "width": CHART_WIDTH, "scale": 2}
        async with kaleido.Kaleido(timeout=timeout) as k:
            out = {}
            for name, fig in printed.items():
                out[name] = await k.calc_fig(fig, opts={**opts, "height": fig.layout.height})
            return out

    def run() -> dict[str, bytes]:
        return asyncio.run(asyncio.wait_for(render(), timeout))

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(run).result(timeout=timeout + 5)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
