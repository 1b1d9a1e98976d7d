"""Reading the output files of TRIM 3.61/3.70 (``.out``) and their control files (``.tcf``).

Only what the validation in ``tests/test_trim361.py`` compares: the model and options,
σ², ρ, goodness of fit and Wald tests (before and after a stepwise selection), the
stepwise steps, the parameter estimates, time indices and totals, and the overall slopes.
Time points are TRIM's 1…J; the caller maps them to years.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

NUMBER = r"-?\d+(?:\.\d*)?"


@dataclass
class Block:
    """One estimation TRIM reports: σ², ρ, goodness of fit and Wald tests."""

    overdispersion: float | None = None
    serial_correlation: float | None = None
    gof: dict[str, float] = field(default_factory=dict)
    wald_slope: dict[str, float] | None = None
    wald_deviations: dict[str, float] | None = None
    wald_changes: list[dict[str, float]] = field(default_factory=list)
    wald_covariates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class TrimOut:
    """A parsed ``.out`` file."""

    version: str
    model: int
    changepoints: list[int]
    covariates: list[str]
    weighted: bool
    method: str
    blocks: list[Block]
    stepwise: list[dict[str, Any]]
    remaining: list[int]
    parameters: list[dict[str, Any]]
    indices: pd.DataFrame
    totals: pd.DataFrame
    overall: dict[str, dict[str, Any]]
    overall_through_base: dict[str, dict[str, Any]]

    @property
    def final(self) -> Block:
        return self.blocks[-1]


def read_tcf(path: Path) -> dict[str, Any]:
    """The options of a TRIM control file (keys lower case)."""
    opts: dict[str, Any] = {"changepoints": [], "covariates": [], "stepwise": False}
    for raw in path.read_text(encoding="latin-1").splitlines():
        words = raw.split()
        if not words:
            continue
        key, rest = words[0].lower(), words[1:]
        if key == "model":
            opts["model"] = int(rest[0])
        elif key in ("overdisp", "serialcor", "weighting", "stepwise"):
            opts[key] = rest[0].lower() == "on"
        elif key == "changepoints":
            opts["changepoints"] = [int(w) for w in rest]
        elif key == "covariates":
            opts["covariates"] = [int(w) for w in rest]
        elif key == "file":
            opts["file"] = rest[0]
    return opts


def read_out(path: Path) -> TrimOut:
    """Parse a TRIM ``.out`` file."""
    text = path.read_text(encoding="latin-1")
    lines = text.splitlines()
    version = re.search(r"TRIM (\d\.\d+)", text).group(1)
    header = _section(lines, "RESULTS FOR MODEL")
    model = 2 if "Linear Trend" in lines[header] else 3
    model = 1 if "No Time Effects" in lines[header] else model
    body = lines[header:]
    split = _find(body, "STEPWISE SELECTION OF CHANGEPOINTS")
    parts = [body[:split], body[split:]] if split is not None else [body]
    return TrimOut(
        version=version,
        model=model,
        changepoints=_listed_after(body, "Changes in Slope at Timepoints"),
        covariates=_covariate_names(body),
        weighted=any("WEIGHTING = On" in line for line in body),
        method=next(ln.split("=")[1].strip() for ln in body if "ESTIMATION METHOD" in ln),
        blocks=[_block(part) for part in parts],
        stepwise=_stepwise(body),
        remaining=_listed_after(body, "Remaining Changepoints at time:"),
        parameters=_parameters(body, model),
        indices=_table(body, "Time INDICES"),
        totals=_table(body, "TIME TOTALS"),
        overall=_overall(body, through_base=False),
        overall_through_base=_overall(body, through_base=True),
    )


def read_vcov(path: Path) -> pd.DataFrame:
    """A TRIM ``.ocv`` file: the covariance matrix of the imputed time totals."""
    rows = [[float(v) for v in line.split()] for line in path.read_text().splitlines()]
    return pd.DataFrame([r for r in rows if r])


# ------------------------------------------------------------------ helpers


def _find(lines: list[str], marker: str, start: int = 0) -> int | None:
    for i in range(start, len(lines)):
        if marker in lines[i]:
            return i
    return None


def _section(lines: list[str], marker: str) -> int:
    found = _find(lines, marker)
    if found is None:
        raise ValueError(f"no {marker!r} in TRIM output")
    return found


def _numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(NUMBER, line)]


def _listed_after(lines: list[str], marker: str) -> list[int]:
    at = _find(lines, marker)
    return [] if at is None else [int(v) for v in lines[at + 1].split()]


def _covariate_names(lines: list[str]) -> list[str]:
    at = _find(lines, "Effects of covariate(s)")
    names = []
    if at is None:
        return names
    for line in lines[at + 1 :]:
        word = line.strip()
        if not word or word.startswith("Changes in Slope"):
            break
        names.append(word)
    return names


def _block(lines: list[str]) -> Block:
    block = Block()
    for i, line in enumerate(lines):
        if "Estimated Overdispersion" in line:
            block.overdispersion = float(line.split("=")[1])
        elif "Estimated Serial Correlation" in line:
            block.serial_correlation = float(line.split("=")[1])
        elif line.strip().startswith("Chi-square"):
            chi2, df, p = _numbers(line)
            block.gof.update(pearson_chi2=chi2, df=int(df), pearson_p=p)
        elif line.strip().startswith("Likelihood Ratio"):
            lr, _, p = _numbers(line)
            block.gof.update(likelihood_ratio=lr, likelihood_ratio_p=p)
        elif "AIC (up to a constant)" in line:
            block.gof["aic"] = _numbers(line)[0]
        elif "WALD-TEST FOR SIGNIFICANCE OF SLOPE PARAMETER" in line:
            w, df, p = _numbers(lines[i + 1])
            block.wald_slope = {"wald": w, "df": int(df), "p": p}
        elif "DEVIATIONS FROM LINEAR TREND" in line:
            w, df, p = _numbers(lines[i + 1])
            block.wald_deviations = {"wald": w, "df": int(df), "p": p}
        elif "WALD-TEST FOR SIGNIFICANCE OF CHANGES IN SLOPE" in line:
            for row in _rows(lines, i + 2):
                cp, w, df, p = _numbers(row)
                block.wald_changes.append({"time": int(cp), "wald": w, "df": int(df), "p": p})
        elif "WALD-TEST FOR SIGNIFICANCE OF COVARIATES" in line:
            for row in _rows(lines, i + 2):
                name, *values = row.split()
                w, df, p = (float(v) for v in values)
                block.wald_covariates.append({"covariate": name, "wald": w, "df": int(df), "p": p})
    return block


def _rows(lines: list[str], start: int) -> list[str]:
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def _stepwise(lines: list[str]) -> list[dict[str, Any]]:
    steps = []
    for line in lines:
        m = re.search(
            r"(Deleted|Added|Inserted) ChangePoint\s+(\d+)\s+Significance to \w+\s+(\S+)", line
        )
        if m:
            action = "remove" if m.group(1) == "Deleted" else "add"
            steps.append({"action": action, "time": int(m.group(2)), "p": float(m.group(3))})
    return steps


def _parameters(lines: list[str], model: int) -> list[dict[str, Any]]:
    """Rows of the parameter estimates: ``block`` ("baseline" or ``(covariate number,
    category)``), ``from``/``upto`` (model 2) or ``time`` (model 3), the additive and
    multiplicative values with SEs; linear-trend rows have ``kind`` "slope"/"deviation"."""
    start = _find(lines, "PARAMETER ESTIMATES")
    if start is None:
        return []
    stop = _find(lines, "Time INDICES", start)
    part = lines[start + 1 : stop]
    rows: list[dict[str, Any]] = []
    block: Any = "baseline"
    interval: tuple[int, int] | None = None
    kind = "parameter"
    expect_interval = False
    covariate_number = None
    for line in part:
        words = line.split()
        if not words:
            continue
        if words[:2] == ["from", "upto"] and len(words) == 2:
            expect_interval, block = True, "baseline"
            continue
        if expect_interval:
            interval, expect_interval = (int(words[0]), int(words[1])), False
            continue
        if words[0] == "Covariate" and len(words) == 2:
            covariate_number = int(words[1])
            continue
        if words[0] == "Category":
            block = (covariate_number, int(words[1]))
            words = words[2:]
            if not words:
                continue
        if words[0] == "Constant":
            block = "baseline"
            words = words[1:]
            if not words:
                continue
        if words[0] in ("Linear", "Time") and "Deviations" in line:
            kind = "deviation"
            continue
        values = _numbers(" ".join(w for w in words if re.fullmatch(NUMBER, w)))
        if words[0] == "Slope" and len(values) == 4:
            rows.append({"block": block, "kind": "slope", **_four(values)})
        elif words[0] == "Time" and len(values) in (2, 5):
            rows.append(_time_row(block, kind, values))
        elif len(values) == 6 and model == 2:
            rows.append(
                {
                    "block": block,
                    "from": int(values[0]),
                    "upto": int(values[1]),
                    **_four(values[2:]),
                }
            )
        elif len(values) == 4 and model == 2 and interval is not None:
            rows.append({"block": block, "from": interval[0], "upto": interval[1], **_four(values)})
        elif len(values) in (2, 5) and model == 3 and words[0] != "Time":
            rows.append(_time_row(block, kind, values))
    return rows


def _time_row(block: Any, kind: str, values: list[float]) -> dict[str, Any]:
    if len(values) == 2:  # the reference time point: 0 and 1 without SEs
        return {"block": block, "kind": kind, "time": int(values[0]), **_four([0.0, 0.0, 1.0, 0.0])}
    return {"block": block, "kind": kind, "time": int(values[0]), **_four(values[1:])}


def _four(values: list[float]) -> dict[str, float]:
    add, se_add, mul, se_mul = values
    return {
        "additive": add,
        "additive_se": se_add,
        "multiplicative": mul,
        "multiplicative_se": se_mul,
    }


def _table(lines: list[str], marker: str) -> pd.DataFrame:
    """TIME INDICES / TIME TOTALS: time, model, model_se, imputed, imputed_se (the
    base time point has no SEs: 0)."""
    at = _section(lines, marker)
    rows = []
    for line in lines[at + 2 :]:
        values = _numbers(line)
        if not values:
            break
        if len(values) == 3:
            values = [values[0], values[1], 0.0, values[2], 0.0]
        rows.append(values)
    return pd.DataFrame(rows, columns=["time", "model", "model_se", "imputed", "imputed_se"])


def _overall(lines: list[str], through_base: bool) -> dict[str, dict[str, Any]]:
    out = {}
    for i, line in enumerate(lines):
        if not line.strip().startswith("OVERALL SLOPE"):
            continue
        if ("through base" in line) != through_base:
            continue
        kind = "model" if "MODEL" in line else "imputed"
        label = line.split(":", 1)[1].strip().rstrip(" *") if ":" in line else None
        out[kind] = {**_four(_numbers(lines[i + 2])), "label": label}
    return out
