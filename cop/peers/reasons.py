"""The words of a recommendation: phrases the peer finder and the answerer matching share.

Scoring (:mod:`cop.peers.recommend`, :mod:`cop.peers.answerers`) produces numbers; these
phrases turn them into reasons a person reads ("3 realised measures in depaving; level
advanced on monitoring and evaluation"), in the reader's language.
"""

from __future__ import annotations

from cop.core import i18n
from cop.maturity.display import lower_first

#: Between two reasons of one candidate.
REASON_SEPARATOR = "; "


def measures_phrase(count: int, theme: str | None, lang: str | None) -> str:
    """``3 gerealiseerde maatregelen in ontharden``; without a theme, in any theme."""
    if theme is None:
        key = "peers.reason_measures_one_any" if count == 1 else "peers.reason_measures_any"
        return i18n.t(key, lang, count=count)
    label = lower_first(i18n.label("theme", theme, lang))
    key = "peers.reason_measures_one" if count == 1 else "peers.reason_measures"
    return i18n.t(key, lang, count=count, theme=label)


def level_phrase(level: int, dimension: str, lang: str | None) -> str:
    """``niveau gevorderd op monitoring en evaluatie``."""
    return i18n.t(
        "peers.reason_level",
        lang,
        level=lower_first(i18n.label("level", level, lang)),
        dimension=lower_first(i18n.label("dimension", dimension, lang)),
    )


def words_phrase(shared: list[str], lang: str | None) -> str:
    """The content words a question shares with a candidate's practices or description."""
    return i18n.t("peers.reason_words", lang, words=", ".join(shared))


def join_reasons(parts: list[str]) -> str:
    return REASON_SEPARATOR.join(parts)
