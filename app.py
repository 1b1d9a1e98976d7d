"""Entry point: page config, the shared sidebar and the navigation over pages/."""

import streamlit as st

from cop import ui

st.set_page_config(page_title="Biodiversiteit CoP", page_icon=":material/eco:", layout="wide")
ui.init_language()

# Sections follow the three kinds of visitor: explore and compare, work together, keep
# the data current.
PAGES = {
    "": [
        st.Page("pages/home.py", title=ui.tr("nav.home"), icon=":material/home:", default=True),
    ],
    ui.tr("nav.section_explore"): [
        st.Page("pages/map.py", title=ui.tr("map.nav"), icon=":material/map:"),
        st.Page("pages/profile.py", title=ui.tr("profile.nav"), icon=":material/location_city:"),
        st.Page("pages/compare.py", title=ui.tr("compare.nav"), icon=":material/compare_arrows:"),
        st.Page("pages/maturity.py", title=ui.tr("maturity.nav"), icon=":material/stairs:"),
        st.Page("pages/monitoring.py", title=ui.tr("monitoring.nav"), icon=":material/monitoring:"),
        st.Page("pages/practice.py", title=ui.tr("practice.nav"), icon=":material/eco:"),
    ],
    ui.tr("nav.section_together"): [
        st.Page("pages/peers.py", title=ui.tr("peers.nav"), icon=":material/diversity_3:"),
        st.Page("pages/questions.py", title=ui.tr("questions.nav"), icon=":material/forum:"),
        st.Page("pages/join.py", title=ui.tr("join.nav"), icon=":material/group_add:"),
        st.Page("pages/meeting.py", title=ui.tr("meeting.nav"), icon=":material/event_note:"),
        st.Page("pages/toolbox.py", title=ui.tr("toolbox.nav"), icon=":material/construction:"),
        st.Page("pages/share.py", title=ui.tr("share.nav"), icon=":material/add_photo_alternate:"),
    ],
    ui.tr("nav.section_data"): [
        st.Page("pages/data.py", title=ui.tr("nav.data"), icon=":material/table:"),
        st.Page(
            "pages/accessibility.py", title=ui.tr("a11y.nav"), icon=":material/accessibility_new:"
        ),
    ],
}

# expanded: every page listed, no folded "View N more" (Streamlit's English, and a hidden
# page is one click further away)
navigation = st.navigation(PAGES, expanded=True)
ui.page_frame(navigation.title)  # tab title, <html lang>, navigation fixes
# One error boundary for every page: a failure is a message with a reference id, the
# details go to the server log (cop.ui.error_boundary).
with ui.error_boundary():
    ui.sidebar()
    ui.mark_shell()
    navigation.run()
