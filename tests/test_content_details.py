"""Smaller things of issue 14 (item 9): filled points, uploader words, even level options,
README examples on a partner municipality, peers table without codes or raw scores."""

from __future__ import annotations

import json
import re

import pandas as pd

from cop.core import i18n
from cop.peers import recommend
from tests.conftest import ROOT, make_app
from tests.test_mapping import _rendered_map


def _json_after(html: str, marker: str) -> dict:
    """The flat object literal right after ``marker`` (folium leaves a trailing comma)."""
    literal = re.match(r"\s*(\{[^{}]*\})", html[html.index(marker) + len(marker) :]).group(1)
    return json.loads(re.sub(r",\s*}", "}", literal))


def test_points_view_draws_municipalities_filled():
    html = _rendered_map(points=True)
    marker = _json_after(html, "var opts = ")
    assert marker["fill"] is True and marker["radius"] == 7
    base = _json_after(html, '"base":')
    assert base["fill"] is True  # the restyle keeps them filled in the legend colour


def test_uploader_says_its_limits_in_the_ui_language(app_env, monkeypatch):
    from tests.test_raw_values import open_page  # the same way in as every role

    engine_app = {"engine": None}
    from cop.access import accounts
    from cop.data import storage

    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    engine_app["engine"] = storage.make_engine()
    accounts.add_user(engine_app["engine"], "coordinator1", "a long enough password", "coordinator")
    at = open_page("pages/data.py", "coordinator", "nl", engine_app)
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert "stFileUploaderDropzoneInstructions']{display:none}" in styles
    assert 'content:"Bestand kiezen"' in styles
    captions = " ".join(c.value for c in at.caption)
    assert "CSV, TXT, XLSX, hoogstens 200 MB" in captions


def test_self_assessment_levels_in_five_even_columns(app_env):
    at = make_app("pages/maturity.py")
    assert not at.exception
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert "[class*='st-key-maturity_self_'] [role='radiogroup']" in styles
    assert "grid-template-columns:repeat(5,minmax(0,1fr))" in styles


def test_readme_examples_use_partner_municipalities():
    partners = pd.read_csv(ROOT / "data" / "municipalities.csv").query("is_partner")
    codes = set(partners["code"])
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        examples = re.findall(r"(?:gemeenten?=|--municipality |--invite )([GM\d,]+)", text)
        used = {code for found in examples for code in found.split(",") if code} - {"GM0000"}
        assert used <= codes, (path.name, used - codes)


def test_peers_table_has_words_and_whole_percentages():
    ranked = pd.DataFrame(
        {
            "rank": [1],
            "code": ["GM0001"],
            "name": ["Aadorp"],
            "province": ["Utrecht"],
            "population": [1000],
            "urbanity": [3],
            "size_class": [2],
            "distance_km": [12.345678],
            "realised_in_themes": [4],
            "score": [0.390514],
            **{f"{name}_score": [0.3125] for name in recommend.PEER_COMPONENTS},
            "reasons": ["even groot"],
        }
    )
    table = recommend.peers_table(ranked, "nl")
    assert list(table.columns[:5]) == [
        "Plaats",
        "Gemeente",
        "Provincie",
        "Afstand (km)",
        "Score (%)",
    ]
    assert table["Score (%)"].tolist() == [39] and table["Afstand (km)"].tolist() == [12]
    assert table[f"{i18n.t('peers.w_size', 'nl')} (%)"].tolist() == [31]
    assert not {"rank", "size_class", "code"} & set(table.columns)


def test_meeting_page_refers_to_no_page_and_offers_one_workbook(app_env):
    at = make_app("pages/meeting.py")
    assert not at.exception
    title = i18n.t("meeting.title", "nl")
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert not [t for t in texts if f"pagina {title}" in t or "downloads op de pagina" in t]
    labels = [b.proto.label for b in at.get("download_button")]
    # the brief in three formats, every table in one workbook, one table as CSV, and the
    # recorded meetings (CSV and Excel): never a button per table
    assert labels.count(i18n.t("meeting.download_xlsx", "nl")) == 1
    assert len(labels) <= 7, labels
