"""Streamlit-only helpers: cached loaders, session keys and widgets shared by pages.

This is the only module of ``cop`` that imports Streamlit. Loaders are thin
``st.cache_data`` wrappers around :mod:`cop.data.storage` keyed on the database URL and its data
version, so an import by anyone invalidates every session's cache at the next rerun.
"""

from __future__ import annotations

import importlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import NoReturn

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from cop.access import accounts, visibility
from cop.core import config, i18n, text
from cop.core.config import get_settings
from cop.data import caches, exports, failures, presentation, storage
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


def data_version() -> int:
    """The data version all caches key on; a new one starts the prewarm (``_PREWARM``)."""
    url = get_settings().database_url
    version = storage.data_version(engine())
    if _prewarm_enabled():
        _PREWARM.ensure(url, version)
    return version


# ---------------------------------------------------------------- per-data-version caches
#
# Everything that depends only on the data is computed once per data version and shared by
# every session: whole tables (_SHARED_TABLES), derived frames (compute), and, ahead of the
# first user, the costly ones (_PREWARM). Pages never recompute data-only work per click.

TABLE_CACHE_ENTRIES = 24  # shared frames kept: every table of one or two databases
# Whole tables, read once per data version and shared by every session (see cop.data.caches).
_SHARED_TABLES = caches.SharedTables(
    lambda url, name: storage.read_table(_engine(url), name), TABLE_CACHE_ENTRIES
)


def _table(url: str, version: int, name: str) -> pd.DataFrame:
    """A private shallow copy of the shared table (copy-on-write keeps changes private)."""
    return _SHARED_TABLES.private(url, version, name)


def table(name: str) -> pd.DataFrame:
    """A whole table, cached until the data changes, as the signed-in person may see it.

    Tables with personal data always pass through ``cop.access.visibility.visible_frame``, so no page
    can get contact details its reader may not see, whichever loader it calls.
    """
    frame = _table(get_settings().database_url, data_version(), name)
    if name in TABLES and TABLES[name].personal:
        return visibility.visible_frame(name, frame, role())
    return frame


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


def visible(name: str) -> pd.DataFrame:
    """A table as the signed-in person may see it (the access rule lives in cop.access.visibility)."""
    return table(name)


def _function(module: str, name: str) -> Callable[..., object]:
    return getattr(importlib.import_module(module), name)


@st.cache_data(show_spinner=False, max_entries=256)
def _compute(
    module: str,
    name: str,
    url: str,
    version: int,
    tables: tuple[str, ...],
    params: str,
    _func: Callable[..., object] | None = None,
) -> object:
    # The key is the function's module and name; ``_func`` (not hashed: leading
    # underscore) is the function the page passed, else the prewarm finds it by name.
    start = time.perf_counter()
    frames = [_table(url, version, t) for t in tables]
    func = _func if _func is not None else _function(module, name)
    result = func(*frames, **json.loads(params))
    call = {"module": module, "name": name, "tables": list(tables), "params": params}
    _PREWARM.learn(call, time.perf_counter() - start)
    return result


def _call_key(
    func: Callable[..., object], tables: Sequence[str], params: Mapping[str, object]
) -> tuple[str, str, str]:
    """Module, name and JSON parameters of a :func:`compute` call (personal tables refused)."""
    personal = [t for t in tables if t in TABLES and TABLES[t].personal]
    if personal:
        raise ValueError(f"compute() reads tables unfiltered; use table() for {personal}")
    return func.__module__, func.__name__, json.dumps(params, sort_keys=True, default=str)


def compute(func: Callable[..., object], *tables: str, **params: object) -> object:
    """``func(table1, table2, ..., **params)`` cached per data version.

    Pages call pure ``cop`` functions through this so that a derived frame (overall
    maturity, all trends, ...) is computed once per data change, and the cache key hashes
    only table names and small parameters, never a large DataFrame. Parameters must be
    JSON-serialisable. Personal tables are refused: they are read unfiltered here.
    A call that took more than :data:`PREWARM_MIN_SECONDS` is remembered and computed
    ahead of the first user after the next import or server start (``_PREWARM``).
    """
    module, name, params_json = _call_key(func, tables, params)
    url = get_settings().database_url
    return _compute(module, name, url, data_version(), tuple(tables), params_json, func)


