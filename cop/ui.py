"""Streamlit-only helpers: cached loaders, session keys and widgets shared by pages.

This is the only module of ``cop`` that imports Streamlit. Loaders are thin
``st.cache_data`` wrappers around :mod:`cop.storage` keyed on the database URL and its data
version, so an import by anyone invalidates every session's cache at the next rerun.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from cop import access, exports, i18n, presentation, storage
from cop.config import get_settings

# Session-state keys used by more than one page live here, in one place.
LANG_KEY = "lang"
ROLE_KEY = "role"
USER_KEY = "user"


def lang() -> str:
    return i18n.normalise_language(st.session_state.get(LANG_KEY))


def tr(key: str, /, **values: object) -> str:
    """The message ``key`` in the session's language."""
    return i18n.t(key, lang(), **values)


def label_func(prefix: str) -> Callable[[object], str]:
    """A ``format_func`` for widgets whose options are vocabulary codes."""
    return lambda code: i18n.label(prefix, code, lang())


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


def data_version() -> int:
    return storage.data_version(engine())


@st.cache_data(show_spinner=False, max_entries=64)
def _table(url: str, version: int, name: str) -> pd.DataFrame:
    return storage.read_table(_engine(url), name)


def table(name: str) -> pd.DataFrame:
    """A whole table, cached until the data changes. Not for personal data: use visible()."""
    return _table(get_settings().database_url, data_version(), name)


def role() -> str:
    value = st.session_state.get(ROLE_KEY, "visitor")
    return value if value in access.ROLES else "visitor"


def visible(name: str) -> pd.DataFrame:
    """A table as the signed-in person may see it (the access rule lives in cop.access)."""
    return access.visible_frame(name, table(name), role())


@st.cache_data(show_spinner=False, max_entries=256)
def _compute(
    module: str, name: str, url: str, version: int, tables: tuple[str, ...], params: str
) -> object:
    func = getattr(importlib.import_module(module), name)
    frames = [_table(url, version, t) for t in tables]
    return func(*frames, **json.loads(params))


def compute(func: Callable[..., object], *tables: str, **params: object) -> object:
    """``func(table1, table2, ..., **params)`` cached per data version.

    Pages call pure ``cop`` functions through this so that a derived frame (overall
    maturity, all trends, ...) is computed once per data change, and the cache key hashes
    only table names and small parameters, never a large DataFrame. Parameters must be
    JSON-serialisable. Not for personal data (tables are read unfiltered).
    """
    return _compute(
        func.__module__,
        func.__name__,
        get_settings().database_url,
        data_version(),
        tuple(tables),
        json.dumps(params, sort_keys=True, default=str),
    )


def init_language() -> None:
    """Language from ``?lang=en`` on first load, otherwise Dutch; kept in the session."""
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = i18n.normalise_language(st.query_params.get("lang"))


def sidebar() -> None:
    """The shared sidebar: language switch and the demo-data notice."""
    init_language()
    with st.sidebar:
        st.radio(
            i18n.t("app.language", lang()),
            i18n.LANGUAGES,
            key=LANG_KEY,
            format_func=lambda code: {"nl": "Nederlands", "en": "English"}[code],
            horizontal=True,
        )
        demo = storage.demo_tables(engine())
        if demo:
            st.info(tr("app.demo_notice"), icon=":material/science:")


def page_title(title_key: str, intro_key: str | None = None) -> None:
    st.title(tr(title_key))
    if intro_key:
        st.caption(tr(intro_key))


PLAIN_NUMBER_COLUMNS = frozenset({"id", "year", "start_year", "joined_year", "level", "urbanity"})


def _column_config(frame: pd.DataFrame) -> dict[str, object]:
    """Dates as dd-mm-jjjj, numbers in the reader's locale (1.234,5 in a Dutch browser)."""
    config: dict[str, object] = {}
    for column in frame.columns:
        shown = presentation.column_label(column, lang())
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            config[shown] = st.column_config.DateColumn(format="DD-MM-YYYY")
        elif column in PLAIN_NUMBER_COLUMNS or column.endswith("_id"):
            if pd.api.types.is_numeric_dtype(series):
                config[shown] = st.column_config.NumberColumn(format="plain")
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            config[shown] = st.column_config.NumberColumn(format="localized")
    return config


def show_table(frame: pd.DataFrame, table_name: str | None, *, key: str, height: int | None = None
               ) -> None:
    """A dataframe with labels, headers and number/date formats for the session's language."""
    st.dataframe(
        presentation.labelled(frame, table_name, lang()),
        hide_index=True,
        width="stretch",
        key=key,
        column_config=_column_config(frame),
        **({"height": height} if height else {}),
    )


def download_buttons(
    frame: pd.DataFrame, basename: str, *, key: str, table_name: str | None = None
) -> None:
    """CSV and Excel downloads of exactly the rows shown, with translated headers."""
    shown = presentation.labelled(frame, table_name, lang())
    left, right = st.columns(2)
    left.download_button(
        tr("app.download_csv"),
        data=exports.to_csv_bytes(shown),
        file_name=f"{basename}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
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
    )
