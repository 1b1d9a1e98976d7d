"""The maturity model in words and tables: sentences, level words and labelled tables.

:mod:`cop.maturity.model` computes the numbers; this module says them in the reader's
language (Dutch or English, through the catalog) and lays out the tables the pages show,
so a page never builds a sentence or a header itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cop.core import i18n
from cop.data.presentation import municipality_names
from cop.maturity.model import OVERALL, PEER_KEY, PeerPosition, largest_differences

__all__ = [
    "difference_sentences",
    "join_names",
    "level_text",
    "lower_first",
    "movers_display",
    "number_word",
    "position_display",
    "position_sentences",
    "rubric_display",
]


# ---------------------------------------------------------------- words


def number_word(value: float, lang: str | None) -> str:
    """Small whole numbers as words (``twee``, ``two``), anything else as a number."""
    if float(value).is_integer() and 0 <= value <= 10:
        return i18n.t(f"numword.n{int(value)}", lang)
    return i18n.format_number(value, 1, lang)


def join_names(names: Sequence[str], lang: str | None) -> str:
    """``A``, ``A en B``, ``A, B en C`` (Dutch) / ``A, B and C`` (English)."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return i18n.t("maturity.join_last", lang, head=", ".join(names[:-1]), last=names[-1])


def level_text(level: float, lang: str | None) -> str:
    """``gevorderd`` for a whole level, ``niveau 2,5`` for a median between levels."""
    if float(level).is_integer():
        return lower_first(i18n.label("level", int(level), lang))
    return i18n.t("maturity.level_number", lang, level=i18n.format_number(level, 1, lang))


def lower_first(text: str) -> str:
    """A label's first letter in lower case for use mid-sentence, keeping acronyms."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


# ---------------------------------------------------------------- sentences


def difference_sentences(
    levels: pd.DataFrame, names: Mapping[str, str], lang: str | None, *, n: int = 3
) -> list[str]:
    """One sentence per dimension where the compared rows differ most.

    ``names`` maps a row key to the name to write; the peer-group median row
    (:data:`PEER_KEY`) is written as "the median of similar municipalities".

    Examples
    --------
    >>> levels = pd.DataFrame({"monitoring_evaluation": [5, 3]}, index=["GM0344", "GM0363"])
    >>> difference_sentences(levels, {"GM0344": "Utrecht", "GM0363": "Amsterdam"}, "en")
    ['Utrecht is two levels ahead of Amsterdam on monitoring and evaluation (frontrunner versus developing).']
    """
    sentences = []
    for row in largest_differences(levels, n=n).itertuples(index=False):
        ahead = [_who(key, names, lang) for key in row.ahead]
        behind = [_who(key, names, lang) for key in row.behind]
        key = "maturity.diff_one" if len(ahead) == 1 else "maturity.diff_many"
        unit_key = "maturity.level_one" if row.spread == 1 else "maturity.level_many"
        text = i18n.t(
            key,
            lang,
            ahead=join_names(ahead, lang),
            behind=join_names(behind, lang),
            diff=number_word(row.spread, lang),
            unit=i18n.t(unit_key, lang),
            dimension=lower_first(i18n.label("dimension", row.dimension, lang)),
            ahead_level=level_text(row.ahead_level, lang),
            behind_level=level_text(row.behind_level, lang),
        )
        sentences.append(text[:1].upper() + text[1:])
    return sentences


def _who(key: str, names: Mapping[str, str], lang: str | None) -> str:
    if key == PEER_KEY:
        return i18n.t("maturity.peer_in_sentence", lang)
    return names.get(key, key)


# ---------------------------------------------------------------- tables to show


def movers_display(
    movers: pd.DataFrame, municipalities: pd.DataFrame, lang: str | None
) -> pd.DataFrame:
    """:func:`biggest_movers` with names and headers in ``lang``, ready to show."""
    names = municipality_names(municipalities)
    return pd.DataFrame(
        {
            i18n.t("compare.col_name", lang): movers["municipality_code"].map(names),
            i18n.t("maturity.col_previous", lang): movers["previous_overall"],
            i18n.t("maturity.col_now", lang): movers[OVERALL],
            i18n.t("maturity.col_change", lang): movers["change"],
            i18n.t("maturity.col_dimensions_up", lang): movers["dimensions_up"],
        }
    )


def rubric_display(rubric: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """The rubric as a table in ``lang``: dimension, level (number and name), description."""
    lang = i18n.normalise_language(lang)
    return pd.DataFrame(
        {
            i18n.t("col.dimension", lang): [
                i18n.label("dimension", d, lang) for d in rubric["dimension"]
            ],
            i18n.t("col.level", lang): [
                f"{int(v)} {i18n.label('level', int(v), lang)}" for v in rubric["level"]
            ],
            i18n.t("maturity.col_description", lang): rubric[f"description_{lang}"].tolist(),
        }
    )


def position_display(position: PeerPosition, lang: str | None) -> pd.DataFrame:
    """The table of a :class:`PeerPosition` with labels and headers in ``lang``."""
    table = position.table
    return pd.DataFrame(
        {
            i18n.t("col.dimension", lang): [
                i18n.t("maturity.overall", lang)
                if d == OVERALL
                else i18n.label("dimension", d, lang)
                for d in table["dimension"]
            ],
            i18n.t("maturity.col_actual", lang): table["actual"],
            i18n.t("maturity.col_q1", lang): table["peer_q1"],
            i18n.t("maturity.col_median", lang): table["peer_median"],
            i18n.t("maturity.col_q3", lang): table["peer_q3"],
            i18n.t("maturity.col_position", lang): [
                "–" if pd.isna(p) else i18n.t(f"maturity.pos_{p}", lang) for p in table["position"]
            ],
            i18n.t("maturity.col_n_peers", lang): table["n_peers"],
        }
    )


def position_sentences(position: PeerPosition, lang: str | None) -> list[str]:
    """Where one stands in words: the dimensions ahead of and behind the peer group."""
    table = position.table[position.table["dimension"] != OVERALL]
    sentences = []
    for where in ("above", "below"):
        dims = table.loc[table["position"] == where, "dimension"]
        if len(dims):
            labels = [lower_first(i18n.label("dimension", d, lang)) for d in dims]
            sentences.append(
                i18n.t(f"maturity.position_{where}", lang, dimensions=join_names(labels, lang))
            )
    if not sentences and table["position"].notna().any():
        sentences.append(i18n.t("maturity.position_within", lang))
    return sentences
