"""Meeting briefs: the builder on hand-made tables, the three renderers and the CLI."""

import datetime as dt
import io
import shutil
from dataclasses import replace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cop.cli import main as cli_main
from cop.data.schema import coerce_types, empty_frame
from cop.meetings import briefs, layout, render, trendchanges
from cop.meetings import charts as brief_charts
from cop.meetings import markdown as markdown_writer
from cop.meetings import pdf as pdf_writer
from cop.meetings import word as word_writer
from tests.conftest import require

DATE = dt.date(2026, 12, 10)
SUDWEST, UTRECHT, AMSTERDAM, GRONINGEN = "GM1900", "GM0344", "GM0363", "GM0014"


def typed(table: str, rows: list[dict]) -> pd.DataFrame:
    return coerce_types(pd.DataFrame(rows), table) if rows else empty_frame(table)


def town(code, name, partner, joined, lat=52.1, lon=5.1):
    return {
        "code": code,
        "name": name,
        "province": "Utrecht",
        "population": 100_000,
        "area_km2": 50.0,
        "urbanity": 2,
        "is_partner": partner,
        "joined_year": joined,
        "lat": lat,
        "lon": lon,
    }


def measure(id, code, theme, status, updated, lessons=None, title=None, scale=None):
    return {
        "id": id,
        "municipality_code": code,
        "title": title or f"Praktijk {id}",
        "theme": theme,
        "status": status,
        "start_year": 2024,
        "scale_value": scale,
        "scale_unit": "m2" if scale else None,
        "lessons_learned": lessons,
        "updated_at": updated,
    }


def question(id, code, theme, status, asked):
    return {
        "id": id,
        "municipality_code": code,
        "asked_on": asked,
        "theme": theme,
        "question": f"Hoe pakken jullie vraag {id} aan met tegels en maaisel?",
        "status": status,
    }


@pytest.fixture(scope="module")
def tables() -> list[pd.DataFrame]:
    """Four municipalities, seven measures, five questions, two meetings (by hand)."""
    municipalities = typed(
        "municipalities",
        [
            town(SUDWEST, "Súdwest-Fryslân", True, 2020),
            town(UTRECHT, "Utrecht", True, 2019),
            town(AMSTERDAM, "Amsterdam", True, 2026),
            town(GRONINGEN, "Groningen", False, None),
        ],
    )
    measures = typed(
        "measures",
        [
            measure(1, SUDWEST, "depaving", "realised", "2026-05-01", "Tegels eruit, groen erin."),
            measure(
                2, UTRECHT, "depaving", "realised", "2025-01-01", "Te oud voor de schijnwerper."
            ),
            measure(3, UTRECHT, "ecological_mowing", "in_progress", "2026-06-01"),
            measure(4, UTRECHT, "ecological_mowing", "realised", "2026-07-01"),
            measure(5, AMSTERDAM, "trees_tiny_forests", "realised", "2026-08-01", "Bomen."),
            measure(6, SUDWEST, "depaving", "stopped", "2026-09-01"),
            measure(
                7, UTRECHT, "depaving", "realised", "2026-10-01", "Scholen doen mee.", scale=900
            ),
        ],
    )
    dims = ["vision_policy", "organisation_capacity", "budget_finance", "knowledge_data",
            "management_maintenance", "spatial_integration", "participation_cooperation",
            "monitoring_evaluation"]  # fmt: skip
    maturity = typed(
        "maturity",
        [
            {"municipality_code": UTRECHT, "year": year, "dimension": d, "level": level}
            for year, level in ((2025, 2), (2026, 3))
            for d in dims
        ]
        + [{"municipality_code": SUDWEST, "year": 2026, "dimension": d, "level": 2} for d in dims],
    )
    questions = typed(
        "help_questions",
        [
            question(1, SUDWEST, "depaving", "open", "2026-02-01"),
            question(2, UTRECHT, "ecological_mowing", "open", "2025-06-01"),
            question(3, UTRECHT, "depaving", "answered", "2025-01-01"),
            question(4, SUDWEST, "trees_tiny_forests", "open", "2026-01-01"),
            question(5, AMSTERDAM, "depaving", "open", "2026-12-20"),
        ],
    )
    experts = typed(
        "experts",
        [{"id": 1, "name": "Vlinderstichting", "kind": "nature_organisation",
          "themes": "ecological_mowing"}],
    )  # fmt: skip
    meetings = typed(
        "meetings",
        [
            {"id": 1, "date": "2026-03-01", "title": "Voorjaar", "themes": "depaving"},
            {
                "id": 2,
                "date": "2026-12-10",
                "title": "Voorbereiding Biodiversiteit en Gemeenten 2027",
                "themes": "ecological_mowing;depaving",
                "host_code": SUDWEST,
            },
        ],
    )
    monitoring = empty_frame("monitoring")
    return [municipalities, measures, maturity, monitoring, questions, experts, meetings]


