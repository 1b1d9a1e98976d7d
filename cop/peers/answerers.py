"""Who can answer a help question: partner municipalities and expert organisations.

For each open help question :func:`match_help_questions` suggests up to ``limit``
municipalities and ``limit`` organisations, best first, with the reasons in words. Like
the peer finder (:mod:`cop.peers.recommend`) the score is a weighted mean of components in
[0, 1] (weights in :class:`MatchWeights`), so it can be recomputed by hand; ties are
broken by code or id.

A municipality (a partner, never the asker)
    ``theme``     realised measures in the question's theme: n / (n + n0)
    ``maturity``  its levels on the theme's dimensions (:data:`THEME_DIMENSIONS`):
                  the mean of (level - 1) / 4, a dimension without a level counting 0
    ``keywords``  the share of the question's content words found in its practices'
                  titles, descriptions and lessons learned
An expert organisation
    ``theme``     1 when it covers the theme, else 0
    ``keywords``  the share of the question's words in its name and description
    It has no maturity: its score is the weighted mean of those two.

Candidates with a score of 0 are left out. Scoring (:func:`score_candidates`: numbers only)
and wording (:func:`answerer_reasons`) are separate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from cop.core import i18n
from cop.core.textmatch import tokens
from cop.maturity.display import lower_first
from cop.maturity.model import latest_levels
from cop.peers.reasons import join_reasons, level_phrase, measures_phrase, words_phrase
from cop.peers.recommend import THEME_DIMENSIONS, check_non_negative, realised_counts

__all__ = [
    "KINDS",
    "Candidate",
    "MatchWeights",
    "Pool",
    "answerer_pool",
    "answerer_reasons",
    "match_help_questions",
    "score_candidates",
]

KINDS: tuple[str, ...] = ("municipality", "expert")
LEVEL_REASON = 4  # a level worth naming as a reason ("advanced" or higher)
COLUMNS: tuple[str, ...] = (
    "question_id",
    "asker_code",
    "theme",
    "question",
    "kind",
    "candidate",
    "candidate_name",
    "rank",
    "score",
    "theme_score",
    "maturity_score",
    "keyword_score",
    "shared_words",
    "reasons",
)


@dataclass(frozen=True)
class MatchWeights:
    """Weights for matching a help question to a municipality or expert organisation."""

    theme: float = 2.0
    maturity: float = 1.0
    keywords: float = 2.0
    measures_half: float = 3.0

    def __post_init__(self) -> None:
        check_non_negative(self)
        if self.measures_half <= 0 or self.theme + self.keywords <= 0:
            raise ValueError("measures_half and theme + keywords must be > 0")


@dataclass(frozen=True)
class Candidate:
    """One candidate's numbers for one question; :func:`answerer_reasons` words them.

    ``realised`` and ``best_level`` (the highest level on the theme's dimensions, the
    first dimension on ties) are known for municipalities only, ``covers_theme`` for
    organisations only; ``maturity_score`` is NaN for an organisation.
    """

    kind: str
    candidate: str
    name: str
    score: float
    theme_score: float
    maturity_score: float
    keyword_score: float
    shared: tuple[str, ...]
    realised: int = 0
    best_level: tuple[int, str] | None = None
    covers_theme: bool = False


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Pool:
    """Everyone who may answer, and what their scores are computed from (built once)."""

    towns: pd.DataFrame  # partner municipalities, sorted by code
    realised: pd.DataFrame  # realised measures per partner code (rows) and theme (columns)
    levels: pd.DataFrame  # latest level per partner code and dimension
    town_words: dict[str, set[str]]  # content words of each municipality's practices
    experts: pd.DataFrame  # expert organisations, sorted by id
    expert_words: dict[int, set[str]]  # content words of each organisation's name and text


def answerer_pool(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    experts: pd.DataFrame,
) -> Pool:
    """The partners and organisations that may answer, with their counts, levels and words."""
    towns = municipalities[municipalities["is_partner"].fillna(False).astype(bool)]
    towns = towns.sort_values("code", kind="stable")
    expert_rows = experts.sort_values("id", kind="stable")
    return Pool(
        towns=towns,
        realised=realised_counts(measures).reindex(index=towns["code"], fill_value=0),
        levels=latest_levels(maturity).reindex(index=towns["code"]),
        town_words=_practice_words(measures),
        experts=expert_rows,
        expert_words=_expert_words(expert_rows),
    )


def score_candidates(
    question: str, theme: str, asker_code: str, pool: Pool, weights: MatchWeights | None = None
) -> list[Candidate]:
    """Every municipality (but the asker) and organisation of ``pool`` scored for one question.

    Numbers only, in pool order (municipalities by code, then organisations by id); see the
    module doc for the components.
    """
    weights = weights or MatchWeights()
    wanted = tokens(question)
    return [
        *_score_towns(wanted, theme, asker_code, pool, weights),
        *_score_experts(wanted, theme, pool, weights),
    ]


def _score_towns(
    wanted: set[str], theme: str, asker_code: str, pool: Pool, weights: MatchWeights
) -> list[Candidate]:
    dims = list(THEME_DIMENSIONS.get(theme, ()))
    total = weights.theme + weights.maturity + weights.keywords
    out = []
    for town in pool.towns.itertuples():
        if town.code == asker_code:
            continue
        n = int(pool.realised.loc[town.code].get(theme, 0))
        theme_score = n / (n + weights.measures_half)
        own = pool.levels.loc[town.code]
        known = [(own[d], d) for d in dims if pd.notna(own[d])]
        maturity_score = sum(level - 1 for level, _ in known) / 4 / len(dims) if dims else 0.0
        shared = tuple(sorted(wanted & pool.town_words.get(town.code, set())))
        keyword_score = len(shared) / len(wanted) if wanted else 0.0
        score = (
            weights.theme * theme_score
            + weights.maturity * maturity_score
            + weights.keywords * keyword_score
        ) / total
        best = max(known, key=lambda item: item[0], default=None)  # first dim on ties
        out.append(
            Candidate(
                kind="municipality",
                candidate=str(town.code),
                name=str(town.name),
                score=score,
                theme_score=theme_score,
                maturity_score=float(maturity_score),
                keyword_score=keyword_score,
                shared=shared,
                realised=n,
                best_level=None if best is None else (int(best[0]), best[1]),
            )
        )
    return out


def _score_experts(
    wanted: set[str], theme: str, pool: Pool, weights: MatchWeights
) -> list[Candidate]:
    out = []
    for expert in pool.experts.itertuples():
        covers = not pd.isna(expert.themes) and theme in str(expert.themes).split(";")
        shared = tuple(sorted(wanted & pool.expert_words[int(expert.id)]))
        keyword_score = len(shared) / len(wanted) if wanted else 0.0
        score = (weights.theme * float(covers) + weights.keywords * keyword_score) / (
            weights.theme + weights.keywords
        )
        out.append(
            Candidate(
                kind="expert",
                candidate=str(expert.id),
                name=str(expert.name),
                score=score,
                theme_score=float(covers),
                maturity_score=math.nan,
                keyword_score=keyword_score,
                shared=shared,
                covers_theme=covers,
            )
        )
    return out


def _practice_words(measures: pd.DataFrame) -> dict[str, set[str]]:
    """Content words of each municipality's practices (title, description, lessons)."""
    words: dict[str, set[str]] = {}
    text_columns = [c for c in ("title", "description", "lessons_learned") if c in measures]
    for code, group in measures.groupby("municipality_code", sort=True):
        found: set[str] = set()
        for column in text_columns:
            for value in group[column].dropna().unique():
                found |= tokens(value)
        words[str(code)] = found
    return words


