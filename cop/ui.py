"""Streamlit-only helpers: cached loaders, session keys and widgets shared by pages.

This is the only module of ``cop`` that imports Streamlit. Loaders are thin
``st.cache_data`` wrappers around :mod:`cop.data.storage` keyed on the database URL and the
versions of the tables they read, so a write by anyone invalidates, at every session's next
rerun, what was computed from the tables it changed, and nothing else.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.runtime.uploaded_file_manager import UploadedFile

from cop.access import accounts, visibility
from cop.core import config, i18n, styles, text
from cop.core.config import get_settings
from cop.data import caches, failures, presentation, storage
from cop.data.schema import TABLES
from cop.data.validation import ValidationReport
from cop.maturity import comparison

# Session-state keys used by more than one page live here, in one place.
LANG_KEY = "lang"
ROLE_KEY = "role"
USER_KEY = "user"
SIGNED_IN_AT_KEY = "signed_in_at"  # epoch seconds of the sign-in (session expiry)
MUNICIPALITY_KEY = "user_municipality"  # municipality code of the signed-in member

log = logging.getLogger(__name__)


def md(value: object) -> str:
    """``value`` (a name, a title, a question: anything from the database) as literal text
    in a Markdown context: ``st.markdown``/``caption``/``info``, headers, and the labels of
    widgets, expanders, tabs, page links and metrics (:func:`cop.core.text.md_escape`).

    Selectbox and multiselect options, tables and ``st.code`` are plain text and need no
    escaping.
    """
    return text.md_escape(value)


def lang() -> str:
    return i18n.normalise_language(st.session_state.get(LANG_KEY))


def tr(key: str, /, **values: object) -> str:
    """The message ``key`` in the session's language."""
    return i18n.t(key, lang(), **values)


#: How a table shows an empty cell: "–", never "None" (``st.dataframe(..., **EMPTY_CELL)``).
EMPTY_CELL: dict[str, str] = {"placeholder": "–"}


def empty_prompt(*, single: bool = False) -> dict[str, str]:
    """Keyword arguments giving an empty multiselect/selectbox its prompt in the UI language.

    Streamlit's own prompt ("Choose options") is always English.
    """
    return {"placeholder": tr("app.choose_one" if single else "app.choose")}


def vocab_label(
    prefix: str, *, numbered: bool = False, others: Mapping[object, str] | None = None
) -> Callable[[object], str]:
    """The label of a vocabulary code (``theme``, ``status``, ``level``, ...) in the UI language.

    The one way pages name a code: as a widget's ``format_func``
    (``format_func=ui.vocab_label("theme")``) or for a single text
    (``ui.vocab_label("dimension")(code)``). ``numbered`` puts the code before its label
    ("3 Ontwikkelend", for levels); ``others`` gives options outside the vocabulary a
    catalog key (``others={None: "map.all_themes"}`` labels ``None`` "Alle thema's"). The
    language is fixed when the function is made, so labels stay consistent where Streamlit
    calls it outside the script run (AppTest's ``select``).
    """
    language = lang()
    fixed = {option: i18n.t(key, language) for option, key in (others or {}).items()}

    def label(code: object) -> str:
        if code in fixed:
            return fixed[code]
        text = i18n.label(prefix, code, language)
        return f"{code} {text}" if numbered else text

    return label


def option_label(
    template: str, *, others: Mapping[object, str] | None = None
) -> Callable[[object], str]:
    """A ``format_func`` for options whose label is a catalog message named after them.

    ``option_label("compare.mode_{}")`` labels option ``peers`` with ``compare.mode_peers``;
    ``others`` maps options with a message of their own to its key. Like
    :func:`vocab_label`, the language is fixed when the function is made.
    """
    language = lang()
    fixed = {option: i18n.t(key, language) for option, key in (others or {}).items()}

    def label(option: object) -> str:
        return fixed[option] if option in fixed else i18n.t(template.format(option), language)

    return label