@pytest.fixture(scope="module")
def brief(tables) -> briefs.Brief:
    return briefs.build_brief(*tables, date=DATE, invitees=[UTRECHT, SUDWEST], demo=True)


def test_themes_title_event_and_previous_meeting_come_from_the_meetings_table(brief):
    assert brief.themes == ("ecological_mowing", "depaving")
    assert brief.title == "Voorbereiding Biodiversiteit en Gemeenten 2027"
    assert brief.yearly_event and brief.meeting_id == 2
    assert brief.previous.date == dt.date(2026, 3, 1) and brief.changes.since == brief.previous.date


def test_open_questions_on_the_themes_oldest_first_with_answerers(brief):
    assert [q.id for q in brief.questions] == [2, 1]  # 3 answered, 4 off-theme, 5 after the date
    mowing = brief.questions[0]
    kinds = {(a.kind, a.name) for a in mowing.answerers}
    assert ("expert", "Vlinderstichting") in kinds
    assert all(a.name != "Utrecht" for a in mowing.answerers)  # never the asker
    depaving = brief.questions[1]
    utrecht = next(a for a in depaving.answerers if a.name == "Utrecht")
    assert utrecht.invited and "realised" not in utrecht.reasons  # Dutch reasons by default


def test_spotlights_are_recent_realised_practices_with_lessons(brief):
    # 7 (Utrecht, newest) and 1 (Súdwest-Fryslân); 2 is too old, 4 has no lessons,
    # 5 is off-theme, 6 was stopped
    assert [p.id for p in brief.spotlights] == [7, 1]
    assert all(p.invited for p in brief.spotlights)


def test_what_changed_since_the_previous_meeting(brief):
    changes = brief.changes
    assert [t.name for t in changes.new_partners] == ["Amsterdam"]
    assert [p.id for p in changes.new_measures] == [3]
    assert [p.id for p in changes.newly_realised] == [7, 4, 1]
    per_theme = {c.theme: (c.new, c.realised) for c in changes.per_theme}
    assert per_theme["trees_tiny_forests"] == (0, 1)  # the chart counts every theme
    assert per_theme["depaving"] == (0, 2)
    [move] = changes.maturity_movements
    assert (move.town.code, move.before, move.after, move.from_year, move.to_year) == (
        UTRECHT,
        2.0,
        3.0,
        2025,
        2026,
    )


def test_agenda_follows_the_rules_in_order(brief):
    rules = [item.rule for item in brief.agenda]
    assert rules == [
        "opening",
        "new_partners",
        "question",
        "question",
        "spotlight",
        "spotlight",
        "maturity",
        "yearly_event",
        "closing",
    ]
    texts = [item.text for item in brief.agenda]
    assert "Amsterdam" in texts[1]
    assert texts[2].startswith("Hulpvraag van Utrecht over Ecologisch maaibeheer")
    assert "Súdwest-Fryslân" in texts[3] and "Utrecht" in texts[3]  # invited answerer named
    assert "Praktijk 7 (Utrecht)" in texts[4]


def test_frontrunners_per_theme_with_their_strongest_practice(brief):
    runners = {f.theme: f for f in brief.frontrunners}
    assert runners["depaving"].town.code == UTRECHT and runners["depaving"].realised == 2
    assert runners["depaving"].practice.id == 7  # lessons learned and the largest scale
    assert runners["trees_tiny_forests"].town.name == "Amsterdam"


