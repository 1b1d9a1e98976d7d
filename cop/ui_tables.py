"""Tables on pages: shown, edited and downloaded in the session's language.

Pages call these through :mod:`cop.ui` (``ui.show_table``, ``ui.edit_table``,
``ui.download_buttons``); they live here to keep that module small.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from cop import ui
from cop.data import exports, presentation

STYLED_CELLS_MAX = 50_000  # beyond this, formatting every cell costs more than it helps


def _column_config(frame: pd.DataFrame) -> dict[str, object]:
    """Fallback for very large tables: dates as dd-mm-jjjj, years and ids without separators."""
    config: dict[str, object] = {}
    for column in frame.columns:
        shown = presentation.column_label(column, ui.lang())
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            config[shown] = st.column_config.DateColumn(format="DD-MM-YYYY")
        elif pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            plain = presentation._is_plain(column, series)
            config[shown] = st.column_config.NumberColumn(format="%d" if plain else "localized")
    return config


def show_table(
    frame: pd.DataFrame,
    table_name: str | None,
    *,
    key: str,
    height: int | None = None,
    practice_ids: Sequence[object] | None = None,
) -> None:
    """A dataframe with labels, headers and number/date formats of the session's language.

    Numbers and dates are formatted through a pandas Styler (``1.234,5`` in Dutch whatever
    the browser's locale), so columns still sort by value; empty cells show "–". A table
    with nothing to format (only text) goes without a Styler: marshalling one costs about
    15 µs per cell, and the meeting preview's 3,500-row text table paid 0.2 s per rerun.

    With ``practice_ids`` (the measure id of each row, in row order) a click on a row opens
    that practice's page in the same tab and session (a link column would open a new tab,
    which starts a new session: signed out).
    """
    shown = presentation.labelled(frame, table_name, ui.lang())
    rows_height = 38 + 35 * max(len(shown), 1)
    if height:
        height = min(height, rows_height)
    formats = (
        presentation.display_formats(frame, ui.lang()) if frame.size <= STYLED_CELLS_MAX else {}
    )
    data: object = shown
    config: dict[str, object] = {}
    if formats:
        labels = {presentation.column_label(column, ui.lang()): f for column, f in formats.items()}
        data = shown.style.format(labels, na_rep="–")
    elif frame.size > STYLED_CELLS_MAX:
        config = _column_config(frame)
    selectable = {"on_select": "rerun", "selection_mode": "single-row"} if practice_ids else {}
    event = st.dataframe(
        data,
        hide_index=True,
        width="stretch",
        key=key,
        column_config=config,
        **({"height": height} if height else {}),
        **({} if formats else ui.EMPTY_CELL),
        **selectable,
    )
    if practice_ids:
        st.caption(ui.tr("practice.click_row"))
        rows = event.selection.rows if event is not None else []
        if rows and 0 <= rows[0] < len(practice_ids):
            ui.open_practice(practice_ids[rows[0]])


def edit_table(
    frame: pd.DataFrame, table_name: str, *, key: str, height: int = 400
) -> pd.DataFrame:
    """A data editor in the UI language (:func:`cop.data.presentation.editor_column_config`);
    returns the rows with stored column names and code strings, as saving expects them."""
    edited = st.data_editor(
        presentation.editable_lists(frame, table_name),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=key,
        height=height,
        column_config=presentation.editor_column_config(frame, table_name, ui.lang()),
        **ui.EMPTY_CELL,
    )
    return presentation.stored_lists(edited, frame, table_name)


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
    shown = presentation.labelled(frame, table_name, ui.lang())
    left, right = st.columns(2)
    left.download_button(
        ui.tr("app.download_csv"),
        data=exports.to_csv_bytes(shown, dutch=ui.lang() == "nl"),
        file_name=f"{basename}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    if len(shown) > exports.EXCEL_MAX_ROWS:
        right.caption(ui.tr("app.excel_too_large"))
        return
    right.download_button(
        ui.tr("app.download_xlsx"),
        # built only when clicked: Excel files of large tables take a moment
        data=lambda: exports.to_excel_bytes({basename[:31]: shown}),
        file_name=f"{basename}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/table:",
        on_click="ignore",
    )
