"""The demo generator: deterministic, valid against the schema, believable ranges and texts."""

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from cop.core import vocab
from cop.data import demo, demo_content, demo_texts
from cop.data.schema import DATA_TABLES
from cop.data.validation import validate_frame
from tests.conftest import ROOT

# What a text about each theme talks about: word beginnings, matched case-insensitively at
# the start of a word ("maai" matches "maaisel", "tegels" does not match "tegelijk"). Written
# here, apart from the generator, as the reader's idea of each theme.
THEME_VOCABULARY: dict[str, tuple[str, ...]] = {
    "ecological_mowing": ("maai", "gemaaid", "sinusbeheer", "hooiland", "gras", "verschral"),
    "depaving": ("tegels", "tegelwip", "tegeltaxi", "ontsten", "verhard", "bestrating"),
    "green_roofs_walls": ("groen dak", "groene dak", "daken", "sedum", "gevelgroen", "klimplant"),
    "flower_verges": ("bloem", "bijenlint", "inzaai", "ingezaaid", "zaai", "zaadmengsel",
                      "bestuiver", "wilde bij", "vlinder"),
    "nature_friendly_banks": ("oever", "waterkant", "talud", "waterplant", "moeraszone",
                              "plasberm"),
    "trees_tiny_forests": ("boom", "bomen", "tiny forest", "stadsbos", "aanplant", "water geven",
                           "inboet"),
    "fauna_provisions": ("nestkast", "nestgelegenheid", "gierzwaluw", "huismus", "egel",
                         "faunapassage", "faunavoorziening", "vleermuiskast"),
    "nature_inclusive_building": ("natuurinclusie", "nieuwbouw", "bouwproject", "ontwikkelaar",
                                  "puntensysteem", "neststenen", "bouwplan"),
    "dark_sky_lighting": ("verlichting", "licht", "lamp", "armatu", "dimmen", "gedimd", "amber",
                          "vleermuis"),
    "invasive_species": ("exoot", "exoten", "duizendknoop", "reuzenberenklauw", "reuzenbalsemien",
                         "eikenprocessierups", "invasie"),
    "citizen_participation": ("vrijwillig", "burgerinitiatie", "participatie", "adopt",
                              "buurtmoestuin", "citizen science", "bewonersgroep"),
    "policy_vision": ("visie", "beleid", "groennorm", "omgevingsplan", "omgevingsvisie",
                      "uitvoeringsagenda", "gemeenteraad", "college"),
    "ecological_corridors": ("verbindingszone", "ecologische verbinding", "groenblauw",
                             "stapste", "leefgebied", "corridor", "natuurnetwerk"),
    "climate_adaptation": ("wadi", "regentuin", "regenwater", "hittestress", "klimaatadapt",
                           "wateroverlast", "infiltr", "waterberging"),
}  # fmt: skip
_PATTERNS = {
    theme: [re.compile(r"\b" + re.escape(word), re.IGNORECASE) for word in words]
    for theme, words in THEME_VOCABULARY.items()
}
OLD_TOOLBOX_TEXT = "Toolboxitem (demodata)"


def vocabulary_hits(text: str) -> dict[str, int]:
    """How many different words of each theme's vocabulary ``text`` uses."""
    return {
        theme: sum(1 for pattern in patterns if pattern.search(text))
        for theme, patterns in _PATTERNS.items()
    }


def off_theme(text: str, theme: str) -> str | None:
    """Why ``text`` does not read as ``theme`` (None when it does)."""
    hits = vocabulary_hits(text)
    own = hits.pop(theme)
    rival, most = max(hits.items(), key=lambda item: item[1])
    if own == 0:
        return "uses no word of its own theme"
    if most >= own:
        return f"uses as many words of {rival} ({most}) as of its own theme ({own})"
    return None


@pytest.fixture(scope="module")
def tables():
    return demo.generate("small", seed=42)


