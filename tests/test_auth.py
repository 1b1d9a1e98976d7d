"""Tests for cop.access.accounts, the ``user`` CLI, posting help questions and coordinators' edits.

Storage-backed tests run on SQLite and on a real PostgreSQL server (``db_url``). The
clock is injected (``now=``), so the lockout tests never sleep.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from cop.access import accounts, editing
from cop.cli import main as cli_main
from cop.core import config, i18n
from cop.data import storage
from cop.peers import questions
from tests.conftest import ROOT

T0 = dt.datetime(2026, 3, 1, 12, 0, 0)
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Cheaper argon2id parameters for speed; the algorithm and code path stay the same."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def engine(db_url):
    engine = storage.make_engine(db_url)
    storage.migrate(engine)
    yield engine
    engine.dispose()


def tiny_seed(folder: Path) -> Path:
    """Two municipalities, one question, two contacts: enough for posting and editing."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "municipalities.csv").write_text(
        "code,name,province,population,area_km2,urbanity,is_partner,joined_year,lat,lon\n"
        "GM0344,Utrecht,Utrecht,370000,99.2,1,True,2020,52.09,5.12\n"
        "GM0307,Amersfoort,Utrecht,160000,63.9,2,False,,52.16,5.39\n",
        encoding="utf-8",
    )
    (folder / "help_questions.csv").write_text(
        "id,municipality_code,asked_on,theme,question,status,answered_by\n"
        "1,GM0344,2025-01-02,depaving,Hoe tellen jullie gewipte tegels?,open,\n",
        encoding="utf-8",
    )
    (folder / "contacts.csv").write_text(
        "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
        "1,GM0344,Kim,Ecoloog,kim@utrecht.example,,depaving,True\n"
        "2,GM0307,Sam,Beheer,sam@amersfoort.example,,,False\n",
        encoding="utf-8",
    )
    return folder


# ---------------------------------------------------------------- passwords and sign-in


