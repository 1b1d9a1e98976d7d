"""Compare: 2–6 partner municipalities (or one and its peer group) on maturity and approach."""

import streamlit as st

from cop.maturity import approach
from cop.maturity import charts as maturity_charts
from cop.maturity import comparison, display
from cop.maturity import model as maturity_model
from cop import ui

ui.page_title("compare.title", "compare.intro")
municipalities = ui.table("municipalities")
maturity_table = ui.table("maturity")
measures = ui.table("measures")
lang = ui.lang()
names = ui.municipality_names()
available = ui.by_name(comparison.comparable_codes(maturity_table, measures))

# --- the selection: from a (shared) link when it is new, otherwise from the widgets -------
incoming = (
    ",".join(st.query_params.get_all(comparison.CODES_PARAM)),
    st.query_params.get(comparison.MODE_PARAM, ""),
)
if st.session_state.get("compare_query") != incoming:
    selection = comparison.parse_selection(incoming[0], names, available)
    for message in comparison.selection_messages(selection, municipalities, lang):
        st.warning(ui.md(message), icon=":material/link_off:")
    own = ui.user_municipality()
    # Nothing in the link: open with the member's own municipality against its peer group,
    # for anyone else with a frontrunner against its peer group (issue 14).
    opening = not any(incoming)
    start = (
        own if own in available else ui.compute(comparison.showcase_code, "maturity", "measures")
    )
    st.session_state["compare_mode"] = "peers" if opening else comparison.parse_mode(incoming[1])
    st.session_state["compare_default"] = start if opening else None
    if st.session_state["compare_mode"] == "peers":
        first = selection.codes[0] if selection.codes else start
        st.session_state["compare_own"] = first if first in available else available[0]
    else:
        default = [own] if own in available else []
        st.session_state["compare_codes"] = list(selection.codes) or default

mode = st.radio(
    ui.tr("compare.mode"),
    ["choose", "peers"],
    key="compare_mode",
    horizontal=True,
    format_func=ui.option_label("compare.mode_{}"),
)
same_province = False
if mode == "peers":
    left, right = st.columns([2, 1])
    own = left.selectbox(ui.tr("compare.own"), available, key="compare_own", format_func=names.get)
    same_province = right.checkbox(ui.tr("compare.same_province"), key="compare_same_province")
    codes = [own]
    peer_of = own
else:
    codes = st.multiselect(
        ui.tr("compare.choose"),
        available,
        key="compare_codes",
        format_func=names.get,
        max_selections=comparison.MAX_COMPARE,
        **ui.empty_prompt(),
    )
    peer_of = None

query = comparison.selection_query(codes, mode)
ui.keep_in_url(query)
st.session_state["compare_query"] = (query[comparison.CODES_PARAM], query[comparison.MODE_PARAM])
if len(codes) + (peer_of is not None) < comparison.MIN_COMPARE:
    st.info(ui.tr("compare.pick_two"), icon=":material/compare_arrows:")
    st.stop()

levels = ui.compute(
    maturity_model.compare_levels,
    "maturity",
    "municipalities",
    codes=codes,
    peer_median_of=peer_of,
    same_province=same_province,
)
shown = comparison.entity_names(levels.index, municipalities, lang)
if peer_of is not None:
    position = ui.compute(
        maturity_model.peer_position,
        "maturity",
        "municipalities",
        code=peer_of,
        same_province=same_province,
    )
    rule = position.group.describe(lang)
    st.caption(ui.md(ui.tr("compare.peer_group", name=names[peer_of], rule=rule)))
    if peer_of == st.session_state.get("compare_default"):
        hint = (
            "content.compare_default_own"
            if peer_of == ui.user_municipality()
            else ("content.compare_default_frontrunner")
        )
        st.info(
            ui.tr(hint, name=ui.md(names[peer_of]), choose=ui.tr("compare.mode_choose")),
            icon=":material/lightbulb:",
        )

# --- maturity -----------------------------------------------------------------------------
st.header(ui.tr("compare.radar"))
without = maturity_model.unassessed(levels)
if without:
    st.info(ui.md(ui.tr("compare.no_assessment", names=", ".join(shown[k] for k in without))))
view = "overlay"
if len(levels) > 3:
    view = st.radio(
        ui.tr("compare.view"),
        ["multiples", "overlay"],
        key="compare_view",
        horizontal=True,
        format_func=ui.option_label("compare.view_{}"),
    )
figure = (
    maturity_charts.maturity_small_multiples(levels, shown, lang)
    if view == "multiples"
    else maturity_charts.maturity_radar(levels, shown, lang)
)
ui.chart(figure, key="compare_radar")

st.header(ui.tr("compare.differences"))
sentences = display.difference_sentences(levels, shown, lang)
st.markdown(
    "\n".join(f"- {ui.md(s)}" for s in sentences) if sentences else ui.tr("compare.no_differences")
)

# --- approach -----------------------------------------------------------------------------
st.header(ui.tr("compare.mix"))
mix = ui.compute(approach.theme_mix, "measures", "municipalities", codes=codes)
if peer_of is not None:
    peer_mix = ui.compute(
        approach.theme_mix, "measures", "municipalities", codes=list(position.group.members)
    )
    mix = approach.with_group_mix(mix, peer_mix, position.group.members, maturity_model.PEER_KEY)
ui.chart(maturity_charts.theme_mix_bars(mix, shown, lang), key="compare_mix")
st.caption(ui.tr("compare.mix_caption"))

st.header(ui.tr("compare.timeline"))
timeline = ui.compute(approach.start_timeline, "measures", codes=codes)
ui.chart(maturity_charts.start_timeline(timeline, shown, lang), key="compare_timeline")
st.caption(ui.tr("compare.timeline_caption"))

# --- everything in one table --------------------------------------------------------------
st.header(ui.tr("compare.table"))
table = ui.compute(
    comparison.comparison_table,
    "maturity",
    "measures",
    "municipalities",
    codes=codes,
    peer_median_of=peer_of,
    same_province=same_province,
    lang=lang,
)
ui.show_table(table, None, key="compare_table")
ui.download_buttons(table, "cop_vergelijking", key="compare_download")
st.caption(ui.tr("compare.share_link"))
st.code(comparison.share_url(st.context.url, query), language=None)
