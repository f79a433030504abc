"""compute: an arithmetic or logical expression over earlier fields."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status
from perfassess.engine.steps.registry import Enumeration, KindDoc, StepKind, expression_fields
from perfassess.spec.pack import ComputeStep


def prepare(step: ComputeStep, schema: Schema, path: YamlPath) -> Runner:
    compiled = schema.compile(step.expr, (*path, "expr"), want="value",
                              zero_division=step.zero_division)
    status = rule_status(step, None, path)
    out_type = INTEGER if step.integer else compiled.result
    schema.define(step.output, out_type, step.id, (*path, "output"))
    reason = f"= {step.expr}"

    def run(frame: Frame) -> None:
        out = compiled.values(frame.env(), frame.n)
        if step.integer:
            out = np.round(out)
            out[np.isnan(out)] = np.nan
        st = np.maximum(compiled.status(frame.values, frame.status, frame.n), status)
        frame.set(step.output, out, out_type, st)
        frame.record(step.id, step.output, step.id, reason)
    return run


DOC = KindDoc(
    summary="An arithmetic or logical expression over earlier fields.",
    keys={
        "output": "The field written.",
        "expr": "The expression (see the expression language below).",
        "integer": "Round the result to a whole number (halves to the even neighbour) and "
                   "make the output an integer.",
        "zero_division": "What a zero divisor of `/` gives: `error` (the default: the run "
                         "stops with E-DIVISION-BY-ZERO naming the step, authority and "
                         "period) or `missing` (a missing value). `div(a, b, otherwise)` "
                         "says it for one division.",
    },
    semantics=(
        "The expression's value row by row; a condition gives 1 (true), 0 (false) or a "
        "missing value (unknown).",
        "Arithmetic with a missing value is missing; the functions below say how each "
        "treats missing values. A division by zero is an error unless `zero_division: "
        "missing` or `div()` says what it gives; a literal zero divisor is refused before "
        "any data is read. A condition is not a number inside arithmetic "
        "(`(a > 1) + (b > 1)` is E-PACK-EXPR: use `count(...)` or `if(c, 1, 0)`).",
        "Output type: the expression's (a label where it yields one, such as `min` of "
        "label fields of one vocabulary), or integer with `integer: true`.",
        "Status: the least certain of the step's and those of the fields the expression "
        "reads that are present (`coalesce` takes the status of the argument it used).",
    ),
    example="""\
id: category.percent
kind: compute
title: Evidence categories as a percentage of the maximum
output: category_percent
expr: "mean(experience, feedback, processes) / 4 * 100"
status: documented
""")

KIND = StepKind(
    ComputeStep, prepare, reads=lambda s, schema: expression_fields([s.expr], schema, "value"),
    writes=lambda s: [s.output],
    enumerate=lambda s, schema: Enumeration([], ((s.expr, "value"),)),
    doc=DOC)