def test_defaults_explicit_themes_and_no_previous_meeting(tables):
    plain = briefs.build_brief(*tables, date="2026-02-15", themes=["Ontstenen / tegelwippen"])
    assert plain.themes == ("depaving",) and not plain.yearly_event and plain.frontrunners == ()
    assert plain.previous is None and not plain.changes.previous_meeting
    assert plain.changes.since == dt.date(2025, 2, 15)
    assert len(plain.invitees) == 3  # every partner
    assert not any(p.invited for p in plain.spotlights)  # nobody chosen, nobody marked


def test_bad_inputs_raise_with_a_catalog_message(tables):
    with pytest.raises(briefs.BriefInputError) as bad_date:
        briefs.parse_date("10-12-2026")
    assert "JJJJ-MM-DD" in bad_date.value.message("nl")
    with pytest.raises(briefs.BriefInputError):
        briefs.resolve_themes(["bijen"])
    assert briefs.resolve_themes(["DEPAVING", "Ecological mowing"]) == (
        "depaving",
        "ecological_mowing",
    )
    with pytest.raises(briefs.BriefInputError):
        briefs.resolve_invitees(["GM9999"], tables[0])


def _bee_rows(species: str, years: np.ndarray, counts: np.ndarray) -> list[dict]:
    return [
        {
            "municipality_code": UTRECHT,
            "site_id": f"S{site}",
            "scheme": "bee_count",
            "species_group": "bees",
            "species": species,
            "year": int(year),
            "count": round(count * (1 + 0.1 * site)),
        }
        for site in range(4)
        for year, count in zip(years, counts, strict=True)
    ]


def test_trend_classes_that_changed():
    years = np.arange(2015, 2027)
    # a steep decline up to 2020, then a doubling every year
    counts = np.where(
        years <= 2020, 80 * 0.7 ** (years - 2015), 80 * 0.7**5 * 2.0 ** (years - 2020)
    )
    # strong growth up to 2016, flat since: long-term still a strong increase in 2026,
    # but the last ten years (2017-2026) have become stable
    early = np.arange(2010, 2027)
    levelled = np.where(early <= 2016, 20 * 1.3 ** (early - 2010), 20 * 1.3**6)
    rows = _bee_rows("akkerhommel", years, counts) + _bee_rows("steenhommel", early, levelled)
    monitoring = typed("monitoring", rows)
    changed = trendchanges.trend_class_changes(monitoring, [UTRECHT], ["bees"], 2020, 2026)
    assert changed[
        ["species", "before", "after", "recent_before", "recent_after"]
    ].values.tolist() == [
        ["akkerhommel", "steep_decline", "strong_increase", "steep_decline", "strong_increase"],
        ["steenhommel", "strong_increase", "strong_increase", "strong_increase", "stable"],
    ]
    assert trendchanges.trend_class_changes(monitoring, [UTRECHT], ["birds"], 2020, 2026).empty
    assert trendchanges.species_groups_for(["policy_vision"]) == (
        "butterflies",
        "bees",
        "birds",
        "plants",
    )


def test_brief_lists_both_trends_of_a_changed_series(brief):
    town = briefs.Town(UTRECHT, "Utrecht")
    change = briefs.TrendChange(
        town,
        "bee_count",
        "steenhommel",
        "strong_increase",
        "strong_increase",
        "strong_increase",
        "stable",
    )
    changes = replace(
        brief.changes, trend_changes=(change,), trend_before_year=2020, trend_after_year=2026
    )
    text = render.render(replace(brief, changes=changes), "md").decode("utf-8")
    assert "Trend hele reeks (t/m 2020 → t/m 2026)" in text
    assert "Trend laatste tien jaar (t/m 2020 → t/m 2026)" in text
    assert "| sterke toename → sterke toename | sterke toename → stabiel |" in text


# ---------------------------------------------------------------- renderers


@pytest.fixture(scope="module")
def edited(brief) -> briefs.Brief:
    return brief.with_agenda(["Opening", "  ", "Tegelwippen in Súdwest-Fryslân → wat werkte?"])


