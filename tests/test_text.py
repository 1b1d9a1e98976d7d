"""The escaping helpers: stored text stays text in Markdown, terminals and plain tables."""

from __future__ import annotations

import re

import pytest

from cop.core.text import WORD_JOINER, md_escape, plain


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("![x](y.png)", "!\\[x\\](y.png)"),
        ("<script>", "\\<script\\>"),
        (
            "**vet** _schuin_ `code` ~~weg~~",
            "\\*\\*vet\\*\\* \\_schuin\\_ \\`code\\` \\~\\~weg\\~\\~",
        ),
        ("x & y &amp;", "x \\& y \\&amp;"),
        ("a | b", "a \\| b"),
        ("$x^2$ {{ 7*7 }}", "\\$x^2\\$ \\{\\{ 7\\*7 \\}\\}"),
        (
            ":red[rood] :material/home: :smile:",
            f"\\:{WORD_JOINER}red\\[rood\\] \\:{WORD_JOINER}material/home: \\:{WORD_JOINER}smile:",
        ),
        ("# kop", "\\# kop"),
        ("- punt", "\\- punt"),
        ("+ punt", "\\+ punt"),
        ("> citaat", "\\> citaat"),
        ("12. twaalf", "12\\. twaalf"),
        ("3) drie", "3\\) drie"),
        ("   ingesprongen code", "ingesprongen code"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_markdown_characters_are_escaped(text, escaped):
    assert md_escape(text) == escaped


def test_plain_punctuation_stays_readable():
    for text in ("Nuenen c.a. (GM0820): 12,5 m2", "'s-Hertogenbosch", "Wat nu? 50% - ja!"):
        assert md_escape(text) == text


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("http://example.invalid", "http" + WORD_JOINER),
        ("HTTPS://example.invalid", "HTTPS" + WORD_JOINER),
        ("zie www.example.invalid", "www" + WORD_JOINER),
        ("mail@example.invalid", "@" + WORD_JOINER),
    ],
)
def test_autolinks_are_broken_by_an_invisible_word_joiner(text, joined):
    assert joined in md_escape(text)
    assert re.sub(r"\\(.)", r"\1", md_escape(text)).replace(WORD_JOINER, "") == text


def test_line_breaks_become_spaces_and_control_characters_visible():
    assert md_escape("a\nb\r\nc\td") == "a b c d"
    assert md_escape("rood\x1b[31m") == "rood\\\\x1b\\[31m"  # renders as rood\x1b[31m
    assert plain("a\x00b\x1b[0m\r\n\u202eevil") == "a\\x00b\\x1b[0m\\r\\n\\u202eevil"
    assert plain("Súdwest-Fryslân 's-Gravenhage") == "Súdwest-Fryslân 's-Gravenhage"
