"""Find peers: who is like us and further ahead on what we want to do.

A newcomer asks "who is like us and further ahead on what we want to do, and whom do I
call?". :func:`recommend_peers` answers with a ranked list of partner municipalities
(:mod:`cop.peers.answerers` suggests who can answer a help question, by the same kind of
rule). The score is a plain weighted sum of components in [0, 1], so every score can be
explained in words and recomputed by hand; ties are broken by code, so the order never
depends on chance. Scoring (:func:`score_peers`, numbers only) and wording
(:func:`peer_reasons`) are separate steps.

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
>>> relevant_dimensions(["depaving"])
('spatial_integration', 'participation_cooperation')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.maturity.model import latest_levels
from cop.maturity.peergroups import size_class
from cop.peers.reasons import join_reasons, level_phrase, measures_phrase

__all__ = [
    "PEER_COMPONENTS",
    "THEME_DIMENSIONS",
    "PeerScores",
    "PeerWeights",
    "check_non_negative",
    "check_themes",
    "haversine_km",
    "peer_contacts",
    "peer_reasons",
    "peers_table",
    "ranked_peers",
    "realised_counts",
    "recommend_peers",
    "relevant_dimensions",
    "relevant_practices",
    "score_peers",
]

EARTH_RADIUS_KM = 6371.0088
MAX_LEVEL = 5
AHEAD_LEVEL = 4  # a peer's level worth naming as a reason ("advanced" or higher)
MAX_DIMENSION_REASONS = 2

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


def check_non_negative(weights: object) -> None:
    """Every field of a weights dataclass is a finite number >= 0 (else ``ValueError``)."""
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
        check_non_negative(self)
        if self.distance_km <= 0 or self.measures_half <= 0:
            raise ValueError("distance_km and measures_half must be > 0")
        if sum(getattr(self, name) for name in PEER_COMPONENTS) <= 0:
            raise ValueError("at least one component weight must be > 0")


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


def check_themes(themes: Iterable[str]) -> tuple[str, ...]:
    """The chosen theme codes without duplicates; an unknown one raises ``ValueError``."""
    chosen = tuple(dict.fromkeys(themes))
    unknown = [t for t in chosen if t not in THEME_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown theme(s): {', '.join(unknown)}")
    return chosen


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


# ---------------------------------------------------------------- scoring


@dataclass(frozen=True)
class PeerScores:
    """The numbers behind a recommendation; :func:`peer_reasons` puts them into words.

    ``table`` has one row per candidate peer (indexed by code), best first (score, then
    code): ``code``, ``name``, ``province``, ``population``, ``urbanity``, ``size_class``,
    ``distance_km``, ``realised_in_themes``, ``score`` and ``<component>_score`` for every
    component of :data:`PEER_COMPONENTS`. ``asker_levels`` holds the asker's level per
    relevant dimension, ``peer_levels`` the peers' levels on them (NaN: not assessed), and
    ``theme_counts`` the peers' realised measures per chosen theme (one column ``"all"``
    when no theme was chosen).
    """

    asker: pd.Series
    asker_class: int
    table: pd.DataFrame
    asker_levels: pd.Series
    peer_levels: pd.DataFrame
    theme_counts: pd.DataFrame


def score_peers(
    asker_code: str,
    themes: Iterable[str],
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    *,
    self_assessment: Mapping[str, int] | None = None,
    weights: PeerWeights | None = None,
) -> PeerScores | None:
    """Score every partner except the asker (see the module doc); ``None`` without any.

    Raises ``ValueError`` for an unknown municipality code, theme or dimension.
    """
    weights = weights or PeerWeights()
    chosen = check_themes(themes)
    towns = municipalities.set_index("code", drop=False).rename_axis(None)
    if asker_code not in towns.index:
        raise ValueError(f"unknown municipality code: {asker_code}")
    asker = towns.loc[asker_code]
    partner = towns["is_partner"].fillna(False).astype(bool)
    peers = towns[partner & (towns["code"] != asker_code)]
    if peers.empty:
        return None

    dims = relevant_dimensions(chosen)
    levels = latest_levels(maturity)
    own = _asker_levels(asker_code, dims, levels, self_assessment)
    peer_levels = levels.reindex(index=peers.index, columns=list(dims))
    ahead = (peer_levels - own).clip(lower=0).fillna(0) / np.maximum(1.0, MAX_LEVEL - own)
    counts = realised_counts(measures).reindex(index=peers.index, fill_value=0)
    theme_counts = counts[list(chosen)] if chosen else counts.sum(axis=1).to_frame("all")
    asker_class = int(size_class(float(asker["population"])))
    peer_class = size_class(peers["population"].astype(float).to_numpy())
    km = haversine_km(
        float(asker["lat"]),
        float(asker["lon"]),
        peers["lat"].astype(float).to_numpy(),
        peers["lon"].astype(float).to_numpy(),
    )
    half = weights.measures_half
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

    table = pd.DataFrame(
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
        table[f"{name}_score"] = components[name].round(6)
    table = table.sort_values(["score", "code"], ascending=[False, True], kind="stable")
    return PeerScores(asker, asker_class, table, own, peer_levels, theme_counts)


# ---------------------------------------------------------------- wording


def peer_reasons(scores: PeerScores, code: str, lang: str | None) -> str:
    """Why ``code`` is on the list, in the order similarity, ahead, measures, distance.

    Dimensions are named where the peer is at :data:`AHEAD_LEVEL` or higher and above the
    asker (at most :data:`MAX_DIMENSION_REASONS`, highest level first).
    """
    row = scores.table.loc[code]
    asker = scores.asker
    parts: list[str] = []
    same_size = int(row["size_class"]) == scores.asker_class
    same_urbanity = int(row["urbanity"]) == int(asker["urbanity"])
    if same_size and same_urbanity:
        parts.append(i18n.t("peers.reason_same_size_urbanity", lang))
    elif same_size:
        parts.append(i18n.t("peers.reason_same_size", lang))
    elif same_urbanity:
        parts.append(i18n.t("peers.reason_same_urbanity", lang))
    ahead = [
        (int(level), dimension)
        for dimension, level in scores.peer_levels.loc[code].items()
        if pd.notna(level) and level >= AHEAD_LEVEL and level > scores.asker_levels[dimension]
    ]
    order = {d: i for i, d in enumerate(vocab.DIMENSIONS)}
    ahead.sort(key=lambda item: (-item[0], order[item[1]]))
    parts += [level_phrase(level, dim, lang) for level, dim in ahead[:MAX_DIMENSION_REASONS]]
    counts = scores.theme_counts.loc[code]
    for theme, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0]))):
        if count > 0:
            parts.append(measures_phrase(int(count), None if theme == "all" else theme, lang))
    parts.append(
        i18n.t("peers.reason_km", lang, km=i18n.format_number(row["distance_km"], 0, lang))
    )
    if row["province"] == asker["province"]:
        parts.append(i18n.t("peers.reason_province", lang, province=row["province"]))
    return join_reasons(parts)


# ---------------------------------------------------------------- the recommendation


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
        One row per peer, best first: ``rank``, the columns of :attr:`PeerScores.table`
        (all scores in [0, 1]) and ``reasons`` in plain words. Ties in score are broken
        by code.
    """
    scores = score_peers(
        asker_code,
        themes,
        municipalities,
        measures,
        maturity,
        self_assessment=self_assessment,
        weights=weights,
    )
    if scores is None:
        return _empty_peer_frame()
    out = scores.table if limit is None else scores.table.head(limit)
    reasons = [peer_reasons(scores, code, lang) for code in out.index]
    out = out.assign(reasons=pd.array(reasons, dtype="string"))
    out.insert(0, "rank", pd.array(range(1, len(out) + 1), dtype="Int64"))
    return out.reset_index(drop=True)


