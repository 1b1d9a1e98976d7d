"""The compare page's logic: which municipalities, from the URL, and the table of it all.

A comparison is shareable: the selection lives in the query string
(``?gemeenten=GM0344,GM0363``, and ``&modus=peergroep`` for "my municipality and the
median of its peer group"). Anything in a URL is untrusted input, so
:func:`parse_selection` validates it here and says what it dropped and why; the page only
shows the messages (:func:`selection_messages`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from cop.core import i18n, vocab
from cop.data.presentation import municipality_names
from cop.maturity.approach import group_mix, theme_mix
from cop.maturity.model import OVERALL, PEER_KEY, assessed_codes, compare_levels, latest_overall
from cop.maturity.peergroups import peer_group, size_class, size_class_label

__all__ = [
    "CODES_PARAM",
    "MAX_COMPARE",
    "MIN_COMPARE",
    "MODE_PARAM",
    "MODE_PEERS",
    "PROFILE_PARAM",
    "Selection",
    "comparison_table",
    "entity_names",
    "parse_mode",
    "parse_selection",
    "profile_url",
    "selection_messages",
    "selection_query",
    "share_url",
    "showcase_code",
]

CODES_PARAM = "gemeenten"
MODE_PARAM = "modus"
MODE_PEERS = "peergroep"
PROFILE_PARAM = "gemeente"
MIN_COMPARE = 2
MAX_COMPARE = 6
MAX_TOKENS = 50  # a URL could hold thousands; we read no more than this
_CODE = re.compile(r"^(GM)?(\d{4})$")


@dataclass(frozen=True)
class Selection:
    """A validated selection from a URL or widget.

    Attributes
    ----------
    codes
        Municipalities with data, in the order given, without duplicates, at most the
        maximum.
    unknown
        Tokens that are not a municipality code we know (shortened for display).
    without_data
        Real municipalities that have no data in the CoP (no assessment and no measures).
    dropped
        Valid codes beyond the maximum.
    """

    codes: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    without_data: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()


def comparable_codes(maturity: pd.DataFrame, measures: pd.DataFrame) -> list[str]:
    """Municipalities there is something to compare about: an assessment or any measure."""
    assessed = set(assessed_codes(maturity))
    return sorted(assessed | set(measures["municipality_code"].dropna()))


def showcase_code(maturity: pd.DataFrame, measures: pd.DataFrame) -> str | None:
    """The municipality a page opens with when nobody is signed in: a frontrunner.

    The highest latest overall maturity; ties go to the one with most measures, then to
    the lowest code, so the choice is stable between runs. ``None`` when nobody has been
    assessed (then the pages ask the visitor to choose).

    Examples
    --------
    >>> maturity = pd.DataFrame({"municipality_code": ["GM0002"] * 6 + ["GM0001"] * 6,
    ...                          "year": [2024] * 12, "dimension": list("abcdef") * 2,
    ...                          "level": [4] * 6 + [4] * 6})
    >>> showcase_code(maturity, pd.DataFrame({"municipality_code": ["GM0002"]}))
    'GM0002'
    """
    latest = latest_overall(maturity)
    if latest.empty:
        return None
    counts = measures["municipality_code"].value_counts()
    ranked = pd.DataFrame(
        {
            "code": latest["municipality_code"].astype(str),
            "overall": latest[OVERALL].astype(float),
        }
    )
    ranked["measures"] = ranked["code"].map(counts).fillna(0)
    ranked = ranked.sort_values(["overall", "measures", "code"], ascending=[False, False, True])
    return str(ranked["code"].iloc[0])


def parse_selection(
    raw: str | Sequence[str] | None,
    known: Iterable[str],
    available: Iterable[str],
    *,
    max_n: int = MAX_COMPARE,
) -> Selection:
    """Read municipality codes from ``raw`` (``"GM0344,GM0363"`` or a list of them).

    Codes are matched without regard to case, and ``0344`` is read as ``GM0344``.
    ``known`` are all municipality codes, ``available`` those with data.

    Examples
    --------
    >>> parse_selection("gm0344, 0363,GM9999,x", {"GM0344", "GM0363"}, {"GM0344"})
    Selection(codes=('GM0344',), unknown=('GM9999', 'x'), without_data=('GM0363',), dropped=())
    """
    if raw is None:
        return Selection()
    parts = [raw] if isinstance(raw, str) else list(raw)
    tokens = [t for p in parts for t in re.split(r"[\s,;]+", str(p)) if t][:MAX_TOKENS]
    known_set, available_set = set(known), set(available)
    codes: list[str] = []
    unknown: list[str] = []
    without: list[str] = []
    for token in tokens:
        match = _CODE.match(token.strip().upper())
        code = f"GM{match.group(2)}" if match else None
        if code is None or code not in known_set:
            short = token if len(token) <= 12 else token[:11] + "…"
            if short not in unknown:
                unknown.append(short)
        elif code not in available_set:
            if code not in without:
                without.append(code)
        elif code not in codes:
            codes.append(code)
    return Selection(
        codes=tuple(codes[:max_n]),
        unknown=tuple(unknown),
        without_data=tuple(without),
        dropped=tuple(codes[max_n:]),
    )


def parse_mode(raw: str | None) -> str:
    """``"peers"`` for ``modus=peergroep``, otherwise ``"choose"``."""
    return "peers" if str(raw or "").strip().lower() == MODE_PEERS else "choose"


def selection_query(codes: Sequence[str], mode: str = "choose") -> dict[str, str]:
    """The query parameters that reproduce a selection; ``""`` means "leave it out".

    Examples
    --------
    >>> selection_query(["GM0344", "GM0363"])
    {'gemeenten': 'GM0344,GM0363', 'modus': ''}
    """
    return {
        CODES_PARAM: ",".join(codes),
        MODE_PARAM: MODE_PEERS if mode == "peers" else "",
    }


def share_url(current_url: str | None, query: Mapping[str, str]) -> str:
    """A link to this page with ``query``; relative when the page's address is unknown.

    Examples
    --------
    >>> share_url("https://cop.example/compare?lang=en", {"gemeenten": "GM0344", "modus": ""})
    'https://cop.example/compare?gemeenten=GM0344'
    """
    base = (current_url or "").split("?", 1)[0].split("#", 1)[0]
    kept = {name: value for name, value in query.items() if value}
    return f"{base}?{urlencode(kept, safe=',')}" if kept else base


def selection_messages(
    selection: Selection, municipalities: pd.DataFrame, lang: str | None
) -> list[str]:
    """What was left out of a selection and why, in words a person can act on."""
    names = municipality_names(municipalities)
    messages = []
    if selection.unknown:
        messages.append(i18n.t("compare.unknown_codes", lang, codes=", ".join(selection.unknown)))
    if selection.without_data:
        listed = ", ".join(f"{names.get(c, c)} ({c})" for c in selection.without_data)
        messages.append(i18n.t("compare.no_data", lang, names=listed))
    if selection.dropped:
        listed = ", ".join(names.get(c, c) for c in selection.dropped)
        messages.append(i18n.t("compare.too_many", lang, max=MAX_COMPARE, names=listed))
    return messages


def profile_url(code: str) -> str:
    """Relative link to a municipality's profile page."""
    return f"./profile?{PROFILE_PARAM}={code}"


