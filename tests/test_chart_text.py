"""Text from the data is text in every chart: no plotly markup, no template injection.

Plotly draws its own subset of HTML in every string it shows (``<a href>`` becomes a link,
``<b>``, ``<span style>`` restyle, ``<br>`` breaks) and fills ``%{...}`` in hover
templates. Every chart function is built here from hand-made frames whose names, titles,
themes, site ids and rubric texts are payloads; the figure JSON (what Streamlit sends to
the browser and kaleido draws) must hold them only escaped, where they are shown, and
never inside a hover template. The escaping expected is written out here by hand
(:func:`escaped`), not taken from the code under test. The AppTest checks the compare and
maturity pages with payload names in the database; the browser test draws a figure in
Chromium and reads back what a person sees.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import sqlalchemy as sa

from cop.core import charts as core_charts
from cop.core import vocab
from cop.core.charts import chart_text
from cop.data import storage
from cop.maturity import charts as maturity_charts
from cop.maturity import model as maturity_model
from cop.meetings import charts as meeting_charts
from cop.meetings.briefs import ThemeChanges
from cop.monitoring import charts as monitoring_charts
from cop.peers import profile
from tests.browser_support import browser_page  # noqa: F401 (fixture)
from tests.conftest import make_app

PAYLOADS = (
    '<a href="http://example.invalid">x</a>',
    "<img src=x onerror=alert(1)>",
    "<b>bold</b>",
    '<span style="color:red">rood</span>',
    "%{x}",
    "%{customdata[0]}<br>",
    "'s-Hertogenbosch & Co",
)
# Every value carries a marker no text of the app contains, so a template that picked up a
# value (in any form: raw, escaped, cut) is found.
MARKER = "Zq"
DIMS = list(vocab.DIMENSIONS)
# What a payload that reached plotly unescaped would be (plotly's tags, case ignored).
MARKUP = re.compile(r"<a[\s>]|<img|<b>bold|<span", re.I)


def values(kind: str) -> list[str]:
    """One marked payload per entry of :data:`PAYLOADS`: ``Zq<kind><i> <payload>``."""
    return [f"{MARKER}{kind}{i} {payload}" for i, payload in enumerate(PAYLOADS)]


def escaped(text: str) -> str:
    """How plotly must receive ``text``: ``&``, ``<``, ``>`` as entities, in that order."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strings(node: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the figure JSON with its path (``data.0.hovertemplate``)."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}.{i}")


def assert_text_only(fig: go.Figure, shown: list[str]) -> dict:
    """Check the figure JSON against the payloads; ``shown`` must each be visible, escaped."""
    spec = json.loads(fig.to_json())
    assert set(spec) >= {"data", "layout"}
    found = list(strings({"data": spec["data"], "layout": spec["layout"]}))
    for path, text in found:
        if path.endswith("template"):  # hovertemplate, texttemplate: the app's text only
            assert MARKER not in text, (path, text)
            continue
        for payload in PAYLOADS:
            if escaped(payload) != payload:
                assert payload not in text, (path, text)
        if MARKER in text:
            assert not MARKUP.search(text.split(MARKER, 1)[1]), (path, text)
    # what is shown reads as the value: escaped, never cut (a wrapped label joins again)
    readable = [text.replace("<br>", " ") for _, text in found]
    for value in shown:
        assert any(escaped(value) in text for text in readable), value
    return spec


# ---------------------------------------------------------------- hand-made frames


CODES = [f"GM09{i:02d}" for i in range(len(PAYLOADS))]
NAMES = dict(zip(CODES, values("name"), strict=True))


def levels_frame() -> pd.DataFrame:
    rows = {code: [(i + j) % 5 + 1 for j in range(len(DIMS))] for i, code in enumerate(CODES)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=DIMS)


def theme_mix_frame() -> pd.DataFrame:
    rows = []
    for i, code in enumerate(CODES):
        for j, theme in enumerate(vocab.THEMES):
            count = (i + j) % 3
            rows.append((code, theme, count, count / 2.5, count / 10))
    return pd.DataFrame(
        rows, columns=["municipality_code", "theme", "measures", "per_10k", "share"]
    )


def timeline_frame() -> pd.DataFrame:
    themes = values("theme")
    rows = [
        (code, 2019 + i % 4, f"{vocab.THEMES[0]};{themes[i]}", i + 1)
        for i, code in enumerate(CODES)
    ]
    return pd.DataFrame(rows, columns=["municipality_code", "start_year", "themes", "measures"])


