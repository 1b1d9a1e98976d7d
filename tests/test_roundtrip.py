"""A table downloaded from the Data page can be edited in Excel and imported again.

Coordinators keep the data current by download → edit → upload; the download has Dutch
(or English) headers and labels, so the importer must read exactly what we write, also
texts that a spreadsheet would take for a formula (the CSV's protective apostrophe must
not stay in the imported value) and texts that themselves begin with an apostrophe.
"""

import csv
import io

import openpyxl
import pandas as pd
import pytest

from cop.data import exports, presentation, storage
from cop.data.schema import DATA_TABLES
from cop.data.validation import validate_file

# Stored texts that begin with - + = @, with an apostrophe, or are numbers written as text.
TRICKY_TEXTS = (
    "-30% tegels in Noord",
    "+ 12 bomen erbij",
    '=HYPERLINK("http://example.org")',
    "@gemeente: bermen maaien",
    "'s-Hertogenbosch: groen schoolplein",
    "'=al met een apostrof opgeslagen",
    "''-twee apostrofs",
    "'+0,5",
    "+0,5",
    "-2",
    "-3.5%",
    "-",
    "'",
    # a formula behind white space: a space, a no-break space, U+3000, a tab, a line break
    ' =HYPERLINK("http://example.org")',
    "\u00a0=1+1",
    "\u3000@SUM(A1)",
    "\t=cmd",
    "\n-2+3",
)
TRICKY_COLUMNS = {"measures": ("title", "lessons_learned"), "help_questions": ("question",)}


@pytest.fixture(scope="module")
def demo_tables(demo_db_file):
    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    tables = {name: storage.read_table(engine, name) for name in DATA_TABLES}
    codes = storage.known_codes(engine)
    engine.dispose()
    for table, columns in TRICKY_COLUMNS.items():
        frame = tables[table].copy()
        for column in columns:
            values = frame[column].astype(object).to_numpy(copy=True)
            values[: len(TRICKY_TEXTS)] = TRICKY_TEXTS
            frame[column] = values
        tables[table] = frame
    return tables, codes


def _download(shown: pd.DataFrame, fmt: str, lang: str) -> bytes:
    if fmt == "csv":
        return exports.to_csv_bytes(shown, dutch=lang == "nl")
    return exports.to_excel_bytes({"tabel": shown})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("table", DATA_TABLES)
def test_data_page_download_imports_back_unchanged(demo_tables, table, lang, fmt):
    tables, codes = demo_tables
    original = tables[table]
    towns = tables["municipalities"]
    shown = presentation.labelled(
        presentation.with_municipality_names(original, towns), table, lang
    )
    report = validate_file(
        _download(shown, fmt, lang),
        table,
        known_codes=None if table == "municipalities" else codes,
        filename=f"{table}.{fmt}",
    )
    assert report.ok, report.messages("en", 5)
    pd.testing.assert_frame_equal(
        report.frame.reset_index(drop=True),
        original.reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        rtol=1e-9,
    )
    for column in TRICKY_COLUMNS.get(table, ()):
        back = report.frame[column].head(len(TRICKY_TEXTS)).tolist()
        assert back == list(TRICKY_TEXTS), column


def test_csv_download_protects_formula_like_texts(demo_tables):
    """The apostrophe that keeps a spreadsheet from running a text is in the file."""
    shown = demo_tables[0]["measures"].head(len(TRICKY_TEXTS))
    text = exports.to_csv_bytes(shown[["id", "title"]]).decode("utf-8-sig")
    cells = [row[1] for row in list(csv.reader(io.StringIO(text)))[1:]]
    assert cells == [
        "'-30% tegels in Noord",
        "'+ 12 bomen erbij",
        '\'=HYPERLINK("http://example.org")',
        "'@gemeente: bermen maaien",
        "'s-Hertogenbosch: groen schoolplein",
        "''=al met een apostrof opgeslagen",
        "'''-twee apostrofs",
        "'+0,5",
        "+0,5",
        "-2",
        "-3.5%",
        "'-",
        "'",
        '\' =HYPERLINK("http://example.org")',
        "'\u00a0=1+1",
        "'\u3000@SUM(A1)",
        "'\t=cmd",
        "'\n-2+3",
    ]


def test_excel_download_has_text_cells_never_formulas(demo_tables):
    shown = demo_tables[0]["measures"].head(len(TRICKY_TEXTS))[["id", "title"]]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_excel_bytes({"m": shown})))["m"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == list(TRICKY_TEXTS)
    assert {c.data_type for c in cells} == {"s"}
    assert [c.quotePrefix for c in cells] == [
        True, True, True, True, False, False, False, False, False, False, False, True, False,
        True, True, True, True, True,
    ]  # fmt: skip
