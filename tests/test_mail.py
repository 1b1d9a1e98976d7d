"""E-mail: settings, the SMTP transport against a real server, and the notifications.

The server is aiosmtpd on 127.0.0.1 (``tests/smtp_support.py``): the app's smtplib client
really connects, upgrades with STARTTLS or speaks TLS from the start, logs in and sends.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cop.access import accounts
from cop.community import notify
from cop.core import config, mail
from cop.data import storage
from tests.conftest import ROOT, require
from tests.smtp_support import Credentials, has_openssl, self_signed_certificate, smtp_server

WAIT = 30  # seconds a test waits at most for the background thread (never a timing assertion)


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    require(has_openssl(), "openssl is not installed (needed for a self-signed certificate)")
    return self_signed_certificate(tmp_path)


def plain_settings(port: int, **changes: object) -> config.MailSettings:
    env = {"COP_SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=off", "COP_SMTP_TIMEOUT": "5"}
    settings = config.mail_settings(env)
    assert settings is not None
    return config.MailSettings(**{**settings.__dict__, **changes})


# ---------------------------------------------------------------- settings


def test_settings_from_the_url_and_the_environment() -> None:
    s = config.mail_settings(
        {
            "COP_SMTP_URL": "smtps://cop%40x.nl:p%40ss@mail.example.nl",
            "COP_COORDINATOR_EMAIL": "cop@example.nl",
        }
    )
    assert (s.host, s.port, s.security) == ("mail.example.nl", 465, "ssl")
    assert (s.username, s.password) == ("cop@x.nl", "p@ss")  # percent-decoded
    assert s.sender == "cop@example.nl"  # the public contact, without COP_SMTP_FROM
    assert "p@ss" not in repr(s)
    s = config.mail_settings(
        {
            "COP_SMTP_URL": "smtp://u:url-pw@mail.example.nl:2525",
            "COP_SMTP_USER": "env-user",
            "COP_SMTP_PASSWORD": "env-pw",
            "COP_SMTP_FROM": "noreply@example.nl",
            "COP_SMTP_TIMEOUT": "3.5",
        }
    )
    assert (s.port, s.security, s.username, s.password) == (2525, "starttls", "env-user", "env-pw")
    assert (s.sender, s.timeout) == ("noreply@example.nl", 3.5)
    assert config.mail_settings({"COP_SMTP_URL": "  "}) is None


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"COP_SMTP_URL": "http://mail.example.nl"}, "COP_SMTP_URL"),
        ({"COP_SMTP_URL": "smtp://:25"}, "COP_SMTP_URL"),
        ({"COP_SMTP_URL": "smtp://mail.example.nl:99999"}, "COP_SMTP_URL"),
        ({"COP_SMTP_URL": "smtp://u:p@localhost:25?starttls=off"}, "credentials"),
        ({"COP_SMTP_URL": "smtps://localhost?starttls=off"}, "smtps"),
        ({"COP_SMTP_URL": "smtp://localhost", "COP_SMTP_TIMEOUT": "soon"}, "COP_SMTP_TIMEOUT"),
        ({"COP_SMTP_URL": "smtp://localhost", "COP_SMTP_TIMEOUT": "0"}, "COP_SMTP_TIMEOUT"),
        ({"COP_SMTP_URL": "smtp://localhost", "COP_SMTP_FROM": "nobody"}, "COP_SMTP_FROM"),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ValueError, match=names):
        config.mail_settings(env)


def test_header_injection_stays_in_the_subject() -> None:
    message = mail.Message(("a@example.nl",), "Hoi\r\nBcc: victim@example.nl\n", "tekst")
    built = mail.build_email(message, "cop@example.nl")
    assert built["Subject"] == "Hoi Bcc: victim@example.nl"
    assert built["Bcc"] is None
    assert built["To"] == "a@example.nl"


# ---------------------------------------------------------------- transport


def test_plain_delivery_to_a_local_relay() -> None:
    with smtp_server() as (inbox, server):
        settings = plain_settings(server.port, sender="cop@example.nl")
        mail.send(
            mail.Message(("a@example.nl", "b@example.nl"), "Onderwerp é", "Tekst ë"), settings
        )
    assert len(inbox.messages) == 1
    got = inbox.messages[0]
    assert got.rcpt_tos == ["a@example.nl", "b@example.nl"]
    assert got.mail_from == "cop@example.nl"
    assert got.message["Subject"] == "Onderwerp é"
    assert got.message.get_content().strip() == "Tekst ë"


def test_starttls_and_login(certificate: tuple[Path, Path]) -> None:
    """smtp:// upgrades with STARTTLS, checks the certificate, then logs in."""
    cert, _key = certificate
    creds = Credentials("cop-mailer", "s3cret-pw")
    with smtp_server(starttls=certificate, credentials=creds) as (inbox, server):
        env = {
            "COP_SMTP_URL": f"smtp://127.0.0.1:{server.port}",
            "COP_SMTP_USER": creds.username,
            "COP_SMTP_PASSWORD": creds.password,
            "COP_SMTP_CA_FILE": str(cert),
        }
        settings = config.mail_settings(env)
        mail.send(mail.Message(("a@example.nl",), "Via STARTTLS", "x"), settings)
        wrong = config.MailSettings(**{**settings.__dict__, "password": "wrong"})
        with pytest.raises(mail.MailError, match="SMTPAuthenticationError"):
            mail.send(mail.Message(("a@example.nl",), "niet", "x"), wrong)
        untrusted = config.MailSettings(**{**settings.__dict__, "ca_file": None})
        with pytest.raises(mail.MailError, match="SSLCertVerificationError"):
            mail.send(mail.Message(("a@example.nl",), "niet", "x"), untrusted)
    assert [m.message["Subject"] for m in inbox.messages] == ["Via STARTTLS"]


