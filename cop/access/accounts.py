"""Sign-in: accounts in the database, slowed-down guessing, expiring sessions, OIDC roles.

Two modes, chosen by ``COP_AUTH`` (see :func:`cop.core.config.auth_settings`):

``password`` (default)
    Accounts live in the ``users`` table of the app's own database (SQLite or
    PostgreSQL), created with ``python -m cop user add``. Passwords are hashed with
    argon2id (argon2-cffi's defaults, the current OWASP recommendation); the hash
    carries its own salt and parameters, so stronger defaults in a later argon2-cffi
    are picked up on the next successful sign-in (rehash). A wrong user name and a
    wrong password get the same message. After ``free_attempts`` failures an account is
    locked for an exponentially growing window (30 s, 1 min, 2 min, ... up to 1 hour);
    the counter lives in the database, so it holds across sessions, browsers and app
    servers. Attempts during a lock are refused without extending the lock (so an
    attacker cannot lock a person out for longer), even with the right password.
    Every answer costs the same, so timing does not tell which accounts exist or are
    locked (:func:`authenticate`). When the database cannot be written (a read-only data
    directory), a correct sign-in still succeeds; only its bookkeeping is lost (logged).
``oidc``
    The organisation's identity provider signs people in through Streamlit's
    ``st.login``; :func:`oidc_role` maps the verified e-mail address to a role.

Either way the session expires ``COP_SESSION_MINUTES`` (default 60) after sign-in
(:func:`session_expired`), and the role is what :mod:`cop.access.visibility` uses to decide what a
person may see. All times are naive UTC; every function that looks at the clock takes
``now`` so tests never sleep.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine

from cop.core import config
from cop.data import storage
from cop.data.schema import CODE_PATTERN, EMAIL_PATTERN

ACCOUNT_ROLES: tuple[str, ...] = ("member", "coordinator")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,119}$")
MIN_PASSWORD_LENGTH = 10
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a path
MAX_PASSWORD_LENGTH = 1024  # hashing megabytes on request would be a denial of service

# Message keys (catalog cop/locale/auth.toml).
FAILED = "auth.failed"
SIGNED_IN = "auth.signed_in"

_HASHER = PasswordHasher()
# Hashes of a random password, one per hasher configuration (see _dummy_hash).
_DUMMY_HASHES: dict[tuple[object, ...], str] = {}

log = logging.getLogger(__name__)


class AuthError(ValueError):
    """A request about accounts that cannot be honoured; ``key`` is a catalog key."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class LockoutPolicy:
    """How repeated failures are slowed down, per account."""

    free_attempts: int = 5
    base_seconds: int = 30
    max_seconds: int = 3600

    def lock_seconds(self, failures: int) -> int:
        """Lock length after ``failures`` consecutive failures (0: not locked)."""
        if failures < self.free_attempts:
            return 0
        return int(min(self.max_seconds, self.base_seconds * 2 ** (failures - self.free_attempts)))


@dataclass(frozen=True)
class User:
    username: str
    role: str
    municipality_code: str | None = None


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in: a user, or the one generic failure message."""

    user: User | None
    message_key: str

    @property
    def ok(self) -> bool:
        return self.user is not None


def utcnow() -> dt.datetime:
    """Now as naive UTC (what the database stores on both engines)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    """An argon2id hash with its own random salt (never store the password itself)."""
    return _HASHER.hash(password)


