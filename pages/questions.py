"""Help questions: every question with who can answer it, its answers, and the search of
what was answered before. Members of partner municipalities and coordinators answer; the
asking municipality or a coordinator closes a question."""

import streamlit as st

from cop.access import visibility
from cop.community import answers
from cop.core import vocab
from cop.peers import answerers
from cop import ui, ui_community

QUESTION_PARAM = "vraag"  # ?vraag=12 opens help question 12
ROUND = "questions_answer_round"  # a posted answer starts a new, empty text box
URL_SEEN = "questions_url_seen"  # the link last followed, so a later choice is not undone
ANSWER_LABELS = {"text": "questions.answer_text"}

ui.page_title("questions.title", "questions.intro")
st.caption(ui.tr("questions.ask_help"))
st.page_link("pages/peers.py", label=ui.tr("questions.ask_link"), icon=":material/add_comment:")
ui.show_flash("questions")

role = ui.role()
own = ui.user_municipality() if role == "member" else None
names = ui.municipality_names()
experts = ui.table("experts")
index = ui.compute(answers.question_index, "help_questions", "answers", "municipalities", "experts")

# --- search: every question, answered ones stay findable as knowledge ---------------------
left, middle, right = st.columns([2, 2, 1])
text = left.text_input(
    ui.tr("questions.search"), key="questions_search", help=ui.tr("questions.search_help")
)
themes = middle.multiselect(
    ui.tr("questions.themes"),
    vocab.THEMES,
    key="questions_themes",
    format_func=ui.vocab_label("theme"),
    **ui.empty_prompt(),
)
statuses = right.multiselect(
    ui.tr("questions.statuses"),
    vocab.QUESTION_STATUSES,
    key="questions_statuses",
    format_func=ui.vocab_label("qstatus"),
    **ui.empty_prompt(),
)
found = answers.search_questions(index, text=text, themes=themes, statuses=statuses)
st.caption(ui.tr("questions.found", count=ui.num(len(found)), total=ui.num(len(index))))
if found.empty:
    st.warning(ui.tr("questions.none_found"))
    st.stop()
st.dataframe(
    found[["id", "asker_name", "asked_on", "theme", "question", "status", "answers"]].assign(
        theme=found["theme"].map(ui.vocab_label("theme")),
        status=found["status"].map(ui.vocab_label("qstatus")),
    ),
    hide_index=True,
    width="stretch",
    key="questions_table",
    column_config={
        "id": ui.tr("questions.col_id"),
        "asker_name": ui.tr("col.municipality_code"),
        "asked_on": st.column_config.DateColumn(ui.tr("col.asked_on"), format="YYYY-MM-DD"),
        "theme": ui.tr("col.theme"),
        "question": st.column_config.TextColumn(ui.tr("col.question"), width="large"),
        "status": ui.tr("col.status"),
        "answers": ui.tr("questions.col_answers"),
    },
)

# --- one question: ?vraag=ID or chosen from the list ----------------------------------------
options = [int(i) for i in found["id"]]
asked_for = st.query_params.get(QUESTION_PARAM)
if asked_for is not None and asked_for != st.session_state.get(URL_SEEN):  # a new link
    st.session_state[URL_SEEN] = asked_for
    wanted = int(asked_for) if asked_for.isdigit() else None
    if wanted in options:
        st.session_state["questions_choice"] = wanted
    elif wanted not in set(index["id"]):
        st.warning(ui.tr("questions.not_found_param", id=ui.md(asked_for)))
choice_index = ui.keep_choice("questions_choice", options)
labels = found.set_index("id")
choice_labels = {
    i: ui.tr("questions.choose_label", id=i, municipality=row.asker_name, question=row.question)
    for i, row in zip(labels.index, labels.itertuples(), strict=True)
}
question_id = st.selectbox(
    ui.tr("questions.choose"),
    options,
    key="questions_choice",
    format_func=choice_labels.get,
    **choice_index,
)
ui.keep_in_url({QUESTION_PARAM: str(question_id)})
st.session_state[URL_SEEN] = str(question_id)
question = labels.loc[question_id]
asker = str(question["municipality_code"])

with st.container(border=True):
    st.header(ui.md(question["question"]))
    st.caption(
        ui.md(
            ui.tr(
                "questions.asked",
                municipality=question["asker_name"],
                date=question["asked_on"].date().isoformat(),
                theme=ui.vocab_label("theme")(question["theme"]),
                status=ui.vocab_label("qstatus")(question["status"]),
            )
        )
    )
    if isinstance(question["answered_by"], str):
        st.markdown(ui.md(ui.tr("questions.answered_by", names=question["answered_by"])))

