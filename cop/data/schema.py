"""Declared data model: one :class:`TableSpec` per table, checked with pandera.

Why pandera: the tables are DataFrames of up to a million rows (monitoring counts), and
pandera validates whole columns at once, collects *every* failure (``lazy=True``) with its
row index and column, and lets the schema be declared next to the data model rather than
spread over row-by-row pydantic models that would be 50–100× slower on such tables.

The same specs drive the database tables (:mod:`cop.data.storage`), the import templates and
the reports, so a column is declared exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import pandera.pandas as pa

from cop.core import vocab

Kind = Literal["str", "int", "float", "bool", "date", "bytes"]

EARLIEST_YEAR = 1990
EMAIL_PATTERN = r"^[^@\s;,]+@[^@\s;,]+\.[A-Za-z]{2,}$"
URL_PATTERN = r"^https?://\S+$"
CODE_PATTERN = r"^GM\d{4}$"
ANSWER_MAX_LENGTH = 4000
JOIN_MESSAGE_MAX_LENGTH = 2000
MB = 1024 * 1024
#: The largest photo the database keeps (an upload is refused above this, before decoding).
MAX_PHOTO_BYTES = 5 * MB
#: File signatures ("magic bytes") of the picture formats the CoP accepts, by MIME type.
PHOTO_MIME_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")
NL_LAT = (50.6, 53.7)
NL_LON = (3.2, 7.3)


@dataclass(frozen=True)
class Field:
    """One column: its type and the rules a value must follow."""

    name: str
    kind: Kind
    nullable: bool = False
    required: bool = True
    vocab: str | None = None
    vocab_list: bool = False
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    pattern_key: str = "err.pattern"
    municipality: bool = False
    not_future: bool = False
    max_length: int | None = None
    references: str | None = None  # name of the table whose ``id`` this column points to
    # Filled in where a file or form leaves the cell empty or the column out (a measure
    # imported without ``review_state`` is published: coordinators import what is checked).
    default: str | None = None

    @property
    def must_exist(self) -> bool:
        """A column that may be left out of a file entirely (then it is empty)."""
        return self.required and not self.nullable


@dataclass(frozen=True)
class TableSpec:
    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    personal: frozenset[str] = field(default_factory=frozenset)
    # Rows only coordinators may see at all (join requests): every other role gets no
    # rows, on pages, in downloads and in cached computations (cop.access.visibility).
    coordinators_only: bool = False
    # Columns only the review sees (coordinators; a member for their own submission):
    # who submitted, the coordinator's message, the review state. The published view,
    # which every page, download, brief and export reads, leaves them out.
    internal: frozenset[str] = field(default_factory=frozenset)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def reviewed(self) -> bool:
        """Rows wait for a coordinator's review before anyone else sees them (issue 13)."""
        return "review_state" in self.columns

    @property
    def public_columns(self) -> list[str]:
        """The columns of the published view: everything but :attr:`internal` and blobs."""
        return [f.name for f in self.fields if f.name not in self.internal and f.kind != "bytes"]

    @property
    def blob_columns(self) -> list[str]:
        """Columns holding bytes (a photo): read only on request, one row at a time."""
        return [f.name for f in self.fields if f.kind == "bytes"]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def database_ids(self) -> bool:
        """The key is one integer ``id`` that the database assigns to rows without one."""
        return self.key == ("id",)


def _lat(nullable: bool = True, required: bool = True) -> Field:
    return Field("lat", "float", nullable=nullable, required=required, min=NL_LAT[0], max=NL_LAT[1])


def _lon(nullable: bool = True, required: bool = True) -> Field:
    return Field("lon", "float", nullable=nullable, required=required, min=NL_LON[0], max=NL_LON[1])


def _id() -> Field:
    """The id of a row. A file or form may leave the column out: the database then numbers
    the rows itself (:attr:`TableSpec.database_ids`), never ``max(id) + 1`` computed outside
    the write, which two simultaneous writers would both compute alike."""
    return Field("id", "int", min=1, required=False)


def _municipality_code(nullable: bool = False, name: str = "municipality_code") -> Field:
    return Field(
        name,
        "str",
        nullable=nullable,
        pattern=CODE_PATTERN,
        pattern_key="err.code_pattern",
        municipality=True,
    )