def test_markdown_has_title_date_notice_and_the_edited_agenda(edited):
    text = render.render(edited, "md").decode("utf-8")
    assert text.startswith("# Voorbereiding Biodiversiteit en Gemeenten 2027")
    assert "10 december 2026" in text and "Demodata" in text
    assert "- Gastgemeente: Súdwest-Fryslân" in text  # the stored meeting's host
    assert "1. Opening\n2. Tegelwippen in Súdwest-Fryslân → wat werkte?" in text
    assert "| Gesteld op | Gemeente |" in text and "Vlinderstichting" in text
    assert "## Biodiversiteit en Gemeenten: koplopers per thema" in text


def test_docx_opens_with_the_same_content(edited):
    from docx import Document

    data = render.render(edited, "docx", images={})
    word = Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in word.paragraphs)
    cells = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
    assert "10 december 2026" in paragraphs and "Demodata" in paragraphs
    assert "Tegelwippen in Súdwest-Fryslân → wat werkte?" in paragraphs
    assert "Súdwest-Fryslân" in cells and "Tegels eruit, groen erin." in cells
    assert len(word.inline_shapes) == 0  # no images given: charts are tables


def test_docx_is_a4_by_the_cop_with_page_numbers_and_repeating_headers(edited):
    from docx import Document
    from docx.oxml.ns import qn

    word = Document(io.BytesIO(render.render(edited, "docx", images={})))
    section = word.sections[0]
    size = (section.page_width.cm, section.page_height.cm)
    assert size == pytest.approx((21.0, 29.7), abs=0.01)
    assert section.left_margin.cm == pytest.approx(2.0, abs=0.01)
    props = word.core_properties
    assert props.author == "Community of Practice Biodiversiteit – Deltaplan Biodiversiteitsherstel"
    assert props.title == "Voorbereiding Biodiversiteit en Gemeenten 2027"
    assert props.language == "nl-NL" and props.subject.endswith("10 december 2026")
    footer = "".join(p._p.xml for p in section.footer.paragraphs)
    assert "Pagina " in footer and " PAGE " in footer and " NUMPAGES " in footer
    first_page = "".join(p._p.xml for p in section.first_page_footer.paragraphs)
    assert " NUMPAGES " in first_page
    body = [p.text for p in word.paragraphs]
    assert body.index("Voorstel voor de agenda") < 10  # on the first page, no cover page
    assert word.paragraphs[0].style.name == "Title"
    assert word.paragraphs[0].alignment in (None, 0)  # left, never justified
    for table in word.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_pdf_is_a4_with_metadata_and_page_numbers(edited):
    doc = layout.document(edited)
    reader = _reader(pdf_writer.to_pdf(doc, "nl", {}, font=None))
    assert reader.metadata.author == doc.author and reader.metadata.title == doc.title
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (595.28, 841.89), abs=0.5
        )
        assert f"Pagina {number} van {pages}" in page.extract_text()
    assert "Voorstel voor de agenda" in reader.pages[0].extract_text()


def test_column_widths_give_short_columns_their_text_and_long_ones_the_rest():
    lesson = "een les " * 12  # 96 characters, longest word 4
    frame = pd.DataFrame({"Datum": ["01-02-2026"], "Status": ["Gepland"], "Lessen": [lesson]})
    # narrow (longest word + 2): 12, 9, 8; wide (whole text + 2): 12, 9, 98
    assert layout.column_widths(frame, "nl", 60, 1) == pytest.approx([12, 9, 39])
    assert layout.column_widths(frame, "nl", 236, 2) == pytest.approx([24, 18, 194])
    short = frame.assign(Lessen="kort")  # everything fits on one line: widened in proportion
    assert layout.column_widths(short, "nl", 58, 1) == pytest.approx([24, 18, 16])
    assert sum(layout.column_widths(frame, "nl", 20, 1)) == pytest.approx(20)  # too narrow