if question["status"] == "open":
    st.markdown(f"**{ui.tr('questions.suggested')}**")
    matches = ui.compute(
        answerers.match_help_questions,
        "help_questions",
        "municipalities",
        "measures",
        "maturity",
        "experts",
        limit=3,
        lang=ui.lang(),
    )
    mine = matches[matches["question_id"] == question_id]
    if mine.empty:
        st.caption(ui.tr("questions.suggested_none"))
    else:
        ui_community.answerers_table(mine, key="questions_suggested")

# --- the thread ------------------------------------------------------------------------
thread = answers.thread_of(ui.table("answers"), question_id, ui.table("municipalities"), experts)
st.header(ui.tr("questions.thread", count=len(thread)))
if thread.empty:
    st.caption(ui.tr("questions.no_answers"))
for row in thread.itertuples():
    with st.container(border=True, key=f"questions_answer_{row.id}"):
        meta = ui.tr("questions.answer_meta", who=row.answerer, date=row.created_at.date())
        st.caption(ui.md(meta))
        if bool(row.helped):
            st.success(ui.tr("questions.helped_mark"), icon=":material/thumb_up:")
        st.markdown(ui.md(row.text))

# --- answer it -------------------------------------------------------------------------------
st.header(ui.tr("questions.answer_title"))
refusal = answers.answer_refusal_for(ui.engine(), role, own)
if refusal == "sign_in":
    st.info(ui.tr("questions.answer_sign_in"), icon=":material/login:")
elif refusal is not None:
    st.info(ui.tr(f"questions.answer_refused_{refusal}"), icon=":material/lock:")
    if refusal == "not_partner":
        st.page_link("pages/join.py", label=ui.tr("join.home_link"), icon=":material/group_add:")
else:
    answer_code, expert_id = own, None
    form_round = st.session_state.setdefault(ROUND, 0)
    with st.form("questions_answer_form"):
        if role == "coordinator":
            # labels as options: a translating format_func would run outside the session
            kinds = [ui.tr("questions.answer_as_municipality"), ui.tr("questions.answer_as_expert")]
            by_expert = (
                st.radio(
                    ui.tr("questions.answer_as"),
                    kinds,
                    key="questions_answer_kind",
                    horizontal=True,
                )
                == kinds[1]
            )
            all_codes = ui.by_name(names)  # a coordinator may speak for any municipality
            answer_code = st.selectbox(
                ui.tr("questions.answer_municipality"),
                all_codes,
                key="questions_answer_municipality",
                format_func=names.get,
            )
            expert_names = experts.set_index("id")["name"].to_dict()
            expert_id = st.selectbox(
                ui.tr("questions.answer_expert"),
                list(expert_names),
                key="questions_answer_expert",
                format_func=expert_names.get,
            )
            if by_expert:
                answer_code = None
            else:
                expert_id = None
        else:
            st.caption(ui.md(ui.tr("questions.answer_for", name=names.get(own, own))))
        answer_text = st.text_area(
            ui.tr("questions.answer_text"),
            key=f"questions_answer_text_{form_round}",
            max_chars=4000,
        )
        posted = st.form_submit_button(
            ui.tr("questions.answer_submit"), key="questions_answer_submit", type="primary"
        )
    if posted:
        report = answers.post_answer(
            ui.engine(),
            question_id,
            answer_text,
            role=role,
            account_municipality=own,
            author=ui.username() or role,
            municipality_code=answer_code,
            expert_id=expert_id,
        )
        if report.ok:
            st.session_state[ROUND] = form_round + 1  # an empty text box for the next answer
            new_id = int(report.frame.at[0, "id"])
            ui.flash("questions", ui.tr("questions.answered_posted", id=new_id))
        ui_community.show_form_problems(report, ANSWER_LABELS)

# --- close it --------------------------------------------------------------------------------
if visibility.may_mark_answered(role, own, asker):
    st.header(ui.tr("questions.mark_title"))
    who = thread.set_index("id")["answerer"].to_dict()
    with st.form("questions_mark_form"):
        st.caption(ui.tr("questions.mark_help"))
        helped = st.multiselect(
            ui.tr("questions.mark_helped"),
            list(who),
            default=[int(i) for i in thread.loc[thread["helped"].fillna(False), "id"]],
            key=f"questions_mark_helped_{question_id}",
            format_func=lambda i: f"{i}. {who[i]}",
        )
        marked = st.form_submit_button(ui.tr("questions.mark_submit"), key="questions_mark_submit")
    if marked:
        report = answers.mark_answered(
            ui.engine(),
            question_id,
            helped,
            role=role,
            account_municipality=own,
            actor=ui.username() or role,
        )
        if report.ok:
            ui.flash("questions", ui.tr("questions.marked", id=question_id))
        ui_community.show_form_problems(report, {"helped": "questions.mark_helped"})
elif role != "visitor":
    st.caption(ui.tr("questions.mark_only_asker"))