def num(value: float | int | None, decimals: int = 0) -> str:
    return i18n.format_number(value, decimals, lang())


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    engine = storage.make_engine(url)
    storage.init_db(engine)
    return engine


def engine() -> Engine:
    """The shared engine; the database is created and filled on first use."""
    return _engine(get_settings().database_url)


@contextmanager
def error_boundary() -> Iterator[None]:
    """Run the page (``app.py`` wraps sidebar and page in it); a failure becomes a message.

    The person sees one sentence in their language and a reference id; the traceback goes
    to the server log only, under that reference, never to the browser (it held host
    names, ports, file paths, SQL and user names). A database that cannot be reached,
    written or is busy gets its own notice, and the engine's cached connections are
    dropped, so the next run (the "try again" button) starts afresh: the app recovers
    by itself when the server is back or the data directory is writable again.
    Streamlit's own control flow (``st.rerun``, ``st.stop``, ``st.switch_page``) raises
    ``BaseException`` subclasses and passes through. With ``COP_DEBUG=1`` the exception
    is re-raised after the message (developers and tests see the traceback).
    """
    try:
        yield
    except Exception as exc:
        failure = failures.describe(exc)
        reference = failures.reference_id()
        log.error("page failed, reference %s (%s)", reference, failure.kind, exc_info=exc)
        if failure.about_database:
            _engine.clear()
        key = failure.key if failure.expected else "failure.page_bug"
        text = i18n.t(key, lang(), **failure.params)
        st.error(
            f"{md(text)} {md(tr('failure.reference', reference=reference))}",
            icon=":material/error:",
        )
        st.button(tr("failure.retry"), key="failure_retry", icon=":material/refresh:")
        if config.debug_enabled():
            raise


def _versions() -> tuple[int, dict[str, int]]:
    url = get_settings().database_url
    version, tables = storage.data_versions(engine())
    if _prewarm_enabled():
        _PREWARM.ensure(url, version)
    return version, tables


def data_version() -> int:
    """The data version: changes on every write; a new one starts the prewarm (``_PREWARM``)."""
    return _versions()[0]


def table_versions(*names: str) -> tuple[int, ...]:
    """The version each table is cached under: the data version of its last change.

    A write stamps only the tables it changed (:func:`cop.data.writes.table_versions`),
    so a posted answer leaves the trends of the monitoring table, the maturity
    aggregates and the map cached; only what reads the answers is computed again.
    """
    version, tables = _versions()
    return tuple(tables.get(name, version) for name in names)


def _stamped(url: str, name: str) -> int:
    """:func:`table_versions` outside a page (the prewarm thread), for ``url``."""
    version, tables = storage.data_versions(_engine(url))
    return tables.get(name, version)


# ---------------------------------------------------------------- per-data-version caches
# Data-only work is computed once per data version and shared by every session: whole tables
# (_SHARED_TABLES), derived frames (compute) and, ahead of the first user, the slow ones.

TABLE_CACHE_ENTRIES = 24  # shared frames kept: every table of one or two databases
# Whole tables, read once per data version and shared by every session (see cop.data.caches).
# Slow results of compute() and large tables, on disk for the next server start (see
# cop.data.caches.ResultStore).
_RESULTS = caches.ResultStore(lambda: get_settings().cache_dir / caches.RESULTS_FOLDER)


def _read_shared(url: str, name: str) -> pd.DataFrame:
    """A whole table, from the copy on disk (Parquet) a server kept for its stamp when the
    table is large: after a restart the national monitoring table loads in 0.3 s instead
    of 4 s from SQLite. A copy is kept only when no write changed the table meanwhile, and
    never of a table with personal data (the database is where those live)."""
    engine = _engine(url)
    spec = TABLES.get(name)
    if spec is None or spec.personal or spec.coordinators_only:
        return storage.read_table(engine, name)
    secret, (stamp,) = storage.cache_identity(engine, [name])
    stored = _RESULTS.name(secret, [url, "table", name, stamp])
    frame = _RESULTS.load_frame(secret, stored)
    if frame is not None:
        return frame
    frame = storage.read_table(engine, name)
    if len(frame) >= caches.STORE_TABLE_ROWS and storage.cache_identity(engine, [name]) == (
        secret,
        (stamp,),
    ):
        _RESULTS.save_frame(secret, stored, frame)
    return frame


