"""Toolbox: tools, guides, examples and datasets, and the CoP practices that used them."""

import streamlit as st

from cop.access import visibility
from cop.access import editing
from cop.meetings import toolbox
from cop.core import vocab
from cop import ui, ui_editing

ui.page_title("toolbox.title", "toolbox.intro")
resources = ui.table("resources")
usage = ui.table("resource_usage")
measures = ui.table("measures")
municipalities = ui.table("municipalities")

cols = st.columns([2, 1, 1])
themes, kinds, levels = (
    column.multiselect(
        ui.tr(label_key),
        options,
        key=key,
        format_func=ui.vocab_label(prefix),
        help=ui.tr("toolbox.all"),
        **ui.empty_prompt(),
    )
    for column, label_key, options, key, prefix in (
        (cols[0], "toolbox.themes", vocab.THEMES, "toolbox_themes", "theme"),
        (cols[1], "toolbox.kinds", vocab.RESOURCE_KINDS, "toolbox_kinds", "reskind"),
        (cols[2], "toolbox.levels", vocab.RESOURCE_LEVELS, "toolbox_levels", "reslevel"),
    )
)
text = st.text_input(ui.tr("toolbox.search"), key="toolbox_search")

shown = toolbox.with_usage(
    toolbox.filter_resources(resources, themes=themes, kinds=kinds, levels=levels, text=text),
    usage,
)
st.caption(ui.tr("app.rows_shown", shown=ui.num(len(shown)), total=ui.num(len(resources))))
if shown.empty:
    st.warning(ui.tr("app.no_rows"))
else:
    columns = ["title", "kind", "theme", "level", "practices", "url", "description", "id"]
    ui.show_table(shown[columns], "resources", key="toolbox_table")
    ui.download_buttons(
        shown[columns], "cop_toolbox", key="toolbox_download", table_name="resources"
    )

    st.header(ui.tr("toolbox.used_in"))
    st.caption(ui.tr("toolbox.used_in_help"))
    used = toolbox.practices_using(shown, usage, measures, municipalities)
    if used.empty:
        st.info(ui.tr("toolbox.not_used"))
    else:
        ui.show_table(
            used, "measures", key="toolbox_practices", practice_ids=used["measure_id"].tolist()
        )
        ui.download_buttons(
            used, "cop_toolbox_practices", key="toolbox_practices_download", table_name="measures"
        )

# --- coordinators add and edit resources and record which practices used them ----------
if visibility.can_edit(ui.role()):
    st.divider()
    st.header(ui.tr("toolbox.edit"))
    ui.show_flash("toolbox")
    report = None
    edit_tab, link_tab = st.tabs([ui.tr("toolbox.edit_resources"), ui.tr("toolbox.edit_links")])
    with edit_tab:
        st.caption(ui.tr("toolbox.edit_help"))
        loaded, editor_key = ui_editing.loaded_for_edit(  # kept while it holds edits
            "toolbox", "resources", editor="toolbox_editor_"
        )
        edited = ui.edit_table(loaded, "resources", key=editor_key)
        if st.button(ui.tr("toolbox.save"), key="toolbox_save", type="primary"):
            report = editing.save_table_edit(
                ui.engine(),
                "resources",
                edited,
                role=ui.role(),
                original=loaded,
                actor=ui.actor(),
            )
        if st.button(ui.tr("lock.discard"), key="toolbox_reload"):
            ui_editing.release_edit("toolbox", "resources")
            st.rerun()
    with link_tab:
        titles = resources.set_index("id")["title"].to_dict()
        if titles:
            resource_id = st.selectbox(
                ui.tr("toolbox.resource"),
                list(titles),
                format_func=titles.get,
                key="toolbox_link_resource",
            )
            theme = resources.set_index("id").at[resource_id, "theme"]
            choices = toolbox.usage_choices(measures, municipalities, theme)
            linked = toolbox.linked_measures(usage, int(resource_id))
            picked = st.multiselect(
                ui.tr("toolbox.linked_practices"),
                list(choices.index),
                default=[m for m in linked if m in choices.index],
                format_func=lambda m: choices[m],
                key=f"toolbox_links_{resource_id}",
                help=ui.tr("toolbox.linked_help", theme=ui.vocab_label("theme")(theme)),
                **ui.empty_prompt(),
            )
            if st.button(ui.tr("toolbox.save_links"), key="toolbox_save_links", type="primary"):
                report = editing.save_links(
                    ui.engine(), int(resource_id), picked, role=ui.role(), actor=ui.actor()
                )
    if report is not None:
        if report.ok:
            ui_editing.release_edit("toolbox", "resources")
            ui.flash("toolbox", report.summary(ui.lang()))
        if ui_editing.is_conflict(
            report
        ):  # someone saved these rows first: theirs shown, edits kept
            ui_editing.show_conflict(report, key="toolbox_conflict")
        else:
            ui.show_problems(report, key="toolbox_report")
