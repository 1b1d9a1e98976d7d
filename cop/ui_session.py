"""Streamlit glue of what a session keeps and how long a page waits (issue 14).

Beside :mod:`cop.ui`, which re-exports what pages use from here: the kept sign-in (a
signed token in a cookie, :mod:`cop.access.sessions`), the language in every URL, widget
values that survive a page change, and waits that say what they wait for: boundaries
loaded in the background (:class:`cop.geo.boundary_loader.BackgroundLoader`) and a notice when
the browser cannot load the map library. See docs/sessions-and-links.md.
"""

from __future__ import annotations

import html
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import streamlit as st

from cop import ui, ui_signin
from cop.access import accounts, sessions
from cop.core import i18n
from cop.core.config import get_settings
from cop.ui import tr

#: Every piece of HTML this module puts in a page starts with this element, so that a test
#: that looks for HTML from the data can tell the app's own (catalog text only) apart.
OWN_HTML = '<div data-cop-own="1" hidden></div>'

# ---------------------------------------------------------------- language in the URL

LANG_PARAM = "lang"
_LANG_IN_URL_KEY = "_lang_in_url"  # the language this session last read from/wrote to the URL
LANG_SET_KEY = "_lang_set"  # init_language wrote the switch's value in this run


def init_language() -> None:
    """The session's language: ``?lang=`` when the URL brings a new one, else the kept one.

    The URL wins when its language differs from the one this session last saw there (a
    shared link, a popup link, the browser's back button); otherwise the session's choice
    stands and is written back (:func:`keep_language_in_url`). Dutch by default.
    """
    asked = st.query_params.get(LANG_PARAM)
    if asked in i18n.LANGUAGES and asked != st.session_state.get(_LANG_IN_URL_KEY):
        st.session_state[ui.LANG_KEY] = asked
        st.session_state[_LANG_IN_URL_KEY] = asked
        st.session_state[LANG_SET_KEY] = True
    elif ui.LANG_KEY not in st.session_state:
        st.session_state[ui.LANG_KEY] = i18n.normalise_language(None)
        st.session_state[LANG_SET_KEY] = True


def keep_language_in_url() -> None:
    """Every page's URL carries the language (``?lang=en``), also after a page change.

    ``st.navigation`` drops the query parameters when the person picks another page; this
    puts the language back on every run, so a reload, a new tab or a copied link keeps it.
    """
    st.session_state[_LANG_IN_URL_KEY] = ui.lang()
    if st.query_params.get(LANG_PARAM) != ui.lang():
        st.query_params[LANG_PARAM] = ui.lang()


def _keep_language_in_url() -> None:
    """The language switch's callback: the new choice goes into the URL at once."""
    keep_language_in_url()


# ---------------------------------------------------------------- kept sign-in (cookie)

TOKEN_KEY = ui.TOKEN_KEY  # the token of this session's sign-in (to revoke on sign-out)
COOKIE_WRITE_KEY = "_session_cookie_write"  # (value, max_age) the sidebar writes once
COOKIE_READ_KEY = "_session_cookie_read"  # the cookie was looked at in this session
_REVOKED = sessions.Revocations()


@st.cache_resource(show_spinner=False)
def _session_secret(configured: str | None, data_dir: str) -> bytes:
    return sessions.load_secret(configured, Path(data_dir))


def session_secret() -> bytes:
    """The server secret that signs kept sign-ins (:func:`cop.access.sessions.load_secret`)."""
    configured = os.environ.get(sessions.SECRET_ENV)
    if not configured:
        try:
            configured = st.secrets.get(sessions.SECRET_ENV)
        except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
            configured = None
    return _session_secret(configured or None, str(get_settings().data_dir))


def session_cookie() -> str | None:
    """The kept sign-in the browser sent when this session connected, if any."""
    value = st.context.cookies.get(sessions.COOKIE_NAME)
    return value if isinstance(value, str) else None  # AppTest's context has no cookies


def _cookie_path() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + base if base else "/"


