"""Municipality profile: facts, maturity against the CoP, measures, questions and peers.

The chosen municipality lives in the URL (``?gemeente=GM0344``) so a profile can be
shared; the selectbox and the query parameter are kept in sync.
"""

import streamlit as st
from streamlit_folium import st_folium

from cop.data import freshness
from cop.geo import mapview
from cop.maturity import comparison
from cop.monitoring import charts as monitoring_charts
from cop.monitoring import indicators, presentation
from cop.peers import profile
from cop import ui, ui_community, ui_session
from cop.core import vocab
from cop.geo import webmap

CODE_KEY = "profile_code"  # the selectbox
APPLIED_KEY = "profile_param_applied"  # the query parameter value last applied/written
DEFAULT_KEY = "profile_default"  # the municipality the page opened with by itself
PRACTICE_PAGE = "pages/practice.py"  # issue 13: one practice, ``?maatregel=ID``
PRACTICE_PARAM = "maatregel"
MAX_DETAILS = 40  # measures with their description and lessons under the table
PARAM = ui.PROFILE_PARAM

ui.page_title("profile.title", "profile.intro")
municipalities = ui.table("municipalities")
names = ui.municipality_names()
known_codes = set(names)

raw = st.query_params.get(PARAM)
if raw is not None and raw != st.session_state.get(APPLIED_KEY):
    # The URL changed (a shared link, a click on the map): it wins over the selectbox.
    code_from_url = mapview.valid_code(raw, known_codes)
    if code_from_url:
        st.session_state[CODE_KEY] = code_from_url
        st.session_state[APPLIED_KEY] = raw
    else:
        st.warning(ui.tr("profile.invalid_param", value=mapview.shown_param(raw)))
elif raw is None and CODE_KEY not in st.session_state:
    # Open with something (issue 14): the member's own municipality, else a frontrunner.
    own = ui.user_municipality()
    start = (
        own if own in known_codes else ui.compute(comparison.showcase_code, "maturity", "measures")
    )
    if start in known_codes:
        st.session_state[CODE_KEY] = start
        st.session_state[DEFAULT_KEY] = start

code = st.selectbox(
    ui.tr("profile.choose"),
    ui.by_name(names),
    index=None,
    key=CODE_KEY,
    format_func=lambda c: f"{names[c]} ({c})",
    **ui.empty_prompt(single=True),
)
if code is None:
    st.stop()
ui.keep_in_url({PARAM: code})
st.session_state[APPLIED_KEY] = code
if code == st.session_state.get(DEFAULT_KEY):
    own_profile = code == ui.user_municipality()
    st.info(
        ui.tr(
            "content.profile_default_own" if own_profile else "content.profile_default_frontrunner",
            name=ui.md(names[code]),
        ),
        icon=":material/lightbulb:",
    )

facts = profile.key_facts(municipalities, code)
st.header(ui.md(facts.name))
cols = st.columns(5)
cols[0].metric(ui.tr("profile.province"), facts.province)
cols[1].metric(ui.tr("profile.population"), ui.num(facts.population))
cols[2].metric(
    ui.tr("profile.size_class"),
    str(facts.size_class or "–"),
    help=ui.tr(f"profile.size_{facts.size_class}") if facts.size_class else None,
)
cols[3].metric(
    ui.tr("profile.urbanity"),
    str(facts.urbanity or "–"),
    help=ui.tr(f"profile.urbanity_{facts.urbanity}") if facts.urbanity else None,
)
if facts.is_partner:
    cols[4].metric(
        ui.tr("profile.partner_since"),
        str(facts.joined_year) if facts.joined_year else ui.tr("profile.partner_unknown_year"),
    )
else:
    cols[4].metric(ui.tr("profile.partner_since"), ui.tr("profile.not_partner"))
st.caption(ui.tr("profile.facts_source"))
if facts.is_partner:
    updates = ui.compute(freshness.last_updates, "measures", "maturity", "monitoring")
    st.caption(ui.md(freshness.profile_line(updates, code, ui.lang())))
if not facts.is_partner:
    st.info(ui.tr("profile.not_partner_info", name=ui.md(facts.name)), icon=":material/handshake:")
    ui_community.coordinator_link()