def _text(name: str, nullable: bool = True, max_length: int | None = 4000) -> Field:
    return Field(name, "str", nullable=nullable, max_length=max_length)


def _url() -> Field:
    return Field("url", "str", nullable=True, pattern=URL_PATTERN, pattern_key="err.url")


def _review_state() -> Field:
    """Where a row stands in the review; a file or form without it stores ``published``."""
    return Field(
        "review_state", "str", vocab="review_state", required=False, default=vocab.PUBLISHED
    )


def _username(name: str) -> Field:
    return Field(name, "str", nullable=True, required=False, max_length=120)


# Review columns of a shared practice (issue 13); see docs/sharing-practices.md for why the review
# state lives on ``measures`` itself.
_MEASURE_REVIEW = frozenset({"review_state", "submitted_by", "submitted_at", "review_message"})


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "municipalities",
            (
                Field("code", "str", pattern=CODE_PATTERN, pattern_key="err.code_pattern"),
                _text("name", nullable=False, max_length=120),
                Field("province", "str", vocab="province"),
                Field("population", "int", min=0),
                Field("area_km2", "float", min=0.01),
                Field("urbanity", "int", min=1, max=5),
                Field("is_partner", "bool"),
                Field("joined_year", "int", nullable=True, min=2000, not_future=True),
                _lat(nullable=False),
                _lon(nullable=False),
            ),
            key=("code",),
        ),
        TableSpec(
            "measures",
            (
                _id(),
                _municipality_code(),
                _text("title", nullable=False, max_length=200),
                Field("theme", "str", vocab="theme"),
                Field("status", "str", vocab="status_measure"),
                Field("start_year", "int", nullable=True, min=EARLIEST_YEAR, max=2100),
                Field("scale_value", "float", nullable=True, min=0),
                Field("scale_unit", "str", nullable=True, vocab="scale_unit"),
                _lat(required=False),
                _lon(required=False),
                Field("cost_eur", "float", nullable=True, min=0, required=False),
                _text("partners"),
                _text("description"),
                _text("lessons_learned"),
                _url(),
                Field("updated_at", "date", not_future=True),
                # Issue 13: how the practice was paid for, and its review.
                Field("funding", "str", nullable=True, required=False, max_length=500),
                _review_state(),
                _username("submitted_by"),
                Field("submitted_at", "date", nullable=True, required=False),
                Field("review_message", "str", nullable=True, required=False, max_length=2000),
            ),
            key=("id",),
            internal=_MEASURE_REVIEW,
        ),
        TableSpec(
            "maturity",
            (
                _municipality_code(),
                Field("year", "int", min=2000, not_future=True),
                Field("dimension", "str", vocab="dimension"),
                Field("level", "int", min=1, max=5),
                _text("note"),
            ),
            key=("municipality_code", "year", "dimension"),
        ),
        TableSpec(
            "monitoring",
            (
                _municipality_code(),
                _text("site_id", nullable=False, max_length=60),
                Field("scheme", "str", vocab="scheme"),
                Field("species_group", "str", vocab="species_group"),
                _text("species", nullable=False, max_length=120),
                Field("year", "int", min=EARLIEST_YEAR, not_future=True),
                Field("count", "int", nullable=True, min=0),
                _lat(required=False),
                _lon(required=False),
            ),
            key=("site_id", "scheme", "species", "year"),
        ),
        TableSpec(
            "help_questions",
            (
                _id(),
                _municipality_code(),
                Field("asked_on", "date", not_future=True),
                Field("theme", "str", vocab="theme"),
                _text("question", nullable=False),
                Field("status", "str", vocab="status_question"),
                _text("answered_by", max_length=200),
            ),
            key=("id",),
        ),
        TableSpec(
            "contacts",
            (
                _id(),
                _municipality_code(),
                _text("name", nullable=False, max_length=120),
                _text("role", max_length=120),
                Field(
                    "email", "str", nullable=True, pattern=EMAIL_PATTERN, pattern_key="err.email"
                ),
                _text("phone", max_length=40),
                Field("themes", "str", nullable=True, vocab="theme", vocab_list=True),
                Field("show_to_members", "bool", required=False),
            ),
            key=("id",),
            personal=frozenset({"name", "email", "phone"}),
        ),
        TableSpec(
            "experts",
            (
                _id(),
                _text("name", nullable=False, max_length=200),
                Field("kind", "str", vocab="expert_kind"),
                Field("themes", "str", nullable=True, vocab="theme", vocab_list=True),
                _text("description"),
                _url(),
            ),
            key=("id",),
        ),
        TableSpec(
            "meetings",
            (
                _id(),
                Field("date", "date"),
                _municipality_code(nullable=True, name="host_code"),
                _text("title", nullable=False, max_length=200),
                Field("themes", "str", nullable=True, vocab="theme", vocab_list=True),
                _text("summary"),
            ),
            key=("id",),
        ),
        TableSpec(
            "resources",
            (
                _id(),
                _text("title", nullable=False, max_length=200),
                Field("kind", "str", vocab="resource_kind"),
                Field("theme", "str", vocab="theme"),
                Field("level", "str", vocab="resource_level"),
                _url(),
                _text("description"),
            ),
            key=("id",),
        ),
        # Which practice (measure) used which toolbox resource; a pure link table.
        TableSpec(
            "resource_usage",
            (
                Field("resource_id", "int", min=1, references="resources"),
                Field("measure_id", "int", min=1, references="measures"),
            ),
            key=("resource_id", "measure_id"),
        ),
        # An answer to a help question (issue 13), on behalf of a municipality or of an
        # expert organisation (exactly one of the two; see _answer_checks). ``author`` is
        # the account that wrote it: personal, shown to coordinators only.
        TableSpec(
            "answers",
            (
                _id(),
                Field("question_id", "int", min=1, references="help_questions"),
                _municipality_code(nullable=True),
                Field("expert_id", "int", nullable=True, min=1, references="experts"),
                _text("author", max_length=120),
                _text("text", nullable=False, max_length=ANSWER_MAX_LENGTH),
                Field("created_at", "date"),
                Field("helped", "bool", required=False),
            ),
            key=("id",),
            personal=frozenset({"author"}),
        ),
        # A request to join the CoP from the "Mee doen?" form (issue 13): personal data of
        # someone who is not (yet) in the CoP, so only coordinators see these rows at all.
        TableSpec(
            "join_requests",
            (
                _id(),
                _municipality_code(),
                _text("name", nullable=False, max_length=120),
                _text("role", nullable=False, max_length=120),
                Field(
                    "email", "str", pattern=EMAIL_PATTERN, pattern_key="err.email", max_length=254
                ),
                _text("message", max_length=JOIN_MESSAGE_MAX_LENGTH),
                Field("status", "str", vocab="status_join"),
                Field("created_at", "date"),
            ),
            key=("id",),
            personal=frozenset({"name", "role", "email", "message"}),
            coordinators_only=True,
        ),
        # Photos of a practice, the picture itself in the database (issue 13): a backup is
        # one database dump and several app servers need no shared disk. Every picture was
        # re-encoded without its metadata when it was uploaded (cop.community.photos).
        TableSpec(
            "photos",
            (
                _id(),
                Field("measure_id", "int", min=1, references="measures"),
                Field(
                    "mime",
                    "str",
                    pattern=r"^image/(jpeg|png|webp)$",
                    pattern_key="err.photo_mime",
                ),
                Field("width", "int", min=1, max=20_000),
                Field("height", "int", min=1, max=20_000),
                _text("caption", max_length=200),
                Field("data", "bytes", max_length=MAX_PHOTO_BYTES),
                _username("uploaded_by"),
                Field("uploaded_at", "date", nullable=True, required=False),
                _review_state(),
            ),
            key=("id",),
            internal=frozenset({"review_state", "uploaded_by"}),
        ),
    )
}

