"""A table downloaded from the Data page can be edited in Excel and imported again.

Coordinators keep the data current by download → edit → upload; the download has Dutch
(or English) headers and labels, so the importer must read exactly what we write.
"""

import pandas as pd
import pytest

from cop.data import exports, presentation, storage
from cop.data.schema import TABLE_ORDER
from cop.data.validation import validate_file


@pytest.fixture(scope="module")
def demo_tables(demo_db_file):
    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    tables = {name: storage.read_table(engine, name) for name in TABLE_ORDER}
    codes = storage.known_codes(engine)
    engine.dispose()
    return tables, codes


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("table", TABLE_ORDER)
def test_data_page_download_imports_back_unchanged(demo_tables, table, lang):
    tables, codes = demo_tables
    original = tables[table]
    towns = tables["municipalities"]
    shown = presentation.labelled(
        presentation.with_municipality_names(original, towns), table, lang
    )
    data = exports.to_csv_bytes(shown, dutch=lang == "nl")
    report = validate_file(
        data,
        table,
        known_codes=None if table == "municipalities" else codes,
        filename=f"{table}.csv",
    )
    assert report.ok, report.messages("en", 5)
    pd.testing.assert_frame_equal(
        report.frame.reset_index(drop=True),
        original.reset_index(drop=True),
        check_dtype=False,
        check_exact=False,
        rtol=1e-9,
    )