if facts.is_partner:
    st.subheader(ui.tr("profile.maturity"))
    comparison = ui.compute(profile.maturity_comparison, "maturity", "municipalities", code=code)
    if comparison["own"].isna().all():
        st.info(ui.tr("profile.no_maturity"))
    else:
        st.caption(
            ui.tr(
                "profile.maturity_caption",
                year=int(comparison["year"].iloc[0]),
                n_cop=int(comparison["n_cop"].iloc[0]),
                n_similar=int(comparison["n_similar"].iloc[0]),
            )
        )
        ui.chart(profile.maturity_radar(comparison, facts.name, ui.lang()), key="profile_radar")

    st.subheader(ui.tr("profile.measures"))
    measures = ui.table("measures")
    own_measures = profile.municipality_measures(measures, code)
    left, right = st.columns(2)
    themes = left.multiselect(
        ui.tr("profile.theme_filter"),
        [t for t in vocab.THEMES if t in set(own_measures["theme"])],
        key="profile_themes",
        format_func=ui.vocab_label("theme"),
        **ui.empty_prompt(),
    )
    statuses = right.multiselect(
        ui.tr("profile.status_filter"),
        [s for s in vocab.MEASURE_STATUSES if s in set(own_measures["status"])],
        key="profile_statuses",
        format_func=ui.vocab_label("status"),
        **ui.empty_prompt(),
    )
    shown = profile.municipality_measures(measures, code, tuple(themes), tuple(statuses))
    st.caption(
        ui.tr("profile.measures_count", shown=ui.num(len(shown)), total=ui.num(len(own_measures)))
    )
    if shown.empty:
        st.info(ui.tr("profile.no_measures"))
    else:
        ui.show_table(
            shown[profile.MEASURE_COLUMNS],
            "measures",
            key="profile_measures",
            practice_ids=shown["id"].tolist(),
        )
        ui.download_buttons(
            shown[profile.MEASURE_COLUMNS],
            f"cop_maatregelen_{code}",
            key="profile_measures_download",
            table_name="measures",
        )
        st.markdown(f"**{ui.tr('content.measure_details')}**")
        practice_page = ui.page_in_navigation(PRACTICE_PAGE)
        for row in shown.head(MAX_DETAILS).itertuples():
            label = f"{row.title} · {ui.vocab_label('theme')(row.theme)}"
            with st.expander(ui.md(label), icon=":material/eco:"):
                st.caption(ui.vocab_label("status")(row.status))
                for heading, value, missing in (
                    ("content.description", row.description, "content.no_description"),
                    ("content.lessons", row.lessons_learned, "content.no_lessons"),
                ):
                    written = profile.text_or_none(value)
                    st.markdown(f"**{ui.tr(heading)}**")
                    st.markdown(ui.md(written) if written else ui.tr(missing))
                if practice_page:
                    st.page_link(
                        PRACTICE_PAGE,
                        label=ui.tr("content.open_practice"),
                        query_params={PRACTICE_PARAM: str(int(row.id))},
                        icon=":material/open_in_new:",
                    )
        if len(shown) > MAX_DETAILS:
            st.caption(
                ui.tr("content.more_measures", shown=ui.num(MAX_DETAILS), total=ui.num(len(shown)))
            )
        st.markdown(f"**{ui.tr('profile.map')}**")
        web = ui.web_boundaries()
        center = (facts.lat or webmap.NL_CENTER[0], facts.lon or webmap.NL_CENTER[1])
        small_map = webmap.profile_map(
            shown, webmap.outline(web["geojson"], code), center, municipalities, lang=ui.lang()
        )
        ui_session.map_load_watch("profile")
        st_folium(
            small_map, key="profile_map", height=380, use_container_width=True, returned_objects=[]
        )

    st.subheader(ui.tr("monitoring.profile_title"))  # issue 5
    own_trends = indicators.municipality_trends(
        ui.compute_for(  # this municipality's monitoring rows only, not the national table
            [code],
            indicators.trend_classes_by_municipality,
            "monitoring",
            municipality_codes=[code],
        ),
        code,
    )
    if own_trends.empty:
        st.caption(ui.tr("monitoring.profile_none"))
    else:
        st.plotly_chart(
            monitoring_charts.group_trends_chart(own_trends, ui.lang()), key="profile_trends_chart"
        )
        st.caption(ui.tr("content.trends_chart_caption"))
        trends_table = presentation.trends_table(own_trends, ui.lang())
        ui.show_table(trends_table, None, key="profile_trends")
        ui.download_buttons(trends_table, f"cop_trends_{code}", key="profile_trends_download")
        st.caption(ui.tr("monitoring.profile_caption"))

    st.subheader(ui.tr("profile.questions"))
    questions = profile.open_questions(ui.table("help_questions"), code)
    if questions.empty:
        st.caption(ui.tr("profile.no_questions"))
    else:
        ui.show_table(questions, "help_questions", key="profile_questions")
        ui.download_buttons(
            questions,
            f"cop_hulpvragen_{code}",
            key="profile_questions_download",
            table_name="help_questions",
        )

st.subheader(ui.tr("profile.peers"))
st.caption(ui.tr("profile.peers_intro"))
peers = ui.compute(
    profile.peers_to_talk_to, "municipalities", "measures", "maturity", code=code, lang=ui.lang()
)
if peers.empty:
    st.caption(ui.tr("profile.no_peers"))
for row in peers.itertuples():
    ui.profile_link(
        row.code,
        f"{row.rank}. {row.name} ({row.province})",
        help=f"{ui.tr('profile.open_profile')} {row.name}",
        icon=":material/forum:",
    )
    st.caption(ui.md(row.reasons))
st.caption(ui.tr("app.credit_cbs"))