def test_password_is_stored_as_an_argon2id_hash_never_in_plain_text(engine):
    accounts.add_user(engine, "Anna", PASSWORD, "member", now=T0)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(storage.USERS.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.verify_password(stored, PASSWORD + "!")
    assert accounts.hash_password(PASSWORD) != accounts.hash_password(PASSWORD)  # salted
    listed = accounts.list_users(engine)
    assert "password_hash" not in listed.columns
    assert listed["username"].tolist() == ["anna"]  # user names are case-insensitive


def test_sign_in_and_one_generic_message_for_every_failure(engine):
    accounts.add_user(engine, "anna", PASSWORD, "coordinator", now=T0)
    ok = accounts.authenticate(engine, " ANNA ", PASSWORD, now=T0)
    assert ok.ok and ok.user == accounts.User("anna", "coordinator", None)
    wrong_password = accounts.authenticate(engine, "anna", "wrong password", now=T0)
    unknown_user = accounts.authenticate(engine, "nobody", PASSWORD, now=T0)
    empty = accounts.authenticate(engine, "", "", now=T0)
    assert not wrong_password.ok and not unknown_user.ok and not empty.ok
    assert wrong_password.message_key == unknown_user.message_key == empty.message_key
    for lang in i18n.LANGUAGES:  # the text names neither the user nor which part was wrong
        text = i18n.t(wrong_password.message_key, lang)
        assert "anna" not in text and "nobody" not in text


def test_lockout_grows_after_repeated_failures_and_holds_in_the_database(engine):
    policy = accounts.LockoutPolicy(free_attempts=3, base_seconds=30, max_seconds=120)
    accounts.add_user(engine, "anna", PASSWORD, "member", now=T0)
    for _ in range(3):
        assert not accounts.authenticate(engine, "anna", "guess", now=T0, policy=policy).ok
    with engine.connect() as conn:
        row = conn.execute(sa.select(storage.USERS)).one()
    assert row.failed_attempts == 3
    assert row.locked_until == T0 + dt.timedelta(seconds=30)
    # locked: even the right password is refused, and trying does not extend the lock
    assert not accounts.authenticate(
        engine, "anna", PASSWORD, now=T0 + dt.timedelta(seconds=29), policy=policy
    ).ok
    with engine.connect() as conn:
        assert conn.execute(sa.select(storage.USERS.c.locked_until)).scalar_one() == (
            T0 + dt.timedelta(seconds=30)
        )
    # after the window one more failure doubles the lock (4th failure: 60 s)
    later = T0 + dt.timedelta(seconds=31)
    assert not accounts.authenticate(engine, "anna", "guess", now=later, policy=policy).ok
    with engine.connect() as conn:
        assert conn.execute(sa.select(storage.USERS.c.locked_until)).scalar_one() == (
            later + dt.timedelta(seconds=60)
        )
    # a new engine (another app server) sees the same lock
    other = storage.make_engine(str(engine.url.render_as_string(hide_password=False)))
    assert not accounts.authenticate(
        other, "anna", PASSWORD, now=later + dt.timedelta(seconds=59), policy=policy
    ).ok
    other.dispose()
    # after it, the right password works and resets the counter
    done = later + dt.timedelta(seconds=61)
    assert accounts.authenticate(engine, "anna", PASSWORD, now=done, policy=policy).ok
    with engine.connect() as conn:
        row = conn.execute(sa.select(storage.USERS)).one()
    assert (row.failed_attempts, row.locked_until, row.last_sign_in_at) == (0, None, done)


def test_lock_length_is_exponential_and_capped():
    policy = accounts.LockoutPolicy(free_attempts=5, base_seconds=30, max_seconds=3600)
    assert [policy.lock_seconds(n) for n in (1, 4, 5, 6, 7, 12, 30)] == [
        0,
        0,
        30,
        60,
        120,
        3600,
        3600,
    ]


def test_new_password_lifts_a_lock_and_unlock_resets(engine):
    policy = accounts.LockoutPolicy(free_attempts=1)
    accounts.add_user(engine, "anna", PASSWORD, "member", now=T0)
    accounts.authenticate(engine, "anna", "guess", now=T0, policy=policy)
    assert not accounts.authenticate(engine, "anna", PASSWORD, now=T0, policy=policy).ok
    accounts.set_password(engine, "anna", "a brand new password")
    assert accounts.authenticate(engine, "anna", "a brand new password", now=T0, policy=policy).ok
    accounts.authenticate(engine, "anna", "guess", now=T0, policy=policy)
    accounts.unlock_user(engine, "anna")
    assert accounts.authenticate(engine, "anna", "a brand new password", now=T0, policy=policy).ok
    with pytest.raises(accounts.AuthError):
        accounts.set_password(engine, "nobody", "a brand new password")


def test_account_rules(engine):
    with pytest.raises(accounts.AuthError, match=r"auth\.password_short"):
        accounts.add_user(engine, "anna", "short", "member")
    with pytest.raises(accounts.AuthError, match=r"auth\.role_invalid"):
        accounts.add_user(engine, "anna", PASSWORD, "admin")
    with pytest.raises(accounts.AuthError, match=r"auth\.username_invalid"):
        accounts.add_user(engine, "a b", PASSWORD, "member")
    with pytest.raises(accounts.AuthError, match=r"err\.code_pattern"):
        accounts.add_user(engine, "anna", PASSWORD, "member", "0344")
    accounts.add_user(engine, "anna", PASSWORD, "member", "gm0344")
    assert accounts.get_user(engine, "anna") == accounts.User("anna", "member", "GM0344")
    with pytest.raises(accounts.AuthError, match=r"auth\.user_exists"):
        accounts.add_user(engine, "ANNA", PASSWORD, "coordinator")
    assert accounts.remove_user(engine, "anna") and not accounts.remove_user(engine, "anna")


def test_municipality_must_exist_once_municipalities_are_loaded(tmp_path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'cop.sqlite'}")
    storage.init_db(engine, tiny_seed(tmp_path / "seed"))
    with pytest.raises(accounts.AuthError, match=r"err\.unknown_municipality"):
        accounts.add_user(engine, "anna", PASSWORD, "member", "GM0999")
    assert accounts.add_user(engine, "anna", PASSWORD, "member", "GM0344").municipality_code == (
        "GM0344"
    )
    engine.dispose()


def test_every_answer_costs_one_verification_with_the_same_parameters(engine, monkeypatch):
    """Unknown name, wrong password, locked account, right password: one argon2 check each,
    always with the current hasher's parameters (the cause of a timing difference)."""
    accounts.add_user(engine, "anna", PASSWORD, "member")
    accounts.add_user(engine, "bob", PASSWORD, "member")
    with engine.begin() as conn:
        conn.execute(
            storage.USERS.update()
            .where(storage.USERS.c.username == "bob")
            .values(locked_until=T0 + dt.timedelta(hours=1), failed_attempts=9)
        )
    checked: list[str] = []
    verify = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or verify(h, p))
    expected = accounts._HASHER
    for name, password, ok in [
        ("nobody", PASSWORD, False),
        ("anna", "wrong password!", False),
        ("bob", PASSWORD, False),  # locked: refused even with the right password
        ("", PASSWORD, False),
        ("anna", "x" * (accounts.MAX_PASSWORD_LENGTH + 1), False),
        ("anna", PASSWORD, True),
    ]:
        checked.clear()
        result = accounts.authenticate(engine, name, password, now=T0)
        assert result.ok is ok and (ok or result.message_key == accounts.FAILED)
        assert len(checked) == 1, name
        parameters = argon2_parameters(checked[0])
        assert parameters == (expected.time_cost, expected.memory_cost, expected.parallelism)
    locked = accounts.list_users(engine).set_index("username").loc["bob"]
    assert locked["failed_attempts"] == 9  # an attempt during a lock changes nothing


