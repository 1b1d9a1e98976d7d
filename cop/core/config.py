"""Settings read from the environment, in one place.

Everything that differs between a laptop, CI and a production server (where the database
lives, where downloads are cached, which boundary file to use) is an environment variable,
so that pages and library code never hard-code a path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
SHIPPED_DATA_DIR = PROJECT_DIR / "data"
DEFAULT_SESSION_MINUTES = 60
AUTH_MODES: tuple[str, ...] = ("password", "oidc")
OFF_WORDS = frozenset({"off", "0", "false", "no"})
ON_WORDS = frozenset({"on", "1", "true", "yes"})


@dataclass(frozen=True)
class Settings:
    """The run-time configuration of the dashboard.

    Attributes
    ----------
    data_dir
        Writable folder for the embedded SQLite database and download caches
        (``COP_DATA_DIR``, default ``~/.local/share/cop-dashboard``).
    database_url
        SQLAlchemy URL (``DATABASE_URL``); default: SQLite file in ``data_dir``.
    seed_dir
        Folder with the CSV files that fill an empty database (``COP_SEED_DIR``,
        default the shipped demo data in ``data/``).
    boundaries_file
        Local GeoJSON/GeoPackage/GeoParquet with municipality boundaries
        (``COP_BOUNDARIES_FILE``); when set, no download is attempted.
    boundaries_year
        CBS year of the boundaries (``COP_BOUNDARIES_YEAR``, default 2025).
    offline
        ``COP_OFFLINE=1`` forbids every network access (boundaries fall back to points).
    brief_charts
        ``COP_BRIEF_CHARTS=off`` (or 0/false/no) puts tables instead of chart images in
        Word/PDF briefs (default on).
    pdf_font_dir
        ``COP_PDF_FONT_DIR``: a folder with ``DejaVuSans.ttf`` searched first for PDF briefs.
    prewarm
        ``COP_PREWARM``: compute the per-data-version caches in a background thread after
        a start or an import (``cop.ui``): ``auto`` (default) under ``streamlit run`` only,
        ``on`` everywhere (benchmarks), ``off`` never.
    """

    data_dir: Path
    database_url: str
    seed_dir: Path
    boundaries_file: Path | None
    boundaries_year: int
    offline: bool
    brief_charts: bool = True
    pdf_font_dir: Path | None = None
    prewarm: str = "auto"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "cop-dashboard"


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it whenever needed)."""
    data_dir = Path(os.environ.get("COP_DATA_DIR") or _default_data_dir()).expanduser()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'cop.sqlite'}"
    # Heroku-style URLs say postgres://; SQLAlchemy 2 wants postgresql+psycopg://.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    boundaries = os.environ.get("COP_BOUNDARIES_FILE")
    font_dir = os.environ.get("COP_PDF_FONT_DIR")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        seed_dir=Path(os.environ.get("COP_SEED_DIR") or SHIPPED_DATA_DIR),
        boundaries_file=Path(boundaries).expanduser() if boundaries else None,
        boundaries_year=int(os.environ.get("COP_BOUNDARIES_YEAR") or 2025),
        offline=os.environ.get("COP_OFFLINE", "").lower() in {"1", "true", "yes"},
        brief_charts=os.environ.get("COP_BRIEF_CHARTS", "on").strip().lower() not in OFF_WORDS,
        pdf_font_dir=Path(font_dir).expanduser() if font_dir else None,
        prewarm=_prewarm_mode(os.environ.get("COP_PREWARM")),
    )


def _prewarm_mode(value: str | None) -> str:
    """``COP_PREWARM``: ``on``, ``off`` or ``auto`` (default: on under ``streamlit run``)."""
    word = (value or "auto").strip().lower()
    if word in OFF_WORDS:
        return "off"
    return "auto" if word == "auto" else "on"


def debug_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """``COP_DEBUG=1``: show tracebacks instead of only a one-line message.

    The command line then lets an unexpected failure end with its traceback (like
    ``--debug``); the app's error boundary shows its message and then re-raises, so
    Streamlit shows the traceback too (the tests set it, so a page bug still fails them).
    """
    env = os.environ if environ is None else environ
    return (env.get("COP_DEBUG") or "").strip().lower() in ON_WORDS


