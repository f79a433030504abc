"""standardise: each value's distance from its population (a period, or period × groups)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfassess.core.people import listing
from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import StepKind
from perfassess.spec.pack import StandardiseStep

_ROLES = {
    "median_mad": {"center", "spread", "score"},
    "zscore": {"center", "spread", "score"},
    "rank": {"score"},
    "percent_of_max": {"center", "score"},
    "min_max": {"score"},
}


def prepare(step: StandardiseStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    numeric_input(step.input, in_type.kind, (*path, "input"))
    by = step.by_fields()
    for i, name in enumerate(by):
        schema.require_field(name, (*path, "by") if isinstance(step.by, str) else (*path, "by", i))
    extra = set(step.outputs) - _ROLES[step.method]
    if extra:
        raise PlanError("E-PACK-SCHEMA", f"method {step.method} has no output "
                        f"{sorted(extra)[0]!r} (it gives {listing(sorted(_ROLES[step.method]))})",
                        (*path, "outputs"))
    if "score" not in step.outputs:
        raise PlanError("E-PACK-SCHEMA", "standardise needs a 'score' output", (*path, "outputs"))
    sign = _sign(step, schema, path)
    status = rule_status(step, None, path)
    score_type = INTEGER if step.method == "rank" and step.ties != "average" else NUMBER
    for role, name in step.outputs.items():
        schema.define(name, score_type if role == "score" else NUMBER, step.id,
                      (*path, "outputs", role))
    population = f"{step.method} within period" + "".join(f" and {name}" for name in by)
    if step.method == "rank" and step.ties != "min":
        population += f", ties {step.ties}"

    def run(frame: Frame) -> None:
        x = frame.values[step.input]
        key, outside = _strata(frame, by)
        if outside.any():  # a row without its stratum counts in no population
            x = np.where(outside, np.nan, x)
        series = pd.Series(x)
        groups = series.groupby(key)
        center = spread = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if step.method == "median_mad":
                center = groups.transform("median").to_numpy()
                spread = (series - center).abs().groupby(key).transform("median").to_numpy()
                score = (x - center) / spread
            elif step.method == "zscore":
                center = groups.transform("mean").to_numpy()
                spread = groups.transform("std", ddof=step.ddof).to_numpy()
                score = (x - center) / spread
            elif step.method == "rank":
                # "first" numbers ties in frame order, which is authority code order.
                method = "first" if step.ties == "ordinal" else step.ties
                score = groups.rank(method=method, ascending=not step.descending).to_numpy()
            elif step.method == "percent_of_max":
                center = groups.transform("max").to_numpy()
                score = x / center * 100.0
            else:
                low = groups.transform("min").to_numpy()
                high = groups.transform("max").to_numpy()
                score = (x - low) / (high - low)
        score = np.where(np.isfinite(score), score * sign, np.nan)
        if outside.any():
            center = None if center is None else np.where(outside, np.nan, center)
            spread = None if spread is None else np.where(outside, np.nan, spread)
        st = np.maximum(frame.status[step.input], status).astype(np.int8)
        missing = np.isnan(frame.values[step.input])
        described = _described(step, population, key, x, center, spread) \
            if frame.trace.wants(step.id) else population
        # The population's centre and spread hold for every row; only the distance is
        # missing, and its trace row says why.
        reason = np.where(missing, f"{step.input} missing", np.where(
            outside, f"{listing(by)}: a value missing, so no population",
            np.where(np.isnan(score), "spread is zero: no distance", described)))
        outcome = np.where(missing, "input_missing", np.where(
            outside, "by_missing", np.where(np.isnan(score), "zero_spread", "value")))
        for role, values in (("center", center), ("spread", spread), ("score", score)):
            if role in step.outputs and values is not None:
                frame.set(step.outputs[role], np.asarray(values, dtype=np.float64),
                          score_type if role == "score" else NUMBER, st)
                if role == "score":
                    frame.record(step.id, step.outputs[role], step.id, reason.astype(object),
                                 outcome.astype(object), keep_missing=True)
                else:
                    frame.record(step.id, step.outputs[role], step.id, population)
    return run


def _sign(step: StandardiseStep, schema: Schema, path: YamlPath) -> float:
    """The score's direction: +1, or -1 where lower values of the input are better."""
    if step.polarity is None:
        return float(step.sign or 1)
    declared = schema.polarity.get(step.input)
    if declared is None:
        raise PlanError("E-PACK-TYPE", f"polarity: from_input needs an input of the pack; "
                        f"{step.input!r} is computed by step {schema.producer[step.input]!r} "
                        "(give sign: 1 or -1)", (*path, "polarity"))
    if declared not in ("higher", "lower"):
        raise PlanError("E-PACK-TYPE", f"input {step.input!r} has polarity {declared}, which "
                        "gives no direction to follow (declare higher or lower, or give "
                        "sign: 1 or -1)", (*path, "polarity"))
    return -1.0 if declared == "lower" else 1.0


def _strata(frame: Frame, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's population as a code (period × every ``by`` field), and the rows missing
    a ``by`` value (which belong to none)."""
    key = np.asarray(frame.period_codes(), dtype=np.int64)
    outside = np.zeros(frame.n, dtype=bool)
    for name in by:
        values = frame.values[name]
        codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=True)
        gap = codes < 0
        if values.dtype == object:
            gap |= pd.Series(values).eq("").to_numpy()
        outside |= gap
        # Renumbered densely each time, so the combined code never overflows.
        key = pd.factorize(key * (len(uniques) + 1) + (codes + 1))[0].astype(np.int64)
    return np.where(outside, -1, key), outside


def _described(step: StandardiseStep, population: str, key: np.ndarray, x: np.ndarray,
               center: np.ndarray | None, spread: np.ndarray | None) -> np.ndarray | str:
    """The trace's reason for a score: zscore's says its population's n, mean and SD."""
    if step.method != "zscore" or center is None or spread is None:
        return population
    count = pd.Series(~np.isnan(x)).groupby(key).transform("sum").to_numpy()
    kind = "sample" if step.ddof == 1 else "population"
    codes, first = np.unique(key, return_index=True)
    spelt = np.array([f"{population}: n {int(n)}, mean {format_number(m)}, SD "
                      f"{format_number(sd)} ({kind}, ddof {step.ddof})"
                      for n, m, sd in zip(count[first], center[first], spread[first],
                                          strict=True)], dtype=object)  # one per population
    described: np.ndarray = spelt[np.searchsorted(codes, key)]
    return described


def format_number(value: float) -> str:
    return "none" if not np.isfinite(value) else f"{value:.6g}"


KIND = StepKind(
    StandardiseStep, prepare,
    reads=lambda s, schema: {s.input, *s.by_fields()},
    writes=lambda s: list(s.outputs.values()))
