"""A municipality's profile: key facts, maturity against the CoP, its measures and questions.

Pure pandas and plotly; the page (``pages/profile.py``) only draws what these return.

"Similar municipalities" are the partners in the same CBS size class (by population:
< 20k, 20–50k, 50–100k, 100–250k, ≥ 250k, :func:`cop.maturity.peergroups.size_class`) *and* the same CBS
urbanity class: the two things municipality staff compare themselves by. The radar shows
the median level per dimension of the whole CoP and of these similar municipalities, each
from their latest assessment; a median is used because levels are ordinal.

"Peers to talk to" come from :func:`cop.peers.recommend.recommend_peers` (issue 6): a weighted,
explained similarity whose reasons are written out in words.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from cop.core import i18n, vocab
from cop.core.charts import chart_text, separators
from cop.maturity.model import latest_levels
from cop.maturity.peergroups import size_class
from cop.peers.recommend import recommend_peers

__all__ = [
    "KeyFacts",
    "key_facts",
    "maturity_comparison",
    "maturity_radar",
    "municipality_measures",
    "open_questions",
    "peers_to_talk_to",
    "similar_codes",
    "text_or_none",
]

MEASURE_COLUMNS = ["title", "theme", "status", "start_year", "scale_value", "scale_unit", "id"]


@dataclass(frozen=True)
class KeyFacts:
    """What the profile's header says about a municipality."""

    code: str
    name: str
    province: str
    population: int | None
    area_km2: float | None
    urbanity: int | None
    size_class: int | None
    is_partner: bool
    joined_year: int | None
    lat: float | None
    lon: float | None


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def _float_or_none(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def key_facts(municipalities: pd.DataFrame, code: str) -> KeyFacts:
    """Facts of ``code`` from the municipalities table.

    Raises
    ------
    KeyError
        When ``code`` is not in the table (validate the query parameter first).
    """
    rows = municipalities[municipalities["code"] == code]
    if rows.empty:
        raise KeyError(code)
    row = rows.iloc[0]
    population = _int_or_none(row["population"])
    return KeyFacts(
        code=code,
        name=str(row["name"]),
        province=str(row["province"]),
        population=population,
        area_km2=_float_or_none(row.get("area_km2")),
        urbanity=_int_or_none(row["urbanity"]),
        size_class=size_class(population) if population is not None else None,  # type: ignore[arg-type]
        is_partner=bool(row["is_partner"]) if pd.notna(row["is_partner"]) else False,
        joined_year=_int_or_none(row["joined_year"]),
        lat=_float_or_none(row["lat"]),
        lon=_float_or_none(row["lon"]),
    )


def similar_codes(municipalities: pd.DataFrame, code: str) -> list[str]:
    """Partners (other than ``code``) in the same size class and urbanity class, sorted."""
    facts = key_facts(municipalities, code)
    partners = municipalities[municipalities["is_partner"].fillna(False).astype(bool)]
    partners = partners[partners["code"] != code]
    if facts.size_class is None or facts.urbanity is None or partners.empty:
        return []
    classes = size_class(partners["population"].astype(float).to_numpy())
    same = (classes == facts.size_class) & (partners["urbanity"] == facts.urbanity).to_numpy()
    return sorted(partners.loc[same, "code"].astype(str))


def maturity_comparison(
    maturity: pd.DataFrame, municipalities: pd.DataFrame, code: str
) -> pd.DataFrame:
    """Own level, CoP median and similar-municipality median per dimension.

    Returns
    -------
    DataFrame
        One row per dimension (vocabulary order): ``dimension``, ``own`` (NaN when not
        assessed), ``cop_median`` (all partners with an assessment, this one included),
        ``similar_median`` (NaN without similar municipalities), ``year`` (of the own
        assessment), and the group sizes ``n_cop``/``n_similar`` as columns.
    """
    levels = latest_levels(maturity)
    partners = municipalities.loc[
        municipalities["is_partner"].fillna(False).astype(bool), "code"
    ].astype(str)
    cop = levels.reindex(index=[c for c in partners if c in levels.index])
    similar = levels.reindex(
        index=[c for c in similar_codes(municipalities, code) if c in levels.index]
    )
    own = (
        levels.loc[code] if code in levels.index else pd.Series(float("nan"), index=levels.columns)
    )
    year = int(levels.loc[code, "year"]) if code in levels.index else None
    out = pd.DataFrame(
        {
            "dimension": list(vocab.DIMENSIONS),
            "own": own.reindex(list(vocab.DIMENSIONS)).to_numpy(dtype=float),
            "cop_median": cop.median().reindex(list(vocab.DIMENSIONS)).to_numpy(dtype=float),
            "similar_median": similar.median().reindex(list(vocab.DIMENSIONS)).to_numpy(dtype=float)
            if not similar.empty
            else float("nan"),
        }
    )
    out["year"] = pd.array([year] * len(out), dtype="Int64")
    out["n_cop"] = len(cop)
    out["n_similar"] = len(similar)
    return out


def maturity_radar(comparison: pd.DataFrame, name: str, lang: str | None) -> go.Figure:
    """Radar (plotly ``Scatterpolar``) of the own levels against the two medians.

    ``name`` (from the data) is escaped with :func:`cop.core.charts.chart_text` and the
    hover's second box refers to the trace name instead of containing it.
    """
    dimensions = [chart_text(i18n.label("dimension", d, lang)) for d in comparison["dimension"]]
    closed = [*dimensions, dimensions[0]]

    def ring(values: pd.Series) -> list[float | None]:
        listed = [None if pd.isna(v) else float(v) for v in values]
        return [*listed, listed[0]]

    fig = go.Figure()
    traces = [
        ("cop_median", i18n.t("profile.radar_cop", lang), "#999999", "dot"),
        ("similar_median", i18n.t("profile.radar_similar", lang), "#E69F00", "dash"),
        ("own", chart_text(name), "#0072B2", "solid"),
    ]
    for column, label, colour, dash in traces:
        if comparison[column].isna().all():
            continue
        fig.add_trace(
            go.Scatterpolar(
                r=ring(comparison[column]),
                theta=closed,
                name=label,
                mode="lines+markers",
                line={"color": colour, "dash": dash},
                fill="toself" if column == "own" else None,
                customdata=[levels_text(v, lang) for v in ring(comparison[column])],
                hovertemplate="%{theta}: %{customdata}<extra>%{fullData.name}</extra>",
                opacity=0.9,
                connectgaps=True,
            )
        )
    fig.update_layout(
        polar={
            # Levels as numbers on the axis (names would overlap the spokes); the names
            # are in the hover text.
            "radialaxis": {
                "range": [0, 5],
                "tickvals": list(vocab.LEVELS),
                "angle": 90,
                "tickangle": 90,
            },
            "angularaxis": {"direction": "clockwise", "rotation": 90},
        },
        height=420,
        margin={"l": 60, "r": 60, "t": 30, "b": 30},
        legend={"orientation": "h", "y": -0.1},
        separators=separators(lang),  # a median of 2,5 in the hover, not 2.5
    )
    return fig


def levels_text(value: float | None, lang: str | None) -> str:
    """``3 Ontwikkelend`` for a level; a median between levels keeps its decimal."""
    if value is None or pd.isna(value):
        return "–"
    if float(value).is_integer():
        return f"{int(value)} {i18n.label('level', int(value), lang)}"
    return i18n.format_number(float(value), 1, lang)


def municipality_measures(
    measures: pd.DataFrame,
    code: str,
    themes: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The measures of ``code``, newest start year first, optionally by theme/status."""
    rows = measures[measures["municipality_code"] == code]
    if themes:
        rows = rows[rows["theme"].isin(themes)]
    if statuses:
        rows = rows[rows["status"].isin(statuses)]
    return rows.sort_values(
        ["start_year", "id"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


def text_or_none(value: object) -> str | None:
    """A stored free text, or ``None`` when it is empty (``NaN``, ``None``, blanks).

    Examples
    --------
    >>> text_or_none(float("nan")) is None, text_or_none("  "), text_or_none(" Les ")
    (True, None, 'Les')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    stripped = str(value).strip()
    return stripped or None


def open_questions(questions: pd.DataFrame, code: str) -> pd.DataFrame:
    """Open help questions of ``code``, oldest first (they have waited longest)."""
    rows = questions[(questions["municipality_code"] == code) & (questions["status"] == "open")]
    return rows.sort_values(["asked_on", "id"]).reset_index(drop=True)[
        ["asked_on", "theme", "question"]
    ]


def peers_to_talk_to(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    *,
    code: str,
    lang: str,
    limit: int = 5,
) -> pd.DataFrame:
    """Partners to talk to, best first, each with its reasons in words.

    Uses :func:`cop.peers.recommend.recommend_peers` over all themes (a profile has no theme
    choice). Returns ``rank``, ``code``, ``name``, ``province``, ``distance_km``,
    ``score`` and ``reasons``.
    """
    ranked = recommend_peers(code, (), municipalities, measures, maturity, limit=limit, lang=lang)
    return ranked[["rank", "code", "name", "province", "distance_km", "score", "reasons"]]
