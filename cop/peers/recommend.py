"""Find peers: who is like us and further ahead, and who can answer a help question.

A newcomer asks "who is like us and further ahead on what we want to do, and whom do I
call?". :func:`recommend_peers` answers with a ranked list of partner municipalities and
:func:`match_help_questions` suggests who can answer each open help question. Both are
plain weighted sums of components in [0, 1], so every score can be explained in words
and recomputed by hand; ties are broken by code, so the order never depends on chance.

Score of a peer (weights in :class:`PeerWeights`, shown and adjustable in the app)::

    score = sum(weight_i * component_i) / sum(weight_i)

Similarity components
    ``size``      1 same CBS size class, 0.5 one class apart, 0 further apart
    ``urbanity``  1 - |difference in CBS urbanity| / 4
    ``distance``  d0 / (d0 + km), great-circle distance between label points; 0.5 at d0
    ``province``  1 in the same province, else 0
Being-ahead components (on the chosen themes; all themes when none is chosen)
    ``maturity``  mean over the dimensions relevant to the themes (:data:`THEME_DIMENSIONS`)
                  of how far the peer is ahead of the asker, as a share of the road the
                  asker still has to go: max(0, peer - asker) / max(1, 5 - asker). The
                  asker's level is its self-assessment, else its latest assessment in the
                  data, else 1 (a newcomer).
    ``measures``  mean over the themes of n / (n + n0), n = realised measures in the theme

Examples
--------
>>> size_class(35_000)
2
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.core.textmatch import tokens
from cop.maturity.model import latest_levels
from cop.maturity.peergroups import size_class

__all__ = [
    "THEME_DIMENSIONS",
    "MatchWeights",
    "PeerWeights",
    "match_help_questions",
    "peer_contacts",
    "recommend_peers",
    "relevant_dimensions",
    "relevant_practices",
]

EARTH_RADIUS_KM = 6371.0088
MAX_LEVEL = 5

# Which maturity dimensions say something about a theme. Data, not logic: a reviewer can
# read and change it. Every theme has one to three dimensions; "monitoring and
# evaluation" belongs to the themes whose results are counted (mowing, verges, fauna).
THEME_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "ecological_mowing": ("management_maintenance", "monitoring_evaluation"),
    "depaving": ("participation_cooperation", "spatial_integration"),
    "green_roofs_walls": ("spatial_integration", "budget_finance"),
    "flower_verges": ("management_maintenance", "monitoring_evaluation"),
    "nature_friendly_banks": ("management_maintenance", "spatial_integration"),
    "trees_tiny_forests": ("management_maintenance", "participation_cooperation"),
    "fauna_provisions": ("knowledge_data", "monitoring_evaluation", "spatial_integration"),
    "nature_inclusive_building": ("spatial_integration", "vision_policy"),
    "dark_sky_lighting": ("management_maintenance", "knowledge_data"),
    "invasive_species": ("management_maintenance", "knowledge_data"),
    "citizen_participation": ("participation_cooperation", "organisation_capacity"),
    "policy_vision": ("vision_policy", "budget_finance", "organisation_capacity"),
    "ecological_corridors": ("spatial_integration", "vision_policy"),
    "climate_adaptation": ("spatial_integration", "budget_finance"),
}

PEER_COMPONENTS: tuple[str, ...] = (
    "size",
    "urbanity",
    "distance",
    "province",
    "maturity",
    "measures",
)
REASON_SEPARATOR = "; "
MAX_DIMENSION_REASONS = 2


def _check_non_negative(weights: object) -> None:
    for f in fields(weights):  # type: ignore[arg-type]
        value = getattr(weights, f.name)
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{f.name} must be a finite number >= 0, not {value!r}")


@dataclass(frozen=True)
class PeerWeights:
    """Weights of the six score components and the two shape parameters.

    Defaults: being ahead (maturity, realised measures) counts twice as much as each
    similarity component, because a newcomer learns most from someone a few steps
    further; province counts half, because distance already says most of it.
    """

    size: float = 1.0
    urbanity: float = 1.0
    distance: float = 1.0
    province: float = 0.5
    maturity: float = 2.0
    measures: float = 2.0
    distance_km: float = 50.0  # distance at which the distance component is 0.5
    measures_half: float = 3.0  # realised measures in a theme giving a component of 0.5

    def __post_init__(self) -> None:
        _check_non_negative(self)
        if self.distance_km <= 0 or self.measures_half <= 0:
            raise ValueError("distance_km and measures_half must be > 0")
        if sum(getattr(self, name) for name in PEER_COMPONENTS) <= 0:
            raise ValueError("at least one component weight must be > 0")


@dataclass(frozen=True)
class MatchWeights:
    """Weights for matching a help question to a municipality or expert organisation."""

    theme: float = 2.0
    maturity: float = 1.0
    keywords: float = 2.0
    measures_half: float = 3.0

    def __post_init__(self) -> None:
        _check_non_negative(self)
        if self.measures_half <= 0 or self.theme + self.keywords <= 0:
            raise ValueError("measures_half and theme + keywords must be > 0")


# ---------------------------------------------------------------- building blocks


def haversine_km(lat1: float, lon1: float, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km from one point to many (accurate to ~0.5% here)."""
    p1, p2 = math.radians(lat1), np.radians(np.asarray(lat2, dtype=float))
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2, dtype=float)) - math.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def relevant_dimensions(themes: Iterable[str]) -> tuple[str, ...]:
    """Dimensions relevant to ``themes`` in :data:`vocab.DIMENSIONS` order; all when none."""
    wanted = {d for theme in themes for d in THEME_DIMENSIONS[theme]}
    return tuple(d for d in vocab.DIMENSIONS if d in wanted) if wanted else vocab.DIMENSIONS


