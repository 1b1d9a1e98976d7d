"""No raw values: every page, in both languages, for every role, shows words and formatted numbers.

Every page named in ``app.py`` (so a new page is covered as soon as it is in the
navigation) is rendered with AppTest in Dutch and English as visitor, member and
coordinator. Everything a person can read is collected: Markdown, captions, headers,
metrics, widget labels, help texts and options, the header and every cell of every table
(the formatted cell when the table is styled), the visible text of every Plotly chart
(titles, axis titles, tick labels, category values, legend names, annotations), the text of
every map (its HTML with the scripts removed) and the content of every download (CSV,
Excel, Word, PDF, Markdown), including those built only when clicked.

That text must not contain:

- ``None``, ``nan``, ``NaN``, ``NaT`` or ``<NA>``;
- a vocabulary code (:mod:`cop.core.vocab`): codes with an underscore anywhere, the other
  codes (``idea``, ``m2``...) as a whole cell, option or tick;
- an internal column name (every field of :data:`cop.data.schema.TABLES`, every ``col.*``
  key of the catalog, and the computed names ``rank``, ``size_class``, ``*_score``...)
  in the same way;
- a number with more than three decimals, or, in Dutch, a decimal point ("0.65");
- under a column "Gemeente"/"Municipality", anything but a municipality name.

The forbidden set is built from the code, not listed here, with a small explicit
allow-list (:data:`ALLOWED`) of what is a word as well as a code.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from google.protobuf.message import Message
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from cop import ui
from cop.access import accounts
from cop.core import i18n, vocab
from cop.data import storage
from cop.data.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
ROLES = ("visitor", "member", "coordinator")
LANGS = ("nl", "en")
PASSWORD = "a long enough password"


def pages_in_app() -> list[str]:
    """Every ``st.Page("pages/....py")`` of ``app.py``, read from its syntax tree."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "Page"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).endswith(".py")
        ):
            found.append(str(node.args[0].value))
    return sorted(set(found))


PAGES = pages_in_app()

# ------------------------------------------------------------------ what is forbidden

EMPTY_WORDS = re.compile(r"(?<![\w<])(None|nan|NaN|NaT|<NA>)(?![\w>])")


# Codes that are also ordinary words in a sentence or a proper name: never forbidden
# inside text, only as a whole cell/option/tick (and there only in lower case).
def _codes_that_are_their_label() -> set[str]:
    """Codes a language writes as they are stored (the unit "m"): their label is the code."""
    return {
        code
        for prefix, codes in vocab.VOCAB_PREFIX.values()
        for code in codes
        for lang in LANGS
        if i18n.label(prefix, code, lang) == code
    }


ALLOWED: frozenset[str] = frozenset({*vocab.PROVINCES, *_codes_that_are_their_label()})
# Computed columns that never come from the schema but did reach tables and downloads.
COMPUTED_COLUMNS = frozenset(
    {"rank", "size_class", "score", "reasons", "distance", "n_measures", "share", "median"}
)


def _vocab_codes() -> set[str]:
    codes: set[str] = set()
    for value in vars(vocab).values():
        if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
            codes.update(value)
        elif isinstance(value, dict):
            codes.update(v for v in value.values() if isinstance(v, str))
            for inner in value.values():
                if isinstance(inner, tuple) and len(inner) == 2 and isinstance(inner[1], tuple):
                    codes.update(c for c in inner[1] if isinstance(c, str))
        elif isinstance(value, frozenset):
            codes.update(v for v in value if isinstance(v, str))
    return codes


def _column_names() -> set[str]:
    names = {f.name for spec in TABLES.values() for f in spec.fields}
    names |= {key.split(".", 1)[1] for key in _catalog_keys() if key.startswith("col.")}
    return names | COMPUTED_COLUMNS


def _catalog_keys() -> list[str]:
    return list(i18n.catalog())