def _dummy_hash() -> str:
    """A hash nobody's password matches, made with the current hasher's parameters.

    Verified against when the user name is unknown (or the input is unusable), so that
    answer costs one verification with the same argon2 parameters as a real account's;
    made lazily so that it follows the hasher in use (tests switch to a fast one).
    """
    params = (
        _HASHER.time_cost,
        _HASHER.memory_cost,
        _HASHER.parallelism,
        _HASHER.hash_len,
        _HASHER.salt_len,
        _HASHER.type,
    )
    if params not in _DUMMY_HASHES:
        _DUMMY_HASHES[params] = _HASHER.hash(secrets.token_urlsafe(24))
    return _DUMMY_HASHES[params]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    """Raise :class:`AuthError` when a new password is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError("auth.password_short", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError("auth.password_long", max=MAX_PASSWORD_LENGTH)


def check_email(email: str | None) -> str | None:
    """An account's e-mail address trimmed (``None`` when empty); :class:`AuthError` when
    it is not one (the same pattern as stored contacts' addresses)."""
    address = (email or "").strip()
    if not address:
        return None
    if len(address) > MAX_EMAIL_LENGTH or not re.match(EMAIL_PATTERN, address):
        raise AuthError("auth.email_invalid")
    return address


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


# ---------------------------------------------------------------- accounts


def add_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    municipality_code: str | None = None,
    *,
    now: dt.datetime | None = None,
    email: str | None = None,
) -> User:
    """Create an account; the municipality must exist when the municipalities are loaded.

    ``email`` (optional) is where notifications for this account go
    (:mod:`cop.community.notify`).
    """
    storage.migrate(engine)
    name = normalise_username(username)
    if not USERNAME_PATTERN.match(name):
        raise AuthError("auth.username_invalid")
    if role not in ACCOUNT_ROLES:
        raise AuthError("auth.role_invalid", roles=", ".join(ACCOUNT_ROLES))
    code = (municipality_code or "").strip().upper() or None
    if code is not None:
        if not re.match(CODE_PATTERN, code):
            raise AuthError("err.code_pattern")
        known = storage.known_codes(engine)
        if known and code not in known:
            raise AuthError("err.unknown_municipality")
    check_password_rules(password)
    address = check_email(email)
    if get_user(engine, name) is not None:
        raise AuthError("auth.user_exists", username=name)
    try:
        with engine.begin() as conn:
            conn.execute(
                storage.USERS.insert().values(
                    username=name,
                    password_hash=hash_password(password),
                    role=role,
                    municipality_code=code,
                    created_at=now or utcnow(),
                    failed_attempts=0,
                    email=address,
                )
            )
    except sa.exc.IntegrityError:  # created by someone else in the meantime
        raise AuthError("auth.user_exists", username=name) from None
    return User(name, role, code)


def get_user(engine: Engine, username: str) -> User | None:
    users = storage.USERS
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.username, users.c.role, users.c.municipality_code).where(
                users.c.username == normalise_username(username)
            )
        ).first()
    return None if row is None else User(row.username, row.role, row.municipality_code)


def remove_user(engine: Engine, username: str) -> bool:
    """Delete an account; ``False`` when there was none."""
    users = storage.USERS
    with engine.begin() as conn:
        result = conn.execute(
            users.delete().where(users.c.username == normalise_username(username))
        )
    return bool(result.rowcount)


def set_password(engine: Engine, username: str, password: str) -> None:
    """Give an account a new password and lift any lock."""
    check_password_rules(password)
    users = storage.USERS
    with engine.begin() as conn:
        result = conn.execute(
            users.update()
            .where(users.c.username == normalise_username(username))
            .values(
                password_hash=hash_password(password),
                failed_attempts=0,
                locked_until=None,
                last_failed_at=None,
            )
        )
    if not result.rowcount:
        raise AuthError("auth.user_unknown", username=normalise_username(username))


def unlock_user(engine: Engine, username: str) -> None:
    """Lift a lock and reset the failure counter (for a coordinator who verified the person)."""
    users = storage.USERS
    with engine.begin() as conn:
        result = conn.execute(
            users.update()
            .where(users.c.username == normalise_username(username))
            .values(failed_attempts=0, locked_until=None)
        )
    if not result.rowcount:
        raise AuthError("auth.user_unknown", username=normalise_username(username))


def set_email(engine: Engine, username: str, email: str | None) -> None:
    """Set (or with an empty ``email``, remove) the notification address of an account."""
    address = check_email(email)
    users = storage.USERS
    with engine.begin() as conn:
        result = conn.execute(
            users.update()
            .where(users.c.username == normalise_username(username))
            .values(email=address)
        )
    if not result.rowcount:
        raise AuthError("auth.user_unknown", username=normalise_username(username))


def notification_addresses(
    engine: Engine, role: str, municipality_code: str | None = None
) -> list[str]:
    """The e-mail addresses of the accounts with ``role`` (and, when given, of that
    municipality), sorted and without duplicates; accounts without an address are left out.

    Who receives a notification is decided by the caller (:mod:`cop.community.notify`);
    this only reads the accounts.
    """
    users = storage.USERS
    query = sa.select(users.c.email).where(users.c.role == role, users.c.email.is_not(None))
    if municipality_code is not None:
        query = query.where(users.c.municipality_code == municipality_code)
    with engine.connect() as conn:
        found = {str(v).strip() for v in conn.execute(query).scalars() if str(v).strip()}
    return sorted(found, key=str.lower)


def list_users(engine: Engine) -> pd.DataFrame:
    """Accounts without their hashes, sorted by user name."""
    users = storage.USERS
    columns = [c for c in users.c if c.name != "password_hash"]
    with engine.connect() as conn:
        frame = pd.read_sql(sa.select(*columns).order_by(users.c.username), conn)
    return frame


# ---------------------------------------------------------------- signing in


