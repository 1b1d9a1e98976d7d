"""Text alternatives of charts and the map (cop.core.chartdata) and the statement's facts."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cop.core import chartdata, statement
from cop.core.charts import chart_text


def test_stacked_bars_give_a_row_per_category_and_a_column_per_series():
    fig = go.Figure()
    fig.add_bar(y=["Bomen", chart_text("Oevers & sloten")], x=[3, 0], name="Idee", orientation="h")
    fig.add_bar(
        y=["Bomen", chart_text("Oevers & sloten")], x=[1, 5], name="Gerealiseerd", orientation="h"
    )
    table = chartdata.figure_table(fig, "nl")
    # as the chart reads: a row per category, a column per series
    assert list(table.columns) == ["Categorie", "Idee", "Gerealiseerd"]
    assert table.values.tolist() == [["Bomen", 3.0, 1.0], ["Oevers & sloten", 0.0, 5.0]]


def test_one_series_is_category_and_value():
    fig = go.Figure(go.Bar(x=["2021", "2022", "2023"], y=[4, None, 6], name="Tellingen"))
    table = chartdata.figure_table(fig, "en")
    assert table.to_dict("list") == {"Category": ["2021", "2023"], "Value": [4.0, 6.0]}


def test_heatmap_cells_without_a_value_are_left_out():
    fig = go.Figure(go.Heatmap(x=["2022", "2023"], y=["Gouda", "Delft"], z=[[2, None], [3, 4]]))
    table = chartdata.figure_table(fig, "en")
    assert list(table.columns) == ["Category", "Row", "Value"]  # no series name: dropped
    assert table.values.tolist() == [
        ["2022", "Gouda", 2.0],
        ["2022", "Delft", 3.0],
        ["2023", "Delft", 4.0],
    ]


def test_radar_closing_point_appears_once_and_wrapped_labels_read_as_text():
    fig = go.Figure(
        go.Scatterpolar(
            theta=["Visie<br>en beleid", "Kennis", "Visie<br>en beleid"], r=[3, 2, 3], name="Gouda"
        )
    )
    table = chartdata.figure_table(fig, "nl")
    assert table.values.tolist() == [["Visie en beleid", 3.0], ["Kennis", 2.0]]


def test_map_table_lists_coloured_municipalities_highest_first():
    metric = pd.DataFrame(
        {"name": ["Zwolle", "Almere", "Delft", "Ede"], "value": [2.5, None, 4.0, 2.5]}
    )
    table = chartdata.map_table(metric, "Volwassenheid", "nl")
    assert table.to_dict("list") == {
        "Gemeente": ["Delft", "Ede", "Zwolle"],
        "Volwassenheid": [4.0, 2.5, 2.5],
    }


def test_statement_contact_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(statement.CONTACT_ENV, raising=False)
    assert statement.contact() is None
    monkeypatch.setenv(statement.CONTACT_ENV, "  toegankelijkheid@example.org ")
    assert statement.contact() == "toegankelijkheid@example.org"
    assert statement.statement_date("nl") == "30 november 2026"
    assert statement.statement_date("en") == "30 November 2026"
