"""Maturity overview: where the CoP stands, who leads on what, and a self-assessment."""

import datetime as dt

import streamlit as st

from cop.maturity import charts as maturity_charts
from cop.maturity import assessment, display
from cop.maturity import model as maturity_model
from cop.core import vocab
from cop import ui, ui_editing

ui.page_title("maturity.title", "maturity.intro")
municipalities = ui.table("municipalities")
maturity_table = ui.table("maturity")
lang = ui.lang()
rubric = maturity_model.load_rubric()
names = ui.municipality_names()

# --- heatmap ------------------------------------------------------------------------------
st.header(ui.tr("maturity.heatmap"))
sort_by = st.radio(
    ui.tr("maturity.sort"),
    maturity_model.SORT_KEYS,
    key="maturity_sort",
    horizontal=True,
    format_func=ui.option_label("maturity.sort_{}"),
)
heatmap = ui.compute(
    maturity_charts.heatmap_figure, "maturity", "municipalities", sort_by=sort_by, lang=lang
)
ui.chart(heatmap, key="maturity_heatmap")
st.caption(ui.tr("maturity.heatmap_caption"))

# --- frontrunners and starters of the CoP ------------------------------------------------
st.header(ui.tr("maturity.groups"))
groups = ui.compute(maturity_model.maturity_groups, "maturity")
if not groups.empty:
    left, right = st.columns(2)
    for column, group in ((left, "frontrunner"), (right, "starter")):
        members = groups[groups["group"] == group].sort_values("overall", ascending=False)
        column.markdown(f"**{ui.tr(f'maturity.group_{group}')}**")
        column.markdown(
            "\n".join(
                f"- {ui.md(names[c])} ({ui.num(o, 1)})"
                for c, o in zip(members["municipality_code"], members["overall"], strict=True)
            )
        )
    st.caption(
        ui.tr(
            "maturity.groups_caption",
            q1=ui.num(groups["cop_q1"].iloc[0], 1),
            q3=ui.num(groups["cop_q3"].iloc[0], 1),
        )
    )

# --- how the CoP develops ----------------------------------------------------------------
st.header(ui.tr("maturity.distribution"))
distribution = ui.compute(maturity_charts.distribution_figure, "maturity", lang=lang)
ui.chart(distribution, key="maturity_distribution")
st.caption(ui.tr("maturity.distribution_caption"))

# --- whom to call about what -------------------------------------------------------------
st.header(ui.tr("maturity.frontrunners"))
st.caption(ui.tr("maturity.frontrunners_caption"))
leaders = ui.compute(maturity_model.dimension_frontrunners, "maturity")
columns = st.columns(2)  # wide enough for "Hoeksche Waard: niveau 4, sinds 2023"
for i, dimension in enumerate(vocab.DIMENSIONS):
    with columns[i % 2]:
        st.markdown(f"**{ui.vocab_label('dimension')(dimension)}**")
        part = leaders[leaders["dimension"] == dimension]
        if part.empty:
            st.caption(ui.tr("maturity.no_frontrunners"))
        for row in part.head(display.FRONTRUNNER_LINKS).itertuples(index=False):
            detail = ui.tr("maturity.frontrunner_item", level=row.level, since=row.since)
            label = ui.tr("maturity.profile_link", name=names[row.municipality_code], detail=detail)
            ui.profile_link(row.municipality_code, label)
        if len(part) > display.FRONTRUNNER_LINKS:
            st.caption(
                ui.tr("maturity.more_frontrunners", count=len(part) - display.FRONTRUNNER_LINKS)
            )

# --- biggest movers ----------------------------------------------------------------------
st.header(ui.tr("maturity.movers"))
movers = ui.compute(maturity_model.biggest_movers, "maturity")
if movers.empty:
    st.info(ui.tr("maturity.no_movers"))
else:
    year = int(movers["year"].iloc[0])
    st.caption(ui.tr("maturity.movers_caption", previous=year - 1, year=year))
    ui.show_table(display.movers_display(movers, municipalities, lang), None, key="maturity_movers")

with st.expander(ui.tr("maturity.rubric"), icon=":material/menu_book:"):
    ui.show_table(display.rubric_display(rubric, lang), None, key="maturity_rubric")

