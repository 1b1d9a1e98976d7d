r"""Text from the database shown as text: escaped for Markdown, control characters visible.

Streamlit renders almost every string it is given as Markdown: ``st.markdown``,
``st.caption``, ``st.info``/``warning``/``error``/``success``, headers, and the labels of
widgets, expanders, tabs, page links, metrics, radio and select-slider options and
tooltips. (Checked in Chromium on Streamlit 1.67: ``st.selectbox`` and ``st.multiselect``
options, ``st.text``, ``st.code`` and table cells are plain text.) A stored name such as
``![x](http://example.invalid/a.png)`` would therefore make every visitor's browser fetch
that address, and ``[hier](http://...)`` would become a link the app never made. So every
value from the database that reaches a Markdown context passes through :func:`md_escape`,
and so does every text of the Markdown meeting brief.

What is escaped, and why that is enough: a backslash goes before every character that
starts inline Markdown or HTML anywhere (``\\ ` * _ ~ [ ] < > & | $ # { }``: emphasis, code,
strikethrough, links, images, footnotes, HTML, entities, tables, math) and before a ``:``
that touches the next character (Streamlit's ``:red[...]``, ``:material/icon:`` and
emoji shortcodes); a block marker at the start (``-``, ``+``, ``1.``) is escaped too, and
line breaks become spaces, so no text can open a heading, list, quote or code block.
Everything else (``.``, ``,``, ``'``, ``(``, ``?``) has no meaning there and stays as it is,
so the Markdown source stays readable (the meeting brief is also read as a text file).
Backslashes do not stop GitHub-flavoured *autolinks* (``http://...``, ``www.``,
``name@domain``), which are found in the text after escapes are resolved; a word joiner
(U+2060, invisible, not a space) is put where they would start. The tests fill every
text column with payloads and check every page (``tests/test_rendered_text.py``) and, in
Chromium, the DOM and the requests (``tests/test_browser_rendered_text.py``).

Control characters (terminal escapes such as ``\x1b[31m``, ``\r``, ``\x00``, and the
bidirectional overrides that reorder what a reader sees) are shown as escapes by
:func:`plain`, for terminals and plain-text tables alike.

Examples
--------
>>> print(md_escape("![x](http.png) **b** <i>"))
!\[x\](http.png) \*\*b\*\* \<i\>
>>> md_escape(":red[c]") == "\\:" + WORD_JOINER + "red\\[c\\]"
True
>>> print(md_escape("Nuenen c.a. (GM0820): 1. plek"))
Nuenen c.a. (GM0820): 1. plek
>>> md_escape("www.example.nl") == "www" + WORD_JOINER + ".example.nl"
True
>>> print(plain("rood\x1b[31m\r\n"))
rood\x1b[31m\r\n
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

# Characters that start inline Markdown or HTML anywhere in a line, and a colon that
# touches the next character (Streamlit's directives, icons and emoji shortcodes).
_INLINE_SPECIAL = re.compile(r"([\\`*_~\[\]<>&|$#{}])|(:)(?=\S)")
# What would begin a block at the start of a line: heading, quote, list, rule, table.
_BLOCK_START = re.compile(r"^([-+=>]|\d+[.)])")
# Where a GitHub-flavoured autolink literal would start: after "http" (before "://"),
# after "www" (before "."), after "@".
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(?=://)|(?<=\bwww)(?=\.)|(?<=@)")
_LINE_BREAKS = re.compile(r"[\t\n\r\f\v]+")
# C0 and C1 control characters and the bidirectional formatting characters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: object) -> str:
    """``text`` with every control character shown as its escape (``\\x1b``, ``\\n``).

    For terminals (a cell value must never change the colour of, or rewrite, a report
    line) and plain-text tables. Everything else is left as it is.
    """
    return _CONTROL.sub(_visible, str(text))


def _one_line(text: object) -> str:
    return plain(_LINE_BREAKS.sub(" ", str(text)).strip())


def _escape_inline(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    # Emoji shortcodes are replaced in the text after escapes are resolved (like
    # autolinks), so the colon also gets a word joiner.
    return "\\:" + WORD_JOINER


def md_escape(text: object) -> str:
    """``text`` as literal text inside any Markdown context (one line, no markup).

    For Streamlit's Markdown (bodies, labels, captions, notices, headers) and for
    Markdown files. Line breaks become spaces and the text is stripped (labels are one
    line; a break or leading spaces could start a new block), other control characters
    become visible escapes, autolinks are broken by a word joiner and the characters
    with a meaning in Markdown are escaped (see the module docstring).
    """
    escaped = _INLINE_SPECIAL.sub(_escape_inline, _AUTOLINK.sub(WORD_JOINER, _one_line(text)))
    return _BLOCK_START.sub(lambda m: _escape_block(m.group(1)), escaped)


def _escape_block(marker: str) -> str:
    return marker[:-1] + "\\" + marker[-1] if marker[-1] in ".)" else "\\" + marker
