"""Data: browse every table with filters and download what is shown."""

import streamlit as st

from cop.access import visibility
from cop.access import editing
from cop.data import filters
from cop.geo import boundaries
from cop.data import presentation
from cop.core import vocab
from cop.data.preview import ImportPreview
from cop.data.schema import TABLE_ORDER, TABLES
from cop import ui, ui_community, ui_editing

ui.page_title("data.title", "data.intro")
name = st.selectbox(
    ui.tr("data.table"),
    visibility.visible_tables(TABLE_ORDER, ui.role()),  # join requests: coordinators only
    key="data_table",
    format_func=ui.vocab_label("table"),
)
frame = ui.visible(name)
municipalities = ui.table("municipalities")
options = filters.filter_options(frame)

with st.sidebar:
    st.header(ui.tr("data.filters"))
    names = ui.municipality_names()
    codes = st.multiselect(
        ui.tr("data.municipality"),
        ui.by_name(names),
        format_func=names.get,
        key="data_municipalities",
        disabled=not options["municipality"],
        **ui.empty_prompt(),
    )
    provinces = st.multiselect(
        ui.tr("data.province"),
        vocab.PROVINCES,
        key="data_provinces",
        disabled=not options["province"],
        **ui.empty_prompt(),
    )
    themes = st.multiselect(
        ui.tr("data.theme"),
        vocab.THEMES,
        key="data_themes",
        format_func=ui.vocab_label("theme"),
        disabled=not options["theme"],
        **ui.empty_prompt(),
    )
    status_choices = sorted(frame["status"].dropna().unique()) if options["status"] else []
    status_prefix = "qstatus" if name == "help_questions" else "status"
    statuses = st.multiselect(
        ui.tr("data.status"),
        status_choices,
        key="data_statuses",
        format_func=ui.vocab_label(status_prefix),
        disabled=not options["status"],
        **ui.empty_prompt(),
    )
    years = None
    year_column = filters.year_column(frame)
    if year_column and frame[year_column].notna().any():
        low, high = int(frame[year_column].min()), int(frame[year_column].max())
        if low < high:
            years = filters.narrowed(
                st.slider(ui.tr("data.years"), low, high, (low, high), key=f"data_years_{name}"),
                (low, high),
            )
    text = st.text_input(ui.tr("data.search"), key="data_search")

chosen = filters.TableFilter(
    tuple(codes), tuple(provinces), tuple(themes), tuple(statuses), years, text
)
shown = filters.apply_filter(frame, municipalities, chosen)
st.caption(ui.tr("app.rows_shown", shown=ui.num(len(shown)), total=ui.num(len(frame))))
if TABLES[name].personal and ui.role() == "visitor":
    st.info(ui.tr("data.personal_hidden"), icon=":material/lock:")
    ui_community.coordinator_link()
if shown.empty:
    st.warning(ui.tr("app.no_rows"))
else:
    readable = presentation.with_municipality_names(shown, municipalities)
    ui.show_table(
        readable,
        name,
        key="data_grid",
        height=480,
        practice_ids=shown["id"].tolist() if name == "measures" else None,
    )
    ui.download_buttons(readable, f"cop_{name}", key="data_download", table_name=name)

# --- Measures whose point lies outside their own municipality (issue 3) --------------------
if name == "measures":
    outside = ui.measures_outside()
    st.header(ui.tr("datacheck.outside_title"))
    if outside is None:
        st.caption(ui.tr("datacheck.outside_unavailable"))
    elif outside.empty:
        st.caption(ui.tr("datacheck.outside_none"))
    else:
        st.warning(
            ui.tr(
                "datacheck.outside_intro",
                tolerance=ui.num(boundaries.OUTSIDE_TOLERANCE_M),
                year=ui.web_boundaries()["year"],
            ),
            icon=":material/wrong_location:",
        )
        ui.show_table(outside, None, key="data_outside")

