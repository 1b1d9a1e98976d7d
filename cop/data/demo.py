"""Seeded generator of the illustrative demo dataset.

Everything it writes about a municipality (partnership, measures, maturity, counts, people)
is invented; only the municipality codes, names, provinces, label points and areas and CBS's
population and urbanity come from public reference data (``data/municipalities_reference.csv``).

The model behind the numbers, so that the dashboard shows believable patterns:

* each partner gets an *ambition* in [0, 1] (larger municipalities tend higher); it drives
  the number of measures, the maturity level and how fast maturity grows;
* maturity starts at ``1 + 3·ambition`` ± noise per dimension and rises by at most one
  level a year, more often for ambitious partners (frontrunners and starters emerge);
* monitoring counts are Poisson draws from ``exp(site effect + species mean + trend·t)``
  with a species trend that is better where ambition is high, visits missed at random and
  sites that start late, so indices have gaps like real schemes;
* titles, descriptions, lessons learned and partners fit each measure's theme and status
  (``demo_texts.THEME_TEXTS``: an idea has no lessons yet, a stopped measure says why it
  stopped) and come from a random stream of their own, so editing a text moves no number.

Examples
--------
>>> tables = generate("small", seed=7)
>>> sorted(tables)[:3]
['answers', 'contacts', 'experts']
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from cop.core import vocab
from cop.core.config import SHIPPED_DATA_DIR
from cop.data.demo_content import (
    ANSWERS,
    BUILDINGS,
    EXPERTS,
    FIRST_NAMES,
    LAST_NAMES,
    MEETINGS,
    PLACES,
    QUESTIONS,
    RESOURCE_NOTE,
    RESOURCES,
    ROLES,
    SCHEME_GROUP,
    SPECIES,
    STREETS,
    THEME_FACTS,
    WATERS,
)
from cop.data.demo_texts import NEST_BIRDS, STATUS_NOTES, THEME_TEXTS

REFERENCE_FILE = SHIPPED_DATA_DIR / "municipalities_reference.csv"
# The texts come from their own random stream (seeded with ``[seed, TEXT_STREAM]``), so
# editing or adding a text in ``demo_texts`` changes words only, never a number.
TEXT_STREAM = 8
# A few partners stopped updating in LAST_YEAR - 2 (their own random stream, applied last).
LAG_STREAM = 9
LAG_SHARE = 0.03  # of the partners, per kind of lag (measures, maturity, both)
LAST_YEAR = 2026  # the generator is reproducible: it never looks at today's date
MATURITY_YEARS = tuple(range(LAST_YEAR - 4, LAST_YEAR + 1))
MONITORING_YEARS = tuple(range(LAST_YEAR - 11, LAST_YEAR + 1))
SCALES = ("small", "national")
T = TypeVar("T")
_THEMES = list(THEME_FACTS)
_UNITS = np.array([THEME_FACTS[theme][0] for theme in _THEMES], dtype=object)
_TYPICAL = np.array([THEME_FACTS[theme][1] for theme in _THEMES])
_UNIT_COST = np.array([THEME_FACTS[theme][2] for theme in _THEMES])
# Chance that a measure of each status carries a lesson learned (stopped ones always do).
_LESSON_CHANCE = {"idea": 0.0, "planned": 0.0, "in_progress": 0.5, "realised": 0.9}


def load_reference(path: Path = REFERENCE_FILE) -> pd.DataFrame:
    """The 342 municipalities with public reference facts (no partner data)."""
    return pd.read_csv(path, dtype={"code": str, "name": str, "province": str})


def generate(
    scale: str = "small", seed: int = 42, reference: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """All tables of the demo dataset as DataFrames, reproducible for ``seed``."""
    if scale not in SCALES:
        raise ValueError(f"scale must be 'small' or 'national', not {scale!r}")
    rng = np.random.default_rng(seed)
    text_rng = np.random.default_rng([seed, TEXT_STREAM])
    towns = (load_reference() if reference is None else reference).copy()
    partners = _choose_partners(towns, scale, rng)
    towns["is_partner"] = towns["code"].isin(partners["code"])
    joined = dict(zip(partners["code"], partners["joined_year"], strict=True))
    towns["joined_year"] = towns["code"].map(joined).astype("Int64")
    measures = _measures(partners, scale, rng, text_rng)
    maturity = _maturity(partners, rng)
    monitoring = _monitoring(partners, scale, rng)
    contacts = _contacts(partners, rng)
    experts = _experts()
    questions = _questions(partners, experts, rng)
    meetings = _meetings(partners, rng)
    resources = _resources()
    # drawn last, so adding the table left every other table exactly as it was
    resource_usage = _resource_usage(measures, resources, rng)
    measures, maturity, resource_usage = _lagging(
        partners, measures, maturity, resource_usage, np.random.default_rng([seed, LAG_STREAM])
    )
    # drawn after that, for the same reason (issue 13)
    answers = _answers(questions, partners, experts, rng)
    join_requests = _join_requests(towns, rng)
    columns = [
        "code",
        "name",
        "province",
        "population",
        "area_km2",
        "urbanity",
        "is_partner",
        "joined_year",
        "lat",
        "lon",
    ]
    return {
        "municipalities": towns[columns],
        "measures": measures,
        "maturity": maturity,
        "monitoring": monitoring,
        "help_questions": questions,
        "contacts": contacts,
        "experts": experts,
        "meetings": meetings,
        "resources": resources,
        "resource_usage": resource_usage,
        "answers": answers,
        "join_requests": join_requests,
    }


def _choose_partners(towns: pd.DataFrame, scale: str, rng: np.random.Generator) -> pd.DataFrame:
    if scale == "national":
        chosen = towns.copy()
    else:
        picks = []
        for _province, group in towns.groupby("province", sort=True):
            weights = np.sqrt(group["population"].to_numpy(dtype=float))
            count = 3 if len(group) >= 20 else 2
            picks.append(group.sample(n=count, weights=weights, random_state=rng))
        chosen = pd.concat(picks)
        rest = towns.drop(chosen.index)
        extra = rest.sample(
            n=35 - len(chosen), weights=np.sqrt(rest["population"]), random_state=rng
        )
        chosen = pd.concat([chosen, extra]).sort_values("code")
    size = np.log10(chosen["population"].to_numpy(dtype=float))
    size_effect = (size - 4.0) / 1.8  # ~0 for 10k, ~1 for 630k inhabitants
    ambition = np.clip(0.25 + 0.45 * size_effect + rng.normal(0, 0.22, len(chosen)), 0.02, 0.98)
    chosen = chosen.assign(ambition=ambition)
    years = np.where(
        ambition > 0.6,
        rng.integers(2019, 2022, len(chosen)),
        rng.integers(2019, LAST_YEAR + 1, len(chosen)),
    )
    return chosen.assign(joined_year=years).reset_index(drop=True)


def _near(
    lat: float, lon: float, area_km2: float, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Points scattered around a label point, within a fraction of the municipality's size."""
    radius_km = 0.12 * np.sqrt(max(area_km2, 1.0))
    angle = rng.uniform(0, 2 * np.pi, n)
    dist = radius_km * np.sqrt(rng.uniform(0, 1, n))
    dlat = dist * np.cos(angle) / 111.0
    dlon = dist * np.sin(angle) / (111.0 * np.cos(np.radians(lat)))
    return np.round(lat + dlat, 5), np.round(lon + dlon, 5)


