"""Read a file a person uploads into a DataFrame of text cells, refusing hostile files cheaply.

Coordinators export from Dutch Excel (semicolons, decimal commas, Windows-1252), from
Google Sheets (UTF-8, commas) or save with a BOM; all of these are accepted. Anything that
is not a table gets a :class:`ReadError` with a catalog key, never a traceback.

Why limits (:class:`Limits`): a file is read on the server that everyone uses, so a file
must never cost more than the largest real table does. A 3.7 KB workbook whose
``<dimension>`` claims ``A1:XFD1048576`` made the old reader (pandas on openpyxl) build
16,384 × 1,048,576 cells, and a 3.7 MB workbook unpacked to 738 MB of XML. So, before any
parsing: the file size; for a workbook (a zip archive) the number of parts, their unpacked
size and compression ratio as the archive's directory declares them (Python's ``zipfile``
never unpacks more than the declared size, so the declaration is a real bound), and the
sheet size the sheet declares. Then the sheet is read as a stream (openpyxl's read-only
mode with the declared size ignored), counting real rows, columns and cells and stopping
at the first one over a limit. CSV is parsed with a row cap derived from the limits, from
the bytes (no decoded copy of the whole file).

The limits are far above the real tables (the largest, monitoring counts, reaches about a
million rows of 9 columns: an 80 MB CSV or a 450 MB unpacked sheet).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cop.data import formulas

ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t")
EXCEL_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024
_DECODE_CHUNK = 4 * MB
_HEADER_BYTES = 64 * 1024  # a header line longer than this is not a table's header


@dataclass(frozen=True)
class Limits:
    """What a file may cost at most; anything beyond is refused before or while reading.

    ``ratio_min_bytes``: parts smaller than this are not held to ``max_ratio`` (a few
    kilobytes of repeated XML compress very well and cost nothing).
    """

    max_file_bytes: int = 200 * MB  # also Streamlit's upload limit (.streamlit/config.toml)
    max_rows: int = 1_500_000
    max_columns: int = 100
    max_cells: int = 25_000_000
    max_zip_entries: int = 500
    max_unpacked_bytes: int = 1024 * MB
    max_ratio: int = 100
    ratio_min_bytes: int = 1 * MB


LIMITS = Limits()


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


def read_raw(
    source: str | Path | bytes, filename: str | None = None, *, limits: Limits = LIMITS
) -> RawTable:
    """Read CSV (any of the accepted dialects) or .xlsx into text cells.

    Empty cells become ``<NA>``; surrounding white space is removed. In a CSV file the one
    protective apostrophe our exports put before a formula-like text is removed again
    (:func:`cop.data.formulas.unquote_text`); in a workbook a cell's text is taken as it
    is, because workbook cells have a type and our exports add no apostrophe there. A
    file over one of the ``limits`` raises :class:`ReadError` naming the limit.
    """
    name = filename or (str(source) if isinstance(source, (str, Path)) else "upload")
    data = _file_bytes(source, name, limits)
    if not data.strip():
        raise ReadError("err.file_empty", file=name)
    if data.startswith(EXCEL_MAGIC):
        return _read_excel(data, name, limits)
    if b"\x00" in data[:4096]:
        raise ReadError("err.file_not_csv", file=name)
    return _read_csv(data, name, limits)


def _megabytes(size: int) -> int:
    return max(1, round(size / MB))


def _file_bytes(source: str | Path | bytes, name: str, limits: Limits) -> bytes:
    """The file's bytes; its size is checked before a path is read."""
    if not isinstance(source, (str, Path)):
        data = bytes(source)
        _check_size(len(data), name, limits)
        return data
    path = Path(source)
    try:
        if path.is_dir():
            raise ReadError("err.file_is_directory", file=name)
        _check_size(path.stat().st_size, name, limits)
        return path.read_bytes()
    except FileNotFoundError:
        raise ReadError("err.file_missing", file=name) from None
    except PermissionError:
        raise ReadError("err.file_unreadable", file=name) from None
    except IsADirectoryError:
        raise ReadError("err.file_is_directory", file=name) from None
    except OSError as exc:
        raise ReadError("err.file_unreadable", file=name, detail=exc.strerror) from None


