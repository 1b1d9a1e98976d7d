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
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.core.textmatch import tokens
from cop.maturity.display import lower_first
from cop.maturity.model import latest_levels
from cop.peers.reasons import join_reasons, level_phrase, measures_phrase, words_phrase
from cop.peers.recommend import THEME_DIMENSIONS, check_non_negative, realised_counts

__all__ = [
    "KINDS",
    "QUESTIONS_SHOWN",
    "Candidate",
    "MatchWeights",
    "Pool",
    "answerer_pool",
    "answerer_reasons",
    "match_help_questions",
    "newest_questions",
    "questions_on",
    "score_candidates",
]

KINDS: tuple[str, ...] = ("municipality", "expert")
#: Open questions a page shows one by one; with more (nationally ~300) it shows the newest
#: and offers the rest as a download, since hundreds of panels help nobody and do not fit
#: a page rerun's time budget.
QUESTIONS_SHOWN = 12
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
    """Everyone who may answer, and what their scores are computed from (built once).

    Besides the frames, the pool holds the same numbers as arrays in ``towns`` order
    (``codes``, ``realised_by_theme``, ``level_array``, ``word_towns``), so one question is
    scored against every municipality with a few vector operations instead of a pandas
    lookup per municipality: nationally 342 municipalities for each of ~340 questions.
    """

    towns: pd.DataFrame  # partner municipalities, sorted by code
    realised: pd.DataFrame  # realised measures per partner code (rows) and theme (columns)
    levels: pd.DataFrame  # latest level per partner code and dimension
    town_words: dict[str, set[str]]  # content words of each municipality's practices
    experts: pd.DataFrame  # expert organisations, sorted by id
    expert_words: dict[int, set[str]]  # content words of each organisation's name and text
    codes: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    names: tuple[str, ...] = ()
    realised_by_theme: dict[str, np.ndarray] = field(default_factory=dict)
    level_array: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    word_towns: dict[str, np.ndarray] = field(default_factory=dict)  # word -> town indices


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
    realised = realised_counts(measures).reindex(index=towns["code"], fill_value=0)
    levels = latest_levels(maturity).reindex(index=towns["code"])
    town_words = _practice_words(measures)
    codes = towns["code"].astype(str).to_numpy(dtype=object)
    index: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        for word in town_words.get(code, ()):
            index.setdefault(word, []).append(i)
    return Pool(
        towns=towns,
        realised=realised,
        levels=levels,
        town_words=town_words,
        experts=expert_rows,
        expert_words=_expert_words(expert_rows),
        codes=codes,
        names=tuple(str(name) for name in towns["name"]),
        realised_by_theme={
            str(theme): realised[theme].to_numpy(dtype=int) for theme in realised.columns
        },
        level_array=levels.reindex(columns=list(vocab.DIMENSIONS)).to_numpy(dtype=float),
        word_towns={word: np.array(where, dtype=int) for word, where in index.items()},
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
    scores = _town_scores(wanted, theme, asker_code, pool, weights)
    towns = [_town_candidate(i, wanted, theme, pool, scores) for i in np.flatnonzero(scores.keep)]
    return [*towns, *_score_experts(wanted, theme, pool, weights)]


@dataclass(frozen=True)
class _TownScores:
    """One question's components for every municipality of the pool (arrays in pool order)."""

    keep: np.ndarray  # bool: every municipality but the asker
    realised: np.ndarray
    theme: np.ndarray
    maturity: np.ndarray
    keywords: np.ndarray
    score: np.ndarray
    dims: list[str]


def _town_scores(
    wanted: set[str], theme: str, asker_code: str, pool: Pool, weights: MatchWeights
) -> _TownScores:
    dims = list(THEME_DIMENSIONS.get(theme, ()))
    total = weights.theme + weights.maturity + weights.keywords
    count = len(pool.codes)
    realised = pool.realised_by_theme.get(theme, np.zeros(count, dtype=int))
    theme_score = realised / (realised + weights.measures_half)
    if dims:
        columns = [vocab.DIMENSIONS.index(d) for d in dims]
        known = pool.level_array[:, columns] if count else np.zeros((0, len(dims)))
        maturity_score = np.nansum(known - 1, axis=1) / 4 / len(dims)
    else:
        maturity_score = np.zeros(count)
    hits = np.zeros(count, dtype=int)
    for word in wanted:
        where = pool.word_towns.get(word)
        if where is not None:
            hits[where] += 1
    keyword_score = hits / len(wanted) if wanted else np.zeros(count)
    score = (
        weights.theme * theme_score
        + weights.maturity * maturity_score
        + weights.keywords * keyword_score
    ) / total
    return _TownScores(
        keep=pool.codes != asker_code,
        realised=realised,
        theme=theme_score,
        maturity=maturity_score,
        keywords=keyword_score,
        score=score,
        dims=dims,
    )


def _town_candidate(
    i: int, wanted: set[str], theme: str, pool: Pool, scores: _TownScores
) -> Candidate:
    """The :class:`Candidate` of the ``i``-th municipality of the pool."""
    code = str(pool.codes[i])
    known = [
        (pool.level_array[i, vocab.DIMENSIONS.index(d)], d)
        for d in scores.dims
        if not np.isnan(pool.level_array[i, vocab.DIMENSIONS.index(d)])
    ]
    best = max(known, key=lambda item: item[0], default=None)  # first dim on ties
    return Candidate(
        kind="municipality",
        candidate=code,
        name=pool.names[i],
        score=float(scores.score[i]),
        theme_score=float(scores.theme[i]),
        maturity_score=float(scores.maturity[i]),
        keyword_score=float(scores.keywords[i]),
        shared=tuple(sorted(wanted & pool.town_words.get(code, set()))),
        realised=int(scores.realised[i]),
        best_level=None if best is None else (int(best[0]), best[1]),
    )


def _best_towns(
    wanted: set[str], theme: str, asker_code: str, pool: Pool, weights: MatchWeights, limit: int
) -> list[Candidate]:
    """The ``limit`` best municipalities with a score above 0 (as :func:`_ranked` orders them)."""
    scores = _town_scores(wanted, theme, asker_code, pool, weights)
    eligible = np.flatnonzero(scores.keep & (scores.score > 0))
    # pool order is code order, so a stable sort on the score breaks ties by code
    order = eligible[np.argsort(-scores.score[eligible], kind="stable")][:limit]
    return [_town_candidate(i, wanted, theme, pool, scores) for i in order]


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
    """Content words of each municipality's practices (title, description, lessons).

    Each distinct text is split into words once, however many measures share it.
    """
    text_columns = [c for c in ("title", "description", "lessons_learned") if c in measures]
    long = measures.melt(
        id_vars="municipality_code", value_vars=text_columns, value_name="text"
    ).dropna(subset=["municipality_code", "text"])
    long = long.drop_duplicates(subset=["municipality_code", "text"])
    by_text = {text: tokens(text) for text in pd.unique(long["text"])}
    words: dict[str, set[str]] = {
        str(code): set() for code in sorted(measures["municipality_code"].dropna().unique())
    }
    for code, text in zip(long["municipality_code"], long["text"], strict=True):
        words[str(code)] |= by_text[text]
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
    weights = weights or MatchWeights()
    rows: list[dict[str, object]] = []
    for q in asked.itertuples():
        theme = str(q.theme)
        wanted = tokens(q.question)
        best = {
            "municipality": _best_towns(
                wanted, theme, str(q.municipality_code), pool, weights, limit
            ),
            "expert": _ranked(_score_experts(wanted, theme, pool, weights), "expert", limit),
        }
        for kind in KINDS:
            for rank, candidate in enumerate(best[kind], start=1):
                rows.append(_row(q, candidate, rank, answerer_reasons(candidate, theme, lang)))
    return _match_frame(rows)


def newest_questions(matches: pd.DataFrame, n: int = QUESTIONS_SHOWN) -> tuple[pd.DataFrame, int]:
    """The rows of the ``n`` newest questions (highest ids) in question order, and how many
    questions were left out."""
    ids = matches["question_id"].drop_duplicates().sort_values()
    kept = ids.tail(n)
    return matches[matches["question_id"].isin(kept)], len(ids) - len(kept)


def questions_on(matches: pd.DataFrame, themes: Sequence[str]) -> pd.DataFrame:
    """The rows of :func:`match_help_questions` on ``themes`` (all rows when none is chosen).

    The same as passing ``themes`` to :func:`match_help_questions` (each question is scored
    on its own), so a page can compute the matches of every question once per data
    version and narrow them per click.
    """
    if not themes:
        return matches
    return matches[matches["theme"].isin(list(themes))].reset_index(drop=True)


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
