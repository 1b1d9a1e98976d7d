"""What the pages cannot say through Streamlit itself (issue 14): the document language, the
browser-tab title, the name and list structure of the sidebar navigation, phone-only
containers, and the text alternative of every chart and coloured map. Part of the ui layer
(the only code that imports Streamlit); docs/accessibility.md says what is fixed here and what
remains Streamlit's."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import streamlit as st

from cop import ui
from cop.core import chartdata

A11Y_SCRIPT = """
<script>
(function () {
  const LANG = %(lang)s, NAV_LABEL = %(nav_label)s;
  const MENU_LABEL = %(menu_label)s, CLOSE_LABEL = %(close_label)s;
  const doc = window.document;
  function fix() {
    if (doc.documentElement.lang !== LANG) doc.documentElement.lang = LANG;
    const opener = doc.querySelector('[data-testid="stExpandSidebarButton"]');
    if (opener && opener.getAttribute('aria-label') !== MENU_LABEL) opener.setAttribute('aria-label', MENU_LABEL);
    const closer = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (closer && closer.getAttribute('aria-label') !== CLOSE_LABEL) closer.setAttribute('aria-label', CLOSE_LABEL);
    const nav = doc.querySelector('[data-testid="stSidebarNav"]');
    if (nav && nav.getAttribute('aria-label') !== NAV_LABEL) nav.setAttribute('aria-label', NAV_LABEL);
    // The UL holds LI links and DIV sections (a header, then LIs): each section becomes
    // the list, the outer UL and the loose LIs plain containers. (No angle brackets in
    // this script: the HTML sanitiser drops a script whose text looks like markup.)
    const items = doc.querySelector('[data-testid="stSidebarNavItems"]');
    if (items && items.querySelector(':scope > div') && items.getAttribute('role') !== 'none') {
      items.setAttribute('role', 'none');
    }
    if (items && items.getAttribute('role') === 'none') {
      for (const child of items.children) {
        if (child.tagName === 'LI') { child.setAttribute('role', 'none'); continue; }
        if (child.getAttribute('role') === 'list') continue;
        child.setAttribute('role', 'list');
        const header = child.querySelector('header');
        if (header) {
          header.setAttribute('role', 'none');
          child.setAttribute('aria-label', header.textContent.trim());
        }
      }
    }
  }
  fix();
  if (window.copA11yObserver) window.copA11yObserver.disconnect();
  let queued = false;
  window.copA11yObserver = new MutationObserver(function () {
    if (queued) return;
    queued = true;
    window.requestAnimationFrame(function () { queued = false; fix(); });
  });
  window.copA11yObserver.observe(doc.body, {childList: true, subtree: true});
})();
</script>
"""


NARROW_PX = 640  # CSS pixels: narrower is a phone held upright


A11Y_STYLE = """
<style>
[class*="st-key-%(narrow)s"] { display: none; }
[data-testid="stExpandSidebarButton"]::after {
  content: %(menu_label)s; margin-left: 0.4rem; font-size: 0.95rem; white-space: nowrap;
}
@media (max-width: %(px)dpx) {
  [class*="st-key-%(narrow)s"] { display: flex; }
  [data-testid="stElementContainer"]:has(+ [data-testid="stLayoutWrapper"] > [class*="st-key-%(narrow)s"]) {
    display: none;
  }
}
</style>
"""


def page_frame(page_title: str) -> None:
    """The browser-tab title of the page and the document fixes (``app.py``, every run).

    ``page_title`` is the title of the page in the navigation; the tab reads
    "Kaart · Biodiversiteit CoP-dashboard", so tabs and history entries can be told
    apart. The script (in the sidebar, where it takes no room on the page) sets
    ``<html lang>`` to the UI language, names the navigation and repairs the list
    structure of the sidebar navigation after every render of Streamlit.
    """
    st.set_page_config(page_title=ui.tr("a11y.tab_title", page=page_title, app=ui.tr("app.title")))
    values = {
        "lang": json.dumps(ui.lang()),
        "nav_label": json.dumps(ui.tr("a11y.nav_label")),
        "menu_label": json.dumps(ui.tr("a11y.menu")),
        "close_label": json.dumps(ui.tr("a11y.menu_close")),
    }
    st.html(
        A11Y_STYLE
        % {
            "narrow": ui.NARROW_ONLY_PREFIX,
            "px": NARROW_PX,
            # a CSS string: JSON quoting without \u escapes (CSS escapes differ)
            "menu_label": json.dumps(ui.tr("a11y.menu"), ensure_ascii=False),
        }
    )
    st.sidebar.html(A11Y_SCRIPT % values, unsafe_allow_javascript=True)


def chart(figure: object, *, key: str) -> None:
    """A plotly chart followed by its numbers as a table (its text alternative).

    The table is read from the figure (:func:`cop.core.chartdata.figure_table`) and
    sits in a closed expander under the chart, so it costs no room until opened.
    ``key`` is the chart's widget key.
    """
    st.plotly_chart(figure, key=key)
    table = chartdata.figure_table(figure, ui.lang())
    if table.empty:
        return
    with st.expander(ui.tr("a11y.chart_as_table"), icon=":material/table_rows:"):
        # st.table: a real <table> with headers, which screen readers navigate (the
        # canvas grid of st.dataframe they read poorly)
        _text_table(table, lambda v: ui.num(v, 2 if v % 1 else 0))


def map_as_table(metric: pd.DataFrame, value_label: str, *, decimals: int) -> None:
    """The text alternative of a coloured map: its values per municipality, in an expander
    (a real ``<table>``, like :func:`chart`)."""
    table = chartdata.map_table(metric, value_label, ui.lang())
    with st.expander(ui.tr("a11y.map_as_table"), icon=":material/table_rows:"):
        _text_table(table, lambda v: ui.num(v, decimals))


def _text_table(table: pd.DataFrame, number: Callable[[float], str]) -> None:
    """``table`` as a real ``<table>`` (``st.table``), numbers through ``number``.

    ``st.table`` renders every cell and heading as Markdown, and names in these tables
    come from the data (municipalities, series): text is escaped (:func:`md`), so a
    stored name never becomes a link, an image or markup.
    """
    numbers = set(table.select_dtypes("number").columns)
    shown = table.copy()
    for column in shown.columns:
        if column not in numbers:
            shown[column] = shown[column].map(ui.md)
    shown.columns = [ui.md(column) for column in table.columns]
    subset = [ui.md(column) for column in table.columns if column in numbers]
    st.table(shown.style.format(number, subset=subset, na_rep="–").hide())