@dataclass(frozen=True)
class AuthSettings:
    """Sign-in configuration from the environment.

    Attributes
    ----------
    mode
        ``COP_AUTH``: ``password`` (accounts in the database, default) or ``oidc``.
    session_minutes
        ``COP_SESSION_MINUTES``: minutes a sign-in lasts (default 60).
    oidc_provider
        ``COP_OIDC_PROVIDER``: name of an ``[auth.<name>]`` section in
        ``.streamlit/secrets.toml``; empty for the unnamed ``[auth]`` section.
    oidc_coordinators
        ``COP_OIDC_COORDINATORS``: comma-separated e-mail addresses of coordinators.
    oidc_members
        ``COP_OIDC_MEMBERS``: comma-separated e-mail addresses of members.
    oidc_member_domains
        ``COP_OIDC_MEMBER_DOMAINS``: comma-separated e-mail domains whose people are
        members (e.g. ``utrecht.nl,amersfoort.nl``).
    """

    mode: str = "password"
    session_minutes: float = DEFAULT_SESSION_MINUTES
    oidc_provider: str | None = None
    oidc_coordinators: frozenset[str] = frozenset()
    oidc_members: frozenset[str] = frozenset()
    oidc_member_domains: frozenset[str] = frozenset()


def _csv_set(value: str | None) -> frozenset[str]:
    return frozenset(p.strip().lower().lstrip("@") for p in (value or "").split(",") if p.strip())