def entity_names(
    keys: Iterable[str], municipalities: pd.DataFrame, lang: str | None
) -> dict[str, str]:
    """Display names of the compared rows (the peer median gets a short legend name)."""
    names = municipality_names(municipalities)
    return {
        key: i18n.t("compare.peer_median", lang) if key == PEER_KEY else str(names.get(key, key))
        for key in keys
    }


def comparison_table(
    maturity: pd.DataFrame,
    measures: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    codes: Sequence[str],
    peer_median_of: str | None = None,
    same_province: bool = False,
    lang: str | None = None,
) -> pd.DataFrame:
    """Everything the compare page shows, one row per municipality, headers in ``lang``.

    Columns: name, code, province, inhabitants, size class, urbanity, year of the latest
    assessment, overall maturity, the eight dimension levels, measures (excluding
    stopped ones), measures per 10,000 inhabitants, then per theme the count and the share
    in percent. The peer-median row holds medians of the levels (and of the overall
    levels), the mean theme mix of the group (see :func:`cop.maturity.approach.group_mix`) and no
    municipality facts.
    """
    levels = compare_levels(
        maturity,
        municipalities,
        codes=codes,
        peer_median_of=peer_median_of,
        same_province=same_province,
    )
    mix = theme_mix(measures, municipalities, codes=list(codes))
    overall = latest_overall(maturity).set_index("municipality_code")[OVERALL]
    overall_of: dict[str, float] = {str(k): float(v) for k, v in overall.items()}
    if peer_median_of is not None:
        group = peer_group(
            peer_median_of,
            municipalities,
            assessed_codes(maturity),
            same_province=same_province,
        )
        peer_mix = theme_mix(measures, municipalities, codes=list(group.members))
        mix = pd.concat([mix, group_mix(peer_mix, group.members, PEER_KEY)], ignore_index=True)
        if group.members:  # the peer row: median of the members' overall levels
            median = overall.reindex(list(group.members)).median()
            overall_of[PEER_KEY] = round(float(median), 1)
    names = entity_names(levels.index, municipalities, lang)
    towns = municipalities.set_index("code")
    rows = [
        {
            **_fact_columns(key, names[key], towns, levels, overall_of, lang),
            **_level_columns(levels.loc[key], lang),
            **_measure_columns(mix[mix["municipality_code"] == key].set_index("theme"), lang),
        }
        for key in levels.index
    ]
    table = pd.DataFrame(rows)
    whole = [
        i18n.t(k, lang)
        for k in ("compare.col_population", "compare.col_urbanity", "compare.col_year")
    ]
    return table.astype(dict.fromkeys(whole, "Int64"))