# Load order respects references (municipality codes first).
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
#: Tables people fill only through the app (the photos of shared practices): no seed file
#: or demo data, and not on the Data page (a picture is not a cell to edit). Exports,
#: imports and backups carry them like any table.
APP_ONLY_TABLES: frozenset[str] = frozenset({"photos"})
#: The tables of the Data page, the seed files and the demo generator.
DATA_TABLES: tuple[str, ...] = tuple(t for t in TABLE_ORDER if t not in APP_ONLY_TABLES)


def vocabulary(name: str) -> tuple[str, ...]:
    """The allowed codes of a vocabulary named in a :class:`Field`."""
    if name == "province":
        return vocab.PROVINCES
    return vocab.VOCAB_PREFIX[name][1]


def referenced_tables(table: str) -> tuple[str, ...]:
    """Tables whose ``id`` a column of ``table`` points to (``resources``, ``measures``)."""
    return tuple(f.references for f in TABLES[table].fields if f.references)


def referencing_fields(table: str) -> list[tuple[str, str]]:
    """``(table, column)`` pairs that point to the ``id`` of ``table``."""
    return [
        (spec.name, f.name)
        for spec in TABLES.values()
        for f in spec.fields
        if f.references == table
    ]


def build_schema(
    spec: TableSpec,
    *,
    known_codes: set[str] | None,
    today: dt.date,
    known_ids: Mapping[str, set[int]] | None = None,
) -> pa.DataFrameSchema:
    """The pandera schema of a table for one validation run.

    ``known_codes`` are the municipality codes a reference may point to (``None`` skips that
    check, e.g. for the municipalities table itself); ``known_ids`` maps a referenced table
    to the ids a ``references`` column may hold (a table missing from it is not checked);
    ``today`` decides what is "future".
    The ``error`` of each check is a catalog key with parameters (``key|name=value``), so
    the report can be written in the reader's language.
    """
    columns: dict[str, pa.Column] = {}
    for f in spec.fields:
        checks: list[pa.Check] = []
        if f.vocab and not f.vocab_list:
            allowed = vocabulary(f.vocab)
            checks.append(pa.Check.isin(allowed, error=f"err.vocab|vocab={f.vocab}"))
        if f.vocab_list:
            allowed_set = set(vocabulary(f.vocab or ""))
            checks.append(
                pa.Check(
                    lambda s, allowed_set=allowed_set: s.map(
                        lambda v: all(item in allowed_set for item in str(v).split(";"))
                    ).astype(bool),
                    error=f"err.vocab|vocab={f.vocab}",
                )
            )
        if f.min is not None:
            checks.append(pa.Check.ge(f.min, error=f"err.min|min={_num(f.min)}"))
        upper = f.max
        if f.not_future:
            checks.append(
                pa.Check.le(
                    today.year if f.kind == "int" else pd.Timestamp(today),
                    error=f"err.future|today={today.isoformat()}",
                )
            )
        if upper is not None:
            checks.append(pa.Check.le(upper, error=f"err.max|max={_num(upper)}"))
        if f.pattern:
            checks.append(pa.Check.str_matches(f.pattern, error=f.pattern_key))
        if f.max_length and f.kind == "bytes":
            checks.append(
                pa.Check(
                    lambda s, most=f.max_length: s.map(len) <= most,
                    element_wise=False,
                    error=f"err.bytes_length|max_mb={_num(f.max_length / MB)}",
                )
            )
        elif f.max_length:
            checks.append(
                pa.Check.str_length(max_value=f.max_length, error=f"err.length|max={f.max_length}")
            )
        if f.municipality and known_codes is not None:
            checks.append(pa.Check.isin(sorted(known_codes), error="err.unknown_municipality"))
        if f.references and known_ids is not None and f.references in known_ids:
            checks.append(
                pa.Check.isin(
                    sorted(known_ids[f.references]),
                    error=f"err.unknown_reference|table={f.references}",
                )
            )
        columns[f.name] = pa.Column(
            _pandera_dtype(f.kind),
            checks=checks,
            nullable=f.nullable,
            required=f.must_exist,
            coerce=True,
        )
    frame_checks = [_duplicate_key_check(spec)]
    if spec.name == "measures":
        frame_checks += _measure_checks(today)
    if spec.name == "answers":
        frame_checks += _answer_checks()
    if spec.blob_columns and "mime" in spec.columns:
        frame_checks.append(_picture_matches_mime())
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _pandera_dtype(kind: Kind) -> object:
    return {
        "str": pd.StringDtype(),
        "int": "Int64",
        "float": "Float64",
        "bool": "boolean",
        "date": "datetime64[ns]",
        "bytes": object,
    }[kind]