def _measures(
    partners: pd.DataFrame, scale: str, rng: np.random.Generator, text_rng: np.random.Generator
) -> pd.DataFrame:
    """The measures of every partner: numbers from ``rng``, words from ``text_rng``.

    Per partner the draws are made for all its measures at once (one array per column), so
    the national scale (~20,000 measures) takes a fraction of a second.
    """
    columns: dict[str, list[np.ndarray]] = {
        key: []
        for key in ("code", "town", "theme", "start", "status", "scale", "lat", "lon", "cost")
    }
    columns["updated_at"] = []
    for town in partners.itertuples(index=False):
        base = 8 + 32 * town.ambition if scale == "small" else 24 + 94 * town.ambition
        n = int(np.clip(round(base + rng.normal(0, 3)), 8, 40 if scale == "small" else 140))
        # each municipality favours a few themes
        weights = rng.dirichlet(np.full(len(_THEMES), 0.6))
        theme = rng.choice(len(_THEMES), size=n, p=weights)
        lats, lons = _near(town.lat, town.lon, town.area_km2, n, rng)
        start = rng.integers(max(2012, town.joined_year - 6), LAST_YEAR + 2, n)
        draw = rng.random(n)
        status = np.where(
            start > LAST_YEAR,
            np.where(draw < 0.5, "idea", "planned"),
            np.where(
                LAST_YEAR - start >= 2,
                _pick(draw, ("realised", "in_progress", "stopped"), (0.78, 0.16, 0.06)),
                _pick(draw, ("in_progress", "realised", "planned"), (0.6, 0.25, 0.15)),
            ),
        )
        scale_value = np.round(_TYPICAL[theme] * rng.lognormal(0, 0.6, n), 0)
        scale_value[scale_value == 0] = 1.0
        has_point = (theme != _THEMES.index("policy_vision")) & (rng.random(n) < 0.9)
        cost = np.round(scale_value * _UNIT_COST[theme] * rng.lognormal(0, 0.3, n), -2)
        for key, values in (
            ("code", np.full(n, town.code, dtype=object)),
            ("town", np.full(n, town.name, dtype=object)),
            ("theme", theme),
            ("start", start),
            ("status", status),
            ("scale", scale_value),
            ("lat", np.where(has_point, lats, np.nan)),
            ("lon", np.where(has_point, lons, np.nan)),
            ("cost", cost),
            ("updated_at", _dates_from(np.maximum(start, 2015), rng)),
        ):
            columns[key].append(values)
    flat = {key: np.concatenate(values) for key, values in columns.items()}
    themes = np.asarray(_THEMES, dtype=object)[flat["theme"]]
    texts = _measure_texts(
        themes, flat["status"], flat["start"], flat["scale"], flat["town"], text_rng
    )
    frame = pd.DataFrame(
        {
            "municipality_code": flat["code"],
            "title": texts["title"],
            "theme": themes,
            "status": flat["status"].astype(object),
            "start_year": flat["start"],
            "scale_value": flat["scale"],
            "scale_unit": _UNITS[flat["theme"]],
            "lat": flat["lat"],
            "lon": flat["lon"],
            "cost_eur": flat["cost"],
            "partners": texts["partners"],
            "description": texts["description"],
            "lessons_learned": texts["lessons_learned"],
            "updated_at": flat["updated_at"],
        }
    )
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    frame["url"] = [f"https://www.example.org/demo/praktijk/{i}" for i in frame["id"]]
    return frame


