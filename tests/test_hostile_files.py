"""Hostile files are refused cheaply, with a message naming the file and the limit.

The two files of the issue (a 3.7 KB workbook claiming every cell of the grid; a small
workbook unpacking to hundreds of megabytes) are built here byte by byte
(:mod:`tests.hostile_files`) and read in a child process that may use at most 500 MB of
address space and 10 s of CPU (``RLIMIT_CPU``; the kernel stops it beyond that): a
functional limit (the old reader needed 23.5 GB and 184 s of CPU), not a timing
measurement, so a busy machine's wall clock cannot fail it.
"""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from cop.data import readers
from cop.data.readers import Limits, ReadError, read_raw
from cop.data.validation import validate_file
from tests.conftest import ROOT
from tests.hostile_files import (
    far_cell_workbook,
    high_ratio_workbook,
    many_parts_workbook,
    rows_workbook,
)

MEMORY_CAP = 500 * 1024 * 1024
ANSWER_CPU_SECONDS = 10
WALL_SECONDS = 180  # only so a hung child cannot hang the suite

# Reads one file under the memory cap and prints the report (run as `python -c`).
CHILD = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    resource.setrlimit(resource.RLIMIT_CPU, ({cpu}, {cpu}))
    from pathlib import Path
    from cop.data.validation import validate_file
    report = validate_file(Path(sys.argv[1]), "maturity", known_codes=None)
    print(report.issues[0].key if report.issues else "ok")
    print(report.messages("en")[0] if report.issues else "")
    """
)


def _read_capped(path: Path) -> tuple[str, str]:
    """Key and message of the first problem, read in a child under the memory cap."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    # One thread per numeric library: their per-thread buffers would count against the cap.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MALLOC_ARENA_MAX="2")
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(cap=MEMORY_CAP, cpu=ANSWER_CPU_SECONDS), str(path)],
        capture_output=True,
        text=True,
        timeout=WALL_SECONDS,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    key, message = done.stdout.splitlines()[:2]
    return key, message


def test_a_tiny_workbook_claiming_the_whole_grid_is_refused_under_a_memory_cap(tmp_path):
    path = far_cell_workbook(tmp_path / "far.xlsx")
    assert path.stat().st_size < 4096
    key, message = _read_capped(path)
    assert key == "err.xlsx_declared_size"
    assert "far.xlsx" in message and "1,048,576 rows by 16,384 columns" in message
    assert "1,500,000 rows and 100 columns" in message


def test_a_far_cell_without_a_declared_size_is_refused_by_the_real_width(tmp_path):
    path = far_cell_workbook(tmp_path / "far.xlsx", declared=False)
    key, message = _read_capped(path)
    assert key == "err.file_too_many_columns"
    assert "16,384 columns; the limit is 100" in message


def test_a_highly_compressed_workbook_is_refused_before_unpacking(tmp_path):
    path = high_ratio_workbook(tmp_path / "packed.xlsx", unpacked_mb=120)
    assert path.stat().st_size < 2 * 1024 * 1024  # 120 MB of XML in under 2 MB
    key, message = _read_capped(path)
    assert key == "err.xlsx_ratio"
    assert "packed.xlsx" in message and "the limit is 100 times" in message


