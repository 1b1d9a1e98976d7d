"""One fit with everything TRIM reports for it: the parameters, their tests and, for
model 2 with stepwise selection, the selection itself.

:func:`fit_single` runs the model of a :class:`~cop.monitoring.engine.design.ModelSpec`
on a prepared table holding a single series and returns the batch-style per-fit arrays
together with the design, the Wald tests and the stepwise steps; ``cop.monitoring.trim``
turns that into a :class:`~cop.monitoring.engine.results.TrimResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cop.monitoring.engine.batch import (
    Fitted,
    Prepared,
    build_stacks,
    changepoint_columns,
    design_for,
    fit_prepared,
)
from cop.monitoring.engine.design import Design, ModelSpec
from cop.monitoring.engine.results import TrimInputError
from cop.monitoring.engine.stepwise import select
from cop.monitoring.engine.structure import prepare


@dataclass
class SingleFit:
    """The fitted series (``fitted``: per-fit arrays with ``detail``), its design, the
    Wald-test inputs, and for stepwise selection the steps and the first fit."""

    fitted: Fitted
    design: Design | None
    stepwise_steps: list[dict[str, Any]] | None = None
    stepwise_first: Fitted | None = None


def fit_single(
    prepared: Prepared, spec: ModelSpec, overdispersion: bool, serial_correlation: bool
) -> SingleFit:
    """Fit ``spec`` to the one series of ``prepared`` (stepwise selection if asked)."""
    if not spec.uses_stepwise:
        design = design_for(spec, prepared)
        fitted = fit_prepared(
            prepared, design, overdispersion, serial_correlation, extras={"detail": True}
        )
        return SingleFit(fitted, design)
    proposed = changepoint_columns(spec, prepared.coded.years)
    if len(proposed) < 2:
        raise TrimInputError(
            "stepwise_needs_changepoints",
            "stepwise selection needs at least two proposed changepoints",
        )

    def fit(columns: list[int]) -> dict[str, Any]:
        design = design_for(spec, prepared, columns)
        fitted = fit_prepared(
            prepared, design, overdispersion, serial_correlation, extras={"detail": True}
        )
        return _as_candidate(fitted, design, prepared, spec, overdispersion, serial_correlation)

    final, steps, first = select(proposed, fit)
    return SingleFit(final["fitted"], final["design"], steps, first["fitted"])


def _as_candidate(
    fitted: Fitted,
    design: Design,
    prepared: Prepared,
    spec: ModelSpec,
    overdispersion: bool,
    serial_correlation: bool,
) -> dict[str, Any]:
    """What the stepwise selection needs of one fit."""
    g = fitted.g
    F, ymask, x, base, *_rest, model, _extras = build_stacks(
        prepared.coded,
        prepared.attrs,
        design,
        [np.array([0])],
        prepared.base_col,
        overdispersion,
        serial_correlation,
        {},
    )[0]
    return {
        "fitted": fitted,
        "design": design,
        "ok": g["status"][0] == "",
        "beta": g["beta"][0],
        "var_beta": g["var_beta"][0],
        "free": g["free"][0],
        "alpha": g["alpha"][0],
        "sig2": float(g["sig2"][0]),
        "rho": float(np.nan_to_num(g["rho"][0])),
        "overdispersion": overdispersion,
        "serial_correlation": serial_correlation and not bool(g["rho_fallback"][0]),
        "rebuild": lambda columns: design_for(spec, prepared, columns),
        "structure": lambda d: prepare(F, ymask, x, base, d, model["group"]),
    }