def _expert_words(experts: pd.DataFrame) -> dict[int, set[str]]:
    """Content words of each organisation's name and description."""
    return {
        int(row.id): tokens(f"{row.name} {'' if pd.isna(row.description) else row.description}")
        for row in experts.itertuples()
    }


def _ranked(candidates: list[Candidate], kind: str, limit: int) -> list[Candidate]:
    """The best ``limit`` of one kind with a score above 0; ties by code or id."""
    return sorted(
        (c for c in candidates if c.kind == kind and c.score > 0),
        key=lambda c: (-c.score, _sort_key(c.candidate)),
    )[:limit]


def _sort_key(candidate: str) -> tuple[int, str]:
    return (0, f"{int(candidate):012d}") if candidate.isdigit() else (1, candidate)


# ---------------------------------------------------------------- wording


def answerer_reasons(candidate: Candidate, theme: str, lang: str | None) -> str:
    """Why a candidate is suggested: measures and level (or the theme covered), shared words."""
    parts: list[str] = []
    if candidate.realised:
        parts.append(measures_phrase(candidate.realised, theme, lang))
    if candidate.best_level is not None and candidate.best_level[0] >= LEVEL_REASON:
        parts.append(level_phrase(*candidate.best_level, lang))
    if candidate.covers_theme:
        label = lower_first(i18n.label("theme", theme, lang))
        parts.append(i18n.t("peers.reason_expert_theme", lang, theme=label))
    if candidate.shared:
        parts.append(words_phrase(list(candidate.shared), lang))
    return join_reasons(parts)