def test_the_memory_cap_is_real(tmp_path):
    """The child does fail when it needs more than the cap, so the tests above can fail."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    script = CHILD.format(cap=MEMORY_CAP, cpu=ANSWER_CPU_SECONDS).replace(
        "from pathlib import Path", "big = bytearray(600 * 1024 * 1024)\nfrom pathlib import Path"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "x"], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode != 0 and "MemoryError" in done.stderr


@pytest.mark.parametrize(
    ("limits", "key"),
    [
        (Limits(max_zip_entries=20), "err.xlsx_too_many_parts"),
        (Limits(max_unpacked_bytes=1000), "err.xlsx_unpacked_too_large"),
        (Limits(max_file_bytes=1000), "err.file_too_large"),
    ],
)
def test_archive_limits_are_checked_before_parsing(tmp_path, limits, key):
    path = many_parts_workbook(tmp_path / "parts.xlsx", parts=30)
    with pytest.raises(ReadError) as refused:
        read_raw(path, "parts.xlsx", limits=limits)
    assert refused.value.key == key
    assert refused.value.params["file"] == "parts.xlsx"


def test_real_rows_and_cells_of_a_sheet_are_counted_while_streaming(tmp_path):
    rows = [["code", "name"]] + [[f"GM{i:04d}", "x"] for i in range(30)]
    path = rows_workbook(tmp_path / "rows.xlsx", rows)  # no declared size
    with pytest.raises(ReadError) as refused:
        read_raw(path, "rows.xlsx", limits=Limits(max_rows=20))
    assert refused.value.key == "err.file_too_many_rows"
    with pytest.raises(ReadError) as refused:
        read_raw(path, "rows.xlsx", limits=Limits(max_cells=40))
    assert refused.value.key == "err.file_too_many_cells"
    declared = rows_workbook(tmp_path / "declared.xlsx", rows, dimension="A1:B31")
    with pytest.raises(ReadError) as refused:
        read_raw(declared, "declared.xlsx", limits=Limits(max_rows=20))
    assert refused.value.key == "err.xlsx_declared_size"
    assert read_raw(path, "rows.xlsx").frame["code"].tolist()[:2] == ["GM0000", "GM0001"]


def test_csv_limits_rows_columns_and_size():
    data = ("a,b\n" + "1,2\n" * 30).encode()
    with pytest.raises(ReadError) as refused:
        read_raw(data, "t.csv", limits=Limits(max_rows=20))
    assert refused.value.key == "err.file_too_many_rows"
    with pytest.raises(ReadError) as refused:
        read_raw(data, "t.csv", limits=Limits(max_cells=30))
    assert refused.value.key == "err.file_too_many_cells"
    wide = (",".join(f"c{i}" for i in range(101)) + "\n" + ",".join("1" * 101) + "\n").encode()
    with pytest.raises(ReadError) as refused:
        read_raw(wide, "wide.csv")
    assert (refused.value.key, refused.value.params["found"]) == ("err.file_too_many_columns", 101)
    with pytest.raises(ReadError) as refused:
        read_raw(data, "t.csv", limits=Limits(max_file_bytes=50))
    assert refused.value.key == "err.file_too_large"
    assert len(read_raw(data, "t.csv", limits=Limits(max_rows=30)).frame) == 30


def test_a_large_csv_file_is_refused_from_its_size_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 100)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(ReadError) as refused:
        read_raw(path, "big.csv", limits=Limits(max_file_bytes=100))
    assert refused.value.key == "err.file_too_large"


def test_a_csv_header_line_of_megabytes_is_not_a_table():
    data = b"a" * (readers._HEADER_BYTES + 10) + b"\n1\n"
    with pytest.raises(ReadError) as refused:
        read_raw(data, "long.csv")
    assert refused.value.key == "err.file_not_csv"


def test_workbook_values_read_as_before(tmp_path):
    """Dates, numbers, yes/no and texts of a real workbook come through as their text."""
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Naam", "Jaar", "Aandeel", "Datum", "Partner"])
    sheet.append(["=1+1 als tekst", 2019, 12.5, dt.datetime(2026, 11, 29), True])
    sheet.append([None, None, None, None, None])  # an empty row keeps the numbering
    sheet.append(["  Súdwest-Fryslân ", 2020.0, -3, dt.datetime(2026, 1, 2, 13, 5), False])
    sheet["A2"].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    frame = read_raw(buffer.getvalue(), "t.xlsx").frame
    assert list(frame.columns) == ["naam", "jaar", "aandeel", "datum", "partner"]
    assert frame.index.tolist() == [2, 4]
    assert frame.loc[2].tolist() == ["=1+1 als tekst", "2019", "12.5", "2026-11-29", "True"]
    assert frame.loc[4].tolist() == [
        "Súdwest-Fryslân",
        "2020",
        "-3",
        "2026-01-02 13:05:00",
        "False",
    ]


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda d: d / "missing.csv", "err.file_missing"),
        (lambda d: d, "err.file_is_directory"),
    ],
)
def test_a_missing_file_or_a_folder_is_a_read_error(tmp_path, make, key):
    report = validate_file(make(tmp_path), "maturity", known_codes=None)
    assert [issue.key for issue in report.issues] == [key]


def test_the_cli_refuses_a_hostile_workbook_with_exit_2_and_one_line(tmp_path, monkeypatch, capsys):
    from cop.cli.main import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cop.sqlite'}")
    path = far_cell_workbook(tmp_path / "far.xlsx")
    assert main(["validate", "maturity", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "far.xlsx" in err and "16,384 columns" in err


def test_the_data_page_upload_uses_the_same_reader(tmp_path):
    from cop.access import editing
    from cop.data import storage

    engine = storage.make_engine(f"sqlite:///{tmp_path / 'cop.sqlite'}")
    storage.migrate(engine)
    path = high_ratio_workbook(tmp_path / "packed.xlsx", unpacked_mb=20)
    report = editing.import_upload(
        engine, "maturity", path.read_bytes(), "upload.xlsx", role="coordinator"
    )
    assert [issue.key for issue in report.issues] == ["err.xlsx_ratio"]
    assert "upload.xlsx" in report.messages("nl")[0]
