"""Exports: formula protection that imports back exactly, Excel formatting, dates as dates."""

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from cop.data import exports, formulas, readers


@pytest.mark.parametrize(
    "text", ["=1+1", "+31 6 123", "-2+3", "-A1", "@SUM(A1)", "\t=x", "'=x", "''-x", "-"]
)
def test_formula_like_text_gets_one_apostrophe_and_loses_it_on_import(text):
    out = formulas.quote_frame(pd.DataFrame({"a": [text, "gewoon"]}))
    assert out["a"].tolist() == ["'" + text, "gewoon"]
    assert formulas.unquote_text(out["a"]).tolist() == [text, "gewoon"]


@pytest.mark.parametrize("text", ["-2", "+0,5", "-3.5%", "12", "'s-Gravenhage", "'+0,5", "'"])
def test_numbers_and_other_apostrophes_are_left_alone(text):
    out = formulas.quote_frame(pd.DataFrame({"a": [text]}))
    assert out["a"].tolist() == [text]
    assert formulas.unquote_text(out["a"]).tolist() == [text]


def test_the_reader_removes_the_apostrophe_only_in_csv():
    csv = exports.to_csv_bytes(pd.DataFrame({"titel": ["=1+1", "'=1+1", "'s-Gravenhage"]}))
    assert readers.read_raw(csv, "t.csv").frame["titel"].tolist() == [
        "=1+1",
        "'=1+1",
        "'s-Gravenhage",
    ]
    # in a workbook an apostrophe is part of the text (a person typed it, or it is stored)
    book = openpyxl.Workbook()
    for row in (["titel"], ["'=1+1"], ["'-2"]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    frame = readers.read_raw(buffer.getvalue(), "t.xlsx").frame
    assert frame["titel"].tolist() == ["'=1+1", "'-2"]


def test_dutch_csv_uses_semicolons_and_decimal_commas():
    data = exports.to_csv_bytes(pd.DataFrame({"a": [1.5], "b": ["x"]}), dutch=True)
    assert data.decode("utf-8-sig") == "a;b\n1,5;x\n"


def test_numbers_are_not_touched():
    frame = pd.DataFrame({"n": [-1.5, 2.0]})
    pd.testing.assert_frame_equal(formulas.quote_frame(frame), frame)


def test_csv_has_bom_and_protected_cells():
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
    assert sheet["B3"].value == "=HYPERLINK(1)" and sheet["B3"].data_type == "s"  # text
    assert sheet["B3"].quotePrefix and not sheet["B2"].quotePrefix
    assert sheet["C3"].value is None and sheet["C2"].value == 3
    assert sheet.column_dimensions["B"].width >= len("Een vrij lange titel van een maatregel")


def test_too_many_rows_for_excel(monkeypatch):
    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 2)
    with pytest.raises(exports.ExportTooLarge):
        exports.to_excel_bytes({"x": pd.DataFrame({"a": [1, 2, 3]})})


def test_excel_writes_control_characters_as_visible_escapes():
    """A stray terminal escape in a cell must not break the whole workbook download."""
    data = exports.to_excel_bytes(
        {"t": pd.DataFrame({"text": ["rood \x1b[31m tekst", "tab\tblijft"]})}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet["A"]][1:] == ["rood \\x1b[31m tekst", "tab\tblijft"]
