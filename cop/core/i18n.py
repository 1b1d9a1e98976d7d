"""Message catalog and Dutch/English number and date formatting.

Why a keyed mapping in TOML files rather than gettext: every text has a stable key, both
languages sit next to each other for the person translating, no compile step (.mo files)
is needed, and "a key is missing in one language" is a one-line test. Catalogs are split
per area (``cop/locale/*.toml``) so features can be added without touching each other's files.

Examples
--------
>>> t("app.title", "en")
'Biodiversity CoP dashboard'
>>> format_number(1234.5, 1, "nl")
'1.234,5'
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from functools import lru_cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


class CatalogError(ValueError):
    """A catalog file is malformed (duplicate key, missing language)."""


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All messages: ``{key: {"nl": ..., "en": ...}}``, merged from every locale file."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALE_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for key, texts in _flatten(data):
            if key in merged:
                raise CatalogError(f"{path.name}: key {key!r} is defined twice")
            merged[key] = texts
    return merged


def _flatten(data: dict, prefix: str = "") -> list[tuple[str, dict[str, str]]]:
    """Turn nested TOML tables into dotted keys; a table with language keys is a message."""
    items: list[tuple[str, dict[str, str]]] = []
    for name, value in data.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and any(lang in value for lang in LANGUAGES):
            items.append((key, {lang: str(value.get(lang, "")) for lang in LANGUAGES}))
        elif isinstance(value, dict):
            items.extend(_flatten(value, f"{key}."))
        else:
            raise CatalogError(f"key {key!r} must be a table with 'nl' and 'en'")
    return items


def missing_translations() -> list[str]:
    """Keys that lack a text in at least one language (the test wants none)."""
    return [
        f"{key} [{lang}]"
        for key, texts in catalog().items()
        for lang in LANGUAGES
        if not texts.get(lang, "").strip()
    ]


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, /, **values: object) -> str:
    """The text for ``key`` in ``lang``, with its ``{named}`` fields filled from ``values``.

    An unknown key raises ``KeyError``: a missing text is a bug the tests must catch,
    not something to paper over with the key itself.
    """
    text = catalog()[key][normalise_language(lang)]
    return text.format(**values) if values else text


def has_key(key: str) -> bool:
    return key in catalog()


def label(prefix: str, code: object, lang: str | None = None) -> str:
    """Label of a vocabulary code, e.g. ``label("theme", "depaving")``; unknown codes as-is."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in catalog() else str(code)


def format_number(value: float | int | None, decimals: int = 0, lang: str | None = None) -> str:
    """Format with thousands separators: ``1.234,5`` in Dutch, ``1,234.5`` in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if normalise_language(lang) == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def format_percent(share: float | None, decimals: int = 0, lang: str | None = None) -> str:
    """A share (0.25) as a percentage ("25%")."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    return f"{format_number(share * 100, decimals, lang)}%"


def format_date(value: dt.date | dt.datetime | str | None, lang: str | None = None) -> str:
    """Long date: ``29 november 2026`` in Dutch, ``29 November 2026`` in English."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    month = _MONTHS[normalise_language(lang)][value.month - 1]
    return f"{value.day} {month} {value.year}"
