"""Settings read from the environment, in one place.

Everything that differs between a laptop, CI and a production server (where the database
lives, where downloads are cached, which boundary file to use) is an environment variable,
so that pages and library code never hard-code a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
SHIPPED_DATA_DIR = PROJECT_DIR / "data"


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
    """

    data_dir: Path
    database_url: str
    seed_dir: Path
    boundaries_file: Path | None
    boundaries_year: int
    offline: bool

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
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        seed_dir=Path(os.environ.get("COP_SEED_DIR") or SHIPPED_DATA_DIR),
        boundaries_file=Path(boundaries).expanduser() if boundaries else None,
        boundaries_year=int(os.environ.get("COP_BOUNDARIES_YEAR") or 2025),
        offline=os.environ.get("COP_OFFLINE", "").lower() in {"1", "true", "yes"},
    )