def argon2_parameters(encoded: str) -> tuple[int, int, int]:
    """(time cost, memory cost, parallelism) read from an encoded argon2 hash."""
    from argon2 import extract_parameters

    found = extract_parameters(encoded)
    return found.time_cost, found.memory_cost, found.parallelism


def test_sign_in_takes_as_long_for_unknown_wrong_and_locked(tmp_path, monkeypatch):
    """The timing oracle is gone: with the real argon2 parameters, the medians of 15
    attempts each differ by less than a factor 2 (before: unknown 230-610 ms, wrong
    password 105-250 ms, locked 0.1 ms). Attempts are interleaved in a shuffled order so
    that the load of the machine falls on all three alike."""
    import random
    import statistics
    import time

    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher())  # the production parameters
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'cop.sqlite'}")
    storage.migrate(engine)
    accounts.add_user(engine, "anna", PASSWORD, "member")
    accounts.add_user(engine, "bob", PASSWORD, "member")
    with engine.begin() as conn:
        conn.execute(
            storage.USERS.update()
            .where(storage.USERS.c.username == "bob")
            .values(locked_until=T0 + dt.timedelta(days=1))
        )
    never_locks = accounts.LockoutPolicy(free_attempts=10**6)
    attempts = {
        "unknown": ("nobody", PASSWORD),
        "wrong": ("anna", "wrong"),
        "locked": ("bob", PASSWORD),
    }
    accounts.authenticate(engine, "nobody", PASSWORD, now=T0)  # the dummy hash is made once
    seconds: dict[str, list[float]] = {kind: [] for kind in attempts}
    order = random.Random(11)  # each round in another order: no kind always runs last
    for _ in range(15):
        for kind in order.sample(list(attempts), len(attempts)):
            name, password = attempts[kind]
            start = time.perf_counter()
            result = accounts.authenticate(engine, name, password, now=T0, policy=never_locks)
            seconds[kind].append(time.perf_counter() - start)
            assert not result.ok
    engine.dispose()
    medians = {kind: statistics.median(values) for kind, values in seconds.items()}
    for a in medians:
        for b in medians:
            assert 0.5 <= medians[a] / medians[b] <= 2, medians