def _fact_columns(
    key: str,
    name: str,
    towns: pd.DataFrame,
    levels: pd.DataFrame,
    overall_of: Mapping[str, float],
    lang: str | None,
) -> dict[str, object]:
    """Name, facts of the municipality (none for the peer median), year and overall."""
    town = towns.loc[key] if key in towns.index else None
    size = None if town is None else size_class_label(size_class(float(town["population"])), lang)
    return {
        i18n.t("compare.col_name", lang): name,
        i18n.t("compare.col_code", lang): None if town is None else key,
        i18n.t("compare.col_province", lang): None if town is None else town["province"],
        i18n.t("compare.col_population", lang): None if town is None else int(town["population"]),
        i18n.t("compare.col_size_class", lang): size,
        i18n.t("compare.col_urbanity", lang): None if town is None else int(town["urbanity"]),
        i18n.t("compare.col_year", lang): _int_or_none(levels.loc[key, "year"]),
        i18n.t("compare.col_overall", lang): overall_of.get(key),
    }


def _level_columns(levels: pd.Series, lang: str | None) -> dict[str, object]:
    """The eight dimension levels (empty where not scored)."""
    return {
        i18n.label("dimension", d, lang): None if pd.isna(levels[d]) else float(levels[d])
        for d in vocab.DIMENSIONS
    }


def _measure_columns(part: pd.DataFrame, lang: str | None) -> dict[str, object]:
    """Measures in total and per 10,000 inhabitants, then per theme the count and share (%)."""
    per_10k = part["per_10k"].sum(min_count=1)
    out: dict[str, object] = {
        i18n.t("compare.col_measures", lang): round(float(part["measures"].sum()), 1),
        i18n.t("compare.col_per_10k", lang): None if pd.isna(per_10k) else round(float(per_10k), 2),
    }
    for theme in vocab.THEMES:
        label = i18n.label("theme", theme, lang)
        count = float(part.loc[theme, "measures"]) if theme in part.index else 0.0
        share = float(part.loc[theme, "share"]) if theme in part.index else 0.0
        out[i18n.t("compare.col_theme_count", lang, theme=label)] = round(count, 1)
        out[i18n.t("compare.col_theme_share", lang, theme=label)] = round(share * 100, 1)
    return out


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(np.asarray(value).item())
