"""round: declared rounding of a number (half up, half even, floor, ceiling, truncation)."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import INTEGER, NUMBER
from perfassess.engine.frame import Frame
from perfassess.engine.numbers import round_values
from perfassess.engine.plan import Runner, Schema, YamlPath, status_code
from perfassess.engine.steps.common import numeric_input, rule_status
from perfassess.engine.steps.registry import Enumeration, KindDoc, StepKind
from perfassess.spec.pack import ComputeStep, RoundStep, StepBase


def prepare(step: RoundStep, schema: Schema, path: YamlPath) -> Runner:
    in_type = schema.require_field(step.input, (*path, "input"))
    numeric_input(step.input, in_type.kind, (*path, "input"))
    status = rule_status(step, None, path)
    out_type = INTEGER if step.digits <= 0 else NUMBER
    schema.define(step.output, out_type, step.id, (*path, "output"))

    def run(frame: Frame) -> None:
        x = frame.values[step.input]
        out = round_values(x, step.digits, step.method)
        # The rounding rule only decided the value where it changed it.
        changed = out != x
        changed &= ~np.isnan(x)
        st = frame.status[step.input].copy()
        np.maximum(st, status, out=st, where=changed)
        frame.set(step.output, out, out_type, st)
        frame.record(step.id, step.output, step.id,
                     f"{step.input} rounded ({step.method}, {step.digits} digits)")
    return run


def undone(step: RoundStep, level: int) -> StepBase | None:
    """Without the rounding: the value as it came."""
    if status_code(step.status) < level:
        return None
    return ComputeStep(kind="compute", id=step.id, output=step.output, expr=step.input,
                       status="documented")


DOC = KindDoc(
    summary="A number rounded as the rules declare: half up, half even, floor, ceiling or "
            "truncation.",
    keys={
        "input": "The numeric field to round.",
        "output": "The field written.",
        "digits": "Decimal places to keep: 0 rounds to whole numbers, −1 to tens, −2 to "
                  "hundreds.",
        "method": "`half_up`, `half_even`, `floor`, `ceil` or `trunc` (see below).",
    },
    semantics=(
        "`half_up` rounds halves away from zero (2.5 → 3, −2.5 → −3), as people round by "
        "hand; `half_even` rounds them to the even neighbour (2.5 → 2, 3.5 → 4); `floor` "
        "rounds down, `ceil` up, `trunc` towards zero.",
        "The value is scaled by 10^digits in binary floating point before it is rounded, so "
        "a decimal that binary cannot hold exactly may fall on the other side of a half "
        "(2.675 to 2 digits half up gives 2.67).",
        "A missing input gives a missing output.",
        "Output type: integer when `digits` is 0 or less, else a number.",
        "Status: the input's, made as uncertain as the step's only where the rounding "
        "changed the value.",
    ),
    example="""\
id: percent.rounded
kind: round
title: The percentage rounded to a whole number before banding
input: category_percent
output: category_percent_rounded
digits: 0
method: half_up
status: reconstructed
""")

KIND = StepKind(
    RoundStep, prepare, reads=lambda s, schema: {s.input}, writes=lambda s: [s.output],
    enumerate=lambda s, schema: Enumeration([s.input]),
    complete=lambda s, guaranteed: guaranteed(s.input), undone=undone,
    doc=DOC)
