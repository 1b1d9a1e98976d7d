"""AppTest of the kept sign-in: a new session signs in from the cookie, or refuses it."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from cop import ui, ui_session
from cop.access import accounts, sessions
from cop.data import storage
from tests.conftest import ROOT

PASSWORD = "a long enough password"


@pytest.fixture
def engine(app_env, monkeypatch):
    monkeypatch.setattr(accounts, "_HASHER", accounts.PasswordHasher(time_cost=1, memory_cost=1024))
    monkeypatch.delenv("COP_AUTH", raising=False)
    monkeypatch.setenv(sessions.SECRET_ENV, "test secret of enough length")
    engine = storage.make_engine(f"sqlite:///{app_env / 'cop.sqlite'}")
    accounts.add_user(engine, "member1", PASSWORD, "member")
    yield engine
    engine.dispose()


def _token(engine, issued_at: float | None = None, secret: bytes | None = None) -> str:
    return sessions.issue(
        secret or b"test secret of enough length",
        "member1",
        accounts.session_binding(engine, "member1"),
        issued_at=time.time() - 60 if issued_at is None else issued_at,
        lifetime_seconds=3600,
    )


def _new_session(monkeypatch, cookie: str | None) -> AppTest:
    """A fresh session (a reload, a new tab) whose browser sends ``cookie``."""
    monkeypatch.setattr(ui_session, "session_cookie", lambda: cookie)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()


def _signed_in(at) -> bool:
    return any("Ingelogd als member1" in c.value for c in at.sidebar.caption)


def test_new_session_signs_in_from_the_cookie_with_the_original_time(engine, monkeypatch):
    started = time.time() - 600
    at = _new_session(monkeypatch, _token(engine, started))
    assert not at.exception
    assert _signed_in(at) and at.session_state[ui.ROLE_KEY] == "member"
    assert int(at.session_state[ui.SIGNED_IN_AT_KEY]) == int(started)  # expiry not reset


@pytest.mark.parametrize("case", ["expired", "forged", "new password", "removed", "junk"])
def test_a_cookie_that_no_longer_holds_signs_nobody_in_and_is_deleted(engine, monkeypatch, case):
    token = _token(engine)
    if case == "expired":
        token = _token(engine, time.time() - 3601)
    elif case == "forged":
        token = _token(engine, secret=b"another secret of enough length")
    elif case == "new password":
        accounts.set_password(engine, "member1", "another long password")
    elif case == "removed":
        accounts.remove_user(engine, "member1")
    elif case == "junk":
        token = "v1.bm9ib2R5.1.2.xyz"
    at = _new_session(monkeypatch, token)
    assert not at.exception
    assert not _signed_in(at)
    assert ui.USER_KEY not in at.session_state
    # the stale cookie is deleted in the browser by the page's small script
    scripts = [h.proto.body for h in at.get("html")]
    assert any("cop_session=; Max-Age=0" in body for body in scripts)


def test_sign_in_sets_the_cookie_and_sign_out_revokes_it(engine, monkeypatch):
    at = _new_session(monkeypatch, None)
    at.sidebar.text_input(key="sign_in_username").input("member1")
    at.sidebar.text_input(key="sign_in_password").input(PASSWORD)
    at.sidebar.button(key="sign_in_submit").click().run()
    assert _signed_in(at)
    token = at.session_state[ui.TOKEN_KEY]
    written = [h.proto.body for h in at.get("html") if "cop_session=" in h.proto.body]
    assert written and f"cop_session={token}; Max-Age=3600" in written[0]
    assert "SameSite=Strict" in written[0]
    other = _new_session(monkeypatch, token)  # another tab of the same browser
    assert _signed_in(other)

    at.sidebar.button(key="sign_out").click().run()
    assert not _signed_in(at)
    assert any("cop_session=; Max-Age=0" in h.proto.body for h in at.get("html"))
    at.run()  # the old cookie, still sent by this connection, does not sign in again
    assert not _signed_in(at)
    other.run()  # the other tab is signed out at its next click
    assert not _signed_in(other)
    assert not _signed_in(_new_session(monkeypatch, token))  # nor a reload with a copy
