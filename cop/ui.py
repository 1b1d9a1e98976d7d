"""Streamlit-only helpers: cached loaders, session keys and widgets shared by pages.

This is the only module of ``cop`` that imports Streamlit. Loaders are thin
``st.cache_data`` wrappers around :mod:`cop.data.storage` keyed on the database URL and its data
version, so an import by anyone invalidates every session's cache at the next rerun.
"""

from __future__ import annotations

import html
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

from cop.access import accounts, sessions, visibility
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
    steps.append(lambda: web_boundaries(wait=None))
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


LANG_PARAM = "lang"
_LANG_IN_URL_KEY = "_lang_in_url"  # the language this session last read from/wrote to the URL
_LANG_SET_KEY = "_lang_set"  # init_language wrote the switch's value in this run


def init_language() -> None:
    """The session's language: ``?lang=`` when the URL brings a new one, else the kept one.

    The URL wins when its language differs from the one this session last saw there (a
    shared link, a popup link, the browser's back button); otherwise the session's choice
    stands and is written back (:func:`keep_language_in_url`). Dutch by default.
    """
    asked = st.query_params.get(LANG_PARAM)
    if asked in i18n.LANGUAGES and asked != st.session_state.get(_LANG_IN_URL_KEY):
        st.session_state[LANG_KEY] = asked
        st.session_state[_LANG_IN_URL_KEY] = asked
        st.session_state[_LANG_SET_KEY] = True
    elif LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = i18n.normalise_language(None)
        st.session_state[_LANG_SET_KEY] = True


def keep_language_in_url() -> None:
    """Every page's URL carries the language (``?lang=en``), also after a page change.

    ``st.navigation`` drops the query parameters when the person picks another page; this
    puts the language back on every run, so a reload, a new tab or a copied link keeps it.
    """
    st.session_state[_LANG_IN_URL_KEY] = lang()
    if st.query_params.get(LANG_PARAM) != lang():
        st.query_params[LANG_PARAM] = lang()


def _keep_language_in_url() -> None:
    """The language switch's callback: the new choice goes into the URL at once."""
    keep_language_in_url()


def sidebar() -> None:
    """The shared sidebar: language switch and the demo-data notice."""
    init_language()
    # The switch's default is the session's language, so a switch that the browser draws
    # afresh (after a page change in a restored session) shows and sends the right one.
    # Not in the run that set the value itself (Streamlit warns about both at once).
    default = (
        {}
        if st.session_state.pop(_LANG_SET_KEY, False)
        else {"index": i18n.LANGUAGES.index(lang())}
    )
    with st.sidebar:
        st.radio(
            i18n.t("app.language", lang()),
            i18n.LANGUAGES,
            key=LANG_KEY,
            format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code],
            horizontal=True,
            on_change=_keep_language_in_url,
            **default,
        )
        keep_language_in_url()
        sign_in_box()
        _write_session_cookie()
        demo = storage.demo_tables(engine())
        if demo:
            st.info(tr("app.demo_notice"), icon=":material/science:")


def user_municipality() -> str | None:
    """Municipality code of the signed-in person, when their account has one."""
    return st.session_state.get(MUNICIPALITY_KEY) if role() != "visitor" else None


# ---------------------------------------------------------------- kept sign-in (cookie)

TOKEN_KEY = "_session_token"  # the token of this session's sign-in (to revoke on sign-out)
COOKIE_WRITE_KEY = "_session_cookie_write"  # (value, max_age) the sidebar writes once
COOKIE_READ_KEY = "_session_cookie_read"  # the cookie was looked at in this session
_REVOKED = sessions.Revocations()


@st.cache_resource(show_spinner=False)
def _session_secret(configured: str | None, data_dir: str) -> bytes:
    from pathlib import Path

    return sessions.load_secret(configured, Path(data_dir))


def session_secret() -> bytes:
    """The server secret that signs kept sign-ins (:func:`cop.access.sessions.load_secret`)."""
    import os

    configured = os.environ.get(sessions.SECRET_ENV)
    if not configured:
        try:
            configured = st.secrets.get(sessions.SECRET_ENV)
        except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
            configured = None
    return _session_secret(configured or None, str(get_settings().data_dir))


def session_cookie() -> str | None:
    """The kept sign-in the browser sent when this session connected, if any."""
    return st.context.cookies.get(sessions.COOKIE_NAME)