# --- self-assessment ---------------------------------------------------------------------
st.header(ui.tr("maturity.self_title"))
st.caption(ui.tr("maturity.self_intro"))
role, own = ui.role(), ui.user_municipality()
this_year = dt.date.today().year
all_codes = ui.by_name(names)
if "maturity_self_code" not in st.session_state:
    start = own if own in names else maturity_model.assessed_codes(maturity_table)[0]
    st.session_state["maturity_self_code"] = start
# Whether this person may store at all (for the own municipality; a coordinator for any).
refused = assessment.refusal(role, own, own or "", municipalities)
dimension_label, level_label = ui.vocab_label("dimension"), ui.vocab_label("level", numbered=True)
rubric_texts = maturity_model.rubric_texts(rubric, lang)
ui.show_flash("maturity")
# the stored assessments as this form first showed them: a save made by someone else since
# is not silently overwritten (optimistic locking)
loaded = ui_editing.loaded_with_form(
    "maturity", "maturity", form_key=f"maturity_self_{vocab.DIMENSIONS[0]}"
)
ui.even_options("maturity_self_", len(vocab.LEVELS))
with st.form("maturity_self_form"):
    code = st.selectbox(
        ui.tr("maturity.self_municipality"),
        all_codes,
        key="maturity_self_code",
        format_func=names.get,
    )
    same_province = st.checkbox(ui.tr("maturity.self_same_province"), key="maturity_self_province")
    previous = ui.compute(assessment.previous_levels, "maturity", code=code)
    levels = {}
    for dimension in vocab.DIMENSIONS:
        before = previous.get(dimension)
        levels[dimension] = st.radio(
            dimension_label(dimension),
            list(vocab.LEVELS),
            index=None,  # nothing chosen until the person chooses: no default is ever stored
            key=f"maturity_self_{dimension}",
            format_func=level_label,
            captions=[rubric_texts[(dimension, level)] for level in vocab.LEVELS],
            help=None
            if before is None
            else ui.tr(
                "maturity.self_previous",
                year=before[1],
                level=level_label(before[0]),
            ),
            horizontal=True,
        )
    show = st.form_submit_button(
        ui.tr("maturity.self_submit"), key="maturity_self_show", type="primary"
    )
    save = (
        st.form_submit_button(ui.tr("maturity.self_save", year=this_year), key="maturity_self_save")
        if refused is None
        else False
    )
if refused is not None:
    st.info(ui.md(refused.message(lang)), icon=":material/lock:")
missing = assessment.missing_dimensions(levels)
if (show or save) and missing:
    st.warning(assessment.AssessmentRefused("incomplete", dimensions=missing).message(lang))
elif show or save:
    st.session_state["maturity_self_result"] = {
        "code": code,
        "levels": levels,
        "same_province": same_province,
    }
if save and not missing:
    try:
        report = assessment.save_self_assessment(
            ui.engine(),
            code,
            this_year,
            levels,
            role=role,
            account_municipality=own,
            actor=ui.actor(),
            loaded=loaded,
        )
    except assessment.AssessmentRefused as not_stored:
        st.warning(not_stored.message(lang))
    else:
        if report.ok:
            ui_editing.release_edit("maturity", "maturity")
            ui.flash("maturity", ui.tr("maturity.self_saved", year=this_year, name=names[code]))
        elif ui_editing.is_conflict(report):  # the answers stay; saving again puts them over
            ui_editing.show_conflict(report, key="maturity_conflict")
            ui_editing.release_edit("maturity", "maturity")
        else:
            problems = "; ".join(report.messages(lang, 5))
            st.error(ui.md(ui.tr("maturity.self_save_failed", problems=problems)))
result = st.session_state.get("maturity_self_result")
if result:
    position = ui.compute(
        maturity_model.peer_position,
        "maturity",
        "municipalities",
        code=result["code"],
        levels=result["levels"],
        same_province=result["same_province"],
    )
    st.markdown(f"#### {ui.tr('maturity.self_result')}")
    rule = position.group.describe(lang)
    st.caption(ui.md(ui.tr("compare.peer_group", name=names[result["code"]], rule=rule)))
    for sentence in display.position_sentences(position, lang):
        st.markdown(f"- {ui.md(sentence)}")
    ui.chart(
        maturity_charts.peer_position_chart(position.table, names[result["code"]], lang),
        key="maturity_self_chart",
    )
    ui.show_table(display.position_display(position, lang), None, key="maturity_self_table")
