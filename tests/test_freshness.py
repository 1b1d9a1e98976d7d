"""How current each partner's data is (issue 12, item 5): the rule, the demo data, the
profile, Home and the meeting brief in every format."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from cop.data import demo, freshness
from cop.meetings import briefs, pdf, render
from tests.conftest import ROOT, make_app, require

DAY = dt.date(2026, 11, 30)
THEMES = ["depaving", "ecological_mowing"]


def _towns(*codes: str, partner: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        {"code": list(codes), "name": [f"Gemeente {c[-1]}" for c in codes], "is_partner": partner}
    )


def _measures(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_code": [code for code, _ in rows],
            "updated_at": pd.to_datetime([day for _, day in rows]),
        }
    )


def _maturity(rows: list[tuple[str, int]]) -> pd.DataFrame:
    return pd.DataFrame({"municipality_code": [c for c, _ in rows], "year": [y for _, y in rows]})


def test_the_rule_at_its_edges():
    towns = _towns("GM0001", "GM0002", "GM0003", "GM0004", "GM0005")
    measures = _measures(
        [
            ("GM0001", "2025-11-30"),  # exactly a year: still current
            ("GM0001", "2023-01-01"),  # an older one does not matter, the newest counts
            ("GM0002", "2025-11-29"),  # a year and a day
            ("GM0003", "2026-06-01"),
            ("GM0004", "2026-06-01"),
            # GM0005 has no measures at all
        ]
    )
    maturity = _maturity(
        [("GM0001", 2025), ("GM0002", 2026), ("GM0003", 2024), ("GM0005", 2026)]
    )  # GM0004 has no self-assessment
    stale = freshness.stale_partners(towns, measures, maturity, today=DAY)
    assert stale["code"].tolist() == ["GM0002", "GM0003", "GM0004", "GM0005"]
    assert stale["measures_behind"].tolist() == [True, False, False, True]
    assert stale["maturity_behind"].tolist() == [False, True, True, False]
    lines = [freshness.stale_line(row, "en") for _, row in stale.iterrows()]
    assert lines == [
        "Gemeente 2: measures last updated on 29 November 2025",
        "Gemeente 3: newest self-assessment from 2024",
        "Gemeente 4: no self-assessment yet",
        "Gemeente 5: no measures yet",
    ]
    # the reference date is what decides: a year later everybody is behind, before nobody
    later = freshness.stale_partners(towns, measures, maturity, today=dt.date(2027, 12, 1))
    assert len(later) == 5
    earlier = freshness.stale_partners(towns, measures, maturity, today=dt.date(2025, 6, 1))
    assert earlier["code"].tolist() == ["GM0004", "GM0005"]


def test_only_partners_are_chased():
    towns = pd.concat([_towns("GM0001"), _towns("GM0009", partner=False)])
    stale = freshness.stale_partners(towns, _measures([]), _maturity([]), today=DAY)
    assert stale["code"].tolist() == ["GM0001"]


def _shipped() -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(ROOT / "data" / f"{name}.csv")
        for name in ("municipalities", "measures", "maturity", "monitoring")
    }


def _expected_behind(tables: dict[str, pd.DataFrame], day: dt.date) -> list[str]:
    """Computed here from the CSV files, independently of cop.data.freshness."""
    towns = tables["municipalities"]
    partners = towns[towns["is_partner"]]
    newest = (
        pd.to_datetime(tables["measures"]["updated_at"])
        .groupby(tables["measures"]["municipality_code"])
        .max()
    )
    year = tables["maturity"].groupby("municipality_code")["year"].max()
    limit = pd.Timestamp(day.replace(year=day.year - 1))
    behind = [
        code
        for code in partners["code"]
        if code not in newest or newest[code] < limit or year.get(code, 0) < day.year - 1
    ]
    return sorted(partners.set_index("code").loc[behind, "name"], key=str.casefold)


def test_the_demo_data_has_a_short_real_list():
    tables = _shipped()
    stale = freshness.stale_partners(
        tables["municipalities"], tables["measures"], tables["maturity"], today=DAY
    )
    assert stale["name"].tolist() == _expected_behind(tables, DAY)
    partners = int(tables["municipalities"]["is_partner"].sum())
    assert 2 <= len(stale) <= max(3, partners // 10)  # non-trivial but short
    assert stale["measures_behind"].any() and stale["maturity_behind"].any()
    # the generator is what made it so (the shipped files are its output)
    generated = demo.generate("small", 42)
    again = freshness.stale_partners(
        generated["municipalities"], generated["measures"], generated["maturity"], today=DAY
    )
    assert again["code"].tolist() == stale["code"].tolist()


def _brief(lang: str) -> briefs.Brief:
    tables = {
        name: pd.read_csv(ROOT / "data" / f"{name}.csv", parse_dates=dates)
        for name, dates in (
            ("municipalities", None),
            ("measures", ["updated_at"]),
            ("maturity", None),
            ("monitoring", None),
            ("help_questions", ["asked_on"]),
            ("experts", None),
            ("meetings", ["date"]),
            ("answers", ["created_at"]),
        )
    }
    frames = [tables[name] for name in briefs.BRIEF_TABLES]
    return briefs.build_brief(*frames, date=DAY, themes=THEMES, lang=lang, trends_enabled=False)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_brief_lists_them_in_markdown_word_and_pdf(lang):
    require(pdf.find_font() is not None, "DejaVu Sans (fonts-dejavu-core) is missing")
    from docx import Document
    from pypdf import PdfReader

    brief = _brief(lang)
    expected = _expected_behind(_shipped(), DAY)
    assert [p.town.name for p in brief.stale_partners] == expected
    heading = {"nl": "Gegevens ouder dan een jaar", "en": "Data more than a year old"}[lang]
    oudewater = next(p for p in brief.stale_partners if p.town.name == "Oudewater")
    shown_date = oudewater.measures_updated.strftime("%d-%m-%Y")

    markdown = render.render(brief, "md").decode("utf-8")
    word = Document(io.BytesIO(render.render(brief, "docx", images={})))
    word_text = "\n".join(
        [p.text for p in word.paragraphs]
        + [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    )
    reader = PdfReader(io.BytesIO(render.render(brief, "pdf", images={})))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    for kind, text in (("md", markdown), ("docx", word_text), ("pdf", pdf_text)):
        assert heading in text, kind
        tail = text[text.index(heading) :]
        for name in expected:
            assert name in tail, (kind, name)
        assert shown_date in tail, kind


def test_home_lists_the_partners_to_chase(app_env):
    at = make_app(lang="en")
    today = dt.date.today()
    expected = _expected_behind(_shipped(), today)
    headers = [s.value for s in at.header]  # sections are h2 (issue 14, heading order)
    assert "Data more than a year old" in headers
    listed = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert len(listed) == 1
    names = [line.split(":")[0].removeprefix("- ") for line in listed[0].splitlines()]
    assert [n.replace("\\", "") for n in names] == expected


def test_the_profile_says_when_its_data_was_last_updated(app_env):
    tables = _shipped()
    code = "GM0589"  # Oudewater: stopped updating in the demo data
    newest = pd.to_datetime(
        tables["measures"].loc[tables["measures"]["municipality_code"] == code, "updated_at"]
    ).max()
    counts = tables["monitoring"][tables["monitoring"]["municipality_code"] == code]
    at = make_app("pages/profile.py", lang="en")
    at.selectbox(key="profile_code").set_value(code).run()
    captions = [c.value for c in at.caption]
    expected = (
        f"Data last updated: measures {newest.day} {newest:%B %Y} · self-assessment 2024 · "
        f"monitoring {int(counts['year'].max())}."
    )
    assert expected in captions, captions