# --- Coordinators: import a file or edit the table (issue 6), safely (issue 12) -----------
# Everything stored goes through cop.access.editing, which checks the role and validates the whole
# table first: a bad file or a bad edit changes nothing. An upload is previewed first; a table
# edit is refused when someone changed the same rows since they were loaded; every change is in
# the history and can be undone.
if visibility.can_edit(ui.role()):
    st.divider()
    st.header(ui.tr("edit.title", table=ui.vocab_label("table")(name)))
    ui.show_flash("data")
    import_tab, edit_tab, history_tab = st.tabs(
        [ui.tr("edit.import"), ui.tr("edit.edit"), ui.tr("history.tab")]
    )
    edit_report = None
    with import_tab:
        upload = ui.file_uploader(
            ui.tr("edit.upload"), types=["csv", "txt", "xlsx"], key="data_upload"
        )
        replace = st.checkbox(ui.tr("edit.replace"), key="data_replace")
        if st.button(ui.tr("preview.preview_button"), key="data_import", disabled=upload is None):
            checked = editing.import_upload(
                ui.engine(),
                name,
                upload.getvalue(),
                upload.name,
                role=ui.role(),
                replace=replace,
                actor=ui.actor(),
                dry_run=True,
            )
            if checked.ok:
                ui_editing.remember_preview(name, upload.getvalue(), upload.name, replace, checked)
            else:
                edit_report = checked
        pending = ui_editing.pending_preview(name)
        if pending is not None:
            preview = ImportPreview.from_report(pending["report"])
            st.subheader(ui.tr("preview.title"))
            st.info(ui.md(preview.summary(ui.lang())), icon=":material/preview:")
            ui_editing.show_preview(preview, key="data_preview")
            confirm, cancel = st.columns(2)
            if confirm.button(
                ui.tr("preview.confirm"),
                key="data_import_confirm",
                type="primary",
                disabled=not preview.changes_anything,
            ):
                ui_editing.forget_preview(name)
                edit_report = editing.import_upload(
                    ui.engine(),
                    name,
                    pending["data"],
                    pending["filename"],
                    role=ui.role(),
                    replace=pending["replace"],
                    actor=ui.actor(),
                )
                if edit_report.ok:
                    ui_editing.release_edit("data", name)
            if cancel.button(ui.tr("preview.cancel"), key="data_import_cancel"):
                ui_editing.forget_preview(name)
                ui.flash("data", ui.tr("preview.cancelled"))
    with edit_tab:
        st.caption(ui.tr("edit.edit_help"))
        loaded, editor_key = ui_editing.loaded_for_edit("data", name, editor=f"data_editor_{name}_")
        edited = ui.edit_table(loaded, name, key=editor_key, height=400)
        conflict = ui_editing.pending_conflict("data", name)
        if conflict is None:
            if st.button(ui.tr("edit.save"), key="data_editor_save", type="primary"):
                edit_report = editing.save_table_edit(
                    ui.engine(), name, edited, role=ui.role(), original=loaded, actor=ui.actor()
                )
        else:
            ui_editing.show_conflict(conflict, key="data_conflict")
            mine, theirs = st.columns(2)
            if mine.button(ui.tr("lock.overwrite"), key="data_editor_overwrite", type="primary"):
                edit_report = editing.save_table_edit(
                    ui.engine(),
                    name,
                    edited,
                    role=ui.role(),
                    original=loaded,
                    actor=ui.actor(),
                    overwrite=True,
                )
            if theirs.button(ui.tr("lock.discard"), key="data_editor_discard"):
                ui_editing.release_edit("data", name)
                st.rerun()
    with history_tab:
        st.caption(ui.tr("history.help"))
        ui_editing.history_section(name, key="data_history")
    if edit_report is not None:
        if edit_report.ok:
            ui_editing.release_edit("data", name)
            ui.flash("data", edit_report.summary(ui.lang()))
        elif ui_editing.is_conflict(edit_report):
            ui_editing.remember_conflict("data", name, edit_report)
            st.rerun()
        else:
            ui.show_problems(edit_report, key="data_edit_report")