def heatmap_rows() -> pd.DataFrame:
    frame = levels_frame().astype(float)
    frame.insert(0, "name", [NAMES[c] for c in frame.index])
    frame[maturity_model.OVERALL] = frame[DIMS].mean(axis=1).round(1)
    return frame.reset_index(names="municipality_code")


def maturity_table() -> pd.DataFrame:
    """The maturity table (long: code, year, dimension, level) of :func:`levels_frame` in
    2024, with every level one lower in 2023, for the functions that take whole tables."""
    levels = levels_frame()
    rows = [
        (code, year, d, max(1, int(levels.loc[code, d]) - (2024 - year)))
        for code in CODES
        for year in (2023, 2024)
        for d in DIMS
    ]
    frame = pd.DataFrame(rows, columns=["municipality_code", "year", "dimension", "level"])
    return frame.astype({"year": "Int64", "level": "Int64"})


def municipalities_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": CODES,
            "name": [NAMES[c] for c in CODES],
            "province": [vocab.PROVINCES[i % len(vocab.PROVINCES)] for i in range(len(CODES))],
            "population": [20_000 + 15_000 * i for i in range(len(CODES))],
        }
    )


def rubric_frame() -> pd.DataFrame:
    texts = values("rubric")
    rows = [
        (d, level, texts[(i + level) % len(texts)], texts[(i + level) % len(texts)])
        for i, d in enumerate(DIMS)
        for level in vocab.LEVELS
    ]
    return pd.DataFrame(rows, columns=["dimension", "level", "description_nl", "description_en"])


def peer_table() -> pd.DataFrame:
    dims = [*DIMS[:2], *values("dimension"), maturity_model.OVERALL]
    n = len(dims)
    return pd.DataFrame(
        {
            "dimension": dims,
            "peer_q1": [2.0] * n,
            "peer_q3": [3.5] * n,
            "peer_median": [3.0] * n,
            "actual": [float(i % 5 + 1) for i in range(n)],
        }
    )


def measures_per_theme_frame() -> pd.DataFrame:
    themes = [vocab.THEMES[0], *values("theme")]
    rows = [
        (theme, status, i + k + 1)
        for i, theme in enumerate(themes)
        for k, status in enumerate(vocab.MEASURE_STATUSES)
    ]
    return pd.DataFrame(rows, columns=["theme", "status", "measures"])


def level_distribution_frame(with_years: bool) -> pd.DataFrame:
    rows = []
    for year in (2023, 2024) if with_years else (None,):
        for d in [*DIMS, *values("dimension")]:
            for level in vocab.LEVELS:
                row = {"dimension": d, "level": level, "municipalities": level}
                if with_years:
                    row |= {"year": year, "share": level / 15, "assessed": 15}
                rows.append(row)
    return pd.DataFrame(rows)


def index_series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": [2020, 2021, 2022],
            "index": [1.0, 1.1, 0.9],
            "lower": [1.0, 0.95, 0.8],
            "upper": [1.0, 1.25, 1.0],
            "n_species": [4, 4, 5],
        }
    )


def count_matrix() -> pd.DataFrame:
    sites = values("site")
    return pd.DataFrame(
        [[float(i), float("nan"), 3.0 * i] for i in range(len(sites))],
        index=pd.Index(sites, name="site"),
        columns=[2020, 2021, 2022],
    )


def coverage_frame() -> pd.DataFrame:
    return pd.DataFrame({"year": [2020, 2021], "sites_counted": [3, 2], "sites_total": [4, 4]})


def group_trends_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "species_group": ["birds", "bees"],
            "multiplicative": [1.02, float("nan")],
            "multiplicative_se": [0.01, float("nan")],
            "recent_multiplicative": [0.97, 1.01],
            "recent_multiplicative_se": [0.02, 0.03],
        }
    )


def changes() -> list[ThemeChanges]:
    return [ThemeChanges(theme, i + 1, i % 2) for i, theme in enumerate(values("theme"))]


def profile_comparison() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dimension": DIMS,
            "own": [float(i % 5 + 1) for i in range(len(DIMS))],
            "cop_median": [3.0] * len(DIMS),
            "similar_median": [2.5] * len(DIMS),
        }
    )


