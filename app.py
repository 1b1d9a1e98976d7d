"""Entry point: page config, the shared sidebar and the navigation over pages/."""

import streamlit as st

from cop import ui

st.set_page_config(page_title="Biodiversiteit CoP", page_icon=":material/eco:", layout="wide")
ui.init_language()

PAGES = [
    st.Page("pages/home.py", title=ui.tr("nav.home"), icon=":material/home:", default=True),
    st.Page("pages/data.py", title=ui.tr("nav.data"), icon=":material/table:"),
]

navigation = st.navigation(PAGES)
ui.sidebar()
navigation.run()
