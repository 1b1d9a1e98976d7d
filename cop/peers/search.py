"""Find a municipality by the name people use: "Den Haag", "Den Bosch", "Sudwest".

Official CBS names are not always what people type: 's-Gravenhage is "Den Haag",
's-Hertogenbosch is "Den Bosch", and Frisian names carry accents (Súdwest-Fryslân) that a
keyboard often lacks. Matching is a substring search on accent-, apostrophe- and
punctuation-insensitive text (:func:`cop.core.textmatch.normalise`) over the name, a small
alias table and the former names of municipalities that merged since 2018 or were renamed
(``data/municipality_former_names.csv``: "Nuenen c.a.", "Haaren", "Weesp"), ranked exact >
starts with > contains.

Examples
--------
>>> import pandas as pd
>>> towns = pd.DataFrame({"code": ["GM0518", "GM0796"],
...                       "name": ["'s-Gravenhage", "'s-Hertogenbosch"]})
>>> search_municipalities("Den Haag", towns)["code"].tolist()
['GM0518']
>>> search_municipalities("bosch", towns)["code"].tolist()
['GM0796']
"""

from __future__ import annotations

import pandas as pd

from cop.core.textmatch import normalise
from cop.data.names import ALIASES, FORMER_NAMES_FILE, former_names

# The alias table and the former names live in the data layer (imports resolve names too).
__all__ = ["ALIASES", "FORMER_NAMES_FILE", "former_names", "search_municipalities"]

# Match quality, best first.
EXACT, PREFIX, CONTAINS = 0, 1, 2


def _quality(query: str, candidate: str) -> int | None:
    if not candidate:
        return None
    squeezed_query, squeezed = query.replace(" ", ""), candidate.replace(" ", "")
    if query == candidate or squeezed_query == squeezed:
        return EXACT
    if candidate.startswith(query) or squeezed.startswith(squeezed_query):
        return PREFIX
    # "s hertogenbosch" also starts, word-wise, at "hertogenbosch"
    if any(word.startswith(query) for word in candidate.split()):
        return PREFIX
    if query in candidate or squeezed_query in squeezed:
        return CONTAINS
    return None


def search_municipalities(query: str, municipalities: pd.DataFrame) -> pd.DataFrame:
    """Municipalities whose name or alias matches ``query``, best matches first.

    Parameters
    ----------
    query
        What a person typed; case, accents, apostrophes and hyphens are ignored.
        An empty query returns every municipality sorted by name.
    municipalities
        The municipalities table (``code`` and ``name`` are used).

    Returns
    -------
    DataFrame
        The matching rows with three extra columns: ``matched`` (the name, alias or
        former name that matched), ``former`` (the former name when that matched, so a
        page can say "formerly Haaren"; else missing) and ``quality`` (0 exact, 1 starts
        with, 2 contains). Sorted by quality, then name, then code, so the order is stable.
    """
    wanted = normalise(query)
    out = municipalities.copy()
    if not wanted:
        out["matched"] = out["name"]
        out["former"] = pd.array([None] * len(out), dtype="string")
        out["quality"] = CONTAINS
        return out.sort_values(["name", "code"], kind="stable").reset_index(drop=True)
    formers = former_names()
    qualities: list[int | None] = []
    matched: list[str | None] = []
    former: list[str | None] = []
    codes = out["code"].astype("string").fillna("")
    for code, name in zip(codes, out["name"].astype("string").fillna(""), strict=True):
        best: tuple[int, str, bool] | None = None
        candidates = [(c, False) for c in (name, *ALIASES.get(name, ()))]
        candidates += [(c, True) for c in formers.get(code, ())]
        for candidate, is_former in candidates:
            quality = _quality(wanted, normalise(candidate))
            if quality is not None and (best is None or quality < best[0]):
                best = (quality, candidate, is_former)
        qualities.append(None if best is None else best[0])
        matched.append(None if best is None else best[1])
        former.append(best[1] if best is not None and best[2] else None)
    out["matched"] = pd.array(matched, dtype="string")
    out["former"] = pd.array(former, dtype="string")
    out["quality"] = pd.array(qualities, dtype="Int64")
    out = out[out["quality"].notna()]
    return out.sort_values(["quality", "name", "code"], kind="stable").reset_index(drop=True)