def _check_size(size: int, name: str, limits: Limits) -> None:
    if size > limits.max_file_bytes:
        raise ReadError(
            "err.file_too_large",
            file=name,
            found=_megabytes(size),
            limit=_megabytes(limits.max_file_bytes),
        )


# ---------------------------------------------------------------- CSV


def _read_csv(data: bytes, name: str, limits: Limits) -> RawTable:
    encoding = _encoding(data, name)
    header = _header_line(data, encoding, name)
    delimiter = _sniff_delimiter(header, name)
    columns = len(next(csv.reader([header], delimiter=delimiter), []))
    if columns > limits.max_columns:
        raise ReadError(
            "err.file_too_many_columns", file=name, found=columns, limit=limits.max_columns
        )
    row_cap = min(limits.max_rows, limits.max_cells // max(columns, 1))
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            encoding=encoding,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            on_bad_lines="error",
            skip_blank_lines=False,
            nrows=row_cap + 1,  # one more than allowed tells that there are too many
        )
    except (pd.errors.ParserError, csv.Error, UnicodeDecodeError) as exc:
        raise ReadError("err.file_not_csv", file=name, detail=str(exc).splitlines()[0]) from exc
    if len(frame) > row_cap:
        _refuse_size(name, limits, rows=len(frame), columns=columns)
    if not _plausible_header(frame.columns):
        raise ReadError("err.file_not_csv", file=name)
    frame = formulas.unquote_frame(_clean(frame))
    if frame.empty:
        raise ReadError("err.file_no_rows", file=name)
    return RawTable(frame, encoding, delimiter, decimal_comma=delimiter == ";")


def _refuse_size(name: str, limits: Limits, *, rows: int, columns: int) -> None:
    """Raise the message for the limit a table of ``rows`` data rows × ``columns`` breaks."""
    if columns > limits.max_columns:
        raise ReadError(
            "err.file_too_many_columns", file=name, found=columns, limit=limits.max_columns
        )
    if rows > limits.max_rows:
        raise ReadError("err.file_too_many_rows", file=name, limit=limits.max_rows)
    raise ReadError("err.file_too_many_cells", file=name, limit=limits.max_cells)


HEADER_CELL = re.compile(r"^[\w .()/-]{1,80}$")


