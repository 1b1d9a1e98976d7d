"""What an import normalises, and what it protects: lowercase codes, formulas behind spaces."""

from __future__ import annotations

import csv as csv_module
import io

import pandas as pd
import pytest

from cop.data import exports, formulas, readers
from cop.data.validation import validate_file, validate_frame

CODES = {"GM0344", "GM0363"}


def test_lowercase_and_padded_codes_are_stored_upper_case():
    text = (
        "municipality_code,year,dimension,level\n"
        "gm0344,2024,vision_policy,3\n"
        " Gm0363 ,2024,vision_policy,4\n"
    )
    report = validate_file(text.encode(), "maturity", known_codes=CODES, filename="t.csv")
    assert report.ok, report.messages("en")
    assert report.frame["municipality_code"].tolist() == ["GM0344", "GM0363"]
    edited = validate_frame(  # the Data page's table editor goes the same way
        pd.DataFrame(
            {"municipality_code": ["gm0363"], "year": [2024], "dimension": ["vision_policy"],
             "level": [2]}
        ),
        "maturity",
        known_codes=CODES,
    )  # fmt: skip
    assert edited.ok and edited.frame["municipality_code"].tolist() == ["GM0363"]
    still_wrong = validate_file(
        b"municipality_code,year,dimension,level\ngm344,2024,vision_policy,3\n",
        "maturity",
        known_codes=CODES,
        filename="t.csv",
    )
    assert "err.code_pattern" in [issue.key for issue in still_wrong.issues]


SPACES = (" ", "\u00a0", "\u3000", "\t", "\n", "\r\n", "\u2003", "\u200b", "  \u00a0")


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize(
    "formula", ['=HYPERLINK("http://example.invalid")', "+1+1", "-A1", "@SUM(A1)"]
)
def test_a_formula_behind_white_space_is_protected_and_imports_back(space, formula):
    stored = space + formula
    data = exports.to_csv_bytes(pd.DataFrame({"titel": [stored, "gewoon"]}))
    cell = next(csv_module.reader(io.StringIO(data.decode("utf-8-sig").split("\n", 1)[1])))[0]
    assert cell == "'" + stored  # the spreadsheet shows text, even after trimming
    assert readers.read_raw(data, "t.csv").frame["titel"].tolist() == [stored, "gewoon"]


@pytest.mark.parametrize("text", [" -2", "\u00a0+0,5", " -3.5%", " gewoon", "  's-Gravenhage"])
def test_numbers_and_texts_behind_white_space_need_no_quote(text):
    assert not formulas.is_formula_like(text)
    assert not formulas.needs_quote(pd.Series([text])).iloc[0]
