"""Find peers: who is like us and further ahead, who can answer a help question, whom to call."""

import streamlit as st

from cop.access import visibility
from cop.peers import answerers, recommend, search
from cop.peers import questions
from cop.core import vocab
from cop.data import presentation
from cop import ui, ui_community

THEMES_PARAM = "thema"  # the chosen themes in the URL, like the map's

ui.page_title("peers.title", "peers.intro")
municipalities = ui.table("municipalities")
measures = ui.table("measures")
names = ui.municipality_names()
role = ui.role()

# --- whose peers: search by name or alias ("Den Haag" finds 's-Gravenhage) ---------------
left, right = st.columns([1, 2])
query = left.text_input(ui.tr("peers.search"), key="peers_search", help=ui.tr("peers.search_help"))
found = search.search_municipalities(query, municipalities)
if found.empty:
    left.warning(ui.tr("peers.no_match"))
    found = search.search_municipalities("", municipalities)
options = found["code"].tolist()
matched = found.set_index("code")["matched"].to_dict()
former = found.set_index("code")["former"].dropna().to_dict()  # "Haaren" finds Vught
# A reload, a new tab or a shared link shows the same peers (issue 14): the chosen
# municipality and themes travel in the URL (?gemeente=GM0344&thema=depaving,...).
from_url = st.query_params.get(ui.PROFILE_PARAM)
if "peers_municipality" not in st.session_state and from_url in options:
    st.session_state["peers_municipality"] = from_url
if "peers_themes" not in st.session_state:
    st.session_state["peers_themes"] = [
        theme for theme in st.query_params.get(THEMES_PARAM, "").split(",") if theme in vocab.THEMES
    ]
asker_index = ui.keep_choice("peers_municipality", options, preferred=ui.user_municipality())
formerly = ui.tr("peers.formerly", name="{name}", former="{former}")
asker = right.selectbox(
    ui.tr("peers.municipality"),
    options,
    key="peers_municipality",
    format_func=lambda code: (
        formerly.format(name=names[code], former=former[code])
        if code in former
        else names[code]
        if matched[code] == names[code]
        else f"{names[code]} ({matched[code]})"
    ),
    **asker_index,
)
themes = st.multiselect(
    ui.tr("peers.themes"),
    vocab.THEMES,
    key="peers_themes",
    format_func=ui.vocab_label("theme"),
    **ui.empty_prompt(),
)
ui.keep_in_url({ui.PROFILE_PARAM: asker, THEMES_PARAM: ",".join(themes) or None})

defaults = recommend.PeerWeights()
with st.expander(ui.tr("peers.weights"), icon=":material/tune:"):
    st.caption(ui.tr("peers.weights_help"))
    cols = st.columns(3)
    chosen_weights = {
        name: cols[i % 3].slider(
            ui.tr(f"peers.w_{name}"), 0.0, 5.0, getattr(defaults, name), 0.5, key=f"peers_w_{name}"
        )
        for i, name in enumerate(recommend.PEER_COMPONENTS)
    }
    chosen_weights["distance_km"] = cols[0].slider(
        ui.tr("peers.w_distance_km"),
        5.0,
        200.0,
        defaults.distance_km,
        5.0,
        key="peers_w_distance_km",
    )
    chosen_weights["measures_half"] = cols[1].slider(
        ui.tr("peers.w_measures_half"),
        1.0,
        10.0,
        defaults.measures_half,
        1.0,
        key="peers_w_measures_half",
    )
    own_levels = None
    if st.toggle(ui.tr("peers.self_assessment"), key="peers_self_assessment"):
        own_levels = {
            dim: st.select_slider(
                ui.vocab_label("dimension")(dim),
                options=[1, 2, 3, 4, 5],
                value=1,
                format_func=ui.vocab_label("level"),
                key=f"peers_self_{dim}",
            )
            for dim in recommend.relevant_dimensions(themes)
        }

if sum(chosen_weights[name] for name in recommend.PEER_COMPONENTS) == 0:
    st.warning(ui.tr("peers.weights_zero"))
    st.stop()
ranked = ui.compute(
    recommend.ranked_peers,
    "municipalities",
    "measures",
    "maturity",
    asker=asker,
    themes=themes,
    self_assessment=own_levels,
    weights=chosen_weights,
    lang=ui.lang(),
)

# --- ranked peers with reasons -----------------------------------------------------------
st.header(ui.tr("peers.ranked", name=ui.md(names[asker])))
if ranked.empty:
    st.info(ui.tr("peers.no_peers"))
    st.stop()
table = recommend.peers_table(ranked, ui.lang())
score_columns = [ui.tr("content.col_score")] + [
    ui.tr("content.col_component", name=ui.tr(f"peers.w_{name}"))
    for name in recommend.PEER_COMPONENTS
]
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="peers_table",
    **ui.EMPTY_CELL,
    column_config={
        ui.tr("content.col_rank"): st.column_config.NumberColumn(width="small"),
        # whole percentages: a printf "%.2f" writes "0.65" in the Dutch UI too
        **{
            label: st.column_config.ProgressColumn(min_value=0, max_value=100, format="%d %%")
            for label in score_columns
        },
        ui.tr("peers.col_reasons"): st.column_config.TextColumn(width="large"),
    },
)
# Phones: the same ranking as cards, so the reasons are read without scrolling sideways
# (cop.ui.A11Y_STYLE shows these instead of the table on narrow screens).
with st.container(key=ui.NARROW_ONLY_PREFIX + "peers_cards"):
    for peer in ranked.head(10).itertuples():
        with st.container(border=True):
            st.markdown(f"**{peer.rank}. {ui.md(peer.name)}** · {ui.md(peer.province)}")
            st.markdown(ui.md(peer.reasons))
