"""compute: an arithmetic or logical expression over earlier fields."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER
from perfassess.engine.frame import Frame
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status
from perfassess.engine.steps.registry import Enumeration, StepKind, expression_fields
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


KIND = StepKind(
    ComputeStep, prepare, reads=lambda s, schema: expression_fields([s.expr], schema, "value"),
    writes=lambda s: [s.output],
    enumerate=lambda s, schema: Enumeration([], ((s.expr, "value"),)))
