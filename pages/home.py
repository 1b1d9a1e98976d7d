"""Home: what the CoP is, key figures and the ways in."""

import datetime as dt

import streamlit as st

from cop.core import i18n
from cop.data import freshness, summary
from cop.maturity import charts as maturity_charts
from cop import ui, ui_community

ui.page_title("home.title", "home.intro")

entries = st.columns(3)
for column, page, label, help_key, icon in (
    (entries[0], "pages/map.py", "home.go_map", "home.go_map_help", ":material/map:"),
    (
        entries[1],
        "pages/meeting.py",
        "home.go_meeting",
        "home.go_meeting_help",
        ":material/event_note:",
    ),
    (entries[2], "pages/peers.py", "home.go_peers", "home.go_peers_help", ":material/diversity_3:"),
):
    with column.container(border=True):
        st.page_link(page, label=ui.tr(label), icon=icon)
        st.caption(ui.tr(help_key))
with st.container(border=True, key="home_join"):  # "Mee doen?" and the coordinator (issue 13)
    st.page_link("pages/join.py", label=ui.tr("join.home_link"), icon=":material/group_add:")
    st.caption(ui.tr("join.home_link_help"))
    ui_community.coordinator_contact()

figures = ui.compute(summary.key_figures, "municipalities", "measures", "help_questions")
cols = st.columns(4)
cols[0].metric(
    ui.tr("home.partners"),
    ui.num(figures["partners"]),
    help=ui.tr(
        "home.partners_help",
        provinces=figures["provinces"],
        inhabitants=ui.num(figures["inhabitants"]),
    ),
)
cols[1].metric(ui.tr("home.measures"), ui.num(figures["measures"]))
cols[2].metric(ui.tr("home.realised"), i18n.format_percent(figures["realised_share"], 0, ui.lang()))
cols[3].metric(ui.tr("home.open_questions"), ui.num(figures["open_questions"]))

left, right = st.columns(2)
with left:
    st.header(ui.tr("home.per_theme"))
    ui.chart(ui.compute(summary.theme_chart, "measures", lang=ui.lang()), key="home_theme_chart")
with right:
    st.header(ui.tr("home.maturity_distribution"))
    ui.chart(
        ui.compute(maturity_charts.level_counts_figure, "maturity", lang=ui.lang()),
        key="home_maturity_chart",
    )

st.header(ui.tr("fresh.heading"))
today = dt.date.today()
stale = freshness.stale_partners(
    ui.table("municipalities"), ui.table("measures"), ui.table("maturity"), today=today
)
as_of = i18n.format_date(today, ui.lang())
if stale.empty:
    st.caption(ui.tr("fresh.all_current", date=as_of))
else:
    st.caption(ui.tr("fresh.rule", date=as_of))
    st.markdown(
        "\n".join(f"- {ui.md(freshness.stale_line(row, ui.lang()))}" for _, row in stale.iterrows())
    )

st.header(ui.tr("home.newest"))
newest = ui.compute(summary.newest_practices, "measures", "municipalities")
ui.show_table(newest, "measures", key="home_newest")
st.caption(ui.tr("app.credit_cbs"))
