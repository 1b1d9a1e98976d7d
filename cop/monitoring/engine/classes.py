"""TRIM's trend classes: from a multiplicative slope and its standard error to a class.

The classes and their rules are those of the TRIM manual (Statistics Netherlands); the
wording people read lives in :mod:`cop.monitoring.presentation`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Two-sided normal quantiles of the 95% and 99% confidence intervals.
Z95 = 1.959963984540054
Z99 = 2.5758293035489004

#: Margin by which an interval must clear 1 for a moderate trend (rtrim's ``eps``).
_EPS = 1e-7

#: Trend classes of the TRIM manual, as stable codes (Dutch: sterke toename, matige
#: toename, stabiel, onzeker, matige afname, sterke afname).
TREND_CLASSES = (
    "strong_increase",
    "moderate_increase",
    "stable",
    "uncertain",
    "moderate_decline",
    "steep_decline",
)
_CLASS_TEXT = {
    "strong_increase": "Strong increase",
    "moderate_increase": "Moderate increase",
    "stable": "Stable",
    "uncertain": "Uncertain",
    "moderate_decline": "Moderate decline",
    "steep_decline": "Steep decline",
}


def classify_slope(mult: float, se_mult: float, z: float = Z95) -> str:
    """TRIM manual trend class of a multiplicative slope.

    The confidence interval is ``mult ± z · se_mult`` on the multiplicative scale (this
    reproduces all TRIM 3.61 labels; rtrim's additive t-interval does not). Strength
    outranks significance: a lower limit above 1.05 is a strong increase even when the
    interval is wide. A slope of exactly 1 with no uncertainty (model 1's model slope)
    is stable, not a change: "moderate" needs the interval to clear 1 by more than
    1e-7, as in rtrim. Returns one of ``TREND_CLASSES``, or "uncertain" for NaN input.

    Examples
    --------
    >>> classify_slope(1.0497, 0.0112)
    'moderate_increase'
    >>> classify_slope(1.00, 0.01)
    'stable'
    """
    if not (np.isfinite(mult) and np.isfinite(se_mult)):
        return "uncertain"
    lower, upper = mult - z * se_mult, mult + z * se_mult
    if lower > 1.05:
        return "strong_increase"
    if upper < 0.95:
        return "steep_decline"
    if lower > 1.0 + _EPS:
        return "moderate_increase"
    if upper < 1.0 - _EPS:
        return "moderate_decline"
    if lower > 0.95 and upper < 1.05:
        return "stable"
    return "uncertain"


def trim_label(mult: float, se_mult: float) -> tuple[str, str | None, str]:
    """Class, significance and English label as TRIM 3.61 prints them.

    A strong trend at p<0.01 outranks one at p<0.05, which outranks a moderate trend at
    p<0.01, and so on (the order in rtrim's ``overall()``).

    Examples
    --------
    >>> trim_label(1.0497, 0.0112)
    ('moderate_increase', 'p<0.01', 'Moderate increase (p<0.01)')
    """
    strict, loose = classify_slope(mult, se_mult, Z99), classify_slope(mult, se_mult, Z95)
    for wanted in (("strong_increase", "steep_decline"), ("moderate_increase", "moderate_decline")):
        for code, sig in ((strict, "p<0.01"), (loose, "p<0.05")):
            if code in wanted:
                return code, sig, f"{_CLASS_TEXT[code]} ({sig})"
    return loose, None, _CLASS_TEXT[loose]


def slope_dict(additive: float, additive_se: float) -> dict[str, Any]:
    """An overall slope as the results report it: additive and multiplicative with SEs,
    TRIM's class, significance and label (None where the slope is not estimable).

    The multiplicative SE is the delta-method ``exp(b) · se(b)``, as TRIM prints it.

    Examples
    --------
    >>> slope_dict(0.0, 0.01)["trend_class"]
    'stable'
    """
    ok = bool(np.isfinite(additive))
    mult = math.exp(additive) if ok else float("nan")
    mult_se = mult * additive_se
    code, sig, label = trim_label(mult, mult_se) if ok else (None, None, None)
    return {
        "additive": float(additive),
        "additive_se": float(additive_se),
        "multiplicative": mult,
        "multiplicative_se": mult_se,
        "trend_class": code,
        "significance": sig,
        "label": label,
    }


def classify_slopes(mult: np.ndarray, se_mult: np.ndarray, z: float = Z95) -> np.ndarray:
    """:func:`classify_slope` for arrays (object array of class codes), for batches."""
    mult, se_mult = np.asarray(mult, dtype=float), np.asarray(se_mult, dtype=float)
    with np.errstate(invalid="ignore"):
        lower, upper = mult - z * se_mult, mult + z * se_mult
        finite = np.isfinite(mult) & np.isfinite(se_mult)
        conditions = [
            ~finite,
            lower > 1.05,
            upper < 0.95,
            lower > 1.0 + _EPS,
            upper < 1.0 - _EPS,
            (lower > 0.95) & (upper < 1.05),
        ]
    choices = ["uncertain", "strong_increase", "steep_decline", "moderate_increase"]
    choices += ["moderate_decline", "stable"]
    return np.select(conditions, choices, default="uncertain").astype(object)


def trim_labels(mult: np.ndarray, se_mult: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`trim_label`'s class and significance for arrays (significance None where
    the class is not a significant trend)."""
    strict, loose = classify_slopes(mult, se_mult, Z99), classify_slopes(mult, se_mult, Z95)
    code = loose.copy()
    sig = np.full(code.shape, None, dtype=object)
    for wanted in (("strong_increase", "steep_decline"), ("moderate_increase", "moderate_decline")):
        for found, level in ((strict, "p<0.01"), (loose, "p<0.05")):
            hit = np.isin(found, wanted) & (sig == None)  # noqa: E711 (object array)
            code[hit], sig[hit] = found[hit], level
    return code, sig