_SHARED_TABLES = caches.SharedTables(_read_shared, TABLE_CACHE_ENTRIES)


def _table(url: str, version: int, name: str) -> pd.DataFrame:
    """A private shallow copy of the shared table (copy-on-write keeps changes private)."""
    return _SHARED_TABLES.private(url, version, name)


def table(name: str) -> pd.DataFrame:
    """A whole table, cached until the data changes, as the signed-in person may see it.

    Tables with personal data always pass through ``cop.access.visibility.visible_frame``, so no page
    can get contact details its reader may not see, whichever loader it calls.
    """
    frame = _table(get_settings().database_url, *table_versions(name), name)
    if name in TABLES and (TABLES[name].personal or TABLES[name].coordinators_only):
        return visibility.visible_frame(name, frame, role())
    return frame


@st.cache_data(show_spinner=False, max_entries=16)
def _review_table(url: str, version: int, name: str) -> pd.DataFrame:
    return storage.read_table(_engine(url), name, unpublished=True)


def review_table(name: str) -> pd.DataFrame:
    """Every row of ``name`` with its review columns: coordinators only.

    The published view (:func:`table`) is what every page shows; this one is the review
    queue's and the Data page's for coordinators. Anyone else gets a ``PermissionError``,
    so a page that forgot to check the role still shows nothing unpublished.
    """
    if role() != "coordinator":
        raise PermissionError("only coordinators see rows waiting for review")
    return _review_table(get_settings().database_url, *table_versions(name), name)


def own_submissions() -> pd.DataFrame:
    """The signed-in person's own shared practices in any review state (with the review
    columns); empty for a visitor. A member sees only what they submitted themselves."""
    frame = _review_table(get_settings().database_url, *table_versions("measures"), "measures")
    if role() == "visitor" or USER_KEY not in st.session_state:
        return frame.iloc[0:0]
    mine = frame["submitted_by"] == str(st.session_state[USER_KEY])
    return frame[mine.fillna(False).to_numpy(dtype=bool)]


def username() -> str | None:
    """The signed-in account's name (the ``actor`` of what they store), or ``None``."""
    return None if role() == "visitor" else st.session_state.get(USER_KEY)


@st.cache_data(show_spinner=False, max_entries=128)
def _photo(url: str, version: int, photo_id: int, unpublished: bool) -> dict | None:
    return storage.read_photo(_engine(url), photo_id, unpublished=unpublished)


def photo(photo_id: int, *, unpublished: bool = False) -> dict | None:
    """One photo with its picture, cached; unpublished ones only for whom may see them
    (the caller decides with :mod:`cop.community.submissions`)."""
    return _photo(get_settings().database_url, data_version(), int(photo_id), unpublished)


def role() -> str:
    """The signed-in person's role; ``"visitor"`` unless a sign-in is present and current.

    Checked on every call (not only by the sidebar), so a page reached without the
    entry point's sidebar still never shows more than a visitor may see.
    """
    value = st.session_state.get(ROLE_KEY, "visitor")
    if value not in visibility.ROLES or USER_KEY not in st.session_state:
        return "visitor"
    try:
        minutes = config.auth_settings().session_minutes
    except ValueError:
        return "visitor"
    if accounts.session_expired(st.session_state.get(SIGNED_IN_AT_KEY), time.time(), minutes):
        return "visitor"
    return value


def actor() -> str:
    """Who the change history names for a save from this session: the signed-in username
    (the role when the session has none)."""
    user = st.session_state.get(USER_KEY)
    return str(user) if user and role() != "visitor" else role()


