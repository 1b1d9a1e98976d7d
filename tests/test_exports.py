"""Exports: formula neutralisation, Excel formatting, dates as dates."""

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from cop.data import exports


@pytest.mark.parametrize("text", ["=1+1", "+31 6 123", "-2+3", "-A1", "@SUM(A1)", "\t=x"])
def test_formula_like_text_is_neutralised(text):
    out = exports.neutralise_formulas(pd.DataFrame({"a": [text, "gewoon"]}))
    assert out["a"].tolist() == ["'" + text, "gewoon"]


@pytest.mark.parametrize("text", ["-2", "+0,5", "-3.5%", "12"])
def test_numbers_written_as_text_are_left_alone(text):
    out = exports.neutralise_formulas(pd.DataFrame({"a": [text]}))
    assert out["a"].tolist() == [text]


def test_dutch_csv_uses_semicolons_and_decimal_commas():
    data = exports.to_csv_bytes(pd.DataFrame({"a": [1.5], "b": ["x"]}), dutch=True)
    assert data.decode("utf-8-sig") == "a;b\n1,5;x\n"


def test_numbers_are_not_touched():
    frame = pd.DataFrame({"n": [-1.5, 2.0]})
    pd.testing.assert_frame_equal(exports.neutralise_formulas(frame), frame)


def test_csv_has_bom_and_neutralised_cells():
    data = exports.to_csv_bytes(pd.DataFrame({"naam": ["Súdwest-Fryslân", "=cmd"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "'=cmd" in data.decode("utf-8-sig")


def test_excel_header_frozen_widths_and_real_dates():
    frame = pd.DataFrame(
        {
            "datum": pd.to_datetime(["2026-11-29", "2025-01-02"]),
            "titel": ["Een vrij lange titel van een maatregel", "=HYPERLINK(1)"],
            "aantal": pd.array([3, None], dtype="Int64"),
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel_bytes({"blad": frame})))
    sheet = book["blad"]
    assert [c.value for c in sheet[1]] == ["datum", "titel", "aantal"]
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert isinstance(sheet["A2"].value, dt.datetime) and sheet["A2"].number_format == "dd-mm-yyyy"
    assert sheet["B3"].value == "'=HYPERLINK(1)"
    assert sheet["C3"].value is None and sheet["C2"].value == 3
    assert sheet.column_dimensions["B"].width >= len("Een vrij lange titel van een maatregel")


def test_too_many_rows_for_excel(monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 2)
    with pytest.raises(exports.ExportTooLarge):
        exports.to_excel_bytes({"x": pd.DataFrame({"a": [1, 2, 3]})})