def _cookie_path() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + base if base else "/"


def _write_session_cookie() -> None:
    """Set or delete the session cookie in the browser, once, after a sign-in or sign-out.

    ``st.html`` with script runs in the page itself (not in a sandboxed frame), so it can
    write ``document.cookie``; the element is sent on this run only.
    """
    pending = st.session_state.pop(COOKIE_WRITE_KEY, None)
    if pending is None:
        return
    value, max_age = pending
    st.html(
        sessions.cookie_script(value, max_age, _cookie_path()),
        width="content",
        unsafe_allow_javascript=True,
    )


def _sign_out() -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        _REVOKED.revoke(token)
        st.session_state[COOKIE_WRITE_KEY] = ("", 0)
    for key in (ROLE_KEY, USER_KEY, SIGNED_IN_AT_KEY, MUNICIPALITY_KEY):
        st.session_state.pop(key, None)
    st.session_state[COOKIE_READ_KEY] = True  # never sign in again from the old cookie


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


def _keep_sign_in(username: str, minutes: float) -> None:
    """Issue the token of a fresh password sign-in and have the sidebar set its cookie."""
    binding = accounts.session_binding(engine(), username)
    if binding is None:
        return
    started = float(st.session_state[SIGNED_IN_AT_KEY])
    token = sessions.issue(
        session_secret(), username, binding, issued_at=started, lifetime_seconds=minutes * 60
    )
    st.session_state[TOKEN_KEY] = token
    st.session_state[COOKIE_WRITE_KEY] = (token, int(minutes * 60))