def test_a_read_only_database_still_signs_in(tmp_path, caplog):
    """The lockout bookkeeping cannot be written; a right password still signs in, a wrong
    one gets the normal message, and the lost bookkeeping is logged."""
    path = tmp_path / "cop.sqlite"
    writable = storage.make_engine(f"sqlite:///{path}")
    storage.migrate(writable)
    accounts.add_user(writable, "anna", PASSWORD, "member", now=T0)
    writable.dispose()
    read_only = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with caplog.at_level("WARNING", logger="cop.access.accounts"):
        assert accounts.authenticate(read_only, "anna", PASSWORD, now=T0).ok
        wrong = accounts.authenticate(read_only, "anna", "wrong password", now=T0)
    assert (wrong.ok, wrong.message_key) == (False, accounts.FAILED)
    assert "not recorded" in caplog.text and "readonly" in caplog.text
    assert PASSWORD not in caplog.text
    read_only.dispose()


# ---------------------------------------------------------------- sessions and settings


def test_session_expires_counted_from_sign_in():
    start = 1_000_000.0
    assert not accounts.session_expired(start, start + 59 * 60, 60)
    assert accounts.session_expired(start, start + 60 * 60, 60)
    assert accounts.session_expired(None, start, 60)
    assert accounts.session_expired(start + 3600, start, 60)  # a start in the future is not trusted
    assert not accounts.session_expired(start, start + 4 * 60, 5)


def test_settings_from_the_environment():
    default = config.auth_settings({})
    assert (default.mode, default.session_minutes) == ("password", 60)
    settings = config.auth_settings(
        {
            "COP_AUTH": "OIDC",
            "COP_SESSION_MINUTES": "15",
            "COP_OIDC_PROVIDER": "microsoft",
            "COP_OIDC_COORDINATORS": "Coordinator@Deltaplan.example, second@x.example",
            "COP_OIDC_MEMBER_DOMAINS": "utrecht.example,@amersfoort.example",
        }
    )
    assert settings.mode == "oidc" and settings.session_minutes == 15
    assert settings.oidc_provider == "microsoft"
    assert settings.oidc_coordinators == {"coordinator@deltaplan.example", "second@x.example"}
    assert settings.oidc_member_domains == {"utrecht.example", "amersfoort.example"}
    for bad in (
        {"COP_AUTH": "ldap"},
        {"COP_SESSION_MINUTES": "soon"},
        {"COP_SESSION_MINUTES": "0"},
    ):
        with pytest.raises(ValueError):
            config.auth_settings(bad)


def test_oidc_roles_from_e_mail_addresses_and_domains():
    settings = config.auth_settings(
        {
            "COP_OIDC_COORDINATORS": "coordinator@deltaplan.example",
            "COP_OIDC_MEMBERS": "consultant@bureau.example",
            "COP_OIDC_MEMBER_DOMAINS": "utrecht.example",
        }
    )

    def role(**claims):
        return accounts.oidc_role({"is_logged_in": True, **claims}, settings)

    assert role(email="Coordinator@Deltaplan.example") == "coordinator"
    assert role(email="kim@utrecht.example") == "member"
    assert role(email="consultant@bureau.example") == "member"
    assert role(email="someone@elsewhere.example") == "visitor"
    assert role(email="kim@utrecht.example", email_verified=False) == "visitor"
    assert role(email="kim@sub.utrecht.example") == "visitor"  # exact domains only
    assert role() == "visitor"
    assert (
        accounts.oidc_role({"is_logged_in": False, "email": "kim@utrecht.example"}, settings)
        == "visitor"
    )


# ---------------------------------------------------------------- the user CLI


class Terminal(io.StringIO):
    """Standard input that says it is a terminal (where getpass may ask)."""

    def isatty(self) -> bool:
        return True