def write_session_cookie() -> None:
    """Set or delete the session cookie in the browser, once, after a sign-in or sign-out.

    ``st.html`` with script runs in the page itself (not in a sandboxed frame), so it can
    write ``document.cookie``; the element is sent on this run only.
    """
    pending = st.session_state.pop(COOKIE_WRITE_KEY, None)
    if pending is None:
        return
    value, max_age = pending
    st.html(
        OWN_HTML + sessions.cookie_script(value, max_age, _cookie_path()),
        width="content",
        unsafe_allow_javascript=True,
    )


def forget_sign_in() -> None:
    """On sign-out: revoke this session's token, delete the cookie, never read it again."""
    token = st.session_state.pop(TOKEN_KEY, None)
    if token:
        _REVOKED.revoke(token)
        st.session_state[COOKIE_WRITE_KEY] = ("", 0)
    st.session_state[COOKIE_READ_KEY] = True  # the old cookie is still sent: ignore it


def signed_out_elsewhere() -> bool:
    """Whether this session's token was revoked by a sign-out in another tab."""
    token = st.session_state.get(TOKEN_KEY)
    return bool(token) and _REVOKED.revoked(token, time.time())


def keep_sign_in(username: str, minutes: float) -> None:
    """Issue the token of a fresh password sign-in and have the sidebar set its cookie."""
    binding = accounts.session_binding(ui.engine(), username)
    if binding is None:
        return
    started = float(st.session_state[ui.SIGNED_IN_AT_KEY])
    token = sessions.issue(
        session_secret(), username, binding, issued_at=started, lifetime_seconds=minutes * 60
    )
    st.session_state[TOKEN_KEY] = token
    st.session_state[COOKIE_WRITE_KEY] = (token, int(minutes * 60))


def restore_sign_in(minutes: float) -> None:
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
        lambda name: accounts.session_binding(ui.engine(), name),
        now=time.time(),
        lifetime_seconds=minutes * 60,
        revoked=_REVOKED,
    )
    user = accounts.get_user(ui.engine(), claims.username) if claims else None
    if claims is None or user is None:
        st.session_state[COOKIE_WRITE_KEY] = ("", 0)  # a stale cookie is removed
        return
    ui_signin._sign_in(
        user.username,
        user.role,
        user.municipality_code,
        signed_in_at=claims.issued_at,
        token=token,
    )


# ---------------------------------------------------------------- widgets kept across pages


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


# ---------------------------------------------------------------- boundaries (map, issue 3)

BOUNDARY_RETRY_SECONDS = 600  # how long a failed download is remembered before a retry
BOUNDARY_WAIT_SECONDS = 3.0  # the longest a page waits for boundaries before drawing points
BOUNDARY_PENDING = "pending"  # ``source`` of :func:`web_boundaries` while they are loading


def _file_stamp(path: object) -> str:
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
    background loader (:class:`cop.geo.boundary_loader.BackgroundLoader`), not on every view.
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


# The settings each key was asked for with: the download runs in another thread, later,
# and must use the settings of the request (offline, file, year), not whatever the
# environment holds by then.
_SETTINGS_BY_KEY: dict[str, object] = {}


def _load_boundaries(key: str) -> object:
    from cop.geo import boundaries

    return boundaries.load_boundaries(settings=_SETTINGS_BY_KEY.get(key))  # type: ignore[arg-type]


def _new_boundary_loader() -> object:
    from cop.geo import boundary_loader

    return boundary_loader.BackgroundLoader(_load_boundaries, retry_seconds=BOUNDARY_RETRY_SECONDS)


# One loader per server process: a download runs in its own thread, once for everyone.
_BOUNDARY_LOADER = _new_boundary_loader()


def _boundary_result(wait: float | None) -> tuple[str, object, int]:
    key = boundaries_key()
    _SETTINGS_BY_KEY.setdefault(key, get_settings())
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
        OWN_HTML
        + f'<div id="{element_id}" class="cop-map-status" role="status" aria-live="polite" hidden>'
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
    return boundaries.measures_outside_municipality(ui._table(url, version, "measures"), result.gdf)


def measures_outside() -> pd.DataFrame | None:
    """Measures whose point lies outside their own municipality; ``None`` without boundaries
    (also while they are still loading in the background)."""
    key, result, generation = _boundary_result(BOUNDARY_WAIT_SECONDS)
    if result is None:
        return None
    url, (version,) = get_settings().database_url, ui.table_versions("measures")
    return _measures_outside(key, generation, url, version)
