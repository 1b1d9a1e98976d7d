"""How current each municipality's data is, and which partners to chase for an update.

Derived from the data itself, not from a separate ``updated_at`` per municipality: the
dates are already in the tables (every measure has ``updated_at``, every self-assessment
and every count its ``year``), they travel with an import of the CoP's spreadsheet and
with a backup, and a bookkeeping column next to them could only drift away from them
(an import of old rows would make a municipality look "updated today").

* **measures**: the newest ``updated_at`` of the municipality's measures;
* **maturity**: the newest ``year`` of its self-assessment (the table knows years only);
* **monitoring**: the newest ``year`` of its counts (shown, not chased: counts arrive
  after the season and often through a national scheme).

A partner is *behind* (:func:`stale_partners`) when, on the reference date ``today``,

* its measures were last updated more than a year ago (before the same day one year
  earlier), or it has no measures at all; or
* its newest self-assessment is older than last year's (on any day of 2026, one of 2025
  is current and one of 2024 is not), or it has none.

``today`` is always passed in (the page gives the date of today, the brief its meeting
date, tests a fixed day), so the lists are reproducible.

Examples
--------
>>> import pandas as pd
>>> measures = pd.DataFrame({"municipality_code": ["GM0001"],
...                          "updated_at": [pd.Timestamp("2024-05-01")]})
>>> maturity = pd.DataFrame({"municipality_code": ["GM0001"], "year": [2026]})
>>> measures_behind(last_updates(measures, maturity).loc["GM0001"], dt.date(2026, 11, 30))
True
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cop.core import i18n

COLUMNS = ("measures_updated", "maturity_year", "monitoring_year")


def last_updates(
    measures: pd.DataFrame, maturity: pd.DataFrame, monitoring: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per municipality code: ``measures_updated`` (a date), ``maturity_year`` and
    ``monitoring_year``; a municipality without rows in a table has an empty cell."""
    parts = [
        pd.to_datetime(measures.groupby("municipality_code")["updated_at"].max()).rename(
            "measures_updated"
        ),
        maturity.groupby("municipality_code")["year"].max().astype("Int64").rename("maturity_year"),
    ]
    if monitoring is not None:
        years = monitoring.groupby("municipality_code")["year"].max().astype("Int64")
        parts.append(years.rename("monitoring_year"))
    frame = pd.concat(parts, axis=1)
    frame.index.name = "municipality_code"
    return frame.reindex(columns=list(COLUMNS))


def _value(row: pd.Series | None, column: str) -> object:
    if row is None or column not in row or pd.isna(row[column]):
        return None
    return row[column]


def measures_behind(row: pd.Series | None, today: dt.date) -> bool:
    """No measures, or the newest was updated before the same day one year before ``today``."""
    updated = _value(row, "measures_updated")
    if updated is None:
        return True
    return pd.Timestamp(updated) < pd.Timestamp(today) - pd.DateOffset(years=1)


def maturity_behind(row: pd.Series | None, today: dt.date) -> bool:
    """No self-assessment, or the newest is older than last year's."""
    year = _value(row, "maturity_year")
    return year is None or int(year) < today.year - 1


def stale_partners(
    municipalities: pd.DataFrame,
    measures: pd.DataFrame,
    maturity: pd.DataFrame,
    *,
    today: dt.date,
) -> pd.DataFrame:
    """Partners whose measures or maturity are more than a year old on ``today``.

    Columns ``code``, ``name``, ``measures_updated``, ``maturity_year``,
    ``measures_behind``, ``maturity_behind``; sorted by name (a list to work through).
    """
    updates = last_updates(measures, maturity)
    partners = municipalities[municipalities["is_partner"].fillna(False).astype(bool)]
    rows = []
    for town in partners.itertuples(index=False):
        row = updates.loc[town.code] if town.code in updates.index else None
        behind = (measures_behind(row, today), maturity_behind(row, today))
        if any(behind):
            rows.append(
                {
                    "code": town.code,
                    "name": town.name,
                    "measures_updated": _value(row, "measures_updated"),
                    "maturity_year": _value(row, "maturity_year"),
                    "measures_behind": behind[0],
                    "maturity_behind": behind[1],
                }
            )
    columns = [
        "code",
        "name",
        "measures_updated",
        "maturity_year",
        "measures_behind",
        "maturity_behind",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["measures_updated"] = pd.to_datetime(frame["measures_updated"])
    frame["maturity_year"] = frame["maturity_year"].astype("Int64")
    return frame.sort_values(["name", "code"], key=_name_key).reset_index(drop=True)


def _name_key(series: pd.Series) -> pd.Series:
    return series.str.casefold() if series.name == "name" else series


def stale_line(row: pd.Series, lang: str | None) -> str:
    """One partner of :func:`stale_partners` as a sentence: what is old, since when."""
    parts = []
    if row["measures_behind"]:
        updated = row["measures_updated"]
        parts.append(
            i18n.t("fresh.measures_never", lang)
            if pd.isna(updated)
            else i18n.t("fresh.measures_since", lang, date=i18n.format_date(updated, lang))
        )
    if row["maturity_behind"]:
        year = row["maturity_year"]
        parts.append(
            i18n.t("fresh.maturity_never", lang)
            if pd.isna(year)
            else i18n.t("fresh.maturity_since", lang, year=int(year))
        )
    return i18n.t("fresh.line", lang, name=row["name"], what="; ".join(parts))


def profile_line(updates: pd.DataFrame, code: str, lang: str | None) -> str:
    """ "Data last updated: measures 12 October 2026 · maturity 2026 · monitoring 2026"."""
    row = updates.loc[code] if code in updates.index else None
    updated = _value(row, "measures_updated")
    maturity_year = _value(row, "maturity_year")
    monitoring_year = _value(row, "monitoring_year")
    none = i18n.t("fresh.none", lang)
    return i18n.t(
        "fresh.profile",
        lang,
        measures=none if updated is None else i18n.format_date(updated, lang),
        maturity=none if maturity_year is None else int(maturity_year),
        monitoring=none if monitoring_year is None else int(monitoring_year),
    )
