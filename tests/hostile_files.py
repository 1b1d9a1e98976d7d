"""Hostile spreadsheet files built byte by byte, for the reader's limits (tests only).

Real workbooks are zip archives of XML parts; these builders write the few parts a
spreadsheet program needs, so a test can claim any sheet size or pack any amount of XML
into a few kilobytes without a spreadsheet library doing it for us.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _write(path: Path, sheet_parts) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part.encode())
    return path


def far_cell_workbook(path: Path, *, declared: bool = True) -> Path:
    """Two cells, A1 and XFD1048576 (the last cell Excel has), in a few kilobytes.

    With ``declared`` the sheet's ``<dimension>`` also claims the whole grid, as the file
    of the issue did; without it only the far cell itself says how big the sheet is.
    """
    dimension = '<dimension ref="A1:XFD1048576"/>' if declared else ""
    return _write(
        path,
        [
            SHEET_START,
            dimension,
            "<sheetData>",
            f'<row r="1">{_cell("A1", "municipality_code")}</row>',
            f'<row r="1048576">{_cell("XFD1048576", "GM0344")}</row>',
            "</sheetData></worksheet>",
        ],
    )


def high_ratio_workbook(path: Path, *, unpacked_mb: int = 120) -> Path:
    """A valid sheet whose ``unpacked_mb`` MB of identical rows pack into a few hundred KB.

    Rows without ``r`` attributes repeat byte for byte, so deflate shrinks them about a
    thousand times: the shape of the 3.7 MB file of the issue that unpacked to 738 MB.
    """
    row = "<row>" + _cell("", "x").replace(' r=""', "") * 10 + "</row>"
    block = row * (1024 * 1024 // len(row) + 1)

    def parts():
        yield SHEET_START + "<sheetData>"
        yield '<row><c t="inlineStr"><is><t>municipality_code</t></is></c></row>'
        for _ in range(unpacked_mb):
            yield block
        yield "</sheetData></worksheet>"

    return _write(path, parts())


def rows_workbook(path: Path, rows: list[list[str]], *, dimension: str | None = None) -> Path:
    """A sheet of ``rows`` (text cells), with a ``<dimension>`` only when one is given."""
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{_column_letter(c)}{r}", text) for c, text in enumerate(row, start=1))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return _write(path, [SHEET_START, declared, "<sheetData>", body, "</sheetData></worksheet>"])


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def many_parts_workbook(path: Path, parts: int) -> Path:
    """A small valid workbook plus ``parts`` tiny extra zip entries."""
    _write(path, [SHEET_START, "<sheetData>", f'<row r="1">{_cell("A1", "code")}</row>',
                  "</sheetData></worksheet>"])  # fmt: skip
    with zipfile.ZipFile(path, "a") as archive:
        for i in range(parts):
            archive.writestr(f"extra/part{i}.xml", "<x/>")
    return path