CODES = frozenset(_vocab_codes() - ALLOWED)
COLUMNS = frozenset(_column_names() - ALLOWED)
FORBIDDEN = CODES | COLUMNS
# Codes with an underscore are never a word: forbidden anywhere in a text.
_UNDERSCORED = sorted((c for c in FORBIDDEN if "_" in c), key=len, reverse=True)
UNDERSCORED = re.compile(r"(?<![\w/.=-])(" + "|".join(map(re.escape, _UNDERSCORED)) + r")(?![\w(])")
SCORE_COLUMN = re.compile(r"^\w+_score$")
LONG_DECIMALS = re.compile(r"(?<![\w.,])\d+[.,]\d{5,}(?![\d])")
# A decimal point in Dutch: 0.65, 12.5 (not 1.234: three digits are thousands).
DUTCH_POINT = re.compile(r"(?<![\w.,:/-])\d+\.(\d{1,2}|\d{4,})(?![\w.,])")


# Version numbers that are names, not measurements.
ALLOWED_PHRASES = re.compile(r"CC BY(-SA)? \d\.\d|WCAG\)? \d\.\d|ODbL \d\.\d")


# A municipality code, alone or leading a site id: never the label of a chart's row.
CODED_NAME = re.compile(r"^GM\d{4}(-|$)")


def problems_in(text: str, lang: str, *, whole: bool) -> list[str]:
    """What in ``text`` is a raw value; ``whole``: ``text`` is one cell, option or tick."""
    found = []
    text = ALLOWED_PHRASES.sub("", text)
    stripped = text.strip()
    if not stripped:
        return found
    if EMPTY_WORDS.search(text):
        found.append("empty word")
    if match := UNDERSCORED.search(text):
        found.append(f"code {match.group(1)}")
    if whole and (stripped in FORBIDDEN or SCORE_COLUMN.match(stripped)):
        found.append(f"code {stripped}")
    if match := LONG_DECIMALS.search(text):
        found.append(f"long decimals {match.group(0)}")
    if lang == "nl" and (match := DUTCH_POINT.search(text)):
        found.append(f"decimal point {match.group(0)}")
    return found


def test_the_check_finds_raw_values():
    """The check itself, on values computed by hand."""
    assert problems_in("depaving;nature_inclusive_building", "nl", whole=True) == [
        "code nature_inclusive_building"
    ]
    assert problems_in("None", "en", whole=True) == ["empty word"]
    assert problems_in("nan", "nl", whole=True) == ["empty word"]
    assert problems_in("rank", "nl", whole=True) == ["code rank"]
    assert problems_in("biodiversity_score", "nl", whole=True) == ["code biodiversity_score"]
    assert problems_in("idea", "en", whole=True) == ["code idea"]
    assert problems_in("an idea", "en", whole=False) == []
    assert problems_in("0.65", "nl", whole=True) == ["decimal point 0.65"]
    assert problems_in("0.65", "en", whole=True) == []
    assert problems_in("0,653333", "nl", whole=True) == ["long decimals 0,653333"]
    assert problems_in("52,0812", "nl", whole=True) == []  # a coordinate: four decimals
    assert problems_in("1.234 inwoners, 0,65 per km²", "nl", whole=False) == []
    assert problems_in("Groningen", "nl", whole=True) == []
    assert problems_in("m", "nl", whole=True) == []  # the unit metre is written "m"
    assert "theme" in FORBIDDEN and "size_class" in FORBIDDEN and "ecological_mowing" in CODES
    assert {"pages/home.py", "pages/map.py", "pages/meeting.py"} <= set(PAGES)


# ------------------------------------------------------------------ collecting what is shown

NOT_SHOWN = frozenset(
    {
        "id", "form_id", "icon", "type", "url", "deferred_file_id", "page", "page_script_hash",
        "query_string", "tag", "autocomplete", "format", "uuid", "raw_value", "default",
        "columns", "element_type", "value", "data", "raw_values", "spec", "json_args",
        "component_name", "theme", "args", "key", "mime", "file_name", "column_config",
        "styler", "selection_mode", "width_config", "height_config", "name", "language",
        "unique", "accept_new_options",
    }
)  # fmt: skip
SKIPPED_ELEMENTS = frozenset(
    {"PlotlyChart", "Arrow", "ArrowTable", "Dataframe", "ComponentInstance", "Code"}
)


class RecordingMediaFileManager(MediaFileManager):
    """The app's media manager that remembers itself, to read every download afterwards."""

    last: RecordingMediaFileManager | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        RecordingMediaFileManager.last = self