def run_cli(
    monkeypatch, capsys, *argv: str, stdin: str = "", tty: bool = False, before: tuple = ()
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", Terminal(stdin) if tty else io.StringIO(stdin))
    code = cli_main.main([*before, "user", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_user_cli_add_list_passwd_remove(db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        "add",
        "Anna",
        "--role",
        "member",
        "--municipality",
        "GM0344",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0 and "anna" in out
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "add",
        "anna",
        "--role",
        "member",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 2 and "already exists" in err
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "add",
        "bob",
        "--role",
        "coordinator",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 2 and "at least" in err
    code, out, _ = run_cli(monkeypatch, capsys, "list")
    assert code == 0 and "anna" in out and "GM0344" in out and "bob" not in out
    assert "argon2" not in out
    code, _, _ = run_cli(
        monkeypatch, capsys, "passwd", "anna", "--password-stdin", stdin="another long password\n"
    )
    assert code == 0
    engine = storage.make_engine(db_url)
    assert accounts.authenticate(engine, "anna", "another long password").ok
    engine.dispose()
    code, _, _ = run_cli(monkeypatch, capsys, "remove", "anna")
    assert code == 0
    code, _, err = run_cli(monkeypatch, capsys, "remove", "anna")
    assert code == 2 and "no account" in err
    code, out, _ = run_cli(monkeypatch, capsys, "list")
    assert code == 0 and "No accounts" in out


def test_user_cli_prompts_with_getpass_and_refuses_a_mismatch(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cop.sqlite'}")
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run_cli(monkeypatch, capsys, "add", "anna", "--role", "member", tty=True)
    assert code == 2 and "differ" in err
    answers = iter([PASSWORD, PASSWORD])
    code, _, _ = run_cli(monkeypatch, capsys, "add", "anna", "--role", "member", tty=True)
    assert code == 0
    code, _, err = run_cli(monkeypatch, capsys, "unlock", "nobody")
    assert code == 2


def test_user_add_without_a_terminal_says_use_password_stdin(tmp_path, monkeypatch, capsys):
    """No terminal, no --password-stdin: one line naming the flag, exit 2, nothing stored."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cop.sqlite'}")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("getpass called"))
    code, out, err = run_cli(monkeypatch, capsys, "add", "anna", "--role", "member")
    assert code == 2 and out == ""
    assert err == i18n.t("auth.password_no_terminal", "en") + "\n"
    assert "--password-stdin" in err
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "add",
        "anna",
        "--role",
        "member",
        "--password-stdin",
        before=("--lang", "nl"),
    )  # stdin is empty: not even an empty line
    assert code == 2 and err == i18n.t("auth.password_not_entered", "nl") + "\n"
    engine = storage.make_engine()
    storage.migrate(engine)
    assert accounts.list_users(engine).empty
    engine.dispose()


def test_user_add_in_a_script_without_a_terminal_exits_2_without_traceback(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cop.sqlite'}"}
    command = [sys.executable, "-m", "cop", "--lang", "nl", "user", "add", "anna"]
    done = subprocess.run(
        [*command, "--role", "member"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [i18n.t("auth.password_no_terminal", "nl")]
    added = subprocess.run(
        [*command, "--role", "member", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert added.returncode == 0 and added.stdout == "Added anna: member\n", added.stderr


def test_user_list_shows_dashes_and_utc_minutes(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cop.sqlite'}")
    engine = storage.make_engine()
    storage.migrate(engine)
    accounts.add_user(engine, "anna", PASSWORD, "member", None)
    created, signed_in = (
        dt.datetime(2026, 3, 1, 9, 5, 59, 987654),
        dt.datetime(2026, 3, 2, 17, 30, 1),
    )
    with engine.begin() as conn:
        conn.execute(sa.update(storage.USERS).values(created_at=created, last_sign_in_at=signed_in))
    engine.dispose()
    code, out, _ = run_cli(monkeypatch, capsys, "list")
    header, row = out.splitlines()
    assert code == 0
    assert header.split() == [
        "username", "role", "municipality_code", "created_at", "(UTC)", "failed_attempts",
        "last_failed_at", "(UTC)", "locked_until", "(UTC)", "last_sign_in_at", "(UTC)", "email",
    ]  # fmt: skip
    assert row.split() == [
        "anna", "member", "–", "2026-03-01", "09:05", "0", "–", "–", "2026-03-02", "17:30", "–",
    ]  # fmt: skip
    assert "NaN" not in out and "None" not in out and "987654" not in out


# ---------------------------------------------------------------- help questions, edits


@pytest.fixture
def seeded(db_url, tmp_path):
    engine = storage.make_engine(db_url)
    storage.init_db(engine, tiny_seed(tmp_path / "seed"))
    yield engine
    engine.dispose()


def test_members_post_help_questions_for_their_own_municipality(seeded):
    today = dt.date(2026, 3, 1)
    report = questions.post_help_question(
        seeded,
        "GM0344",
        "depaving",
        "  Hoe  houden we tegelwippers betrokken? ",
        role="member",
        account_municipality="GM0344",
        today=today,
    )
    assert report.ok
    stored = storage.read_table(seeded, "help_questions").set_index("id")
    assert stored.loc[2, "question"] == "Hoe houden we tegelwippers betrokken?"
    assert (stored.loc[2, "status"], stored.loc[2, "asked_on"]) == ("open", pd.Timestamp(today))
    with pytest.raises(PermissionError):
        questions.post_help_question(
            seeded,
            "GM0307",
            "depaving",
            "Een andere vraag hier?",
            role="member",
            account_municipality="GM0344",
        )
    with pytest.raises(PermissionError):
        questions.post_help_question(
            seeded, "GM0344", "depaving", "Een vraag van buiten?", role="visitor"
        )
    assert questions.post_help_question(
        seeded, "GM0307", "depaving", "Mag een coördinator?", role="coordinator", today=today
    ).ok


def test_a_bad_help_question_is_reported_and_nothing_is_stored(seeded):
    before = storage.data_version(seeded)
    short = questions.post_help_question(seeded, "GM0344", "depaving", "Kort?", role="coordinator")
    bad_theme = questions.post_help_question(
        seeded, "GM0344", "knitting", "Hoe breien we een berm?", role="coordinator"
    )
    empty = questions.post_help_question(seeded, "GM0344", "depaving", "   ", role="coordinator")
    assert not short.ok and short.issues[0].key == "peers.question_short"
    assert not bad_theme.ok and bad_theme.issues[0].column == "theme"
    assert not empty.ok and empty.issues[0].key == "err.required"
    assert storage.data_version(seeded) == before
    assert len(storage.read_table(seeded, "help_questions")) == 1


def test_coordinator_edit_is_validated_before_anything_is_stored(seeded):
    contacts = storage.read_table(seeded, "contacts")
    before = storage.data_version(seeded)
    bad = contacts.copy()
    bad.loc[1, "email"] = "not an address"
    report = editing.save_table_edit(seeded, "contacts", bad, role="coordinator")
    assert not report.ok
    assert (report.issues[0].row, report.issues[0].column) == (2, "email")  # 2nd editor row
    assert storage.data_version(seeded) == before
    pd.testing.assert_frame_equal(storage.read_table(seeded, "contacts"), contacts)
    good = contacts.copy()
    good.loc[1, "role"] = "Projectleider"
    good = good.drop(index=0)
    assert editing.save_table_edit(seeded, "contacts", good, role="coordinator").ok
    stored = storage.read_table(seeded, "contacts")
    assert stored["id"].tolist() == [2] and stored.loc[0, "role"] == "Projectleider"
    for role in ("visitor", "member"):
        with pytest.raises(PermissionError):
            editing.save_table_edit(seeded, "contacts", good, role=role)


def test_coordinator_import_stores_only_valid_files(seeded):
    header = "id,municipality_code,name,role,email,phone,themes,show_to_members\n"
    bad = (header + "3,GM0999,Lou,,lou@x.example,,,True\n").encode()
    report = editing.import_upload(seeded, "contacts", bad, "new.csv", role="coordinator")
    assert not report.ok and report.issues[0].column == "municipality_code"
    assert len(storage.read_table(seeded, "contacts")) == 2
    good = (header + "3,GM0307,Lou,,lou@x.example,,,True\n").encode()
    assert editing.import_upload(seeded, "contacts", good, "new.csv", role="coordinator").ok
    assert len(storage.read_table(seeded, "contacts")) == 3
    assert editing.import_upload(
        seeded, "contacts", good, "new.csv", role="coordinator", replace=True
    ).ok
    assert storage.read_table(seeded, "contacts")["id"].tolist() == [3]
    with pytest.raises(PermissionError):
        editing.import_upload(seeded, "contacts", good, "new.csv", role="member")


def test_users_table_is_a_migration_not_a_data_table(engine):
    from cop.data.schema import TABLES

    assert "users" not in TABLES and "users" not in storage.SQL_TABLES
    assert "users" in sa.inspect(engine).get_table_names()
    assert storage.current_version(engine) == storage.MIGRATIONS[-1][0]
