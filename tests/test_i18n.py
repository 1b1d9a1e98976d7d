"""The message catalog is complete in both languages and every key used in code exists."""

import datetime as dt
import re
from pathlib import Path

import pytest

from cop.core import i18n

ROOT = Path(__file__).resolve().parents[1]
KEY_LITERAL = re.compile(r"""["']([a-z_]+\.[a-z0-9_]+)["']""")


def test_every_key_has_both_languages():
    assert i18n.missing_translations() == []


def test_every_literal_key_used_in_code_exists():
    """Any string literal "area.name" whose area is a catalog area must be a real key."""
    areas = {key.split(".")[0] for key in i18n.catalog()} - {"unit"}
    used: dict[str, str] = {}
    for path in [*ROOT.glob("cop/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]:
        for key in KEY_LITERAL.findall(path.read_text(encoding="utf-8")):
            if key.split(".")[0] in areas and not key.endswith((".py", ".csv", ".toml")):
                used.setdefault(key, str(path.relative_to(ROOT)))
    missing = {key: where for key, where in used.items() if not i18n.has_key(key)}
    assert missing == {}


def test_placeholders_match_between_languages():
    pattern = re.compile(r"{(\w+)}")
    for key, texts in i18n.catalog().items():
        assert set(pattern.findall(texts["nl"])) == set(pattern.findall(texts["en"])), key


def test_unknown_key_raises():
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "nl")


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "expected"),
    [
        (1234.5, 1, "nl", "1.234,5"),
        (1234.5, 1, "en", "1,234.5"),
        (1234567, 0, "nl", "1.234.567"),
        (-0.25, 2, "nl", "-0,25"),
        (float("nan"), 0, "nl", "–"),
    ],
)
def test_number_format(value, decimals, lang, expected):
    assert i18n.format_number(value, decimals, lang) == expected


def test_date_format():
    assert i18n.format_date(dt.date(2026, 11, 29), "nl") == "29 november 2026"
    assert i18n.format_date("2026-03-01", "en") == "1 March 2026"


def test_duplicate_key_across_files_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "a.toml").write_text('[x]\ny = { nl = "a", en = "b" }\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[x]\ny = { nl = "c", en = "d" }\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalog.cache_clear()
    try:
        with pytest.raises(i18n.CatalogError):
            i18n.catalog()
    finally:
        monkeypatch.undo()
        i18n.catalog.cache_clear()