def realised_counts(measures: pd.DataFrame) -> pd.DataFrame:
    """Realised measures per municipality (rows) and theme (columns), zeros filled."""
    realised = measures[measures["status"] == "realised"]
    counts = realised.groupby(["municipality_code", "theme"]).size().unstack(fill_value=0)
    return counts.reindex(columns=list(vocab.THEMES), fill_value=0).astype(int)


def _check_themes(themes: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(themes))
    unknown = [t for t in chosen if t not in THEME_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown theme(s): {', '.join(unknown)}")
    return chosen


def _lower_first(text: str) -> str:
    """Lower-case a label's first letter for use mid-sentence, keeping acronyms."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _measures_phrase(count: int, theme: str | None, lang: str | None) -> str:
    if theme is None:
        key = "peers.reason_measures_one_any" if count == 1 else "peers.reason_measures_any"
        return i18n.t(key, lang, count=count)
    label = _lower_first(i18n.label("theme", theme, lang))
    key = "peers.reason_measures_one" if count == 1 else "peers.reason_measures"
    return i18n.t(key, lang, count=count, theme=label)


def _level_phrase(level: int, dimension: str, lang: str | None) -> str:
    return i18n.t(
        "peers.reason_level",
        lang,
        level=_lower_first(i18n.label("level", level, lang)),
        dimension=_lower_first(i18n.label("dimension", dimension, lang)),
    )


def _asker_levels(
    asker_code: str,
    dims: tuple[str, ...],
    levels: pd.DataFrame,
    self_assessment: Mapping[str, int] | None,
) -> pd.Series:
    """The asker's level per relevant dimension: self-assessment > data > 1 (newcomer)."""
    own = pd.Series(1.0, index=list(dims))
    if asker_code in levels.index:
        known = levels.loc[asker_code, list(dims)]
        own = own.where(known.isna(), known)
    if self_assessment:
        for dimension, level in self_assessment.items():
            if dimension not in vocab.DIMENSIONS:
                raise ValueError(f"unknown dimension in self-assessment: {dimension}")
            if not 1 <= int(level) <= MAX_LEVEL:
                raise ValueError(f"level of {dimension} must be 1..5, not {level}")
            if dimension in own.index:
                own[dimension] = float(level)
    return own.astype(float)


# ---------------------------------------------------------------- peer recommendation


def recommend_peers(
    asker_code: str,
    themes: Iterable[str],
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    *,
    self_assessment: Mapping[str, int] | None = None,
    weights: PeerWeights | None = None,
    limit: int | None = 10,
    lang: str | None = None,
) -> pd.DataFrame:
    """Partner municipalities ranked by how well they fit ``asker_code`` on ``themes``.

    Parameters
    ----------
    asker_code
        The asking municipality; any of the municipalities table, partner or not. It is
        never recommended itself.
    themes
        Theme codes the asker cares about; an empty selection means all themes.
    municipalities, measures, maturity
        The tables as stored.
    self_assessment
        Optional ``{dimension: level}`` of the asker; overrides its stored levels.
    weights
        :class:`PeerWeights`; defaults when ``None``.
    limit
        Number of peers returned (``None`` for all).
    lang
        Language of the ``reasons`` column.

    Returns
    -------
    DataFrame
        One row per peer, best first: ``rank``, ``code``, ``name``, ``province``,
        ``population``, ``urbanity``, ``size_class``, ``distance_km``,
        ``realised_in_themes``, ``score`` and ``<component>_score`` for every component
        (all in [0, 1]), and ``reasons`` in plain words. Ties in score are broken by code.
    """
    weights = weights or PeerWeights()
    chosen = _check_themes(themes)
    towns = municipalities.set_index("code", drop=False).rename_axis(None)
    if asker_code not in towns.index:
        raise ValueError(f"unknown municipality code: {asker_code}")
    asker = towns.loc[asker_code]
    partner = towns["is_partner"].fillna(False).astype(bool)
    peers = towns[partner & (towns["code"] != asker_code)].copy()
    if peers.empty:
        return _empty_peer_frame()

    dims = relevant_dimensions(chosen)
    levels = latest_levels(maturity)
    own = _asker_levels(asker_code, dims, levels, self_assessment)
    peer_levels = levels.reindex(index=peers.index, columns=list(dims))
    room = np.maximum(1.0, MAX_LEVEL - own)
    ahead = (peer_levels - own).clip(lower=0).fillna(0) / room
    counts = realised_counts(measures).reindex(index=peers.index, fill_value=0)
    theme_counts = counts[list(chosen)] if chosen else counts.sum(axis=1).to_frame("all")
    half = weights.measures_half

    asker_class = size_class(float(asker["population"]))
    peer_class = size_class(peers["population"].astype(float).to_numpy())
    km = haversine_km(
        float(asker["lat"]),
        float(asker["lon"]),
        peers["lat"].astype(float).to_numpy(),
        peers["lon"].astype(float).to_numpy(),
    )
    components = pd.DataFrame(
        {
            "size": np.clip(1 - np.abs(peer_class - asker_class) / 2, 0, 1),
            "urbanity": 1 - (peers["urbanity"].astype(float) - float(asker["urbanity"])).abs() / 4,
            "distance": weights.distance_km / (weights.distance_km + km),
            "province": (peers["province"] == asker["province"]).astype(float),
            "maturity": ahead.mean(axis=1),
            "measures": (theme_counts / (theme_counts + half)).mean(axis=1),
        },
        index=peers.index,
    ).astype(float)
    weight = pd.Series({name: getattr(weights, name) for name in PEER_COMPONENTS})
    score = (components[list(PEER_COMPONENTS)] * weight).sum(axis=1) / weight.sum()

    out = pd.DataFrame(
        {
            "code": peers["code"].astype("string"),
            "name": peers["name"].astype("string"),
            "province": peers["province"].astype("string"),
            "population": peers["population"],
            "urbanity": peers["urbanity"],
            "size_class": pd.array(peer_class, dtype="Int64"),
            "distance_km": np.round(km, 1),
            "realised_in_themes": theme_counts.sum(axis=1).astype("Int64"),
            "score": score.round(6),
        },
        index=peers.index,
    )
    for name in PEER_COMPONENTS:
        out[f"{name}_score"] = components[name].round(6)
    out = out.sort_values(["score", "code"], ascending=[False, True], kind="stable")
    if limit is not None:
        out = out.head(limit)
    out["reasons"] = pd.array(
        [
            _peer_reasons(
                code,
                asker,
                asker_class,
                out.loc[code],
                peer_levels.loc[code],
                own,
                theme_counts.loc[code],
                lang,
            )
            for code in out.index
        ],
        dtype="string",
    )
    out.insert(0, "rank", pd.array(range(1, len(out) + 1), dtype="Int64"))
    return out.reset_index(drop=True)


def _empty_peer_frame() -> pd.DataFrame:
    columns = [
        "rank",
        "code",
        "name",
        "province",
        "population",
        "urbanity",
        "size_class",
        "distance_km",
        "realised_in_themes",
        "score",
        *(f"{name}_score" for name in PEER_COMPONENTS),
        "reasons",
    ]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _peer_reasons(
    code: str,
    asker: pd.Series,
    asker_class: int,
    row: pd.Series,
    peer_levels: pd.Series,
    own: pd.Series,
    theme_counts: pd.Series,
    lang: str | None,
) -> str:
    """The reasons a peer is on the list, in the order similarity, ahead, distance."""
    parts: list[str] = []
    same_size = int(row["size_class"]) == asker_class
    same_urbanity = int(row["urbanity"]) == int(asker["urbanity"])
    if same_size and same_urbanity:
        parts.append(i18n.t("peers.reason_same_size_urbanity", lang))
    elif same_size:
        parts.append(i18n.t("peers.reason_same_size", lang))
    elif same_urbanity:
        parts.append(i18n.t("peers.reason_same_urbanity", lang))
    ahead = [
        (int(level), dimension)
        for dimension, level in peer_levels.items()
        if pd.notna(level) and level >= 4 and level > own[dimension]
    ]
    order = {d: i for i, d in enumerate(vocab.DIMENSIONS)}
    ahead.sort(key=lambda item: (-item[0], order[item[1]]))
    parts += [_level_phrase(level, dim, lang) for level, dim in ahead[:MAX_DIMENSION_REASONS]]
    for theme, count in sorted(theme_counts.items(), key=lambda item: (-item[1], str(item[0]))):
        if count > 0:
            parts.append(_measures_phrase(int(count), None if theme == "all" else theme, lang))
    parts.append(
        i18n.t("peers.reason_km", lang, km=i18n.format_number(row["distance_km"], 0, lang))
    )
    if row["province"] == asker["province"]:
        parts.append(i18n.t("peers.reason_province", lang, province=row["province"]))
    return REASON_SEPARATOR.join(parts)


def relevant_practices(
    measures: pd.DataFrame,
    peer_codes: Sequence[str],
    themes: Iterable[str],
    *,
    per_peer: int = 3,
) -> pd.DataFrame:
    """What the peers did in the chosen themes: realised first, then in progress.

    Peers keep the order of ``peer_codes`` (their rank); within a peer the newest
    update comes first. Ideas, plans and stopped measures are left out.
    """
    chosen = _check_themes(themes)
    rank = {code: i for i, code in enumerate(peer_codes)}
    rows = measures[
        measures["municipality_code"].isin(list(peer_codes))
        & measures["status"].isin(["realised", "in_progress"])
    ]
    if chosen:
        rows = rows[rows["theme"].isin(list(chosen))]
    rows = rows.assign(
        _rank=rows["municipality_code"].map(rank),
        _status=(rows["status"] != "realised").astype(int),
    )
    rows = rows.sort_values(
        ["_rank", "_status", "updated_at", "id"],
        ascending=[True, True, False, True],
        kind="stable",
    )
    rows = rows.groupby("municipality_code", sort=False).head(per_peer)
    return rows.drop(columns=["_rank", "_status"]).reset_index(drop=True)


def peer_contacts(
    visible_contacts: pd.DataFrame,
    peer_codes: Sequence[str],
    themes: Iterable[str],
    lang: str | None = None,
) -> pd.DataFrame:
    """Contacts of the peers as the person may see them, with how to reach each.

    ``visible_contacts`` must come from :func:`cop.access.visibility.visible_frame`: this function
    never decides who may see what. Where the name, e-mail and phone are hidden,
    ``how_to_reach`` says to go through the CoP coordinator. Contacts working on one of
    the chosen themes come first.
    """
    chosen = set(_check_themes(themes))
    rank = {code: i for i, code in enumerate(peer_codes)}
    rows = visible_contacts[visible_contacts["municipality_code"].isin(list(peer_codes))]
    on_theme = rows["themes"].fillna("").map(lambda v: bool(chosen & set(str(v).split(";"))))
    rows = rows.assign(_rank=rows["municipality_code"].map(rank), _off=(~on_theme).astype(int))
    rows = rows.sort_values(["_rank", "_off", "id"], kind="stable")
    via = i18n.t("peers.via_coordinator", lang)
    reach = rows["email"].astype("string").fillna(rows["phone"].astype("string")).fillna(via)
    out = rows.drop(columns=["_rank", "_off"]).assign(how_to_reach=reach.astype("string"))
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- help questions


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
    lang: str | None = None,
) -> pd.DataFrame:
    """Suggest, for each (open) help question, who can answer it and why.

    Candidates are partner municipalities other than the asker, and expert
    organisations. A municipality scores on realised measures in the question's theme
    (n / (n + n0)), its maturity on the theme's dimensions ((level - 1) / 4) and the
    share of the question's content words found in its practices' titles, descriptions
    and lessons learned. An organisation scores on covering the theme (0 or 1) and the
    words shared with its name and description; it has no maturity, so its score is the
    weighted mean of those two. Candidates with a score of 0 are left out.

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
    weights = weights or MatchWeights()
    asked = questions
    if only_open:
        asked = asked[asked["status"] == "open"]
    asked = asked.sort_values("id", kind="stable")
    towns = municipalities[municipalities["is_partner"].fillna(False).astype(bool)]
    towns = towns.sort_values("code", kind="stable")
    counts = realised_counts(measures).reindex(index=towns["code"], fill_value=0)
    town_counts = counts.to_dict("index")
    town_levels = latest_levels(maturity).reindex(index=towns["code"]).to_dict("index")
    town_words = _practice_words(measures)
    expert_rows = experts.sort_values("id", kind="stable")
    expert_words = {
        int(row.id): tokens(f"{row.name} {'' if pd.isna(row.description) else row.description}")
        for row in expert_rows.itertuples()
    }
    rows: list[dict[str, object]] = []
    for q in asked.itertuples():
        wanted = tokens(q.question)
        theme = str(q.theme)
        dims = list(THEME_DIMENSIONS.get(theme, ()))
        candidates: list[dict[str, object]] = []
        for town in towns.itertuples():
            if town.code == q.municipality_code:
                continue
            n = int(town_counts[town.code].get(theme, 0))
            theme_score = n / (n + weights.measures_half)
            known = [
                (town_levels[town.code][d], d) for d in dims if pd.notna(town_levels[town.code][d])
            ]
            maturity_score = sum(level - 1 for level, _ in known) / 4 / len(dims) if dims else 0.0
            shared = sorted(wanted & town_words.get(town.code, set()))
            keyword_score = len(shared) / len(wanted) if wanted else 0.0
            total = weights.theme + weights.maturity + weights.keywords
            score = (
                weights.theme * theme_score
                + weights.maturity * maturity_score
                + weights.keywords * keyword_score
            ) / total
            reasons = []
            if n:
                reasons.append(_measures_phrase(n, theme, lang))
            best = max(known, key=lambda item: item[0], default=None)  # first dim on ties
            if best is not None and best[0] >= 4:
                reasons.append(_level_phrase(int(best[0]), best[1], lang))
            candidates.append(
                _candidate(
                    q,
                    "municipality",
                    town.code,
                    town.name,
                    score,
                    theme_score,
                    maturity_score,
                    keyword_score,
                    shared,
                    reasons,
                    lang,
                )
            )
        for expert in expert_rows.itertuples():
            covers = not pd.isna(expert.themes) and theme in str(expert.themes).split(";")
            shared = sorted(wanted & expert_words[int(expert.id)])
            keyword_score = len(shared) / len(wanted) if wanted else 0.0
            score = (weights.theme * float(covers) + weights.keywords * keyword_score) / (
                weights.theme + weights.keywords
            )
            reasons = []
            if covers:
                label = _lower_first(i18n.label("theme", theme, lang))
                reasons.append(i18n.t("peers.reason_expert_theme", lang, theme=label))
            candidates.append(
                _candidate(
                    q,
                    "expert",
                    str(expert.id),
                    expert.name,
                    score,
                    float(covers),
                    math.nan,
                    keyword_score,
                    shared,
                    reasons,
                    lang,
                )
            )
        for kind in ("municipality", "expert"):
            ranked = sorted(
                (c for c in candidates if c["kind"] == kind and c["score"] > 0),
                key=lambda c: (-c["score"], _sort_key(c["candidate"])),
            )[:limit]
            for position, candidate in enumerate(ranked, start=1):
                rows.append({**candidate, "rank": position})
    return _match_frame(rows)


def _sort_key(candidate: object) -> tuple[int, str]:
    text = str(candidate)
    return (0, f"{int(text):012d}") if text.isdigit() else (1, text)


def _candidate(
    q: object,
    kind: str,
    candidate: str,
    name: str,
    score: float,
    theme_score: float,
    maturity_score: float,
    keyword_score: float,
    shared: list[str],
    reasons: list[str],
    lang: str | None,
) -> dict[str, object]:
    if shared:
        reasons = [*reasons, i18n.t("peers.reason_words", lang, words=", ".join(shared))]
    return {
        "question_id": int(q.id),  # type: ignore[attr-defined]
        "asker_code": str(q.municipality_code),  # type: ignore[attr-defined]
        "theme": str(q.theme),  # type: ignore[attr-defined]
        "question": str(q.question),  # type: ignore[attr-defined]
        "kind": kind,
        "candidate": candidate,
        "candidate_name": str(name),
        "score": round(score, 6),
        "theme_score": round(theme_score, 6),
        "maturity_score": maturity_score
        if math.isnan(maturity_score)
        else round(maturity_score, 6),
        "keyword_score": round(keyword_score, 6),
        "shared_words": ", ".join(shared),
        "reasons": REASON_SEPARATOR.join(reasons),
    }


def _match_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    columns = [
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
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("question_id", "rank"):
        frame[column] = frame[column].astype("Int64")
    for column in ("score", "theme_score", "maturity_score", "keyword_score"):
        frame[column] = frame[column].astype("Float64")
    text = [c for c in columns if c not in ("question_id", "rank") and not c.endswith("score")]
    for column in text:
        frame[column] = frame[column].astype("string")
    kind_order = frame["kind"].map({"municipality": 0, "expert": 1})
    frame = frame.assign(_kind=kind_order).sort_values(
        ["question_id", "_kind", "rank"], kind="stable"
    )
    return frame.drop(columns="_kind").reset_index(drop=True)


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