def visible(name: str) -> pd.DataFrame:
    """A table as the signed-in person may see it (the access rule lives in cop.access.visibility).

    Coordinators see practices waiting for review too (they review them), with the review
    columns; everyone else the published view.
    """
    if name in TABLES and TABLES[name].reviewed and role() == "coordinator":
        return review_table(name)
    return table(name)


@st.cache_data(show_spinner=False, max_entries=256)
def _compute(
    module: str,
    name: str,
    url: str,
    versions: tuple[int, ...],
    tables: tuple[str, ...],
    params: str,
    _func: Callable[..., object] | None = None,
) -> object:
    # The key is the function's module and name and the versions of the tables it reads;
    # ``_func`` (not hashed: leading underscore) is the function the page passed, else
    # the prewarm finds it by name. A slow result is also kept on disk (_RESULTS) and
    # found there, before any table is read, after a restart.
    start = time.perf_counter()
    secret, stamps = storage.cache_identity(_engine(url), tables)
    if [storage.stamp_version(stamp) for stamp in stamps] != list(versions):
        secret = ""  # a write came in between: these results are not kept on disk
    stored = _RESULTS.name(secret, [url, module, name, list(tables), list(stamps), params])
    found, result = _RESULTS.load(secret, stored)
    if found:
        return result
    frames = [_guarded(t, _table(url, v, t)) for t, v in zip(tables, versions, strict=True)]
    result = (_func or caches.function(module, name))(*frames, **json.loads(params))
    call = {"module": module, "name": name, "tables": list(tables), "params": params}
    seconds = time.perf_counter() - start
    _PREWARM.learn(call, seconds)
    if seconds >= caches.STORE_MIN_SECONDS:
        _RESULTS.save(secret, stored, result)
    return result


