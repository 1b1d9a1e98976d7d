"""The one protective quote: text cells a spreadsheet would run as a formula.

A CSV file has no cell types, so Excel and LibreOffice decide what a cell is when they open
it, and a text such as ``=HYPERLINK(...)``, ``+31 6 123`` or ``-30% tegels in Noord`` may be
taken for a formula (CSV or formula injection). The exporter therefore writes such a text
with one leading apostrophe, which makes every spreadsheet show it as text, and the importer
removes exactly that apostrophe again, so that a downloaded table imports back unchanged.

The rule is unambiguous, also for stored texts that themselves begin with an apostrophe:

* a text *needs the quote* when, after its leading apostrophes, it starts with a tab or a
  carriage return, or with ``=``, ``+``, ``-`` or ``@`` after any white space (a space, a
  no-break space, the ideographic space U+3000, a line break: spreadsheets that trim
  cells on import, such as LibreOffice's "trim spaces", would otherwise run
  ``" =HYPERLINK(...)"``), and is not a plain number such as ``-2``, ``+0,5`` or ``-3.5%``
  (numbers cannot run anything and are left as they are);
* :func:`quote_text` puts one apostrophe before every text that needs the quote;
* :func:`unquote_text` removes the first apostrophe of every text that begins with one and
  whose rest needs the quote; any other text is left alone.

So ``'=x`` (stored) is written ``''=x`` and read back as ``'=x``; ``'s-Hertogenbosch`` does
not need the quote and is written and read as it is. ``unquote(quote(t)) == t`` for every
text ``t``: the quote is added exactly when the reader will remove it.

Excel workbooks do not use the apostrophe at all: cells there have a type, and
:mod:`cop.data.exports` writes every text as a text cell, which never runs (see
``exports.to_excel_bytes``).

Examples
--------
>>> import pandas as pd
>>> texts = pd.Series(["-30% tegels in Noord", "'=x", "+0,5", "'s-Hertogenbosch"])
>>> quote_text(texts).tolist()
["'-30% tegels in Noord", "''=x", '+0,5', "'s-Hertogenbosch"]
>>> unquote_text(quote_text(texts)).tolist() == texts.tolist()
True
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# White space a spreadsheet may trim before it reads a cell: every Unicode space and line
# break (``\s`` includes the no-break space U+00A0 and the ideographic space U+3000) plus
# the zero-width space and the byte-order mark, which are not ``\s`` but just as invisible.
LEADING_SPACE = r"[\s\u200b\ufeff]*"
_RUNS = re.compile(r"[\t\r]|" + LEADING_SPACE + r"[=+\-@]")
_LEADING = re.compile(LEADING_SPACE)
# "-2", "+0,5" or "-3.5%" are numbers written as text, not formulas: left as they are.
PLAIN_NUMBER = r"[-+]?\d+([.,]\d+)?%?"
QUOTE = "'"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this one text for a formula.

    >>> is_formula_like("=1+1"), is_formula_like("-2"), is_formula_like("'=1+1")
    (True, False, False)
    >>> is_formula_like(" =HYPERLINK()"), is_formula_like("\\u00a0-2"), is_formula_like("\\tx")
    (True, False, True)
    """
    rest = _LEADING.sub("", text, count=1)
    return bool(_RUNS.match(text)) and re.fullmatch(PLAIN_NUMBER, rest) is None


def runs_as_formula(text: pd.Series) -> pd.Series:
    """True where a spreadsheet could take the text for a formula (missing values: False).

    Only the few cells that start like a formula are checked for being a plain number: an
    import reads a million cells, nearly all of which fail the first test.
    """
    text = text.astype("string")
    starts = text.str.match(_RUNS.pattern).fillna(False).to_numpy(dtype=bool)
    if starts.any():
        rest = text[starts].str.replace("^" + LEADING_SPACE, "", regex=True)
        starts[starts] = ~rest.str.fullmatch(PLAIN_NUMBER).fillna(False).to_numpy(dtype=bool)
    return pd.Series(starts, index=text.index)


def hidden_behind_space(text: pd.Series) -> pd.Series:
    """True where leading white space hides a formula (``" =x"``); missing values: False.

    The reader keeps that white space (it strips every other cell): the text is stored
    as it was, and it stays one that a spreadsheet shows as text.
    """
    text = text.astype("string")
    spaced = text.str.match(r"[\s\u200b\ufeff]").fillna(False).to_numpy(dtype=bool)
    if spaced.any():
        spaced[spaced] = runs_as_formula(text[spaced]).to_numpy()
    return pd.Series(spaced, index=text.index)


def needs_quote(text: pd.Series) -> pd.Series:
    """True where :func:`quote_text` adds the apostrophe (see the module docstring)."""
    return runs_as_formula(text.astype("string").str.lstrip(QUOTE))


def quote_text(text: pd.Series) -> pd.Series:
    """The texts with one apostrophe before each that needs it (as ``string`` dtype)."""
    text = text.astype("string")
    return text.mask(needs_quote(text), QUOTE + text)


def unquote_text(text: pd.Series) -> pd.Series:
    """Undo :func:`quote_text`: drop the one apostrophe the exporter added."""
    text = text.astype("string")
    added = text.str.startswith(QUOTE).fillna(False).to_numpy(dtype=bool)
    if not added.any():
        return text
    rest = text[added].str.slice(1)
    added[added] = needs_quote(rest).to_numpy()
    out = text.copy()
    out[added] = text[added].str.slice(1).to_numpy()
    return out


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [
        column
        for column in frame.columns
        if pd.api.types.is_string_dtype(frame[column]) or frame[column].dtype == object
    ]


def quote_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with :func:`quote_text` applied to every text column that needs it."""
    out = frame.copy()
    for column in _text_columns(out):
        if needs_quote(out[column]).any():
            out[column] = quote_text(out[column])
    return out


def unquote_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with :func:`unquote_text` applied to every text column."""
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = unquote_text(out[column])
    return out