@st.cache_data(show_spinner=False, max_entries=64)
def _table_for(url: str, version: int, name: str, codes: tuple[str, ...]) -> pd.DataFrame:
    return storage.read_table(_engine(url), name, municipality_codes=codes)


@st.cache_data(show_spinner=False, max_entries=128)
def _compute_for(
    module: str,
    name: str,
    url: str,
    version: int,
    tables: tuple[str, ...],
    codes: tuple[str, ...],
    params: str,
    _func: Callable[..., object],
) -> object:
    frames = [
        _table_for(url, version, t, codes)
        if "municipality_code" in TABLES[t].columns
        else _table(url, version, t)
        for t in tables
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
    module, name, params_json = _call_key(func, tables, params)
    url = get_settings().database_url
    chosen = tuple(sorted(set(codes)))
    version = data_version()
    return _compute_for(module, name, url, version, tuple(tables), chosen, params_json, func)


PREWARM_MIN_SECONDS = 0.2  # a compute() slower than this is computed ahead next time
PREWARM_MAX_CALLS = 40  # remembered calls (most recent first)
PREWARM_FILE = "prewarm.json"  # in the cache folder: survives a server restart
PREWARM_PACKAGES = ("cop.",)  # the file names functions; only these are ever called
# Libraries the pages import on their first view (a second or more each on a busy machine).
PREWARM_MODULES = ("streamlit_folium", "cop.geo.webmap", "cop.meetings.render", "cop.monitoring")


def _prewarm_steps(url: str, version: int) -> list[Callable[[], object]]:
    """What the prewarm does first: every table (the largest last), libraries, boundaries."""
    names = sorted(TABLES, key=lambda t: t == "monitoring")
    steps: list[Callable[[], object]] = [
        partial(_SHARED_TABLES.get, url, version, n) for n in names
    ]
    steps += [partial(importlib.import_module, module) for module in PREWARM_MODULES]
    steps.append(_prewarm_boundaries)
    return steps


def _replay(url: str, version: int, call: dict[str, object]) -> object:
    tables = tuple(str(t) for t in call["tables"])  # type: ignore[union-attr]
    return _compute(
        str(call["module"]), str(call["name"]), url, version, tables, str(call["params"])
    )


def _new_prewarm() -> caches.Prewarm:
    return caches.Prewarm(
        file=lambda: get_settings().cache_dir / PREWARM_FILE,
        steps=_prewarm_steps,
        replay=_replay,
        packages=PREWARM_PACKAGES,
        min_seconds=PREWARM_MIN_SECONDS,
        max_calls=PREWARM_MAX_CALLS,
    )


# After a server start or an import, the first data_version() call that sees the new
# version starts one background thread (cop.data.caches.Prewarm): every table, the large
# libraries and the boundaries, then the compute() calls that were slow before. Pages
# never wait for it; they wait at most for a value it is computing at that moment.
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
        sign_in_box()
        ui_session.write_session_cookie()
        demo = storage.demo_tables(engine())
        if demo:
            st.info(tr("app.demo_notice"), icon=":material/science:")


def user_municipality() -> str | None:
    """Municipality code of the signed-in person, when their account has one."""
    return st.session_state.get(MUNICIPALITY_KEY) if role() != "visitor" else None


def _sign_out() -> None:
    from cop import ui_session

    ui_session.forget_sign_in()
    for key in (ROLE_KEY, USER_KEY, SIGNED_IN_AT_KEY, MUNICIPALITY_KEY):
        st.session_state.pop(key, None)


def _sign_in(
    username: str,
    role_name: str,
    municipality: str | None,
    *,
    signed_in_at: float | None = None,
    token: str | None = None,
) -> None:
    st.session_state[USER_KEY] = username
    st.session_state[ROLE_KEY] = role_name
    st.session_state[MUNICIPALITY_KEY] = municipality
    st.session_state[SIGNED_IN_AT_KEY] = time.time() if signed_in_at is None else signed_in_at
    if token is not None:
        st.session_state[TOKEN_KEY] = token


TOKEN_KEY = "_session_token"  # the token of this session's kept sign-in (cop.ui_session)


def sign_in_box() -> None:
    """Sign-in and sign-out in the sidebar; checks on every run that the session still holds.

    The role it stores under ``ROLE_KEY`` is what :func:`role` and :mod:`cop.access.visibility` use.
    Password mode re-reads the account on every run, so a removed account or changed role
    takes effect at the next click, and a sign-in older than ``COP_SESSION_MINUTES`` ends.
    """
    try:
        settings = config.auth_settings()
    except ValueError as exc:
        _sign_out()
        st.error(tr("auth.config_invalid", detail=str(exc)))
        return
    from cop import ui_session

    if settings.mode == "oidc":
        _oidc_box(settings)
        return
    if USER_KEY not in st.session_state:
        ui_session.restore_sign_in(settings.session_minutes)
    if USER_KEY in st.session_state:
        user = accounts.get_user(engine(), str(st.session_state[USER_KEY]))
        started = st.session_state.get(SIGNED_IN_AT_KEY)
        if (
            user is None
            or accounts.session_expired(started, time.time(), settings.session_minutes)
            or ui_session.signed_out_elsewhere()
        ):
            _sign_out()
            st.warning(tr("auth.expired"), icon=":material/timer_off:")
        else:
            st.session_state[ROLE_KEY] = user.role
            st.session_state[MUNICIPALITY_KEY] = user.municipality_code
    elif role() != "visitor":  # a role without a signed-in account is never trusted
        _sign_out()
    if USER_KEY in st.session_state:
        st.caption(
            tr(
                "auth.signed_in_as",
                username=md(st.session_state[USER_KEY]),
                role=tr(f"auth.roles.{role()}"),
            )
        )
        st.button(tr("auth.sign_out"), key="sign_out", on_click=_sign_out, icon=":material/logout:")
        return
    with st.expander(tr("auth.sign_in"), icon=":material/login:"):
        with st.form("sign_in_form", clear_on_submit=True, border=False):
            username = st.text_input(
                tr("auth.username"), key="sign_in_username", autocomplete="username"
            )
            password = st.text_input(
                tr("auth.password"),
                type="password",
                key="sign_in_password",
                autocomplete="current-password",
            )
            submitted = st.form_submit_button(tr("auth.sign_in"), key="sign_in_submit")
        if submitted:
            result = accounts.authenticate(engine(), username, password)
            if result.user is None:
                st.error(tr(result.message_key))
            else:
                _sign_in(result.user.username, result.user.role, result.user.municipality_code)
                ui_session.keep_sign_in(result.user.username, settings.session_minutes)
                st.rerun()


def _oidc_sign_out() -> None:
    _sign_out()
    st.logout()


def _oidc_box(settings: config.AuthSettings) -> None:
    """Sign-in through the organisation's identity provider (``st.login``)."""
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        _sign_out()
        if st.button(tr("auth.sign_in_oidc"), key="sign_in_oidc", icon=":material/login:"):
            try:
                if settings.oidc_provider:
                    st.login(settings.oidc_provider)
                else:
                    st.login()
            except st.errors.StreamlitAuthError as exc:
                st.error(tr("auth.oidc_unavailable", detail=str(exc)))
        return
    email = str(claims.get("email") or "").lower()
    started = st.session_state.get(SIGNED_IN_AT_KEY)
    if st.session_state.get(USER_KEY) != email:
        _sign_in(email, "visitor", None)
    elif accounts.session_expired(started, time.time(), settings.session_minutes):
        _oidc_sign_out()
        return
    st.session_state[ROLE_KEY] = accounts.oidc_role(claims, settings)
    st.caption(tr("auth.signed_in_as", username=md(email), role=tr(f"auth.roles.{role()}")))
    if role() == "visitor":
        st.info(tr("auth.no_rights"), icon=":material/person_off:")
    st.button(
        tr("auth.sign_out"), key="sign_out", on_click=_oidc_sign_out, icon=":material/logout:"
    )


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


STYLED_CELLS_MAX = 50_000  # beyond this, formatting every cell costs more than it helps


def _column_config(frame: pd.DataFrame) -> dict[str, object]:
    """Fallback for very large tables: dates as dd-mm-jjjj, years and ids without separators."""
    config: dict[str, object] = {}
    for column in frame.columns:
        shown = presentation.column_label(column, lang())
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            config[shown] = st.column_config.DateColumn(format="DD-MM-YYYY")
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            plain = presentation._is_plain(column, series)
            config[shown] = st.column_config.NumberColumn(format="%d" if plain else "localized")
    return config


def show_table(
    frame: pd.DataFrame, table_name: str | None, *, key: str, height: int | None = None
) -> None:
    """A dataframe with labels, headers and number/date formats of the session's language.

    Cells are formatted through a pandas Styler (``1.234,5`` in Dutch whatever the
    browser's locale), so columns still sort by value; empty cells show "–".
    """
    shown = presentation.labelled(frame, table_name, lang())
    rows_height = 38 + 35 * max(len(shown), 1)
    if height:
        height = min(height, rows_height)
    if frame.size <= STYLED_CELLS_MAX:
        formats = {
            presentation.column_label(column, lang()): formatter
            for column, formatter in presentation.display_formats(frame, lang()).items()
        }
        data: object = shown.style.format(formats, na_rep="–")
        config: dict[str, object] = {}
    else:
        data, config = shown, _column_config(frame)
    st.dataframe(
        data,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=config,
        **({"height": height} if height else {}),
    )


def download_buttons(
    frame: pd.DataFrame, basename: str, *, key: str, table_name: str | None = None
) -> None:
    """CSV and Excel downloads of exactly the rows shown, with translated headers.

    The buttons do not rerun the app when clicked (``on_click="ignore"``). A rerun
    registers the Excel button's deferred file under a new id and drops the old one, so
    a click on "Excel" right after "CSV", before the browser had the rerun's new id,
    asked for a file that no longer existed (``MediaFileStorageError: Deferred file ...
    not found``) and nothing was downloaded. Nothing on a page depends on a download
    having happened, so no rerun is needed.
    """
    shown = presentation.labelled(frame, table_name, lang())
    left, right = st.columns(2)
    left.download_button(
        tr("app.download_csv"),
        data=exports.to_csv_bytes(shown, dutch=lang() == "nl"),
        file_name=f"{basename}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    if len(shown) > exports.EXCEL_MAX_ROWS:
        right.caption(tr("app.excel_too_large"))
        return
    right.download_button(
        tr("app.download_xlsx"),
        # built only when clicked: Excel files of large tables take a moment
        data=lambda: exports.to_excel_bytes({basename[:31]: shown}),
        file_name=f"{basename}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/table:",
        on_click="ignore",
    )


# ---------------------------------------------------------------- what several pages repeat


@st.cache_data(show_spinner=False, max_entries=8)
def _municipality_names(url: str, version: int) -> dict[str, str]:
    return presentation.municipality_names(_table(url, version, "municipalities")).to_dict()


def municipality_names() -> dict[str, str]:
    """Name by municipality code (:func:`cop.data.presentation.municipality_names`), cached.

    Every page that shows or offers municipalities reads its names here, once per data
    version, instead of reshaping the table itself.
    """
    return _municipality_names(get_settings().database_url, data_version())


def by_name(codes: Iterable[str]) -> list[str]:
    """Municipality codes in the order people look for them: by name, case ignored."""
    names = municipality_names()
    return sorted(codes, key=lambda code: (names.get(code, str(code)).lower(), code))


def keep_choice(key: str, options: Sequence[object], preferred: object = None) -> None:
    """Give the selectbox ``key`` a valid remembered value before it is drawn.

    A value remembered from an earlier run (or another data version) that is no longer an
    option becomes ``preferred`` when that is an option, otherwise the first option.
    """
    if options and st.session_state.get(key) not in options:
        st.session_state[key] = preferred if preferred in options else options[0]


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


def open_profile(code: str) -> NoReturn:
    """Go to the profile page of municipality ``code`` (after a click on the map)."""
    st.switch_page(PROFILE_PAGE, query_params={PROFILE_PARAM: code})


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


def _prewarm_boundaries() -> object:
    from cop import ui_session

    return ui_session.web_boundaries(wait=None)  # the prewarm thread waits it out


def measures_outside() -> pd.DataFrame | None:
    """Measures outside their own municipality (:func:`cop.ui_session.measures_outside`)."""
    from cop import ui_session

    return ui_session.measures_outside()