# Every chart function of the app, its figure from payload frames and what it shows.
CHARTS: dict[str, tuple[Callable[[str], go.Figure], list[str]]] = {
    "core.measures_per_theme": (
        lambda lang: core_charts.measures_per_theme(measures_per_theme_frame(), lang),
        values("theme"),
    ),
    "core.level_distribution": (
        lambda lang: core_charts.level_distribution(level_distribution_frame(False), lang),
        [],
    ),
    "maturity.maturity_radar": (
        lambda lang: maturity_charts.maturity_radar(levels_frame(), NAMES, lang),
        values("name"),
    ),
    "maturity.maturity_small_multiples": (
        lambda lang: maturity_charts.maturity_small_multiples(levels_frame(), NAMES, lang),
        values("name"),
    ),
    "maturity.theme_mix_bars": (
        lambda lang: maturity_charts.theme_mix_bars(theme_mix_frame(), NAMES, lang),
        values("name"),
    ),
    "maturity.start_timeline": (
        lambda lang: maturity_charts.start_timeline(timeline_frame(), NAMES, lang),
        values("name") + values("theme"),
    ),
    "maturity.maturity_heatmap": (
        lambda lang: maturity_charts.maturity_heatmap(heatmap_rows(), rubric_frame(), lang),
        values("name") + values("rubric"),
    ),
    "maturity.heatmap_figure": (
        lambda lang: maturity_charts.heatmap_figure(
            maturity_table(), municipalities_table(), sort_by="province", lang=lang
        ),
        values("name"),
    ),
    "maturity.level_counts_figure": (
        lambda lang: maturity_charts.level_counts_figure(maturity_table(), lang=lang),
        [],
    ),
    "maturity.distribution_figure": (
        lambda lang: maturity_charts.distribution_figure(maturity_table(), lang=lang),
        [],
    ),
    "maturity.level_distribution_over_years": (
        lambda lang: maturity_charts.level_distribution_over_years(
            level_distribution_frame(True), lang
        ),
        [],
    ),
    "maturity.peer_position_chart": (
        lambda lang: maturity_charts.peer_position_chart(peer_table(), NAMES[CODES[0]], lang),
        [*values("dimension"), NAMES[CODES[0]]],
    ),
    "monitoring.index_chart": (
        lambda lang: monitoring_charts.index_chart(index_series(), 2020, lang),
        [],
    ),
    "monitoring.count_heatmap": (
        lambda lang: monitoring_charts.count_heatmap(count_matrix(), lang),
        values("site"),
    ),
    "monitoring.coverage_chart": (
        lambda lang: monitoring_charts.coverage_chart(coverage_frame(), lang),
        [],
    ),
    "monitoring.group_trends_chart": (
        lambda lang: monitoring_charts.group_trends_chart(group_trends_frame(), lang),
        [],
    ),
    "meetings.changes_chart": (
        lambda lang: meeting_charts.changes_chart(changes(), lang),
        values("theme"),
    ),
    "meetings.for_print": (
        lambda lang: meeting_charts.for_print(meeting_charts.changes_chart(changes(), lang)),
        values("theme"),
    ),
    "peers.profile.maturity_radar": (
        lambda lang: profile.maturity_radar(profile_comparison(), NAMES[CODES[1]], lang),
        [NAMES[CODES[1]]],
    ),
}


# ---------------------------------------------------------------- the helper


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<b>bold</b>", "&lt;b&gt;bold&lt;/b&gt;"),
        ("'s-Hertogenbosch & Co", "'s-Hertogenbosch &amp; Co"),
        ("&lt;", "&amp;lt;"),  # an entity in the data is shown as typed, not decoded
        ('"quoted"', '"quoted"'),
        ("%{x}", "%{x}"),  # never re-read by plotly once substituted (cop.core.charts)
        ("Nuenen c.a.", "Nuenen c.a."),
        (820, "820"),
    ],
)
def test_chart_text_escapes_only_what_plotly_reads_as_markup(text, expected):
    assert chart_text(text) == expected
    assert chart_text(text) == escaped(str(text))


# ---------------------------------------------------------------- every chart

CHART_MODULES = {
    "core": core_charts,
    "maturity": maturity_charts,
    "monitoring": monitoring_charts,
    "meetings": meeting_charts,
    "peers.profile": profile,
}
NOT_CHARTS = {"core.base_layout"}  # sets the house layout, shows no data