def _guarded(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a visitor sees it when it holds personal data (see :func:`compute`)."""
    spec = TABLES.get(name)
    if spec is not None and (spec.personal or spec.coordinators_only):
        return visibility.visible_frame(name, frame, "visitor")
    return frame


def compute(func: Callable[..., object], *tables: str, **params: object) -> object:
    """``func(table1, table2, ..., **params)`` cached until one of those tables changes.

    Pages call pure ``cop`` functions through this so that a derived frame (overall
    maturity, all trends, ...) is computed once per data change, and the cache key hashes
    only table names and small parameters, never a large DataFrame. Parameters must be
    JSON-serialisable. The result is shared by every session, whatever its role, so tables
    with personal data are read as a *visitor* sees them (personal columns blanked, no rows
    of a coordinators-only table): a computation never needs those cells (the brief lists
    answers by municipality, not by their author), and none can leak through the cache.
    A call slower than ``caches.PREWARM_MIN_SECONDS`` is remembered and computed ahead of
    the first user after the next import or server start (``_PREWARM``).
    """
    module, name, params_json = caches.call_key(func, tables, params)
    url = get_settings().database_url
    versions = table_versions(*tables)
    return _compute(module, name, url, versions, tuple(tables), params_json, func)


@st.cache_data(show_spinner=False, max_entries=64)
def _table_for(url: str, version: int, name: str, codes: tuple[str, ...]) -> pd.DataFrame:
    return storage.read_table(_engine(url), name, municipality_codes=codes)


@st.cache_data(show_spinner=False, max_entries=128)
def _compute_for(
    module: str,
    name: str,
    url: str,
    versions: tuple[int, ...],
    tables: tuple[str, ...],
    codes: tuple[str, ...],
    params: str,
    _func: Callable[..., object],
) -> object:
    frames = [
        _guarded(
            t,
            _table_for(url, version, t, codes)
            if "municipality_code" in TABLES[t].columns
            else _table(url, version, t),
        )
        for t, version in zip(tables, versions, strict=True)
    ]
    return _func(*frames, **json.loads(params))


def compute_for(
    codes: Sequence[str], func: Callable[..., object], *tables: str, **params: object
) -> object:
    """Like :func:`compute`, on the rows of the municipalities ``codes`` only.

    Tables with a ``municipality_code`` column are read with a ``WHERE`` on it (an indexed
    column, SQLite and PostgreSQL alike), so one municipality's monitoring counts (a few
    thousand rows) are read without loading the national table (a million rows).
    """
    module, name, params_json = caches.call_key(func, tables, params)
    url, chosen = get_settings().database_url, tuple(sorted(set(codes)))
    versions = table_versions(*tables)
    return _compute_for(module, name, url, versions, tuple(tables), chosen, params_json, func)


# Libraries the pages import on their first view (a second or more each on a busy machine).
PREWARM_MODULES = ("streamlit_folium", "cop.geo.webmap", "cop.meetings.render", "cop.monitoring")


def _prewarm_steps(url: str, version: int) -> list[Callable[[], object]]:
    """Every table, the libraries, then the boundaries the map draws."""
    steps = caches.warm_steps(_warm_table, url, version, PREWARM_MODULES)
    return [*steps, _prewarm_boundaries]


def _warm_table(url: str, version: int, name: str) -> pd.DataFrame:
    """The shared table as pages will ask for it: under its own version (not ``version``)."""
    return _SHARED_TABLES.get(url, _stamped(url, name), name)


def _replay(
    module: str, name: str, url: str, version: int, tables: tuple[str, ...], params: str
) -> object:
    """A remembered call, computed into the cache pages read (under the tables' versions)."""
    versions = tuple(_stamped(url, t) for t in tables)
    return _compute(module, name, url, versions, tables, params)


def _new_prewarm() -> caches.Prewarm:
    return caches.Prewarm(file=_prewarm_file, steps=_prewarm_steps, replay=_replay)


def _prewarm_file() -> Path:
    return get_settings().cache_dir / caches.PREWARM_FILE


# Started by the first data_version() call that sees a new version (server start, import):
# see cop.data.caches.Prewarm. Pages never wait for it, only for a value it is computing.
_PREWARM = _new_prewarm()


def _prewarm_enabled() -> bool:
    """``COP_PREWARM``: ``on``, ``off``, or ``auto`` (only under ``streamlit run``)."""
    mode = get_settings().prewarm
    if mode == "auto":
        from streamlit.runtime import Runtime

        return Runtime.exists()
    return mode == "on"


def prewarm_wait(timeout: float | None = None) -> bool:
    """Wait until the background computation of the current data version is done.

    For benchmarks and tests (``COP_PREWARM=on``); pages never wait for it.
    """
    return _PREWARM.wait(timeout)


def init_language() -> None:
    """The session's language from the URL or the session (:mod:`cop.ui_session`)."""
    from cop import ui_session

    ui_session.init_language()


def sidebar() -> None:
    """The shared sidebar: language switch, sign-in and the demo-data notice."""
    from cop import ui_session

    ui_session.init_language()
    # The switch's default is the session's language, so a switch that the browser draws
    # afresh (after a page change in a restored session) shows and sends the right one.
    # Not in the run that set the value itself (Streamlit warns about both at once).
    fresh = st.session_state.pop(ui_session.LANG_SET_KEY, False)
    default = {} if fresh else {"index": i18n.LANGUAGES.index(lang())}
    with st.sidebar:
        st.radio(
            i18n.t("app.language", lang()),
            i18n.LANGUAGES,
            key=LANG_KEY,
            format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code],
            horizontal=True,
            on_change=ui_session.keep_language_in_url,
            **default,
        )
        ui_session.keep_language_in_url()
        from cop import ui_signin

        ui_signin.sign_in_box()
        ui_session.write_session_cookie()
        demo = storage.demo_tables(engine())
        if demo:
            st.info(tr("app.demo_notice"), icon=":material/science:")


def user_municipality() -> str | None:
    """Municipality code of the signed-in person, when their account has one."""
    return st.session_state.get(MUNICIPALITY_KEY) if role() != "visitor" else None