def _lagging(
    partners: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    usage: pd.DataFrame,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Partners that stopped updating in ``LAST_YEAR - 2``, so "data more than a year old"
    (:mod:`cop.data.freshness`) has a short, real list to show.

    Some stopped entering measures (the ones that started later are not there, the others
    were last updated that year), some stopped their yearly self-assessment, some both.
    Only partners that joined by then and have at least eight measures started by then
    qualify, so every partner keeps a believable set.
    """
    year = LAST_YEAR - 2
    started = measures[measures["start_year"] <= year].groupby("municipality_code").size()
    eligible = partners[
        (partners["joined_year"] <= year) & partners["code"].map(started).fillna(0).ge(8)
    ]["code"].to_numpy()
    per_kind = max(1, round(len(partners) * LAG_SHARE))
    if len(eligible) < 3 * per_kind:
        return measures, maturity, usage
    chosen = rng.choice(eligible, size=3 * per_kind, replace=False)
    old_measures = set(chosen[: 2 * per_kind])  # measures only, then both
    old_maturity = set(chosen[per_kind:])  # both, then maturity only
    lagging = measures["municipality_code"].isin(old_measures)
    measures = measures[~lagging | (measures["start_year"] <= year)].copy()
    lagging = measures["municipality_code"].isin(old_measures).to_numpy()
    first = np.datetime64(f"{year}-01-01")
    days = np.floor(rng.random(int(lagging.sum())) * 305).astype(int)
    dates = np.datetime_as_string(first + days.astype("timedelta64[D]"), unit="D")
    measures.loc[lagging, "updated_at"] = dates.astype(object)
    maturity = maturity[
        ~(maturity["municipality_code"].isin(old_maturity) & (maturity["year"] > year))
    ]
    usage = usage[usage["measure_id"].isin(measures["id"])]
    return (
        measures.reset_index(drop=True),
        maturity.reset_index(drop=True),
        usage.reset_index(drop=True),
    )


def _pick(draw: np.ndarray, labels: tuple[str, ...], chances: tuple[float, ...]) -> np.ndarray:
    """The label of each uniform ``draw``: label k when it falls in slice k of ``chances``."""
    index = np.searchsorted(np.cumsum(chances), draw, side="right")
    return np.asarray(labels)[np.minimum(index, len(labels) - 1)]


def _dates_from(years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A day between 1 January of each year (at most ``LAST_YEAR``) and 1 November ``LAST_YEAR``."""
    first = (np.minimum(years, LAST_YEAR) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    span = (np.datetime64(f"{LAST_YEAR}-11-01") - first).astype(int)
    days = np.floor(rng.random(len(years)) * np.maximum(span, 1)).astype(int)
    return np.datetime_as_string(first + days.astype("timedelta64[D]"), unit="D").astype(object)


def _nth(draw: float, pool: Sequence[T]) -> T:
    """The element of ``pool`` that a uniform ``draw`` in [0, 1) points at."""
    return pool[int(draw * len(pool))]


def _dutch_number(value: float, decimals: int = 0) -> str:
    """``12.500`` and ``4,2``: Dutch digit grouping and decimal comma."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _measure_texts(
    themes: np.ndarray,
    statuses: np.ndarray,
    starts: np.ndarray,
    scales: np.ndarray,
    towns: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, list[object]]:
    """Title, description, lessons learned and partners of each measure, fitting its theme.

    The description says what was done at what scale, then where the measure stands: an
    idea or a plan is not yet carried out and has no lessons learned; a stopped measure
    says why it stopped and what its municipality would do differently; active and
    realised measures often (realised: nearly always) carry a lesson of their own theme.
    """
    draws = rng.random((len(themes), 15))
    out: dict[str, list[object]] = {
        "title": [],
        "description": [],
        "lessons_learned": [],
        "partners": [],
    }
    for row, (theme, status, start, scale_value, town) in enumerate(
        zip(themes, statuses, starts, scales, towns, strict=True)
    ):
        d = draws[row]
        texts = THEME_TEXTS[theme]
        fields = {
            "town": town,
            "place": _nth(d[0], PLACES),
            "street": _nth(d[1], STREETS),
            "building": _nth(d[2], BUILDINGS),
            "water": _nth(d[3], WATERS),
            "n": _dutch_number(scale_value),
            "ha": _dutch_number(scale_value / 10_000, 1),
            "plant": _nth(d[4], SPECIES["plants"]),
            "bee": _nth(d[5], SPECIES["bees"]),
            "butterfly": _nth(d[6], SPECIES["butterflies"]),
            "bird": _nth(d[7], NEST_BIRDS),
        }
        title, what = (part.format(**fields) for part in _nth(d[8], texts.practices))
        lesson: object = np.nan
        if status == "stopped":
            why, learned = _nth(d[9], texts.stops)
            note, lesson = f"Gestopt: {why}.", learned
        else:
            key = "planned_future" if status == "planned" and start > LAST_YEAR else status
            note = _nth(d[9], STATUS_NOTES[key]).format(year=start)
            if d[10] < _LESSON_CHANCE[status]:
                lesson = _nth(d[11], texts.lessons).format(**fields)
        pool = texts.partners
        first = int(d[12] * len(pool))
        second = (first + 1 + int(d[13] * (len(pool) - 1))) % len(pool)
        chosen = [pool[first], pool[second]][: int(d[14] * 3)]
        out["title"].append(title)
        out["description"].append(f"{what} {note}")
        out["lessons_learned"].append(lesson)
        out["partners"].append(";".join(sorted(chosen)) or np.nan)
    return out


def _maturity(partners: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for town in partners.itertuples(index=False):
        level = np.clip(
            np.round(1 + 2.6 * town.ambition + rng.normal(0, 0.6, len(vocab.DIMENSIONS))), 1, 5
        )
        first_year = max(MATURITY_YEARS[0], town.joined_year)
        for year in MATURITY_YEARS:
            if year < first_year:
                continue
            if year > first_year:
                grow = rng.random(len(level)) < 0.15 + 0.35 * town.ambition
                dip = rng.random(len(level)) < 0.03
                level = np.clip(level + grow - dip, 1, 5)
            for dimension, value in zip(vocab.DIMENSIONS, level, strict=True):
                rows.append(
                    {
                        "municipality_code": town.code,
                        "year": year,
                        "dimension": dimension,
                        "level": int(value),
                        "note": np.nan,
                    }
                )
    return pd.DataFrame(rows)


def _monitoring(partners: pd.DataFrame, scale: str, rng: np.random.Generator) -> pd.DataFrame:
    years = np.array(MONITORING_YEARS)
    t = years - years[0]
    frames = []
    schemes = list(SCHEME_GROUP)
    for town in partners.itertuples(index=False):
        if scale == "small":
            n_schemes, n_sites, n_species = rng.integers(2, 4), (2, 4), (5, 8)
        else:
            n_schemes, n_sites, n_species = 4, (8, 11), (10, 13)
        for scheme in rng.choice(schemes, size=n_schemes, replace=False):
            group = SCHEME_GROUP[scheme]
            pool = SPECIES[group]
            species = rng.choice(pool, size=min(len(pool), rng.integers(*n_species)), replace=False)
            sites = int(rng.integers(*n_sites))
            site_lat, site_lon = _near(town.lat, town.lon, town.area_km2, sites, rng)
            site_effect = rng.normal(0, 0.6, sites)
            first_year = rng.choice(len(years) // 2, size=sites)  # sites start late
            first_year[0] = 0
            abundance = np.log(rng.lognormal(1.5, 0.9, len(species)))
            trend = rng.normal(-0.02 + 0.06 * town.ambition, 0.04, len(species))
            year_noise = rng.normal(0, 0.12, (len(species), len(years)))
            log_mu = (
                abundance[:, None, None]
                + site_effect[None, :, None]
                + (trend[:, None] * t[None, :] + year_noise)[:, None, :]
            )
            counts = rng.poisson(np.exp(log_mu)).astype(float)
            missing = rng.random(counts.shape) < 0.12
            counts[missing] = np.nan
            s_idx, site_idx, y_idx = np.meshgrid(
                np.arange(len(species)), np.arange(sites), np.arange(len(years)), indexing="ij"
            )
            keep = y_idx >= first_year[site_idx]
            # not every missed visit leaves a row: half of them are absent from the file
            keep &= ~(missing & (rng.random(counts.shape) < 0.5))
            frames.append(
                pd.DataFrame(
                    {
                        "municipality_code": town.code,
                        "site_id": [
                            f"{town.code}-{scheme[:3].upper()}-{i + 1}" for i in site_idx[keep]
                        ],
                        "scheme": scheme,
                        "species_group": group,
                        "species": species[s_idx[keep]],
                        "year": years[y_idx[keep]],
                        "count": counts[keep],
                        "lat": site_lat[site_idx[keep]],
                        "lon": site_lon[site_idx[keep]],
                    }
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    frame["count"] = frame["count"].astype("Int64")
    return frame


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _contacts(partners: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for town in partners.itertuples(index=False):
        for _ in range(int(rng.integers(1, 4))):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{first}.{last}".lower().replace(" ", "")
            themes = rng.choice(list(THEME_FACTS), size=rng.integers(1, 4), replace=False)
            rows.append(
                {
                    "municipality_code": town.code,
                    "name": f"{first} {last}",
                    "role": rng.choice(ROLES),
                    "email": f"{local}@{_slug(town.name)}.example",
                    "phone": f"06-{rng.integers(10, 99)} {rng.integers(100, 999)} {rng.integers(100, 999)}",
                    "themes": ";".join(sorted(themes)),
                    "show_to_members": bool(rng.random() < 0.75),
                }
            )
    frame = pd.DataFrame(rows)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def _experts() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i + 1,
                "name": name,
                "kind": kind,
                "themes": themes,
                "description": "Expertise zoals vermeld in de demodata (illustratief).",
                "url": url,
            }
            for i, (name, kind, themes, url) in enumerate(EXPERTS)
        ]
    )


def _questions(
    partners: pd.DataFrame, experts: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    count = 45 if len(partners) < 100 else len(partners)
    for _ in range(count):
        town = partners.iloc[int(rng.integers(0, len(partners)))]
        theme = rng.choice(list(QUESTIONS))
        asked = dt.date(LAST_YEAR - 2, 1, 1) + dt.timedelta(days=int(rng.integers(0, 1030)))
        answered = rng.random() < min(0.85, (dt.date(LAST_YEAR, 11, 1) - asked).days / 600)
        answerer = np.nan
        if answered:
            other = partners.iloc[int(rng.integers(0, len(partners)))]
            answerer = other["name"] if rng.random() < 0.6 else rng.choice(experts["name"])
        rows.append(
            {
                "municipality_code": town["code"],
                "asked_on": asked.isoformat(),
                "theme": theme,
                "question": QUESTIONS[theme],
                "status": "answered" if answered else "open",
                "answered_by": answerer,
            }
        )
    frame = pd.DataFrame(rows).sort_values("asked_on", kind="stable").reset_index(drop=True)
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


def _answers(
    questions: pd.DataFrame,
    partners: pd.DataFrame,
    experts: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Answers to the demo help questions: the one that helped for each answered question
    (by the municipality or organisation named in ``answered_by``), and for some questions
    another answer by a partner, given a few days to weeks after the question."""
    town_codes = dict(zip(partners["name"], partners["code"], strict=True))
    expert_ids = dict(zip(experts["name"], experts["id"], strict=True))
    last = dt.date(LAST_YEAR, 11, 1)
    rows = []
    for q in questions.itertuples():
        asked = dt.date.fromisoformat(q.asked_on)
        givers: list[tuple[object, object, bool]] = []
        if q.status == "answered":
            name = q.answered_by
            givers.append((town_codes.get(name, np.nan), expert_ids.get(name, np.nan), True))
        if rng.random() < 0.4:
            other = partners.iloc[int(rng.integers(0, len(partners)))]
            if other["code"] != q.municipality_code:
                givers.append((other["code"], np.nan, False))
        for code, expert, helped in givers:
            day = min(last, asked + dt.timedelta(days=int(rng.integers(2, 45))))
            rows.append(
                {
                    "question_id": q.id,
                    "municipality_code": code,
                    "expert_id": expert,
                    "author": np.nan,
                    "text": ANSWERS[q.theme],
                    "created_at": day.isoformat(),
                    "helped": helped,
                }
            )
    frame = pd.DataFrame(rows).sort_values(["created_at", "question_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame["expert_id"] = frame["expert_id"].astype("Int64")
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    return frame


JOIN_MESSAGES = (
    "Wij willen graag aansluiten bij de CoP en leren van gemeenten die al verder zijn.",
    "Onze raad heeft net een groenvisie vastgesteld; we zoeken collega's om mee te sparren.",
    "Kunnen we eerst een bijeenkomst bijwonen om kennis te maken?",
)


def _join_requests(towns: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Three invented requests to join from municipalities that are not partners (from
    partners when every municipality is one), with ``.example`` addresses like contacts."""
    pool = towns[~towns["is_partner"]]
    pool = towns if pool.empty else pool
    rows = []
    for i, status in enumerate(("contacted", "new", "new")):
        town = pool.iloc[int(rng.integers(0, len(pool)))]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace(" ", "")
        day = dt.date(LAST_YEAR, 10, 1) + dt.timedelta(days=int(rng.integers(0, 31)))
        rows.append(
            {
                "id": i + 1,
                "municipality_code": town["code"],
                "name": f"{first} {last}",
                "role": rng.choice(ROLES),
                "email": f"{local}@{_slug(town['name'])}.example",
                "message": JOIN_MESSAGES[i],
                "status": status,
                "created_at": day.isoformat(),
            }
        )
    return pd.DataFrame(rows)


def _meetings(partners: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for i, (date, title, themes) in enumerate(MEETINGS):
        host = partners.iloc[int(rng.integers(0, len(partners)))]
        past = date < f"{LAST_YEAR}-11-01"
        rows.append(
            {
                "id": i + 1,
                "date": date,
                "host_code": host["code"],
                "title": title,
                "themes": themes,
                "summary": (
                    f"Bijeenkomst bij gemeente {host['name']} (demodata): "
                    "ervaringen gedeeld en hulpvragen besproken."
                )
                if past
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _resources() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i + 1,
                "title": title,
                "kind": kind,
                "theme": theme,
                "level": level,
                "url": f"https://www.example.org/demo/toolbox/{i + 1}",
                "description": f"{description} {RESOURCE_NOTE}",
            }
            for i, (title, kind, theme, level, description) in enumerate(RESOURCES)
        ]
    )


def _resource_usage(
    measures: pd.DataFrame, resources: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Link each resource to one to five practices of its theme (realised or in progress)."""
    rows = []
    active = measures[measures["status"].isin(["realised", "in_progress"])]
    for resource in resources.itertuples(index=False):
        candidates = active.loc[active["theme"] == resource.theme, "id"].to_numpy()
        if len(candidates) == 0:
            continue
        n = min(len(candidates), int(rng.integers(1, 6)))
        for measure_id in sorted(rng.choice(candidates, size=n, replace=False)):
            rows.append({"resource_id": int(resource.id), "measure_id": int(measure_id)})
    return pd.DataFrame(rows, columns=["resource_id", "measure_id"])


def write(tables: dict[str, pd.DataFrame], out: Path) -> None:
    """Write the tables as UTF-8 CSV files plus a DEMO marker file."""
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (out / "DEMO").write_text(
        "These CSV files are illustrative demo data made by `python -m cop demo`.\n",
        encoding="utf-8",
    )