def test_starttls_required_when_the_server_lacks_it() -> None:
    """smtp:// never falls back to sending in the clear."""
    with smtp_server() as (inbox, server):
        settings = config.mail_settings({"COP_SMTP_URL": f"smtp://127.0.0.1:{server.port}"})
        with pytest.raises(mail.MailError, match="STARTTLS"):
            mail.send(mail.Message(("a@example.nl",), "x", "x"), settings)
    assert inbox.messages == []


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    cert, _key = certificate
    with smtp_server(implicit_tls=certificate) as (inbox, server):
        env = {"COP_SMTP_URL": f"smtps://127.0.0.1:{server.port}", "COP_SMTP_CA_FILE": str(cert)}
        mail.send(mail.Message(("a@example.nl",), "Via smtps", "x"), config.mail_settings(env))
    assert [m.message["Subject"] for m in inbox.messages] == ["Via smtps"]


def test_a_stopped_server_is_an_error_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with smtp_server() as (_inbox, server):
        port = server.port
        server.stop()
        settings = plain_settings(port)
        delivery = mail.send_later([mail.Message(("a@example.nl",), "Weg", "x")], settings)
        with caplog.at_level(logging.WARNING, logger="cop.core.mail"):
            assert delivery.wait(WAIT) is False
    assert delivery.delivered == [] and len(delivery.errors) == 1
    assert "ConnectionRefusedError" in delivery.errors[0]
    assert any("not sent" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------- notifications


@pytest.fixture
def engine(tmp_path: Path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'cop.sqlite'}")
    storage.init_db(engine, ROOT / "data")
    accounts.add_user(engine, "coco", "coordinator-pw", "coordinator", email="coco@example.nl")
    accounts.add_user(engine, "nomail", "coordinator-pw", "coordinator")
    accounts.add_user(engine, "anna", "member-pw-123", "member", "GM0344", email="anna@x.nl")
    accounts.add_user(engine, "bert", "member-pw-123", "member", "GM0363", email="bert@x.nl")
    yield engine
    engine.dispose()


def test_coordinator_and_asker_addresses(engine) -> None:
    env = {"COP_COORDINATOR_EMAIL": "CoP@example.nl", "COP_AUTH": "oidc",
           "COP_OIDC_COORDINATORS": "lead@example.nl,coco@example.nl"}  # fmt: skip
    assert notify.coordinator_addresses(engine, env) == (
        "coco@example.nl",
        "CoP@example.nl",
        "lead@example.nl",
    )
    assert notify.coordinator_addresses(engine, {}) == ("coco@example.nl",)
    assert notify.asker_addresses(engine, "GM0344") == ("anna@x.nl",)
    assert notify.asker_addresses(engine, "GM0014") == ()


def test_without_smtp_url_nothing_is_sent(engine) -> None:
    request = {"municipality_code": "GM0344", "name": "X", "email": "x@y.nl"}
    assert notify.notify_join_request(engine, request, environ={}) is None
    question = {"id": 1, "municipality_code": "GM0344", "question": "Hoe?"}
    answer = {"municipality_code": "GM0363", "text": "Zo."}
    assert notify.notify_answer(engine, answer, question, environ={}) is None
    assert notify.notify_submission(engine, {"municipality_code": "GM0344"}, environ={}) is None


def test_invalid_settings_switch_mail_off_with_a_warning(
    engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cop.community.notify"):
        assert notify.notify_submission(engine, {}, environ={"COP_SMTP_URL": "ftp://x"}) is None
    assert "notifications are off" in caplog.text


def test_each_notification_reaches_its_recipients(engine) -> None:
    with smtp_server() as (inbox, server):
        env = {"COP_SMTP_URL": f"smtp://127.0.0.1:{server.port}?starttls=off"}
        measure = {"municipality_code": "GM0363", "title": "Tegels eruit", "theme": "depaving",
                   "submitted_by": "bert"}  # fmt: skip
        assert notify.notify_submission(engine, measure, environ=env).wait(WAIT)
        request = {"municipality_code": "GM0014", "name": "Grietje", "role": "ecoloog",
                   "email": "grietje@groningen.nl", "message": "Wij willen meedoen."}  # fmt: skip
        assert notify.notify_join_request(engine, request, environ=env).wait(WAIT)
        question = {"id": 7, "municipality_code": "GM0344", "question": "Hoe krijg je tegels weg?"}
        answer = {"municipality_code": "GM0363", "text": "Met een tegelwipper."}
        assert notify.notify_answer(engine, answer, question, environ=env).wait(WAIT)
        own = {"municipality_code": "GM0344", "text": "Zelf gevonden."}
        assert notify.notify_answer(engine, own, question, environ=env) is None
    got = [(m.rcpt_tos, str(m.message["Subject"])) for m in inbox.messages]
    assert got == [
        (["coco@example.nl"], "Nieuwe praktijk ter beoordeling: Tegels eruit (Amsterdam (GM0363)) "
         "/ New practice to review: Tegels eruit (Amsterdam (GM0363))"),
        (["coco@example.nl"], "Aanmelding voor de CoP: Groningen (GM0014) "
         "/ Request to join the CoP: Groningen (GM0014)"),
        (["anna@x.nl"], "Nieuw antwoord op jullie hulpvraag 7 / New answer to your help question 7"),
    ]  # fmt: skip
    join_body = inbox.messages[1].message.get_content()
    assert "grietje@groningen.nl" in join_body and "Wij willen meedoen." in join_body
    answer_body = inbox.messages[2].message.get_content()
    assert "Amsterdam (GM0363)" in answer_body and "Met een tegelwipper." in answer_body


def test_accounts_get_an_email_column_by_migration(db_url: str) -> None:
    """A database made before migration 25 gets ``users.email``; old accounts keep working."""
    import sqlalchemy as sa

    engine = storage.make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE users (username VARCHAR(120) PRIMARY KEY, password_hash TEXT NOT NULL,"
            " role VARCHAR(20) NOT NULL, municipality_code VARCHAR(6), created_at TIMESTAMP NOT NULL,"
            " failed_attempts INTEGER NOT NULL DEFAULT 0, last_failed_at TIMESTAMP,"
            " locked_until TIMESTAMP, last_sign_in_at TIMESTAMP)"
        ))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO users (username, password_hash, role, created_at, failed_attempts)"
            " VALUES ('old', 'x', 'coordinator', '2026-01-01', 0)"
        ))  # fmt: skip
    storage.migrate(engine)
    assert accounts.get_user(engine, "old").role == "coordinator"
    accounts.set_email(engine, "old", " old@example.nl ")
    assert accounts.notification_addresses(engine, "coordinator") == ["old@example.nl"]
    with pytest.raises(accounts.AuthError, match=r"auth\.email_invalid"):
        accounts.set_email(engine, "old", "not-an-address")
    with pytest.raises(accounts.AuthError, match=r"auth\.user_unknown"):
        accounts.set_email(engine, "nobody", "a@example.nl")
    accounts.set_email(engine, "old", "")
    assert accounts.notification_addresses(engine, "coordinator") == []
    engine.dispose()
