"""Answers to help questions and requests to join (cop.community.answers, .joining).

Each storage test runs on SQLite and on a real PostgreSQL server (``db_url``); the
expected values are read back from the database, not from the function under test.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.access import visibility
from cop.community import answers, forms, joining
from cop.data import storage
from cop.data.migrations import SQL_TABLES

NOW = dt.datetime(2026, 11, 30, 12, 0, 0)


def _frame(table: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    from cop.data.schema import coerce_types

    return coerce_types(pd.DataFrame(rows), table)


@pytest.fixture
def engine(db_url: str):
    """Three municipalities (two partners), one expert, two open questions by GM0001."""
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    towns = _frame(
        "municipalities",
        [
            {"code": "GM0001", "name": "Aadorp", "province": "Utrecht", "population": 10000,
             "area_km2": 10.0, "urbanity": 3, "lat": 52.1, "lon": 5.1, "is_partner": True, "joined_year": 2022},
            {"code": "GM0002", "name": "Beekdal", "province": "Utrecht", "population": 20000,
             "area_km2": 20.0, "urbanity": 3, "lat": 52.2, "lon": 5.2, "is_partner": True, "joined_year": 2023},
            {"code": "GM0003", "name": "Cromvoirt", "province": "Utrecht", "population": 30000,
             "area_km2": 30.0, "urbanity": 3, "lat": 52.3, "lon": 5.3, "is_partner": False},
        ],
    )  # fmt: skip
    experts = _frame(
        "experts",
        [{"id": 1, "name": "De Vlinderstichting", "kind": "nature_organisation",
          "themes": "flower_verges", "url": "https://example.org"}],
    )  # fmt: skip
    questions = _frame(
        "help_questions",
        [
            {"id": 1, "municipality_code": "GM0001", "asked_on": "2026-01-05",
             "theme": "flower_verges", "question": "Welk zaadmengsel past op klei?",
             "status": "open"},
            {"id": 2, "municipality_code": "GM0001", "asked_on": "2026-02-05",
             "theme": "depaving", "question": "Hoe meten jullie tegelwippen?", "status": "open"},
        ],
    )  # fmt: skip
    storage.write(
        engine,
        [
            storage.TableWrite("municipalities", towns),
            storage.TableWrite("experts", experts),
            storage.TableWrite("help_questions", questions),
        ],
        actor="test",
        source="fixture",
    )
    yield engine
    engine.dispose()


def _stored(engine, table: str) -> pd.DataFrame:
    with engine.connect() as conn:
        sql = SQL_TABLES[table]
        return pd.read_sql(sa.select(sql).order_by(*sql.primary_key.columns), conn)


# ---------------------------------------------------------------- who may answer


@pytest.mark.parametrize(
    ("role", "own", "code", "expert", "partner", "expected"),
    [
        ("visitor", None, "GM0002", None, True, "sign_in"),
        ("member", "GM0002", "GM0002", None, True, None),
        ("member", "GM0002", "GM0001", None, True, "not_own"),
        ("member", "GM0003", "GM0003", None, False, "not_partner"),
        ("member", None, "GM0002", None, True, "no_municipality"),
        ("member", "GM0002", None, 1, False, "expert_coordinator_only"),
        ("coordinator", None, None, 1, False, None),
        ("coordinator", None, "GM0003", None, False, None),
        ("coordinator", None, "GM0002", 1, True, "no_source"),
    ],
)
def test_answer_refusal(role, own, code, expert, partner, expected) -> None:
    assert visibility.answer_refusal(role, own, code, expert, is_partner=partner) == expected


def test_who_marks_a_question_answered() -> None:
    assert visibility.may_mark_answered("coordinator", None, "GM0001")
    assert visibility.may_mark_answered("member", "GM0001", "GM0001")
    assert not visibility.may_mark_answered("member", "GM0002", "GM0001")
    assert not visibility.may_mark_answered("visitor", "GM0001", "GM0001")


# ---------------------------------------------------------------- posting and closing


def test_member_answers_then_asker_marks_it_answered(engine) -> None:
    report = answers.post_answer(
        engine, 1, "  Wij zaaien een inheems kleimengsel na twee jaar verschralen. ",
        role="member", account_municipality="GM0002", author="bea", now=NOW,
    )  # fmt: skip
    assert report.ok, report.issues
    stored = _stored(engine, "answers")
    assert len(stored) == 1
    row = stored.iloc[0]
    assert int(report.frame.at[0, "id"]) == int(row["id"])  # the id the database gave
    assert row["municipality_code"] == "GM0002" and pd.isna(row["expert_id"])
    assert row["text"] == "Wij zaaien een inheems kleimengsel na twee jaar verschralen."
    assert row["author"] == "bea"

    # a coordinator adds what the expert organisation said
    expert = answers.post_answer(
        engine, 1, "Kijk naar de Bijenlandschap-mengsels voor klei.",
        role="coordinator", account_municipality=None, author="coco", expert_id=1, now=NOW,
    )  # fmt: skip
    assert expert.ok, expert.issues

    with pytest.raises(PermissionError):
        answers.mark_answered(
            engine, 1, [], role="member", account_municipality="GM0002", actor="bea"
        )
    helped = int(row["id"])
    marked = answers.mark_answered(
        engine, 1, [helped], role="member", account_municipality="GM0001", actor="ann"
    )
    assert marked.ok, marked.issues
    question = _stored(engine, "help_questions").set_index("id").loc[1]
    assert question["status"] == "answered"
    assert question["answered_by"] == "Beekdal"
    flags = _stored(engine, "answers").set_index("id")["helped"].astype(bool).to_dict()
    assert flags == {helped: True, helped + 1: False}
    # the other question is untouched
    assert _stored(engine, "help_questions").set_index("id").loc[2, "status"] == "open"


def test_refusals_store_nothing(engine) -> None:
    short = answers.post_answer(
        engine, 1, "ja", role="member", account_municipality="GM0002", author="bea", now=NOW
    )
    assert not short.ok and short.issues[0].key == "questions.answer_short"
    unknown = answers.post_answer(
        engine, 99, "Een antwoord op niets.", role="coordinator", account_municipality=None,
        author="coco", municipality_code="GM0002", now=NOW,
    )  # fmt: skip
    assert not unknown.ok and unknown.issues[0].key == "questions.unknown_question"
    too_long = answers.post_answer(
        engine, 1, "x" * 4001, role="member", account_municipality="GM0002", author="b", now=NOW
    )
    assert not too_long.ok
    assert too_long.issues[0].column == "text"
    with pytest.raises(PermissionError):
        answers.post_answer(
            engine, 1, "Een antwoord van buiten de CoP.", role="member",
            account_municipality="GM0003", author="c", now=NOW,
        )  # fmt: skip
    with pytest.raises(PermissionError):
        answers.post_answer(
            engine, 1, "Een antwoord van een bezoeker.", role="visitor",
            account_municipality=None, author="v", municipality_code="GM0002", now=NOW,
        )  # fmt: skip
    assert _stored(engine, "answers").empty


def test_marking_with_an_answer_of_another_question_is_refused(engine) -> None:
    other = answers.post_answer(
        engine, 2, "Wij tellen de tegels bij het inleverpunt.", role="member",
        account_municipality="GM0002", author="bea", now=NOW,
    )  # fmt: skip
    report = answers.mark_answered(
        engine, 1, [int(other.frame.at[0, "id"])], role="coordinator",
        account_municipality=None, actor="coco",
    )  # fmt: skip
    assert not report.ok and report.issues[0].key == "questions.helped_unknown"
    assert set(_stored(engine, "help_questions")["status"]) == {"open"}


def test_html_in_an_answer_is_stored_as_text(engine) -> None:
    payload = "<script>alert(1)</script> **vet** en [link](javascript:alert(1))"
    report = answers.post_answer(
        engine, 1, payload, role="member", account_municipality="GM0002", author="b", now=NOW
    )
    assert report.ok
    assert _stored(engine, "answers").at[0, "text"] == payload


# ---------------------------------------------------------------- threads, search, briefs


def test_index_search_and_answers_since(engine) -> None:
    answers.post_answer(
        engine, 2, "Wij tellen de tegels bij het inleverpunt van de tegeltaxi.",
        role="member", account_municipality="GM0002", author="b",
        now=dt.datetime(2026, 3, 1, 9),
    )  # fmt: skip
    answers.post_answer(
        engine, 1, "Schraal maaien en maaisel afvoeren.", role="coordinator",
        account_municipality=None, author="c", expert_id=1, now=dt.datetime(2026, 5, 1, 9),
    )  # fmt: skip
    tables = {t: storage.read_table(engine, t) for t in
              ("help_questions", "answers", "municipalities", "experts")}  # fmt: skip
    index = answers.question_index(
        tables["help_questions"], tables["answers"], tables["municipalities"], tables["experts"]
    )
    assert index.set_index("id")["answers"].to_dict() == {1: 1, 2: 1}
    # found by a word only the answer holds, and by the answering organisation's name
    assert answers.search_questions(index, text="tegeltaxi")["id"].tolist() == [2]
    assert answers.search_questions(index, text="vlinderstichting")["id"].tolist() == [1]
    assert answers.search_questions(index, text="BEEKDAL tégels")["id"].tolist() == [2]
    assert answers.search_questions(index, themes=["depaving"])["id"].tolist() == [2]
    assert answers.search_questions(index, statuses=["answered"]).empty

    thread = answers.thread_of(tables["answers"], 1, tables["municipalities"], tables["experts"])
    assert thread["answerer"].tolist() == ["De Vlinderstichting"]

    since = answers.answers_since(
        tables["answers"], tables["help_questions"], tables["municipalities"],
        tables["experts"], dt.date(2026, 2, 1), dt.date(2026, 4, 1),
    )  # fmt: skip
    assert since[["question_id", "answerer"]].values.tolist() == [[2, "Beekdal"]]


# ---------------------------------------------------------------- joining


def test_join_request_then_joined_makes_a_partner(engine) -> None:
    report = joining.submit_join_request(
        engine, "gm0003", " Carla Cromvoirt ", "Beleidsmedewerker groen",
        "carla@cromvoirt.example", "Wij willen graag meedoen.", now=NOW,
    )  # fmt: skip
    assert report.ok, report.issues
    stored = _stored(engine, "join_requests")
    assert stored[["municipality_code", "name", "status"]].values.tolist() == [
        ["GM0003", "Carla Cromvoirt", "new"]
    ]
    request_id = int(stored.at[0, "id"])
    assert int(report.frame.at[0, "id"]) == request_id
    with pytest.raises(PermissionError):
        joining.set_status(engine, request_id, "joined", role="member", actor="m")

    contacted = joining.set_status(
        engine, request_id, "contacted", role="coordinator", actor="coco", today=NOW.date()
    )
    assert contacted.ok, contacted.issues
    town = _stored(engine, "municipalities").set_index("code").loc["GM0003"]
    assert not bool(town["is_partner"])

    joined = joining.set_status(
        engine, request_id, "joined", role="coordinator", actor="coco", today=NOW.date()
    )
    assert joined.ok, joined.issues
    town = _stored(engine, "municipalities").set_index("code").loc["GM0003"]
    assert bool(town["is_partner"]) and int(town["joined_year"]) == 2026
    assert _stored(engine, "join_requests").at[0, "status"] == "joined"
    # an existing partner keeps the year it joined
    again = joining.submit_join_request(
        engine, "GM0001", "Anna", "Ecoloog", "anna@aadorp.example", None, now=NOW
    )
    joining.set_status(
        engine, int(again.frame.at[0, "id"]), "joined", role="coordinator", actor="c",
        today=NOW.date(),
    )  # fmt: skip
    assert (
        int(_stored(engine, "municipalities").set_index("code").loc["GM0001", "joined_year"])
        == 2022
    )
    assert joining.list_requests(engine)["id"].tolist() == [request_id + 1, request_id]


def test_join_request_fields_are_validated(engine) -> None:
    report = joining.submit_join_request(
        engine, "GM9999", "", "x" * 121, "not-an-address", "hoi", now=NOW
    )
    assert not report.ok
    problems = forms.field_problems(report, "en", {"municipality_code": "join.municipality",
                                                   "name": "join.name", "role": "join.role",
                                                   "email": "join.email"})  # fmt: skip
    assert [p.column for p in problems] == ["municipality_code", "name", "role", "email"]
    assert problems[0].label == "Municipality"
    assert not any("Row" in p.message for p in problems)
    assert _stored(engine, "join_requests").empty


def test_join_requests_are_limited_in_the_database(engine) -> None:
    limits = joining.RateLimits(per_email=2, per_municipality=3, total=4)
    results = [
        joining.submit_join_request(
            engine, "GM0003", f"P{i}", "r", "same@x.example", None, now=NOW, limits=limits
        )
        for i in range(3)
    ]
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].issues[0].key == "join.limit_email"
    other = joining.submit_join_request(
        engine, "GM0003", "Q", "r", "other@x.example", None, now=NOW, limits=limits
    )
    assert other.ok
    fourth = joining.submit_join_request(
        engine, "GM0003", "R", "r", "third@x.example", None, now=NOW, limits=limits
    )
    assert fourth.issues[0].key == "join.limit_municipality"
    # a day later the window has passed
    later = joining.submit_join_request(
        engine, "GM0003", "S", "r", "same@x.example", None,
        now=NOW + dt.timedelta(days=1, minutes=1), limits=limits,
    )  # fmt: skip
    assert later.ok
    assert len(_stored(engine, "join_requests")) == 4


def test_session_limit() -> None:
    limits = joining.RateLimits(per_session=2)
    assert joining.session_allows([], 0.0, limits)
    assert joining.session_allows([0.0], 1.0, limits)
    assert not joining.session_allows([0.0, 1.0], 2.0, limits)
    assert joining.session_allows([0.0, 1.0], 3600.0, limits)


def test_join_requests_reach_no_one_but_coordinators(engine) -> None:
    joining.submit_join_request(
        engine, "GM0003", "Carla", "r", "carla@cromvoirt.example", "hoi", now=NOW
    )
    frame = storage.read_table(engine, "join_requests")
    for role in ("visitor", "member", "unknown"):
        shown = visibility.visible_frame("join_requests", frame, role)
        assert shown.empty and list(shown.columns) == list(frame.columns)
    assert len(visibility.visible_frame("join_requests", frame, "coordinator")) == 1
    assert "join_requests" not in visibility.visible_tables(["answers", "join_requests"], "member")
    assert visibility.visible_tables(["join_requests"], "coordinator") == ["join_requests"]
    # the author of an answer is personal: blanked for visitors
    answers.post_answer(
        engine, 1, "Wij zaaien een kleimengsel.", role="member",
        account_municipality="GM0002", author="bea", now=NOW,
    )  # fmt: skip
    shown = visibility.visible_frame("answers", storage.read_table(engine, "answers"), "visitor")
    assert shown["author"].isna().all() and shown["text"].notna().all()


def test_migrations_add_both_tables(db_url: str) -> None:
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    names = set(sa.inspect(engine).get_table_names())
    assert {"answers", "join_requests"} <= names
    columns = {c["name"] for c in sa.inspect(engine).get_columns("join_requests")}
    assert columns == {"id", "municipality_code", "name", "role", "email", "message",
                       "status", "created_at"}  # fmt: skip
    engine.dispose()


# ---------------------------------------------------------------- briefs


def test_brief_lists_new_answers_since_the_previous_meeting(demo_db_file) -> None:
    from cop.meetings import briefs, layout, markdown

    engine = storage.make_engine(f"sqlite:///{demo_db_file}")
    frames = {name: storage.read_table(engine, name) for name in briefs.BRIEF_TABLES}
    engine.dispose()
    given = frames["answers"]["created_at"].sort_values()
    date = given.iloc[-1].date() + dt.timedelta(days=1)
    brief = briefs.build_brief(
        *frames.values(), date=date.isoformat(), lang="en", trends_enabled=False
    )
    since = brief.changes.since
    # computed independently: answers after the previous meeting, up to the date
    day = frames["answers"]["created_at"].dt.date
    expected = frames["answers"][(day > since) & (day <= date)]
    assert len(expected) > 0, "the demo data has answers since the previous meeting"
    got = brief.changes.new_answers
    assert sorted(a.question_id for a in got) == sorted(expected["question_id"].astype(int))
    towns = frames["municipalities"].set_index("code")["name"]
    orgs = frames["experts"].set_index("id")["name"]
    first = expected.sort_values(["created_at", "id"]).iloc[0]
    who = (
        towns[first["municipality_code"]]
        if pd.notna(first["municipality_code"])
        else orgs[first["expert_id"]]
    )
    assert got[0].answerer == who
    text = markdown.to_markdown(layout.document(brief), "en")
    assert "New answers to help questions" in text
    assert f"{who} answered the question of" in text
    # without the answers table (older callers) the brief still builds, with none
    older = briefs.build_brief(*list(frames.values())[:-1], date=date.isoformat(), lang="en")
    assert older.changes.new_answers == ()


# ---------------------------------------------------------------- command line


def test_cli_lists_and_sets_join_requests(app_env, capsys) -> None:
    from cop.cli.main import main

    engine = storage.make_engine(f"sqlite:///{app_env / 'cop.sqlite'}")
    stored = storage.read_table(engine, "join_requests")
    assert main(["join-requests", "list"]) == 0
    out = capsys.readouterr().out
    assert all(email in out for email in stored["email"])
    assert len(out.strip().splitlines()) == len(stored) + 1
    first = stored.iloc[0]
    assert main(["join-requests", "set", str(int(first["id"])), "joined"]) == 0
    towns = storage.read_table(engine, "municipalities").set_index("code")
    assert bool(towns.at[first["municipality_code"], "is_partner"])
    capsys.readouterr()
    assert main(["join-requests", "list", "--status", "joined"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and first["email"] in lines[1]
    assert main(["join-requests", "set", "999", "joined"]) == 2
    engine.dispose()


# ---------------------------------------------------------------- e-mail after storing


def test_stored_answer_and_request_are_mailed_and_a_dead_server_loses_nothing(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argon2 import PasswordHasher

    from cop.access import accounts
    from tests.smtp_support import free_port, smtp_server

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    accounts.add_user(
        engine, "ann", "member-pw-123", "member", "GM0001", email="ann@aadorp.example"
    )
    accounts.add_user(engine, "coco", "coordinator-pw", "coordinator", email="coco@cop.example")
    with smtp_server() as (inbox, server):
        env = {"COP_SMTP_URL": f"smtp://127.0.0.1:{server.port}?starttls=off"}
        answer = answers.post_answer(
            engine, 1, "Wij zaaien een inheems kleimengsel.", role="member",
            account_municipality="GM0002", author="bea", now=NOW, environ=env,
        )  # fmt: skip
        assert answer.ok and answer.notification.wait(30)
        request = joining.submit_join_request(
            engine, "GM0003", "Carla", "Ecoloog", "carla@cromvoirt.example", "Graag!",
            now=NOW, environ=env,
        )  # fmt: skip
        assert request.ok and request.notification.wait(30)
    assert [m.rcpt_tos for m in inbox.messages] == [["ann@aadorp.example"], ["coco@cop.example"]]
    assert "Wij zaaien een inheems kleimengsel." in inbox.messages[0].message.get_content()
    assert "carla@cromvoirt.example" in inbox.messages[1].message.get_content()

    dead = {"COP_SMTP_URL": f"smtp://127.0.0.1:{free_port()}?starttls=off", "COP_SMTP_TIMEOUT": "5"}
    late = answers.post_answer(
        engine, 2, "Tegels tellen bij het inleverpunt.", role="member",
        account_municipality="GM0002", author="bea", now=NOW, environ=dead,
    )  # fmt: skip
    assert late.ok and not late.notification.wait(30)  # the mail failed ...
    assert len(_stored(engine, "answers")) == 2  # ... the answer is stored all the same
    # without COP_SMTP_URL nothing is tried
    quiet = joining.submit_join_request(
        engine, "GM0003", "Dirk", "r", "dirk@cromvoirt.example", None, now=NOW, environ={}
    )
    assert quiet.ok and quiet.notification is None


def test_removing_an_expert_takes_only_its_own_answers_along(engine) -> None:
    by_town = answers.post_answer(
        engine, 1, "Wij zaaien een kleimengsel.", role="member",
        account_municipality="GM0002", author="bea", now=NOW,
    )  # fmt: skip
    answers.post_answer(
        engine, 1, "Advies van de organisatie.", role="coordinator",
        account_municipality=None, author="coco", expert_id=1, now=NOW,
    )  # fmt: skip
    outcome = storage.write(
        engine,
        [
            storage.TableWrite(
                "experts", storage.read_table(engine, "experts").iloc[0:0], mode="replace"
            )
        ],
        actor="coco",
        source="editor",
    )
    assert outcome.ok and outcome.counts()["removed"] == 2  # the expert and its one answer
    left = _stored(engine, "answers")
    assert left["id"].tolist() == [int(by_town.frame.at[0, "id"])]
