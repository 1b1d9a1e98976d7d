"""Properties of the protective quote (cop.data.formulas) on any text, found by hypothesis.

The column functions only check the few cells that start like a formula (an import reads a
million cells): these tests hold them to the one-text rule, :func:`is_formula_like`.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cop.data import formulas

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Texts built from what matters here (quotes, formula starts, every kind of leading
# space, digits, separators) and any other character.
ALPHABET = st.sampled_from(list("'=+-@\t\r \u00a0\u3000\u200b\ufeff\n0123456789.,%ax"))
TEXTS = st.lists(
    st.one_of(st.none(), st.text(ALPHABET, max_size=8), st.text(max_size=8)), max_size=30
)


def _series(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="string", index=range(7, 7 + len(values)))


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_columns_follow_the_one_text_rule(values):
    texts = _series(values)
    expected = [v is not None and formulas.is_formula_like(v) for v in values]
    assert formulas.runs_as_formula(texts).tolist() == expected
    hidden = formulas.hidden_behind_space(texts)
    assert hidden.index.equals(texts.index)
    assert hidden.tolist() == [
        e and re.match(r"[\s\u200b\ufeff]", v) is not None
        for v, e in zip(values, expected, strict=True)
    ]


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_unquote_undoes_quote_for_every_text(values):
    texts = _series(values)
    quoted = formulas.quote_text(texts)
    assert not formulas.runs_as_formula(quoted).any()  # nothing left that would run
    back = formulas.unquote_text(quoted)
    assert back.index.equals(texts.index)
    assert back.tolist() == texts.tolist()
