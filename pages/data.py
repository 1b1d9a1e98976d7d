"""Data: browse every table with filters and download what is shown."""

import streamlit as st

from cop import filters, vocab
from cop.schema import TABLE_ORDER, TABLES
from cop import ui

ui.page_title("data.title", "data.intro")
name = st.selectbox(
    ui.tr("data.table"), TABLE_ORDER, key="data_table", format_func=ui.label_func("table")
)
frame = ui.visible(name)
municipalities = ui.table("municipalities")
options = filters.filter_options(frame)

with st.sidebar:
    st.subheader(ui.tr("data.filters"))
    names = municipalities.set_index("code")["name"].to_dict()
    codes = st.multiselect(
        ui.tr("data.municipality"),
        sorted(names, key=names.get),
        format_func=names.get,
        key="data_municipalities",
        disabled=not options["municipality"],
    )
    provinces = st.multiselect(
        ui.tr("data.province"),
        vocab.PROVINCES,
        key="data_provinces",
        disabled=not options["province"],
    )
    themes = st.multiselect(
        ui.tr("data.theme"),
        vocab.THEMES,
        key="data_themes",
        format_func=ui.label_func("theme"),
        disabled=not options["theme"],
    )
    status_choices = sorted(frame["status"].dropna().unique()) if options["status"] else []
    status_prefix = "qstatus" if name == "help_questions" else "status"
    statuses = st.multiselect(
        ui.tr("data.status"),
        status_choices,
        key="data_statuses",
        format_func=ui.label_func(status_prefix),
        disabled=not options["status"],
    )
    years = None
    year_column = filters.year_column(frame)
    if year_column and frame[year_column].notna().any():
        low, high = int(frame[year_column].min()), int(frame[year_column].max())
        if low < high:
            years = st.slider(ui.tr("data.years"), low, high, (low, high), key=f"data_years_{name}")
    text = st.text_input(ui.tr("data.search"), key="data_search")

chosen = filters.TableFilter(
    tuple(codes), tuple(provinces), tuple(themes), tuple(statuses), years, text
)
shown = filters.apply_filter(frame, municipalities, chosen)
st.caption(ui.tr("app.rows_shown", shown=ui.num(len(shown)), total=ui.num(len(frame))))
if TABLES[name].personal and ui.role() == "visitor":
    st.info(ui.tr("data.personal_hidden"), icon=":material/lock:")
if shown.empty:
    st.warning(ui.tr("app.no_rows"))
else:
    ui.show_table(shown, name, key="data_grid", height=480)
    ui.download_buttons(shown, f"cop_{name}", key="data_download", table_name=name)