def ranked_peers(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    *,
    asker: str,
    themes: Sequence[str],
    self_assessment: Mapping[str, int] | None = None,
    weights: Mapping[str, float] | None = None,
    limit: int | None = 10,
    lang: str | None = None,
) -> pd.DataFrame:
    """:func:`recommend_peers` with the tables first and JSON-friendly choices.

    The shape ``ui.compute`` caches per data version: the peer finder's page asks for the
    same ranking on every rerun, and each choice of asker, themes and weights is scored
    once.
    """
    return recommend_peers(
        asker,
        themes,
        municipalities,
        measures,
        maturity,
        self_assessment=self_assessment,
        weights=None if weights is None else PeerWeights(**weights),
        limit=limit,
        lang=lang,
    )


def peers_table(ranked: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    """The ranking as people read and download it: words as headers, whole percentages.

    Scores in [0, 1] become whole percentages (``0.390514`` -> 39), the distance whole
    kilometres; codes, size and urbanity classes and the other working columns of
    :func:`recommend_peers` stay out (the reasons say in words what they mean).
    """
    t = lambda key: i18n.t(key, lang)  # noqa: E731

    def percent(column: str) -> pd.Series:
        values = pd.to_numeric(ranked[column], errors="coerce").astype(float) * 100.0
        return pd.array(values.round(0), dtype="Float64").astype("Int64")

    table = {
        t("content.col_rank"): pd.array(ranked["rank"], dtype="Int64"),
        t("peers.col_name"): ranked["name"].astype("string"),
        t("peers.col_province"): ranked["province"].astype("string"),
        t("col.distance_km"): pd.array(
            pd.to_numeric(ranked["distance_km"], errors="coerce").astype(float).round(0),
            dtype="Float64",
        ).astype("Int64"),
        t("content.col_score"): percent("score"),
        **{
            i18n.t("content.col_component", lang, name=t(f"peers.w_{name}")): percent(
                f"{name}_score"
            )
            for name in PEER_COMPONENTS
        },
        t("peers.col_reasons"): ranked["reasons"].astype("string"),
    }
    return pd.DataFrame(table)


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


# ---------------------------------------------------------------- what the peers did


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
    chosen = check_themes(themes)
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
    chosen = set(check_themes(themes))
    rank = {code: i for i, code in enumerate(peer_codes)}
    rows = visible_contacts[visible_contacts["municipality_code"].isin(list(peer_codes))]
    on_theme = rows["themes"].fillna("").map(lambda v: bool(chosen & set(str(v).split(";"))))
    rows = rows.assign(_rank=rows["municipality_code"].map(rank), _off=(~on_theme).astype(int))
    rows = rows.sort_values(["_rank", "_off", "id"], kind="stable")
    via = i18n.t("peers.via_coordinator", lang)
    reach = rows["email"].astype("string").fillna(rows["phone"].astype("string")).fillna(via)
    out = rows.drop(columns=["_rank", "_off"]).assign(how_to_reach=reach.astype("string"))
    return out.reset_index(drop=True)
