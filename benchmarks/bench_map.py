"""Map page at national scale: bytes sent to the browser and script run time (issue 3).

Generates the national demo dataset (342 partners, ~20,000 measures) into a temporary
folder, loads it into a temporary SQLite database and prints, measured in the same run:

* the compact map as the page builds it (simplified boundaries, measures as one compact
  JSON array clustered in the browser): HTML bytes (``m.get_root().render()``), the size
  of the ``json_args`` that ``st_folium`` sends, build+render seconds;
* the map page's script run time with a warm cache (AppTest of ``pages/map.py``, the
  first run warms the caches, the next runs are timed; median shown);
* a naive folium build of the same map: every measure its own ``folium.Marker`` with a
  ``folium.Popup`` in a ``MarkerCluster``, and the boundaries as unsimplified GeoJSON
  with every municipality property.

Targets (issue 3): at most 3 MB to the browser, under 0.5 s per warm script run. The
script prints figures and exits 1 when a target is missed; tests never assert timings.

Needs ``COP_BOUNDARIES_FILE`` or ``../shared/data/gemeente_2025.geojson`` (used when
present). The monitoring table (a million rows the map never reads) is not loaded, to keep
the set-up short. Run: ``python benchmarks/bench_map.py`` (about a minute).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_BOUNDARIES = ROOT.parent / "shared" / "data" / "gemeente_2025.geojson"
MAX_BYTES = 3 * 1024 * 1024
MAX_SECONDS = 0.5
WARM_RUNS = 5

sys.path.insert(0, str(ROOT))


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:6.2f} MB"


def _prepare(workdir: Path) -> None:
    seed = workdir / "seed"
    subprocess.run(
        [sys.executable, "-m", "cop", "demo", "--scale", "national", "--out", str(seed)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (seed / "monitoring.csv").unlink(missing_ok=True)
    data_dir = workdir / "data"
    os.environ["COP_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["COP_OFFLINE"] = "1"

    from cop.data import storage

    engine = storage.make_engine()
    storage.init_db(engine, seed)
    engine.dispose()


def _compact(municipalities, measures, maturity, gdf) -> tuple[object, float]:
    from cop.geo import boundaries, mapview, webmap

    start = time.perf_counter()
    web = boundaries.boundaries_geojson(boundaries.simplify_for_web(gdf))
    view = mapview.map_view(measures, municipalities, maturity, mapview.MeasureFilter(), "maturity")
    features, fills = webmap.choropleth_features(
        web, view.metric, view.fills, value_label=view.legend_title, lang="nl", decimals=1
    )
    payload = webmap.measure_payload_json(measures, municipalities, "nl")
    m = webmap.build_map(
        features,
        fills,
        legend_title=view.legend_title,
        legend_items=webmap.legend_items(view.classes, "nl", view.legend_decimals),
        measures_json=payload,
        points=False,
        lang="nl",
    )
    return m, time.perf_counter() - start


def _naive(municipalities, measures, gdf) -> tuple[object, float]:
    import folium
    from folium.plugins import MarkerCluster

    from cop.geo import boundaries

    start = time.perf_counter()
    joined, _ = boundaries.join_boundaries(municipalities, gdf, keep_all_boundaries=True)
    m = folium.Map(location=[52.2, 5.4], zoom_start=7)
    folium.GeoJson(
        joined.to_json(),
        tooltip=folium.GeoJsonTooltip(fields=["name", "province", "population"]),
    ).add_to(m)
    cluster = MarkerCluster().add_to(m)
    for row in measures.dropna(subset=["lat", "lon"]).itertuples():
        popup = (
            f"<b>{row.title}</b><br>{row.theme}<br>{row.status}<br>{row.start_year}"
            f"<br>{row.scale_value} {row.scale_unit}"
            f'<br><a href="?gemeente={row.municipality_code}">profiel</a>'
        )
        folium.Marker([row.lat, row.lon], popup=folium.Popup(popup)).add_to(cluster)
    return m, time.perf_counter() - start


def _rendered(m) -> tuple[int, float]:
    start = time.perf_counter()
    html = m.get_root().render()
    return len(html.encode("utf-8")), time.perf_counter() - start


def _page_runs() -> tuple[float, list[float], int]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    start = time.perf_counter()
    at.switch_page("pages/map.py").run()
    cold = time.perf_counter() - start
    if at.exception:
        raise SystemExit(f"map page failed: {at.exception[0].value}")
    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    json_args = len(at.get("component_instance")[0].proto.json_args.encode("utf-8"))
    return cold, warm, json_args


def main() -> int:
    boundaries = os.environ.get("COP_BOUNDARIES_FILE") or (
        str(SHARED_BOUNDARIES) if SHARED_BOUNDARIES.exists() else ""
    )
    if not boundaries:
        print("COP_BOUNDARIES_FILE is not set and ../shared is absent: nothing to measure.")
        return 2
    os.environ["COP_BOUNDARIES_FILE"] = boundaries
    with tempfile.TemporaryDirectory(prefix="cop-bench-map-") as tmp:
        start = time.perf_counter()
        _prepare(Path(tmp))
        print(f"set-up (national demo, SQLite): {time.perf_counter() - start:.1f} s")

        from cop.data import storage
        from cop.geo import boundaries

        engine = storage.make_engine()
        municipalities = storage.read_table(engine, "municipalities")
        measures = storage.read_table(engine, "measures")
        maturity = storage.read_table(engine, "maturity")
        gdf = boundaries.load_boundaries().gdf
        print(
            f"data: {len(municipalities)} municipalities "
            f"({int(municipalities['is_partner'].sum())} partners), {len(measures):,} measures"
        )

        compact, compact_build = _compact(municipalities, measures, maturity, gdf)
        compact_bytes, compact_render = _rendered(compact)
        naive, naive_build = _naive(municipalities, measures, gdf)
        naive_bytes, naive_render = _rendered(naive)
        cold, warm, json_args = _page_runs()

    warm_median = statistics.median(warm)
    print()
    print(f"{'':34}{'compact (page)':>18}{'naive folium':>18}")
    print(f"{'HTML bytes to the browser':34}{_mb(compact_bytes):>18}{_mb(naive_bytes):>18}")
    print(f"{'build map objects':34}{compact_build:>16.2f} s{naive_build:>16.2f} s")
    print(f"{'render HTML':34}{compact_render:>16.2f} s{naive_render:>16.2f} s")
    print(f"{'st_folium json_args (page)':34}{_mb(json_args):>18}")
    print(f"{'page script run, cold cache':34}{cold:>16.2f} s")
    print(
        f"{'page script run, warm (median)':34}{warm_median:>16.2f} s"
        f"   runs: {', '.join(f'{t:.2f}' for t in warm)}"
    )
    sent = max(compact_bytes, json_args)
    ok = sent <= MAX_BYTES and warm_median < MAX_SECONDS
    print()
    print(
        f"targets: bytes {_mb(sent).strip()} <= 3 MB: {'yes' if sent <= MAX_BYTES else 'NO'}; "
        f"warm run {warm_median:.2f} s < {MAX_SECONDS} s: "
        f"{'yes' if warm_median < MAX_SECONDS else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
