"""CSV and Excel files that people can open safely and use as they are.

Excel files get a bold header row, frozen panes, column widths that fit the content and
real dates. Nothing in a downloaded file runs as a formula (CSV/formula injection), and a
file imports back to exactly what was stored:

* CSV has no cell types, so a text a spreadsheet could take for a formula gets one
  protective apostrophe that the importer removes again (:mod:`cop.data.formulas`);
* in an Excel workbook every text is written as a text cell, see :func:`to_excel_bytes`.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cop.data import formulas

EXCEL_MAX_ROWS = 1_048_575
MAX_COLUMN_WIDTH = 60


class ExportTooLarge(ValueError):
    """The table does not fit in one Excel sheet."""


def to_csv_bytes(frame: pd.DataFrame, *, dutch: bool = False) -> bytes:
    """UTF-8 CSV with BOM, so that Excel opens accents (Fryslân) correctly on a double-click.

    ``dutch`` writes what Dutch Excel expects on a double-click: semicolons between
    columns and decimal commas (our importer reads both forms back).
    """
    options = {"sep": ";", "decimal": ","} if dutch else {}
    text = formulas.quote_frame(frame).to_csv(index=False, lineterminator="\n", **options)
    return text.encode("utf-8-sig")


def to_excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a formatted sheet per frame (sheet names cut to Excel's 31 characters).

    Texts are written exactly as stored, without the protective apostrophe of the CSV
    files, because a workbook's cells have a type: every text becomes a text cell
    (``t="inlineStr"``), which Excel and LibreOffice show as text and never evaluate, even
    when it reads ``=HYPERLINK(...)``. (openpyxl on its own would write a string that
    starts with ``=`` as a formula; :func:`_text_cell` prevents that.) A text that would
    run as a formula if typed also gets Excel's "quote prefix" style, the mark Excel itself
    stores when a person types a leading apostrophe, so that editing the cell in Excel keeps
    it text. An apostrophe in a cell of a workbook is therefore always part of the text,
    and the importer leaves it alone.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        if len(frame) > EXCEL_MAX_ROWS:
            raise ExportTooLarge(f"{name}: {len(frame):,} rows do not fit in an Excel sheet")
        _write_sheet(workbook, name[:31], frame)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([_text_cell(sheet, str(c)) for c in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_columns = [
        i for i, c in enumerate(frame.columns) if pd.api.types.is_datetime64_any_dtype(frame[c])
    ]
    values = frame.astype(object).where(frame.notna(), None)
    for row in values.itertuples(index=False, name=None):
        sheet.append([_excel_value(sheet, v) for v in row])
    for i in date_columns:
        letter = get_column_letter(i + 1)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
            cell.number_format = "dd-mm-yyyy"
        sheet.column_dimensions[letter].width = 12
    for i, column in enumerate(frame.columns):
        if i in date_columns:
            continue
        sample = frame[column].head(500).astype("string").fillna("")
        longest = (
            max([len(str(column)), *(len(v) for v in sample)]) if len(sample) else len(str(column))
        )
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(
            MAX_COLUMN_WIDTH, max(8, longest + 2)
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _text_cell(sheet: Worksheet, text: str) -> Cell:
    """A cell that holds ``text`` as text, whatever it starts with.

    Control characters other than tab and line breaks cannot be stored in a workbook at all
    (openpyxl refuses them); they are written as their visible escape (``\\x1b``), as the
    pages show them, instead of failing the whole download.
    """
    text = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    cell = Cell(sheet, value=text)
    cell.data_type = "s"
    if formulas.is_formula_like(text):
        cell.quotePrefix = True
    return cell


def _excel_value(sheet: Worksheet, value: object) -> object:
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_tables(tables: dict[str, pd.DataFrame], out: Path, fmt: str = "csv") -> list[Path]:
    """Write tables to ``out``: a folder of CSV files, or one .xlsx workbook.

    Pictures (bytes cells: the photos of practices) travel in CSV as base64 text, which
    ``import photos`` reads back. A workbook cannot hold them (a cell has at most 32,767
    characters), so its sheets leave such columns out: use CSV for a backup.
    """
    if fmt == "xlsx":
        target = out if out.suffix == ".xlsx" else out.with_suffix(".xlsx")
        target.parent.mkdir(parents=True, exist_ok=True)
        sheets = {name: frame.drop(columns=bytes_columns(frame)) for name, frame in tables.items()}
        target.write_bytes(to_excel_bytes(sheets))
        return [target]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        path.write_bytes(to_csv_bytes(with_base64(frame)))
        paths.append(path)
    return paths


def bytes_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that hold bytes (pictures)."""
    return [
        column
        for column in frame.columns
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, bytes)).any()
    ]


def with_base64(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with bytes cells as base64 text (how a CSV file carries a picture)."""
    columns = bytes_columns(frame)
    if not columns:
        return frame
    out = frame.copy()
    for column in columns:
        out[column] = out[column].map(
            lambda v: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v
        )
    return out
