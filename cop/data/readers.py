"""Read a file a person uploads into a DataFrame of text cells.

Coordinators export from Dutch Excel (semicolons, decimal commas, Windows-1252), from
Google Sheets (UTF-8, commas) or save with a BOM; all of these are accepted. Anything that
is not a table gets a :class:`ReadError` with a catalog key, never a traceback.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cop.data import formulas

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t")
EXCEL_MAGIC = b"PK\x03\x04"


class ReadError(ValueError):
    """The file cannot be read as a table; ``key``/``params`` form the message."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(f"{key} {params}")
        self.key = key
        self.params = params


@dataclass
class RawTable:
    """Text cells plus what was detected, so a report can explain it."""

    frame: pd.DataFrame
    encoding: str
    delimiter: str
    decimal_comma: bool
    notes: list[str] = field(default_factory=list)


def read_raw(source: str | Path | bytes, filename: str | None = None) -> RawTable:
    """Read CSV (any of the accepted dialects) or .xlsx into text cells.

    Empty cells become ``<NA>``; surrounding white space is removed. In a CSV file the one
    protective apostrophe our exports put before a formula-like text is removed again
    (:func:`cop.data.formulas.unquote_text`); in a workbook a cell's text is taken as it
    is, because workbook cells have a type and our exports add no apostrophe there.
    """
    data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
    name = filename or (str(source) if isinstance(source, (str, Path)) else "upload")
    if not data.strip():
        raise ReadError("err.file_empty", file=name)
    if data.startswith(EXCEL_MAGIC):
        return _read_excel(data, name)
    if b"\x00" in data[:4096]:
        raise ReadError("err.file_not_csv", file=name)
    text, encoding = _decode(data, name)
    delimiter = _sniff_delimiter(text, name)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            on_bad_lines="error",
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ReadError("err.file_not_csv", file=name, detail=str(exc).splitlines()[0]) from exc
    if not _plausible_header(frame.columns):
        raise ReadError("err.file_not_csv", file=name)
    frame = formulas.unquote_frame(_clean(frame))
    if frame.empty:
        raise ReadError("err.file_no_rows", file=name)
    return RawTable(frame, encoding, delimiter, decimal_comma=delimiter == ";")


HEADER_CELL = re.compile(r"^[\w .()/-]{1,80}$")


def _plausible_header(columns: pd.Index) -> bool:
    """A table's first row names its columns; JSON, HTML or prose does not look like that."""
    names = [str(c).strip().lstrip("\ufeff") for c in columns]
    good = sum(bool(HEADER_CELL.match(n)) for n in names)
    return good >= max(1, len(names) // 2 + 1)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ReadError("err.file_encoding", file=name)


def _sniff_delimiter(text: str, name: str) -> str:
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        # A single-column file is only a table if its header is a plain column name.
        if header.strip().replace("_", "").isalnum():
            return ","
        raise ReadError("err.file_not_csv", file=name)
    return best


def _read_excel(data: bytes, name: str) -> RawTable:
    try:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ReadError("err.file_not_csv", file=name, detail=type(exc).__name__) from exc
    frame = _clean(frame)
    if frame.empty:
        raise ReadError("err.file_no_rows", file=name)
    return RawTable(frame, "xlsx", "xlsx", decimal_comma=False)


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalise headers and cells; the index becomes the row number a spreadsheet shows.

    Row 1 is the header, so the first data row is row 2. Completely empty rows (Excel
    leaves ``;;;;`` lines) are dropped without renumbering the rest.
    """
    frame.columns = [str(c).strip().lstrip("\ufeff").strip().lower() for c in frame.columns]
    frame = frame.astype("string")
    for column in frame.columns:
        stripped = frame[column].str.strip()
        frame[column] = stripped.mask(stripped == "", pd.NA)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame.dropna(how="all")
