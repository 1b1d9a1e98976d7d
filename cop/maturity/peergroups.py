"""Peer groups: "municipalities like you", by CBS size class and urbanity.

People in the CoP compare themselves with municipalities of a similar size and
urbanity (CBS *stedelijkheid*), sometimes in the same province. With some 35 partners
most exact groups (size class x urbanity) hold only one or two others, too few for a
median and quartiles, so :func:`peer_group` widens step by step until the group has at
least :data:`MIN_PEERS` members and says which step it took (:data:`WIDENING_STEPS`):

0. same size class and same urbanity (and the same province, when asked for)
1. same size class and same urbanity (any province)
2. same size class, urbanity at most one step apart
3. size class and urbanity each at most one step apart
4. size class at most one step apart, any urbanity
5. every municipality that has data (the whole CoP)

Five is the smallest group for which a median and quartiles say more than the values
themselves. The order keeps size before urbanity because budgets and staff, which limit
what a municipality can do, scale with size first.

Examples
--------
>>> size_class(35_000)
2
>>> size_class([12_000, 250_000])
array([1, 5])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cop.core import i18n

__all__ = [
    "MIN_PEERS",
    "SIZE_CLASSES",
    "SIZE_CLASS_BOUNDS",
    "WIDENING_STEPS",
    "PeerGroup",
    "peer_group",
    "size_class",
    "size_class_label",
    "with_size_class",
]

# CBS size classes by population: < 20k, 20-50k, 50-100k, 100-250k, >= 250k -> 1..5.
SIZE_CLASS_BOUNDS: tuple[int, ...] = (20_000, 50_000, 100_000, 250_000)
SIZE_CLASSES: tuple[int, ...] = (1, 2, 3, 4, 5)
MIN_PEERS = 5


@dataclass(frozen=True)
class WideningStep:
    """How far a peer may differ: ``None`` means "any"."""

    size_apart: int | None
    urbanity_apart: int | None
    same_province: bool


WIDENING_STEPS: tuple[WideningStep, ...] = (
    WideningStep(0, 0, True),
    WideningStep(0, 0, False),
    WideningStep(0, 1, False),
    WideningStep(1, 1, False),
    WideningStep(1, None, False),
    WideningStep(None, None, False),
)


def size_class(population: float | int | Sequence[float] | pd.Series) -> int | np.ndarray:
    """CBS size class 1..5 of a population (< 20k, 20-50k, 50-100k, 100-250k, >= 250k).

    A boundary belongs to the class above it (exactly 20,000 inhabitants is class 2), as
    in the CBS tables "gemeenten met 20 000 tot 50 000 inwoners".
    """
    values = np.asarray(population, dtype=float)
    classes = np.searchsorted(np.asarray(SIZE_CLASS_BOUNDS, dtype=float), values, side="right") + 1
    return int(classes) if classes.ndim == 0 else classes


def size_class_label(size: int, lang: str | None = None) -> str:
    """The class in words, e.g. ``"20.000–50.000 inwoners"``."""
    return i18n.t(f"sizeclass.c{int(size)}", lang)


def with_size_class(municipalities: pd.DataFrame) -> pd.DataFrame:
    """``municipalities`` with an integer ``size_class`` column added."""
    out = municipalities.copy()
    out["size_class"] = pd.array(
        size_class(out["population"].astype(float).to_numpy()), dtype="Int64"
    )
    return out


@dataclass(frozen=True)
class PeerGroup:
    """The peers of one municipality and how the group was found.

    Attributes
    ----------
    code
        The municipality the group is for (not one of ``members``).
    members
        Codes of the peers, sorted.
    step
        Index in :data:`WIDENING_STEPS` that gave at least :data:`MIN_PEERS` members (or
        the last step when even the whole CoP is smaller).
    """

    code: str
    members: tuple[str, ...]
    step: int

    @property
    def widened(self) -> bool:
        """True when the group is wider than "same size class and urbanity"."""
        return self.step > 1

    def describe(self, lang: str | None = None) -> str:
        """The rule of this group in words, for a caption under a chart."""
        return i18n.t(f"peergroup.step{self.step}", lang, n=len(self.members))


def peer_group(
    code: str,
    municipalities: pd.DataFrame,
    candidates: Iterable[str],
    *,
    same_province: bool = False,
    min_peers: int = MIN_PEERS,
) -> PeerGroup:
    """The peer group of ``code`` among ``candidates`` (e.g. the assessed partners).

    Parameters
    ----------
    code
        The municipality; it need not be a candidate itself (a newcomer may look).
    municipalities
        The municipalities table (``code``, ``population``, ``urbanity``, ``province``).
    candidates
        Codes that may be peers, typically those with a maturity assessment.
    same_province
        Start with peers in the same province; without it step 0 is skipped.
    min_peers
        Widen until the group has at least this many members.

    Raises
    ------
    KeyError
        When ``code`` is not in ``municipalities``.
    """
    towns = with_size_class(municipalities).set_index("code")
    if code not in towns.index:
        raise KeyError(f"unknown municipality code: {code}")
    own = towns.loc[code]
    pool = towns.loc[towns.index.isin(set(candidates)) & (towns.index != code)]
    size_gap = (pool["size_class"].astype(int) - int(own["size_class"])).abs()
    urbanity_gap = (pool["urbanity"].astype(int) - int(own["urbanity"])).abs()
    first = 0 if same_province else 1
    members: list[str] = []
    step = first
    for step in range(first, len(WIDENING_STEPS)):
        rule = WIDENING_STEPS[step]
        keep = pd.Series(True, index=pool.index)
        if rule.size_apart is not None:
            keep &= size_gap <= rule.size_apart
        if rule.urbanity_apart is not None:
            keep &= urbanity_gap <= rule.urbanity_apart
        if rule.same_province:
            keep &= pool["province"] == own["province"]
        members = sorted(pool.index[keep.to_numpy(dtype=bool)])
        if len(members) >= min_peers:
            break
    return PeerGroup(code=code, members=tuple(members), step=step)
