"""Schema and validation: valid rows pass, every kind of bad input is named by row and column."""

import datetime as dt

import pandas as pd
import pytest

from cop.data.schema import TABLES, empty_frame
from cop.data.validation import validate_file, validate_frame

TODAY = dt.date(2026, 11, 29)
CODES = {"GM0344", "GM0363"}
MATURITY_HEADER = "municipality_code,year,dimension,level,note\n"


def check(text: str | bytes, table: str = "maturity", codes=CODES):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return validate_file(data, table, known_codes=codes, filename="t.csv", today=TODAY)


def problems(report):
    return {(i.row, i.column, i.key) for i in report.issues}


def test_valid_maturity_rows():
    report = check(
        MATURITY_HEADER + "GM0344,2025,vision_policy,3,\nGM0363,2026,knowledge_data,5,x\n"
    )
    assert report.ok, report.messages()
    assert report.frame["level"].tolist() == [3, 5]
    assert str(report.frame["level"].dtype) == "Int64"


def test_labels_are_accepted_and_stored_as_codes():
    report = check(
        MATURITY_HEADER + "GM0344,2025,Visie en beleid,3,\nGM0344,2025,KENNIS EN DATA,3,\n"
    )
    assert report.ok, report.messages()
    assert report.frame["dimension"].tolist() == ["vision_policy", "knowledge_data"]


@pytest.mark.parametrize("level", ["0", "6"])
def test_level_out_of_range(level):
    report = check(MATURITY_HEADER + f"GM0344,2025,vision_policy,{level},\n")
    key = "err.min" if level == "0" else "err.max"
    assert problems(report) == {(2, "level", key)}


def test_unknown_municipality_and_future_year():
    report = check(MATURITY_HEADER + "GM0001,2025,vision_policy,3,\nGM0344,2027,vision_policy,3,\n")
    assert problems(report) == {
        (2, "municipality_code", "err.unknown_municipality"),
        (3, "year", "err.future"),
    }
    message = report.issues[1].message("nl")
    assert "Rij 3" in message and "'year'" in message and "29 november 2026" in message


def test_duplicate_key_reported_once_on_the_second_row():
    report = check(MATURITY_HEADER + "GM0344,2025,vision_policy,3,\nGM0344,2025,vision_policy,4,\n")
    assert problems(report) == {(3, "municipality_code,year,dimension", "err.duplicate_key")}


def test_negative_count_and_not_a_number():
    text = (
        "municipality_code,site_id,scheme,species_group,species,year,count\n"
        "GM0344,S1,bee_count,bees,aardhommel,2020,-1\n"
        "GM0344,S1,bee_count,bees,aardhommel,2021,veel\n"
        "GM0344,S1,bee_count,bees,aardhommel,2022,\n"
    )
    report = check(text, "monitoring")
    assert problems(report) == {(2, "count", "err.min"), (3, "count", "err.not_a_number")}


def test_empty_count_is_not_counted_and_zero_is_kept():
    text = (
        "municipality_code,site_id,scheme,species_group,species,year,count\n"
        "GM0344,S1,bee_count,bees,aardhommel,2020,0\n"
        "GM0344,S1,bee_count,bees,aardhommel,2021,\n"
    )
    report = check(text, "monitoring")
    assert report.ok
    assert report.frame["count"].iloc[0] == 0 and pd.isna(report.frame["count"].iloc[1])


def test_missing_required_column():
    report = check("municipality_code,year,dimension\nGM0344,2025,vision_policy\n")
    assert problems(report) == {(None, "level", "err.missing_column")}


def test_semicolons_decimal_commas_and_windows_1252():
    text = (
        "id;municipality_code;title;theme;status;start_year;scale_value;scale_unit;lat;lon;"
        "cost_eur;updated_at\n"
        "7;GM0344;Bloemrijke berm Café;Bloemrijke bermen en bijenlinten;Gerealiseerd;2020;"
        "1.234,5;m;52,09;5,12;12.500;29-11-2025\n"
    )
    report = check(text.encode("cp1252"), "measures")
    assert report.ok, report.messages()
    row = report.frame.iloc[0]
    assert row["title"] == "Bloemrijke berm Café"
    assert (row["scale_value"], row["lat"], row["cost_eur"]) == (1234.5, 52.09, 12500.0)
    assert (row["theme"], row["status"]) == ("flower_verges", "realised")
    assert row["updated_at"] == pd.Timestamp("2025-11-29")


def test_utf8_with_bom():
    report = check("\ufeff" + MATURITY_HEADER + "GM0344,2025,vision_policy,3,Súdwest\n")
    assert report.ok, report.messages()
    assert report.frame["note"].iloc[0] == "Súdwest"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "err.file_empty"),
        (b"   \n\n", "err.file_empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "err.file_not_csv"),
        (b"PK\x03\x04not really a workbook", "err.file_not_csv"),
        (b'{"this": "is json", "not": ["a table"]}', "err.file_not_csv"),
        (MATURITY_HEADER.encode(), "err.file_no_rows"),
    ],
)
def test_unreadable_files(data, key):
    report = check(data)
    assert not report.ok
    assert [i.key for i in report.issues] == [key]


def test_blank_lines_keep_spreadsheet_row_numbers():
    report = check(
        MATURITY_HEADER + "GM0344,2025,vision_policy,3,\n\nGM0344,2025,knowledge_data,9,\n"
    )
    assert problems(report) == {(4, "level", "err.max")}


def test_measure_cross_column_rules():
    text = (
        "id,municipality_code,title,theme,status,start_year,scale_value,scale_unit,lat,lon,"
        "updated_at\n"
        "1,GM0344,A,depaving,realised,2030,10,m2,,,2025-01-01\n"
        "2,GM0344,B,depaving,planned,2030,10,,52.1,,2025-01-01\n"
        "3,GM0344,C,depaving,planned,2028,,,,,2025-01-01\n"
    )
    assert problems(check(text, "measures")) == {
        (2, "start_year", "err.start_year_future"),
        (3, "scale_unit", "err.unit_missing"),
        (3, "lat", "err.half_coordinate"),
    }


def test_bad_email_url_and_code_pattern():
    text = "id,municipality_code,name,email\n1,GM344,A,a@b.nl\n2,GM0344,B,not-an-address\n"
    report = check(text, "contacts")
    assert problems(report) == {
        (2, "municipality_code", "err.code_pattern"),
        (2, "municipality_code", "err.unknown_municipality"),
        (3, "email", "err.email"),
    }


def test_every_table_accepts_its_empty_template():
    for table in TABLES:
        report = validate_frame(empty_frame(table), table, known_codes=CODES, today=TODAY)
        assert report.ok, (table, report.messages())


def test_issue_messages_are_translated():
    report = check(MATURITY_HEADER + "GM0344,2025,vision_policy,6,\n")
    assert report.issues[0].message("en").startswith("Row 2, column 'level'")
    assert report.issues[0].message("nl").startswith("Rij 2, kolom 'level'")
    assert "problemen gevonden: 1" in report.summary("nl")