def auth_settings(environ: Mapping[str, str] | None = None) -> AuthSettings:
    """Read the sign-in settings; invalid values raise ``ValueError`` naming the variable."""
    env = os.environ if environ is None else environ
    mode = (env.get("COP_AUTH") or "password").strip().lower()
    if mode not in AUTH_MODES:
        raise ValueError(f"COP_AUTH must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    raw_minutes = env.get("COP_SESSION_MINUTES") or str(DEFAULT_SESSION_MINUTES)
    try:
        minutes = float(raw_minutes)
    except ValueError:
        raise ValueError(f"COP_SESSION_MINUTES must be a number, not {raw_minutes!r}") from None
    if not minutes > 0:
        raise ValueError("COP_SESSION_MINUTES must be > 0")
    return AuthSettings(
        mode=mode,
        session_minutes=minutes,
        oidc_provider=(env.get("COP_OIDC_PROVIDER") or "").strip() or None,
        oidc_coordinators=_csv_set(env.get("COP_OIDC_COORDINATORS")),
        oidc_members=_csv_set(env.get("COP_OIDC_MEMBERS")),
        oidc_member_domains=_csv_set(env.get("COP_OIDC_MEMBER_DOMAINS")),
    )


# ---------------------------------------------------------------- e-mail (issue 13)

MAIL_SECURITY: tuple[str, ...] = ("starttls", "ssl", "none")
DEFAULT_SMTP_TIMEOUT = 10.0
DEFAULT_SENDER = "cop-dashboard@localhost"
# A plain shape check (the strict pattern of stored addresses lives in cop.data.schema).
_ADDRESS = re.compile(r"^[^@\s;,<>\"]+@[^@\s;,<>\"]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class MailSettings:
    """How notifications are sent; :func:`mail_settings` reads them from the environment.

    Attributes
    ----------
    host, port
        The SMTP server from ``COP_SMTP_URL``: ``smtp://host:587`` (STARTTLS, default port
        587), ``smtps://host:465`` (TLS from the first byte, default port 465).
    security
        ``starttls`` (``smtp://``; the server must offer it), ``ssl`` (``smtps://``), or
        ``none`` for a relay on the same host (``smtp://localhost:25?starttls=off``; then no
        credentials are accepted, they would travel unencrypted).
    username, password
        ``COP_SMTP_USER``/``COP_SMTP_PASSWORD``, else the URL's ``user:password@`` part
        (percent-decoded). The password never appears in ``repr`` or logs.
    sender
        The ``From`` address: ``COP_SMTP_FROM``, else ``COP_COORDINATOR_EMAIL``, else
        ``cop-dashboard@localhost``.
    timeout
        Seconds for connecting and for each SMTP reply (``COP_SMTP_TIMEOUT``, default 10).
    ca_file
        ``COP_SMTP_CA_FILE``: a PEM file of certificate authorities to trust instead of the
        system's (a server with an organisation's own certificate authority).
    """

    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_SENDER
    timeout: float = DEFAULT_SMTP_TIMEOUT
    ca_file: Path | None = None


def mail_settings(environ: Mapping[str, str] | None = None) -> MailSettings | None:
    """The e-mail settings, or ``None`` when ``COP_SMTP_URL`` is not set (nothing is sent).

    Invalid values raise ``ValueError`` naming the variable (never its password).

    Examples
    --------
    >>> s = mail_settings({"COP_SMTP_URL": "smtp://mail.example.nl", "COP_SMTP_USER": "cop"})
    >>> (s.host, s.port, s.security, s.username)
    ('mail.example.nl', 587, 'starttls', 'cop')
    >>> mail_settings({}) is None
    True
    """
    env = os.environ if environ is None else environ
    raw = (env.get("COP_SMTP_URL") or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError("COP_SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("COP_SMTP_URL has an invalid port") from None
    if not parts.hostname:
        raise ValueError("COP_SMTP_URL names no host")
    options = dict(parse_qsl(parts.query))
    security = "ssl" if scheme == "smtps" else "starttls"
    if options.get("starttls", "").lower() in OFF_WORDS:
        if scheme == "smtps":
            raise ValueError("COP_SMTP_URL: starttls=off makes no sense with smtps://")
        security = "none"
    username = env.get("COP_SMTP_USER") or (unquote(parts.username) if parts.username else None)
    password = env.get("COP_SMTP_PASSWORD") or (unquote(parts.password) if parts.password else None)
    if security == "none" and (username or password):
        raise ValueError("COP_SMTP_URL: credentials need STARTTLS or smtps://")
    raw_timeout = env.get("COP_SMTP_TIMEOUT") or str(DEFAULT_SMTP_TIMEOUT)
    try:
        timeout = float(raw_timeout)
    except ValueError:
        raise ValueError(f"COP_SMTP_TIMEOUT must be a number, not {raw_timeout!r}") from None
    if not timeout > 0:
        raise ValueError("COP_SMTP_TIMEOUT must be > 0")
    sender = (env.get("COP_SMTP_FROM") or "").strip() or coordinator_email(env) or DEFAULT_SENDER
    if not _ADDRESS.match(sender) and sender != DEFAULT_SENDER:
        raise ValueError("COP_SMTP_FROM is not an e-mail address")
    ca_file = (env.get("COP_SMTP_CA_FILE") or "").strip()
    return MailSettings(
        host=parts.hostname,
        port=port or (465 if scheme == "smtps" else 587),
        security=security,
        username=username or None,
        password=password or None,
        sender=sender,
        timeout=timeout,
        ca_file=Path(ca_file).expanduser() if ca_file else None,
    )


def coordinator_email(environ: Mapping[str, str] | None = None) -> str | None:
    """The CoP coordinator's public address (``COP_COORDINATOR_EMAIL``), shown on Home and
    the join page; ``None`` when unset or not an e-mail address.

    >>> coordinator_email({"COP_COORDINATOR_EMAIL": " cop@example.nl "})
    'cop@example.nl'
    >>> coordinator_email({"COP_COORDINATOR_EMAIL": "not an address"}) is None
    True
    """
    env = os.environ if environ is None else environ
    value = (env.get("COP_COORDINATOR_EMAIL") or "").strip()
    return value if _ADDRESS.match(value) else None


def public_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The address people open the app at (``COP_PUBLIC_URL``), for links in documents
    that leave the app (a brief's practices link to their practice page); ``None`` when
    unset or not an ``http(s)`` address, and then the documents carry no links.

    >>> public_url({"COP_PUBLIC_URL": "https://cop.example.nl/"})
    'https://cop.example.nl'
    >>> public_url({"COP_PUBLIC_URL": "javascript:alert(1)"}) is None
    True
    """
    env = os.environ if environ is None else environ
    value = (env.get("COP_PUBLIC_URL") or "").strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        return None
    return value