TOKEN_KEY = "_session_token"  # the token of this session's kept sign-in (cop.ui_session)


SHELL_KEY = "_cop_shell_ran"


def mark_shell() -> None:
    """Called by ``app.py`` right before it runs the selected page."""
    st.session_state[SHELL_KEY] = True


def _require_shell() -> None:
    """Rerun through ``app.py`` when Streamlit ran a page script on its own.

    Because the pages live in a folder named ``pages/``, Streamlit's legacy multipage
    mode can run a page without the entry point (the first request of a fresh server that
    opens a page URL, and every AppTest ``switch_page``): no page config, sidebar, language
    or sign-in check. Switching that mode off and rerunning makes the entry point run first,
    as it does for every later request.
    """
    if st.session_state.pop(SHELL_KEY, False):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def page_title(title_key: str, intro_key: str | None = None) -> None:
    """The page's title and intro; every page starts with it (it also checks the shell)."""
    _require_shell()
    st.title(tr(title_key))
    if intro_key:
        st.caption(tr(intro_key))


# ---------------------------------------------------------------- tables (cop.ui_tables)


def show_table(
    frame: pd.DataFrame,
    table_name: str | None,
    *,
    key: str,
    height: int | None = None,
    practice_ids: Sequence[object] | None = None,
) -> None:
    """A dataframe in the session's language (:func:`cop.ui_tables.show_table`)."""
    from cop import ui_tables

    ui_tables.show_table(frame, table_name, key=key, height=height, practice_ids=practice_ids)


def edit_table(
    frame: pd.DataFrame, table_name: str, *, key: str, height: int = 400
) -> pd.DataFrame:
    """A data editor in the UI language (:func:`cop.ui_tables.edit_table`)."""
    from cop import ui_tables

    return ui_tables.edit_table(frame, table_name, key=key, height=height)


def download_buttons(
    frame: pd.DataFrame, basename: str, *, key: str, table_name: str | None = None
) -> None:
    """CSV and Excel downloads of the rows shown (:func:`cop.ui_tables.download_buttons`)."""
    from cop import ui_tables

    ui_tables.download_buttons(frame, basename, key=key, table_name=table_name)


# ---------------------------------------------------------------- what several pages repeat


@st.cache_data(show_spinner=False, max_entries=8)
def _municipality_names(url: str, version: int) -> dict[str, str]:
    return presentation.municipality_names(_table(url, version, "municipalities")).to_dict()


def municipality_names() -> dict[str, str]:
    """Name by municipality code (:func:`cop.data.presentation.municipality_names`), cached.

    Every page that shows or offers municipalities reads its names here, once per data
    version, instead of reshaping the table itself.
    """
    return _municipality_names(get_settings().database_url, *table_versions("municipalities"))


def by_name(codes: Iterable[str]) -> list[str]:
    """Municipality codes in the order people look for them: by name, case ignored."""
    names = municipality_names()
    return sorted(codes, key=lambda code: (names.get(code, str(code)).lower(), code))


def keep_choice(key: str, options: Sequence[object], preferred: object = None) -> dict[str, int]:
    """Give the selectbox ``key`` a valid remembered value before it is drawn.

    A value remembered from an earlier run (or another data version) that is no longer an
    option becomes ``preferred`` when that is an option, otherwise the first option.

    Returns the selectbox's ``index`` argument (pass it on with ``**``): the position of the
    remembered value. Streamlit sends a value set by code to the browser only in the run
    that set it; when a click cut that run short (a sign-in right after opening a link),
    the browser drew the box afresh with its default, showed the first option, and sent
    it back as the choice at the next click (an answer went to another help question). A
    default equal to the remembered value makes a fresh box show and send the right one.
    In the run that set the value no index is given: Streamlit sends that value itself
    and warns about a default given as well.
    """
    options = list(options)
    if options and st.session_state.get(key) not in options:
        st.session_state[key] = preferred if preferred in options else options[0]
    if not options or _set_in_this_run(key):
        return {}
    return {"index": options.index(st.session_state[key])}


