"""Municipality names people write, and the codes they stand for.

A coordinator's spreadsheet often says "Den Haag" or "Utrecht" where the import wants
GM0518 or GM0344. The import accepts a name in a municipality-code column when it names
exactly one municipality: the official CBS name, a common alias ("Den Haag", "Den Bosch",
Dutch names of Frisian municipalities) or a former name (``data/municipality_former_names.csv``:
mergers and renamings since 2018, "Weesp" -> Amsterdam). Case, accents, apostrophes and
punctuation do not matter (:func:`cop.core.textmatch.normalise`). A name that fits several
municipalities ("Haaren", split over four) is left as it is and reported as not a code,
so the coordinator chooses. The import preview lists every name it turned into a code.

:data:`ALIASES` and :func:`former_names` live here, in the data layer, because imports
need them; :mod:`cop.peers.search` uses the same lists for its search box.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from cop.core.config import SHIPPED_DATA_DIR
from cop.core.textmatch import normalise

FORMER_NAMES_FILE = SHIPPED_DATA_DIR / "municipality_former_names.csv"

# Official CBS name -> names people also use (Dutch colloquial, English, Dutch for Frisian).
ALIASES: dict[str, tuple[str, ...]] = {
    "'s-Gravenhage": ("Den Haag", "The Hague"),
    "'s-Hertogenbosch": ("Den Bosch", "Hertogenbosch"),
    "Súdwest-Fryslân": ("Zuidwest-Friesland",),
    "Noardeast-Fryslân": ("Noordoost-Friesland",),
    "De Fryske Marren": ("De Friese Meren",),
    "Tytsjerksteradiel": ("Tietjerksteradeel",),
    "Dantumadiel": ("Dantumadeel",),
    "Bergen (NH.)": ("Bergen Noord-Holland",),
    "Bergen (L.)": ("Bergen Limburg",),
    "Nuenen, Gerwen en Nederwetten": ("Nuenen",),
}


@lru_cache(maxsize=4)
def former_names(path: Path = FORMER_NAMES_FILE) -> dict[str, tuple[str, ...]]:
    """Former names by current municipality code (CBS mergers, splits and renamings).

    >>> former_names()["GM0820"]
    ('Nuenen c.a.',)
    >>> sorted(code for code, names in former_names().items() if "Haaren" in names)
    ['GM0757', 'GM0824', 'GM0855', 'GM0865']
    """
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["code"], []).append(row["former_name"])
    return {code: tuple(names) for code, names in found.items()}


def name_index(towns: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Normalised name -> code for every name that points to exactly one municipality.

    ``towns`` are ``(code, official name)`` pairs (the municipalities table). Official
    names win over aliases and former names: a former name that is now another
    municipality's name (none today) would resolve to that municipality.

    >>> index = name_index([("GM0518", "'s-Gravenhage"), ("GM0344", "Utrecht")])
    >>> index["den haag"], index["utrecht"]
    ('GM0518', 'GM0344')
    """
    official: dict[str, set[str]] = {}
    other: dict[str, set[str]] = {}
    formers = former_names()
    for code, name in towns:
        official.setdefault(normalise(name), set()).add(code)
        for alias in ALIASES.get(name, ()):
            other.setdefault(normalise(alias), set()).add(code)
        for former in formers.get(code, ()):
            other.setdefault(normalise(former), set()).add(code)
    index = {name: next(iter(codes)) for name, codes in other.items() if len(codes) == 1}
    index.update({name: next(iter(codes)) for name, codes in official.items() if len(codes) == 1})
    for name, codes in official.items():  # an official name of two towns means nothing alone
        if len(codes) > 1:
            index.pop(name, None)
    index.pop("", None)
    return index


def resolve(value: str, index: Mapping[str, str]) -> str | None:
    """The code ``value`` names, or ``None`` (not a name, or the name of several).

    >>> resolve("den HAAG", {"den haag": "GM0518"})
    'GM0518'
    """
    return index.get(normalise(value))