def _plausible_header(columns: pd.Index) -> bool:
    """A table's first row names its columns; JSON, HTML or prose does not look like that."""
    names = [str(c).strip().lstrip("\ufeff") for c in columns]
    good = sum(bool(HEADER_CELL.match(n)) for n in names)
    return good >= max(1, len(names) // 2 + 1)


def _encoding(data: bytes, name: str) -> str:
    """The first accepted encoding that decodes every byte, checked chunk by chunk.

    The decoded text is thrown away: pandas decodes the bytes again as it parses, so the
    whole file never exists twice as text.
    """
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _DECODE_CHUNK):
                decoder.decode(data[start : start + _DECODE_CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ReadError("err.file_encoding", file=name)


def _header_line(data: bytes, encoding: str, name: str) -> str:
    head = data[:_HEADER_BYTES]
    end = head.find(b"\n")
    if end < 0 and len(data) > _HEADER_BYTES:
        raise ReadError("err.file_not_csv", file=name)
    line = head if end < 0 else head[:end]
    return line.decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r")


def _sniff_delimiter(header: str, name: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        # A single-column file is only a table if its header is a plain column name.
        if header.strip().replace("_", "").isalnum():
            return ","
        raise ReadError("err.file_not_csv", file=name)
    return best


# ---------------------------------------------------------------- Excel workbooks


def _read_excel(data: bytes, name: str, limits: Limits) -> RawTable:
    _check_archive(data, name, limits)
    from openpyxl import load_workbook  # only workbooks need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise ReadError("err.file_not_csv", file=name, detail=type(exc).__name__) from exc
    try:
        numbered = _sheet_rows(workbook, name, limits)
    except ReadError:
        raise
    except Exception as exc:  # a broken sheet fails while it is read
        raise ReadError("err.file_not_csv", file=name, detail=type(exc).__name__) from exc
    finally:
        workbook.close()
    if not numbered:
        raise ReadError("err.file_empty", file=name)
    (_, header), body = numbered[0], numbered[1:]
    width = max(len(values) for _, values in numbered)
    names = _unique([_cell_text(v) for v in header] + [""] * (width - len(header)))
    frame = pd.DataFrame(
        [[_cell_text(v) for v in values] + [""] * (width - len(values)) for _, values in body],
        columns=names,
        dtype="string",
    )
    frame = _clean(frame, rows=[number for number, _ in body])
    if frame.empty:
        raise ReadError("err.file_no_rows", file=name)
    return RawTable(frame, "xlsx", "xlsx", decimal_comma=False)


def _check_archive(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a workbook whose zip directory declares too many or too large parts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ReadError("err.file_not_csv", file=name, detail=type(exc).__name__) from exc
    if len(entries) > limits.max_zip_entries:
        raise ReadError(
            "err.xlsx_too_many_parts", file=name, found=len(entries), limit=limits.max_zip_entries
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise ReadError(
            "err.xlsx_unpacked_too_large",
            file=name,
            found=_megabytes(unpacked),
            limit=_megabytes(limits.max_unpacked_bytes),
        )
    for entry in entries:
        if entry.file_size < limits.ratio_min_bytes:
            continue
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > limits.max_ratio:
            raise ReadError("err.xlsx_ratio", file=name, found=round(ratio), limit=limits.max_ratio)


def _sheet_rows(workbook: object, name: str, limits: Limits) -> list[tuple[int, tuple]]:
    """The non-empty rows of the first sheet with their row numbers, within the limits.

    The size the sheet declares is checked first; then it is ignored
    (``reset_dimensions``), because openpyxl would otherwise pad every row to the declared
    width and fill every missing row up to the declared height.
    """
    sheets = workbook.worksheets  # type: ignore[attr-defined]
    if not sheets:
        raise ReadError("err.file_not_csv", file=name)
    sheet = sheets[0]
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if (
        rows - 1 > limits.max_rows
        or columns > limits.max_columns
        or rows * columns > limits.max_cells
    ):
        raise ReadError(
            "err.xlsx_declared_size",
            file=name,
            rows=rows,
            columns=columns,
            max_rows=limits.max_rows,
            max_columns=limits.max_columns,
        )
    sheet.reset_dimensions()
    numbered: list[tuple[int, tuple]] = []
    cells = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number - 1 > limits.max_rows:
            raise ReadError("err.file_too_many_rows", file=name, limit=limits.max_rows)
        used = _trimmed(values)
        if not used:
            continue
        if len(used) > limits.max_columns:
            raise ReadError(
                "err.file_too_many_columns", file=name, found=len(used), limit=limits.max_columns
            )
        cells += len(used)
        if cells > limits.max_cells:
            raise ReadError("err.file_too_many_cells", file=name, limit=limits.max_cells)
        numbered.append((number, used))
    return numbered


def _trimmed(values: tuple) -> tuple:
    """The row without its trailing empty cells (formatted but empty cells are common)."""
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    return values[:end]


def _cell_text(value: object) -> str:
    """A workbook value as the text a person sees (what pandas' Excel reader gave before)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _unique(names: Iterable[str]) -> list[str]:
    """Header names made unique as pandas does (``a``, ``a.1``); empty ones ``Unnamed: i``."""
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(names):
        name = raw if raw.strip() else f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _clean(frame: pd.DataFrame, rows: list[int] | None = None) -> pd.DataFrame:
    """Normalise headers and cells; the index becomes the row number a spreadsheet shows.

    Cells lose their surrounding white space, except leading white space before a formula
    (:func:`cop.data.formulas.hidden_behind_space`), so that such a stored text imports back
    exactly as it was downloaded.

    Row 1 is the header, so the first data row of a CSV file is row 2; a workbook gives its
    own row numbers (``rows``). Completely empty rows (Excel leaves ``;;;;`` lines) are
    dropped without renumbering the rest.
    """
    frame.columns = [str(c).strip().lstrip("\ufeff").strip().lower() for c in frame.columns]
    frame = frame.astype("string")
    for column in frame.columns:
        cells = frame[column]
        # White space that hides a formula (" =x", what our own exports store) is kept.
        stripped = cells.str.rstrip().where(formulas.hidden_behind_space(cells), cells.str.strip())
        frame[column] = stripped.mask(stripped == "", pd.NA)
    frame.index = pd.Index(rows) if rows is not None else pd.RangeIndex(2, len(frame) + 2)
    return frame.dropna(how="all")