@pytest.fixture(scope="module")
def app(module_app_env, module_monkeypatch):
    """The demo database with a member of the partner with most measures and a coordinator,
    shared by the module's sweep: the pages only read it."""
    import streamlit.testing.v1.app_test as app_test_module

    monkeypatch = module_monkeypatch
    monkeypatch.setattr(app_test_module, "MediaFileManager", RecordingMediaFileManager)
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    engine = storage.make_engine(f"sqlite:///{module_app_env / 'cop.sqlite'}")
    measures = storage.read_table(engine, "measures")
    home = str(measures["municipality_code"].value_counts().index[0])
    accounts.add_user(engine, "member1", PASSWORD, "member", home)
    accounts.add_user(engine, "coordinator1", PASSWORD, "coordinator")
    municipalities = storage.read_table(engine, "municipalities")
    yield {"engine": engine, "names": set(municipalities["name"].astype(str))}
    engine.dispose()


def open_page(page: str, role: str, lang: str, app: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.session_state[ui.LANG_KEY] = lang
    if role != "visitor":
        user = accounts.get_user(app["engine"], f"{role}1")
        at.session_state[ui.USER_KEY] = user.username
        at.session_state[ui.ROLE_KEY] = user.role
        at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
        at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    if page != "pages/home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _proto_strings(message: Message, where: str) -> Iterator[tuple[str, str]]:
    kind = message.DESCRIPTOR.name
    if kind in SKIPPED_ELEMENTS:
        return
    for field, value in message.ListFields():
        if field.name in NOT_SHOWN:
            continue
        for item in value if field.is_repeated else [value]:
            if isinstance(item, Message):
                yield from _proto_strings(item, f"{where}.{field.name}")
            elif isinstance(item, str):
                yield f"{kind}.{field.name}", item


def _arrow_frame(data: bytes) -> pd.DataFrame:
    return pa.ipc.open_stream(data).read_all().to_pandas()


TABLE_KINDS = ("Arrow", "ArrowTable", "Dataframe")
PRINTF_DECIMALS = re.compile(r"%[^a-z%]*\.(\d+)f")


def _table_parts(proto: Message) -> tuple[pd.DataFrame, pd.DataFrame, dict, str | None]:
    """Data, the cells as shown, the column configuration and the text of empty cells."""
    arrow = proto.arrow_data if proto.DESCRIPTOR.name == "Dataframe" else proto
    frame = _arrow_frame(arrow.data)
    shown = frame
    if arrow.HasField("styler") and arrow.styler.display_values:
        shown = _arrow_frame(arrow.styler.display_values)
        shown.columns = frame.columns[: len(shown.columns)]
    config = json.loads(proto.columns) if getattr(proto, "columns", "") else {}
    placeholder = proto.placeholder if proto.HasField("placeholder") else None
    return frame, shown, config, placeholder


def table_texts(proto: Message) -> Iterator[tuple[str, str, bool]]:
    """Header and cells of a table as shown: labels from the column configuration, the
    Styler's formatted cells when styled, the placeholder (else "None") for empty cells,
    and a sample of each printf number format (``%.2f`` writes "0.50" whatever the language)."""
    frame, shown, config, placeholder = _table_parts(proto)
    order = list(getattr(proto, "column_order", []) or [])
    for column in frame.columns:
        settings = config.get(str(column), {})
        if (
            settings.get("hidden")
            or str(column).startswith("_")
            or (order and str(column) not in order)
            or re.fullmatch(r"__index_level_\d+__|index", str(column))
        ):
            continue
        yield "header", str(settings.get("label") or column), True
        number_format = (settings.get("type_config") or {}).get("format") or ""
        if (match := PRINTF_DECIMALS.search(number_format)) and int(match.group(1)) > 0:
            yield f"format {column}", number_format % 0.5, True
        # A selectbox/multiselect column shows the label of each stored option.
        labels = {
            str(option.get("value")): str(option.get("label"))
            for option in (settings.get("type_config") or {}).get("options") or []
            if isinstance(option, dict)
        }
        values = shown[column] if column in shown.columns else frame[column]
        for value in values:
            if hasattr(value, "tolist") and not isinstance(value, str):
                value = value.tolist()
            if isinstance(value, list):
                for item in value:
                    yield f"cell {column}", labels.get(str(item), str(item)), True
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                yield f"cell {column}", "None" if placeholder is None else placeholder, True
            elif isinstance(value, str):
                yield f"cell {column}", labels.get(value, value), True


def plotly_texts(spec: str) -> Iterator[tuple[str, str, bool]]:
    """The visible text of a Plotly figure: titles, ticks, categories, names, annotations."""
    figure = json.loads(spec)
    layout = figure.get("layout", {})

    def title(obj: object) -> str | None:
        if isinstance(obj, dict):
            obj = obj.get("text")
        return obj if isinstance(obj, str) else None

    if text := title(layout.get("title")):
        yield "chart title", text, False
    for name, axis in layout.items():
        if re.fullmatch(r"(x|y)axis\d*|polar\d*|coloraxis", name) and isinstance(axis, dict):
            for sub in (axis, axis.get("radialaxis", {}), axis.get("angularaxis", {})):
                if text := title(sub.get("title")):
                    yield f"{name} title", text, False
                for tick in sub.get("ticktext") or []:
                    yield f"{name} tick", str(tick), True
                for tick in sub.get("categoryarray") or []:
                    yield f"{name} category", str(tick), True
            if text := title(axis.get("colorbar", {}).get("title")):
                yield f"{name} colorbar", text, False
    for note in layout.get("annotations") or []:
        if isinstance(note.get("text"), str):
            yield "annotation", note["text"], False
    if text := title(layout.get("legend", {}).get("title")):
        yield "legend title", text, False
    for trace in figure.get("data", []):
        if isinstance(trace.get("name"), str) and trace.get("showlegend", True) is not False:
            yield "legend", trace["name"], True
        for key in ("x", "y", "theta", "labels", "text"):
            values = trace.get(key)
            if isinstance(values, list):
                for value in values:
                    if isinstance(value, str):
                        yield f"trace {key}", value, key != "text"
                    elif value is None and key in ("text", "labels"):
                        continue
        if text := title((trace.get("colorbar") or {}).get("title")):
            yield "colorbar", text, False


_TAG = re.compile(r"<[^>]+>")
_DATA = re.compile(r"var P\s*=\s*(\{.*?\});\n", re.S)
_INNER_HTML = re.compile(r'innerHTML\s*=\s*("(?:[^"\\]|\\.)*")')
# Strings of the map data that are not shown: colours, links, codes, CSS.
_NOT_TEXT = re.compile(r"^(#[0-9a-fA-F]{3,8}|https?:|\.{0,2}[/?]|GM\d{4}$|[\w-]+:[^ ]*;)")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


def map_texts(json_args: str) -> Iterator[tuple[str, str, bool]]:
    """Visible text of a map: the strings of its data objects (tooltips, popups, labels) and
    of the HTML its scripts write (the legend), with tags removed."""
    args = json.loads(json_args)
    scripts = "\n".join(v for v in args.values() if isinstance(v, str))
    for match in _DATA.finditer(scripts):
        for value in _strings(json.loads(match.group(1))):
            if _NOT_TEXT.match(value):
                continue
            for piece in _TAG.split(value):
                if piece.strip():
                    yield "map data", piece.strip(), True
    for match in _INNER_HTML.finditer(scripts):
        for piece in _TAG.split(json.loads(match.group(1))):
            if piece.strip():
                yield "map legend", piece.strip(), True


def download_texts(manager: MediaFileManager) -> Iterator[tuple[str, str, bool]]:
    """The content of every download of the run, the deferred ones built as a click would."""
    payloads: list[tuple[str, bytes]] = []
    storage_ = manager._storage
    for file_id, entry in list(manager._deferred_callables.items()):
        data = entry["callable"]()
        payloads.append(
            (entry["filename"] or file_id, data.encode() if isinstance(data, str) else data)
        )
    for file_id, media in list(getattr(storage_, "_files_by_id", {}).items()):
        if media.filename or media.mimetype:
            payloads.append((media.filename or file_id, media.content))
    for name, data in payloads:
        yield from _document_texts(name, data)


def _document_texts(name: str, data: bytes) -> Iterator[tuple[str, str, bool]]:
    where = f"download {name}"
    if name.endswith(".csv"):
        text = data.decode("utf-8-sig")
        first = text.split("\n", 1)[0]
        for row in csv.reader(io.StringIO(text), delimiter=";" if ";" in first else ","):
            for cell in row:
                yield where, cell, True
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        for sheet in book.worksheets:
            yield f"{where} sheet", sheet.title, True
            for row in sheet.iter_rows(values_only=True):
                for cell in row:
                    if isinstance(cell, str):
                        yield f"{where} {sheet.title}", cell, True
                    elif isinstance(cell, float) and len(repr(cell).split(".")[-1]) > 4:
                        yield f"{where} {sheet.title}", f"{cell}", True
    elif name.endswith(".docx"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml").decode("utf-8")
        for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S):
            text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", paragraph))
            if text.strip():
                yield where, text, False
    elif name.endswith(".pdf"):
        from pypdf import PdfReader

        for page in PdfReader(io.BytesIO(data)).pages:
            for line in (page.extract_text() or "").splitlines():
                yield where, line, False
    elif name.endswith((".md", ".txt")):
        for line in data.decode("utf-8").splitlines():
            yield where, line, False


def _protos(node) -> Iterator[Message]:
    proto = getattr(node, "proto", None)
    if isinstance(proto, Message):
        yield proto
    for child in getattr(node, "children", {}).values():
        yield from _protos(child)


def visible_texts(at: AppTest) -> Iterator[tuple[str, str, bool]]:
    """(where, text, whole) of everything a person reads on the page and in its downloads."""
    for proto in _protos(at._tree):
        kind = proto.DESCRIPTOR.name
        if kind in TABLE_KINDS:
            yield from table_texts(proto)
        elif kind == "PlotlyChart":
            yield from plotly_texts(proto.spec)
        elif kind == "ComponentInstance":
            yield from map_texts(proto.json_args)
        else:
            options = {"options", "display_values"}
            for where, text in _proto_strings(proto, kind):
                yield where, text, where.rsplit(".", 1)[-1] in options
    if RecordingMediaFileManager.last is not None:
        yield from download_texts(RecordingMediaFileManager.last)


# The row "Mediaan peergroep" next to municipalities (maturity and compare pages).
PEER_MEDIAN_KEYS = ("maturity.peer_median", "compare.peer_median")


def wrong_municipalities(at: AppTest, names: set[str]) -> list[str]:
    """Cells of a "Gemeente"/"Municipality" column that are not a municipality name."""
    wrong = []
    for proto in _protos(at._tree):
        if proto.DESCRIPTOR.name not in TABLE_KINDS:
            continue
        frame, _, config, _ = _table_parts(proto)
        for column in frame.columns:
            label = str(config.get(str(column), {}).get("label") or column)
            if label in ("Gemeente", "Municipality"):
                rows = names | {"–"} | {i18n.t(k, lang) for k in PEER_MEDIAN_KEYS for lang in LANGS}
                wrong += [str(v) for v in frame[column] if isinstance(v, str) and v not in rows]
    return wrong


def charts_without_dutch_separators(at: AppTest) -> list[str]:
    """Charts with numbers on an axis that do not write them the Dutch way (0,65; 1.234)."""
    wrong = []
    for proto in _protos(at._tree):
        if proto.DESCRIPTOR.name != "PlotlyChart":
            continue
        figure = json.loads(proto.spec)
        numeric = any(
            isinstance(value, (int, float)) and not isinstance(value, bool)
            for trace in figure.get("data", [])
            for key in ("x", "y", "r", "z")
            for value in (trace.get(key) or [])[:5]
            if not isinstance(value, list)
        )
        if numeric and figure.get("layout", {}).get("separators") != ",.":
            title = figure.get("layout", {}).get("title", {})
            wrong.append(str(title.get("text") if isinstance(title, dict) else title) + proto.id)
    return wrong


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", PAGES)
def test_no_raw_values_on_any_page(page, lang, role, app):
    RecordingMediaFileManager.last = None
    at = open_page(page, lang=lang, role=role, app=app)
    texts = list(visible_texts(at))
    assert len(texts) > 10, texts
    found: dict[str, list[str]] = {}
    for where, text, whole in texts:
        kinds = problems_in(text, lang, whole=whole)
        if where.startswith("trace") and CODED_NAME.match(text):
            kinds.append("code as a chart label")  # "GM0047-BEE-1" rows of a heatmap
        if kinds:
            found.setdefault(f"{where}: {text[:120]!r}", kinds)
    assert not found, "\n".join(f"{k} -> {v}" for k, v in list(found.items())[:60])
    assert not wrong_municipalities(at, app["names"])
    if lang == "nl":
        assert not charts_without_dutch_separators(at)