def test_long_tables_are_cut_short_on_paper_but_whole_in_the_workbook():
    from docx import Document

    frame = pd.DataFrame({"Gemeente": [f"Gemeente {i}" for i in range(30)], "Nr": range(30)})
    table = layout.TableBlock("t", frame, "Lijst", limit=25, more="… en nog 5 rijen.")
    assert len(table.printed()) == 25 and table.hidden == 5
    doc = layout.Document("T", "S", "1 januari 2027", [], None, [layout.Section("H", 1, [table])])
    text = markdown_writer.to_markdown(doc, "nl")
    assert "| Gemeente 24 | 24 |" in text and "Gemeente 25" not in text
    assert "… en nog 5 rijen." in text
    word = Document(io.BytesIO(word_writer.to_docx(doc, "nl")))
    assert len(word.tables[0].rows) == 26
    assert any(p.text == "… en nog 5 rijen." for p in word.paragraphs)
    book = openpyxl.load_workbook(io.BytesIO(render.workbook(doc)))
    assert book.sheetnames == ["Lijst"] and book["Lijst"].max_row == 31


def test_workbook_sheet_names_follow_excel_rules():
    frame = pd.DataFrame({"a": [1]})
    long = "Biodiversiteit en Gemeenten: koplopers [2027] per thema"
    blocks = [layout.TableBlock("x", frame, long), layout.TableBlock("y", frame, long)]
    blocks.append(layout.TableBlock("brief_z", frame))
    doc = layout.Document("T", "S", "D", [], None, [layout.Section("H", 1, blocks)])
    names = list(render.sheets(doc))
    assert names[0] == "Biodiversiteit en Gemeenten- ko"
    assert names[1] == "Biodiversiteit en Gemeenten (2)" and names[2] == "brief_z"
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


def test_charts_are_redrawn_for_paper_with_whole_labels(edited):
    import plotly.graph_objects as go

    long = "Participatie, burgerinitiatieven en bewonersgroepen"  # 51 characters
    figure = go.Figure(go.Bar(y=[long, "Kort"], x=[3, 1], orientation="h"))
    printed = brief_charts.for_print(figure)
    assert list(printed.data[0].y) == [
        "Participatie, burgerinitiatieven<br>en bewonersgroepen",
        "Kort",
    ]
    assert list(figure.data[0].y) == [long, "Kort"]  # the page's figure is left alone
    assert printed.layout.yaxis.automargin is True and printed.layout.xaxis.automargin is True
    assert printed.layout.xaxis.title.standoff > 0  # the axis title clear of the ticks
    assert printed.layout.width == brief_charts.CHART_WIDTH
    assert printed.layout.font.size >= 13
    # the height follows the bars: two bars, one of them on two lines
    frame = brief_charts.FRAME_HEIGHT + 2 * brief_charts.BAR_HEIGHT + brief_charts.LINE_HEIGHT
    assert printed.layout.height == frame
    chart = next(c for c in layout.document(edited).charts() if c.name == "changes_per_theme")
    assert brief_charts.for_print(chart.figure).layout.height > frame


def test_chart_text_alternative_says_what_the_chart_shows(edited):
    charts_ = {c.name: c for c in layout.document(edited).charts()}
    changes = charts_["changes_per_theme"]
    # since 1 March 2026: mowing 1 new (3) and 1 realised (4); depaving 2 realised (1, 7);
    # trees 1 realised (5); the stopped measure 6 does not count
    assert "Samen 1 nieuwe en 4 gerealiseerde maatregelen op 3 thema's" in changes.summary
    assert "1 maart 2026" in changes.summary
    assert changes.description.startswith(changes.summary)
    assert "Ontstenen / tegelwippen: Nieuw 0, Gerealiseerd 2" in changes.description
    maturity = charts_["invitee_maturity"].summary
    # Utrecht at level 3 and Súdwest-Fryslân at 2 on every dimension
    assert "de 2 uitgenodigde gemeenten met een meting" in maturity


def _reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in _reader(data).pages)


def test_pdf_with_dejavu_keeps_dutch_characters(edited):
    require(pdf_writer.find_font() is not None, "DejaVu Sans (fonts-dejavu-core) is missing")
    text = _pdf_text(render.render(edited, "pdf", images={}))
    assert "Súdwest-Fryslân" in text and "10 december 2026" in text
    assert "Demodata" in text and "Vlinderstichting" in text
    assert "→" in text


