"""Sign-ins that survive a reload: a signed, expiring token in a browser cookie.

Why a cookie and why this token
    Streamlit keeps its session state per browser tab and per connection: a reload (F5),
    a new tab or a shared link starts a new, signed-out session. The browser's cookie jar
    is the one thing every tab of the same browser shares and that the server sees at
    connection time (``st.context.cookies``), so a sign-in is kept there. Nothing that
    signs in ever goes into a URL (URLs end up in histories, logs and shared links).

What the token is
    ``v1.<user name, base64url>.<issued at>.<expires at>.<HMAC-SHA256, base64url>``. The
    MAC covers the version, user name, both times and the account's *binding*
    (:func:`cop.access.accounts.session_binding`: derived from its current password hash,
    ``None`` while the account is locked or after it was removed). Consequences:

    * it cannot be forged or extended without the server secret (``COP_SESSION_SECRET``);
    * it expires with the sign-in (``COP_SESSION_MINUTES`` after signing in, not after the
      last click), and a shorter ``COP_SESSION_MINUTES`` also shortens tokens already out;
    * a new password (``python -m cop user passwd``), a lock after failed attempts or the
      removal of the account makes every outstanding token of that account invalid;
    * it carries no role: the role is read from the account on every run, so a changed
      role applies at once;
    * a sign-out revokes the token on this server (:class:`Revocations`), also in other
      open tabs at their next click.

The secret comes from ``COP_SESSION_SECRET`` (or Streamlit's secrets); without it, one
random secret is made on first use and kept in the data directory (``session-secret``,
readable by its owner only), so that sign-ins survive a server restart. Several app servers
behind one address must share ``COP_SESSION_SECRET``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

COOKIE_NAME = "cop_session"
TOKEN_VERSION = "v1"
SECRET_ENV = "COP_SESSION_SECRET"
SECRET_FILE = "session-secret"
MIN_SECRET_BYTES = 16
CLOCK_SKEW_SECONDS = 60  # a token "issued" further in the future than this is refused


@dataclass(frozen=True)
class SessionClaims:
    """What a valid token says: who signed in, when, until when (epoch seconds)."""

    username: str
    issued_at: int
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, username: str, issued_at: int, expires_at: int, binding: str) -> bytes:
    message = "|".join((TOKEN_VERSION, username, str(issued_at), str(expires_at), binding))
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()


def issue(
    secret: bytes, username: str, binding: str, *, issued_at: float, lifetime_seconds: float
) -> str:
    """A token for ``username`` signed in at ``issued_at``, valid ``lifetime_seconds``.

    Examples
    --------
    >>> token = issue(b"k" * 32, "anna", "b", issued_at=1000, lifetime_seconds=60)
    >>> token.startswith("v1.") and token.count(".") == 4
    True
    >>> verify(b"k" * 32, token, lambda name: "b", now=1030, lifetime_seconds=60)
    SessionClaims(username='anna', issued_at=1000, expires_at=1060)
    >>> verify(b"k" * 32, token, lambda name: "b", now=1060, lifetime_seconds=60) is None
    True
    """
    start = int(issued_at)
    end = int(issued_at + lifetime_seconds)
    mac = _mac(secret, username, start, end, binding)
    return ".".join(
        (TOKEN_VERSION, _b64(username.encode("utf-8")), str(start), str(end), _b64(mac))
    )


def parse(token: str) -> tuple[str, int, int, bytes] | None:
    """User name, issue and expiry time, and MAC of a well-formed token; else ``None``."""
    parts = (token or "").split(".")
    if len(parts) != 5 or parts[0] != TOKEN_VERSION or len(token) > 1024:
        return None
    try:
        username = _unb64(parts[1]).decode("utf-8")
        issued_at, expires_at = int(parts[2]), int(parts[3])
        mac = _unb64(parts[4])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return username, issued_at, expires_at, mac


def verify(
    secret: bytes,
    token: str,
    binding_for: Callable[[str], str | None],
    *,
    now: float,
    lifetime_seconds: float,
    revoked: Revocations | None = None,
) -> SessionClaims | None:
    """The claims of ``token`` when it is genuine, current and its account still binds it.

    ``binding_for(username)`` gives the account's current binding, ``None`` for an
    account that is unknown, removed or locked. The lifetime is the shorter of the one
    in the token and ``lifetime_seconds`` (the current setting). Every failure is the
    same ``None``: the caller shows the person as a visitor.
    """
    parsed = parse(token)
    if parsed is None:
        return None
    username, issued_at, expires_at, mac = parsed
    end = min(expires_at, issued_at + lifetime_seconds)
    if now >= end or issued_at > now + CLOCK_SKEW_SECONDS or expires_at <= issued_at:
        return None
    if revoked is not None and revoked.contains(mac, now):
        return None
    binding = binding_for(username)
    if binding is None:
        return None
    if not hmac.compare_digest(mac, _mac(secret, username, issued_at, expires_at, binding)):
        return None
    return SessionClaims(username, issued_at, expires_at)


class Revocations:
    """Tokens signed out on this server, until they would have expired anyway.

    Kept in memory: a sign-out ends the token for every tab served by this process (they
    check it on each run). A server restart forgets the list; a stolen cookie of a
    signed-out session then works again until it expires, which is why sign-ins are short
    (``COP_SESSION_MINUTES``) and a new password ends them all.
    """

    def __init__(self) -> None:
        self._until: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def revoke(self, token: str) -> None:
        parsed = parse(token)
        if parsed is None:
            return
        with self._lock:
            self._until[parsed[3]] = float(parsed[2])

    def contains(self, mac: bytes, now: float) -> bool:
        with self._lock:
            for key in [k for k, until in self._until.items() if until <= now]:
                del self._until[key]
            return mac in self._until

    def revoked(self, token: str, now: float) -> bool:
        parsed = parse(token)
        return parsed is not None and self.contains(parsed[3], now)


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The server secret: ``configured`` (``COP_SESSION_SECRET``), else a kept random one.

    A configured secret shorter than :data:`MIN_SECRET_BYTES` is refused (``ValueError``):
    a guessable secret lets anyone sign in as anyone. Without one, 32 random bytes are
    written once to ``data_dir/session-secret`` (mode 0600, created exclusively so that two
    servers starting together agree) and read from there afterwards.
    """
    if configured:
        value = configured.encode("utf-8")
        if len(value) < MIN_SECRET_BYTES:
            raise ValueError(f"{SECRET_ENV} must have at least {MIN_SECRET_BYTES} characters")
        return value
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it just now: read theirs
        else:
            with os.fdopen(handle, "wb") as file:
                file.write(secrets.token_bytes(32))
            log.info("made a new session secret in %s (set %s to choose one)", path, SECRET_ENV)
    value = path.read_bytes()
    if len(value) < MIN_SECRET_BYTES:
        raise ValueError(f"{path} holds fewer than {MIN_SECRET_BYTES} bytes; delete it")
    return value


def cookie_script(value: str, max_age: int, path: str) -> str:
    """A ``<script>`` that sets (``max_age > 0``) or deletes the session cookie.

    ``SameSite=Strict`` (never sent with a request from another site), ``Secure`` when the
    page is served over HTTPS, ``Path`` the app's base path. A cookie written by script
    cannot be ``HttpOnly`` (Streamlit offers no server response to set one); what that
    means is in SECURITY.md. ``value`` is a token (base64url, digits, dots) or empty.
    """
    if any(
        c not in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_." for c in value
    ):
        raise ValueError("a session token holds only base64url characters and dots")
    if any(c in path for c in ';"<>\\\n'):
        raise ValueError(f"unusable cookie path {path!r}")
    cookie = f"{COOKIE_NAME}={value}; Max-Age={max(int(max_age), 0)}; Path={path}; SameSite=Strict"
    return (
        "<script>(function(){"
        'var secure = location.protocol === "https:" ? "; Secure" : "";'
        f'document.cookie = "{cookie}" + secure;'
        "})();</script>"
    )
