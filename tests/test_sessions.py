"""Kept sign-ins (cop.access.sessions): tokens, their binding to the account, the secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os

import pytest
import sqlalchemy as sa

from cop.access import accounts, sessions
from cop.data import storage

SECRET = b"s" * 32
PASSWORD = "correct horse battery"
T0 = 1_800_000_000  # epoch seconds


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def engine(tmp_path):
    engine = storage.make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    storage.migrate(engine)
    accounts.add_user(engine, "anna", PASSWORD, "member")
    return engine


def _verify(token, binding="b", now=T0 + 10, minutes=60, revoked=None):
    return sessions.verify(
        SECRET,
        token,
        lambda name: binding,
        now=now,
        lifetime_seconds=minutes * 60,
        revoked=revoked,
    )


def test_token_holds_user_and_times_and_is_signed_with_hmac_sha256():
    token = sessions.issue(SECRET, "anna", "b", issued_at=T0, lifetime_seconds=3600)
    version, user, start, end, mac = token.split(".")
    assert (version, start, end) == ("v1", str(T0), str(T0 + 3600))
    expected = hmac.new(SECRET, f"v1|anna|{T0}|{T0 + 3600}|b".encode(), hashlib.sha256).digest()
    assert sessions._unb64(mac) == expected
    assert sessions._unb64(user) == b"anna"
    assert _verify(token) == sessions.SessionClaims("anna", T0, T0 + 3600)


def test_expired_forged_and_malformed_tokens_are_refused():
    token = sessions.issue(SECRET, "anna", "b", issued_at=T0, lifetime_seconds=3600)
    assert _verify(token, now=T0 + 3599) is not None
    assert _verify(token, now=T0 + 3600) is None  # expired
    assert _verify(token, minutes=30, now=T0 + 1800) is None  # a shorter setting applies
    assert _verify(token, binding="other") is None  # new password: another binding
    assert _verify(token, binding=None) is None  # removed or locked account
    _, user, start, end, mac = token.split(".")
    longer = ".".join(("v1", user, start, str(T0 + 99_999), mac))
    assert _verify(longer, minutes=10_000) is None  # an extended expiry breaks the MAC
    other_user = ".".join(("v1", sessions._b64(b"admin"), start, end, mac))
    assert _verify(other_user) is None
    foreign = sessions.issue(b"x" * 32, "anna", "b", issued_at=T0, lifetime_seconds=3600)
    assert _verify(foreign) is None  # signed with another secret
    future = sessions.issue(SECRET, "anna", "b", issued_at=T0 + 600, lifetime_seconds=3600)
    assert _verify(future) is None  # issued in the future
    for junk in ("", "v1", "v2." + token[3:], token + ".x", "v1.%%%.1.2.3", "v1.YQ.a.b.c"):
        assert _verify(junk) is None


def test_revoked_token_is_refused_until_it_would_have_expired():
    token = sessions.issue(SECRET, "anna", "b", issued_at=T0, lifetime_seconds=3600)
    other = sessions.issue(SECRET, "anna", "b", issued_at=T0 + 1, lifetime_seconds=3600)
    revoked = sessions.Revocations()
    revoked.revoke(token)
    assert _verify(token, revoked=revoked) is None
    assert _verify(other, revoked=revoked) is not None  # another sign-in of the same person
    assert revoked.revoked(token, T0 + 10)
    assert not revoked.revoked(token, T0 + 3600)  # forgotten once expired


def test_binding_changes_with_the_password_and_is_none_when_locked_or_removed(engine):
    first = accounts.session_binding(engine, "anna")
    assert first is not None and PASSWORD not in first
    assert accounts.session_binding(engine, "ANNA ") == first
    token = sessions.issue(SECRET, "anna", first, issued_at=T0, lifetime_seconds=3600)

    def binding(name):
        return accounts.session_binding(engine, name)

    def check():
        return sessions.verify(SECRET, token, binding, now=T0 + 5, lifetime_seconds=3600)

    assert check() is not None
    accounts.set_password(engine, "anna", "a brand new password")
    assert accounts.session_binding(engine, "anna") != first
    assert check() is None  # every earlier sign-in ends with a new password

    now = accounts.utcnow()
    with engine.begin() as conn:
        conn.execute(storage.USERS.update().values(locked_until=now + dt.timedelta(minutes=5)))
    assert accounts.session_binding(engine, "anna", now=now) is None
    assert accounts.session_binding(engine, "anna", now=now + dt.timedelta(minutes=6))
    accounts.remove_user(engine, "anna")
    assert accounts.session_binding(engine, "anna") is None


def test_secret_from_setting_or_kept_file(tmp_path):
    assert sessions.load_secret("x" * 20, tmp_path) == b"x" * 20
    with pytest.raises(ValueError, match="COP_SESSION_SECRET"):
        sessions.load_secret("short", tmp_path)
    made = sessions.load_secret(None, tmp_path / "data")
    assert len(made) == 32
    path = tmp_path / "data" / sessions.SECRET_FILE
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert sessions.load_secret(None, tmp_path / "data") == made  # kept, not made anew


def test_cookie_script_sets_strict_cookie_and_refuses_odd_values():
    script = sessions.cookie_script("v1.YQ.1.2.abc_-", 3600, "/")
    assert "cop_session=v1.YQ.1.2.abc_-; Max-Age=3600; Path=/; SameSite=Strict" in script
    assert 'location.protocol === "https:" ? "; Secure"' in script
    assert "Max-Age=0" in sessions.cookie_script("", 0, "/app")
    with pytest.raises(ValueError):
        sessions.cookie_script('x"; alert(1); "', 10, "/")
    with pytest.raises(ValueError):
        sessions.cookie_script("v1", 10, '/";x')


def test_locked_binding_query_reads_only_the_users_table(engine):
    # The binding is a digest of the hash, never the hash itself.
    with engine.connect() as conn:
        stored = conn.execute(sa.select(storage.USERS.c.password_hash)).scalar()
    assert accounts.session_binding(engine, "anna") == hashlib.sha256(stored.encode()).hexdigest()
