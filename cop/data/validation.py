"""Validate a table a person supplies and explain every problem by row and column.

The flow is: read text cells (:mod:`cop.data.readers`) -> map vocabulary labels to codes ->
parse numbers, dates and yes/no cells (reporting the cells that are not) -> run the
declared pandera schema (:mod:`cop.data.schema`) -> one :class:`Issue` per problem. Nothing is
stored here; :mod:`cop.data.storage` only writes a frame whose report is clean.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from cop.core import i18n, vocab
from cop.core.text import plain
from cop.data import names
from cop.data.readers import RawTable, ReadError, read_raw
from cop.data.schema import CODE_PATTERN, TABLES, Field, build_schema

TRUE_WORDS = frozenset({"true", "1", "yes", "ja", "waar", "y", "j", "x"})
FALSE_WORDS = frozenset({"false", "0", "no", "nee", "onwaar", "n"})
DUTCH_NUMBER = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
MAX_ISSUES = 1000
# Parameters that are counts or sizes, written with the language's thousands separator.
NUMBER_PARAMS = frozenset({"found", "limit", "rows", "columns", "max_rows", "max_columns"})


@dataclass(frozen=True)
class Issue:
    """One problem: ``row`` is the spreadsheet row (header = 1), ``None`` for the whole file."""

    row: int | None
    column: str | None
    key: str
    value: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        """One line; control characters of the file (``\\x1b[31m``, ``\\r``) shown escaped,
        so a cell can never recolour or rewrite a terminal's report."""
        problem = i18n.t(self.key, lang, **self._params_for_text(lang))
        where = []
        if self.row is not None:
            where.append(i18n.t("err.where_row", lang, row=self.row))
        if self.column:
            where.append(i18n.t("err.where_column", lang, column=self.column))
        text = f"{', '.join(where)}: {problem}" if where else problem
        if self.value is not None:
            text += " " + i18n.t("err.where_value", lang, value=_shorten(plain(self.value)))
        return plain(text)

    def _params_for_text(self, lang: str | None) -> dict[str, str]:
        params = dict(self.params)
        if "vocab" in params:
            params["allowed"] = _allowed_text(params.pop("vocab"), lang)
        if "today" in params:
            params["today"] = i18n.format_date(params["today"], lang)
        for name in NUMBER_PARAMS & params.keys():
            if str(params[name]).isdigit():
                params[name] = i18n.format_number(int(params[name]), 0, lang)
        return params


@dataclass
class ValidationReport:
    table: str
    source: str
    issues: list[Issue]
    frame: pd.DataFrame | None = None
    raw: RawTable | None = None
    # municipality names turned into codes: (row, column, name as written, code)
    resolved: list[tuple[int | None, str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def messages(self, lang: str | None = None, limit: int | None = None) -> list[str]:
        shown = self.issues if limit is None else self.issues[:limit]
        return [issue.message(lang) for issue in shown]

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The issues as a table a person can sort and download (control characters shown)."""
        return pd.DataFrame(
            {
                "row": [i.row for i in self.issues],
                "column": [None if i.column is None else plain(i.column) for i in self.issues],
                "value": [None if i.value is None else plain(i.value) for i in self.issues],
                "problem": [
                    plain(i18n.t(i.key, lang, **i._params_for_text(lang))) for i in self.issues
                ],
            }
        )

    def summary(self, lang: str | None = None) -> str:
        if self.ok:
            rows = 0 if self.frame is None else len(self.frame)
            text = i18n.t("err.summary_ok", lang, file=self.source, rows=rows, table=self.table)
        else:
            text = i18n.t("err.summary_bad", lang, file=self.source, count=len(self.issues))
        return plain(text)


def _shorten(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _allowed_text(vocab_name: str, lang: str | None) -> str:
    from cop.data.schema import vocabulary

    codes = vocabulary(vocab_name)
    if vocab_name == "province":
        return ", ".join(codes)
    prefix = vocab.VOCAB_PREFIX[vocab_name][0]
    return ", ".join(f"{code} ({i18n.label(prefix, code, lang)})" for code in codes)


def validate_file(
    source: str | Path | bytes,
    table: str,
    *,
    known_codes: set[str] | None,
    filename: str | None = None,
    today: dt.date | None = None,
    known_ids: Mapping[str, set[int]] | None = None,
    town_names: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Read and validate a file; read errors become a report with one issue.

    ``town_names`` (:func:`cop.data.names.name_index`) lets a municipality-code column
    hold names ("Den Haag"); see :func:`validate_frame`."""
    name = filename or (Path(source).name if isinstance(source, (str, Path)) else "upload")
    if table not in TABLES:
        return ValidationReport(
            table,
            name,
            [
                Issue(
                    None,
                    None,
                    "err.unknown_table",
                    params={"table": table, "tables": ", ".join(TABLES)},
                )
            ],
        )
    try:
        raw = read_raw(source, name)
    except ReadError as exc:
        params = {k: str(v) for k, v in exc.params.items() if k != "detail"}
        return ValidationReport(table, name, [Issue(None, None, exc.key, params=params)])
    report = validate_frame(
        raw.frame,
        table,
        known_codes=known_codes,
        today=today,
        decimal_comma=raw.decimal_comma,
        source=name,
        known_ids=known_ids,
        town_names=town_names,
    )
    report.raw = raw
    return report


def validate_frame(
    frame: pd.DataFrame,
    table: str,
    *,
    known_codes: set[str] | None,
    today: dt.date | None = None,
    decimal_comma: bool = False,
    source: str = "data",
    known_ids: Mapping[str, set[int]] | None = None,
    town_names: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate a frame of text (or already typed) cells against the table's schema.

    ``known_ids`` maps a referenced table (``resources``) to the ids that exist, for
    columns declared with ``references``; ``None`` skips those checks. ``town_names`` maps
    normalised municipality names to codes (:func:`cop.data.names.name_index`): a cell of a
    municipality-code column that is not a code but names exactly one municipality ("Den
    Haag") becomes its code, and ``report.resolved`` lists each one, so a preview can show
    "Den Haag -> GM0518"; a name of several or none stays as written and is reported.
    Returns a report whose ``frame`` holds the typed, normalised rows when it is ``ok``.
    """
    today = today or dt.date.today()
    spec = TABLES[table]
    frame = frame.copy()
    frame.columns = _column_names(frame.columns, spec.columns)
    issues: list[Issue] = []
    missing = [f.name for f in spec.fields if f.must_exist and f.name not in frame.columns]
    issues += [Issue(None, name, "err.missing_column") for name in missing]
    if issues:
        return ValidationReport(table, source, issues)
    frame = frame[[c for c in spec.columns if c in frame.columns]]
    frame = _fill_defaults(frame, spec.fields)

    bad_cells: set[tuple[int, str]] = set()
    resolved: list[tuple[int | None, str, str, str]] = []
    comma = decimal_comma or _looks_decimal_comma(frame, spec.fields)
    for f in spec.fields:
        if f.name not in frame:
            continue
        parsed, cell_issues = _parse_column(frame[f.name], f, comma)
        if f.municipality and town_names:
            parsed, named = _resolve_names(frame[f.name], parsed, town_names)
            resolved += [(row, f.name, name, code) for row, name, code in named]
        frame[f.name] = parsed
        issues += cell_issues
        bad_cells |= {(i.row, f.name) for i in cell_issues if i.row is not None}

    schema = build_schema(spec, known_codes=known_codes, today=today, known_ids=known_ids)
    try:
        typed = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        issues += _issues_from_pandera(exc.failure_cases, frame, bad_cells)
        typed = None
    issues.sort(key=lambda i: (i.row if i.row is not None else -1, i.column or ""))
    if issues:
        return ValidationReport(
            table,
            source,
            issues[:MAX_ISSUES] if len(issues) > MAX_ISSUES else issues,
        )
    for f in spec.fields:  # optional columns absent from the file (review columns stay out)
        if f.name not in typed and f.name not in spec.internal:
            typed[f.name] = pd.Series(False if f.kind == "bool" else pd.NA, index=typed.index)
    typed = typed[[c for c in spec.columns if c in typed]]
    return ValidationReport(table, source, [], frame=typed, resolved=resolved)


def _resolve_names(
    written: pd.Series, parsed: pd.Series, town_names: Mapping[str, str]
) -> tuple[pd.Series, list[tuple[int | None, str, str]]]:
    """A code column with the names that name one municipality replaced by its code, and
    ``[(row, name as written, code)]`` of those cells."""
    if parsed.dtype != "string" and parsed.dtype != object:
        return parsed, []
    codes = parsed.astype("string")
    not_code = codes.notna() & ~codes.str.fullmatch(CODE_PATTERN[1:-1]).fillna(False)
    if not not_code.any():
        return parsed, []
    named: list[tuple[int | None, str, str]] = []
    out = codes.copy()
    for row, text in written[not_code].astype("string").items():
        code = names.resolve(str(text), town_names)
        if code is not None:
            out[row] = code
            named.append(
                (int(row) if isinstance(row, (int, np.integer)) else None, str(text), code)
            )
    return out, named


def _fill_defaults(frame: pd.DataFrame, fields: tuple[Field, ...]) -> pd.DataFrame:
    """Put a field's ``default`` where the file or form leaves a cell empty.

    A column left out entirely stays out: the write stores the default for new rows and
    keeps what is stored for the others (a measures file from before issue 13, without
    ``review_state``, neither publishes nor hides anything).
    """
    for f in fields:
        if f.default is None:
            continue
        if f.name not in frame:
            continue  # new rows get the default when stored; stored rows keep theirs
        cells = frame[f.name]
        empty = cells.isna() | (cells.astype("string").str.strip() == "").fillna(False)
        if empty.any():
            frame[f.name] = cells.astype("string").mask(empty, f.default)
    return frame


def _column_names(headers: pd.Index, columns: list[str]) -> list[str]:
    """Column names from a file's headers: the names themselves or their Dutch/English labels.

    A table downloaded from a page carries labels ("Gemeentecode", "Startjaar"); accepting
    them lets a coordinator edit a download and import it again.
    """
    aliases = {}
    for column in columns:
        key = f"col.{column}"
        if i18n.has_key(key):
            for lang in i18n.LANGUAGES:
                aliases.setdefault(i18n.t(key, lang).strip().lower(), column)
    names = []
    for header in headers:
        text = str(header).strip().lower()
        names.append(text if text in columns else aliases.get(text, text))
    return names


def _looks_decimal_comma(frame: pd.DataFrame, fields: tuple[Field, ...]) -> bool:
    """A comma-separated file may still carry quoted Dutch decimals ("12,5")."""
    return any(
        f.kind == "float"
        and f.name in frame
        and frame[f.name].dtype == "string"
        and bool(frame[f.name].str.fullmatch(r"[-+]?\d+,\d+").fillna(False).any())
        for f in fields
    )


def _parse_column(
    column: pd.Series, f: Field, decimal_comma: bool
) -> tuple[pd.Series, list[Issue]]:
    """Parse one column of text into its declared kind; report the cells that fail."""
    if f.kind == "bytes":
        return _parse_bytes(column, f.name)
    if column.dtype != "string" and column.dtype != object:
        return column, []  # already typed (e.g. a frame from the generator)
    text = column.astype("string")
    present = text.notna()
    if f.kind == "str":
        if f.vocab:
            return _normalise_vocab(text, f), []
        if f.pattern == CODE_PATTERN:  # "gm0344 " is GM0344, as links and forms accept it
            return text.str.strip().str.upper(), []
        return text, []
    if f.kind in ("int", "float"):
        cleaned = _strip_level_labels(text) if f.name == "level" else text
        if decimal_comma:
            dutch = cleaned.str.fullmatch(DUTCH_NUMBER).fillna(False)
            cleaned = cleaned.where(
                ~dutch, cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
            )
        numbers = pd.to_numeric(cleaned, errors="coerce")
        failed = present & numbers.isna()
        key = "err.not_a_number"
        if f.kind == "int":
            fractional = numbers.notna() & (numbers % 1 != 0)
            failed_frac = present & fractional
            issues = _cell_issues(text, failed, f.name, key) + _cell_issues(
                text, failed_frac, f.name, "err.not_integer"
            )
            numbers = numbers.mask(fractional)
            return numbers.astype("Float64").round().astype("Int64"), issues
        return numbers.astype("Float64"), _cell_issues(text, failed, f.name, key)
    if f.kind == "bool":
        lowered = text.str.lower()
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_WORDS).fillna(False)] = True
        values[lowered.isin(FALSE_WORDS).fillna(False)] = False
        failed = present & values.isna()
        return values, _cell_issues(text, failed, f.name, "err.not_a_bool")
    # dates: ISO first, then Dutch day-month-year
    iso = pd.to_datetime(text, format="ISO8601", errors="coerce")
    dutch = pd.to_datetime(text, format="%d-%m-%Y", errors="coerce")
    dates = iso.fillna(dutch).astype("datetime64[ns]")
    failed = present & dates.isna()
    return dates, _cell_issues(text, failed, f.name, "err.not_a_date")


def _parse_bytes(column: pd.Series, name: str) -> tuple[pd.Series, list[Issue]]:
    """Bytes as they are (a form's upload); text as base64 (how CSV files carry a picture)."""
    values: list[object] = []
    failed: list[int] = []
    for row, cell in column.items():
        if isinstance(cell, (bytes, bytearray, memoryview)):
            values.append(bytes(cell))
        elif cell is None or (not isinstance(cell, str) and pd.isna(cell)):
            values.append(None)
        else:
            try:
                values.append(base64.b64decode("".join(str(cell).split()), validate=True))
            except (binascii.Error, ValueError):
                values.append(None)
                failed.append(row)
    issues = [Issue(int(row), name, "err.not_base64") for row in failed]
    return pd.Series(values, index=column.index, dtype=object), issues


def _strip_level_labels(text: pd.Series) -> pd.Series:
    """Read "3 Ontwikkelend" (how pages show a level) as 3; other text stays for the checks."""
    labels = {
        i18n.label("level", level, lang).lower(): level
        for level in range(1, 6)
        for lang in i18n.LANGUAGES
    }
    parts = text.str.extract(r"^\s*(\d+)\s+(.+?)\s*$")
    known = parts[1].str.lower().isin(list(labels)).fillna(False).astype(bool)
    return text.mask(known, parts[0])


def _normalise_vocab(text: pd.Series, f: Field) -> pd.Series:
    """Accept codes and Dutch/English labels, in any case; store codes."""
    lookup = _vocab_lookup(f.vocab or "")

    def one(value: str) -> str:
        return lookup.get(value.strip().lower(), value.strip())

    if f.vocab_list:
        return text.map(
            lambda v: (
                v if pd.isna(v) else ";".join(one(p) for p in re.split(r"[;|]", v) if p.strip())
            ),
            na_action="ignore",
        ).astype("string")
    return text.map(one, na_action="ignore").astype("string")


def _vocab_lookup(vocab_name: str) -> dict[str, str]:
    from cop.data.schema import vocabulary

    codes = vocabulary(vocab_name)
    lookup = {code.lower(): code for code in codes}
    if vocab_name in vocab.VOCAB_PREFIX:
        prefix = vocab.VOCAB_PREFIX[vocab_name][0]
        for code in codes:
            for lang in i18n.LANGUAGES:
                lookup[i18n.label(prefix, code, lang).lower()] = code
    return lookup


def _cell_issues(text: pd.Series, failed: pd.Series, column: str, key: str) -> list[Issue]:
    failed = failed.fillna(False).astype(bool)
    return [Issue(int(row), column, key, value=str(text[row])) for row in text.index[failed]]


def _issues_from_pandera(
    cases: pd.DataFrame, frame: pd.DataFrame, bad_cells: set[tuple[int, str]]
) -> list[Issue]:
    issues: list[Issue] = []
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = None if case.column is None or pd.isna(case.column) else str(case.column)
        row = None if case.index is None or pd.isna(case.index) else int(case.index)
        if check.startswith("coerce_dtype") or check.startswith("dtype("):
            continue  # parsing has already reported these cells
        if check == "column_in_dataframe":
            issues.append(Issue(None, str(case.failure_case), "err.missing_column"))
            continue
        if check == "not_nullable":
            if (row, column) not in bad_cells:
                issues.append(Issue(row, column, "err.required"))
            continue
        key, _, rest = check.partition("|")
        params = dict(p.split("=", 1) for p in rest.split("|") if "=" in p)
        if "column" in params:  # a frame-wide check names the column it is about
            column = params["column"]
        if not key.startswith("err."):
            key, params = "err.check_failed", {"check": check}
        value = None
        if row is not None and key == "err.duplicate_key":
            value = " / ".join(_value_text(frame.at[row, c]) for c in params["column"].split(","))
        elif row is not None and column in frame.columns:
            cell = frame.at[row, column]
            value = None if pd.isna(cell) else _value_text(cell)
        if (row, column) in bad_cells:
            continue
        issues.append(Issue(row, column, key, value=value, params=params))
    # a row failing a frame-wide check is reported once per failing cell of the check
    unique: dict[tuple, Issue] = {}
    for issue in issues:
        unique.setdefault((issue.row, issue.column, issue.key), issue)
    return list(unique.values())


def _value_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
