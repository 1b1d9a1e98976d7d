"""Prepare a meeting: choose it, preview the brief, edit the agenda, download; record it."""

import datetime as dt
import hashlib

import pandas as pd
from functools import partial

import streamlit as st

from cop.access import visibility
from cop.meetings import layout, render
from cop.meetings import briefs, trendchanges
from cop.core import i18n
from cop.meetings import records
from cop.data import exports, storage
from cop.core import vocab
from cop import ui, ui_editing

NEW = "new"
LANG = ui.lang()  # bound once: format functions may be called outside the script run

ui.page_title("meeting.title", "meeting.intro")
stored = ui.table("meetings")
municipalities = ui.table("municipalities")
names = ui.municipality_names()
today = dt.date.today()

# --- which meeting --------------------------------------------------------------------
choices = briefs.meeting_choices(stored, today)
by_id = {int(row.id): row for row in choices.itertuples(index=False)}
options = [*by_id, NEW]
meeting_index = ui.keep_choice("meeting_choice", options)


def _meeting_label(option: object) -> str:
    if option == NEW:
        return i18n.t("meeting.new_date", LANG)
    row = by_id[int(option)]
    when = i18n.format_date(row.date, LANG)
    key = "meeting.option_upcoming" if row.date.date() >= today else "meeting.option_past"
    return i18n.t(key, LANG, date=when, title=row.title)


left, right = st.columns([2, 1])
choice = left.selectbox(
    ui.tr("meeting.choose"),
    options,
    key="meeting_choice",
    format_func=_meeting_label,
    **meeting_index,
)
chosen = None if choice == NEW else by_id[int(choice)]
if chosen is None:
    date = right.date_input(
        ui.tr("meeting.date"),
        value=today + dt.timedelta(days=14),
        key="meeting_new_date",
        format="DD-MM-YYYY",
    )
else:
    date = chosen.date.date()
    right.metric(ui.tr("meeting.date"), i18n.format_date(date, ui.lang()))

default_themes = briefs.stored_themes(chosen.themes) if chosen is not None else []
themes = st.multiselect(
    ui.tr("meeting.themes"),
    vocab.THEMES,
    default=default_themes,
    key=f"meeting_themes_{choice}",
    format_func=ui.vocab_label("theme"),
    help=ui.tr("meeting.all_themes"),
    **ui.empty_prompt(),
)
partner_codes, other_codes = briefs.invitee_options(municipalities)
invitees = st.multiselect(
    ui.tr("meeting.invitees"),
    ui.by_name(partner_codes) + ui.by_name(other_codes),
    key=f"meeting_invitees_{choice}",
    format_func=names.get,
    help=ui.tr("meeting.all_partners"),
    **ui.empty_prompt(),
)
event = st.toggle(
    ui.tr("meeting.yearly_event"),
    value=chosen is not None and briefs.is_yearly_event(chosen.title),
    key=f"meeting_event_{choice}",
    help=ui.tr("meeting.yearly_event_help"),
)

demo = bool(storage.demo_tables(ui.engine()))
with st.spinner(ui.tr("meeting.building")):
    # cached apart: a new answer or practice renews the brief, not the trends of the
    # monitoring table (the slow part), which are computed only when that table changes
    brief = ui.compute(
        briefs.build_brief_without_trends,
        *briefs.BRIEF_TABLES_WITHOUT_TRENDS,
        date=date.isoformat(),
        themes=themes,
        invitees=invitees,
        yearly_event=event,
        lang=ui.lang(),
        demo=demo,
    )
    changed = ui.compute(
        trendchanges.trend_class_changes, "monitoring", **briefs.trend_request(brief)
    )
    brief = briefs.with_trend_changes(brief, changed)

# --- the agenda, edited by the coordinator (kept per meeting, themes and invitees) -----
signature = hashlib.sha1(
    repr((date, tuple(themes), tuple(invitees), event, ui.lang())).encode()
).hexdigest()[:10]
st.header(ui.tr("meeting.agenda"))
st.caption(ui.tr("meeting.agenda_help"))
proposed = pd.DataFrame({"item": [item.text for item in brief.agenda]}, dtype="string")
edited = st.data_editor(
    proposed,
    key=f"meeting_agenda_{signature}",
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    column_config={
        "item": st.column_config.TextColumn(ui.tr("meeting.agenda_item"), width="large")
    },
)
agenda = [str(text) for text in edited["item"].dropna()]
st.session_state["meeting_agenda"] = agenda
final = brief.with_agenda(agenda)

# --- downloads: the brief in three formats, its tables in one workbook -----------------
doc = layout.document(final)
stem = f"bijeenkomst_{date.isoformat()}" if ui.lang() == "nl" else f"meeting_{date.isoformat()}"
st.header(ui.tr("meeting.downloads"))
st.caption(ui.tr("meeting.downloads_help"))
cols = st.columns(4)
for column, fmt, icon in zip(
    cols,
    ("md", "docx", "pdf"),
    (":material/description:", ":material/article:", ":material/picture_as_pdf:"),
    strict=False,
):
    column.download_button(
        ui.tr(f"meeting.download_{fmt}"),
        # built only when clicked (Word and PDF take a few seconds for their charts), from
        # the layout the preview below uses: a rerun lays the brief out once
        data=partial(render.render_document, doc, final.lang, fmt),
        file_name=f"{stem}.{fmt}",
        mime=render.MIME[fmt],
        key=f"meeting_download_{fmt}",
        icon=icon,
        on_click="ignore",  # no rerun: it would replace the deferred files of the other buttons
    )