def test_pdf_without_font_falls_back_to_helvetica(edited):
    doc = layout.document(edited)
    text = _pdf_text(pdf_writer.to_pdf(doc, "nl", {}, font=None))
    assert "Súdwest-Fryslân" in text  # Latin-1 survives
    assert "-> wat werkte?" in text  # the arrow is transliterated
    assert pdf_writer.latin1("“Tiny Forest” – 5 m²") == '"Tiny Forest" - 5 m²'


def test_a_chart_image_is_drawn_once_until_its_figure_changes(edited, monkeypatch):
    """Word then PDF of the same brief: the second asks the browser for nothing."""
    import plotly.graph_objects as go

    brief_charts.forget_chart_images()
    drawn: list[set[str]] = []

    def export(printed, timeout):  # the browser's part; the cache around it is what is tested
        drawn.append(set(printed))
        return {name: f"png of {fig.to_json()}".encode() for name, fig in printed.items()}

    monkeypatch.setattr(brief_charts, "_export", export)
    figures = {c.name: c.figure for c in layout.document(edited).charts()}
    first = brief_charts.chart_images(figures)
    assert set(first) == set(figures) and drawn == [set(figures)]
    assert brief_charts.chart_images(figures) == first and len(drawn) == 1
    name = next(iter(figures))
    changed = {**figures, name: go.Figure(figures[name]).update_layout(title="another")}
    again = brief_charts.chart_images(changed)
    assert drawn[1:] == [{name}]  # only the changed chart is drawn again
    assert again[name] != first[name]
    assert all(again[other] == first[other] for other in figures if other != name)
    monkeypatch.setattr(brief_charts, "IMAGE_CACHE_SIZE", 1)
    brief_charts.chart_images({name: go.Figure(figures[name]).update_layout(title="third")})
    assert len(brief_charts._images) == 1  # bounded: the oldest images make way
    brief_charts.forget_chart_images()


def test_a_browser_that_fails_to_start_is_started_once_more(monkeypatch):
    """A loaded machine's browser can die while starting; a missing one cannot be helped."""
    import plotly.graph_objects as go
    from choreographer.browsers.chromium import ChromeNotFoundError
    from choreographer.errors import BrowserFailedError

    figure = {"bars": go.Figure(go.Bar(x=["a"], y=[1]))}
    tries: list[float] = []

    def failing(*errors: Exception):
        def export_once(printed, timeout):
            tries.append(timeout)
            if len(tries) <= len(errors):
                raise errors[len(tries) - 1]
            return {name: b"png" for name in printed}

        return export_once

    monkeypatch.setattr(brief_charts, "_export_once", failing(BrowserFailedError("closed")))
    assert brief_charts._export(figure, 40) == {"bars": b"png"}
    assert len(tries) == 2 and tries[1] <= tries[0] <= 40  # both within the one timeout

    tries.clear()
    twice = failing(BrowserFailedError("closed"), BrowserFailedError("closed"))
    monkeypatch.setattr(brief_charts, "_export_once", twice)
    assert brief_charts._export(figure, 40) == {} and len(tries) == 2  # then tables

    tries.clear()
    monkeypatch.setattr(brief_charts, "_export_once", failing(ChromeNotFoundError("none")))
    assert brief_charts._export(figure, 40) == {} and len(tries) == 1

    tries.clear()
    monkeypatch.setattr(brief_charts, "_export_once", failing(BrowserFailedError("closed")))
    assert brief_charts._export(figure, 10) == {} and len(tries) == 1  # no time for another


