"""One practice (a measure) on its own page: what is known, who to ask, what is like it.

Pure functions on the published tables (:func:`cop.data.storage.read_table`), so the page
can never show a practice in review: a practice that is not in the frame it is given is
"not found", exactly like an id that never existed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from cop.core import vocab
from cop.maturity.peergroups import with_size_class

#: Largest id a practice can have (a PostgreSQL ``integer``); a longer number is malformed.
MAX_ID = 2**31 - 1
#: How many similar practices the page lists.
SIMILAR_LIMIT = 5
REALISED = "realised"
assert REALISED in vocab.MEASURE_STATUSES
_DIGITS = re.compile(r"^\s*(\d{1,10})\s*$")


@dataclass(frozen=True)
class IdParse:
    """``?maatregel=`` read: the id, or why there is none (``missing``/``malformed``)."""

    measure_id: int | None
    problem: str | None = None


def parse_measure_id(raw: object) -> IdParse:
    """The practice id in a query parameter, refusing anything but a positive integer.

    Examples
    --------
    >>> parse_measure_id("17").measure_id
    17
    >>> parse_measure_id("17;drop table").problem
    'malformed'
    >>> parse_measure_id(None).problem
    'missing'
    """
    if raw is None or str(raw).strip() == "":
        return IdParse(None, "missing")
    found = _DIGITS.match(str(raw))
    if not found or not 1 <= int(found.group(1)) <= MAX_ID:
        return IdParse(None, "malformed")
    return IdParse(int(found.group(1)))


def choice_labels(measures: pd.DataFrame, names: dict[str, str]) -> dict[int, str]:
    """``{id: "title (municipality)"}`` by title, for a selectbox of practices."""
    ordered = measures.sort_values(["title", "id"])
    return {
        int(i): f"{title} ({names.get(str(code), str(code))})"
        for i, title, code in zip(
            ordered["id"], ordered["title"], ordered["municipality_code"], strict=True
        )
    }


def find_practice(measures: pd.DataFrame, measure_id: int) -> pd.Series | None:
    """The row of practice ``measure_id`` in ``measures`` (published view), or ``None``."""
    rows = measures[measures["id"] == int(measure_id)]
    return None if rows.empty else rows.iloc[0]


def responsible_contacts(contacts: pd.DataFrame, practice: pd.Series) -> pd.DataFrame:
    """Contacts of the practice's municipality, those for its theme first.

    ``contacts`` is the table as the reader may see it (:func:`cop.access.visibility.
    visible_frame` blanks names and addresses for visitors), so this never decides who
    sees what; it only picks the rows.
    """
    own = contacts[contacts["municipality_code"] == practice["municipality_code"]].copy()
    if own.empty:
        return own
    theme = str(practice["theme"])
    own["_for_theme"] = (
        own["themes"]
        .fillna("")
        .astype(str)
        .map(lambda t: theme in [s.strip() for s in t.split(";")])
    )
    own = own.sort_values(["_for_theme", "name"], ascending=[False, True], na_position="last")
    return own.drop(columns="_for_theme").reset_index(drop=True)


def similar_practices(
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    measure_id: int,
    limit: int = SIMILAR_LIMIT,
) -> pd.DataFrame:
    """Practices with the same theme elsewhere, the most comparable municipalities first.

    Comparable means close in CBS size class and urbanity (the rule of the peer groups,
    :mod:`cop.maturity.peergroups`): the rank is the sum of both gaps, then realised
    practices before planned ones, then the most recent start. Practices of the same
    municipality are left out (they are on its profile).

    Returns columns ``id, title, municipality_code, name, status, start_year, gap``.
    """
    practice = find_practice(measures, measure_id)
    columns = ["id", "title", "municipality_code", "name", "status", "start_year", "gap"]
    if practice is None:
        return pd.DataFrame(columns=columns)
    towns = with_size_class(municipalities).set_index("code")
    own_code = practice["municipality_code"]
    same = measures[
        (measures["theme"] == practice["theme"]) & (measures["municipality_code"] != own_code)
    ].copy()
    if same.empty or own_code not in towns.index:
        return pd.DataFrame(columns=columns)
    own = towns.loc[own_code]
    there = towns.reindex(same["municipality_code"].astype(str))
    size_gap = (there["size_class"].astype(float) - float(own["size_class"])).abs()
    urbanity_gap = (there["urbanity"].astype(float) - float(own["urbanity"])).abs()
    same["gap"] = (size_gap + urbanity_gap).fillna(99).to_numpy().astype(int)
    same["name"] = there["name"].to_numpy()
    same["_not_realised"] = same["status"] != REALISED
    same["_start"] = same["start_year"].astype("Float64").fillna(0)
    ranked = same.sort_values(
        ["gap", "_not_realised", "_start", "id"], ascending=[True, True, False, True]
    )
    return ranked[columns].head(limit).reset_index(drop=True)


def linked_resources(resources: pd.DataFrame, usage: pd.DataFrame, measure_id: int) -> pd.DataFrame:
    """Toolbox resources a coordinator linked to this practice ("used it"), by title."""
    ids = set(usage.loc[usage["measure_id"] == int(measure_id), "resource_id"].astype(int))
    return resources[resources["id"].isin(ids)].sort_values("title").reset_index(drop=True)


def practice_photos(photos: pd.DataFrame, measure_id: int) -> pd.DataFrame:
    """The photo rows (without pictures) of one practice, in upload order."""
    return photos[photos["measure_id"] == int(measure_id)].sort_values("id").reset_index(drop=True)
