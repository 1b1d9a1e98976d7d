"""AppTest of the app shell, Home and Data pages: real content, language switch, filters."""

import pandas as pd

from cop.data import storage
from tests.conftest import ROOT, make_app


def test_home_shows_key_figures_charts_and_demo_notice(app_env):
    at = make_app()
    assert not at.exception
    engine = storage.make_engine()
    towns = storage.read_table(engine, "municipalities")
    measures = storage.read_table(engine, "measures")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Partnergemeenten"] == str(int(towns["is_partner"].sum()))
    assert metrics["Maatregelen"] == f"{len(measures):,}".replace(",", ".")
    assert any("Demodata" in i.value for i in at.sidebar.info)
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(specs) == 2
    theme_chart = specs[0]
    assert "Ecologisch maaibeheer" in theme_chart and "Gerealiseerd" in theme_chart
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert set(links) >= {
        "Verken de kaart",
        "Bereid een bijeenkomst voor",
        "Vind vergelijkbare gemeenten",
    }
    newest = at.dataframe[0].value
    assert len(newest) == 8 and "Titel" in newest.columns


def test_language_switch_to_english(app_env):
    at = make_app()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Community of Practice on biodiversity"
    assert "Partner municipalities" in [m.label for m in at.metric]


def test_lang_query_parameter(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert at.title[0].value == "Community of Practice on biodiversity"


def test_data_page_filters_change_the_count(app_env):
    at = make_app("pages/data.py")
    assert not at.exception
    engine = storage.make_engine()
    at.selectbox(key="data_table").select("measures").run()
    measures = storage.read_table(engine, "measures")
    assert any(f"{len(measures)} van {len(measures)} rijen" in c.value for c in at.caption)
    at.multiselect(key="data_themes").select("depaving").run()
    expected = int((measures["theme"] == "depaving").sum())
    assert any(c.value.startswith(f"{expected} van") for c in at.caption)
    shown = at.dataframe[0].value
    assert set(shown["Thema"]) == {"Ontstenen / tegelwippen"}
    assert len(at.get("download_button")) == 2


def test_data_page_text_search(app_env):
    at = make_app("pages/data.py")
    at.selectbox(key="data_table").select("resources").run()
    at.text_input(key="data_search").input("tiny forest").run()
    shown = at.dataframe[0].value
    assert len(shown) >= 1
    assert shown.apply(lambda r: "tiny forest" in " ".join(map(str, r)).lower(), axis=1).all()


def test_data_page_hides_contact_details_from_visitors(app_env):
    at = make_app("pages/data.py")
    at.selectbox(key="data_table").select("contacts").run()
    shown = at.dataframe[0].value
    assert shown["E-mail"].isna().all() and shown["Naam"].isna().all()
    assert any("coördinator" in i.value for i in at.info)
    contacts = storage.read_table(storage.make_engine(), "contacts")
    assert not pd.Series(shown.astype(str).values.ravel()).isin(contacts["email"]).any()


PAGE_FILES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def test_every_page_is_registered_and_starts_with_the_shell_check():
    app_source = (ROOT / "app.py").read_text(encoding="utf-8")
    for name in PAGE_FILES:
        assert f'"pages/{name}"' in app_source, name
        assert "ui.page_title(" in (ROOT / "pages" / name).read_text(encoding="utf-8"), name


def test_a_page_opened_directly_still_gets_the_shared_sidebar(app_env):
    at = make_app("pages/data.py")
    assert [r.key for r in at.sidebar.radio] == ["lang"]
    assert any("Demodata" in i.value for i in at.sidebar.info)


def test_data_page_year_slider_keeps_rows_without_a_year_until_narrowed(app_env):
    at = make_app("pages/data.py")
    assert any(c.value.startswith("342 van 342") for c in at.caption)  # joined_year empty
    at.slider(key="data_years_municipalities").set_value((2020, 2026)).run()
    towns = storage.read_table(storage.make_engine(), "municipalities")
    expected = int(towns["joined_year"].between(2020, 2026).sum())
    assert any(c.value.startswith(f"{expected} van 342") for c in at.caption)


def test_table_cells_are_formatted_in_the_ui_language():
    from cop.data import presentation

    frame = pd.DataFrame(
        {
            "population": [243800, 1200],
            "area_km2": [198.44, 3.0],
            "joined_year": pd.array([2021, None], dtype="Int64"),
            "score": [0.654, 0.1],
            "updated_at": pd.to_datetime(["2026-11-29", None]),
        }
    )
    nl = presentation.display_formats(frame, "nl")
    assert nl["population"](243800) == "243.800"
    assert nl["area_km2"](198.44) == "198,4"
    assert nl["joined_year"](2021) == "2021" and nl["joined_year"](pd.NA) == "–"
    assert nl["score"](0.654) == "0,65"
    assert nl["updated_at"](pd.Timestamp("2026-11-29")) == "29-11-2026"
    assert presentation.display_formats(frame, "en")["population"](243800) == "243,800"