def test_charts_fall_back_to_tables_without_a_browser(edited, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    brief_charts.forget_chart_images()  # drawn by an earlier test: would come from the cache
    figures = {c.name: c.figure for c in layout.document(edited).charts()}
    assert set(figures) == {"changes_per_theme", "invitee_maturity"}
    assert brief_charts.chart_images(figures, timeout=10) == {}
    from docx import Document

    word = Document(io.BytesIO(render.render(edited, "docx")))
    assert len(word.inline_shapes) == 0
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert "Ecologisch maaibeheer" in cells  # the chart's table instead of its picture


def test_charts_become_images_with_chromium(edited):
    require(shutil.which("chromium") is not None, "Chromium is not installed")
    from docx import Document

    word = Document(io.BytesIO(render.render(edited, "docx")))
    assert len(word.inline_shapes) == 2


# ---------------------------------------------------------------- command line


def test_cli_writes_every_format_and_rejects_bad_input(app_env, tmp_path, capsys):
    out = tmp_path / "brief.md"
    assert cli_main.main(["brief", "--date", "2026-12-10", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "10 december 2026" in text and "Demodata" in text
    english = tmp_path / "brief.docx"
    args = ["brief", "--date", "2026-12-10", "--themes", "Ecologisch maaibeheer,depaving"]
    args += ["--invite", "gm0344", "--lang", "en", "--no-charts", "--out", str(english)]
    assert cli_main.main(args) == 0
    assert english.read_bytes()[:2] == b"PK"
    pdf = tmp_path / "brief.pdf"
    assert cli_main.main(["brief", "--date", "2026-12-10", "--no-charts", "--out", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    capsys.readouterr()
    assert cli_main.main(["brief", "--date", "2026-13-01", "--out", str(out)]) == 2
    assert "JJJJ-MM-DD" in capsys.readouterr().err
    assert (
        cli_main.main(["brief", "--date", "2026-12-10", "--themes", "bijen", "--out", str(out)])
        == 2
    )
    assert "bijen" in capsys.readouterr().err
    assert (
        cli_main.main(["brief", "--date", "2026-12-10", "--invite", "GM9999", "--out", str(out)])
        == 2
    )
    assert "GM9999" in capsys.readouterr().err
    assert cli_main.main(["brief", "--date", "2026-12-10", "--out", str(tmp_path / "x.txt")]) == 2


def test_practices_link_to_their_page_when_the_app_address_is_known(edited, monkeypatch):
    from docx import Document

    monkeypatch.delenv("COP_PUBLIC_URL", raising=False)
    assert "maatregel=" not in render.render(edited, "md").decode("utf-8")
    monkeypatch.setenv("COP_PUBLIC_URL", "https://cop.example.nl/")
    text = render.render(edited, "md").decode("utf-8")
    assert "| In de app |" in text
    for practice in edited.spotlights:  # a link in Markdown, never escaped into text
        assert f"<https://cop.example.nl/practice?maatregel={practice.id}>" in text
    word = Document(io.BytesIO(render.render(edited, "docx", images={})))
    cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
    assert f"https://cop.example.nl/practice?maatregel={edited.spotlights[0].id}" in cells
    monkeypatch.setenv("COP_PUBLIC_URL", "javascript:alert(1)")  # not an address: no links
    assert "maatregel=" not in render.render(edited, "md").decode("utf-8")


@pytest.mark.parametrize(
    ("date", "themes"), [("2026-12-10", []), ("2026-03-01", ["ecological_mowing"])]
)
def test_the_brief_built_in_two_cached_parts_is_the_whole_brief(demo_db_file, date, themes):
    """The meeting page caches the trends (monitoring only) apart from the rest, so a new
    answer does not refit them; joined, the parts must be exactly what build_brief gives."""
    from cop.data import storage

    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    frames = {name: storage.read_table(engine, name) for name in briefs.BRIEF_TABLES}
    engine.dispose()
    params = {"date": date, "themes": themes, "lang": "nl", "demo": True}
    whole = briefs.build_brief(*frames.values(), **params)
    part = briefs.build_brief_without_trends(
        *(frames[name] for name in briefs.BRIEF_TABLES_WITHOUT_TRENDS), **params
    )
    assert (
        part.changes.trend_changes == () and "monitoring" not in briefs.BRIEF_TABLES_WITHOUT_TRENDS
    )
    changed = trendchanges.trend_class_changes(frames["monitoring"], **briefs.trend_request(part))
    assert len(whole.changes.trend_changes) > 10
    assert briefs.with_trend_changes(part, changed) == whole