def test_vocabulary_covers_every_theme_and_tells_them_apart():
    assert set(THEME_VOCABULARY) == set(vocab.THEMES) == set(demo_texts.THEME_TEXTS)
    assert off_theme("Amber licht langs vleermuisroutes", "dark_sky_lighting") is None
    # the old demo's mix-up: watering advice on a lighting measure
    assert off_theme("Budget voor nazorg (water geven, inboet) is essentieel.", "dark_sky_lighting")
    assert off_theme("Zoek meerdere tracés tegelijk.", "depaving") == (
        "uses no word of its own theme"
    )


def test_every_template_reads_as_its_theme():
    """All texts a theme can produce, not only the ones seed 42 happens to draw."""
    fields = {
        "town": "Testdorp", "place": "Noord", "street": "Kerkstraat", "building": "de bibliotheek",
        "water": "de Vaart", "n": "1.234", "ha": "4,2", "plant": "margriet",
        "bee": "akkerhommel", "butterfly": "atalanta", "bird": "koolmees",
    }  # fmt: skip
    problems = []
    for theme, texts in demo_texts.THEME_TEXTS.items():
        candidates = [description for _title, description in texts.practices]
        candidates += [*texts.lessons, *(f"{why}. {learned}" for why, learned in texts.stops)]
        candidates += [f"{why}." for why, _learned in texts.stops]
        for template in candidates:
            text = template.format(**fields)
            if reason := off_theme(text, theme):
                problems.append((theme, text, reason))
    assert not problems, problems


def test_every_measure_text_reads_as_its_own_theme(tables):
    measures = tables["measures"]
    names = tables["municipalities"].set_index("code")["name"]
    problems = []
    for row in measures.itertuples():
        # a municipality's name is not part of the text's theme ("Bloemendaal" is no flower)
        town = names[row.municipality_code]
        texts = {"description": row.description, "lessons_learned": row.lessons_learned}
        for column, text in texts.items():
            if pd.isna(text):
                continue
            if reason := off_theme(text.replace(town, ""), row.theme):
                problems.append((row.id, row.theme, column, text, reason))
    assert not problems, problems[:5]


def test_texts_follow_the_status(tables):
    measures = tables["measures"]
    status = measures["status"]
    has_lessons = measures["lessons_learned"].notna()
    assert not has_lessons[status.isin(["idea", "planned"])].any()  # nothing done, nothing learned
    assert measures.loc[status == "idea", "description"].str.contains("Nog een idee").all()
    stopped = measures[status == "stopped"]
    assert len(stopped) > 0 and has_lessons[status == "stopped"].all()
    assert stopped["description"].str.contains(r"Gestopt: \S.*\.$").all()
    assert has_lessons[status == "realised"].mean() > 0.8
    assert 0.2 < has_lessons[status == "in_progress"].mean() < 0.8
    # titles and descriptions are many, not one text pasted everywhere
    assert measures["description"].nunique() > len(measures) * 0.9
    assert not measures["description"].str.contains("demodata", case=False).any()


def test_texts_come_from_their_own_random_stream(monkeypatch, tables):
    """Changing the texts changes words only: every number stays where it was."""
    shorter = {
        theme: dataclasses.replace(texts, lessons=texts.lessons[:1], practices=texts.practices[:1])
        for theme, texts in demo_texts.THEME_TEXTS.items()
    }
    monkeypatch.setattr(demo, "THEME_TEXTS", shorter)
    other = demo.generate("small", seed=42)
    words = ["title", "description", "lessons_learned", "partners"]
    assert not other["measures"]["title"].equals(tables["measures"]["title"])
    pd.testing.assert_frame_equal(
        other["measures"].drop(columns=words), tables["measures"].drop(columns=words)
    )
    for name in ("maturity", "monitoring", "contacts", "help_questions", "resource_usage"):
        pd.testing.assert_frame_equal(other[name], tables[name])


