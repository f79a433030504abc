"""standardise: each value's distance from its population (a period, or period × group)."""

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
    if step.by is not None:
        schema.require_field(step.by, (*path, "by"))
    extra = set(step.outputs) - _ROLES[step.method]
    if extra:
        raise PlanError("E-PACK-SCHEMA", f"method {step.method} has no output "
                        f"{sorted(extra)[0]!r} (it gives {listing(sorted(_ROLES[step.method]))})",
                        (*path, "outputs"))
    if "score" not in step.outputs:
        raise PlanError("E-PACK-SCHEMA", "standardise needs a 'score' output", (*path, "outputs"))
    status = rule_status(step, None, path)
    for role, name in step.outputs.items():
        ftype = INTEGER if step.method == "rank" and role == "score" else NUMBER
        schema.define(name, ftype, step.id, (*path, "outputs", role))

    def run(frame: Frame) -> None:
        x = pd.Series(frame.values[step.input])
        key = frame.period_codes()
        if step.by is not None:
            by_codes, _ = pd.factorize(pd.Series(frame.values[step.by]), use_na_sentinel=True)
            key = key * (int(by_codes.max()) + 2) + (by_codes + 1)
        groups = x.groupby(key)
        center = spread = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if step.method == "median_mad":
                center = groups.transform("median").to_numpy()
                spread = (x - center).abs().groupby(key).transform("median").to_numpy()
                score = (x.to_numpy() - center) / spread
            elif step.method == "zscore":
                center = groups.transform("mean").to_numpy()
                spread = groups.transform("std", ddof=0).to_numpy()
                score = (x.to_numpy() - center) / spread
            elif step.method == "rank":
                score = groups.rank(method="min", ascending=not step.descending).to_numpy()
            elif step.method == "percent_of_max":
                center = groups.transform("max").to_numpy()
                score = x.to_numpy() / center * 100.0
            else:
                low = groups.transform("min").to_numpy()
                high = groups.transform("max").to_numpy()
                score = (x.to_numpy() - low) / (high - low)
        score = np.where(np.isfinite(score), score, np.nan)
        st = np.maximum(frame.status[step.input], status).astype(np.int8)
        missing = np.isnan(x.to_numpy())
        population = f"{step.method} within period" + (f" and {step.by}" if step.by else "")
        # The population's centre and spread hold for every row; only the distance is
        # missing, and its trace row says why.
        reason = np.where(missing, f"{step.input} missing",
                          np.where(np.isnan(score), "spread is zero: no distance", population))
        outcome = np.where(missing, "input_missing",
                           np.where(np.isnan(score), "zero_spread", "value")).astype(object)
        for role, values in (("center", center), ("spread", spread), ("score", score)):
            if role in step.outputs and values is not None:
                frame.set(step.outputs[role], np.asarray(values, dtype=np.float64),
                          NUMBER if role != "score" or step.method != "rank" else INTEGER, st)
                if role == "score":
                    frame.record(step.id, step.outputs[role], step.id, reason.astype(object),
                                 outcome, keep_missing=True)
                else:
                    frame.record(step.id, step.outputs[role], step.id, population)
    return run


DOC = KindDoc(
    summary="Each value's distance from the centre of its population: the rows of its "
            "period, or of its period and `by` group.",
    keys={
        "input": "The numeric field to standardise.",
        "method": "`median_mad`, `zscore`, `rank`, `percent_of_max` or `min_max` (see "
                  "below).",
        "by": "A field whose values split each period's population further (a region, a "
              "type of council).",
        "descending": "`rank` only: rank 1 goes to the highest value (by default to the "
                      "lowest).",
        "outputs": "The fields to write, by role: `score` (required), and `center` and "
                   "`spread` where the method has them (`median_mad` and `zscore`: both; "
                   "`percent_of_max`: `center`; `rank` and `min_max`: neither).",
    },
    semantics=(
        "The population of a row is every row of the same period (and the same `by` "
        "value), the row itself included. Rows whose `by` value is missing form one "
        "population of their own in each period.",
        "Missing inputs are left out of the population. `center` and `spread` are worked "
        "out from the present values and given to every row of the population, rows whose "
        "own input is missing included; their `score` is missing (trace outcome "
        "`input_missing`).",
        "`median_mad`: center is the median, spread the median absolute deviation from it "
        "(unscaled: no 1.4826 factor); score = (value − center) / spread.",
        "`zscore`: center is the mean, spread the population standard deviation (ddof = 0: "
        "divided by n, not n − 1); score = (value − mean) / spread.",
        "`rank`: score is the rank within the population, 1 for the lowest value (the "
        "highest with `descending: true`); tied values all take the lowest rank of their "
        "tie (1, 2, 2, 4); an integer output.",
        "`percent_of_max`: center is the population's maximum; score = value / maximum × "
        "100.",
        "`min_max`: score = (value − minimum) / (maximum − minimum), from 0 to 1.",
        "A score that is not finite (a spread, range or maximum of zero) is missing, with "
        "trace reason `spread is zero: no distance` (outcome `zero_spread`).",
        "Status: the less certain of the input's and the step's.",
    ),
    example="""\
id: cost.z
kind: standardise
title: Unit cost against councils of the same type
input: unit_cost
method: zscore
by: council_type
outputs: {center: cost_mean, spread: cost_sd, score: cost_z}
status: illustrative
""")

KIND = StepKind(
    StandardiseStep, prepare,
    reads=lambda s, schema: {s.input} | ({s.by} if s.by else set()),
    writes=lambda s: list(s.outputs.values()),
    doc=DOC)