def _restore_sign_in(minutes: float) -> None:
    """Sign in from the session cookie, once per session (a reload, a new tab, a link)."""
    if st.session_state.get(COOKIE_READ_KEY):
        return
    st.session_state[COOKIE_READ_KEY] = True
    token = session_cookie()
    if not token:
        return
    claims = sessions.verify(
        session_secret(),
        token,
        lambda name: accounts.session_binding(engine(), name),
        now=time.time(),
        lifetime_seconds=minutes * 60,
        revoked=_REVOKED,
    )
    user = accounts.get_user(engine(), claims.username) if claims else None
    if claims is None or user is None:
        st.session_state[COOKIE_WRITE_KEY] = ("", 0)  # a stale cookie is removed
        return
    _sign_in(
        user.username,
        user.role,
        user.municipality_code,
        signed_in_at=claims.issued_at,
        token=token,
    )


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
    if settings.mode == "oidc":
        _oidc_box(settings)
        return
    if USER_KEY not in st.session_state:
        _restore_sign_in(settings.session_minutes)
    if USER_KEY in st.session_state:
        user = accounts.get_user(engine(), str(st.session_state[USER_KEY]))
        started = st.session_state.get(SIGNED_IN_AT_KEY)
        token = st.session_state.get(TOKEN_KEY)
        if (
            user is None
            or accounts.session_expired(started, time.time(), settings.session_minutes)
            or (token and _REVOKED.revoked(token, time.time()))
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
                _keep_sign_in(result.user.username, settings.session_minutes)
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


def _kept_key(scope: str) -> str:
    return f"_kept_{scope}"


def restore_widgets(
    scope: str,
    defaults: Mapping[str, object],
    from_url: Mapping[str, object],
    *,
    anchor: str,
) -> bool:
    """Give a page's widgets their values before they are drawn; ``True`` on a fresh entry.

    Streamlit forgets the values of widgets that were not drawn in a run, so a visit to
    another page (a municipality's profile) used to reset every filter. On a fresh entry
    (the always-drawn widget ``anchor`` has no value) the widgets get the URL's values when
    the URL brings any (a shared link, a reload, the back button), else the values kept by
    :func:`remember_widgets`, else their defaults. During reruns on the page the widgets'
    own values stand; one that is not drawn in every run gets its kept value back.
    """
    kept = st.session_state.get(_kept_key(scope), {})
    fresh = anchor not in st.session_state
    if fresh:
        source = from_url if from_url else kept
        for key, default in defaults.items():
            st.session_state[key] = source.get(key, default)
        return True
    for key, default in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = kept.get(key, default)
    return False


def remember_widgets(scope: str, keys: Iterable[str]) -> dict[str, object]:
    """Keep the current values of ``keys`` for the next visit (:func:`restore_widgets`)."""
    kept = dict(st.session_state.get(_kept_key(scope), {}))
    kept.update({key: st.session_state[key] for key in keys if key in st.session_state})
    st.session_state[_kept_key(scope)] = kept
    return kept


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


# ---------------------------------------------------------------- boundaries (map, issue 3)

BOUNDARY_RETRY_SECONDS = 600  # how long a failed download is remembered before a retry
BOUNDARY_WAIT_SECONDS = 3.0  # the longest a page waits for boundaries before drawing points
BOUNDARY_PENDING = "pending"  # ``source`` of :func:`web_boundaries` while they are loading


def _file_stamp(path: object) -> str:
    from pathlib import Path

    if path is None:
        return "-"
    file = Path(str(path))
    if not file.exists():
        return f"{file}:missing"
    stat = file.stat()
    return f"{file}:{stat.st_mtime_ns}:{stat.st_size}"


def boundaries_key() -> str:
    """Cache key of the boundaries: file or download cache (with mtime/size), year, offline.

    Changing ``COP_BOUNDARIES_FILE``, the file itself, the year or a finished download
    gives a new key. A failed download is retried after ``BOUNDARY_RETRY_SECONDS`` by the
    background loader (:class:`cop.geo.boundaries.BackgroundLoader`), not on every view.
    """
    from cop.geo import boundaries

    settings = get_settings()
    parts = [str(settings.boundaries_year), f"offline={settings.offline}"]
    if settings.boundaries_file is not None:
        parts.append("file=" + _file_stamp(settings.boundaries_file))
    else:
        cache = boundaries.boundaries_cache_path(settings.boundaries_year, settings)
        parts.append("cache=" + _file_stamp(cache))
    return "|".join(parts)


def _load_boundaries(key: str) -> object:
    from cop.geo import boundaries

    return boundaries.load_boundaries()


def _new_boundary_loader() -> object:
    from cop.geo import boundaries

    return boundaries.BackgroundLoader(_load_boundaries, retry_seconds=BOUNDARY_RETRY_SECONDS)


# One loader per server process: a download runs in its own thread, once for everyone.
_BOUNDARY_LOADER = _new_boundary_loader()


def _boundary_result(wait: float | None) -> tuple[str, object, int]:
    key = boundaries_key()
    result, generation = _BOUNDARY_LOADER.get(key, wait)  # type: ignore[attr-defined]
    return key, result, generation


def boundaries(wait: float | None = BOUNDARY_WAIT_SECONDS) -> object:
    """The full-detail :class:`cop.geo.boundaries.BoundaryResult` (for spatial checks).

    ``None`` while they are still being loaded in the background after ``wait`` seconds.
    """
    return _boundary_result(wait)[1]


@st.cache_data(show_spinner=False, max_entries=4)
def _web_boundaries(key: str, generation: int) -> dict[str, object]:
    from cop.geo import boundaries

    result, _ = _BOUNDARY_LOADER.get(key, None)  # type: ignore[attr-defined]
    web = boundaries.simplify_for_web(result.gdf) if result.ok else None
    return {
        "source": result.source,
        "year": result.year,
        "message_key": result.message_key,
        "geojson": boundaries.boundaries_geojson(web) if web is not None else None,
        "codes": list(result.gdf["code"]) if result.ok else [],
    }


def web_boundaries(wait: float | None = BOUNDARY_WAIT_SECONDS) -> dict[str, object]:
    """Boundaries simplified and rounded for the map, as GeoJSON, cached once per key.

    Keys: ``source`` (``file``/``cache``/``ogc``/``wfs``/``points``, or ``pending`` while
    they load in the background), ``year``, ``message_key`` (notice to show, or ``None``),
    ``geojson`` (``None`` when boundaries are unavailable) and ``codes`` (municipality
    codes that have a boundary). A page waits ``wait`` seconds at most (with a spinner
    that says what it waits for); after that it gets ``pending`` and draws points.
    """
    key, result, generation = _boundary_result(0)
    if result is None and wait is None:  # background work (the prewarm): wait it out
        key, result, generation = _boundary_result(None)
    elif result is None and wait > 0:
        with st.spinner(tr("session.boundaries_waiting")):
            key, result, generation = _boundary_result(wait)
    if result is None:
        return {
            "source": BOUNDARY_PENDING,
            "year": get_settings().boundaries_year,
            "message_key": "session.boundaries_loading",
            "geojson": None,
            "codes": [],
        }
    with st.spinner(tr("session.boundaries_waiting")):  # simplified once per key
        return _web_boundaries(key, generation)


@st.fragment(run_every=2)
def boundaries_pending_notice() -> None:
    """While boundaries load in the background: a notice that says so, then a redraw.

    Checks every two seconds (without waiting itself) and reruns the whole page once
    they are there, so the person never has to reload to get the polygons.
    """
    if _boundary_result(0)[1] is not None:
        st.rerun(scope="app")
    st.info(tr("session.boundaries_loading"), icon=":material/hourglass_top:")


MAP_SCRIPT_SECONDS = 15  # after this long without Leaflet, the map's frame is declared failed

_MAP_WATCH_JS = """
(function () {
    var box = document.getElementById(%(id)s);
    if (!box || box.dataset.watching) { return; }
    box.dataset.watching = "1";
    var loading = box.querySelector(".cop-map-loading");
    var failed = box.querySelector(".cop-map-failed");
    var started = Date.now();
    var broken = false;
    function frames() {
        return Array.prototype.slice.call(document.querySelectorAll('iframe[title*="st_folium"]'));
    }
    function ready(frame) {
        try { return !!(frame.contentWindow && frame.contentWindow.L && frame.contentWindow.map); }
        catch (error) { return false; }
    }
    function listen(frame) {
        try {
            if (frame.dataset.copWatched) { return; }
            frame.dataset.copWatched = "1";
            frame.contentWindow.addEventListener("error", function (event) {
                var source = event.target && (event.target.src || event.target.href) || "";
                if (/leaflet/i.test(source)) { broken = true; }
            }, true);
        } catch (error) { /* not reachable: the time limit decides */ }
    }
    function check() {
        var list = frames();
        list.forEach(listen);
        if (list.length && list.every(ready)) { box.hidden = true; return; }
        var waited = Date.now() - started;
        if (broken || waited > %(limit)d) {
            box.hidden = false; loading.hidden = true; failed.hidden = false; return;
        }
        if (waited > 1000) { box.hidden = false; loading.hidden = false; }
        setTimeout(check, 250);
    }
    check();
})();
"""


def map_load_watch(key: str) -> None:
    """Say what the map frame is doing: "loading" after a second, a reason if it fails.

    ``st_folium`` draws an empty frame when the browser cannot load Leaflet (a firewall,
    a blocking extension). This small script in the page (not in the map's frame) looks at
    the map frames: hidden as soon as every map has Leaflet and its map; "Kaart laden…"
    after a second; the explanation when a Leaflet file failed or after
    :data:`MAP_SCRIPT_SECONDS`. Place it just above the map (``key`` names the element).
    """
    element_id = f"cop-map-status-{key}"
    st.html(
        f'<div id="{element_id}" class="cop-map-status" role="status" aria-live="polite" hidden>'
        f'<p class="cop-map-loading" hidden>{html.escape(tr("session.map_loading"))}</p>'
        f'<p class="cop-map-failed" hidden><strong>{html.escape(tr("session.map_scripts_failed"))}'
        "</strong></p></div>"
        "<script>"
        + _MAP_WATCH_JS % {"id": json.dumps(element_id), "limit": MAP_SCRIPT_SECONDS * 1000}
        + "</script>",
        unsafe_allow_javascript=True,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _measures_outside(key: str, generation: int, url: str, version: int) -> pd.DataFrame | None:
    from cop.geo import boundaries

    result, _ = _BOUNDARY_LOADER.get(key, None)  # type: ignore[attr-defined]
    if not result.ok:
        return None
    return boundaries.measures_outside_municipality(_table(url, version, "measures"), result.gdf)


def measures_outside() -> pd.DataFrame | None:
    """Measures whose point lies outside their own municipality; ``None`` without boundaries
    (also while they are still loading in the background)."""
    key, result, generation = _boundary_result(BOUNDARY_WAIT_SECONDS)
    if result is None:
        return None
    return _measures_outside(key, generation, get_settings().database_url, data_version())
