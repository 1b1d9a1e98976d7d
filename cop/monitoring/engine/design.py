"""What a TRIM model estimates: the model specification and its design matrices.

Every TRIM model is ``ln mu_ij = alpha_i + (B_g beta)_j``: a site effect plus a linear
combination of the parameters ``beta`` that depends on the year ``j`` and, with
covariates, on the site's covariate classes ``g``:

* **model 1** has no parameters (no time effect; ``B`` has no columns);
* **model 2** has one slope per interval between changepoints: column ``c`` of ``B`` is
  ``clip(year − cp_c, 0, cp_{c+1} − cp_c)`` (TRIM's piecewise linear trend in real years;
  the last interval ends at the last year);
* **model 3** has one effect per year (``B`` is the identity; the effect of the first
  year is fixed at 0);
* **covariates** (categorical, constant within a site) add one copy of the baseline
  columns per covariate class other than the first, non-zero only for that class's sites
  (TRIM's "effects of covariates on the slopes/time effects").

Sites are grouped by their combination of covariate classes, so ``B`` is stored once per
group: ``(G, J, p)``. Model 3 without covariates, the engine's hot path, keeps no ``B`` at
all (:attr:`Design.identity`): its parameters are the year effects themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Spellings of "all changepoints" and "stepwise selection" accepted for model 2.
ALL_CHANGEPOINTS = "all"
AUTO_CHANGEPOINTS = "auto"


@dataclass(frozen=True)
class ModelSpec:
    """Which TRIM model to fit and with which options.

    ``changepoints`` (model 2 only) are years, ``"all"`` (every year but the last) or
    ``"auto"`` (all, then TRIM's stepwise selection); None means TRIM's default, one
    slope from the first year. ``stepwise`` asks for the stepwise selection starting
    from ``changepoints``. ``covariates`` are column names of categorical, per-site
    variables; ``weights`` the column of the site weights.
    """

    model: int = 3
    changepoints: tuple[int, ...] | str | None = None
    stepwise: bool = False
    covariates: tuple[str, ...] = ()
    weights: str | None = None

    @property
    def uses_stepwise(self) -> bool:
        return self.model == 2 and (self.stepwise or self.changepoints == AUTO_CHANGEPOINTS)


@dataclass
class Design:
    """The design matrices of one model on one set of years (shared by a stack of fits).

    ``B`` is ``(G, J, p)`` (None for model 3 without covariates: the identity), ``p0``
    the number of baseline parameters, ``blocks`` one dict per block of ``p0`` columns
    (``{"covariate": None}`` for the baseline, else the covariate's name, its class
    label and class number), ``changepoints`` the changepoint columns (model 2) and
    ``combos`` ``(G, n_covariates)`` the class numbers of each site group and
    ``covariates`` the ``(name, class labels)`` of every covariate.
    """

    model: int
    years: np.ndarray
    B: np.ndarray | None
    p0: int
    blocks: list[dict[str, Any]] = field(default_factory=list)
    changepoints: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    combos: np.ndarray = field(default_factory=lambda: np.zeros((1, 0), dtype=np.int64))
    covariates: list[tuple[str, list[Any]]] = field(default_factory=list)

    @property
    def identity(self) -> bool:
        """Model 3 without covariates: the parameters are the year effects themselves."""
        return self.B is None

    @property
    def n_groups(self) -> int:
        return 1 if self.B is None else int(self.B.shape[0])

    @property
    def p(self) -> int:
        return len(self.years) if self.B is None else int(self.B.shape[2])

    @property
    def single_slope(self) -> bool:
        """Model 2 with one changepoint at the first year and no covariates: one slope,
        which TRIM tests itself rather than a change in slope."""
        cps = self.changepoints
        return self.model == 2 and len(cps) == 1 and cps[0] == 0 and len(self.blocks) == 1


def model2_columns(x: np.ndarray, changepoints: Sequence[int]) -> np.ndarray:
    """TRIM's model-2 design on the years ``x`` for changepoint columns ``changepoints``.

    Column ``c`` rises by one per year from changepoint ``c`` to the next one (or to the
    last year) and stays flat afterwards, so its coefficient is the slope of that interval.

    Examples
    --------
    >>> model2_columns(np.arange(2000.0, 2005.0), [0, 2]).T.tolist()
    [[0.0, 1.0, 2.0, 2.0, 2.0], [0.0, 0.0, 0.0, 1.0, 2.0]]
    """
    cps = list(changepoints)
    B = np.zeros((len(x), len(cps)))
    for c, start in enumerate(cps):
        stop = cps[c + 1] if c + 1 < len(cps) else len(x) - 1
        B[:, c] = np.clip(x - x[start], 0.0, x[stop] - x[start])
    return B


def build_design(
    model: int,
    years: np.ndarray,
    changepoints: Sequence[int] = (),
    covariates: Sequence[tuple[str, Sequence[Any]]] = (),
    combos: np.ndarray | None = None,
) -> Design:
    """The design of ``model`` on ``years``.

    ``changepoints`` are column numbers into ``years`` (model 2). ``covariates`` lists
    ``(name, class labels)`` per covariate; ``combos`` ``(G, n_covariates)`` the class
    numbers (0 = first class) of every site group that occurs.
    """
    x = np.asarray(years, dtype=float)
    J = len(x)
    if model == 3 and not covariates:
        return Design(model=3, years=x, B=None, p0=J, blocks=[{"covariate": None}])
    if model == 1:
        B0 = np.zeros((J, 0))
    elif model == 2:
        B0 = model2_columns(x, changepoints)
    else:
        B0 = np.eye(J)
    combos = np.zeros((1, len(covariates)), dtype=np.int64) if combos is None else combos
    blocks: list[dict[str, Any]] = [{"covariate": None}]
    parts = [np.broadcast_to(B0, (len(combos), J, B0.shape[1]))]
    for v, (name, labels) in enumerate(covariates):
        for c in range(1, len(labels)):
            blocks.append({"covariate": name, "class": labels[c], "class_number": c + 1})
            member = (combos[:, v] == c).astype(float)[:, None, None]
            parts.append(member * B0[None])
    return Design(
        model=model,
        years=x,
        B=np.concatenate(parts, axis=2),
        p0=B0.shape[1],
        blocks=blocks,
        changepoints=np.asarray(changepoints, dtype=np.int64),
        combos=combos,
        covariates=[(name, list(labels)) for name, labels in covariates],
    )


def informative(design: Design, group: np.ndarray, pos_obs: np.ndarray) -> np.ndarray:
    """``(K, p)``: parameters whose column varies within at least one site's positive
    counts (otherwise the site effects absorb it and it cannot be estimated).

    ``group`` ``(K, I)`` is each site's group, ``pos_obs`` ``(K, I, J)`` its observed
    positive counts.
    """
    assert design.B is not None
    K = pos_obs.shape[0]
    out = np.zeros((K, design.p), dtype=bool)
    for k in range(K):  # (I, J, p) per fit keeps memory small for large stacks
        vals = design.B[group[k]]
        seen = pos_obs[k][:, :, None]
        hi = np.where(seen, vals, -np.inf).max(axis=1)
        lo = np.where(seen, vals, np.inf).min(axis=1)
        out[k] = (np.isfinite(hi) & (hi - lo > 1e-12)).any(axis=0)
    return out


def members(design: Design, group: np.ndarray, pos_obs: np.ndarray) -> np.ndarray:
    """``(K, p)``: parameters of a block whose covariate class has fitted sites."""
    K = pos_obs.shape[0]
    out = np.ones((K, design.p), dtype=bool)
    site_in = pos_obs.any(axis=2)
    for b, block in enumerate(design.blocks):
        if block["covariate"] is None:
            continue
        v = [blk["covariate"] for blk in design.blocks[1:]]
        v_index = list(dict.fromkeys(v)).index(block["covariate"])
        in_class = design.combos[group, v_index] == block["class_number"] - 1
        has = (in_class & site_in).any(axis=1)
        out[:, b * design.p0 : (b + 1) * design.p0] = has[:, None]
    return out
