"""quantile: percentiles of a value within its stratum, and each row's quantile group."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps import strata as st
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import KindDoc, StepKind
from perfassess.spec.pack import QuantileStep


def prepare(step: QuantileStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    numeric_input(step.input, in_type.kind, (*path, "input"))
    by = st.check_by(step.by, schema, path)
    if step.ntile is not None:
        st.check_groups(step.ntile.k, (*path, "ntile", "k"))
    status = rule_status(step, None, path)
    for p, name in step.probabilities.items():
        schema.define(name, NUMBER, step.id, (*path, "probabilities", str(p)))
    if step.ntile is not None:
        schema.define(step.ntile.output, INTEGER, step.id, (*path, "ntile", "output"))
    where = st.population(by)

    def run(frame: Frame) -> None:
        x = frame.values[step.input]
        groups = st.strata(frame, by)
        data = st.ordered(x, groups.of_row, groups.n)
        in_stratum = groups.of_row >= 0
        out_status = np.maximum(frame.max_status([step.input, *by]), status).astype(np.int8)
        missing = np.isnan(x)
        empty = st.on_rows(data.counts == 0, groups.of_row, False)
        reason = np.where(groups.by_missing, st.no_stratum(by),
                          np.where(empty, f"no {step.input} in the stratum",
                                   f"{step.definition} within {where}")).astype(object)
        outcome = np.where(groups.by_missing, "by_missing",
                           np.where(empty, "empty_stratum", "value")).astype(object)
        if frame.trace.wants(step.id) and groups.n:
            # Each stratum's size, spelt once per stratum (not per row).
            sizes = np.array([f"{step.definition} within {where} (n = {c})"
                              for c in data.counts], dtype=object)
            reason = np.where(outcome == "value", st.on_rows(sizes, groups.of_row, ""), reason)
        for p, name in step.probabilities.items():
            values = st.on_rows(st.percentile(data, p, step.definition), groups.of_row, np.nan)
            frame.set(name, values, NUMBER, out_status)
            frame.record(step.id, name, step.id, reason, outcome, keep_missing=True)
        if step.ntile is not None:
            k = step.ntile.k
            bounds = st.boundaries(data, k, step.definition)
            group = np.full(frame.n, np.nan)
            group[data.rows] = st.group_of(data.values, data.stratum, bounds,
                                           step.ntile.boundary) + 1
            frame.set(step.ntile.output, group, INTEGER, out_status)
            own = np.where(in_stratum & missing, f"{step.input} missing", reason)
            frame.record(step.id, step.ntile.output, step.id, own,
                         np.where(in_stratum & missing, "input_missing", outcome),
                         keep_missing=True)
    return run


def _outcomes(step: QuantileStep, name: str) -> list[float] | None:
    if step.ntile is not None and name == step.ntile.output:
        return [float(g) for g in range(1, step.ntile.k + 1)]
    return None


DOC = KindDoc(
    summary="Percentiles of a value within its stratum (its period, or its period and the "
            "`by` fields' values), and each row's quantile group.",
    keys={
        "input": "The numeric field.",
        "by": "A field, or a list of fields, splitting each period further.",
        "definition": "The percentile definition (Hyndman and Fan's types): `hf2` (= "
                      "`sas5`, SAS PCTLDEF=5: the empirical distribution function with "
                      "averaging) or `hf7` (= `r7`, R's default: linear interpolation; the "
                      "default here).",
        "probabilities": "Probabilities from 0 to 1, each with the field that gets the "
                         "stratum's percentile (`{0.25: q1, 0.75: q3}`).",
        "ntile": "Each present value's group 1..k in its stratum, lowest values first.",
        "ntile.k": "How many groups: the boundaries are the (i/k)-th percentiles.",
        "ntile.output": "The integer field the group goes to.",
        "ntile.boundary": "The group a value equal to a boundary falls in: `lower` (the "
                          "group below it; the default) or `upper`.",
    },
    semantics=(
        "A stratum is the rows of one period with the same value of every `by` field. A "
        "row missing a `by` value is in no stratum and gets no value (outcome "
        "`by_missing`).",
        "Missing inputs are left out. A percentile is given to every row of its stratum, "
        "rows whose own value is missing included; the group only to rows with a value "
        "(outcome `input_missing` otherwise). A stratum with no value gets no percentile "
        "(`empty_stratum`).",
        "hf2: with n·p = j + g, the (j+1)-th smallest value when g > 0, the mean of the "
        "j-th and (j+1)-th when g = 0 (p = 0 and 1 give the minimum and maximum).",
        "hf7: h = (n − 1)·p; the (⌊h⌋+1)-th smallest value plus the fraction of h of the "
        "way to the next.",
        "Groups: with `boundary: lower` a value in (b(i−1), b(i)] is in group i; with "
        "`upper`, [b(i−1), b(i)).",
        "Status: the least certain of the step's, the input's and the `by` fields'.",
    ),
    example="""\
id: safety.quartile
kind: quantile
title: The safety group score's quartile within the period (R's type 7)
input: safety_score
definition: hf7
ntile: {k: 4, output: safety_quartile, boundary: lower}
status: documented
""")

KIND = StepKind(
    QuantileStep, prepare,
    reads=lambda s, schema: {s.input, *st.by_fields(s.by)},
    writes=lambda s: [*s.probabilities.values(), *([s.ntile.output] if s.ntile else [])],
    outcomes=lambda step, name, schema, inner: _outcomes(step, name), doc=DOC)