def test_every_function_that_builds_a_figure_is_checked_here():
    """A new chart function (or a new module building figures) must join :data:`CHARTS`."""
    builders = {
        f"{prefix}.{name}"
        for prefix, module in CHART_MODULES.items()
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and "Figure" in str(inspect.signature(function).return_annotation)
    }
    assert builders - NOT_CHARTS == set(CHARTS)
    package = Path(core_charts.__file__).parents[1]
    modules = {Path(m.__file__) for m in CHART_MODULES.values()}
    building = {
        path
        for path in package.rglob("*.py")
        # code lines only: cop.core.chartdata reads figures and builds one in a doctest
        if re.search(
            r"^(?!\s*>>>).*(go\.Figure\(|make_subplots\(|plotly\.express)",
            path.read_text(),
            re.M,
        )
    }
    assert building <= modules, building - modules


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_every_chart_shows_data_as_text_and_never_templates_it(chart, lang):
    build, shown = CHARTS[chart]
    assert_text_only(build(lang), shown)


def test_the_checks_catch_what_they_look_for():
    """A figure built the old way (data in the template and unescaped) fails every check."""
    name = NAMES[CODES[0]]
    fig = go.Figure(go.Bar(y=[name], x=[1], name=name, hovertemplate=f"<b>{name}</b>"))
    with pytest.raises(AssertionError):
        assert_text_only(fig, [])
    fig = go.Figure(go.Bar(y=[escaped(name)], x=[1], hovertemplate=f"<b>{escaped(name)}</b>"))
    with pytest.raises(AssertionError):
        assert_text_only(fig, [name])
    fig = go.Figure(go.Bar(y=[name], x=[1], hovertemplate="<b>%{y}</b>"))
    with pytest.raises(AssertionError):
        assert_text_only(fig, [name])
    with pytest.raises(AssertionError):  # a value that is not shown at all
        assert_text_only(go.Figure(go.Bar(y=["Gouda"], x=[1])), [name])


def test_hovers_refer_to_the_names_instead_of_holding_them():
    radar = maturity_charts.maturity_radar(levels_frame(), NAMES, "nl")
    assert [t.name for t in radar.data] == [escaped(NAMES[c]) for c in CODES]
    assert all("%{fullData.name}" in t.hovertemplate for t in radar.data)
    small = maturity_charts.maturity_small_multiples(levels_frame(), NAMES, "nl")
    assert [a.text for a in small.layout.annotations] == [escaped(NAMES[c]) for c in CODES]
    heat = maturity_charts.maturity_heatmap(heatmap_rows(), rubric_frame(), "en")
    assert heat.data[0].y[0].startswith(escaped(NAMES[CODES[0]]) + " (")
    timeline = maturity_charts.start_timeline(timeline_frame(), NAMES, "en")
    assert timeline.data[2].customdata[0][1].endswith(escaped(values("theme")[2]))
    radar = profile.maturity_radar(profile_comparison(), NAMES[CODES[0]], "en")
    assert radar.data[-1].name == escaped(NAMES[CODES[0]])
    assert radar.data[-1].hovertemplate.endswith("<extra>%{fullData.name}</extra>")
    printed = meeting_charts.for_print(meeting_charts.changes_chart(changes(), "nl"))
    # the app's own line breaks wrap the escaped label, between words only
    wrapped = [label for label in printed.data[0].y if "<br>" in label]
    assert wrapped and all("&lt;" in label or "&amp;" in label for label in wrapped)
    assert all(part.strip() for label in wrapped for part in label.split("<br>"))


# ---------------------------------------------------------------- on the pages


def _rename(towns: dict[str, str]) -> None:
    """Give municipalities new names in the private database and bump the data version."""
    engine = storage.make_engine()
    with engine.begin() as conn:
        for code, name in towns.items():
            conn.execute(
                sa.text("UPDATE municipalities SET name = :name WHERE code = :code"),
                {"name": name, "code": code},
            )
        # a new data version, as every write makes, so the app's caches read the change;
        # without its stamp the table's version is that data version (cop.data.writes)
        conn.execute(
            sa.text(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
                "WHERE key = 'data_version'"
            )
        )
        conn.execute(sa.text("DELETE FROM meta WHERE key = 'version:municipalities'"))
    engine.dispose()


