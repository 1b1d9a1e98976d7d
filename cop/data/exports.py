"""CSV and Excel files that people can open safely and use as they are.

Excel files get a bold header row, frozen panes, column widths that fit the content and
real dates. Text cells that begin with ``=``, ``+``, ``-`` or ``@`` are prefixed with an
apostrophe-like quote so that a spreadsheet shows them as text instead of running them as
formulas (CSV/formula injection).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# "-2", "+0,5" or "-3.5%" are numbers written as text, not formulas: left as they are.
PLAIN_NUMBER = r"[-+]?\d+([.,]\d+)?%?"
EXCEL_MAX_ROWS = 1_048_575
MAX_COLUMN_WIDTH = 60


class ExportTooLarge(ValueError):
    """The table does not fit in one Excel sheet."""


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would execute with a single quote."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
            continue
        text = series.astype("string")
        plain_number = text.str.fullmatch(PLAIN_NUMBER).fillna(False).astype(bool)
        risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool) & ~plain_number
        if risky.any():
            out[column] = text.mask(risky, "'" + text)
    return out


def to_csv_bytes(frame: pd.DataFrame, *, dutch: bool = False) -> bytes:
    """UTF-8 CSV with BOM, so that Excel opens accents (Fryslân) correctly on a double-click.

    ``dutch`` writes what Dutch Excel expects on a double-click: semicolons between
    columns and decimal commas (our importer reads both forms back).
    """
    options = {"sep": ";", "decimal": ","} if dutch else {}
    text = neutralise_formulas(frame).to_csv(index=False, lineterminator="\n", **options)
    return text.encode("utf-8-sig")


def to_excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a formatted sheet per frame (sheet names cut to Excel's 31 characters)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        if len(frame) > EXCEL_MAX_ROWS:
            raise ExportTooLarge(f"{name}: {len(frame):,} rows do not fit in an Excel sheet")
        _write_sheet(workbook, name[:31], neutralise_formulas(frame))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_columns = [
        i for i, c in enumerate(frame.columns) if pd.api.types.is_datetime64_any_dtype(frame[c])
    ]
    values = frame.astype(object).where(frame.notna(), None)
    for row in values.itertuples(index=False, name=None):
        sheet.append([_excel_value(v) for v in row])
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


def _excel_value(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def write_tables(tables: dict[str, pd.DataFrame], out: Path, fmt: str = "csv") -> list[Path]:
    """Write tables to ``out``: a folder of CSV files, or one .xlsx workbook."""
    if fmt == "xlsx":
        target = out if out.suffix == ".xlsx" else out.with_suffix(".xlsx")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(to_excel_bytes(tables))
        return [target]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        path.write_bytes(to_csv_bytes(frame))
        paths.append(path)
    return paths