cols[3].download_button(
    ui.tr("meeting.download_xlsx"),
    data=partial(render.workbook, doc),  # built when clicked, like the documents
    file_name=f"{stem}.xlsx",
    mime=render.XLSX_MIME,
    key="meeting_download_xlsx",
    icon=":material/table:",
    on_click="ignore",
    help=ui.tr("meeting.download_xlsx_help"),
)
tables = {table.sheet: table for table in doc.tables()}
if tables:
    pick, button = st.columns([3, 1], vertical_alignment="bottom")
    sheet_index = ui.keep_choice("meeting_csv_table", list(tables))
    sheet = pick.selectbox(
        ui.tr("meeting.csv_table"), list(tables), key="meeting_csv_table", **sheet_index
    )
    table = tables.get(sheet, next(iter(tables.values())))
    button.download_button(
        ui.tr("meeting.download_csv"),
        data=exports.to_csv_bytes(table.frame, dutch=ui.lang() == "nl"),
        file_name=f"{stem}_{table.name.removeprefix('brief_')}.csv",
        mime="text/csv",
        key="meeting_download_csv",
        icon=":material/download:",
        on_click="ignore",
    )

# --- preview: the same blocks the files contain ---------------------------------------
st.divider()
st.header(ui.md(doc.title))
st.markdown(f"**{ui.md(doc.date_text)}**  \n" + "  \n".join(ui.md(fact) for fact in doc.facts))
for number, section in enumerate(doc.sections):
    if number == 0:
        continue  # the agenda is the editor above
    heading = ui.md(section.heading)
    (st.subheader if section.level == 1 else st.markdown)(
        heading if section.level == 1 else f"**{heading}**"
    )
    for index, block in enumerate(section.blocks):
        key = f"meeting_block_{number}_{index}"
        if isinstance(block, layout.Paragraph):
            st.markdown(ui.md(block.text))
        elif isinstance(block, layout.Items):
            st.markdown("\n".join(f"- {ui.md(item)}" for item in block.items))
        elif isinstance(block, layout.ChartBlock):
            st.caption(ui.md(block.title))
            ui.chart(block.figure, key=f"{key}_chart")
            st.caption(ui.md(block.summary))
        else:  # every row: the page scrolls where the documents stop at MAX_ROWS
            ui.show_table(block.frame, None, key=f"{key}_table")

with st.expander(ui.tr("meeting.recorded"), icon=":material/event:"):
    ui.show_table(stored.sort_values("date"), "meetings", key="meeting_table")
    ui.download_buttons(
        stored.sort_values("date"),
        "cop_meetings",
        key="meeting_table_download",
        table_name="meetings",
    )

# --- coordinators record the meeting and its summary -----------------------------------
if visibility.can_edit(ui.role()):
    st.divider()
    st.header(ui.tr("meeting.record"))
    st.caption(ui.tr("meeting.record_help"))
    ui.show_flash("meeting")
    codes = ui.by_name(municipalities["code"])
    # the meetings as this form first showed them (optimistic locking)
    loaded = ui_editing.loaded_with_form(
        "meeting", "meetings", form_key=f"meeting_rec_title_{choice}"
    )
    with st.form(f"meeting_record_form_{choice}"):
        record_date = st.date_input(
            ui.tr("meeting.date"), value=date, key=f"meeting_rec_date_{choice}", format="DD-MM-YYYY"
        )
        record_title = st.text_input(
            ui.tr("meeting.record_title"),
            value="" if chosen is None else chosen.title,
            key=f"meeting_rec_title_{choice}",
        )
        host = st.selectbox(
            ui.tr("meeting.host"),
            [None, *codes],
            index=0
            if chosen is None or pd.isna(chosen.host_code)
            else codes.index(chosen.host_code) + 1,
            format_func=lambda code: (
                i18n.t("meeting.no_host", LANG) if code is None else names[code]
            ),
            key=f"meeting_rec_host_{choice}",
        )
        record_themes = st.multiselect(
            ui.tr("meeting.themes"),
            vocab.THEMES,
            default=themes,
            format_func=ui.vocab_label("theme"),
            key=f"meeting_rec_themes_{choice}",
            **ui.empty_prompt(),
        )
        summary = st.text_area(
            ui.tr("meeting.summary"),
            value="" if chosen is None or pd.isna(chosen.summary) else chosen.summary,
            key=f"meeting_rec_summary_{choice}",
        )
        submitted = st.form_submit_button(
            ui.tr("meeting.save"), type="primary", key=f"meeting_rec_submit_{choice}"
        )
    if submitted:
        report = records.record_meeting(
            ui.engine(),
            role=ui.role(),
            date=record_date,
            title=record_title,
            themes=record_themes,
            host_code=host,
            summary=summary,
            meeting_id=None if chosen is None else int(chosen.id),
            actor=ui.actor(),
            loaded=None if chosen is None else loaded[loaded["id"] == int(chosen.id)],
        )
        if report.ok:
            ui_editing.release_edit("meeting", "meetings")
            ui.flash("meeting", ui.tr("meeting.saved"))
        if ui_editing.is_conflict(report):  # the form keeps its values; saving again overwrites
            ui_editing.show_conflict(report, key="meeting_conflict")
            ui_editing.release_edit("meeting", "meetings")
        else:
            ui.show_problems(report)
