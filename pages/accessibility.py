"""Accessibility statement (toegankelijkheidsverklaring), as Dutch public sites publish it."""

import streamlit as st

from cop import ui
from cop.core import statement

ui.page_title("a11y.title", "a11y.intro")

st.header(ui.tr("a11y.status_title"))
st.markdown(ui.tr("a11y.status_body"))

st.header(ui.tr("a11y.tested_title"))
st.markdown(ui.tr("a11y.tested_body"))

st.header(ui.tr("a11y.done_title"))
st.markdown(ui.tr("a11y.done_body"))

st.header(ui.tr("a11y.issues_title"))
st.markdown("\n".join(f"- {ui.tr(f'a11y.issue_{name}')}" for name in statement.KNOWN_ISSUES))

st.header(ui.tr("a11y.contact_title"))
contact = statement.contact()
st.markdown(
    ui.tr("a11y.contact_body", contact=ui.md(contact))
    if contact
    else ui.tr("a11y.contact_fallback")
)

st.header(ui.tr("a11y.date_title"))
st.markdown(ui.tr("a11y.date_body", date=statement.statement_date(ui.lang())))