# ---------------------------------------------------------------- the suggestions


def match_help_questions(
    questions: pd.DataFrame,
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    experts: pd.DataFrame,
    *,
    limit: int = 3,
    weights: MatchWeights | None = None,
    only_open: bool = True,
    themes: Sequence[str] = (),
    lang: str | None = None,
) -> pd.DataFrame:
    """Suggest, for each (open) help question, who can answer it and why (module doc).

    ``themes`` narrows the questions to those themes (all questions when empty).

    Returns
    -------
    DataFrame
        Up to ``limit`` municipalities and up to ``limit`` organisations per question:
        ``question_id``, ``asker_code``, ``theme``, ``question``, ``kind``
        ("municipality"/"expert"), ``candidate`` (municipality code or expert id),
        ``candidate_name``, ``rank`` (within question and kind), ``score``,
        ``theme_score``, ``maturity_score``, ``keyword_score``, ``shared_words`` and
        ``reasons``. Sorted by question id, kind, rank; ties broken by candidate.
    """
    asked = questions[questions["status"] == "open"] if only_open else questions
    if themes:
        asked = asked[asked["theme"].isin(list(themes))]
    asked = asked.sort_values("id", kind="stable")
    pool = answerer_pool(municipalities, measures, maturity, experts)
    rows: list[dict[str, object]] = []
    for q in asked.itertuples():
        theme = str(q.theme)
        candidates = score_candidates(q.question, theme, q.municipality_code, pool, weights)
        for kind in KINDS:
            for rank, candidate in enumerate(_ranked(candidates, kind, limit), start=1):
                rows.append(_row(q, candidate, rank, answerer_reasons(candidate, theme, lang)))
    return _match_frame(rows)


def _row(q: object, c: Candidate, rank: int, reasons: str) -> dict[str, object]:
    return {
        "question_id": int(q.id),  # type: ignore[attr-defined]
        "asker_code": str(q.municipality_code),  # type: ignore[attr-defined]
        "theme": str(q.theme),  # type: ignore[attr-defined]
        "question": str(q.question),  # type: ignore[attr-defined]
        "kind": c.kind,
        "candidate": c.candidate,
        "candidate_name": c.name,
        "rank": rank,
        "score": round(c.score, 6),
        "theme_score": round(c.theme_score, 6),
        "maturity_score": c.maturity_score
        if math.isnan(c.maturity_score)
        else round(c.maturity_score, 6),
        "keyword_score": round(c.keyword_score, 6),
        "shared_words": ", ".join(c.shared),
        "reasons": reasons,
    }


def _match_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    columns = list(COLUMNS)
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("question_id", "rank"):
        frame[column] = frame[column].astype("Int64")
    for column in ("score", "theme_score", "maturity_score", "keyword_score"):
        frame[column] = frame[column].astype("Float64")
    text = [c for c in columns if c not in ("question_id", "rank") and not c.endswith("score")]
    for column in text:
        frame[column] = frame[column].astype("string")
    kind_order = frame["kind"].map({kind: i for i, kind in enumerate(KINDS)})
    frame = frame.assign(_kind=kind_order).sort_values(
        ["question_id", "_kind", "rank"], kind="stable"
    )
    return frame.drop(columns="_kind").reset_index(drop=True)
