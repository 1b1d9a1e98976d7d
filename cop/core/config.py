"""Settings read from the environment, in one place.

Everything that differs between a laptop, CI and a production server (where the database
lives, where downloads are cached, which boundary file to use) is an environment variable,
so that pages and library code never hard-code a path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
