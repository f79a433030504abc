"""require: rows missing a required field get no rating from here on, with the reason."""

from __future__ import annotations

import numpy as np

from perfassess.engine.fields import repeated
from perfassess.engine.frame import Frame, TraceChunk
from perfassess.engine.plan import Runner, Schema, YamlPath
from perfassess.engine.steps.common import rule_status, spell_combinations
from perfassess.engine.steps.registry import KindDoc, StepKind
from perfassess.spec.pack import RequireStep


def _runner(step_id: str, fields: list[str], reason: str, names: dict[str, str],
            status: int) -> Runner:
    head, placeholder, tail = reason.partition("{missing}")
    labels = [names.get(name, name) for name in fields]

    def run(frame: Frame) -> None:
        missing = []  # per field, the rows that miss it
        lacking = np.zeros(frame.n, dtype=bool)
        for name in fields:
            gap = np.isnan(frame.values[name])
            if name in frame.na:
                gap &= ~frame.na[name]
            missing.append(gap)
            lacking |= gap
        rows = np.flatnonzero(lacking & frame.active)
        if placeholder and len(rows):
            # Name what is missing only for the rows that lose their rating here.
            frame.note[rows] = spell_combinations(
                [gap[rows] for gap in missing],
                lambda on: head + ", ".join(labels[i] for i in on) + tail)
        elif len(rows):
            frame.note[rows] = reason
        frame.lost_at[rows] = step_id
        frame.active &= ~lacking
        if frame.trace.wants(step_id):
            frame.trace.add(TraceChunk(rows, step_id, "(rating)",
                                       repeated("", len(rows)), step_id,
                                       np.full(len(rows), status, dtype=np.int8),
                                       frame.note[rows], "required_missing"))
    return run


def prepare(step: RequireStep, schema: Schema, path: YamlPath) -> Runner:
    fields = schema.expand(step.fields, (*path, "fields"))
    status = rule_status(step, None, path)
    return _runner(step.id, fields, step.reason, step.names, status)


def prepare_inputs(fields: list[str]) -> Runner:
    """The implicit first step: every input marked ``required: true`` must be present."""
    return _runner("required-inputs", fields, "missing required input(s): {missing}", {}, 0)


DOC = KindDoc(
    summary="Rows missing any of these fields get no rating from here on, with the reason.",
    keys={
        "fields": "The fields (or groups, for all their members) every row must have.",
        "reason": "The row's `rating_note`; `{missing}` is replaced by the names of the "
                  "fields it lacks, joined by `, `.",
        "names": "The names `{missing}` uses for fields, by field id (the id otherwise).",
    },
    semantics=(
        "A row missing any of the fields loses its rating here: later steps write no value "
        "for it, and it is reported as not rated (W-NOT-RATED) with the reason. A value "
        "marked n/a counts as present.",
        "A row that lost its rating earlier keeps its first reason.",
        "The step writes no field.",
        "Every input declared `required: true` is checked the same way before the first "
        "step (as step `required-inputs`).",
    ),
    example="""\
id: needs.scores
kind: require
title: No rating without both scores
fields: [service_score, capacity_score]
reason: "not rated: no {missing}"
names: {service_score: service score, capacity_score: capacity score}
status: documented
""")

KIND = StepKind(
    RequireStep, prepare, reads=lambda s, schema: set(schema.expand(s.fields, ())),
    writes=lambda s: [], explains_rating=True,
    requires=lambda s, schema: schema.expand(s.fields, ()),
    doc=DOC)