def _set_in_this_run(key: str) -> bool:
    from streamlit.runtime.state import get_session_state

    return bool(get_session_state().is_new_state_value(key))


def keep_in_url(values: Mapping[str, str | None]) -> None:
    """Write query parameters so a reload or a shared link shows the same selection.

    Empty values remove their parameter; unchanged ones are not written again (each write
    is a message to the browser).
    """
    for name, value in values.items():
        if value:
            if st.query_params.get(name) != value:
                st.query_params[name] = value
        elif name in st.query_params:
            del st.query_params[name]


PROFILE_PAGE = "pages/profile.py"
PROFILE_PARAM = comparison.PROFILE_PARAM  # ?gemeente=GM0344 opens that municipality


def profile_link(
    code: str, label: str, *, help: str | None = None, icon: str | None = None
) -> None:
    """A link that opens the profile page of municipality ``code``.

    ``label`` and ``help`` are plain text (they usually hold a municipality's name): they
    are escaped here, so no caller can turn a stored name into Markdown.
    """
    st.page_link(
        PROFILE_PAGE,
        label=md(label),
        query_params={PROFILE_PARAM: code},
        icon=icon or ":material/location_city:",
        help=None if help is None else md(help),
    )


def file_uploader(label: str, *, types: Sequence[str], key: str) -> UploadedFile | None:
    """``st.file_uploader`` with its English "Upload" and "200MB per file" replaced by the
    catalog's words (:func:`cop.core.styles.uploader_css`) and the limit in a caption."""
    st.html(styles.uploader_css(key, tr("content.upload_button")))
    upload = st.file_uploader(label, type=list(types), key=key)
    limit = num(int(st.get_option("server.maxUploadSize")))
    st.caption(tr("content.upload_limit", types=", ".join(t.upper() for t in types), limit=limit))
    return upload


def even_options(key_prefix: str, columns: int) -> None:
    """Horizontal radio options in equal columns (:func:`cop.core.styles.even_options_css`)."""
    st.html(styles.even_options_css(key_prefix, columns))