def _duplicate_key_check(spec: TableSpec) -> pa.Check:
    key = list(spec.key)
    name = ",".join(key)

    def unique_key(df: pd.DataFrame) -> pd.Series:
        present = [c for c in key if c in df.columns]
        if len(present) < len(key):
            return pd.Series(True, index=df.index)
        return ~df.duplicated(subset=present, keep="first")

    return pa.Check(unique_key, error=f"err.duplicate_key|column={name}")


def _measure_checks(today: dt.date) -> list[pa.Check]:
    def start_year_not_future(df: pd.DataFrame) -> pd.Series:
        if "start_year" not in df or "status" not in df:
            return pd.Series(True, index=df.index)
        future = df["start_year"].fillna(0) > today.year
        allowed = df["status"].isin(sorted(vocab.FUTURE_START_ALLOWED))
        return ~(future & ~allowed)

    def unit_with_value(df: pd.DataFrame) -> pd.Series:
        if "scale_value" not in df or "scale_unit" not in df:
            return pd.Series(True, index=df.index)
        return ~(df["scale_value"].notna() & df["scale_unit"].isna())

    def both_coordinates(df: pd.DataFrame) -> pd.Series:
        if "lat" not in df or "lon" not in df:
            return pd.Series(True, index=df.index)
        return df["lat"].isna() == df["lon"].isna()

    return [
        pa.Check(start_year_not_future, error="err.start_year_future|column=start_year"),
        pa.Check(unit_with_value, error="err.unit_missing|column=scale_unit"),
        pa.Check(both_coordinates, error="err.half_coordinate|column=lat"),
    ]


