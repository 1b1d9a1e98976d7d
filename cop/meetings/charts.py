"""The brief's charts: the figures, and their PNG images for Word and PDF.

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
import logging
from collections.abc import Sequence

import plotly.graph_objects as go

from cop.core import charts, config, i18n
from cop.meetings.briefs import ThemeChanges

log = logging.getLogger(__name__)

CHART_TIMEOUT = 40.0  # seconds for all chart images together (browser start included)
CHART_WIDTH, CHART_HEIGHT = 900, 460


def changes_chart(per_theme: Sequence[ThemeChanges], lang: str) -> go.Figure:
    """Horizontal bars per theme: new and newly realised measures since the last meeting."""
    rows = [c for c in per_theme if c.new or c.realised]
    rows.sort(key=lambda c: c.new + c.realised)
    labels = [i18n.label("theme", c.theme, lang) for c in rows]
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
    )
    return fig


# ---------------------------------------------------------------- chart images


def charts_enabled() -> bool:
    """``COP_BRIEF_CHARTS=off`` (or 0/false/no) turns chart images off."""
    return config.get_settings().brief_charts


def chart_images(
    figures: dict[str, go.Figure], *, timeout: float = CHART_TIMEOUT
) -> dict[str, bytes]:
    """PNG images of ``figures`` made in one browser session; ``{}`` when that fails.

    The export runs in its own thread with its own event loop, so it works the same from
    the command line and inside Streamlit's script thread. Failing is normal on a machine
    without Chromium: the reason is logged and the callers show tables instead.
    """
    if not figures or not charts_enabled():
        return {}

    async def render() -> dict[str, bytes]:
        import kaleido

        opts = {"format": "png", "width": CHART_WIDTH, "height": CHART_HEIGHT, "scale": 2}
        async with kaleido.Kaleido(timeout=timeout) as k:
            out = {}
            for name, fig in figures.items():
                height = fig.layout.height or CHART_HEIGHT
                out[name] = await k.calc_fig(fig, opts={**opts, "height": height})
            return out

    def run() -> dict[str, bytes]:
        return asyncio.run(asyncio.wait_for(render(), timeout))

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(run).result(timeout=timeout + 5)
    except Exception as exc:  # no browser, a crash or a timeout: tables instead of images
        log.warning("chart images unavailable, showing tables instead: %s", exc)
        return {}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