def page_in_navigation(script: str) -> bool:
    """Whether ``script`` (``"pages/practice.py"``) is a page of the navigation: a link to a
    page another change adds appears once that page exists, never before."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    pages = ctx.pages_manager.get_pages().values() if ctx is not None else []
    return any(str(p.get("script_path", "")).replace("\\", "/").endswith(script) for p in pages)


def open_profile(code: str) -> NoReturn:
    """Go to the profile page of municipality ``code`` (after a click on the map)."""
    st.switch_page(PROFILE_PAGE, query_params={PROFILE_PARAM: code})


PRACTICE_PAGE = "pages/practice.py"
PRACTICE_PARAM = "maatregel"  # ?maatregel=123 opens that practice


def practice_link(measure_id: object, label: str, *, icon: str | None = None) -> None:
    """A link that opens the page of practice ``measure_id`` (``label`` is escaped here)."""
    st.page_link(
        PRACTICE_PAGE,
        label=md(label),
        query_params={PRACTICE_PARAM: str(int(measure_id))},  # type: ignore[call-overload]
        icon=icon or ":material/eco:",
    )


def open_practice(measure_id: object) -> NoReturn:
    """Go to the page of practice ``measure_id`` (a clicked row or map marker)."""
    st.switch_page(PRACTICE_PAGE, query_params={PRACTICE_PARAM: str(int(measure_id))})  # type: ignore[call-overload]


SHARE_PAGE = "pages/share.py"
SHARE_EDIT_PARAM = "bewerk"  # ?bewerk=123 opens practice 123 in the share form


def share_link(measure_id: object) -> None:
    """A link to the share form with practice ``measure_id`` loaded for editing."""
    st.page_link(
        SHARE_PAGE,
        label=tr("practice.edit"),
        query_params={SHARE_EDIT_PARAM: str(int(measure_id))},  # type: ignore[call-overload]
        icon=":material/edit:",
    )


def _flash_key(scope: str) -> str:
    return f"flash_{scope}"


def flash(scope: str, message: str) -> NoReturn:
    """Remember ``message`` for the page section ``scope`` and rerun the app.

    The rerun draws the page from the stored data; :func:`show_flash` with the same
    ``scope`` then shows the message once. Every "save → message → rerun → success"
    flow of the pages goes through this pair, one scope per page (``data``, ``maturity``,
    ``meeting``, ``peers``, ``toolbox``).
    """
    st.session_state[_flash_key(scope)] = message
    st.rerun()


def show_flash(scope: str) -> None:
    """The message :func:`flash` left for ``scope``, as a success notice, once.

    Messages are plain text (they may name a file, a municipality or a meeting) and are
    escaped here.
    """
    message = st.session_state.pop(_flash_key(scope), None)
    if message is not None:
        st.success(md(message), icon=":material/check:")


def show_problems(report: ValidationReport, *, key: str | None = None) -> None:
    """Why a save was refused: the summary, then each problem.

    With ``key`` the problems are a table (row, column, value, problem) for imports and
    table edits, which may have many; without it a short list for a single form.
    """
    st.error(md(report.summary(lang())), icon=":material/error:")
    if key is None:
        st.markdown("\n".join(f"- {md(message)}" for message in report.messages(lang(), 20)))
        return
    st.dataframe(
        report.to_frame(lang()),
        hide_index=True,
        width="stretch",
        key=key,
        column_config={c: tr(f"edit.col_{c}") for c in ("row", "column", "value", "problem")},
    )


# ---------------------------------------------------------------- boundaries (cop.ui_session)


def web_boundaries() -> dict[str, object]:
    """Boundaries for the map, waiting a few seconds at most (:mod:`cop.ui_session`)."""
    from cop import ui_session

    return ui_session.web_boundaries()


def boundaries() -> object:
    """The full-detail boundaries (spatial checks), waiting a few seconds at most."""
    from cop import ui_session

    return ui_session.boundaries()


def _prewarm_boundaries() -> object:
    from cop import ui_session

    return ui_session.web_boundaries(wait=None)  # the prewarm thread waits it out


def measures_outside() -> pd.DataFrame | None:
    """Measures outside their own municipality (:func:`cop.ui_session.measures_outside`)."""
    from cop import ui_session

    return ui_session.measures_outside()


# ---------------------------------------------------------------- accessibility (issue 14)
#
# What the page itself cannot say through Streamlit: the document language, the
# browser-tab title, the name of the page navigation and the list structure of the
# sidebar navigation (Streamlit renders section headers inside its <ul>). See
# docs/accessibility.md for what is fixed here and what remains Streamlit's.


# Phones: the button that opens the sidebar (navigation and the map's filters) says so in
# words; a container keyed NARROW_ONLY_PREFIX + name (the peers as cards) is shown on
# phones only, in place of the wide element right above it (their table). The map's
# legends fold themselves (cop.geo.webmap.Legend).
NARROW_ONLY_PREFIX = "narrow_only_"


# ---------------------------------------------------------------- accessibility (cop.ui_a11y)


def page_frame(page_title: str) -> None:
    """Tab title, ``<html lang>`` and navigation fixes (:func:`cop.ui_a11y.page_frame`)."""
    from cop import ui_a11y

    ui_a11y.page_frame(page_title)


def chart(figure: object, *, key: str) -> None:
    """A plotly chart with its numbers as a table below (:func:`cop.ui_a11y.chart`)."""
    from cop import ui_a11y

    ui_a11y.chart(figure, key=key)


def map_as_table(metric: pd.DataFrame, value_label: str, *, decimals: int) -> None:
    """A coloured map's values as a table (:func:`cop.ui_a11y.map_as_table`)."""
    from cop import ui_a11y

    ui_a11y.map_as_table(metric, value_label, decimals=decimals)