ui.download_buttons(table, "cop_peers", key="peers_download")

# --- what they did and whom to call --------------------------------------------------------
st.header(ui.tr("peers.practices_contacts"))
top = ranked["code"].head(5).tolist()
practices = recommend.relevant_practices(measures, top, themes)
contacts = recommend.peer_contacts(ui.visible("contacts"), top, themes, ui.lang())
if role == "visitor":
    st.info(ui.tr("peers.contacts_visitor"), icon=":material/lock:")
    ui_community.coordinator_link()
for code in top:
    row = ranked.set_index("code").loc[code]
    with st.expander(f"{int(row['rank'])}. {ui.md(names[code])} — {ui.md(row['reasons'])}"):
        done = practices[practices["municipality_code"] == code]
        if done.empty:
            st.caption(ui.tr("peers.no_practices"))
        else:
            ui.show_table(
                done[["title", "theme", "status", "start_year", "lessons_learned", "url"]],
                "measures",
                key=f"peers_practices_{code}",
                practice_ids=done["id"].tolist(),
            )
        people = contacts[contacts["municipality_code"] == code]
        if people.empty:
            st.caption(ui.tr("peers.no_contacts"))
            ui_community.coordinator_link()
        else:
            shown = (
                ["role", "themes", "how_to_reach"]
                if role == "visitor"
                else ["name", "role", "themes", "how_to_reach"]
            )
            st.dataframe(
                people[shown].assign(
                    themes=people["themes"].map(
                        lambda v: presentation.code_list_label(v, ui.lang())
                    )
                ),
                hide_index=True,
                width="stretch",
                key=f"peers_contacts_{code}",
                # a person's name is a "Naam", never a "Gemeente" (peers.col_name)
                column_config={
                    c: ui.tr("col.name" if c == "name" else f"peers.col_{c}") for c in shown
                },
                **ui.EMPTY_CELL,
            )

# --- help questions and who can answer them -----------------------------------------------
st.header(ui.tr("peers.questions"))
# every open question once per data version; the theme choice only narrows the list
all_matches = ui.compute(
    answerers.match_help_questions,
    "help_questions",
    "municipalities",
    "measures",
    "maturity",
    "experts",
    limit=3,
    lang=ui.lang(),
)
matches = answerers.questions_on(all_matches, themes)
if matches.empty:
    st.caption(ui.tr("peers.no_questions"))
shown, left_out = answerers.newest_questions(matches)
for question_id, group in shown.groupby("question_id", sort=True):
    first = group.iloc[0]
    asker_name = names.get(first["asker_code"], first["asker_code"])
    title = f"{ui.md(first['question'])} — {ui.md(asker_name)}"
    with st.expander(title):
        st.caption(ui.vocab_label("theme")(first["theme"]))
        ui_community.answerers_table(group, key=f"peers_question_{question_id}")
if left_out:
    st.caption(ui.tr("peers.more_questions", count=left_out, count_shown=answerers.QUESTIONS_SHOWN))
    ui.download_buttons(matches, "cop_hulpvragen", key="peers_questions_download")

# --- post a help question (members and coordinators) ---------------------------------------
st.header(ui.tr("peers.post"))
if not visibility.can_post_question(role):
    st.info(ui.tr("peers.post_sign_in"), icon=":material/login:")
    st.stop()
ui.show_flash("peers")
own = ui.user_municipality() if role == "member" else None
with st.form("peers_post_form"):
    if own:
        st.caption(ui.tr("peers.post_for", name=ui.md(names.get(own, own))))
        post_code = own
    else:
        all_codes = ui.by_name(names)
        post_code = st.selectbox(
            ui.tr("peers.municipality"),
            all_codes,
            index=all_codes.index(asker),
            format_func=names.get,
            key="peers_post_municipality",
        )
    post_theme = st.selectbox(
        ui.tr("peers.post_theme"),
        vocab.THEMES,
        key="peers_post_theme",
        format_func=ui.vocab_label("theme"),
    )
    post_text = st.text_area(ui.tr("peers.post_question"), key="peers_post_text", max_chars=4000)
    submitted = st.form_submit_button(ui.tr("peers.post_submit"), key="peers_post_submit")
if submitted:
    report = questions.post_help_question(
        ui.engine(),
        post_code,
        post_theme,
        post_text,
        role=role,
        account_municipality=own,
        actor=ui.actor(),
    )
    if report.ok:
        del st.session_state["peers_post_text"]  # an empty form for the next question
        ui.flash("peers", ui.tr("peers.posted", id=int(report.frame.at[0, "id"])))
    ui.show_problems(report)