def authenticate(
    engine: Engine,
    username: str,
    password: str,
    *,
    now: dt.datetime | None = None,
    policy: LockoutPolicy | None = None,
) -> SignInResult:
    """Check a user name and password; failures all give the same message.

    Every attempt costs one argon2 verification with the same parameters, whatever the
    outcome, so the time of the answer does not tell an unknown name, a wrong password
    and a locked account apart: an unknown name (or an empty or overlong input) is
    verified against a dummy hash of the current hasher; a locked account's password is
    verified too, and the answer ignored. (Before, a locked account was refused in 0.1 ms
    and an unknown name took twice as long as a wrong password.)

    A failure counts towards the lock; a success resets the counter; an attempt during a
    lock changes nothing. This bookkeeping is written after the check, in its own
    transaction: when it cannot be written (a read-only database) it is logged and the
    answer stands, so a correct password still signs in.
    """
    now = now or utcnow()
    policy = policy or LockoutPolicy()
    failed = SignInResult(None, FAILED)
    name = normalise_username(username)
    usable = bool(name) and bool(password) and len(password) <= MAX_PASSWORD_LENGTH
    users = storage.USERS
    row = None
    if usable:
        with engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.username == name)).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    matches = verify_password(stored, password if usable else "-") and row is not None
    if row is None or (row.locked_until is not None and row.locked_until > now):
        return failed
    try:
        _record_attempt(engine, row, matches, password, now, policy)
    except sa.exc.DBAPIError as exc:
        log.warning(
            "sign-in of %r: the attempt was not recorded (%s: %s)",
            name,
            type(exc.orig).__name__,
            str(exc.orig).splitlines()[0] if exc.orig is not None else "",
        )
    if matches:
        return SignInResult(User(row.username, row.role, row.municipality_code), SIGNED_IN)
    return failed


def _record_attempt(
    engine: Engine,
    row: sa.Row,
    matches: bool,
    password: str,
    now: dt.datetime,
    policy: LockoutPolicy,
) -> None:
    """Reset the counter after a success (rehashing if needed); count a failure, maybe lock."""
    users = storage.USERS
    where = users.c.username == row.username
    with engine.begin() as conn:
        if matches:
            values: dict[str, object] = {
                "failed_attempts": 0,
                "locked_until": None,
                "last_sign_in_at": now,
            }
            if _HASHER.check_needs_rehash(row.password_hash):
                values["password_hash"] = hash_password(password)
            conn.execute(users.update().where(where).values(**values))
            return
        conn.execute(
            users.update()
            .where(where)
            .values(failed_attempts=users.c.failed_attempts + 1, last_failed_at=now)
        )
        failures = int(conn.execute(sa.select(users.c.failed_attempts).where(where)).scalar())
        seconds = policy.lock_seconds(failures)
        if seconds:
            conn.execute(
                users.update().where(where).values(locked_until=now + dt.timedelta(seconds=seconds))
            )


def session_binding(engine: Engine, username: str, *, now: dt.datetime | None = None) -> str | None:
    """What a kept sign-in (:mod:`cop.access.sessions`) is bound to; ``None`` ends it.

    Derived from the account's current password hash, so a new password invalidates every
    token issued before; ``None`` for an unknown (or removed) account and while the
    account is locked after failed attempts (someone may be guessing its password).
    """
    users = storage.USERS
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.password_hash, users.c.locked_until).where(
                users.c.username == normalise_username(username)
            )
        ).first()
    if row is None or (row.locked_until is not None and row.locked_until > (now or utcnow())):
        return None
    return hashlib.sha256(row.password_hash.encode("utf-8")).hexdigest()


def session_expired(signed_in_at: float | None, now: float, minutes: float) -> bool:
    """Whether a sign-in at ``signed_in_at`` (epoch seconds) is too old at ``now``.

    The age counts from the sign-in, not from the last click, so a forgotten open
    browser tab loses its rights after ``minutes`` at the latest.
    """
    if signed_in_at is None:
        return True
    return now - float(signed_in_at) >= minutes * 60 or float(signed_in_at) > now + 60


def oidc_role(claims: Mapping[str, object], settings: config.AuthSettings) -> str:
    """The role of a person signed in by the identity provider.

    Coordinators are listed by e-mail address; members by address or by the domain of
    their address. Anyone else who signs in stays a visitor. An address the provider
    marks as unverified (``email_verified: false``) never gets a role.
    """
    if not claims.get("is_logged_in"):
        return "visitor"
    email = str(claims.get("email") or "").strip().lower()
    if not email or "@" not in email or claims.get("email_verified") is False:
        return "visitor"
    if email in settings.oidc_coordinators:
        return "coordinator"
    domain = email.rsplit("@", 1)[1]
    if email in settings.oidc_members or domain in settings.oidc_member_domains:
        return "member"
    return "visitor"
