"""Join the CoP ("Mee doen?"): the one form a visitor can send, and the coordinators'
follow-up of the requests (new, contacted, joined, declined)."""

import time

import streamlit as st

from cop.access import visibility
from cop.community import joining
from cop.core import vocab
from cop.data import presentation
from cop.peers import search
from cop import ui, ui_community

FORM_LABELS = {
    "municipality_code": "join.municipality",
    "name": "join.name",
    "role": "join.role",
    "email": "join.email",
    "message": "join.message",
}
SESSION_TIMES = "join_sent_at"  # epoch seconds of this session's stored requests
# Fields are keyed per round; a stored request starts a new round, so the browser shows an
# empty form (deleting a form widget's state does not clear what the browser shows).
ROUND = "join_round"

ui.page_title("join.title", "join.intro")
ui_community.coordinator_contact()
ui.show_flash("join")
municipalities = ui.table("municipalities")
names = ui.municipality_names()
if SESSION_TIMES not in st.session_state:
    st.session_state[SESSION_TIMES] = []
if ROUND not in st.session_state:
    st.session_state[ROUND] = 0
form_round = st.session_state[ROUND]

# --- the request: a municipality found by any spelling, who you are, a message -------------
st.header(ui.tr("join.form_title"))
query = st.text_input(ui.tr("join.search"), key="join_search", help=ui.tr("peers.search_help"))
found = search.search_municipalities(query, municipalities)
if found.empty:
    st.warning(ui.tr("peers.no_match"))
    found = search.search_municipalities("", municipalities)
options = found["code"].tolist()
matched = found.set_index("code")["matched"].to_dict()
join_index = ui.keep_choice("join_municipality", options)
code = st.selectbox(
    ui.tr("join.municipality"),
    options,
    key="join_municipality",
    **join_index,
    format_func=lambda c: names[c] if matched[c] == names[c] else f"{names[c]} ({matched[c]})",
)
if bool(municipalities.set_index("code").at[code, "is_partner"]):
    st.caption(ui.md(ui.tr("join.already_partner", name=names[code])))
with st.form("join_form"):
    name = st.text_input(ui.tr("join.name"), key=f"join_name_{form_round}", max_chars=120)
    job = st.text_input(ui.tr("join.role"), key=f"join_role_{form_round}", max_chars=120)
    email = st.text_input(ui.tr("join.email"), key=f"join_email_{form_round}", max_chars=254)
    message = st.text_area(ui.tr("join.message"), key=f"join_message_{form_round}", max_chars=2000)
    st.caption(ui.tr("join.privacy"))
    sent = st.form_submit_button(ui.tr("join.submit"), key="join_submit", type="primary")
if sent:
    now = time.time()
    if not joining.session_allows(st.session_state[SESSION_TIMES], now):
        st.warning(ui.tr("join.limit_session"), icon=":material/hourglass:")
    else:
        report = joining.submit_join_request(
            ui.engine(), code, name, job, email, message, actor=ui.username() or "visitor"
        )
        if report.ok:
            st.session_state[SESSION_TIMES].append(now)
            st.session_state[ROUND] = form_round + 1  # an empty form: details are not kept
            ui.flash("join", ui.tr("join.thanks", name=names[code]))
        ui_community.show_form_problems(report, FORM_LABELS)

# --- coordinators: the requests and their follow-up ----------------------------------------
if visibility.can_manage_join_requests(ui.role()):
    st.divider()
    st.header(ui.tr("join.requests_title"))
    shown_statuses = st.multiselect(
        ui.tr("join.requests_status"),
        vocab.JOIN_STATUSES,
        key="join_requests_status",
        format_func=ui.vocab_label("jstatus"),
        **ui.empty_prompt(),
    )
    requests = joining.newest_first(ui.table("join_requests"), shown_statuses)
    st.caption(ui.tr("join.requests_count", count=ui.num(len(requests))))
    if requests.empty:
        st.caption(ui.tr("join.requests_none"))
    else:
        readable = presentation.with_municipality_names(requests, municipalities)
        ui.show_table(readable, "join_requests", key="join_requests_table")
        ui.download_buttons(
            readable, "cop_join_requests", key="join_requests_download", table_name="join_requests"
        )
        by_id = requests.set_index("id")
        status_label = ui.vocab_label("jstatus")
        request_labels = {
            i: ui.tr(
                "join.change_request_label",
                id=i,
                municipality=names.get(row.municipality_code, ""),
                name=row.name,
                status=status_label(row.status),
            )
            for i, row in zip(by_id.index, by_id.itertuples(), strict=True)
        }
        with st.form("join_status_form"):
            chosen = st.selectbox(
                ui.tr("join.change_request"),
                list(request_labels),
                key="join_change_request",
                format_func=request_labels.get,
            )
            status = st.selectbox(
                ui.tr("join.change_status"),
                vocab.JOIN_STATUSES,
                key="join_change_status",
                format_func=status_label,
                help=ui.tr("join.change_help"),
            )
            change = st.form_submit_button(ui.tr("join.change_submit"), key="join_change_submit")
        if change:
            report = joining.set_status(
                ui.engine(), int(chosen), status, role=ui.role(), actor=ui.username() or "?"
            )
            if report.ok:
                town = str(by_id.at[chosen, "municipality_code"])
                year = ui.table("municipalities").set_index("code").at[town, "joined_year"]
                done = (
                    ui.tr("join.changed_partner", id=chosen, name=names[town], year=year)
                    if status == "joined"
                    else ui.tr("join.changed", id=chosen, status=status_label(status))
                )
                ui.flash("join", done)
            ui_community.show_form_problems(report, {"status": "join.change_status"})
