"""The toolbox: tools, guides, examples and datasets, and the CoP practices that used them.

"Used it" is the ``resource_usage`` link table (resource id, measure id), kept by the
coordinators and validated like every table (both ids must exist). A resource of a theme
is not assumed to be used by every practice of that theme: only a recorded link counts,
so the toolbox never claims more than the CoP knows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cop.core.textmatch import normalise
from cop.data.presentation import municipality_names


def filter_resources(
    resources: pd.DataFrame,
    *,
    themes: Sequence[str] = (),
    kinds: Sequence[str] = (),
    levels: Sequence[str] = (),
    text: str = "",
) -> pd.DataFrame:
    """Resources matching every given filter (an empty filter matches all), by title."""
    keep = pd.Series(True, index=resources.index)
    for column, chosen in (("theme", themes), ("kind", kinds), ("level", levels)):
        if chosen:
            keep &= resources[column].isin(list(chosen)).fillna(False)
    query = normalise(text)
    if query:
        haystack = (resources["title"].fillna("") + " " + resources["description"].fillna("")).map(
            normalise
        )
        keep &= haystack.str.contains(query, regex=False)
    return resources[keep].sort_values(["title", "id"]).reset_index(drop=True)


def with_usage(resources: pd.DataFrame, usage: pd.DataFrame) -> pd.DataFrame:
    """``resources`` plus ``practices``: how many CoP practices used each one."""
    counts = usage.groupby("resource_id").size()
    used = resources["id"].map(counts).fillna(0).astype("Int64")
    return resources.assign(practices=used)


def practices_using(
    resources: pd.DataFrame,
    usage: pd.DataFrame,
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
) -> pd.DataFrame:
    """The practices linked to ``resources``, with the resource's title and municipality.

    Returns ``resource`` (title), ``municipality``, ``title``, ``theme``, ``status``,
    ``updated_at``, ``url`` (the practice's own link) and ``measure_id``; by resource
    title, then newest first.
    """
    links = usage[usage["resource_id"].isin(list(resources["id"]))]
    rows = links.merge(measures, left_on="measure_id", right_on="id", how="inner")
    names = municipality_names(municipalities)
    titles = resources.set_index("id")["title"]
    rows = rows.assign(
        municipality=rows["municipality_code"].map(names),
        resource=rows["resource_id"].map(titles),
    )
    rows = rows.sort_values(["resource", "updated_at", "measure_id"], ascending=[True, False, True])
    columns = [
        "resource",
        "municipality",
        "title",
        "theme",
        "status",
        "updated_at",
        "url",
        "measure_id",
    ]
    return rows[columns].reset_index(drop=True)


def usage_choices(measures: pd.DataFrame, municipalities: pd.DataFrame, theme: str) -> pd.Series:
    """Practices a coordinator may link to a resource of ``theme``: id -> "title (town)".

    Practices of the resource's theme come first; the rest follow, because a guide can
    serve a practice of another theme too.
    """
    names = municipality_names(municipalities)
    label = measures["title"] + " (" + measures["municipality_code"].map(names).fillna("") + ")"
    order = measures.assign(_other=(measures["theme"] != theme).astype(int), _label=label)
    order = order.sort_values(["_other", "_label", "id"])
    return pd.Series(order["_label"].to_numpy(), index=order["id"].astype(int).to_numpy())


def linked_measures(usage: pd.DataFrame, resource_id: int) -> list[int]:
    """Ids of the practices recorded as having used ``resource_id``."""
    return usage.loc[usage["resource_id"] == resource_id, "measure_id"].astype(int).tolist()


def usage_frame(resource_id: int, measure_ids: Sequence[int], usage: pd.DataFrame) -> pd.DataFrame:
    """The whole ``resource_usage`` table with the links of one resource replaced."""
    others = usage[usage["resource_id"] != resource_id]
    mine = pd.DataFrame(
        {
            "resource_id": pd.array([resource_id] * len(measure_ids), dtype="Int64"),
            "measure_id": pd.array(sorted({int(m) for m in measure_ids}), dtype="Int64"),
        }
    )
    out = pd.concat([others, mine], ignore_index=True)
    return out.sort_values(["resource_id", "measure_id"]).reset_index(drop=True)