def _specs(at) -> dict[str, dict]:
    return {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def test_compare_and_maturity_pages_show_payload_names_as_text(app_env):
    zwolle, gouda = "GM0193", "GM0513"
    towns = {zwolle: f"{MARKER}a {PAYLOADS[0]} Zwolle", gouda: f"{MARKER}b {PAYLOADS[1]} %{{x}}"}
    _rename(towns)

    at = make_app("pages/compare.py")
    at.query_params.clear()  # a link replaces the example the page opened with
    at.query_params["gemeenten"] = f"{zwolle},{gouda}"
    at.run()
    assert not at.exception, at.exception
    specs = _specs(at)
    assert len(specs) == 3  # radar, theme mix, timeline
    for chart_id, spec in specs.items():
        figure = go.Figure(spec)
        assert_text_only(figure, list(towns.values()))
        names = [t.get("name") for t in spec["data"]]
        assert names == [escaped(towns[zwolle]), escaped(towns[gouda])], chart_id

    at = make_app("pages/maturity.py")
    assert not at.exception, at.exception
    heat = next(s for i, s in _specs(at).items() if "maturity_heatmap" in i)
    assert_text_only(go.Figure(heat), list(towns.values()))
    labels = heat["data"][0]["y"]
    assert sum(label.startswith(escaped(towns[zwolle]) + " (") for label in labels) == 1
    assert sum(label.startswith(escaped(towns[gouda]) + " (") for label in labels) == 1


# ---------------------------------------------------------------- what a person sees


def _hover_at(page, x: float, y: float) -> str:
    """Move the mouse to ``x``, ``y`` and return the hover label's text once it is drawn."""
    page.mouse.move(x, y)
    page.wait_for_selector("#chart .hoverlayer .hovertext")
    return page.locator("#chart .hoverlayer").text_content()


@pytest.mark.browser
def test_chromium_draws_payloads_as_characters_and_makes_no_link(browser_page):  # noqa: F811
    """Legend, tick labels and hovers read the names as typed; nothing from data is markup."""
    page = browser_page
    codes = [CODES[0], CODES[3], CODES[4], CODES[6]]  # <a>, <span>, %{x}, 's-Hertogenbosch &
    names = {code: NAMES[code] for code in codes}
    chosen = list(names)

    def draw(figure: go.Figure) -> None:
        page.set_content(figure.to_html(include_plotlyjs=True, full_html=True, div_id="chart"))
        page.wait_for_selector("#chart .main-svg")

    def no_markup_from_data() -> None:
        # plotly draws <a> as an svg <a>, <b>/<i>/<span> as styled <tspan>s, <img> as nothing
        assert page.locator("#chart svg a").count() == 0
        # (the app's own <b> around a whole name is a styled tspan too; the payloads' would
        # hold only their inner word)
        styled = page.locator("#chart tspan[style]").all_text_contents()
        assert not {"rood", "bold"} & {t.strip() for t in styled}, styled

    mix = theme_mix_frame()
    draw(maturity_charts.theme_mix_bars(mix[mix["municipality_code"].isin(chosen)], names, "en"))
    no_markup_from_data()
    assert page.locator("#chart .legendtext").all_text_contents() == list(names.values())

    rows = heatmap_rows()
    rows = rows[rows["municipality_code"].isin(chosen)]
    heat = maturity_charts.maturity_heatmap(rows, rubric_frame(), "en")
    draw(heat)
    no_markup_from_data()
    ticks = page.locator("#chart g.ytick text").all_text_contents()
    assert {t.rsplit(" (", 1)[0] for t in ticks} == set(names.values())
    cells = page.locator("#chart .nsewdrag").first.bounding_box()
    dims = len(DIMS)  # the first row's second cell
    hover = _hover_at(
        page, cells["x"] + cells["width"] * 1.5 / dims, cells["y"] + cells["height"] / 8
    )
    rubric = rubric_frame().set_index(["dimension", "level"])["description_en"]
    level = int(rows.iloc[0][DIMS[1]])
    assert names[chosen[0]] in hover and rubric[(DIMS[1], level)] in hover, hover
    no_markup_from_data()

    draw(maturity_charts.maturity_radar(levels_frame().loc[chosen], names, "en"))
    no_markup_from_data()
    assert page.locator("#chart .legendtext").all_text_contents() == list(names.values())
    # A point's hover, one radar per name: where radars overlap, plotly hovers the fill of
    # the trace on top, so a point of a lower trace would show another name.
    levels = levels_frame()
    for code in chosen:
        draw(maturity_charts.maturity_radar(levels.loc[[code]], names, "en"))
        point = page.locator("#chart .scatterlayer .trace .point").nth(2)  # never on the rim
        box = point.bounding_box()
        hover = _hover_at(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert hover.startswith(names[code]), (names[code], hover)
        assert f": {levels.loc[code, DIMS[2]]} (" in hover, hover
        no_markup_from_data()
