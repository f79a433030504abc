"""standardise: each value's distance from its population (a period, or period × groups)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from perfassess.core.people import listing
from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import PlanError, Runner, Schema, YamlPath
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import KindDoc, StepKind
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


DOC = KindDoc(
    summary="Each value's distance from the centre of its population: the rows of its "
            "period, or of its period and every `by` field's value.",
    keys={
        "input": "The numeric field to standardise.",
        "method": "`median_mad`, `zscore`, `rank`, `percent_of_max` or `min_max` (see "
                  "below).",
        "by": "A field, or a list of fields, whose values split each period's population "
              "further (a region, a type of council, a peer group).",
        "descending": "`rank` only: rank 1 goes to the highest value (by default to the "
                      "lowest).",
        "ddof": "`zscore` only: the standard deviation's delta degrees of freedom, 0 (the "
                "population SD, divided by n; the default) or 1 (the sample SD, divided by "
                "n − 1, as SAS PROC STANDARD and CMS use).",
        "sign": "`zscore` and `median_mad`: 1 or −1, multiplying the score (−1 where lower "
                "values are better, so that a higher score is always better).",
        "polarity": "`from_input`: the sign from the input's declared polarity (`lower`: "
                    "−1, `higher`: +1); an input of polarity `none` or `range`, or a field "
                    "computed by a step, is an error. Not with `sign`.",
        "ties": "`rank` only: how tied values rank: `min` (1, 2, 2, 4; the default), `max` "
                "(1, 3, 3, 4), `average` (1, 2.5, 2.5, 4; a number), `dense` (1, 2, 2, 3) "
                "or `ordinal` (1, 2, 3, 4, ties broken by authority code).",
        "outputs": "The fields to write, by role: `score` (required), and `center` and "
                   "`spread` where the method has them (`median_mad` and `zscore`: both; "
                   "`percent_of_max`: `center`; `rank` and `min_max`: neither).",
    },
    semantics=(
        "The population of a row is every row of the same period and the same value of "
        "each `by` field, the row itself included. A row missing a `by` value belongs to "
        "no population: it gets no centre, spread or score, counts in no n, and its trace "
        "outcome is `by_missing`.",
        "Missing inputs are left out of the population. `center` and `spread` are worked "
        "out from the present values and given to every row of the population, rows whose "
        "own input is missing included; their `score` is missing (trace outcome "
        "`input_missing`).",
        "`median_mad`: center is the median, spread the median absolute deviation from it "
        "(unscaled: no 1.4826 factor); score = sign × (value − center) / spread.",
        "`zscore`: center is the mean, spread the standard deviation with `ddof` (default 0, "
        "the population SD: divided by n, not n − 1); score = sign × (value − mean) / "
        "spread. The trace reason gives the population's n, mean and SD.",
        "`rank`: score is the rank within the population, 1 for the lowest value (the "
        "highest with `descending: true`); ties rank by `ties` (default `min`); an integer "
        "output except with `average`.",
        "`percent_of_max`: center is the population's maximum; score = value / maximum × "
        "100.",
        "`min_max`: score = (value − minimum) / (maximum − minimum), from 0 to 1.",
        "A score that is not finite (a spread, range or maximum of zero) is missing, with "
        "trace reason `spread is zero: no distance` (outcome `zero_spread`).",
        "Status: the less certain of the input's and the step's.",
    ),
    example="""\
id: measure.MORT_30_AMI
kind: standardise
title: MORT_30_AMI standardised over the hospitals reporting it (sample SD, higher is better)
input: MORT_30_AMI
method: zscore
ddof: 1
polarity: from_input
outputs: {score: MORT_30_AMI_z}
status: documented
""")

KIND = StepKind(
    StandardiseStep, prepare,
    reads=lambda s, schema: {s.input, *s.by_fields()},
    writes=lambda s: list(s.outputs.values()),
    doc=DOC)