def test_toolbox_resources_are_illustrative_and_fit_theme_and_kind(tables):
    resources = tables["resources"]
    assert not resources["title"].str.contains(OLD_TOOLBOX_TEXT, regex=False).any()
    assert not resources["description"].str.contains(OLD_TOOLBOX_TEXT, regex=False).any()
    assert resources["title"].is_unique
    assert set(resources["theme"]) == set(vocab.THEMES)
    assert resources["kind"].value_counts().min() >= 5  # tools, guides, examples and datasets
    assert resources["url"].str.startswith("https://www.example.org/demo/toolbox/").all()
    assert resources["description"].str.endswith(demo_content.RESOURCE_NOTE).all()
    for row in resources.itertuples():
        assert vocabulary_hits(f"{row.title} {row.description}")[row.theme] > 0, row.title


def test_same_seed_same_data_other_seed_other_data(tables):
    again = demo.generate("small", seed=42)
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(tables[name], again[name])
    other = demo.generate("small", seed=43)
    assert not tables["measures"].equals(other["measures"])


def test_shipped_csv_files_are_the_generator_output(tables, tmp_path):
    """Every shipped demo CSV is, byte for byte, what ``python -m cop demo`` writes (seed 42)."""
    demo.write(tables, tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted([*(f"{name}.csv" for name in DATA_TABLES), "DEMO"])
    for name in written:
        shipped = (ROOT / "data" / name).read_text(encoding="utf-8").splitlines()
        generated = (tmp_path / name).read_text(encoding="utf-8").splitlines()
        first_difference = next(
            (
                i
                for i, pair in enumerate(zip(shipped, generated, strict=False))
                if pair[0] != pair[1]
            ),
            None,
        )
        assert first_difference is None, (name, first_difference + 1, shipped[first_difference])
        assert len(shipped) == len(generated), name
        assert (ROOT / "data" / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_every_table_validates(tables):
    codes = set(tables["municipalities"]["code"])
    for name in DATA_TABLES:
        known = None if name == "municipalities" else codes
        report = validate_frame(tables[name].astype("string"), name, known_codes=known)
        assert report.ok, (name, report.messages("en", 5))


def test_partners_spread_and_measures_per_partner(tables):
    towns = tables["municipalities"]
    partners = towns[towns["is_partner"]]
    assert len(towns) == 342
    assert 33 <= len(partners) <= 37
    assert set(partners["province"]) == set(vocab.PROVINCES)
    per_partner = tables["measures"].groupby("municipality_code").size()
    assert per_partner.min() >= 8 and per_partner.max() <= 40
    assert set(per_partner.index) == set(partners["code"])
    assert set(tables["measures"]["theme"]) >= set(vocab.THEMES[:12])


def test_maturity_five_years_with_progress_frontrunners_and_starters(tables):
    maturity = tables["maturity"]
    assert maturity["year"].nunique() == 5
    assert maturity["level"].between(1, 5).all()
    mean = maturity.groupby(["municipality_code", "year"])["level"].mean().unstack()
    first, last = mean.min(axis=1), mean.max(axis=1)
    assert (mean.ffill(axis=1).iloc[:, -1] >= mean.bfill(axis=1).iloc[:, 0] - 0.5).all()
    assert (last >= 4).any() and (first <= 1.8).any()  # frontrunners and starters exist


def test_monitoring_counts_have_gaps_zeros_and_ten_plus_years(tables):
    mon = tables["monitoring"]
    assert mon["year"].nunique() >= 10
    assert mon["count"].isna().any() and (mon["count"] == 0).any()
    assert (mon["count"].dropna() >= 0).all()
    assert mon.duplicated(["site_id", "scheme", "species", "year"]).sum() == 0


def test_questions_meetings_resources(tables):
    assert set(tables["help_questions"]["status"]) == {"open", "answered"}
    assert len(tables["meetings"]) >= 3 and len(tables["resources"]) >= 20


def test_people_are_illustrative(tables):
    assert tables["contacts"]["email"].str.endswith(".example").all()


def test_national_scale_shape():
    big = demo.generate("national", seed=1)
    assert big["municipalities"]["is_partner"].all()
    assert 15_000 <= len(big["measures"]) <= 25_000
    assert 800_000 <= len(big["monitoring"]) <= 1_300_000
    assert np.isfinite(big["monitoring"]["lat"]).all()
