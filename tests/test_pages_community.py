"""AppTests of the help-questions page and the join page (issue 13), on the demo data.

Every expectation is read back from the database the page wrote to, or computed from the
demo tables, not taken from the page.
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from cop import ui
from cop.access import accounts
from cop.data.migrations import SQL_TABLES
from tests import test_access_pages as access
from tests.test_access_pages import PAGES, PASSWORD, ROOT, open_page, rendered_text

demo = access.demo  # the demo database with a member ("member1") and a coordinator
shared_demo = access.shared_demo  # the same, one for the module's read-only sweep

QUESTIONS = "pages/questions.py"
JOIN = "pages/join.py"


def _read(engine, table: str) -> pd.DataFrame:
    sql = SQL_TABLES[table]
    with engine.connect() as conn:
        return pd.read_sql(sa.select(sql).order_by(*sql.primary_key.columns), conn)


def _open_question(engine, not_by: str) -> pd.Series:
    questions = _read(engine, "help_questions")
    return questions[
        (questions["status"] == "open") & (questions["municipality_code"] != not_by)
    ].iloc[0]


def _choose(at, question_id: int):
    at.selectbox(key="questions_choice").select(question_id).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# ---------------------------------------------------------------- help questions


def test_visitor_reads_every_question_but_cannot_answer(demo) -> None:
    at = open_page(QUESTIONS, "visitor", demo, lang="en")
    total = len(_read(demo["engine"], "help_questions"))
    assert any(f"{total} of {total} questions" in c.value for c in at.caption)
    assert len(at.dataframe[0].value) == total
    assert any("Sign in as a member" in i.value for i in at.info)
    assert not at.text_area and not at.get("multiselect")[2:]


def test_member_answers_and_the_asker_marks_it_answered(demo) -> None:
    engine, home = demo["engine"], demo["home"]
    question = _open_question(engine, home)
    qid, asker = int(question["id"]), str(question["municipality_code"])
    at = _choose(open_page(QUESTIONS, "member", demo, lang="en"), qid)
    # an open question shows who can probably answer it (today's matching)
    assert any("Who can probably answer" in m.value for m in at.markdown)
    before = len(_read(engine, "answers"))
    at.text_area(key=f"questions_answer_text_{at.session_state['questions_answer_round']}").input(
        "Wij gebruiken <b>kasten</b> uit de zwaluwtilproef."
    )
    at.button(key="questions_answer_submit").click().run()
    assert not at.exception
    stored = _read(engine, "answers")
    assert len(stored) == before + 1
    new = stored.iloc[-1]
    assert (int(new["question_id"]), new["municipality_code"], new["author"]) == (
        qid,
        home,
        "member1",
    )
    assert any(f"number {int(new['id'])}" in s.value for s in at.success)
    # the thread shows it as text, named by the member's municipality
    names = _read(engine, "municipalities").set_index("code")["name"]
    assert any("<b>kasten</b>" in m.value.replace("\\", "") for m in at.markdown)
    assert any(names[home] in c.value for c in at.caption)
    # the member of another municipality may not close it
    assert not any(b.key == "questions_mark_submit" for b in at.button)

    accounts.add_user(engine, "asker1", PASSWORD, "member", asker)
    demo_asker = dict(demo)
    at = open_page_as(QUESTIONS, "asker1", demo_asker)
    _choose(at, qid)
    at.multiselect(key=f"questions_mark_helped_{qid}").select(int(new["id"]))
    at.button(key="questions_mark_submit").click().run()
    assert not at.exception
    closed = _read(engine, "help_questions").set_index("id").loc[qid]
    assert closed["status"] == "answered" and closed["answered_by"] == names[home]
    assert bool(_read(engine, "answers").set_index("id").at[int(new["id"]), "helped"])
    # answered questions stay findable, by a word of the answer
    at.text_input(key="questions_search").input("Zwaluwtilproef").run()
    assert at.dataframe[0].value["id"].tolist() == [qid]


def open_page_as(page: str, username: str, demo: dict):
    """Like ``open_page`` for any stored account."""
    import time

    from streamlit.testing.v1 import AppTest

    user = accounts.get_user(demo["engine"], username)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[ui.LANG_KEY] = "en"
    at.session_state[ui.USER_KEY] = user.username
    at.session_state[ui.ROLE_KEY] = user.role
    at.session_state[ui.MUNICIPALITY_KEY] = user.municipality_code
    at.session_state[ui.SIGNED_IN_AT_KEY] = time.time()
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_coordinator_enters_an_experts_answer_and_a_short_one_is_refused(demo) -> None:
    engine = demo["engine"]
    qid = int(_open_question(engine, "none")["id"])
    at = _choose(open_page(QUESTIONS, "coordinator", demo, lang="en"), qid)
    experts = _read(engine, "experts")
    at.radio(key="questions_answer_kind").set_value("an expert organisation")
    at.selectbox(key="questions_answer_expert").select(int(experts.at[1, "id"]))
    at.text_area(key=f"questions_answer_text_{at.session_state['questions_answer_round']}").input(
        "kort"
    )
    at.button(key="questions_answer_submit").click().run()
    before = len(_read(engine, "answers"))
    assert any("at least 10 characters" in m.value for m in at.markdown)
    at.text_area(key=f"questions_answer_text_{at.session_state['questions_answer_round']}").input(
        "De organisatie raadt inheemse soorten aan."
    )
    at.button(key="questions_answer_submit").click().run()
    new = _read(engine, "answers").iloc[-1]
    assert len(_read(engine, "answers")) == before + 1
    assert pd.isna(new["municipality_code"]) and int(new["expert_id"]) == int(experts.at[1, "id"])
    assert any(experts.at[1, "name"] in c.value for c in at.caption)


def test_unknown_question_in_the_link_is_a_message(demo) -> None:
    at = open_page(QUESTIONS, "visitor", demo, lang="en")
    at.query_params["vraag"] = "99999"
    at.run()
    assert not at.exception
    assert any("99999 does not exist" in w.value for w in at.warning)


# ---------------------------------------------------------------- joining


def _fill_join(at, query: str, name: str, email: str):
    at.text_input(key="join_search").input(query).run()
    at.text_input(key=f"join_name_{at.session_state['join_round']}").input(name)
    at.text_input(key=f"join_role_{at.session_state['join_round']}").input(
        "Beleidsmedewerker groen"
    )
    at.text_input(key=f"join_email_{at.session_state['join_round']}").input(email)
    at.text_area(key=f"join_message_{at.session_state['join_round']}").input(
        "<script>alert(1)</script> graag!"
    )
    at.button(key="join_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_visitor_asks_to_join_and_the_session_is_limited(demo, monkeypatch) -> None:
    monkeypatch.setenv("COP_COORDINATOR_EMAIL", "cop@coordinator.example")
    engine = demo["engine"]
    before = len(_read(engine, "join_requests"))
    at = open_page(JOIN, "visitor", demo, lang="en")
    assert any("cop@\u2060coordinator.example" in m.value for m in at.markdown)
    # a visitor sees no requests
    assert not any("coordinators only" in s.value for s in at.subheader)
    # a bad address: a message on that field, nothing stored
    _fill_join(at, "den bosch", "Sam Visser", "not-an-address")
    assert any("Your e-mail address" in m.value for m in at.markdown), [
        m.value for m in at.markdown
    ] + [e.value for e in at.error]
    assert len(_read(engine, "join_requests")) == before
    # any spelling: "den bosch" finds 's-Hertogenbosch
    code = at.selectbox(key="join_municipality").value
    names = _read(engine, "municipalities").set_index("code")["name"]
    assert names[code] == "'s-Hertogenbosch"
    _fill_join(at, "den bosch", "Sam Visser", "sam@denbosch.example")
    stored = _read(engine, "join_requests")
    assert len(stored) == before + 1
    row = stored.iloc[-1]
    assert (row["municipality_code"], row["name"], row["status"]) == (code, "Sam Visser", "new")
    assert any("Thank you" in s.value and "'s-Hertogenbosch" in s.value for s in at.success)
    assert (
        at.text_input(key=f"join_email_{at.session_state['join_round']}").value == ""
    )  # the form is empty again
    # two more fit in the session, the fourth does not reach the database
    for i in (2, 3):
        _fill_join(at, "utrecht", f"Person {i}", f"p{i}@utrecht.example")
    assert len(_read(engine, "join_requests")) == before + 3
    _fill_join(at, "utrecht", "Person 4", "p4@utrecht.example")
    assert any("try again in an hour" in w.value.lower() for w in at.warning)
    assert len(_read(engine, "join_requests")) == before + 3


def test_coordinator_turns_a_request_into_a_partner(demo) -> None:
    engine = demo["engine"]
    requests = _read(engine, "join_requests")
    towns = _read(engine, "municipalities").set_index("code")
    row = requests[~requests["municipality_code"].map(towns["is_partner"]).astype(bool)].iloc[0]
    at = open_page(JOIN, "coordinator", demo, lang="en")
    table = next(
        d.value for d in at.dataframe if "E-mail" in d.value.columns or "email" in d.value.columns
    )
    assert len(table) == len(requests)
    at.selectbox(key="join_change_request").select(int(row["id"]))
    at.selectbox(key="join_change_status").select("joined")
    at.button(key="join_change_submit").click().run()
    assert not at.exception
    town = _read(engine, "municipalities").set_index("code").loc[row["municipality_code"]]
    assert bool(town["is_partner"]) and int(town["joined_year"]) == pd.Timestamp.now().year
    assert _read(engine, "join_requests").set_index("id").at[int(row["id"]), "status"] == "joined"
    assert any("is now a partner" in s.value for s in at.success)


@pytest.mark.parametrize("role", ["visitor", "member"])
@pytest.mark.parametrize("page", PAGES)
def test_no_join_request_reaches_anyone_but_coordinators(page, role, shared_demo) -> None:
    demo = shared_demo
    requests = _read(demo["engine"], "join_requests")
    at = open_page(page, role, demo)
    text = rendered_text(at)
    for value in [*requests["email"], *requests["name"]]:
        assert value not in text
    if page == "pages/data.py":
        assert "join_requests" not in at.selectbox(key="data_table").options


def test_a_question_from_the_link_stays_the_boxs_default_in_later_runs(demo) -> None:
    """The browser draws a select box afresh with its default when the run that set its
    value by code was cut short (a sign-in clicked right after a link opened): the
    default must then be the linked question, or the next click sends the first option
    back and an answer lands on another question (found in Chromium under load)."""
    questions = _read(demo["engine"], "help_questions")
    at = open_page(QUESTIONS, "visitor", demo, lang="en")
    options = list(at.selectbox(key="questions_choice").options)
    linked = int(questions.sort_values("id")["id"].iloc[0])  # the last option on the page
    assert options.index(next(o for o in options if o.startswith(f"{linked}."))) > 0
    at.query_params["vraag"] = str(linked)
    at.run()
    at.run()  # a later run: the value is not set by code again
    box = at.selectbox(key="questions_choice")
    assert box.value == linked
    assert box.options[box.proto.default].startswith(f"{linked}.")