def _answer_checks() -> list[pa.Check]:
    """An answer speaks for one municipality or one expert organisation, never both or none."""

    def one_source(df: pd.DataFrame) -> pd.Series:
        if "municipality_code" not in df or "expert_id" not in df:
            return pd.Series(True, index=df.index)
        return df["municipality_code"].isna() != df["expert_id"].isna()

    return [pa.Check(one_source, error="err.answer_source|column=municipality_code")]


def photo_mime(data: bytes) -> str | None:
    """The MIME type a picture's first bytes announce (JPEG, PNG or WebP), else ``None``.

    >>> photo_mime(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8))
    'image/png'
    >>> photo_mime(b"<svg onload=alert(1)>") is None
    True
    """
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _picture_matches_mime() -> pa.Check:
    """A stored picture is what its ``mime`` says, judged by its bytes (never by a name)."""

    def matches(df: pd.DataFrame) -> pd.Series:
        if "data" not in df or "mime" not in df:
            return pd.Series(True, index=df.index)
        found = df["data"].map(lambda v: photo_mime(v) if isinstance(v, bytes) else None)
        return (found == df["mime"].astype(object)).fillna(False).astype(bool)

    return pa.Check(matches, error="err.photo_content|column=data")


def empty_frame(table: str) -> pd.DataFrame:
    """A typed, empty DataFrame with the table's columns (for templates and empty stores)."""
    spec = TABLES[table]
    return pd.DataFrame(
        {f.name: pd.Series(dtype=_pandera_dtype(f.kind)) for f in spec.fields}  # type: ignore[arg-type]
    )


def coerce_types(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Cast columns to the declared dtypes (for data read back from a database)."""
    spec = TABLES[table]
    out = df.copy()
    for f in spec.fields:
        if f.name not in out:
            out[f.name] = pd.Series(pd.NA if f.default is None else f.default, index=out.index)
        if f.kind == "date":
            out[f.name] = pd.to_datetime(out[f.name], errors="coerce").astype("datetime64[ns]")
        elif f.kind == "bool":
            out[f.name] = out[f.name].astype("boolean")
        elif f.kind == "bytes":
            out[f.name] = out[f.name].astype(object)
        else:
            out[f.name] = out[f.name].astype(_pandera_dtype(f.kind))  # type: ignore[call-overload]
    return out[spec.columns]
